"""Godomall 5 (NHN Commerce) through its Open API at openhub.godo.co.kr/godomall5.

Where each rule comes from (read through the `search` tool; the official spec is a PDF,
"godomall5 openAPI spec v1.0 2025-06-16", and devcenter.godo.co.kr pages, seen here through public
exports and reading logs of them, e.g. the repository papa6229-beep/godo, docs/godomall_order_search_spec.md
and docs/GODOMALL_OPENAPI_FULL_SPEC_READING_LOG_V1.md):

- Transport: every call is a form POST to `https://openhub.godo.co.kr/godomall5/<area>/<Api>.php` (sandbox
  `http://sbopenhub.godo.co.kr/godomall5/...`), UTF-8, answered in XML. Authentication is two body
  parameters on every call: `partner_key` (the partner's key) and `key` (the user key issued when the shop
  approves the API). Keys travel in the body only, so no URL an error could quote ever carries them.
- The envelope: `<data><header><code>000</code><msg>..</msg>[<total>, <max_page>, <now_page> | <lastOrder>]
  </header><return><{entity}_data>..</{entity}_data>..</return></data>`. RETURN codes: 000 success;
  999 user key not valid; 998 partner key not valid; 997 the key's period of use is over (expired);
  996 the calling server's IP is not allowed; 995 no permission for this API (all `AuthError`, worded in
  `AUTH_CODES`); 201 an order window longer than 30 days; 202 neither period nor order number. A public
  client treats 204 as "no orders" (an empty page); so does this one. Any other code is a BadResponse
  carrying Godomall's msg (with the keys scrubbed out of it).
- Rate limit: a token bucket, more than 100 calls a second answers 429; answers carry the header
  `ratelimit-available-level`, and EXHAUSTED means the next calls will be 429s. The client paces at
  `DEFAULT_RATE` (95/s, 5% under the limit), holds its bucket for a second when it sees EXHAUSTED, and
  leaves 429 + Retry-After and 5xx to PlatformHTTP (bounded retries with backoff).
- Order_Search (`order/Order_Search.php`, the devcenter spec export docs/godomall_order_search_spec.md of
  papa6229-beep/godo, exported 2026-06-26 from devcenter.godo.co.kr/godomall5/openapi/spec/order_search):
  dateType `order` (주문일) | `modify` (수정일), startDate / endDate (dates, at most 30 days apart), sort
  `orderNo desc`, `size` (페이지당 주문 건수), and `lastOrder`: "usable only with size; orders after this
  order number", i.e. orderNo < lastOrder. The spec says the answer's header lastOrder (true / false) tells
  whether another page exists "only when size is given"; answers from live shops were seen without it even
  then (the public material has no live answer to show either way), so the client
  pages on while a page is full and the header does not say false (an empty next page ends the window).
  order_data: orderNo, memNo (0 for a guest), memId, memGroupNm, orderStatus, orderEmail, settlePrice,
  paymentDt (입금일자), orderInfoData (orderName, orderEmail, orderCellPhone, smsFl), orderGoodsData lines (sno,
  goodsNo, goodsNm, goodsCnt, goodsPrice, optionInfo as JSON, orderStatus, deliveryCompleteDt, finishDt,
  claimData with beforeStatus 이전 주문상태). The spec's table has no order date; real answers carry
  `orderDate`, so the client reads orderDate, then regDt, then the documented paymentDt, and an order with
  none of them fails its page naming the three fields (ORDER_DATE_FIELDS). The status code table (o1 입금대기
  ... z5 교환추가완료) is mapped in `ORDER_STATUS_MAP`: e1-e5 (교환접수, 반송중, 재배송중, 교환보류, 교환완료)
  are exchanges, not returns; c4 고객취소요청, b1-b3 반품접수/반송중/반품보류 and r1-r2 환불접수/환불보류 are
  requests that leave the order where it stood (REQUESTS); a code outside the table is a BadResponse naming
  the order.
- Goods_Search (`goods/Goods_Search.php`): page / size paging with the header total; goods_data goodsNo,
  goodsCd, goodsNm, goodsPrice, fixedPrice, cateCd, allCateCd, brandCd, makerNm, originNm, regDt, modDt.
- Category_Search (`goods/Category_Search.php`): category_data with cateCd / cateNm; the depth is the
  code length / 3 (001, 001001, 001001001, 001001001001: 대/중/소/세분류), the parent is the code minus 3.
- Members: the godomall5 Open API spec (v1.0 2025-06-16, 91 pages) documents 23 APIs, all in goods (10:
  Goods_Search, Category_Search, Brand_Search, ...), order (2: Order_Search, Order_Status), board (10) and
  common (1: Code_Search), and no member API (papa6229-beep/godo,
  docs/GODOMALL_OPENAPI_CAPABILITY_REGISTRY_V1.md, its full reading of that PDF). So this client calls no
  member API: the Godomall address book is filled from the member download of the shop's admin (회원 > 회원
  리스트 > 엑셀 다운로드), core/sync/godomall_book.py. `member_row` stays the normal form of a Godomall member
  record (memNo, memId, memNm, email, cellPhone, groupNm, maillingFl / smsFl, entryDt, modDt) for data that
  carries those names.

XML with a DTD (the only way to declare entities) is parsed with defusedxml, which refuses entity
expansion and external references, so a hostile or broken answer is a BadResponse, never a billion-laughs;
answers without one go through the stdlib's C parser (defusedxml's pure-Python parser costs 60 µs a member).

Paging and checkpoints:
- orders: dateType=modify windows of at most `order_window_days` (30) up to today in the shop's zone,
  newest first, keyset by lastOrder inside a window (see Order_Search above); the cursor keeps the window
  and the last order read. When the windows reach today the cursor stays on today, so the next sync re-reads
  today's changes.
- products and categories: read whole on every sync (no changed-since paging is documented for them).
"""
from __future__ import annotations

import datetime as dt
import hashlib
import json
import threading
import time
from collections.abc import Iterator
from typing import Any
from xml.etree.ElementTree import Element, ParseError, fromstring

import defusedxml.ElementTree as DET
from defusedxml import DefusedXmlException

from core import clock
from core.errors import Kind
from core.integrations import normalize as norm
from core.integrations.base import AuthError, BadResponse, ConnectionOk, Page, SyncError
from core.integrations.http import PlatformHTTP, RateLimiter
from core.shops import secrets
from core.shops.registry import Shop

PLATFORM = "godomall"
DEFAULT_BASE_URL = "https://openhub.godo.co.kr/godomall5"
DOCUMENTED_RATE = 100.0      # calls a second before Godomall answers 429
DEFAULT_RATE = 95.0          # paced 5% under it
DEFAULT_PAGE_SIZE = 100
DEFAULT_WORKERS = 4          # calls a client may have in flight at once (the rate limiter's burst)
DEFAULT_ORDER_WINDOW_DAYS = 30  # Order_Search refuses longer windows (code 201)
DEFAULT_HISTORY_DAYS = 365 * 2
SUCCESS = "000"
EMPTY = "204"                # "no orders": an empty page, not an error
EXHAUSTED_HOLD_S = 1.0       # how long to stop calling after `ratelimit-available-level: EXHAUSTED`

# RETURN codes that mean the keys (or this server) are refused, in words an operator can act on.
AUTH_CODES: dict[str, str] = {
    "999": "Godomall refused the user key (key) for {what}: it is not valid. Check the user key in the console",
    "998": "Godomall refused the partner key (partner_key) for {what}: it is not valid. "
           "Check the partner key in the console",
    "997": "Godomall refused the keys for {what}: the user key's period of use is over (expired). "
           "Renew the key in Godomall's admin and enter it again",
    "996": "Godomall refused {what} because this server's IP address is not allowed for the API. "
           "Ask NHN Commerce to allow it",
    "995": "Godomall refused {what}: the keys have no permission for this API. Check the API approval in Godomall",
}

# The same codes as keys for the console's words.
AUTH_KEYS: dict[str, str] = {"999": "sync.user_key_refused", "998": "sync.partner_key_refused",
                             "997": "sync.key_expired", "996": "sync.ip_not_allowed", "995": "sync.no_permission"}

PATHS = {
    "orders": "/order/Order_Search.php",
    "products": "/goods/Goods_Search.php",
    "categories": "/goods/Category_Search.php",
}
RECORD_TAGS = {"orders": "order_data", "products": "goods_data",
               "categories": "category_data"}

# Godomall order status codes (Order_Search 코드표, orderStatus 코드값) -> core.integrations.base.ORDER_STATUSES.
# An exchange (e1 교환접수 .. e5 교환완료) is no return: the customer keeps a purchase (another size, a new
# piece), so the order stands as delivered (e3 재배송중: the new piece is on its way). A request (c4 고객취소요청,
# b1-b3 반품접수/반송중/반품보류, r1-r2 환불접수/환불보류) does not end an order either: the shop may still refuse
# it; only the codes that close it (c1-c3 취소, b4 반품회수완료, r3 환불완료) do. See REQUESTS.
ORDER_STATUS_MAP: dict[str, str] = {
    "o1": "pending",                                    # 입금대기
    "f1": "pending", "f4": "pending",                   # 결제시도, PG 확인요망
    "f2": "cancelled", "f3": "cancelled",               # 고객결제중단, 결제실패
    "p1": "paid",                                       # 결제완료
    "g1": "paid", "g2": "paid", "g3": "paid", "g4": "paid",  # 상품준비중, 구매발주, 상품입고, 상품출고
    "d1": "shipping", "d2": "delivered",                # 배송중, 배송완료
    "s1": "confirmed",                                  # 구매확정
    "c1": "cancelled", "c2": "cancelled", "c3": "cancelled",  # 자동취소, 품절취소, 관리자취소
    "c4": "paid",                                       # 고객취소요청 (a request: see REQUESTS)
    "b1": "delivered", "b2": "delivered", "b3": "delivered",  # 반품접수, 반송중, 반품보류 (requests)
    "b4": "returned",                                   # 반품회수완료
    "e1": "delivered", "e2": "delivered", "e3": "shipping", "e4": "delivered", "e5": "delivered",  # 교환
    "r1": "paid", "r2": "paid",                         # 환불접수, 환불보류 (requests)
    "r3": "returned",                                   # 환불완료
    "z1": "pending", "z2": "paid", "z3": "shipping", "z4": "delivered", "z5": "delivered",  # 교환추가
}
# Requests: codes that leave an order where it stood before the request. When the line's claimData names
# that status (beforeStatus), it is the order's; otherwise the map's value (where such a request usually
# starts from) stands.
REQUESTS = frozenset({"c4", "b1", "b2", "b3", "r1", "r2"})
# Where the order's date is read: orderDate (in live answers, though the spec's table omits it), regDt, then
# paymentDt (the spec's documented 입금일자), in that order.
ORDER_DATE_FIELDS = ("orderDate", "regDt", "paymentDt")

# No members: the documented API has no member API; they come from the admin's member download
# (core/sync/godomall_book.py).
ENTITIES = ("categories", "products", "orders")


def account_fingerprint(partner_key: str, user_key: str) -> str:
    """A one-way name for the Godomall account behind a key pair; never the keys themselves."""
    return hashlib.sha256(f"godomall:{partner_key}:{user_key}".encode()).hexdigest()[:16]


# ---- XML ------------------------------------------------------------------------------------------

def _parse(body: bytes) -> Element:
    # Entity expansion and external references need a DTD, and a DTD needs '<!DOCTYPE', visible as bytes in
    # any encoding expat reads except UTF-16/32 (which carry NULs). Answers without either go through the C
    # parser (defusedxml's is pure Python: 60 µs a member, a minute per million); the rest through defusedxml.
    if b"<!DOCTYPE" in body or b"<!ENTITY" in body or b"\x00" in body:
        return DET.fromstring(body)
    return fromstring(body)


def parse_answer(body: bytes, what: str, *, hide: tuple[str, ...] = ()) -> tuple[dict[str, str], list[Element]]:
    """The header fields and the record elements of one answer; errors worded for an operator."""
    try:
        root = _parse(body)
    except (ParseError, DefusedXmlException, ValueError) as exc:
        kind = "refused XML (entities or DTD)" if isinstance(exc, DefusedXmlException) else "something that is not XML"
        raise BadResponse("sync.not_xml", platform="godomall", what=what,
                          detail=f"Godomall answered {what} with {kind} ({len(body)} bytes)") from None
    header_el = root.find("header")
    if header_el is None:
        raise BadResponse("sync.missing_field", platform="godomall", what=what, field="header",
                          detail=f"Godomall answered {what} without a <header>")
    header = {child.tag: (child.text or "").strip() for child in header_el}
    code = header.get("code", "")
    if code == EMPTY:
        return header, []
    if code != SUCCESS:
        msg = _scrub(header.get("msg", ""), hide)
        if code in AUTH_CODES:
            raise AuthError(AUTH_KEYS[code], platform=PLATFORM, what=what, code=code,
                            detail=AUTH_CODES[code].format(what=what) + f" (code {code})")
        raise BadResponse("sync.platform_error", platform="godomall", what=what, code=code or None,
                          detail=f"Godomall answered {what} with error code {code or '(none)'}: {msg or 'no message'}")
    ret = root.find("return")
    return header, (list(ret) if ret is not None else [])


def _scrub(text: str, hide: tuple[str, ...]) -> str:
    for secret in hide:
        if secret:
            text = text.replace(secret, "***")
    return text


def record(el: Element) -> dict[str, Any]:
    """An element's children as a dict; repeated or nested children become lists of dicts."""
    out: dict[str, Any] = {}
    for child in el:
        if len(child):
            out.setdefault(child.tag, []).append(record(child))
        else:
            out[child.tag] = child.text
    return out


# ---- normalizing ----------------------------------------------------------------------------------

def member_row(r: dict[str, Any], tz: str) -> dict[str, Any]:
    key = norm.require(r, "memNo", what="a Godomall member")
    what = f"Godomall member {key}"
    entry, modified = r.get("entryDt") or r.get("regDt"), r.get("modDt")
    signed_up_at = norm.instant(entry, tz, what=f"{what} entryDt")
    return {
        "member_key": str(key),
        "email": norm.email(r.get("email")),
        "name": norm.text(r.get("memNm")),
        "phone": norm.phone(r.get("cellPhone")),
        "member_group": norm.text(r.get("groupNm") or r.get("memGroupNm")),
        "signed_up_at": signed_up_at,
        "email_consent": norm.flag(r.get("maillingFl")),
        "sms_consent": norm.flag(r.get("smsFl")),
        # most members were never changed after signing up: one parse for both (a million a minute)
        "updated_at": signed_up_at if modified == entry else norm.instant(modified, tz, what=f"{what} modDt"),
        "raw": r,
    }


def order_status(code: Any, what: str, before: Any = None) -> str:
    """The status of a code of the code table; a request's is the status it was made from (`before`, the
    claim's beforeStatus) when that is a code which is no request itself."""
    text = str(code or "").strip().lower()
    status = ORDER_STATUS_MAP.get(text)
    if status is None:
        raise BadResponse("sync.unknown_status", platform="godomall", what=what, value=str(code),
                          detail=f"{what} has order status code '{code}', which is not in Godomall's status table")
    prior = str(before or "").strip().lower()
    if text in REQUESTS and prior in ORDER_STATUS_MAP and prior not in REQUESTS:
        return ORDER_STATUS_MAP[prior]
    return status


def _before(g: dict[str, Any]) -> Any:
    """A line's claim's beforeStatus (claimData: the status the line had before the claim), if any."""
    claims = g.get("claimData") or []
    return claims[0].get("beforeStatus") if claims and isinstance(claims[0], dict) else None


def order_date(r: dict[str, Any], what: str) -> Any:
    """The order's date: the first of ORDER_DATE_FIELDS it carries; none is a BadResponse naming them."""
    for field in ORDER_DATE_FIELDS:
        if str(r.get(field) or "").strip():
            return r[field]
    fields = ", ".join(ORDER_DATE_FIELDS)
    raise BadResponse("sync.missing_field", platform="godomall", what=what, field=fields,
                      detail=f"{what} has no date: none of {fields} is in the answer")


def order_rows(r: dict[str, Any], tz: str) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    key = str(norm.require(r, "orderNo", what="a Godomall order"))
    what = f"Godomall order {key}"
    info = (r.get("orderInfoData") or [{}])[0]
    items = []
    goods = r.get("orderGoodsData") or []
    for g in goods:
        item_key = norm.require(g, "sno", what=f"an item of {what}")
        items.append({
            "item_key": str(item_key),
            "order_key": key,
            "product_key": norm.text(g.get("goodsNo")),
            "product_name": norm.text(g.get("goodsNm")),
            "option_text": option_text(g.get("optionInfo")),
            "quantity": int(norm.amount(g.get("goodsCnt") or 1, what=f"{what} goodsCnt")),
            "unit_price": norm.amount(g.get("goodsPrice"), what=f"{what} goodsPrice"),
            "status": order_status(g.get("orderStatus") or r.get("orderStatus"), f"{what} item {item_key}",
                                   _before(g)),
            "delivered_at": norm.instant(g.get("deliveryCompleteDt"), tz, what=f"{what} deliveryCompleteDt"),
            "raw": g,
        })
    delivered = [i["delivered_at"] for i in items if i["delivered_at"]]
    member = str(r.get("memNo") or "").strip()
    order = {
        "order_key": key,
        "member_key": member if member not in ("", "0") else None,
        "email": norm.email(r.get("orderEmail") or info.get("orderEmail")),
        "status": order_status(norm.require(r, "orderStatus", what=what), what,
                               next((b for b in map(_before, goods) if b), None)),
        "ordered_at": norm.instant(order_date(r, what), tz, what=f"{what} orderDate"),
        "paid_at": norm.instant(r.get("paymentDt"), tz, what=f"{what} paymentDt"),
        "delivered_at": max(delivered) if delivered else None,
        "total_amount": norm.amount(r.get("settlePrice"), what=f"{what} settlePrice"),
        "currency": "KRW",
        "updated_at": norm.instant(r.get("modDt"), tz, what=f"{what} modDt"),
        "raw": {k: v for k, v in r.items() if k != "orderGoodsData"},
    }
    return order, items


def option_text(value: Any) -> str | None:
    """optionInfo is JSON (a list of [name, value, ...] per option); shown as 'name: value, ...'."""
    text = norm.text(value)
    if not text or text[:1] not in "[{":
        return text
    try:
        options = json.loads(text)
    except ValueError:
        return text
    if isinstance(options, dict):
        options = list(options.values())
    parts = []
    for option in options if isinstance(options, list) else []:
        if isinstance(option, (list, tuple)) and len(option) >= 2:
            parts.append(f"{option[0]}: {option[1]}")
        elif isinstance(option, dict):
            parts.append(": ".join(str(v) for v in list(option.values())[:2]))
        else:
            parts.append(str(option))
    return ", ".join(parts) or None


def product_row(r: dict[str, Any], tz: str) -> dict[str, Any]:
    key = str(norm.require(r, "goodsNo", what="a Godomall product"))
    what = f"Godomall product {key}"
    cats = [c for c in str(r.get("allCateCd") or r.get("cateCd") or "").replace("|", ",").split(",") if c.strip()]
    image = r.get("listImageData") or r.get("mainImageData")
    return {
        "product_key": key,
        "name": norm.require(r, "goodsNm", what=what),
        "name_en": norm.text(r.get("goodsNmEn")),
        "supplier_name": norm.text(r.get("scmNm") or r.get("makerNm")),
        "model_name": norm.text(r.get("goodsModelNo")),
        "price": norm.amount(r.get("goodsPrice"), what=f"{what} goodsPrice"),
        "image_url": norm.text(image if isinstance(image, str) else None),
        "category_keys": [c.strip() for c in cats],
        "detail": {k: r.get(k) for k in ("makerNm", "originNm", "brandCd", "goodsWeight", "shortDescription")
                   if r.get(k) not in (None, "")},
        "updated_at": norm.instant(r.get("modDt"), tz, what=f"{what} modDt"),
        "raw": r,
    }


def category_rows(records: list[dict[str, Any]]) -> list[dict[str, Any]]:
    names = {str(r.get("cateCd") or "").strip(): norm.text(r.get("cateNm")) for r in records}
    rows = []
    for r in records:
        code = str(norm.require(r, "cateCd", what="a Godomall category")).strip()
        if len(code) % 3 or not 3 <= len(code) <= 12:
            raise BadResponse("sync.bad_response", platform="godomall", what="category", value=code,
                              detail=f"Godomall category code '{code}' is not 3, 6, 9 or 12 characters long")
        name = norm.require(r, "cateNm", what=f"Godomall category {code}")
        ancestors = [code[:n] for n in range(3, len(code) + 1, 3)]
        rows.append({
            "category_key": code,
            "name": name,
            "depth": len(code) // 3,
            "parent_key": code[:-3] or None,
            "path": " > ".join(names.get(a) or a for a in ancestors),
            "raw": r,
        })
    return rows


# ---- the client -----------------------------------------------------------------------------------

class GodomallClient:
    platform = PLATFORM
    entities = ENTITIES

    def __init__(self, partner_key: str, user_key: str, *, base_url: str = DEFAULT_BASE_URL,
                 timezone: str = clock.DEFAULT_TZ, rate_limit: float | None = DEFAULT_RATE,
                 page_size: int = DEFAULT_PAGE_SIZE, order_window_days: int = DEFAULT_ORDER_WINDOW_DAYS,
                 history_days: int = DEFAULT_HISTORY_DAYS, timeout: float = 10.0, max_retries: int = 4,
                 backoff: float = 0.5, workers: int = DEFAULT_WORKERS) -> None:
        # Missing keys fail the first call, not the constructor, so a sync records them as a failed run.
        self._missing_keys = not partner_key or not user_key
        self._auth = {"partner_key": partner_key or "", "key": user_key or ""}
        self.tz = timezone
        self.page_size = max(1, int(page_size))
        self.order_window_days = max(1, int(order_window_days))
        self.history_days = int(history_days)
        self.workers = max(1, int(workers))
        # A burst of one call per worker keeps several in flight and stays far inside Godomall's bucket.
        self.limiter = RateLimiter(rate_limit, burst=self.workers) if rate_limit else None
        self.http = PlatformHTTP(PLATFORM, base_url.rstrip("/"), timeout=timeout, max_retries=max_retries,
                                 backoff=backoff, limiter=self.limiter, on_response=self._watch_level)
        self.calls = 0
        self._count = threading.Lock()
        self.exhausted = 0  # answers that said the bucket is empty

    def _watch_level(self, response: Any) -> None:
        # Godomall warns before it starts answering 429: stop calling for a moment instead of hitting them.
        if response.headers.get("ratelimit-available-level", "").strip().upper() == "EXHAUSTED":
            self.exhausted += 1
            if self.limiter:
                self.limiter.hold(EXHAUSTED_HOLD_S)
            else:
                time.sleep(EXHAUSTED_HOLD_S)

    # One call: form-encoded POST, so the keys travel in the body and never in a URL an error could quote.
    def call(self, entity: str, params: dict[str, Any]) -> tuple[dict[str, str], list[dict[str, Any]]]:
        what = PATHS[entity].rsplit("/", 1)[-1].removesuffix(".php")
        if self._missing_keys:
            raise AuthError("sync.credentials_missing", platform="godomall",
                            detail="Godomall needs both the partner key and the user key, and one of them was never "
                                   "entered (credential missing); enter both in the console")
        response = self.http.request("POST", PATHS[entity], data={**self._auth, **params})
        with self._count:
            self.calls += 1
        if response.status_code in (401, 403):
            raise AuthError("sync.auth_refused", platform="godomall", status=response.status_code, what=what,
                            detail=f"Godomall refused the keys for {what} (HTTP {response.status_code}); "
                                   "check the partner key and user key in the console")
        if response.status_code >= 400:
            raise BadResponse("sync.rejected", platform="godomall", status=response.status_code, what=what,
                              detail=f"Godomall answered {what} with HTTP {response.status_code}")
        header, elements = parse_answer(response.content, what, hide=tuple(self._auth.values()))
        tag = RECORD_TAGS[entity]
        return header, [record(el) for el in elements if el.tag == tag]

    def pages(self, entity: str, cursor: dict[str, Any] | None) -> Iterator[Page]:
        if entity == "orders":
            return self._orders(cursor)
        if entity == "products":
            return self._products(cursor)
        if entity == "categories":
            return self._categories()
        raise SyncError("sync.unknown_entity", kind=Kind.INTERNAL, platform="godomall", entity=entity,
                        detail=f"Godomall has no '{entity}' to sync (it offers {', '.join(ENTITIES)})")

    def _today(self) -> dt.date:
        return clock.local(clock.now(), self.tz).date()

    def _orders(self, cursor: dict[str, Any] | None) -> Iterator[Page]:
        today = self._today()
        cursor = dict(cursor or {})
        if not cursor.get("start"):
            cursor = {"start": (today - dt.timedelta(days=self.history_days)).isoformat(), "last_order": None}
        while True:
            start = dt.date.fromisoformat(cursor["start"])
            end = min(today, start + dt.timedelta(days=self.order_window_days - 1))
            params: dict[str, Any] = {"dateType": "modify", "startDate": start.isoformat(),
                                      "endDate": end.isoformat(), "size": self.page_size, "sort": "orderNo desc"}
            if cursor.get("last_order"):
                params["lastOrder"] = cursor["last_order"]
            header, records = self.call("orders", params)
            orders, items = [], []
            for r in records:
                order, its = order_rows(r, self.tz)
                orders.append(order)
                items.extend(its)
            # The header's lastOrder says whether another page exists, but live answers leave it out even with
            # `size` sent: without it, a full page means there may be more (an empty next page ends the window).
            said = str(header.get("lastOrder") or "").strip().lower()
            more = len(records) >= self.page_size and said != "false"
            if more:
                cursor = {"start": start.isoformat(), "last_order": orders[-1]["order_key"]}
            elif end < today:
                cursor = {"start": (end + dt.timedelta(days=1)).isoformat(), "last_order": None}
            else:
                # The window reached today: the next sync asks again from today (orders change all day).
                cursor = {"start": end.isoformat(), "last_order": None}
            yield Page({"orders": orders, "order_items": items}, cursor)
            if not more and end >= today:
                return

    def _products(self, cursor: dict[str, Any] | None) -> Iterator[Page]:
        page = int((cursor or {}).get("page") or 1) if not (cursor or {}).get("done") else 1
        while True:
            header, records = self.call("products", {"page": page, "size": self.page_size})
            total = _int(header.get("total"), len(records))
            done = len(records) < self.page_size or page * self.page_size >= total
            yield Page({"products": [product_row(r, self.tz) for r in records]},
                       {"done": True} if done else {"page": page + 1, "done": False})
            if done:
                return
            page += 1

    def _categories(self) -> Iterator[Page]:
        _, records = self.call("categories", {})
        yield Page({"categories": category_rows(records)}, {"done": True})

    def count(self, entity: str) -> int:
        """How many `entity` records Godomall holds (one call of one record: a cheap authenticated check)."""
        header, records = self.call(entity, {"page": 1, "size": 1})
        return _int(header.get("total"), len(records))

    def close(self) -> None:
        self.http.close()


def _int(value: Any, default: int) -> int:
    try:
        return int(str(value).strip())
    except (TypeError, ValueError):
        return default


def client_for(shop: Shop, **overrides: Any) -> GodomallClient:
    keys = secrets.get(shop.shop_id)
    s = shop.settings
    rate = s.get("rate_limit", DEFAULT_RATE)
    options = dict(base_url=s.get("base_url", DEFAULT_BASE_URL), timezone=shop.timezone,
                   rate_limit=float(rate) if rate else None,
                   page_size=int(s.get("page_size", DEFAULT_PAGE_SIZE)),
                   order_window_days=int(s.get("order_window_days", DEFAULT_ORDER_WINDOW_DAYS)),
                   history_days=int(s.get("history_days", DEFAULT_HISTORY_DAYS)),
                   timeout=float(s.get("timeout", 10.0)), max_retries=int(s.get("max_retries", 4)),
                   backoff=float(s.get("backoff", 0.5)), workers=int(s.get("workers", DEFAULT_WORKERS)))
    options.update(overrides)
    return GodomallClient(keys.get("partner_key", ""), keys.get("user_key", ""), **options)


def test_connection(shop: Shop) -> ConnectionOk:
    """Two cheap authenticated calls of documented APIs for the console's "test connection" button: the
    products (Goods_Search, one record, its header total) and the categories (Category_Search).

    Raises AuthError (keys refused, expired, IP not allowed) or SyncError (unreachable, not XML); returns what
    Godomall holds, as a key and the counts its words name.
    """
    client = client_for(shop, max_retries=1)
    try:
        products = client.count("products")
        _, categories = client.call("categories", {})
    finally:
        client.close()
    return ConnectionOk("godomall.connection_ok", {"products": f"{products:,}", "categories": f"{len(categories):,}"})
