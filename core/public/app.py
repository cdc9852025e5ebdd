"""The public endpoints recipients reach at PUBLIC_BASE_URL: unsubscribe, open pixel, tracked clicks.

stdlib `http.server.ThreadingHTTPServer`: a handful of tiny routes, no
templates, no sessions; a framework would add a dependency and nothing we use.
Each request is at most one short store unit; nothing is held across requests.

- GET  /u/<token>        a small Korean page with a confirm button. It does not
                         unsubscribe by itself: mail scanners and link previewers
                         fetch links (RFC 8058 §1), and a GET that unsubscribed
                         would unsubscribe people who never asked.
- POST /u/<token>        unsubscribes at once: the page's button, or one-click
                         `List-Unsubscribe=One-Click` from the mail client (RFC 8058 §3.2:
                         answered directly with 200, never a redirect).
- GET  /o/<id>.gif?s=    records an open, answers a 1x1 GIF.
- GET  /c/<id>?u=&s=     records a click and redirects (302) to `u`, but only when `s`
                         signs exactly (id, u): never an open redirect.
A bad or forged signature gets 400 and a plain message.

Later issues add their routes to ROUTES (see the end of this file): the
warranty certificate page and the shops' webhooks.
"""
from __future__ import annotations

import dataclasses
import html
import logging
import re
import threading
from collections.abc import Callable
from email.parser import BytesParser
from email.policy import HTTP
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, quote, unquote, urlsplit

from core.log import event
from core.public import tracking, unsubscribe
from core.store import Store, StoreBusy

log = logging.getLogger("core.public.app")

MAX_BODY_BYTES = 64 * 1024
DEFAULT_PORT = 8625

# A transparent 1x1 GIF (43 bytes).
PIXEL_GIF = (b"GIF89a\x01\x00\x01\x00\x80\x00\x00\x00\x00\x00\xff\xff\xff!\xf9\x04\x01\x00\x00\x00\x00"
             b",\x00\x00\x00\x00\x01\x00\x01\x00\x00\x02\x02D\x01\x00;")

COPY = {
    "unsub_title": "수신거부",
    "unsub_question": "{shop}에서 보내는 광고성 이메일을 더 이상 받지 않으시겠어요?",
    "unsub_button": "수신거부하기",
    "unsub_hint": "버튼을 누르면 바로 적용됩니다. 주문·배송 안내처럼 꼭 필요한 메일은 계속 받으실 수 있습니다.",
    "unsub_done_title": "수신거부가 완료되었습니다",
    "unsub_done": "{shop}의 광고성 이메일을 더 이상 보내 드리지 않습니다. 지금부터 바로 적용됩니다.",
    "unsub_already": "이미 수신거부하신 상태입니다. 광고성 이메일은 보내 드리지 않습니다.",
    "bad_unsub_link": "이 수신거부 링크가 올바르지 않습니다. 받으신 메일의 링크를 그대로 열어 주세요.\n"
                      "This unsubscribe link is not valid.\n",
    "bad_link": "이 링크가 올바르지 않습니다.\nThis link is not valid.\n",
    "busy": "잠시 후 다시 시도해 주세요.\nPlease try again in a moment.\n",
    "error": "요청을 처리하지 못했습니다. 잠시 후 다시 시도해 주세요.\nSomething went wrong; please try again.\n",
    "not_found": "페이지를 찾을 수 없습니다.\nNot found.\n",
    "not_allowed": "허용되지 않는 요청입니다.\nMethod not allowed.\n",
    "too_large": "요청이 너무 큽니다.\nRequest too large.\n",
    "default_shop": "쇼핑몰",
}


# ---------------------------------------------------------------- requests, responses, routes

@dataclasses.dataclass
class Request:
    method: str
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]        # lower-case names
    body: bytes
    params: dict[str, str]         # named groups of the route's pattern

    def arg(self, name: str) -> str | None:
        values = self.query.get(name)
        return values[0] if values else None


@dataclasses.dataclass
class Response:
    status: int
    body: bytes = b""
    content_type: str = "text/plain; charset=utf-8"
    headers: dict[str, str] = dataclasses.field(default_factory=dict)


def text_response(status: int, text: str) -> Response:
    return Response(status, text.encode("utf-8"))


Handler = Callable[[Store, Request], Response]


@dataclasses.dataclass(frozen=True)
class Route:
    method: str
    pattern: re.Pattern
    handler: Handler


ROUTES: list[Route] = []


def route(method: str, pattern: str) -> Callable[[Handler], Handler]:
    """Register a handler for METHOD and a full-path regex (named groups become `request.params`)."""
    def register(handler: Handler) -> Handler:
        ROUTES.append(Route(method.upper(), re.compile(pattern), handler))
        return handler
    return register


# ---------------------------------------------------------------- pages

def _page(title: str, body_html: str) -> bytes:
    return f"""<!DOCTYPE html>
<html lang="ko"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex"><title>{html.escape(title)}</title>
<style>
body {{ margin:0; background:#f3f4f6; font-family:-apple-system,'Apple SD Gothic Neo','Malgun Gothic',sans-serif; color:#1f2937; }}
main {{ max-width:480px; margin:48px auto; padding:32px 24px; background:#fff; border-radius:12px; }}
h1 {{ font-size:22px; margin:0 0 16px; }}
p {{ font-size:16px; line-height:1.7; margin:0 0 16px; }}
.hint {{ font-size:13px; color:#6b7280; }}
button {{ display:block; width:100%; min-height:52px; border:0; border-radius:10px; background:#111827;
  color:#fff; font-size:17px; font-weight:bold; cursor:pointer; }}
</style></head>
<body><main><h1>{html.escape(title)}</h1>{body_html}</main></body></html>
""".encode()


def _html(status: int, title: str, body_html: str) -> Response:
    return Response(status, _page(title, body_html), "text/html; charset=utf-8",
                    {"Cache-Control": "no-store", "X-Robots-Tag": "noindex"})


def _shop_name(con, shop_id: str) -> str:
    row = con.execute("SELECT name FROM shops WHERE shop_id = ?", [shop_id]).fetchone()
    return row[0] if row else COPY["default_shop"]


def _is_one_click(request: Request) -> bool:
    """RFC 8058 §3.1: the body is List-Unsubscribe=One-Click, url-encoded or as multipart/form-data."""
    content_type = request.headers.get("content-type", "")
    if content_type.startswith("multipart/form-data"):
        message = BytesParser(policy=HTTP).parsebytes(
            f"Content-Type: {content_type}\r\n\r\n".encode("latin-1") + request.body)
        return any(part.get_param("name", header="content-disposition") == "List-Unsubscribe"
                   and part.get_content().strip() == "One-Click"
                   for part in message.iter_parts()) if message.is_multipart() else False
    form = parse_qs(request.body.decode("utf-8", "replace"))
    return form.get("List-Unsubscribe") == ["One-Click"]


@route("GET", r"/u/(?P<token>[^/]+)")
def unsubscribe_page(store: Store, request: Request) -> Response:
    try:
        shop_id, member_key = unsubscribe.read_token(unquote(request.params["token"]))
    except unsubscribe.BadToken:
        return text_response(400, COPY["bad_unsub_link"])
    with store.unit() as con:
        shop = _shop_name(con, shop_id)
        already = con.execute("SELECT count(*) FROM unsubscribes WHERE shop_id = ? AND member_key = ? "
                              "AND channel IN ('email', 'all')", [shop_id, member_key]).fetchone()[0]
    if already:
        return _html(200, COPY["unsub_done_title"], f"<p>{html.escape(COPY['unsub_already'])}</p>")
    question = html.escape(COPY["unsub_question"].format(shop=shop))
    form = (f'<p>{question}</p><form method="post"><input type="hidden" name="confirm" value="1">'
            f'<button type="submit">{html.escape(COPY["unsub_button"])}</button></form>'
            f'<p class="hint" style="margin-top:16px;">{html.escape(COPY["unsub_hint"])}</p>')
    return _html(200, COPY["unsub_title"], form)


@route("POST", r"/u/(?P<token>[^/]+)")
def unsubscribe_post(store: Store, request: Request) -> Response:
    try:
        shop_id, member_key = unsubscribe.read_token(unquote(request.params["token"]))
    except unsubscribe.BadToken:
        return text_response(400, COPY["bad_unsub_link"])
    one_click = _is_one_click(request)
    source = "one-click" if one_click else "link"
    unsubscribe.unsubscribe(store, shop_id, member_key, source)
    event(log, "public.unsubscribed", shop_id=shop_id, source=source)
    if one_click:
        return text_response(200, "unsubscribed\n")
    with store.unit() as con:
        shop = _shop_name(con, shop_id)
    return _html(200, COPY["unsub_done_title"],
                 f"<p>{html.escape(COPY['unsub_done'].format(shop=shop))}</p>")


@route("GET", r"/o/(?P<message_id>[^/]+)\.gif")
def open_pixel(store: Store, request: Request) -> Response:
    message_id = unquote(request.params["message_id"])
    try:
        tracking.verify_open(message_id, request.arg("s"))
    except tracking.BadSignature:
        return text_response(400, COPY["bad_link"])
    try:
        tracking.record_open(store, message_id, user_agent=request.headers.get("user-agent"))
    except Exception as exc:  # the recipient still gets the image; the open is only a statistic
        event(log, "public.open_not_recorded", logging.WARNING, message_id=message_id, error=str(exc))
    return Response(200, PIXEL_GIF, "image/gif",
                    {"Cache-Control": "no-store, no-cache, must-revalidate, private", "Pragma": "no-cache",
                     "Expires": "0"})


@route("GET", r"/c/(?P<message_id>[^/]+)")
def tracked_click(store: Store, request: Request) -> Response:
    message_id = unquote(request.params["message_id"])
    url = request.arg("u") or ""
    try:
        tracking.verify_click(message_id, url, request.arg("s"))
    except tracking.BadSignature:
        return text_response(400, COPY["bad_link"])
    if re.search(r"[\x00-\x20\x7f]", url):
        return text_response(400, COPY["bad_link"])
    try:
        tracking.record_click(store, message_id, url, user_agent=request.headers.get("user-agent"))
    except Exception as exc:  # still take the recipient where the message promised
        event(log, "public.click_not_recorded", logging.WARNING, message_id=message_id, error=str(exc))
    location = quote(url, safe=":/?#[]@!$&'()*+,;=%~")  # non-ASCII percent-encoded for the header
    return Response(302, b"", headers={"Location": location, "Cache-Control": "no-store"})


# Later issues register here (each a module that uses @route, imported by make_server):
#   GET  /w/<token>                  the warranty certificate page (issue: loyalty)
#   POST /hooks/<shop_id>/<platform> the shops' webhooks (issue: integrations)
ROUTE_MODULES: list[str] = []
ROUTE_MODULES.append("core.loyalty.certificate")  # GET /w/<code>, the warranty certificate (issue 5)


# ---------------------------------------------------------------- the server

class _RequestHandler(BaseHTTPRequestHandler):
    server_version = "shop-crm-public"
    sys_version = ""
    protocol_version = "HTTP/1.1"
    timeout = 15  # seconds a slow client may hold a thread

    def do_GET(self) -> None:
        self._dispatch("GET")

    def do_POST(self) -> None:
        self._dispatch("POST")

    def do_HEAD(self) -> None:
        self._dispatch("HEAD")

    def _dispatch(self, method: str) -> None:
        try:
            response = self._handle(method)
        except StoreBusy:
            response = text_response(503, COPY["busy"])
            response.headers["Retry-After"] = "5"
        except Exception as exc:
            event(log, "public.error", logging.ERROR, path=urlsplit(self.path).path[:3],
                  error=f"{type(exc).__name__}: {exc}")
            response = text_response(500, COPY["error"])
        self._write(method, response)

    def _handle(self, method: str) -> Response:
        split = urlsplit(self.path)
        path = split.path
        allowed = []
        for candidate in ROUTES:
            match = candidate.pattern.fullmatch(path)
            if not match:
                continue
            if candidate.method != method:
                allowed.append(candidate.method)
                continue
            length = int(self.headers.get("Content-Length") or 0)
            if length > MAX_BODY_BYTES:
                self.close_connection = True
                return text_response(413, COPY["too_large"])
            body = self.rfile.read(length) if length > 0 else b""
            request = Request(method, path, parse_qs(split.query, keep_blank_values=True),
                              {k.lower(): v for k, v in self.headers.items()}, body, match.groupdict())
            return candidate.handler(self.server.store, request)
        if allowed:
            response = text_response(405, COPY["not_allowed"])
            response.headers["Allow"] = ", ".join(sorted(set(allowed)))
            return response
        return text_response(404, COPY["not_found"])

    def _write(self, method: str, response: Response) -> None:
        self.send_response(response.status)
        self.send_header("Content-Type", response.content_type)
        self.send_header("Content-Length", str(len(response.body)))
        self.send_header("X-Content-Type-Options", "nosniff")
        for name, value in response.headers.items():
            self.send_header(name, value)
        self.end_headers()
        if method != "HEAD":
            self.wfile.write(response.body)

    def log_message(self, format: str, *args: object) -> None:
        # Paths carry tokens and signatures: keep them out of the logs.
        log.debug("public request %s", (args[1] if len(args) > 1 else ""))


class PublicServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, store: Store, address: tuple[str, int]) -> None:
        super().__init__(address, _RequestHandler)
        self.store = store
        self.thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        host, port = self.server_address[:2]
        return f"http://{host}:{port}"

    def stop(self) -> None:
        """Stop serving (waits for the serve loop, not for requests in flight) and release the port."""
        if self.thread is not None:
            self.shutdown()
            self.thread.join(timeout=5)
        self.server_close()


def make_server(store: Store, host: str = "127.0.0.1", port: int = DEFAULT_PORT) -> PublicServer:
    """A bound server; run `serve_forever()` (in a thread, or via `python -m core public`), `shutdown()` to stop."""
    import importlib
    for module in ROUTE_MODULES:
        importlib.import_module(module)
    return PublicServer(store, (host, port))


def start_in_thread(store: Store, host: str = "127.0.0.1", port: int = DEFAULT_PORT) -> PublicServer:
    """Serve in a daemon thread (the scheduler's way); `server.stop()` ends it. Port 0 picks a free port."""
    server = make_server(store, host, port)
    server.thread = threading.Thread(target=server.serve_forever, name="public-endpoints", daemon=True)
    server.thread.start()
    event(log, "public.serving", host=host, port=server.server_address[1],
          public_base_url=tracking.public_base_url())
    return server


def serve(store: Store, host: str = "127.0.0.1", port: int = DEFAULT_PORT) -> None:
    server = make_server(store, host, port)
    event(log, "public.serving", host=host, port=server.server_address[1],
          public_base_url=tracking.public_base_url())
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
