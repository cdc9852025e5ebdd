"""The public endpoints recipients reach at PUBLIC_BASE_URL: unsubscribe, open pixel, tracked clicks, certificates.

A Starlette app served by uvicorn: the routes face the internet, so they sit on
a maintained HTTP server with a real parser (h11) rather than on `http.server`,
which Python's documentation says is not for production. Each request is at
most one short store unit; nothing is held across requests. The handlers are
an edge: they read the clock once and pass `now` to what they record.

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
- GET  /w/<code>         the warranty certificate (core.public.certificates).
- POST /hooks/cafe24/<t> a shop's webhook events (core.public.webhooks).
HEAD answers wherever GET does. A bad or forged signature gets 400 and a plain
message; a store held past its bounded wait gets 503 with Retry-After.

Limits (`Guard`, a small ASGI middleware in front of the routes, because uvicorn
answers its own limits with a bare 400): a request target over MAX_TARGET_BYTES
is 414, more than MAX_HEADER_COUNT headers or MAX_HEADER_BYTES of them is 431, a
body over MAX_BODY_BYTES is 413 (by its Content-Length before reading, or while
reading a chunked one). A Content-Length that is not a plain decimal number
(`abc`, `-5`) is 400: h11 refuses it before the app sees it, and Guard refuses
it again so the rule holds whatever parser runs. A request head larger than
uvicorn's parser buffer (H11_BUFFER_BYTES, well above the limits) is a 400 from
uvicorn itself.
"""
from __future__ import annotations

import html
import logging
import re
import socket
import threading
import time
from email.parser import BytesParser
from email.policy import HTTP
from urllib.parse import parse_qs, quote

import duckdb
import uvicorn
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import BaseRoute, Route
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from core import clock
from core.errors import Conflict
from core.i18n import t
from core.log import event
from core.public import certificates, signing, tracking, unsubscribe, webhooks
from core.store import Store, StoreBusy

log = logging.getLogger("core.public.app")

LANG = "ko"  # the recipients' language
MAX_BODY_BYTES = 64 * 1024
MAX_TARGET_BYTES = 64 * 1024        # the path and query of a request (a click link carries its destination)
MAX_HEADER_BYTES = 64 * 1024
MAX_HEADER_COUNT = 100
H11_BUFFER_BYTES = MAX_TARGET_BYTES + MAX_HEADER_BYTES + 16 * 1024
DEFAULT_PORT = 8625
RETRY_AFTER_SECONDS = 5
STARTUP_TIMEOUT_SECONDS = 10.0
SHUTDOWN_TIMEOUT_SECONDS = 5

# A transparent 1x1 GIF (43 bytes).
PIXEL_GIF = (b"GIF89a\x01\x00\x01\x00\x80\x00\x00\x00\x00\x00\xff\xff\xff!\xf9\x04\x01\x00\x00\x00\x00"
             b",\x00\x00\x00\x00\x01\x00\x01\x00\x00\x02\x02D\x01\x00;")

_NO_STORE = {"Cache-Control": "no-store", "X-Robots-Tag": "noindex"}
_CONTROL_CHARACTERS = re.compile(r"[\x00-\x20\x7f]")
_DECIMAL = re.compile(rb"[0-9]+")


# ---------------------------------------------------------------- responses

def plain(status: int, key: str, headers: dict[str, str] | None = None) -> PlainTextResponse:
    """A plain-text answer in Korean with the English line under it, for whoever opens a broken link."""
    return PlainTextResponse(f"{t(key, LANG)}\n{t(key, 'en')}\n", status, headers)


def _page(title: str, body_html: str) -> str:
    return f"""<!DOCTYPE html>
<html lang="ko"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex"><title>{html.escape(title)}</title>
<style>
body {{ margin:0; background:#f3f4f6; color:#1f2937;
  font-family:-apple-system,'Apple SD Gothic Neo','Malgun Gothic',sans-serif; }}
main {{ max-width:480px; margin:48px auto; padding:32px 24px; background:#fff; border-radius:12px; }}
h1 {{ font-size:22px; margin:0 0 16px; }}
p {{ font-size:16px; line-height:1.7; margin:0 0 16px; }}
.hint {{ font-size:13px; color:#6b7280; }}
button {{ display:block; width:100%; min-height:52px; border:0; border-radius:10px; background:#111827;
  color:#fff; font-size:17px; font-weight:bold; cursor:pointer; }}
</style></head>
<body><main><h1>{html.escape(title)}</h1>{body_html}</main></body></html>
"""


def _html(title: str, body_html: str) -> Response:
    return Response(_page(title, body_html), 200, dict(_NO_STORE), "text/html; charset=utf-8")


def _arg(request: Request, name: str) -> str | None:
    """The first value of query parameter `name` (a repeated parameter never replaces the signed one)."""
    values = request.query_params.getlist(name)
    return values[0] if values else None


def _store(request: Request) -> Store:
    store: Store = request.app.state.store
    return store


# ---------------------------------------------------------------- unsubscribe

def _shop_name(con: duckdb.DuckDBPyConnection, shop_id: str) -> str:
    row = con.execute("SELECT name FROM shops WHERE shop_id = ?", [shop_id]).fetchone()
    return str(row[0]) if row else t("public.default_shop", LANG)


def _is_one_click(content_type: str, body: bytes) -> bool:
    """RFC 8058 §3.1: the body is List-Unsubscribe=One-Click, url-encoded or as multipart/form-data."""
    if content_type.startswith("multipart/form-data"):
        message = BytesParser(policy=HTTP).parsebytes(
            f"Content-Type: {content_type}\r\n\r\n".encode("latin-1", "replace") + body)
        if not message.is_multipart():
            return False
        return any(part.get_param("name", header="content-disposition") == "List-Unsubscribe"
                   and str(part.get_content()).strip() == "One-Click"
                   for part in message.iter_parts())
    form = parse_qs(body.decode("utf-8", "replace"))
    return form.get("List-Unsubscribe") == ["One-Click"]


def _unsubscribe_page(store: Store, token: str) -> Response:
    try:
        shop_id, member_key = unsubscribe.read_token(token)
    except unsubscribe.BadToken:
        return plain(400, "public.bad_unsub_link")
    with store.unit() as con:
        shop = _shop_name(con, shop_id)
        already = unsubscribe.is_unsubscribed_in(con, shop_id, member_key)
    if already:
        return _html(t("public.unsub.done_title", LANG), f"<p>{html.escape(t('public.unsub.already', LANG))}</p>")
    question = html.escape(t("public.unsub.question", LANG, shop=shop))
    form = (f'<p>{question}</p><form method="post"><input type="hidden" name="confirm" value="1">'
            f'<button type="submit">{html.escape(t("public.unsub.button", LANG))}</button></form>'
            f'<p class="hint" style="margin-top:16px;">{html.escape(t("public.unsub.hint", LANG))}</p>')
    return _html(t("public.unsub.title", LANG), form)


def _unsubscribe_post(store: Store, token: str, one_click: bool) -> Response:
    try:
        shop_id, member_key = unsubscribe.read_token(token)
    except unsubscribe.BadToken:
        return plain(400, "public.bad_unsub_link")
    source = unsubscribe.Source.ONE_CLICK if one_click else unsubscribe.Source.LINK
    with store.unit() as con:
        unsubscribe.record(con, shop_id, member_key, source, now=clock.now())
        shop = _shop_name(con, shop_id)
    event(log, "public.unsubscribed", shop_id=shop_id, source=str(source))
    if one_click:
        return PlainTextResponse("unsubscribed\n", 200)
    return _html(t("public.unsub.done_title", LANG), f"<p>{html.escape(t('public.unsub.done', LANG, shop=shop))}</p>")


async def unsubscribe_link(request: Request) -> Response:
    """GET (and HEAD) shows the page; POST unsubscribes. One route, so a 405 names both methods."""
    if request.method != "POST":
        return await run_in_threadpool(_unsubscribe_page, _store(request), request.path_params["token"])
    body = await request.body()
    one_click = _is_one_click(request.headers.get("content-type", ""), body)
    return await run_in_threadpool(_unsubscribe_post, _store(request), request.path_params["token"], one_click)


# ---------------------------------------------------------------- opens and clicks

def _open_pixel(store: Store, message_id: str, signature: str | None, user_agent: str | None) -> Response:
    try:
        tracking.verify_open(message_id, signature)
    except signing.BadSignature:
        return plain(400, "public.bad_link")
    try:
        tracking.record_open(store, message_id, now=clock.now(), user_agent=user_agent)
    except Exception as exc:  # the recipient still gets the image; the open is only a statistic
        event(log, "public.open_not_recorded", logging.WARNING, message_id=message_id, error=type(exc).__name__)
    return Response(PIXEL_GIF, 200, {"Cache-Control": "no-store, no-cache, must-revalidate, private",
                                     "Pragma": "no-cache", "Expires": "0"}, "image/gif")


def _tracked_click(store: Store, message_id: str, url: str, signature: str | None,
                   user_agent: str | None) -> Response:
    try:
        tracking.verify_click(message_id, url, signature)
    except signing.BadSignature:
        return plain(400, "public.bad_link")
    if _CONTROL_CHARACTERS.search(url):
        return plain(400, "public.bad_link")
    try:
        tracking.record_click(store, message_id, url, now=clock.now(), user_agent=user_agent)
    except Exception as exc:  # still take the recipient where the message promised
        event(log, "public.click_not_recorded", logging.WARNING, message_id=message_id, error=type(exc).__name__)
    location = quote(url, safe=":/?#[]@!$&'()*+,;=%~")  # non-ASCII percent-encoded for the header
    return Response(b"", 302, {"Location": location, "Cache-Control": "no-store"})


async def open_pixel(request: Request) -> Response:
    return await run_in_threadpool(_open_pixel, _store(request), request.path_params["message_id"],
                                   _arg(request, "s"), request.headers.get("user-agent"))


async def tracked_click(request: Request) -> Response:
    return await run_in_threadpool(_tracked_click, _store(request), request.path_params["message_id"],
                                   _arg(request, "u") or "", _arg(request, "s"), request.headers.get("user-agent"))


# ---------------------------------------------------------------- the app

def routes() -> list[BaseRoute]:
    """Every public route; a module that serves more (the shops' webhooks) adds its list here."""
    return [
        Route("/u/{token}", unsubscribe_link, methods=["GET", "POST"]),
        Route("/o/{message_id}.gif", open_pixel, methods=["GET"]),
        Route("/c/{message_id}", tracked_click, methods=["GET"]),
        *certificates.ROUTES,
        *webhooks.ROUTES,
    ]


async def _http_error(request: Request, exc: Exception) -> Response:
    status = exc.status_code if isinstance(exc, HTTPException) else 500
    if status == 405:
        # HEAD goes with GET (RFC 9110 §9.3.2), so Allow names the methods a route was written for.
        allowed = (exc.headers or {}).get("Allow", "") if isinstance(exc, HTTPException) else ""
        methods = sorted({m.strip() for m in allowed.split(",") if m.strip() and m.strip() != "HEAD"})
        return plain(405, "public.not_allowed", {"Allow": ", ".join(methods)})
    if status == 404:
        return plain(404, "public.not_found")
    if status == 400:
        return plain(400, "public.bad_request")
    return plain(status, "public.error")


async def _store_busy(request: Request, exc: Exception) -> Response:
    return plain(503, "public.busy", {"Retry-After": str(RETRY_AFTER_SECONDS)})


class _BodyTooLarge(Exception):
    """A chunked body grew past MAX_BODY_BYTES while it was read."""


class Guard:
    """The request limits (414, 431, 400 for a malformed Content-Length, 413), `nosniff` on every answer,
    and a plain 500 for a fault, logged without the path (it carries tokens and signatures)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        refusal = self._refusal(scope)
        if refusal is not None:
            await refusal(scope, receive, send)
            return
        started = False
        received = 0

        async def counted_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > MAX_BODY_BYTES:
                    raise _BodyTooLarge()
            return message

        async def marked_send(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
                message = {**message, "headers": [*message.get("headers", []),
                                                  (b"x-content-type-options", b"nosniff")]}
            await send(message)

        try:
            await self.app(scope, counted_receive, marked_send)
        except _BodyTooLarge:
            if not started:
                await plain(413, "public.too_large", {"Connection": "close"})(scope, receive, marked_send)
        except Exception as exc:
            event(log, "public.error", logging.ERROR, route=str(scope.get("path", ""))[:3],
                  error=type(exc).__name__)
            if not started:
                await plain(500, "public.error")(scope, receive, marked_send)

    @staticmethod
    def _refusal(scope: Scope) -> Response | None:
        target = len(scope.get("raw_path") or b"") + len(scope.get("query_string") or b"") + 1
        if target > MAX_TARGET_BYTES:
            return plain(414, "public.uri_too_long", {"Connection": "close"})
        headers: list[tuple[bytes, bytes]] = scope["headers"]
        if len(headers) > MAX_HEADER_COUNT or sum(len(k) + len(v) + 4 for k, v in headers) > MAX_HEADER_BYTES:
            return plain(431, "public.headers_too_large", {"Connection": "close"})
        lengths = {v.strip() for k, v in headers if k == b"content-length"}
        if not lengths:
            return None
        length = lengths.pop()
        # One plain decimal number: not `abc`, not `-5`, not two different lengths.
        if lengths or not _DECIMAL.fullmatch(length):
            return plain(400, "public.bad_request", {"Connection": "close"})
        if int(length) > MAX_BODY_BYTES:
            return plain(413, "public.too_large", {"Connection": "close"})
        return None


def make_app(store: Store) -> Starlette:
    """The public endpoints over `store`, as an ASGI app."""
    app = Starlette(routes=routes(), middleware=[Middleware(Guard)],
                    exception_handlers={HTTPException: _http_error, StoreBusy: _store_busy})
    app.state.store = store
    return app


# ---------------------------------------------------------------- the server

def _config(store: Store, host: str, port: int) -> uvicorn.Config:
    return uvicorn.Config(make_app(store), host=host, port=port, http="h11", lifespan="off", log_config=None,
                          access_log=False,  # paths carry tokens and signatures: keep them out of the logs
                          server_header=False, h11_max_incomplete_event_size=H11_BUFFER_BYTES,
                          timeout_keep_alive=5, timeout_graceful_shutdown=SHUTDOWN_TIMEOUT_SECONDS)


def _listen(host: str, port: int) -> socket.socket:
    """A listening socket on (host, port); port 0 picks a free one. OSError if the address is taken."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    return socket.create_server((host, port), family=family, backlog=2048)


class PublicServer:
    """The public endpoints served by uvicorn in a thread of this process."""

    def __init__(self, server: uvicorn.Server, sock: socket.socket, thread: threading.Thread) -> None:
        self.server = server
        self.socket = sock
        self.thread = thread
        self.host, self.port = sock.getsockname()[:2]

    @property
    def url(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}"

    def stop(self) -> None:
        """Stop accepting, let requests in flight finish (up to SHUTDOWN_TIMEOUT_SECONDS) and release the port."""
        self.server.should_exit = True
        self.thread.join(timeout=SHUTDOWN_TIMEOUT_SECONDS + 5)
        self.socket.close()


def start_in_thread(store: Store, host: str = "127.0.0.1", port: int = DEFAULT_PORT) -> PublicServer:
    """Serve in a daemon thread (the scheduler's way) and return once it accepts; `stop()` ends it.

    Port 0 picks a free port (`.port`, `.url`). The socket is bound here, so a taken port fails in the caller.
    """
    sock = _listen(host, port)
    bound = sock.getsockname()[1]
    server = uvicorn.Server(_config(store, host, bound))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, name="public-endpoints", daemon=True)
    thread.start()
    deadline = time.monotonic() + STARTUP_TIMEOUT_SECONDS
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            server.should_exit = True
            sock.close()
            raise Conflict("public.cannot_start", detail="the public endpoints did not start in time", host=host,
                           port=bound)
        time.sleep(0.01)
    public = PublicServer(server, sock, thread)
    event(log, "public.serving", host=host, port=public.port, public_base_url=signing.public_base_url())
    return public


def serve(store: Store, host: str = "127.0.0.1", port: int = DEFAULT_PORT) -> None:
    """Serve in this thread until SIGINT or SIGTERM (`python -m core public`), then shut down cleanly."""
    sock = _listen(host, port)
    event(log, "public.serving", host=host, port=sock.getsockname()[1], public_base_url=signing.public_base_url())
    try:
        uvicorn.Server(_config(store, host, port)).run(sockets=[sock])
    finally:
        sock.close()


__all__ = ["PIXEL_GIF", "Guard", "PublicServer", "make_app", "plain", "routes", "serve", "start_in_thread"]
