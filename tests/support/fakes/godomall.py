"""A fake Godomall 5 Open API on loopback, speaking the shapes `core.integrations.godomall` documents.

Real HTTP (ThreadingHTTPServer, keep-alive) on 127.0.0.1 port 0. Every call is a form POST (GET works
too) to /godomall5/{order/Order_Search, goods/Goods_Search, goods/Category_Search}.php (the documented APIs;
member/Member_Search.php, which no documentation shows, answers as an unknown API does)
with `partner_key` and `key`; answers are the openhub XML envelope `<data><header><code>000</code>
<msg>…</msg><total>…</total>…</header><return>…</return></data>`, with the documented RETURN codes
(999 user key, 998 partner key, 997 expired key, 201 an order window over 30 days, 202 no period). Order
pages carry no `lastOrder` in their header even with `size` sent, as live answers do (`last_order_header`
adds it, as the spec describes it), and a
token bucket of `rate_limit` calls a second that answers 429 + Retry-After when empty and sets
`ratelimit-available-level: EXHAUSTED` on the answer that empties it.

Records are deterministic: member i (memNo i+1) is generated on demand, so a million members cost no
memory until they change; member 1 is the canonical 김민지. Switches inject the faults a sync must
survive: `fail(kind, ...)` for 429 + Retry-After, 500, 503, a slow answer (past the client's timeout),
a hang (until cleared, for SIGKILL tests), a body that is not XML, an entity bomb, keys that expire
mid-sync ('expired'); `after_calls(n, fn)` changes the records between calls (a page that changes).
"""
from __future__ import annotations

import dataclasses
import datetime as dt
import threading
import time
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit
from xml.sax.saxutils import escape

PARTNER_KEY = "JUNBJTEyTCVBQiUxNSVDNiVBNyVBOA=="
USER_KEY = "JTNEJTgwJTk5JTk4JTFGJUE3JThFJUE4OSVGNiVDNWcl"

SURNAMES = "김이박최정강조윤장임한오서신권황안송류홍"
GIVEN = ["민준", "서연", "도윤", "지우", "하준", "서윤", "지호", "하은", "예준", "수아", "시우", "지안"]
GROUPS = ["일반회원", "우수회원", "VIP"]
BASE_SIGNUP = dt.datetime(2025, 1, 1, 9, 0, 0)
BASE_ORDER = dt.datetime(2025, 6, 1, 12, 0)
ORDER_STATUSES = ["o1", "p1", "g1", "d1", "d2", "s1", "c1", "r3", "b4", "e5", "z2", "f3"]
MAX_WINDOW_DAYS = 30

CANONICAL = {  # the member every platform's tests normalize identically
    "memNo": "1", "memId": "minji", "memNm": "김민지", "email": "Minji.Kim@Example.com",
    "cellPhone": "010-1234-5678", "groupNm": "일반회원", "maillingFl": "y", "smsFl": "n",
    "entryDt": "2025-03-01 10:00:00", "modDt": "2025-03-01 10:00:00",
}

CATEGORIES = [("001", "의류"), ("001001", "여성의류"), ("001001001", "원피스"), ("001001001001", "미니원피스"),
              ("001002", "남성의류"), ("002", "잡화"), ("002001", "가방"), ("002001001", "백팩")]

BOMB = (b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;">'
        b']><data><header><code>000</code><msg>&lol2;</msg></header><return/></data>')


def generated_member(i: int) -> dict[str, str]:
    if i == 0:
        return dict(CANONICAL)
    no = i + 1
    at = (BASE_SIGNUP + dt.timedelta(minutes=i)).strftime("%Y-%m-%d %H:%M:%S")
    return {
        "memNo": str(no), "memId": f"user{no}", "memNm": SURNAMES[i % len(SURNAMES)] + GIVEN[(i // 7) % len(GIVEN)],
        "email": f"Member{no}@Example.com", "cellPhone": f"010-{(no // 10000) % 10000:04d}-{no % 10000:04d}",
        "groupNm": GROUPS[i % 3], "maillingFl": "y" if i % 3 else "n", "smsFl": "y" if i % 2 else "n",
        "entryDt": at, "modDt": at,
    }


def generated_member_xml(i: int, idx: int) -> str:
    """generated_member(i) rendered as render("member_data", idx, ...) does, without the dicts (a million
    members a minute needs the fake to spend a few microseconds on each)."""
    no = i + 1
    day, rest = divmod(i + 9 * 60, 24 * 60)  # BASE_SIGNUP (09:00) + i minutes
    at = f"{BASE_SIGNUP.date() + dt.timedelta(days=day)} {rest // 60:02d}:{rest % 60:02d}:00"
    name = SURNAMES[i % len(SURNAMES)] + GIVEN[(i // 7) % len(GIVEN)]
    return (f'<member_data idx="{idx}"><memNo>{no}</memNo><memId>user{no}</memId><memNm>{name}</memNm>'
            f"<email>Member{no}@Example.com</email><cellPhone>010-{(no // 10000) % 10000:04d}-{no % 10000:04d}"
            f"</cellPhone><groupNm>{GROUPS[i % 3]}</groupNm><maillingFl>{'y' if i % 3 else 'n'}</maillingFl>"
            f"<smsFl>{'y' if i % 2 else 'n'}</smsFl><entryDt>{at}</entryDt><modDt>{at}</modDt></member_data>")


def generated_order(i: int, members: int) -> dict[str, Any]:
    """Order i: one to three lines, a status from the code table, every fifth a guest's (memNo 0)."""
    no = str(2506011200000000 + i + 1)
    status = ORDER_STATUSES[i % len(ORDER_STATUSES)]
    at = (BASE_ORDER + dt.timedelta(hours=5 * i)).strftime("%Y-%m-%d %H:%M:%S")
    mem = str(i % max(1, members) + 1) if i % 5 else "0"
    email = f"Member{mem}@Example.com" if mem != "0" else f"Guest{i}@Example.com"
    goods = []
    for line in range(1 + i % 3):
        goods.append({"sno": str((i + 1) * 10 + line), "orderNo": no, "goodsNo": str(1000 + (i + line) % 20),
                      "goodsNm": f"상품 {(i + line) % 20}", "goodsCnt": str(1 + line), "goodsPrice": "15000.00",
                      "optionInfo": '[["색상","블랙","0"]]' if line else "", "orderStatus": status,
                      "deliveryCompleteDt": at if status in ("d2", "s1") else ""})
    return {"orderNo": no, "memNo": mem, "memId": f"user{mem}" if mem != "0" else "",
            "orderStatus": status, "orderEmail": email,
            "settlePrice": f"{sum(15000 * int(g['goodsCnt']) for g in goods)}.00", "orderDate": at,
            "paymentDt": at if status not in ("o1", "f3") else "",
            "orderInfoData": {"orderName": "주문자", "orderEmail": email, "orderCellPhone": "010-0000-0000",
                              "smsFl": "y"},
            "orderGoodsData": goods}


def generated_product(i: int) -> dict[str, str]:
    cat = CATEGORIES[i % len(CATEGORIES)][0]
    return {"goodsNo": str(1000 + i), "goodsCd": f"G{i:05d}", "goodsNm": f"상품 {i}", "goodsNmEn": f"Product {i}",
            "makerNm": "메이커", "goodsModelNo": f"M-{i}", "goodsPrice": "15000.00", "fixedPrice": "18000.00",
            "cateCd": cat, "allCateCd": cat, "listImageData": f"https://img.example.com/{1000 + i}.jpg",
            "originNm": "국내산", "regDt": "2025-05-01 10:00:00", "modDt": "2025-05-01 10:00:00"}


@dataclasses.dataclass
class Fault:
    kind: str              # 429 | 500 | 503 | slow | hang | garbage | bomb | expired
    path: str | None       # only calls whose path contains this
    after: int             # let this many matching calls through first
    times: int             # then fail this many (-1: until cleared)
    retry_after: str = "1"


class FakeGodomall:
    def __init__(self, members: int = 50, orders: int = 40, products: int = 25, *,
                 partner_key: str = PARTNER_KEY, user_key: str = USER_KEY, rate_limit: float | None = None,
                 burst: float | None = None, max_size: int = 500, slow_seconds: float = 2.0,
                 last_order_header: bool = False) -> None:
        self.last_order_header = last_order_header
        self.partner_key, self.user_key = partner_key, user_key
        self.base_members = members
        self.member_overrides: dict[int, dict[str, str]] = {}
        self.deleted: set[int] = set()
        self._key_cache: list[int] | None = None
        self.orders: dict[str, dict[str, Any]] = {}
        self.order_modified: dict[str, str] = {}  # orderNo -> the date it last changed (dateType=modify)
        for i in range(orders):
            self.put_order(generated_order(i, members))
        self.products = [generated_product(i) for i in range(products)]
        self.categories = [{"cateCd": c, "cateNm": n, "cateDisplayFl": "y"} for c, n in CATEGORIES]
        self.rate_limit, self.max_size, self.slow_seconds = rate_limit, max_size, slow_seconds
        self.delay = 0.0  # seconds added to every answer (a far-away platform)
        self.faults: list[Fault] = []
        self.hooks: list[tuple[int, Callable[[FakeGodomall], None]]] = []
        self.calls = 0
        self.served = 0
        self.throttled = 0
        self.lock = threading.Lock()
        self.requests: list[tuple[str, dict[str, str]]] = []  # (API name, params without the keys)
        self.hung = threading.Event()
        self.in_flight = 0
        self._idle = threading.Condition(self.lock)
        self._release = threading.Event()
        self.burst = float(burst or rate_limit or 0)  # the bucket's size: a second's worth unless told
        self._tokens = self.burst
        self._last = time.monotonic()
        self.server: ThreadingHTTPServer | None = None

    # ---- records --------------------------------------------------------------------------------
    def member(self, no: int) -> dict[str, str]:
        return self.member_overrides.get(no) or generated_member(no - 1)

    def member_keys(self) -> list[int]:
        if self._key_cache is None:
            keys = set(range(1, self.base_members + 1)) | set(self.member_overrides)
            self._key_cache = sorted(keys - self.deleted)
        return self._key_cache

    def all_members(self) -> list[dict[str, str]]:
        return [self.member(n) for n in self.member_keys()]

    def upsert_member(self, no: int, **fields: str) -> None:
        base = dict(self.member(no))
        base.update(fields, memNo=str(no))
        if no not in self.member_keys() and "memId" not in fields:
            base["memId"] = f"user{no}"
        self.member_overrides[no] = base
        self.deleted.discard(no)
        self._key_cache = None

    def delete_member(self, no: int) -> None:
        self.deleted.add(no)
        self._key_cache = None

    def put_order(self, order: dict[str, Any], modified: str | None = None) -> None:
        self.orders[order["orderNo"]] = order
        self.order_modified[order["orderNo"]] = modified or order["orderDate"][:10]

    def change_order(self, order_no: str, status: str, on: str) -> None:
        """The order (and its lines) move to `status` on the date `on` (YYYY-MM-DD)."""
        order = self.orders[order_no]
        order["orderStatus"] = status
        for line in order["orderGoodsData"]:
            line["orderStatus"] = status
        self.order_modified[order_no] = on

    # ---- switches -------------------------------------------------------------------------------
    def fail(self, kind: str, *, path: str | None = None, after: int = 0, times: int = 1,
             retry_after: str = "1") -> None:
        self._release.clear()
        self.faults.append(Fault(kind, path, after, times, retry_after))

    def clear_faults(self) -> None:
        self.faults.clear()
        self._release.set()

    def after_calls(self, n: int, fn: Callable[[FakeGodomall], None]) -> None:
        """Run `fn` once, just before answering call number (calls so far + n + 1): records change between calls."""
        self.hooks.append((self.calls + n, fn))

    # ---- server ---------------------------------------------------------------------------------
    @property
    def base_url(self) -> str:
        assert self.server is not None
        return f"http://127.0.0.1:{self.server.server_address[1]}/godomall5"

    def start(self) -> FakeGodomall:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            disable_nagle_algorithm = True  # headers and body go out as separate writes: no 40 ms ACK waits

            def log_message(self, *args: Any) -> None:
                pass

            def do_GET(self) -> None:
                self._answer(urlsplit(self.path).query)

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                self._answer(self.rfile.read(length).decode())

            def _answer(self, form: str) -> None:
                params = {k: v[-1] for k, v in parse_qs(form, keep_blank_values=True).items()}
                status, headers, body = fake.handle(urlsplit(self.path).path, params)
                try:
                    self.send_response(status)
                    for k, v in headers.items():
                        self.send_header(k, v)
                    self.send_header("Content-Length", str(len(body)))
                    self.end_headers()
                    self.wfile.write(body)
                except (BrokenPipeError, ConnectionResetError):  # the client gave up (timeout, SIGKILL)
                    self.close_connection = True

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        threading.Thread(target=self.server.serve_forever, name="fake-godomall", daemon=True).start()
        return self

    def stop(self) -> None:
        self._release.set()
        if self.server:
            self.server.shutdown()
            self.server.server_close()

    def __enter__(self) -> FakeGodomall:
        return self.start()

    def __exit__(self, *exc: Any) -> None:
        self.stop()

    # ---- answering ------------------------------------------------------------------------------
    def _take_token(self) -> tuple[bool, bool]:
        """(allowed, the bucket is now empty)."""
        if not self.rate_limit:
            return True, False
        now = time.monotonic()
        self._tokens = min(self.burst, self._tokens + (now - self._last) * self.rate_limit)
        self._last = now
        if self._tokens >= 1:
            self._tokens -= 1
            return True, self._tokens < 1
        return False, True

    def wait_idle(self, timeout: float = 10.0) -> bool:
        """Wait until no request is being answered (a slow answer outlives the client that gave up on it)."""
        with self._idle:
            return self._idle.wait_for(lambda: self.in_flight == 0, timeout)

    def handle(self, path: str, params: dict[str, str]) -> tuple[int, dict[str, str], bytes]:
        with self.lock:
            self.in_flight += 1
        try:
            return self._handle(path, params)
        finally:
            with self._idle:
                self.in_flight -= 1
                self._idle.notify_all()

    def _handle(self, path: str, params: dict[str, str]) -> tuple[int, dict[str, str], bytes]:
        xml = {"Content-Type": "text/xml; charset=utf-8"}
        if self.delay:
            time.sleep(self.delay)
        with self.lock:
            self.calls += 1
            for due, fn in [h for h in self.hooks if h[0] < self.calls]:
                self.hooks.remove((due, fn))
                fn(self)
            allowed, empty = self._take_token()
            if not allowed:
                self.throttled += 1
                return 429, {"Retry-After": "1", "ratelimit-available-level": "EXHAUSTED", **xml}, \
                    envelope("429", "Too Many Requests", "")
            if empty:
                xml = {**xml, "ratelimit-available-level": "EXHAUSTED"}
            fault = self._due_fault(path)
        if fault is not None:
            if fault.kind == "429":
                return 429, {"Retry-After": fault.retry_after, **xml}, b"Too Many Requests"
            if fault.kind in ("500", "503"):
                return int(fault.kind), {"Content-Type": "text/html"}, b"<html><body>error</body></html>"
            if fault.kind == "slow":
                time.sleep(self.slow_seconds)
            if fault.kind == "hang":  # stalls until cleared, so a test can kill the client mid-page
                self.hung.set()
                self._release.wait(60)
            if fault.kind == "garbage":
                return 200, {"Content-Type": "text/html"}, b"Service temporarily unavailable (maintenance)"
            if fault.kind == "bomb":
                return 200, xml, BOMB
            if fault.kind == "expired":
                return 200, xml, envelope("997", "인증키 사용기간이 맞지 않습니다.", "")
        if params.get("partner_key") != self.partner_key:
            return 200, xml, envelope("998", "제휴사 인증키가 유효하지 않습니다.", "")
        if params.get("key") != self.user_key:
            return 200, xml, envelope("999", "인증키가 유효하지 않습니다.", "")
        with self.lock:
            self.served += 1
            self.requests.append((path.rsplit("/", 1)[-1].removesuffix(".php"),
                                  {k: v for k, v in params.items() if k not in ("partner_key", "key")}))
            body = self._route(path, params)
        return 200, xml, body

    def _due_fault(self, path: str) -> Fault | None:
        for fault in self.faults:
            if fault.path and fault.path not in path:
                continue
            if fault.after > 0:
                fault.after -= 1
                continue
            if fault.times == 0:
                continue
            fault.times -= 1
            return fault
        return None

    def _route(self, path: str, p: dict[str, str]) -> bytes:
        size = min(self.max_size, max(1, int(p.get("size") or 10)))
        page = max(1, int(p.get("page") or 1))
        if path.endswith("/order/Order_Search.php"):
            return self._orders(p)
        if path.endswith("/goods/Goods_Search.php"):
            chunk = self.products[(page - 1) * size: page * size]
            body = "".join(render("goods_data", i + 1, g) for i, g in enumerate(chunk))
            return envelope("000", "성공", body, total=len(self.products),
                            max_page=-(-len(self.products) // size), now_page=page)
        if path.endswith("/goods/Category_Search.php"):
            body = "".join(render("category_data", i + 1, c) for i, c in enumerate(self.categories))
            return envelope("000", "성공", body, total=len(self.categories))
        return envelope("404", f"없는 API 입니다: {path}", "")

    def _orders(self, p: dict[str, str]) -> bytes:
        if not (p.get("startDate") and p.get("endDate")) and not p.get("orderNo"):
            return envelope("202", "조회 기간 또는 주문번호는 필수입니다.", "")
        if p.get("startDate"):
            lo, hi = dt.date.fromisoformat(p["startDate"]), dt.date.fromisoformat(p["endDate"])
            if (hi - lo).days >= MAX_WINDOW_DAYS:
                return envelope("201", "주문 조회 기간은 30일을 초과할 수 없습니다.", "")
            lo_s, hi_s = lo.isoformat(), hi.isoformat()
            if p.get("dateType") == "modify":
                found = [o for no, o in self.orders.items() if lo_s <= self.order_modified[no] <= hi_s]
            else:
                found = [o for o in self.orders.values() if lo_s <= o["orderDate"][:10] <= hi_s]
        else:
            found = [self.orders[p["orderNo"]]] if p["orderNo"] in self.orders else []
        found.sort(key=lambda o: int(o["orderNo"]), reverse=p.get("sort", "orderNo desc") != "orderNo asc")
        if not p.get("size"):
            body = "".join(render("order_data", i + 1, o) for i, o in enumerate(found))
            return envelope("000", "성공", body)
        size = max(1, int(p["size"]))
        if p.get("lastOrder"):
            found = [o for o in found if int(o["orderNo"]) < int(p["lastOrder"])]
        chunk = found[:size]
        body = "".join(render("order_data", i + 1, o) for i, o in enumerate(chunk))
        if not self.last_order_header:
            return envelope("000", "성공", body)
        return envelope("000", "성공", body, lastOrder="true" if len(found) > size else "false")


def render(tag: str, idx: int, rec: dict[str, Any]) -> str:
    parts = [f'<{tag} idx="{idx}">']
    for k, v in rec.items():
        if isinstance(v, list):
            parts.extend(render(k, j + 1, item) for j, item in enumerate(v))
        elif isinstance(v, dict):
            parts.append(render(k, 1, v))
        elif v in (None, ""):
            parts.append(f"<{k}/>")
        else:
            parts.append(f"<{k}><![CDATA[{v}]]></{k}>" if any(c in str(v) for c in "<&>") else f"<{k}>{v}</{k}>")
    parts.append(f"</{tag}>")
    return "".join(parts)


def envelope(code: str, msg: str, body: str, **header: Any) -> bytes:
    extra = "".join(f"<{k}>{v}</{k}>" for k, v in header.items())
    return (f'<?xml version="1.0" encoding="utf-8"?><data><header><code>{code}</code><msg>{escape(msg)}</msg>'
            f"{extra}</header><return>{body}</return></data>").encode()


def main(argv: list[str] | None = None) -> None:
    """`python -m tests.support.fakes.godomall --members N`: serve in its own process (benchmarks: no shared GIL).

    Prints the base URL on stdout, then serves until stdin closes.
    """
    import argparse
    import sys
    parser = argparse.ArgumentParser(prog="python -m tests.support.fakes.godomall")
    parser.add_argument("--members", type=int, default=10_000)
    parser.add_argument("--orders", type=int, default=0)
    parser.add_argument("--products", type=int, default=0)
    parser.add_argument("--rate-limit", type=float, default=0.0, help="calls a second (0: no limit)")
    parser.add_argument("--max-size", type=int, default=500)
    args = parser.parse_args(argv)
    fake = FakeGodomall(args.members, args.orders, args.products, rate_limit=args.rate_limit or None,
                        max_size=args.max_size).start()
    print(fake.base_url, flush=True)
    sys.stdin.read()
    print(f"calls={fake.calls} throttled={fake.throttled}", flush=True)
    fake.stop()


if __name__ == "__main__":
    main()
