"""Naver Smartstore through the Naver Commerce API (api.commerce.naver.com/external).

Where each rule comes from (apicenter.commerce.naver.com, read through the `search` tool):

- Token (docs/auth, docs/commerce-api/current/exchange-sellers-auth): `POST /v1/oauth2/token`, form-encoded
  client_id, timestamp (ms, valid 5 minutes), grant_type=client_credentials, type=SELF and
  client_secret_sign = base64(bcrypt.hashpw(client_id + "_" + timestamp, client_secret as the salt)).
  Answer `{access_token, expires_in (10800 s), token_type: "Bearer"}`. The token is reused until near its
  expiry; a 401 `GW.AUTHN` on a call means it is no longer valid, so it is fetched again once.
- Errors (docs/trouble-shooting): gateway errors are JSON `{code, message, timestamp, traceId}` with codes
  `GW.AUTHN` (401), `GW.RATE_LIMIT` / `GW.QUOTA_LIMIT` (429), `GW.PROXY.*` (500), `GW.BLOCK.*` (503).
- Rate limit (docs/restriction): a token bucket per API and application; the limit is not a fixed number
  but is announced in the `GNCP-GW-RateLimit-Replenish-Rate` header (burst = twice that). Each API gets its
  own pacing bucket here, started at the `rate_limit` setting and re-aimed just under the announced rate.
- Changed product orders (seller-get-last-changed-status-pay-order-seller): `GET
  /v1/pay-order/seller/product-orders/last-changed-statuses` with lastChangedFrom / lastChangedTo (inclusive,
  at most 24 h), sorted by change time then product order id, at most 300 per answer; when there are more,
  `data.more = {moreFrom, moreSequence}` goes back as lastChangedFrom + moreSequence.
- Product order details (seller-get-product-orders-pay-order-seller): `POST
  /v1/pay-order/seller/product-orders/query` with `productOrderIds` (at most 300); `data` is a list of
  `{order, productOrder, delivery, ...}`. productOrderStatus is one of PAYMENT_WAITING, PAYED, DELIVERING,
  DELIVERED, PURCHASE_DECIDED, EXCHANGED, CANCELED, RETURNED, CANCELED_BY_NOPAYMENT. The feed's own status can
  lag behind the details' (Commerce API FAQ, github.com/commerce-api-naver/commerce-api discussion 2437:
  "prefer the details"), so statuses are always taken from the details.
- Product order ids of one order (seller-get-product-order-ids-pay-order-seller): `GET
  /v1/pay-order/seller/orders/{orderId}/product-order-ids`, `data` = list of ids.
- Products (search-product, apicenter.commerce.naver.com/docs/commerce-api/current/search-product-product):
  `POST /v1/products/search` with page (from 1) and size; answer
  `{contents: [{originProductNo, channelProducts: [...]}], page, size, totalElements, totalPages, last}`. Each
  channel product carries `salePrice` (판매가, the list price before discounts) and `discountedPrice` (the
  price after the seller's immediate discount, what a buyer pays; `mobileDiscountedPrice` the same on
  mobile), as the answer's shape is quoted in public clients of the API (e.g. the `ChannelProduct` types
  with `salePrice`, `discountedPrice`, `mobileDiscountedPrice`). The stored price is the selling price,
  `discountedPrice` when given, else `salePrice`; the list price stays beside it in the product's raw
  record (`salePrice`), the neutral product shape having no column for it.
- Categories: `GET /v1/categories` answers the whole tree as a flat list of `{id, name, wholeCategoryName,
  last}`, the path in wholeCategoryName joined by '>' (at most 4 levels).

The product-order model: one Naver order (orderId) holds several product orders (productOrderId), each with
its own status and delivery. Here order = orderId and order item = productOrderId. The changed-orders feed
names product orders, but the store replaces an order's items whole whenever the order arrives, so for every
order touched by a page the client asks for all its product order ids and fetches them all; an order is
never written with some of its items missing.

Members: Smartstore has no member list API. Members are built from the orderer on each order: name
(ordererName) and phone (ordererTel). The key is `ordererNo` (a stable number); `ordererId` comes masked
(e.g. 'asdf****', as real answers show) so it cannot tell two buyers apart and is kept only in raw. The
e-mail address is not shared with sellers, nor a signup date, nor marketing consent: e-mail and signed_up_at
are empty and both consents unknown (NULL, as for every platform that does not report them; advertising needs
a consent known to be given, so none goes to these members).
"""
from __future__ import annotations

import base64
import concurrent.futures
import datetime as dt
import functools
import json
import threading
import time
from collections.abc import Callable, Iterator
from typing import Any
from zoneinfo import ZoneInfo

import httpx

from core import clock
from core.errors import Kind
from core.integrations import normalize as norm
from core.integrations.base import AuthError, BadResponse, ConnectionOk, Page, PlatformFailed, SyncError
from core.integrations.http import PlatformHTTP, RateLimiter
from core.shops import secrets
from core.shops.registry import Shop

PLATFORM = "naver"
DEFAULT_BASE_URL = "https://api.commerce.naver.com/external"
KST = ZoneInfo("Asia/Seoul")

FEED_PATH = "/v1/pay-order/seller/product-orders/last-changed-statuses"
QUERY_PATH = "/v1/pay-order/seller/product-orders/query"
ORDER_IDS_PATH = "/v1/pay-order/seller/orders/{order_id}/product-order-ids"
PRODUCTS_PATH = "/v1/products/search"
CATEGORIES_PATH = "/v1/categories"
TOKEN_PATH = "/v1/oauth2/token"

MAX_WINDOW = dt.timedelta(hours=24)
MAX_QUERY_IDS = 300
TOKEN_MARGIN_S = 300  # fetch a new token this long before the old one expires

# productOrderStatus -> core.integrations.base.ORDER_STATUSES
ITEM_STATUSES = {
    "PAYMENT_WAITING": "pending",
    "PAYED": "paid",
    "DELIVERING": "shipping",
    "DELIVERED": "delivered",
    "PURCHASE_DECIDED": "confirmed",
    "EXCHANGED": "delivered",  # the exchange is complete: the replacement reached the buyer
    "CANCELED": "cancelled",
    "CANCELED_BY_NOPAYMENT": "cancelled",
    "RETURNED": "returned",
}
_PROGRESS = ("pending", "paid", "shipping", "delivered", "confirmed")
_ENDED = ("cancelled", "returned")


def order_status(item_statuses: list[str]) -> str:
    """The order's status from its items'.

    Items still in play (not cancelled or returned) decide: the order is only as far along as its least
    advanced live item (delivered once every live item is delivered). An order whose every item ended is
    'returned' if any item was returned, else 'cancelled'.
    """
    live = [s for s in item_statuses if s not in _ENDED]
    if live:
        return min(live, key=_PROGRESS.index)
    return "returned" if "returned" in item_statuses else "cancelled"


def naver_time(at: dt.datetime) -> str:
    """The instant as Naver writes it: KST with milliseconds, e.g. 2022-04-11T15:21:44.000+09:00."""
    return at.astimezone(KST).isoformat(timespec="milliseconds")


def sign(client_id: str, client_secret: str, timestamp_ms: int) -> str:
    """client_secret_sign: base64 of bcrypt(client_id_timestamp) with the client secret as the salt."""
    import bcrypt  # bcrypt==5.0.0: the signature must be a real bcrypt hash with Naver's salt

    try:
        hashed = bcrypt.hashpw(f"{client_id}_{timestamp_ms}".encode(), client_secret.encode())
    except ValueError:
        raise AuthError("sync.secret_malformed", platform="naver",
                        detail="the Naver client secret is not in the form Naver issues ($2a$…); "
                               "copy it again from the Commerce API Center") from None
    return base64.standard_b64encode(hashed).decode()


class NaverClient:
    platform = PLATFORM
    entities = ("categories", "products", "orders")  # members arrive with the orders (see the module note)

    def __init__(self, client_id: str, client_secret: str, *, base_url: str = DEFAULT_BASE_URL,
                 rate_limit: float | None = 2.0, timeout: float = 10.0, max_retries: int = 4,
                 backoff: float = 0.5, orders_since: dt.datetime | None = None, history_days: int = 30,
                 product_page_size: int = 500, workers: int = 8, tz: str = clock.DEFAULT_TZ,
                 wall_ms: Callable[[], int] = lambda: int(time.time() * 1000)) -> None:
        if not client_id or not client_secret:
            raise AuthError("sync.credentials_missing", platform="naver",
                            detail="the Naver shop has no client id or client secret saved; enter them in the console")
        self._client_id, self._secret = client_id, client_secret
        self.base_url, self.rate_limit, self.timeout = base_url.rstrip("/"), rate_limit, timeout
        self.max_retries, self.backoff = max_retries, backoff
        self.orders_since, self.history_days = orders_since, history_days
        self.product_page_size, self.workers, self.tz = product_page_size, max(1, workers), tz
        self._wall_ms = wall_ms  # the signature's timestamp is checked against real time, not the business clock
        self._apis: dict[str, PlatformHTTP] = {}
        self._apis_guard = threading.Lock()
        self._token: str | None = None
        self._token_until = 0.0
        self._token_guard = threading.Lock()
        self.calls: dict[str, int] = {}  # requests sent per API, for the benchmark
        self._pool: concurrent.futures.ThreadPoolExecutor | None = None

    # ---- HTTP ---------------------------------------------------------------------------------------

    def api(self, name: str) -> PlatformHTTP:
        """One HTTP session and pacing bucket per API: Naver limits each API separately."""
        with self._apis_guard:
            if name not in self._apis:
                limiter = RateLimiter(self.rate_limit, burst=2) if self.rate_limit else None
                self._apis[name] = PlatformHTTP(
                    "Naver Commerce", self.base_url, timeout=self.timeout, max_retries=self.max_retries,
                    backoff=self.backoff, limiter=limiter,
                    on_response=functools.partial(_follow_announced_rate, limiter))
            return self._apis[name]

    def _call(self, name: str, method: str, path: str, **kwargs: Any) -> Any:
        """An authenticated call: JSON back, or an operator-worded error. A refused token is renewed once."""
        for attempt in (1, 2):
            token = self._access_token()
            headers = {"Authorization": f"Bearer {token}", "Accept": "application/json"}
            self.calls[name] = self.calls.get(name, 0) + 1
            response = self.api(name).request(method, path, headers=headers, **kwargs)
            if response.status_code == 401 and attempt == 1:
                self._drop_token(token)
                continue
            return _json_or_error(response, path)
        raise AssertionError("unreachable")

    def _access_token(self) -> str:
        with self._token_guard:
            if self._token and time.monotonic() < self._token_until:
                return self._token
            timestamp = self._wall_ms()
            form = {"client_id": self._client_id, "timestamp": str(timestamp), "grant_type": "client_credentials",
                    "client_secret_sign": sign(self._client_id, self._secret, timestamp), "type": "SELF"}
            self.calls["token"] = self.calls.get("token", 0) + 1
            response = self.api("token").request("POST", TOKEN_PATH, data=form)
            if response.status_code in (400, 401, 403):
                raise AuthError("sync.auth_refused", platform="naver", status=response.status_code,
                                detail=f"Naver refused the client id and secret ({_error_code(response)}): check them "
                                       "in "
                                       "the Commerce API Center, and that this server's IP address is allowed there")
            body = _json_or_error(response, TOKEN_PATH)
            token, expires_in = body.get("access_token"), body.get("expires_in")
            if not token or not isinstance(expires_in, (int, float)):
                raise BadResponse("sync.missing_field", platform="naver", what="token", field="access_token",
                                  detail="Naver's token answer has no access_token or expires_in")
            self._token = token
            self._token_until = time.monotonic() + max(1.0, float(expires_in) - min(TOKEN_MARGIN_S, expires_in / 10))
            return token

    def _drop_token(self, refused: str) -> None:
        # Only the refused token: callers in other threads refused at the same time reuse the new one.
        with self._token_guard:
            if self._token == refused:
                self._token, self._token_until = None, 0.0

    # ---- entities -----------------------------------------------------------------------------------

    def pages(self, entity: str, cursor: dict[str, Any] | None) -> Iterator[Page]:
        if entity == "categories":
            return self._categories()
        if entity == "products":
            return self._products(cursor)
        if entity == "orders":
            return self._orders(cursor)
        return iter(())  # members come with orders; Smartstore has no carts

    def _categories(self) -> Iterator[Page]:
        body = self._call("categories", "GET", CATEGORIES_PATH)
        if not isinstance(body, list):
            raise BadResponse("sync.bad_response", platform="naver", what="categories",
                              detail="Naver's category answer is not a list")
        yield Page({"categories": categories_rows(body)}, {"done": True})

    def _products(self, cursor: dict[str, Any] | None) -> Iterator[Page]:
        # No change feed for products: every sync walks the whole list; the cursor only resumes a walk.
        page = int((cursor or {}).get("page") or 1)
        while True:
            body = self._call("products", "POST", PRODUCTS_PATH, json={"page": page, "size": self.product_page_size})
            contents = body.get("contents")
            if not isinstance(contents, list):
                raise BadResponse("sync.missing_field", platform="naver", what=f"products page {page}",
                                  field="contents",
                                  detail=f"Naver's product page {page} has no 'contents' list")
            rows = [product_row(cp, self.tz) for origin in contents for cp in origin.get("channelProducts") or []]
            last = bool(body.get("last")) or not contents or page >= int(body.get("totalPages") or 0)
            yield Page({"products": rows}, {"page": 1} if last else {"page": page + 1})
            if last:
                return
            page += 1

    def _orders(self, cursor: dict[str, Any] | None) -> Iterator[Page]:
        until = clock.now()
        cursor = dict(cursor or {})
        start = (norm.required_instant(cursor["from"]) if cursor.get("from") else
                 self.orders_since or until - dt.timedelta(days=self.history_days))
        seq = cursor.get("seq")
        window_end = norm.required_instant(cursor["to"]) if cursor.get("to") else None
        while start < until or seq:
            window_end = window_end or min(start + MAX_WINDOW, until)
            params = {"lastChangedFrom": naver_time(start), "lastChangedTo": naver_time(window_end)}
            if seq:
                params["moreSequence"] = seq
            body = self._call("changes", "GET", FEED_PATH, params=params)
            data = body.get("data") if isinstance(body, dict) else None
            if not isinstance(data, dict) or not isinstance(data.get("lastChangeStatuses", []), list):
                raise BadResponse("sync.missing_field", platform="naver", what="last-changed-statuses",
                                  field="data.lastChangeStatuses",
                                  detail="Naver's changed-orders answer has no data.lastChangeStatuses list")
            changes = data.get("lastChangeStatuses") or []
            rows = self._order_rows(changes) if changes else {}
            more = data.get("more") or None
            if more and more.get("moreFrom") and more.get("moreSequence"):
                start, seq = norm.required_instant(more["moreFrom"], what="moreFrom"), str(more["moreSequence"])
                next_cursor = {"from": start.isoformat(), "seq": seq, "to": window_end.isoformat()}
            else:
                # lastChangedTo is inclusive: the next window starts at it again, so a change landing in the
                # same millisecond is not lost (one seen twice is just written twice).
                start, seq, window_end = window_end, None, None
                next_cursor = {"from": start.isoformat()}
                if start >= until:
                    yield Page(rows, next_cursor)
                    return
            yield Page(rows, next_cursor)

    def _order_rows(self, changes: list[dict[str, Any]]) -> dict[str, list[dict[str, Any]]]:
        order_ids = sorted({str(norm.require(c, "orderId", what="a changed product order")) for c in changes})
        if self._pool is None:
            self._pool = concurrent.futures.ThreadPoolExecutor(self.workers, thread_name_prefix="naver")
        id_lists = list(self._pool.map(self._product_order_ids, order_ids))
        wanted = sorted({pid for ids in id_lists for pid in ids} |
                        {str(c["productOrderId"]) for c in changes if c.get("productOrderId")})
        chunks = [wanted[i:i + MAX_QUERY_IDS] for i in range(0, len(wanted), MAX_QUERY_IDS)]
        details = [d for chunk in self._pool.map(self._details, chunks) for d in chunk]
        return order_rows(details, self.tz)

    def _product_order_ids(self, order_id: str) -> list[str]:
        body = self._call("order_ids", "GET", ORDER_IDS_PATH.format(order_id=order_id))
        ids = body.get("data") if isinstance(body, dict) else None
        if not isinstance(ids, list):
            raise BadResponse("sync.bad_response", platform="naver", what=f"product order ids of order {order_id}",
                              detail=f"Naver's product order ids for order {order_id} are not a list")
        return [str(i) for i in ids]

    def _details(self, ids: list[str]) -> list[dict[str, Any]]:
        body = self._call("details", "POST", QUERY_PATH, json={"productOrderIds": ids})
        data = body.get("data") if isinstance(body, dict) else None
        if not isinstance(data, list):
            raise BadResponse("sync.missing_field", platform="naver", what="product-orders", field="data",
                              detail="Naver's product order details answer has no data list")
        if len(data) < len(ids):
            # Naver may leave out ids it could not read; an order written without them would lose items.
            got = {str((d.get("productOrder") or {}).get("productOrderId")) for d in data}
            missing = [i for i in ids if i not in got]
            raise PlatformFailed("sync.incomplete", platform="naver", what="product orders", missing=len(missing),
                                 detail=f"Naver did not return product orders {', '.join(missing[:5])}"
                                        f"{' …' if len(missing) > 5 else ''}; will resume from the last checkpoint")
        return data

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=False, cancel_futures=True)
        for api in self._apis.values():
            api.close()


# ---- normalization (plain functions, no I/O) ----------------------------------------------------------

def categories_rows(records: list[dict[str, Any]]) -> list[dict[str, Any]]:
    by_path: dict[str, str] = {}
    parsed = []
    for record in records:
        key = str(norm.require(record, "id", what="a Naver category"))
        whole = str(norm.require(record, "wholeCategoryName", what=f"Naver category {key}"))
        parts = [p.strip() for p in whole.split(">") if p.strip()]
        if not 1 <= len(parts) <= 4:
            raise BadResponse("sync.bad_response", platform="naver", what=f"category {key}",
                              detail=f"Naver category {key} is {len(parts)} levels deep ('{whole}'); the console "
                                     "knows 1 to 4")
        by_path[">".join(parts)] = key
        parsed.append((key, parts, record))
    return [{"category_key": key, "name": norm.text(record.get("name")) or parts[-1], "depth": len(parts),
             "parent_key": by_path.get(">".join(parts[:-1])) if len(parts) > 1 else None,
             "path": " > ".join(parts), "raw": record}
            for key, parts, record in parsed]


def selling_price(cp: dict[str, Any], key: str) -> float:
    """What a buyer pays: the discounted price when Naver gives one, else the list price (salePrice)."""
    listed = norm.amount(cp.get("salePrice"), what=f"salePrice of Naver product {key}")
    if cp.get("discountedPrice") in (None, ""):
        return listed
    discounted = norm.amount(cp.get("discountedPrice"), what=f"discountedPrice of Naver product {key}")
    return discounted if discounted > 0 else listed


def product_row(cp: dict[str, Any], tz: str = clock.DEFAULT_TZ) -> dict[str, Any]:
    key = str(norm.require(cp, "channelProductNo", what="a Naver product"))
    image = cp.get("representativeImage") or {}
    return {
        "product_key": key,
        "name": str(norm.require(cp, "name", what=f"Naver product {key}")),
        "supplier_name": norm.text(cp.get("manufacturerName")),
        "model_name": norm.text(cp.get("modelName")),
        "price": selling_price(cp, key),
        "image_url": norm.text(image.get("url")),
        "category_keys": [str(cp["categoryId"])] if cp.get("categoryId") else [],
        "detail": {k: cp[k] for k in ("brandName", "manufacturerName", "statusType") if cp.get(k)},
        "updated_at": norm.instant(cp.get("modifiedDate"), tz, what=f"modifiedDate of Naver product {key}"),
        "raw": cp,
    }


def item_status(product_order: dict[str, Any]) -> str:
    pid = product_order.get("productOrderId")
    status = product_order.get("productOrderStatus")
    try:
        return ITEM_STATUSES[str(status)]
    except KeyError:
        raise BadResponse("sync.unknown_status", platform="naver", what=f"product order {pid}", value=str(status),
                          detail=f"Naver product order {pid} has status '{status}', which the console does "
                                 "not know") from None


def order_rows(details: list[dict[str, Any]], tz: str = clock.DEFAULT_TZ) -> dict[str, list[dict[str, Any]]]:
    """orders, order_items and members from product order details (all items of each order present)."""
    items: list[dict[str, Any]] = []
    orders: dict[str, dict[str, Any]] = {}
    order_items: dict[str, list[dict[str, Any]]] = {}
    members: dict[str, dict[str, Any]] = {}
    for detail in details:
        order, po = detail.get("order") or {}, detail.get("productOrder") or {}
        delivery = detail.get("delivery") or {}
        pid = str(norm.require(po, "productOrderId", what="a Naver product order"))
        oid = str(norm.require(order, "orderId", what=f"Naver product order {pid}"))
        status = item_status(po)
        item = {"item_key": pid, "order_key": oid, "product_key": norm.text(po.get("productId")),
                "product_name": norm.text(po.get("productName")), "option_text": norm.text(po.get("productOption")),
                "quantity": int(po.get("quantity") or 1),
                "unit_price": norm.amount(po.get("unitPrice"), what=f"unitPrice of product order {pid}"),
                "status": status,
                "delivered_at": norm.instant(delivery.get("deliveredDate"), tz,
                                             what=f"deliveredDate of product order {pid}"),
                "raw": detail}
        items.append(item)
        order_items.setdefault(oid, []).append(item)
        if oid not in orders:
            orders[oid] = _order_row(oid, order, tz)
        member = member_row(order)
        if member:
            members[member["member_key"]] = member
    for oid, row in orders.items():
        statuses = [i["status"] for i in order_items[oid]]
        row["status"] = order_status(statuses)
        delivered = [i["delivered_at"] for i in order_items[oid] if i["delivered_at"] and i["status"] not in _ENDED]
        row["delivered_at"] = max(delivered) if row["status"] in ("delivered", "confirmed") and delivered else None
    return {"orders": list(orders.values()), "order_items": items, "members": list(members.values())}


def _order_row(oid: str, order: dict[str, Any], tz: str) -> dict[str, Any]:
    paid = sum(norm.amount(order.get(f), what=f"{f} of order {oid}") for f in (
        "generalPaymentAmount", "naverMileagePaymentAmount", "chargeAmountPaymentAmount",
        "checkoutAccumulationPaymentAmount", "payLaterPaymentAmount"))
    return {"order_key": oid, "member_key": norm.text(order.get("ordererNo")), "email": None,
            "ordered_at": norm.instant(norm.require(order, "orderDate", what=f"Naver order {oid}"), tz,
                                       what=f"orderDate of order {oid}"),
            "paid_at": norm.instant(order.get("paymentDate"), tz, what=f"paymentDate of order {oid}"),
            "total_amount": paid, "currency": "KRW", "status": "pending", "delivered_at": None,
            "raw": {k: v for k, v in order.items()}}


def member_row(order: dict[str, Any]) -> dict[str, Any] | None:
    """The orderer as a member, in the normal form every platform shares (see the module note)."""
    key = norm.text(order.get("ordererNo"))
    if key is None:
        return None  # a gift or guest order without an orderer number belongs to no member
    return {"member_key": key, "email": None, "name": norm.text(order.get("ordererName")),
            "phone": norm.phone(order.get("ordererTel")), "member_group": None, "signed_up_at": None,
            "email_consent": None, "sms_consent": None, "night_consent": False,
            "raw": {k: order.get(k) for k in ("ordererNo", "ordererId", "ordererName", "ordererTel")}}


# ---- HTTP helpers ---------------------------------------------------------------------------------------

def _follow_announced_rate(limiter: RateLimiter | None, response: httpx.Response) -> None:
    """Pace just under the rate Naver announces for this API (docs/restriction)."""
    value = response.headers.get("GNCP-GW-RateLimit-Replenish-Rate")
    if limiter is None or not value:
        return
    try:
        rate = float(value)
    except ValueError:
        return
    if rate > 0:
        with limiter._guard:  # the bucket's own lock: the rate changes between two acquires, never during one
            limiter.rate = rate * 0.95


def _error_code(response: httpx.Response) -> str:
    try:
        body = response.json()
    except ValueError:
        return f"HTTP {response.status_code}"
    code = body.get("code") if isinstance(body, dict) else None
    return f"HTTP {response.status_code} {code}" if code else f"HTTP {response.status_code}"


def _json_or_error(response: httpx.Response, path: str) -> Any:
    if response.status_code == 401:
        raise AuthError("sync.auth_refused", platform="naver", status=401, what=path,
                        detail=f"Naver refused the access token for {path} ({_error_code(response)}) even after a new "
                               "one was issued: check the application's API groups in the Commerce API Center")
    if response.status_code == 403:
        raise AuthError("sync.no_permission", platform="naver", status=403, what=path,
                        detail=f"Naver did not allow {path} ({_error_code(response)}): this server's IP address may "
                               "not "
                               "be registered, or the application lacks the API group")
    if response.status_code >= 400:
        raise SyncError("sync.rejected", kind=Kind.INVALID, platform="naver", status=response.status_code, what=path,
                        detail=f"Naver answered {path} with {_error_code(response)}")
    try:
        return response.json()
    except (ValueError, json.JSONDecodeError):
        raise BadResponse("sync.not_json", platform="naver", status=response.status_code, what=path,
                          detail=f"Naver answered {path} with something that is not JSON "
                                 f"({response.headers.get('content-type') or 'no content type'})") from None


# ---- wiring for the console ---------------------------------------------------------------------------

def client_for(shop: Shop) -> NaverClient:
    keys = secrets.get(shop.shop_id)
    s = shop.settings
    since = s.get("orders_since")
    return NaverClient(
        keys.get("client_id", ""), keys.get("client_secret", ""),
        base_url=s.get("base_url") or DEFAULT_BASE_URL,
        rate_limit=float(s["rate_limit"]) if s.get("rate_limit") not in (None, "") else 2.0,
        timeout=float(s.get("timeout", 10.0)), max_retries=int(s.get("max_retries", 4)),
        backoff=float(s.get("backoff", 0.5)),
        orders_since=clock.parse_instant(since) if since else None,
        history_days=int(s.get("history_days", 30)), workers=int(s.get("workers", 8)), tz=shop.timezone)


def test_connection(shop: Shop) -> ConnectionOk:
    """A cheap authenticated call: a token, then one minute of the changed-orders feed."""
    client = client_for(shop)
    try:
        now = clock.now()
        client._call("changes", "GET", FEED_PATH, params={
            "lastChangedFrom": naver_time(now - dt.timedelta(minutes=1)), "lastChangedTo": naver_time(now),
            "limitCount": 1})
        return ConnectionOk("connect.naver_ok", {})
    finally:
        client.close()
