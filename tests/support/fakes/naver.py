"""A fake Naver Commerce API on loopback, following the documented shapes (see core/integrations/naver.py).

Records are a deterministic function of their index, so a million members cost no memory: order j has
two product orders when j % 3 == 0, else one (times `wide`, for orders with many lines); it belongs to
member j % members; all its product orders last changed at start + j * step. A product order moved later
by `change_item` leaves its place and shows up again at its new change time (times after every generated
one).

Auth is real: the token endpoint checks the bcrypt signature against the client's secret and the
timestamp against the wall clock (5 minutes), and tokens expire after `token_ttl` seconds.
Rate limiting is a token bucket per API and client (rate r, burst 2r) announced in the GNCP-GW-RateLimit-*
headers; over it, a 429 with `{code: GW.RATE_LIMIT, message, timestamp, traceId}`.

Faults: `fault(kind, times, path)` with kind 500 / 503 / 429 (with Retry-After) / 'slow' / 'garbage';
`expire_tokens()`, `expire_tokens_after(n)`; `after_feed(fn)` runs fn after each changed-orders answer (a
page that changes between calls); `hang_feed_at(n)` / `hang_feed_next()` stall the n-th / the next
changed-orders call until `clear_faults()` (for SIGKILL tests).
"""
from __future__ import annotations

import base64
import datetime as dt
import itertools
import json
import secrets as pysecrets
import threading
import time
import urllib.parse
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from zoneinfo import ZoneInfo

import bcrypt

KST = ZoneInfo("Asia/Seoul")
CLIENT_ID = "fakeNaverApp01"
CLIENT_SECRET = "$2a$04$abcdefghijklmnopqrstuu"  # Naver issues secrets that are bcrypt salts
STATUS_CYCLE = ("PAYED", "DELIVERING", "DELIVERED", "PURCHASE_DECIDED", "CANCELED", "PURCHASE_DECIDED",
                "EXCHANGED", "PAYMENT_WAITING")
CHANGE_TYPE = {"PAYMENT_WAITING": "PAY_WAITING", "PAYED": "PAYED", "DELIVERING": "DISPATCHED",
               "DELIVERED": "DISPATCHED", "PURCHASE_DECIDED": "PURCHASE_DECIDED", "EXCHANGED": "CLAIM_COMPLETED",
               "CANCELED": "CLAIM_COMPLETED", "RETURNED": "CLAIM_COMPLETED", "CANCELED_BY_NOPAYMENT": "CLAIM_COMPLETED"}
DELIVERED_STATUSES = {"DELIVERED", "PURCHASE_DECIDED", "EXCHANGED"}
GW_MESSAGES = {401: ("GW.AUTHN", "요청을 보낼 권한이 없습니다."),
               429: ("GW.RATE_LIMIT", "요청이 많아 서비스를 일시적으로 사용할 수 없습니다."),
               500: ("GW.PROXY.05", "작업 중 오류가 발생하였습니다."),
               503: ("GW.BLOCK.01", "서비스를 일시적으로 사용할 수 없습니다."),
               404: ("GW.NOT_FOUND", "요청하신 리소스를 찾을 수 없습니다.")}
NAMES = ("김", "이", "박", "최", "정", "강", "조", "윤")
GIVEN = ("서준", "하은", "도윤", "지우", "시우", "서연", "예준", "하린")


def kst(ms: int) -> str:
    return dt.datetime.fromtimestamp(ms / 1000, KST).isoformat(timespec="milliseconds")


def parse_ms(text: str) -> int:
    return int(dt.datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp() * 1000)


def first_item(j: int, wide: int = 1) -> int:
    b, r = divmod(j, 3)
    return wide * (4 * b + (0, 2, 3)[r])


def items_of(j: int, wide: int = 1) -> list[int]:
    """Product orders of order j: 2 * wide when j % 3 == 0, else wide."""
    f = first_item(j, wide)
    return list(range(f, f + (2 if j % 3 == 0 else 1) * wide))


def order_of(k: int, wide: int = 1) -> tuple[int, int]:
    """(order, position within it) of product order k."""
    unit, within = divmod(k, wide)
    b, r = divmod(unit, 4)
    j, idx = (3 * b, r) if r < 2 else (3 * b + r - 1, 0)
    return j, idx * wide + within


class _Bucket:
    def __init__(self, rate: float) -> None:
        self.rate, self.capacity = rate, 2 * rate
        self.tokens, self.last = self.capacity, time.monotonic()
        self.guard = threading.Lock()

    def take(self) -> tuple[bool, int]:
        with self.guard:
            now = time.monotonic()
            self.tokens = min(self.capacity, self.tokens + (now - self.last) * self.rate)
            self.last = now
            if self.tokens >= 1:
                self.tokens -= 1
                return True, int(self.tokens)
            return False, 0


class NaverFake:
    def __init__(self, *, orders: int = 30, members: int | None = None, products: int = 12,
                 start: dt.datetime = dt.datetime(2026, 1, 1, tzinfo=KST), step_s: float = 60.0,
                 clients: dict[str, str] | None = None, rate_limit: float | None = None,
                 token_ttl: float = 10800.0, wide: int = 1) -> None:
        self.n_orders, self.wide = orders, max(1, wide)
        self.n_members = members or max(1, orders)
        self.n_products = products
        self.start_ms, self.step_ms = int(start.timestamp() * 1000), int(step_s * 1000)
        self.clients = clients or {CLIENT_ID: CLIENT_SECRET}
        self.rate_limit, self.token_ttl = rate_limit, token_ttl
        self.tokens: dict[str, tuple[str, float]] = {}
        self.overrides: dict[int, tuple[str, int]] = {}
        self._totals: dict[int, int] = {}
        self.moved: list[tuple[int, str, int]] = []  # (changed_ms, productOrderId, k), sorted
        self.categories = _categories()
        self.leaves = [c["id"] for c in self.categories if c["last"]]
        self.requests: dict[str, int] = {}
        self.rejected_429 = 0
        self._faults: list[dict[str, Any]] = []
        self._buckets: dict[tuple[str, str], _Bucket] = {}
        self._after_feed: Callable[[int], None] | None = None
        self._expire_after: int | None = None
        self._api_calls = 0
        self._hang_at: int | None = None
        self.hung = threading.Event()
        self._release = threading.Event()
        self._guard = threading.Lock()
        self._server: ThreadingHTTPServer | None = None

    # ---- lifecycle ----------------------------------------------------------------------------------

    def __enter__(self) -> NaverFake:
        handler = type("Handler", (_Handler,), {"fake": self})
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self._server.daemon_threads = True
        threading.Thread(target=self._server.serve_forever, name="naver-fake", daemon=True).start()
        return self

    def __exit__(self, *exc: Any) -> None:
        self._hang_at = None
        self.hung.set()
        self._release.set()
        if self._server:
            self._server.shutdown()
            self._server.server_close()

    @property
    def url(self) -> str:
        assert self._server, "start the fake with `with NaverFake(...) as fake`"
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    # ---- switches -----------------------------------------------------------------------------------

    def fault(self, kind: int | str, times: int = 1, path: str = "", seconds: float = 0.0,
              retry_after: float = 0.0, after: int = 0) -> None:
        """The next `times` requests whose path holds `path` (after letting `after` of them through) fail so."""
        with self._guard:
            self._faults.append({"kind": kind, "times": times, "path": path, "seconds": seconds,
                                 "retry_after": retry_after, "after": after})

    def clear_faults(self) -> None:
        with self._guard:
            self._faults.clear()
            self._expire_after = self._hang_at = None
        self._release.set()

    def expire_tokens(self) -> None:
        with self._guard:
            self.tokens.clear()

    def expire_tokens_after(self, api_calls: int) -> None:
        self._expire_after = self._api_calls + api_calls

    def after_feed(self, fn: Callable[[int], None] | None) -> None:
        self._after_feed = fn

    def hang_feed_at(self, n: int) -> None:
        self._release.clear()
        self._hang_at = n

    def hang_feed_next(self) -> None:
        """Stall the next changed-orders call (until `clear_faults`): a process killed while it waits for it
        dies mid-walk, with fetched pages it has not written yet."""
        with self._guard:
            self.hang_feed_at(self.requests.get("changes", 0) + 1)

    # ---- the records --------------------------------------------------------------------------------

    def items_of(self, j: int) -> list[int]:
        return items_of(j, self.wide)

    @property
    def n_items(self) -> int:
        return first_item(self.n_orders, self.wide)

    @property
    def end_ms(self) -> int:
        return self.start_ms + max(0, self.n_orders - 1) * self.step_ms

    def change_item(self, k: int, status: str, at: dt.datetime) -> None:
        """Product order k changes to `status` at `at` (after every generated change)."""
        at_ms = int(at.timestamp() * 1000)
        assert at_ms > self.end_ms, "a moved product order changes after every generated one"
        with self._guard:
            self.moved = [m for m in self.moved if m[2] != k]
            self.overrides[k] = (status, at_ms)
            self.moved.append((at_ms, self.pid(k), k))
            self.moved.sort()

    def pid(self, k: int) -> str:
        return str(2026010100000000 + k)

    def oid(self, j: int) -> str:
        return str(2026010150000000 + j)

    def status(self, k: int) -> str:
        if k in self.overrides:
            return self.overrides[k][0]
        j, idx = order_of(k, self.wide)
        if idx == 1 and j % 5 == 0:
            return "RETURNED"
        return STATUS_CYCLE[j % len(STATUS_CYCLE)]

    def member(self, m: int) -> dict[str, Any]:
        if m == 0:  # the canonical member, as Naver carries her: name and phone, no e-mail
            name, tel = "김민지", "010-1234-5678"
        else:
            name, tel = NAMES[m % 8] + GIVEN[(m // 8) % 8], f"010-{2000 + m // 10000:04d}-{m % 10000:04d}"
        return {"ordererNo": str(500000000 + m), "ordererId": f"u{m:07d}"[:4] + "****",
                "ordererName": name, "ordererTel": tel}

    def product(self, p: int) -> dict[str, Any]:
        leaf = self.leaves[p % len(self.leaves)]
        return {"originProductNo": 4000000000 + p, "channelProductNo": 5000000000 + p,
                "channelServiceType": "STOREFARM", "categoryId": leaf, "name": f"테스트 상품 {p}",
                "statusType": "SALE", "channelProductDisplayStatusType": "ON", "salePrice": 1000 * (1 + p % 50),
                # every third product is on an immediate discount of 10 %: the buyer pays discountedPrice
                "discountedPrice": 1000 * (1 + p % 50) * (9 if p % 3 == 0 else 10) // 10, "stockQuantity": 10,
                "representativeImage": {"url": f"https://shop-phinf.pstatic.net/fake/{p}.jpg"},
                "brandName": "페이크", "manufacturerName": f"제조사 {p % 7}", "modelName": f"M-{p}",
                "wholeCategoryName": next(c["wholeCategoryName"] for c in self.categories if c["id"] == leaf),
                "regDate": kst(self.start_ms - 86400000), "modifiedDate": kst(self.start_ms - 3600000 + p * 1000)}

    def detail(self, k: int) -> dict[str, Any]:
        j, idx = order_of(k, self.wide)
        changed = self.start_ms + j * self.step_ms
        paid = changed - 3 * 86400000
        status = self.status(k)
        m = self.member(j % self.n_members)
        total = self._order_total(j)
        p = k % self.n_products
        order = {"orderId": self.oid(j), "orderDate": kst(paid - 60000), "paymentDate": kst(paid),
                 "paymentMeans": "신용카드 간편결제", "payLocationType": "MOBILE", "orderDiscountAmount": 0,
                 "generalPaymentAmount": total, "naverMileagePaymentAmount": 0, "chargeAmountPaymentAmount": 0,
                 "payLaterPaymentAmount": 0, "isMembershipSubscribed": False, **m}
        po = {"productOrderId": self.pid(k), "productOrderStatus": status, "productId": str(5000000000 + p),
              "originalProductId": str(4000000000 + p), "productName": f"테스트 상품 {p}",
              "productOption": f"색상: {('검정', '흰색', '회색')[k % 3]}", "quantity": self._quantity(k),
              "unitPrice": self._unit_price(k), "totalPaymentAmount": self._unit_price(k) * self._quantity(k),
              "placeOrderStatus": "OK", "productClass": "단일상품", "mallId": "ncp_fake_01"}
        if status in ("CANCELED", "RETURNED", "EXCHANGED"):
            po["claimType"] = {"CANCELED": "CANCEL", "RETURNED": "RETURN", "EXCHANGED": "EXCHANGE"}[status]
            po["claimStatus"] = {"CANCELED": "CANCEL_DONE", "RETURNED": "RETURN_DONE",
                                 "EXCHANGED": "EXCHANGE_DONE"}[status]
        out: dict[str, Any] = {"order": order, "productOrder": po}
        if status in ("DELIVERING",) or status in DELIVERED_STATUSES or status == "RETURNED":
            delivery = {"deliveryMethod": "DELIVERY", "deliveryCompany": "CJGLS", "trackingNumber": f"6{k:011d}",
                        "sendDate": kst(paid + 3600000), "deliveryStatus": "DELIVERING", "isWrongTrackingNumber": False}
            if status in DELIVERED_STATUSES or status == "RETURNED":
                delivery.update(deliveryStatus="DELIVERY_COMPLETION", deliveredDate=kst(paid + 86400000))
            out["delivery"] = delivery
        return out

    def _order_total(self, j: int) -> int:
        total = self._totals.get(j)
        if total is None:  # an order holds up to 2 * wide lines: summed once, not once per line
            total = self._totals[j] = sum(self._unit_price(i) * self._quantity(i) for i in self.items_of(j))
        return total

    def _unit_price(self, k: int) -> int:
        return 1000 * (1 + (k % self.n_products) % 50)

    def _quantity(self, k: int) -> int:
        return 1 + k % 3

    def feed(self, from_ms: int, to_ms: int, seq: str | None, limit: int) -> tuple[list[dict], dict | None]:
        out: list[tuple[int, str, int]] = []

        def keep(at: int, pid: str) -> bool:
            return not (seq and at == from_ms and pid < seq)

        lo = max(0, -(-(from_ms - self.start_ms) // self.step_ms))
        hi = min(self.n_orders - 1, (to_ms - self.start_ms) // self.step_ms)
        j = lo
        while j <= hi and len(out) <= limit:
            at = self.start_ms + j * self.step_ms
            for k in self.items_of(j):
                if k not in self.overrides and keep(at, self.pid(k)):
                    out.append((at, self.pid(k), k))
            j += 1
        if len(out) <= limit:
            for at, pid, k in list(self.moved):
                if from_ms <= at <= to_ms and keep(at, pid):
                    out.append((at, pid, k))
                    if len(out) > limit:
                        break
        more = None
        if len(out) > limit:
            at, pid, _ = out[limit]
            more = {"moreFrom": kst(at), "moreSequence": pid}
            out = out[:limit]
        rows = []
        for at, pid, k in out:
            j, _ = order_of(k, self.wide)
            status = self.status(k)
            paid = self.start_ms + j * self.step_ms - 3 * 86400000
            rows.append({"orderId": self.oid(j), "productOrderId": pid,
                         "lastChangedType": CHANGE_TYPE.get(status, "CLAIM_COMPLETED"),
                         "paymentDate": kst(paid), "lastChangedDate": kst(at), "productOrderStatus": status,
                         "receiverAddressChanged": False})
        return rows, more

    # ---- request handling ---------------------------------------------------------------------------

    def _take_fault(self, path: str) -> dict[str, Any] | None:
        with self._guard:
            for f in self._faults:
                if f["times"] > 0 and f["path"] in path:
                    if f["after"] > 0:
                        f["after"] -= 1
                        continue
                    f["times"] -= 1
                    return dict(f)
        return None

    def _check_token(self, header: str | None) -> str | None:
        token = (header or "").removeprefix("Bearer ").strip()
        with self._guard:
            entry = self.tokens.get(token)
            if entry and entry[1] > time.monotonic():
                return entry[0]
            self.tokens.pop(token, None)
        return None

    def issue_token(self, form: dict[str, str]) -> tuple[int, dict[str, Any]]:
        client_id, ts, sign = form.get("client_id", ""), form.get("timestamp", ""), form.get("client_secret_sign", "")
        if form.get("grant_type") != "client_credentials" or form.get("type") not in ("SELF", "SELLER") \
                or not client_id or not ts.isdigit() or not sign:
            return 400, _error("BadRequest", "필수 파라미터가 누락되었거나 형식이 잘못되었습니다.")
        secret = self.clients.get(client_id)
        if secret is None or abs(time.time() * 1000 - int(ts)) > 5 * 60 * 1000:
            return 401, _error(*GW_MESSAGES[401])
        try:
            expected = bcrypt.hashpw(f"{client_id}_{ts}".encode(), secret.encode())
            given = base64.standard_b64decode(sign.encode())
        except ValueError:
            return 401, _error(*GW_MESSAGES[401])
        if not pysecrets.compare_digest(expected, given):
            return 401, _error(*GW_MESSAGES[401])
        token = pysecrets.token_urlsafe(24)
        with self._guard:
            self.tokens[token] = (client_id, time.monotonic() + self.token_ttl)
        return 200, {"access_token": token, "expires_in": int(self.token_ttl), "token_type": "Bearer"}

    def bucket(self, client_id: str, api: str) -> _Bucket | None:
        if not self.rate_limit:
            return None
        with self._guard:
            return self._buckets.setdefault((client_id, api), _Bucket(self.rate_limit))


def _error(code: str, message: str) -> dict[str, Any]:
    return {"code": code, "message": message, "timestamp": kst(int(time.time() * 1000)),
            "traceId": f"fake-{pysecrets.token_hex(6)}^{int(time.time() * 1000)}"}


def _categories() -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    ids = itertools.count(50000000)
    tops = ("패션의류", "가구인테리어", "생활건강")

    def add(path: list[str], depth_children: tuple[int, ...]) -> None:
        out.append({"id": str(next(ids)), "name": path[-1], "wholeCategoryName": ">".join(path),
                    "last": not depth_children})
        if depth_children:
            for i in range(depth_children[0]):
                add(path + [f"{path[-1]}-{i + 1}"], depth_children[1:])

    for top in tops:
        add([top], (2, 2, 2))
    return out


class _Handler(BaseHTTPRequestHandler):
    fake: NaverFake
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True  # headers and body leave at once; otherwise delayed ACKs cost 40 ms a call
    wbufsize = 1 << 16  # flushed by handle_one_request after each answer

    def log_message(self, *args: Any) -> None:  # quiet
        pass

    def _send(self, status: int, body: Any, headers: dict[str, str] | None = None, raw: bytes | None = None,
              content_type: str = "application/json;charset=UTF-8") -> None:
        data = raw if raw is not None else json.dumps(body, ensure_ascii=False).encode()
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(data)))
        self.send_header("GNCP-GW-Trace-ID", pysecrets.token_hex(8))
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(data)

    def _body(self) -> bytes:
        return self.rfile.read(int(self.headers.get("Content-Length") or 0))

    def do_GET(self) -> None:
        self._route("GET", b"")

    def do_POST(self) -> None:
        self._route("POST", self._body())

    def _route(self, method: str, body: bytes) -> None:
        fake = self.fake
        url = urllib.parse.urlsplit(self.path)
        path = url.path.removeprefix("/external")
        api = _api_name(method, path)
        with fake._guard:
            fake.requests[api] = fake.requests.get(api, 0) + 1
        fault = fake._take_fault(path)
        if fault:
            kind = fault["kind"]
            if kind == "slow":
                time.sleep(fault["seconds"])
            elif kind == "garbage":
                return self._send(200, None, raw=b"<html><body>Bad Gateway</body></html>", content_type="text/html")
            elif kind == 429:
                return self._send(429, _error(*GW_MESSAGES[429]), {"Retry-After": f"{fault['retry_after']:g}"})
            else:
                return self._send(int(kind), _error(*GW_MESSAGES[int(kind)]))
        if api == "token":
            status, answer = fake.issue_token(dict(urllib.parse.parse_qsl(body.decode())))
            return self._send(status, answer)
        client_id = fake._check_token(self.headers.get("Authorization"))
        if client_id is None:
            return self._send(401, _error(*GW_MESSAGES[401]))
        headers: dict[str, str] = {}
        bucket = fake.bucket(client_id, api)
        if bucket:
            ok, remaining = bucket.take()
            headers = {"GNCP-GW-RateLimit-Replenish-Rate": f"{bucket.rate:g}",
                       "GNCP-GW-RateLimit-Burst-Capacity": f"{bucket.capacity:g}",
                       "GNCP-GW-RateLimit-Remaining": str(remaining)}
            if not ok:
                with fake._guard:
                    fake.rejected_429 += 1
                return self._send(429, _error(*GW_MESSAGES[429]), headers)
        with fake._guard:
            fake._api_calls += 1
            if fake._expire_after is not None and fake._api_calls >= fake._expire_after:
                fake.tokens.clear()
                fake._expire_after = None
        try:
            status, answer = self._answer(api, path, url.query, body)
        except (ValueError, KeyError, TypeError) as exc:
            status, answer = 400, _error("BadRequest", f"잘못된 요청입니다: {exc}")
        self._send(status, answer, headers)

    def _answer(self, api: str, path: str, query: str, body: bytes) -> tuple[int, Any]:
        fake = self.fake
        now = kst(int(time.time() * 1000))
        trace = pysecrets.token_hex(6)
        if api == "changes":
            q = dict(urllib.parse.parse_qsl(query))
            from_ms = parse_ms(q["lastChangedFrom"])
            to_ms = parse_ms(q["lastChangedTo"]) if q.get("lastChangedTo") else from_ms + 86400000
            if to_ms - from_ms > 86400000 or to_ms < from_ms:
                return 400, _error("104139", "조회 가능한 날짜 범위를 초과하였습니다.")
            with fake._guard:
                n = fake.requests["changes"]
            if fake._hang_at is not None and n >= fake._hang_at:
                fake.hung.set()
                fake._release.wait(30)
            rows, more = fake.feed(from_ms, to_ms, q.get("moreSequence"), min(300, int(q.get("limitCount") or 300)))
            data: dict[str, Any] = {"lastChangeStatuses": rows, "count": len(rows)}
            if more:
                data["more"] = more
            if fake._after_feed:
                fake._after_feed(n)
            return 200, {"timestamp": now, "data": data, "traceId": trace}
        if api == "details":
            ids = json.loads(body)["productOrderIds"]
            if not isinstance(ids, list) or not 1 <= len(ids) <= 300:
                return 400, _error("BadRequest", "productOrderIds는 1개 이상 300개 이하입니다.")
            out = []
            for pid in ids:
                k = int(pid) - 2026010100000000
                if 0 <= k < fake.n_items:
                    out.append(fake.detail(k))
            return 200, {"timestamp": now, "data": out, "traceId": trace}
        if api == "order_ids":
            j = int(path.split("/")[-2]) - 2026010150000000
            if not 0 <= j < fake.n_orders:
                return 404, _error("104104", "주문을 찾을 수 없습니다.")
            return 200, {"timestamp": now, "data": [fake.pid(k) for k in fake.items_of(j)], "traceId": trace}
        if api == "products":
            req = json.loads(body or b"{}")
            page, size = int(req.get("page") or 1), int(req.get("size") or 50)
            if not 1 <= size <= 500 or page < 1:
                return 400, _error("BadRequest", "size는 1 이상 500 이하입니다.")
            total_pages = -(-fake.n_products // size)
            contents = [{"originProductNo": 4000000000 + p, "channelProducts": [fake.product(p)]}
                        for p in range((page - 1) * size, min(page * size, fake.n_products))]
            return 200, {"contents": contents, "page": page, "size": size, "totalElements": fake.n_products,
                         "totalPages": total_pages, "first": page == 1, "last": page >= total_pages}
        if api == "categories":
            return 200, fake.categories
        return 404, _error(*GW_MESSAGES[404])


def _api_name(method: str, path: str) -> str:
    if path == "/v1/oauth2/token":
        return "token"
    if path == "/v1/pay-order/seller/product-orders/last-changed-statuses":
        return "changes"
    if path == "/v1/pay-order/seller/product-orders/query":
        return "details"
    if path.startswith("/v1/pay-order/seller/orders/") and path.endswith("/product-order-ids"):
        return "order_ids"
    if path == "/v1/products/search":
        return "products"
    if path == "/v1/categories":
        return "categories"
    return "unknown"


def main() -> None:
    """Serve the fake on its own (the benchmark runs it in a separate process): prints its URL."""
    import argparse
    p = argparse.ArgumentParser()
    p.add_argument("--orders", type=int, default=1000)
    p.add_argument("--members", type=int, default=None)
    p.add_argument("--rate-limit", type=float, default=None)
    p.add_argument("--step-s", type=float, default=60.0, help="seconds between two orders' changes")
    args = p.parse_args()
    with NaverFake(orders=args.orders, members=args.members, rate_limit=args.rate_limit,
                   step_s=args.step_s) as fake:
        print(fake.url, flush=True)
        try:
            threading.Event().wait()
        except KeyboardInterrupt:
            pass


if __name__ == "__main__":
    main()
