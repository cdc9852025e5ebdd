"""The sandbox shop: a simulated mall speaking the Cafe24 Admin API on loopback.

It is also the Cafe24 fake the tests use (`tests/support/fakes/cafe24.py` starts this very
class), with fault switches, so the sandbox and the fake cannot drift apart.

What it follows, and where each rule comes from:
- OAuth 2.0 (developers.cafe24.com/docs/api "OAuth 2.0 인증 가이드"): the authorize URL
  `GET /api/v2/oauth/authorize?response_type=code&client_id&state&redirect_uri&scope`, a code valid
  for 1 minute; `POST /api/v2/oauth/token` with HTTP Basic `client_id:client_secret` and
  `grant_type=authorization_code` (code, redirect_uri) or `refresh_token`. The token answer carries
  access_token, expires_at (2 hours), refresh_token, refresh_token_expires_at (2 weeks), client_id,
  mall_id, user_id, scopes, issued_at, shop_no; times are KST without an offset, as Cafe24 sends them
  (e.g. "2021-07-31T20:00:21.000"). A refresh token is single-use: refreshing rotates it, and a
  spent one is refused (400 invalid_grant). Token-endpoint errors use the OAuth shape
  `{"error": "invalid_client", "error_description": ...}` (RFC 6749 §5.2).
- Admin API (developers.cafe24.com/docs/api/admin, "API Status Code", "How to use GET API"):
  `Authorization: Bearer`; errors as `{"error": {"code": ..., "message": ..., "more_info": {}}}`;
  401 for a missing, wrong or expired token; 422 for a parameter outside its spec; 429 when the
  bucket overflows; 404 for an unknown path.
- "API Limit": a leaky bucket of 40 calls per mall draining 2 a second, reported on every answer as
  `X-Api-Call-Limit: used/40`; a call that overflows it gets 429. (Cafe24 documents no Retry-After;
  the sandbox adds one, the seconds until a call fits, and the client copes either way.)
- Lists and their documented maximums: `customersprivacy` limit 1-1000 (default 30), offset <= 8000,
  and `search_type=created_date` + `created_start_date` to walk every member without offset
  (other conditions and offset are refused in that mode); `orders` limit 1-1000 (default 10),
  offset <= 15000, `start_date`/`end_date` (at most 3 months apart) with `date_type` (order_date,
  pay_date, shipbegin_date, shipend_date, cancel_date, ...), `embed=items,buyer`, items carrying
  `order_status` codes (N00 입금전, N20 배송준비중, N30 배송중, N40 배송완료, N50 구매확정,
  C40 취소완료, C48 입금전취소-자동취소, R40 반품완료); `products` limit 1-100, offset <= 5000,
  `since_product_no`, `updated_start_date`/`updated_end_date`, `sort`/`order`; `categories`
  limit 1-100, offset <= 8000; each with a `/count` twin. `GET /api/v2/admin/store` gives the mall.
- `carts` (Admin API "Personal > Carts", scope mall.read_personal): `GET /api/v2/admin/carts` with the
  required `member_id` (comma-separated, at most 100 ids, Cafe24's "GET API usage guide" limit for comma
  searches), `limit` 1-100 (default 10), `offset` <= 10000, `shop_no`; rows carry `basket_product_no`,
  `member_id`, `created_date`, `product_no`, `variant_code`, `quantity`, `product_price`, `option_price`,
  `category_no` (developers.cafe24.com/docs/ko/api/admin/#retrieve-a-shopping-cart). Beyond a limit: 422.
- Webhooks (developers.cafe24.com "Event sample data"): when `webhook_url` is set, what happened in the mall is
  POSTed there as `{"event_no", "resource": {"mall_id", "event_shop_no", ...}}` — 90032 a member joined,
  90023 an order placed, 90025 its payment, 90024 its shipping status (delivered) — about once a second
  of real time, each event re-sent once more after a failed delivery.
- The `Date` header carries the mall's own clock, so a client can bound its windows by the
  platform's time rather than its own.

Sandbox-only, and said so:
- `GET /api/v2/oauth/authorize` approves at once and redirects with a code (no operator login);
- `GET /sandbox/app` hands out the app's client id and secret (a real app reads them in the
  Cafe24 developer center);
- product images are small SVGs at `/web/product/big/{product_no}.svg`;
- a minimal storefront (`core.sandbox.storefront`) at the shop's own paths: `/`, `/product/detail.html`,
  `/order/basket.html` (the carts' recovery links; POST places the order) and `/order/order_result.html`;
  any other path outside `/api/` answers a Korean 404 page, while `/api/` keeps Cafe24's JSON errors.
"""
from __future__ import annotations

import base64
import dataclasses
import datetime as dt
import email.utils
import http.server
import secrets
import socketserver
import threading
import time
from typing import Any
from urllib.parse import parse_qs, urlencode, urlparse

import httpx
import numpy as np

from core.sandbox import storefront
from core.sandbox.mall import DAY, KST, Mall, parse_when

try:
    import orjson

    def dumps(obj: Any) -> bytes:
        return orjson.dumps(obj)
except ImportError:  # pragma: no cover - orjson is the fast path, json the fallback
    import json

    def dumps(obj: Any) -> bytes:
        return json.dumps(obj, ensure_ascii=False, separators=(",", ":")).encode()

ACCESS_TTL = 2 * 3600
REFRESH_TTL = 14 * DAY
CODE_TTL = 60
BUCKET_SIZE = 40
MAX_COMMA_VALUES = 100       # Cafe24's "GET API usage guide": at most 100 comma-separated values
WEBHOOK_EVERY_S = 0.5        # how often (real time) the sandbox looks for what happened, to announce it
WEBHOOK_ATTEMPTS = 2         # a failed delivery is sent once more, the next round
WEBHOOK_TIMEOUT_S = 5.0
BUCKET_LEAK_PER_S = 2.0
MAX_WINDOW_S = 92 * DAY  # "검색기간은 한 호출에 3개월 이상 검색 불가"


# What a listing handler answers: the key the rows are sorted by, the rows, and the count when counting.
Listing = tuple[str, list[dict[str, Any]], int | None]

class ApiError(Exception):
    def __init__(self, status: int, message: str, headers: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.status, self.message, self.headers = status, message, headers or {}


@dataclasses.dataclass
class Faults:
    """Switches the tests flip; each counter is spent one Admin API call at a time."""

    expire_token_after: int | None = None   # after N more calls, the access token in use expires
    throttle: int = 0                       # answer 429 to the next N calls ...
    retry_after: float = 1.0                # ... with this Retry-After
    server_error: int = 0                   # answer 5xx to the next N calls
    server_error_status: int = 503
    slow: int = 0                           # hold the next N calls `slow_seconds` before answering
    slow_seconds: float = 0.0
    delay: float = 0.0                      # hold every call this long (a slow mall, for kill tests)
    not_json: int = 0                       # answer the next N list calls with an HTML error page
    missing_field: int = 0                  # drop a field from the first record of the next N lists
    missing_field_name: str | None = None   # (default: the record's key field)
    unknown_status: int = 0                 # give the next N order lists an order status Cafe24 never sent
    late_order_after: int | None = None     # after N more order list calls, a late order lands in the past
    bad_record: int = 0                     # put `bad_record_value` in place of the first record of the next N lists
    bad_record_value: Any = None            # (default: a JSON null)
    drop_member_fields: tuple[str, ...] = ()  # member records without these fields (as the documented sample)
    calls: int = 0                          # Admin API calls answered so far


class Bucket:
    """Cafe24's leaky bucket: 40 calls, draining 2 a second (wall time, whatever the mall's clock)."""

    def __init__(self) -> None:
        self.level = 0.0
        self.last = time.monotonic()
        self.guard = threading.Lock()

    def take(self) -> tuple[bool, int, float]:
        with self.guard:
            now = time.monotonic()
            self.level = max(0.0, self.level - (now - self.last) * BUCKET_LEAK_PER_S)
            self.last = now
            if self.level + 1 > BUCKET_SIZE:
                wait = (self.level + 1 - BUCKET_SIZE) / BUCKET_LEAK_PER_S
                return False, BUCKET_SIZE, wait
            self.level += 1
            return True, int(np.ceil(self.level)), 0.0


class Webhooks:
    """Announces what happens in the mall to one webhook address, as Cafe24 posts its events: a thread looks at
    the mall's clock every WEBHOOK_EVERY_S and POSTs each new event as JSON; a failed one is tried again the
    next round (WEBHOOK_ATTEMPTS in all). `sent` keeps (event, HTTP status or None) for tests and the log."""

    def __init__(self, sandbox: SandboxServer) -> None:
        self.sandbox = sandbox
        self.url: str | None = None
        self.sent: list[tuple[dict[str, Any], int | None]] = []
        self._since = 0
        self._retry: list[tuple[dict[str, Any], int]] = []
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()

    def point_at(self, url: str) -> None:
        """Send from now on to `url` (what happened before is not replayed)."""
        with self._lock:
            self.url = url
            self._since = self.sandbox.mall.clock.now_s()
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name="sandbox-webhooks", daemon=True)
                self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=WEBHOOK_TIMEOUT_S + 1)

    def _run(self) -> None:
        with httpx.Client(timeout=WEBHOOK_TIMEOUT_S) as http:
            while not self._stop.wait(WEBHOOK_EVERY_S):
                self.deliver(http)

    def deliver(self, http: httpx.Client) -> None:
        """One round: every event since the last round (and the ones to try again), in the order they happened."""
        with self._lock:
            url, start = self.url, self._since
            # Only whole seconds that are over: something may still happen in the current one.
            end = self.sandbox.mall.clock.now_s() - 1
            self._since = max(end, start)
            due, self._retry = self._retry, []
        if url is None:
            return
        fresh = [(e, 1) for e in self.sandbox.mall.events_between(start, end)] if end > start else []
        for event, attempt in [*due, *fresh]:
            event["resource"] = {"mall_id": self.sandbox.mall_id, **event["resource"]}
            try:
                status: int | None = http.post(url, json=event).status_code
            except httpx.HTTPError:
                status = None
            self.sent.append((event, status))
            if (status is None or status >= 500 or status == 429) and attempt < WEBHOOK_ATTEMPTS:
                with self._lock:
                    self._retry.append((event, attempt + 1))


class SandboxServer:
    """The sandbox mall on a loopback port; `port=0` picks a free one (tests)."""

    def __init__(self, members: int = 5000, seed: int = 7, *, start: dt.datetime | None = None,
                 rate_limit: bool = True, frozen: bool = False, host: str = "127.0.0.1", port: int = 0,
                 mall_id: str = "sandbox", pace: str = "quiet", webhook_url: str | None = None,
                 now: dt.datetime | None = None) -> None:
        self.mall = Mall(members, seed, start, frozen=frozen, pace=pace, now=now)
        self.mall_id = mall_id
        self.rate_limit = rate_limit
        rng = np.random.default_rng(seed + 1)
        letters = list("ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789")
        self.client_id = "sbx" + "".join(rng.choice(letters, 19))
        self.client_secret = "".join(rng.choice(letters, 22))
        self.faults = Faults()
        self.bucket = Bucket()
        self._guard = threading.Lock()
        self.codes: dict[str, tuple[str, int]] = {}           # code -> (redirect_uri, expires)
        self.access_tokens: dict[str, int] = {}               # token -> expires (mall seconds)
        self.refresh_tokens: dict[str, int] = {}              # live refresh token -> expires
        self.spent_refresh_tokens: set[str] = set()
        self.spent_refresh_attempts = 0
        self.refreshes = 0
        handler = type("Handler", (_Handler,), {"sandbox": self})
        self.httpd = _Server((host, port), handler)
        bound_host, self.port = self.httpd.server_address[:2]
        self.host = str(bound_host)
        self.thread = threading.Thread(target=self.httpd.serve_forever, name="sandbox-http", daemon=True)
        self.thread.start()
        self.webhooks = Webhooks(self)
        if webhook_url:
            self.webhooks.point_at(webhook_url)

    # --------------------------------------------------------------- control
    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    @property
    def clock(self) -> Any:
        return self.mall.clock

    def now(self) -> dt.datetime:
        return self.mall.clock.now()

    def set_now(self, at: dt.datetime) -> None:
        self.mall.clock.set(at)

    def advance(self, **delta: float) -> dt.datetime:
        return self.mall.clock.advance(**delta)

    def counts(self) -> dict[str, int]:
        return self.mall.counts()

    def stop(self) -> None:
        self.webhooks.stop()
        self.httpd.shutdown()
        self.httpd.server_close()
        self.thread.join(timeout=5)

    def __enter__(self) -> SandboxServer:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # --------------------------------------------------------------- OAuth
    def authorize(self, query: dict[str, str]) -> str:
        if query.get("response_type") != "code":
            raise ApiError(400, "response_type must be code")
        if query.get("client_id") != self.client_id:
            raise ApiError(401, "unknown client_id")
        redirect_uri = query.get("redirect_uri") or ""
        if not redirect_uri:
            raise ApiError(400, "redirect_uri is required")
        code = secrets.token_urlsafe(16)
        with self._guard:
            self.codes[code] = (redirect_uri, self.mall.clock.now_s() + CODE_TTL)
        sep = "&" if "?" in redirect_uri else "?"
        return f"{redirect_uri}{sep}{urlencode({'code': code, 'state': query.get('state', '')})}"

    def token(self, authorization: str | None, form: dict[str, str]) -> dict[str, Any]:
        client_id, secret = _basic(authorization)
        if client_id != self.client_id or secret != self.client_secret:
            raise OAuthError(401, "invalid_client", "client_id or client_secret is not valid")
        now = self.mall.clock.now_s()
        grant = form.get("grant_type")
        with self._guard:
            if grant == "authorization_code":
                entry = self.codes.pop(form.get("code", ""), None)
                if entry is None or entry[1] < now:
                    raise OAuthError(400, "invalid_grant", "the authorization code is invalid or expired")
                if entry[0] != form.get("redirect_uri"):
                    raise OAuthError(400, "invalid_grant", "redirect_uri does not match the authorization request")
            elif grant == "refresh_token":
                old = form.get("refresh_token", "")
                if old in self.spent_refresh_tokens:
                    self.spent_refresh_attempts += 1  # a request carrying a refresh token already used
                    raise OAuthError(400, "invalid_grant", "the refresh token was already used")
                if self.refresh_tokens.get(old, -1) < now:
                    raise OAuthError(400, "invalid_grant", "the refresh token is invalid or expired")
                del self.refresh_tokens[old]
                self.spent_refresh_tokens.add(old)
                self.refreshes += 1
            else:
                raise OAuthError(400, "unsupported_grant_type", f"grant_type '{grant}' is not supported")
            access, refresh = secrets.token_urlsafe(16), secrets.token_urlsafe(16)
            self.access_tokens[access] = now + ACCESS_TTL
            self.refresh_tokens[refresh] = now + REFRESH_TTL
        naive = lambda s: dt.datetime.fromtimestamp(s, KST).strftime("%Y-%m-%dT%H:%M:%S.000")  # noqa: E731
        return {"access_token": access, "expires_at": naive(now + ACCESS_TTL), "refresh_token": refresh,
                "refresh_token_expires_at": naive(now + REFRESH_TTL), "client_id": self.client_id,
                "mall_id": self.mall_id, "user_id": self.mall_id,
                "scopes": ["mall.read_privacy", "mall.read_order", "mall.read_product", "mall.read_category",
                           "mall.read_store"],
                "issued_at": naive(now), "shop_no": "1"}

    def check_token(self, authorization: str | None) -> str:
        if not authorization or not authorization.startswith("Bearer "):
            raise ApiError(401, "No access_token was provided. (invalid_token)")
        token = authorization[len("Bearer "):].strip()
        with self._guard:
            expires = self.access_tokens.get(token)
        if expires is None:
            raise ApiError(401, "Invalid access_token. (invalid_token)")
        if expires < self.mall.clock.now_s():
            raise ApiError(401, "access_token time expired. (invalid_token)")
        return token

    def expire(self, token: str) -> None:
        with self._guard:
            self.access_tokens[token] = -1


class OAuthError(Exception):
    def __init__(self, status: int, error: str, description: str) -> None:
        super().__init__(description)
        self.status, self.error, self.description = status, error, description


def _basic(header: str | None) -> tuple[str, str]:
    if not header or not header.startswith("Basic "):
        return "", ""
    try:
        raw = base64.b64decode(header[6:].strip()).decode()
    except ValueError:
        return "", ""
    client_id, _, secret = raw.partition(":")
    return client_id, secret


class _Server(socketserver.ThreadingMixIn, http.server.HTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 64


# --------------------------------------------------------------------------- request handling
def _int(query: dict[str, str], name: str, default: int, low: int, high: int) -> int:
    raw = query.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ApiError(422, f"[{name}] must be an integer.") from None
    if not low <= value <= high:
        raise ApiError(422, f"[{name}] must be between {low} and {high}.")
    return value


def _when(query: dict[str, str], name: str, *, end: bool = False, required: bool = False) -> int | None:
    raw = query.get(name)
    if not raw:
        if required:
            raise ApiError(422, f"[{name}] is a required parameter.")
        return None
    try:
        return parse_when(raw, end=end)
    except ValueError:
        raise ApiError(422, f"[{name}] '{raw}' is not a valid date "
                            "(YYYY-MM-DD or YYYY-MM-DDTHH:MM:SS+09:00).") from None


def _required_window(query: dict[str, str], start: str, end: str) -> tuple[int, int]:
    window = _window(query, start, end, required=True)
    assert window is not None  # required: a missing bound was refused
    return window


def _window(query: dict[str, str], start: str, end: str, *, required: bool) -> tuple[int, int] | None:
    s, e = _when(query, start, required=required), _when(query, end, end=True, required=required)
    if s is None and e is None:
        return None
    if s is None or e is None:
        raise ApiError(422, f"[{start}] and [{end}] must be used together.")
    if e < s:
        raise ApiError(422, f"[{end}] is before [{start}].")
    if e - s > MAX_WINDOW_S:
        raise ApiError(422, f"the period between [{start}] and [{end}] cannot be longer than 3 months.")
    return s, e


class _Handler(http.server.BaseHTTPRequestHandler):
    sandbox: SandboxServer
    protocol_version = "HTTP/1.1"
    server_version = "Cafe24Sandbox/1.0"
    # Headers and body leave in one write, without Nagle: otherwise every keep-alive call
    # waits out the client's delayed ACK (~40 ms).
    wbufsize = 1 << 16
    disable_nagle_algorithm = True

    def log_message(self, format: str, *args: Any) -> None:  # the sandbox is quiet; the client logs
        return

    def date_time_string(self, timestamp: float | None = None) -> str:
        # The Date header is the mall's clock, as a real platform's is its own.
        return email.utils.formatdate(self.sandbox.mall.clock.now().timestamp(), usegmt=True)

    # --------------------------------------------------------------- plumbing
    def _send(self, status: int, body: bytes, content_type: str = "application/json; charset=utf-8",
              headers: dict[str, str] | None = None) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def _error(self, status: int, message: str, headers: dict[str, str] | None = None) -> None:
        self._send(status, dumps({"error": {"code": status, "message": message, "more_info": {}}}), headers=headers)

    def _query(self) -> tuple[str, dict[str, str]]:
        parsed = urlparse(self.path)
        return parsed.path.rstrip("/") or "/", {k: v[-1] for k, v in parse_qs(parsed.query).items()}

    def do_POST(self) -> None:  # noqa: N802
        path, _ = self._query()
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length).decode() if length else ""
        if path == "/order/basket.html":
            return self._checkout()
        if path == "/sandbox/webhook":
            url = {k: v[-1] for k, v in parse_qs(body).items()}.get("url", "")
            if not url.startswith(("http://", "https://")):
                return self._error(422, "[url] must be an http(s) address.")
            self.sandbox.webhooks.point_at(url)
            return self._send(200, dumps({"webhook_url": url}))
        if path != "/api/v2/oauth/token":
            return self._error(404, "No API found with those values.")
        form = {k: v[-1] for k, v in parse_qs(body).items()}
        try:
            answer = self.sandbox.token(self.headers.get("Authorization"), form)
        except OAuthError as exc:
            return self._send(exc.status, dumps({"error": exc.error, "error_description": exc.description}))
        self._send(200, dumps(answer), headers={"Cache-Control": "no-store"})

    def do_GET(self) -> None:  # noqa: N802
        path, query = self._query()
        try:
            if path == "/api/v2/oauth/authorize":
                return self._send(302, b"", headers={"Location": self.sandbox.authorize(query)})
            if path == "/sandbox/app":
                sb = self.sandbox
                return self._send(200, dumps({"mall_id": sb.mall_id, "client_id": sb.client_id,
                                               "client_secret": sb.client_secret,
                                               "note": "sandbox only: a real app reads these in the Cafe24 "
                                                       "developer center"}))
            if path.startswith("/web/product/big/") and path.endswith(".svg"):
                return self._image(path)
            if path.startswith("/api/v2/admin/"):
                return self._admin(path[len("/api/v2/admin/"):], query)
            if not path.startswith("/api/"):
                return self._page(path, query)
            raise ApiError(404, "No API found with those values.")
        except ApiError as exc:
            self._error(exc.status, exc.message, exc.headers)
        except (BrokenPipeError, ConnectionResetError):
            pass

    # --------------------------------------------------------------- the storefront
    def _html(self, page: storefront.Page) -> None:
        status, html = page
        self._send(status, html.encode(), "text/html; charset=utf-8", {"Cache-Control": "no-store"})

    def _page(self, path: str, query: dict[str, str]) -> None:
        mall, now, base = self.sandbox.mall, self.sandbox.mall.clock.now_s(), self.sandbox.url
        if path == "/":
            return self._html(storefront.home(mall, now, base))
        if path == "/product/detail.html":
            return self._html(storefront.product(mall, query, now, base))
        if path == "/order/basket.html":
            return self._html(storefront.cart(mall, query, now, base))
        if path == "/order/order_result.html":
            return self._html(storefront.order(mall, query, now, base))
        self._html(storefront.missing())

    def _checkout(self) -> None:
        _, query = self._query()
        status, location = storefront.checkout(self.sandbox.mall, query, self.sandbox.mall.clock.now_s())
        if location is None:
            return self._html(storefront.missing("장바구니를 찾을 수 없어요. 링크가 맞는지 확인해 주세요."))
        self._send(status, b"", "text/plain; charset=utf-8", {"Location": location})

    def _image(self, path: str) -> None:
        no = path.rsplit("/", 1)[1].removesuffix(".svg")
        product = next((p for p in self.sandbox.mall.products if str(p["no"]) == no), None)
        if product is None:
            raise ApiError(404, "No image found.")
        svg = (f'<svg xmlns="http://www.w3.org/2000/svg" width="300" height="300">'
               f'<rect width="300" height="300" fill="{product["color"]}"/>'
               f'<text x="150" y="160" font-size="22" text-anchor="middle" fill="#fff">{product["leaf"].name}</text>'
               f'</svg>').encode()
        self._send(200, svg, "image/svg+xml")

    # --------------------------------------------------------------- the Admin API
    def _admin(self, resource: str, query: dict[str, str]) -> None:
        sb = self.sandbox
        faults = sb.faults
        headers: dict[str, str] = {}
        if sb.rate_limit:
            ok, used, wait = sb.bucket.take()
            headers["X-Api-Call-Limit"] = f"{used}/{BUCKET_SIZE}"
            if not ok:
                headers["Retry-After"] = f"{max(1, int(np.ceil(wait)))}"
                raise ApiError(429, "Too Many Requests. Check the X-Api-Call-Limit header.", headers)
        with sb._guard:
            throttle = faults.throttle > 0
            faults.throttle -= throttle
            error = faults.server_error > 0 and not throttle
            faults.server_error -= error
            slow = faults.slow > 0 and not (throttle or error)
            faults.slow -= slow
        if throttle:
            headers.update({"Retry-After": f"{faults.retry_after:g}",
                            "X-Api-Call-Limit": f"{BUCKET_SIZE}/{BUCKET_SIZE}"})
            raise ApiError(429, "Too Many Requests. Check the X-Api-Call-Limit header.", headers)
        if error:
            raise ApiError(faults.server_error_status, "Internal Server Error" if faults.server_error_status == 500
                           else "Service Unavailable", headers)
        if faults.delay:
            time.sleep(faults.delay)
        if slow:
            time.sleep(faults.slow_seconds)
        token = sb.check_token(self.headers.get("Authorization"))
        with sb._guard:
            faults.calls += 1
            if faults.expire_token_after is not None:
                faults.expire_token_after -= 1
                expire_now = faults.expire_token_after < 0
                if expire_now:
                    faults.expire_token_after = None
            else:
                expire_now = False
        if expire_now:
            sb.expire(token)
            raise ApiError(401, "access_token time expired. (invalid_token)", headers)
        body = self._route(resource, query)
        if isinstance(body, bytes):
            return self._send(200, body, "text/html; charset=utf-8", headers)
        self._send(200, dumps(body), headers=headers)

    def _route(self, resource: str, query: dict[str, str]) -> dict[str, Any] | bytes:
        now = self.sandbox.mall.clock.now_s()
        base = self.sandbox.url
        if resource == "store":
            return {"store": {"shop_no": 1, "shop_name": "샌드박스 쇼핑몰", "mall_id": self.sandbox.mall_id,
                              "base_domain": f"{self.sandbox.mall_id}.cafe24.com", "timezone": "Asia/Seoul",
                              "currency_code": "KRW", "language_code": "ko_KR"}}
        handlers = {
            "customersprivacy": self._members, "orders": self._orders, "products": self._products,
            "categories": self._categories, "carts": self._carts,
        }
        name, counting = resource, False
        if resource.endswith("/count"):
            name, counting = resource[: -len("/count")], True
        if name not in handlers:
            raise ApiError(404, "No API found with those values.")
        key, rows, total = handlers[name](query, now, base, counting)
        if counting:
            return {"count": total}
        return self._faulted(name, key, rows)

    def _faulted(self, name: str, key: str, rows: list[dict[str, Any]]) -> dict[str, Any] | bytes:
        faults = self.sandbox.faults
        with self.sandbox._guard:
            not_json = faults.not_json > 0
            faults.not_json -= not_json
            missing = faults.missing_field > 0 and bool(rows)
            faults.missing_field -= missing
            unknown = faults.unknown_status > 0 and name == "orders" and bool(rows)
            faults.unknown_status -= unknown
            bad = faults.bad_record > 0 and bool(rows)
            faults.bad_record -= bad
        if not_json:
            return b"<html><head><title>502 Bad Gateway</title></head><body>upstream unavailable</body></html>"
        if missing:
            rows[0].pop(faults.missing_field_name or RECORD_KEYS[name], None)
        if unknown:
            for item in rows[0].get("items", []):
                item["order_status"] = "Z99"
        if name == "customersprivacy" and faults.drop_member_fields:
            rows = [{k: v for k, v in r.items() if k not in faults.drop_member_fields} for r in rows]
        if bad:
            rows[0] = faults.bad_record_value
        return {RESOURCE_KEYS[name]: rows}

    @staticmethod
    def _reject(query: dict[str, str], allowed: set[str]) -> None:
        unknown = sorted(set(query) - allowed)
        if unknown:
            raise ApiError(400, f"The parameter(s) {', '.join(unknown)} cannot be used here.")

    def _members(self, query: dict[str, str], now: int, base: str, counting: bool) -> Listing:
        mall = self.sandbox.mall
        limit = _int(query, "limit", 30, 1, 1000)
        if query.get("search_type") == "created_date":
            self._reject(query, {"shop_no", "search_type", "created_start_date", "limit", "fields"})
            start = _when(query, "created_start_date")
            start = mall.t0 - DAY if start is None else start
            if counting:
                lo, hi = mall.members_between(start, now, now)
                return "member_id", [], hi - lo
            return "member_id", mall.member_rows(mall.members_created_from(start, limit, now)), None
        if query.get("search_type") not in (None, "customer_info"):
            raise ApiError(422, "[search_type] must be customer_info or created_date.")
        offset = _int(query, "offset", 0, 0, 8000)
        window = _window(query, "start_date", "end_date", required=False)
        if window and query.get("date_type", "join") != "join":
            raise ApiError(422, "the sandbox searches members by [date_type]=join only.")
        lo, hi = mall.members_between(*(window or (mall.t0 - DAY, now)), now)
        if counting:
            return "member_id", [], hi - lo
        return "member_id", mall.member_rows(np.arange(lo + offset, min(hi, lo + offset + limit))), None

    def _orders(self, query: dict[str, str], now: int, base: str, counting: bool) -> Listing:
        mall, faults = self.sandbox.mall, self.sandbox.faults
        start, end = _required_window(query, "start_date", "end_date")
        date_type = query.get("date_type", "order_date")
        if date_type not in mall.DATE_TYPES:
            raise ApiError(422, f"[date_type] '{date_type}' is not one of {', '.join(mall.DATE_TYPES)}.")
        limit, offset = _int(query, "limit", 10, 1, 1000), _int(query, "offset", 0, 0, 15000)
        if not counting:
            with self.sandbox._guard:
                late = faults.late_order_after is not None and faults.late_order_after <= 0
                if faults.late_order_after is not None:
                    faults.late_order_after = None if late else faults.late_order_after - 1
            if late:  # lands in the window being read, before the page the client is on
                mall.add_late_order(start + 1)
        idx = mall.orders_between(date_type, start, end, now)
        if counting:
            return "order_id", [], int(idx.size)
        embed = set(filter(None, query.get("embed", "").split(",")))
        return "order_id", mall.order_rows(idx[offset:offset + limit], now, embed=embed, image_base=base), None

    def _products(self, query: dict[str, str], now: int, base: str, counting: bool) -> Listing:
        mall = self.sandbox.mall
        limit, offset = _int(query, "limit", 10, 1, 100), _int(query, "offset", 0, 0, 5000)
        visible = mall.products_visible(now)
        if "since_product_no" in query:
            if "offset" in query or "sort" in query:
                raise ApiError(422, "[since_product_no] cannot be used with offset, sort or order.")
            since = _int(query, "since_product_no", 0, 0, 2_147_483_647)
            picked = [p for p in visible if mall.products[p]["no"] > since]
        else:
            window = _window(query, "updated_start_date", "updated_end_date", required=False)
            picked = visible
            if window:
                picked = [p for p in visible if window[0] <= mall.product_updated(p, now) <= window[1]]
            if query.get("sort") == "updated_date":
                picked = sorted(picked, key=lambda p: (mall.product_updated(p, now), mall.products[p]["no"]),
                                reverse=query.get("order") == "desc")
        if counting:
            return "product_no", [], len(picked)
        page = picked if "since_product_no" in query else picked[offset:]
        return "product_no", [mall.product_row(p, now, base) for p in page[:limit]], None

    def _categories(self, query: dict[str, str], now: int, base: str, counting: bool) -> Listing:
        rows = self.sandbox.mall.category_rows()
        if "category_depth" in query:
            depth = _int(query, "category_depth", 1, 1, 4)
            rows = [r for r in rows if r["category_depth"] == depth]
        if counting:
            return "category_no", [], len(rows)
        limit, offset = _int(query, "limit", 10, 1, 100), _int(query, "offset", 0, 0, 8000)
        return "category_no", rows[offset:offset + limit], None

    def _carts(self, query: dict[str, str], now: int, base: str, counting: bool) -> Listing:
        if counting:
            raise ApiError(404, "No API found with those values.")
        self._reject(query, {"shop_no", "member_id", "limit", "offset"})
        ids = [m for m in query.get("member_id", "").split(",") if m]
        if not ids:
            raise ApiError(422, "[member_id] is required.")
        if len(ids) > MAX_COMMA_VALUES:
            raise ApiError(422, f"[member_id] takes at most {MAX_COMMA_VALUES} values separated by commas.")
        limit, offset = _int(query, "limit", 10, 1, 100), _int(query, "offset", 0, 0, 10000)
        rows = self.sandbox.mall.cart_lines(ids, now)
        return "basket_product_no", rows[offset:offset + limit], None


RESOURCE_KEYS = {"customersprivacy": "customersprivacy", "orders": "orders", "products": "products",
                 "categories": "categories", "carts": "carts"}
RECORD_KEYS = {"customersprivacy": "member_id", "orders": "order_id", "products": "product_no",
               "categories": "category_no", "carts": "basket_product_no"}


def serve(host: str = "127.0.0.1", port: int = 8624, members: int = 5000, seed: int = 7,
          rate_limit: bool = True, start: dt.datetime | None = None, frozen: bool = False,
          pace: str = "lively", now: dt.datetime | None = None) -> None:
    """Serve the sandbox until interrupted (`python -m core sandbox`), at the lively pace unless told.

    `start` is the mall's opening and `now` where its clock stands: `./start` passes the opening it keeps
    beside the store (`core.sandbox.opening`), so a second start serves the same mall, further on."""
    started = time.monotonic()
    server = SandboxServer(members, seed, start=start, rate_limit=rate_limit, frozen=frozen, host=host, port=port,
                           pace=pace, now=now)
    counts = server.counts()
    mall = server.mall
    if mall.pace.lively and mall.clock.now_s() > mall.t_start + mall.pace.days * DAY:
        print(f"this sandbox mall opened on {dt.datetime.fromtimestamp(mall.t_start, KST):%Y-%m-%d} and its "
              f"lively {mall.pace.days} days are over, so it runs at a real mall's quiet pace now; for a lively "
              "one again, start afresh with a new store (move data/ aside)", flush=True)
    print(f"sandbox mall '{server.mall_id}' at {server.url} — {counts['members']:,} members, "
          f"{counts['orders']:,} orders, {counts['products']:,} products "
          f"(seed {seed}, pace {pace}, rate limit {'on' if rate_limit else 'off'}, "
          f"opened {dt.datetime.fromtimestamp(mall.t_start, KST):%Y-%m-%d %H:%M} KST, "
          f"clock {server.now().astimezone(KST):%Y-%m-%d %H:%M} KST, "
          f"ready in {time.monotonic() - started:.1f} s)", flush=True)
    print(f"connect it with: python -m core init --sandbox-url {server.url}", flush=True)
    print(f"storefront: {server.url}/ (cart recovery links and product pages open here)", flush=True)
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        pass
    finally:
        server.stop()
