"""A fake Wix REST API on loopback, following the documented shapes (see core/integrations/wix.py).

Contacts are a deterministic function of their index (contact i was created and last updated at T0 + i s), so a
million of them cost no memory; `update_contact`, `add_contact` and `delete_contact` change the set the way a
live site does (an update moves the contact's updatedDate to now). Orders, abandoned checkouts with their
checkouts, products and collections are small generated lists.

Auth: `Authorization` must be the API key exactly (no "Bearer") and `wix-site-id` the site; otherwise 401
UNAUTHENTICATED / 403 PERMISSION_DENIED with Wix's error body `{message, details: {applicationError: {code,
description, data}}}`. Rate limit: a token bucket of `per_minute` / 60 a second (burst `burst`); over it, 429
RESOURCE_EXHAUSTED. Paging limits are enforced (contacts 1000, eCommerce 100, Stores 100) with a 400
validationError, as Wix does. Cursors of the eCommerce methods are opaque keysets (updatedDate, id), so a record
updated mid-walk moves to the end instead of shifting the pages.

Catalog versions: `catalog_version` ("V1_CATALOG", "V3_CATALOG" or "STORES_NOT_INSTALLED") is what
`GET /stores/v3/provision/version` answers ("Get Catalog Version"). A V1 site serves the Stores v1 products and
collections; a V3 site serves `POST /stores/v3/products/query` (cursor paging, V3 product shape: actualPriceRange,
compareAtPriceRange, media.main, directCategoryIds when asked with fields DIRECT_CATEGORY_IDS, mainCategoryId) and
`POST /categories/v1/categories/query` (the `@wix/stores` tree, required as treeReference; a two-level tree). The
catalogs are not backwards compatible: V3 endpoints on a V1 site answer 428, as Wix documents; the fake answers
the V1 endpoints of a V3 site the same way (an assumption: Wix documents no answer for that case). Every third
V3 product is discounted (actualPriceRange below compareAtPriceRange).

Faults: `fault(kind, times=1, path=None, after=0, retry_after=None, seconds=...)` with kind 429 / 500 / 503 /
'slow' / 'garbage' / 401; `revoke_key_after(n)` (the key stops working after n more requests, as when the
owner deletes it mid-sync) and `restore_key()`; `after(path, fn)` runs fn after each answer to path (a page that
changes between calls); `delay` (seconds added to every answer); `stall_next(path)` holds the next request to
path until `clear_faults()` (for SIGKILL tests).
"""
from __future__ import annotations

import base64
import datetime as dt
import json
import threading
import time
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

API_KEY = "IST.eyJraWQiOiJQb3pIX2FDMiIsImFsZyI6IlJTMjU2In0.fake-wix-api-key-0123456789"
SITE_ID = "5a6b7c8d-1234-4e5f-9a0b-0c1d2e3f4a5b"
T0_MS = int(dt.datetime(2025, 1, 1, tzinfo=dt.UTC).timestamp() * 1000)
FAMILY = ("김", "이", "박", "최", "정", "강", "조", "윤")
GIVEN = ("서준", "하은", "도윤", "지우", "시우", "서연", "예준", "하린")
SUBSCRIPTION = ("SUBSCRIBED", "NOT_SET", "UNSUBSCRIBED", "SUBSCRIBED", "PENDING")
ORDER_STATES = (("APPROVED", "PAID", "FULFILLED"), ("APPROVED", "PAID", "NOT_FULFILLED"),
                ("APPROVED", "PAID", "PARTIALLY_FULFILLED"), ("APPROVED", "NOT_PAID", "NOT_FULFILLED"),
                ("CANCELED", "NOT_PAID", "NOT_FULFILLED"), ("APPROVED", "FULLY_REFUNDED", "FULFILLED"))
LIMITS = {"contacts": 1000, "ecom": 100, "stores": 100}


def iso(ms: int) -> str:
    return dt.datetime.fromtimestamp(ms / 1000, dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.") + f"{ms % 1000:03d}Z"


def parse_ms(text: str) -> int:
    return int(dt.datetime.fromisoformat(str(text).replace("Z", "+00:00")).timestamp() * 1000)


def now_ms() -> int:
    return int(time.time() * 1000)


def guid(kind: int, i: int) -> str:
    return f"{kind:08x}-0000-4000-8000-{i:012x}"


def contact(i: int) -> dict[str, Any]:
    """Contact i as Wix answers it (fieldsets FULL)."""
    stamp = iso(T0_MS + i * 1000 + 123)
    first, last = GIVEN[i % len(GIVEN)], FAMILY[(i // len(GIVEN)) % len(FAMILY)]
    email = f"Member{i}@Example.com"
    local = f"010-{(i // 10000) % 10000:04d}-{i % 10000:04d}"
    e164 = "+82" + local.replace("-", "")[1:]
    return {
        "id": guid(1, i), "revision": 1, "source": {"sourceType": "WIX_SITE_MEMBERS"},
        "createdDate": stamp, "updatedDate": stamp,
        "primaryInfo": {"email": email, "phone": local},
        "info": {"name": {"first": first, "last": last},
                 "emails": {"items": [{"id": guid(11, i), "tag": "MAIN", "email": email, "primary": True}]},
                 "phones": {"items": [{"id": guid(12, i), "tag": "MOBILE", "countryCode": "KR", "phone": local,
                                       "e164Phone": e164, "primary": True}]}},
        "primaryEmail": {"email": email, "subscriptionStatus": SUBSCRIPTION[i % len(SUBSCRIPTION)],
                         "deliverabilityStatus": "VALID"},
        "primaryPhone": {"countryCode": "KR", "e164Phone": e164, "phone": local,
                         "subscriptionStatus": SUBSCRIPTION[(i + 1) % len(SUBSCRIPTION)]},
    }


def _dumps(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def _contact_template() -> str:
    """contact(i) as JSON with %-placeholders: a page of 1,000 is formatted, not built and encoded."""
    sample = contact(0)
    text = _dumps(sample).replace("%", "%%")
    values = {"id": sample["id"], "eid": guid(11, 0), "pid": guid(12, 0), "stamp": sample["createdDate"],
              "first": sample["info"]["name"]["first"], "last": sample["info"]["name"]["last"],
              "email": sample["primaryInfo"]["email"], "local": sample["primaryInfo"]["phone"],
              "e164": sample["primaryPhone"]["e164Phone"]}
    for key, value in values.items():
        text = text.replace(_dumps(value), f'"%({key})s"')
    text = text.replace('"subscriptionStatus":"SUBSCRIBED"', '"subscriptionStatus":"%(s_email)s"', 1)
    text = text.replace('"subscriptionStatus":"NOT_SET"', '"subscriptionStatus":"%(s_phone)s"', 1)
    return text


def contact_json(i: int) -> str:
    """contact(i), encoded as `_dumps` would encode it."""
    first, last = GIVEN[i % len(GIVEN)], FAMILY[(i // len(GIVEN)) % len(FAMILY)]
    local = f"010-{(i // 10000) % 10000:04d}-{i % 10000:04d}"
    sec = T0_MS // 1000 + i
    return _CONTACT_TEMPLATE % {
        "id": guid(1, i), "eid": guid(11, i), "pid": guid(12, i),
        "stamp": time.strftime("%Y-%m-%dT%H:%M:%S.123Z", time.gmtime(sec)), "first": first, "last": last,
        "email": f"Member{i}@Example.com", "local": local, "e164": "+82" + local.replace("-", "")[1:],
        "s_email": SUBSCRIPTION[i % len(SUBSCRIPTION)], "s_phone": SUBSCRIPTION[(i + 1) % len(SUBSCRIPTION)]}


def _money(amount: float) -> dict[str, str]:
    return {"amount": f"{amount:g}", "formattedAmount": f"₩{amount:,.0f}"}


_CONTACT_TEMPLATE = _contact_template()


class _Bucket:
    def __init__(self, per_second: float, burst: int) -> None:
        self.rate, self.capacity = per_second, float(burst)
        self.tokens, self.last = self.capacity, time.monotonic()
        self.guard = threading.Lock()

    def take(self) -> float:
        """0 if a request may pass, else the seconds until it could."""
        with self.guard:
            now = time.monotonic()
            self.tokens = min(self.capacity, self.tokens + (now - self.last) * self.rate)
            self.last = now
            if self.tokens >= 1:
                self.tokens -= 1
                return 0.0
            return (1 - self.tokens) / self.rate


class WixFake:
    def __init__(self, members: int = 50, orders: int = 20, carts: int = 6, products: int = 12,
                 collections: int = 3, *, rate_limit: bool = True, per_minute: float = 200, burst: int = 10,
                 api_key: str = API_KEY, site_id: str = SITE_ID, catalog_version: str = "V1_CATALOG") -> None:
        self.members, self.api_key, self.site_id = members, api_key, site_id
        self.catalog_version = catalog_version
        self.overrides: dict[int, dict[str, Any]] = {}
        self.extras: list[dict[str, Any]] = []
        self.deleted: set[str] = set()
        self.bucket = _Bucket(per_minute / 60.0, burst) if rate_limit else None
        self.guard = threading.RLock()
        self.faults: list[dict[str, Any]] = []
        self.hooks: dict[str, list[Callable[[], None]]] = {}
        self.revoke_in: int | None = None
        self.key_valid = True
        self.delay = 0.0
        self.stall_path: str | None = None
        self.stalled = threading.Event()  # set when a request is being held by `stall_next`
        self._release = threading.Event()
        self.requests: dict[str, int] = {}
        self.throttled = 0
        self.collections = [{"id": guid(5, c), "name": f"컬렉션 {c}", "slug": f"col-{c}", "visible": True,
                             "numberOfProducts": 0} for c in range(collections)]
        self.products = [self._product(p) for p in range(products)]
        # The V3 tree: each collection becomes a top category with one subcategory under it.
        self.categories = [{"id": guid(6, c), "name": f"분류 {c}", "parentCategory": None, "visible": True}
                           for c in range(collections)]
        self.categories += [{"id": guid(7, c), "name": f"하위 분류 {c}",
                             "parentCategory": {"id": guid(6, c), "index": 0}, "visible": True}
                            for c in range(collections)]
        self.products_v3 = [self._product_v3(p) for p in range(products)]
        self.orders = {o["id"]: o for o in (self._order(j) for j in range(orders))}
        self.checkouts: dict[str, dict[str, Any]] = {}
        self.abandoned = {a["id"]: a for a in (self._abandoned(k) for k in range(carts))}
        self.server: ThreadingHTTPServer | None = None

    # ---- generated records ------------------------------------------------------------------------------

    def _product(self, p: int) -> dict[str, Any]:
        price = 10000 + 1000 * p
        cols = [self.collections[p % len(self.collections)]["id"]] if self.collections else []
        return {"id": guid(4, p), "numericId": 1000 + p, "name": f"상품 {p}", "slug": f"product-{p}", "visible": True,
                "productType": "physical", "sku": f"SKU-{p:04d}", "brand": "위익스",
                "price": {"currency": "KRW", "price": price, "discountedPrice": price},
                "priceData": {"currency": "KRW", "price": price, "discountedPrice": price},
                "media": {"mainMedia": {"image": {"url": f"https://static.wixstatic.com/media/p{p}.jpg",
                                                  "width": 1000, "height": 1000}}},
                "collectionIds": cols, "lastUpdated": iso(T0_MS + p * 3_600_000),
                "createdDate": iso(T0_MS + p * 3_600_000)}

    def _product_v3(self, p: int) -> dict[str, Any]:
        listed = 10000 + 1000 * p
        price = listed * 9 // 10 if p % 3 == 0 else listed
        leaf = [self.categories[len(self.categories) // 2 + p % (len(self.categories) // 2)]["id"]] \
            if self.categories else []
        return {"id": guid(4, p), "name": f"상품 {p}", "slug": f"product-{p}", "visible": True,
                "productType": "PHYSICAL", "brand": {"id": guid(8, 0), "name": "위익스"},
                "actualPriceRange": {"minValue": {"amount": str(price)}, "maxValue": {"amount": str(price)}},
                "compareAtPriceRange": {"minValue": {"amount": str(listed)}, "maxValue": {"amount": str(listed)}},
                "media": {"main": {"id": f"m{p}", "image": {"url": f"https://static.wixstatic.com/media/v3p{p}.jpg"}}},
                "mainCategoryId": leaf[0] if leaf else None, "_directCategoryIds": leaf,
                "createdDate": iso(T0_MS + p * 3_600_000), "updatedDate": iso(T0_MS + p * 3_600_000)}

    def _line(self, n: int, p: int, qty: int, image_key: str = "image") -> dict[str, Any]:
        product = self.products[p % len(self.products)] if self.products else {"id": guid(4, p), "name": "상품",
                                                                               "priceData": {"price": 1000}}
        return {"id": f"00000000-0000-0000-0000-{n:012d}", "quantity": qty,
                "productName": {"original": product["name"], "translated": product["name"]},
                "catalogReference": {"catalogItemId": product["id"], "appId": "215238eb-22a5-4c36-9e7b-e7c08025e04e"},
                "price": _money(product["priceData"]["price"]),
                "descriptionLines": [{"name": {"original": "색상"}, "plainText": {"original": "검정"}}],
                image_key: {"id": f"img{p}", "url": f"https://static.wixstatic.com/media/p{p}.jpg",
                            "width": 1000, "height": 1000}}

    def _order(self, j: int) -> dict[str, Any]:
        status, payment, fulfillment = ORDER_STATES[j % len(ORDER_STATES)]
        buyer = contact(j % max(1, self.members))
        lines = [self._line(n, j + n, 1 + (j + n) % 2) for n in range(1, 2 + j % 2)]
        total = sum(float(line["price"]["amount"]) * line["quantity"] for line in lines)
        stamp = iso(T0_MS + 86_400_000 + j * 60_000)
        return {"id": guid(2, j), "number": str(10001 + j), "createdDate": stamp, "updatedDate": stamp,
                "purchasedDate": stamp, "status": status, "paymentStatus": payment,
                "fulfillmentStatus": fulfillment, "currency": "KRW", "checkoutId": guid(6, j),
                "buyerInfo": {"contactId": buyer["id"], "email": buyer["primaryInfo"]["email"]},
                "priceSummary": {"subtotal": _money(total), "total": _money(total)}, "lineItems": lines}

    def _abandoned(self, k: int) -> dict[str, Any]:
        buyer = contact(k % max(1, self.members))
        checkout_id = guid(7, k)
        lines = [self._line(n, k + n, 1, image_key="media") for n in range(1, 2 + k % 3)]
        total = sum(float(line["price"]["amount"]) * line["quantity"] for line in lines)
        touched = T0_MS + 2 * 86_400_000 + k * 600_000
        if k % 4 != 3:  # every fourth checkout is gone from Wix already (answers 404)
            self.checkouts[checkout_id] = {"id": checkout_id, "lineItems": lines, "updatedDate": iso(touched),
                                           "createdDate": iso(touched - 600_000)}
        recovered = k % 3 == 2
        created = iso(touched + 3_600_000)
        # Newer answers carry the lines themselves (beta field); every fourth from the second one here does.
        own_lines = {"lineItems": lines} if k % 4 == 1 else {}
        return {**own_lines, "id": guid(8, k), "checkoutId": checkout_id, "cartId": guid(9, k),
                "status": "RECOVERED" if recovered else "ABANDONED", "buyerLanguage": "ko",
                "buyerInfo": {"contactId": buyer["id"], "email": buyer["primaryInfo"]["email"],
                              "visitorId": guid(10, k)},
                "contactDetails": {"firstName": buyer["info"]["name"]["first"],
                                   "lastName": buyer["info"]["name"]["last"]},
                "currency": "KRW", "conversionCurrency": "KRW", "totalPrice": _money(total),
                "subtotalPrice": _money(total), "createdDate": created, "updatedDate": created,
                "checkoutRecoveredDate": iso(touched + 7_200_000) if recovered else None,
                "checkoutUrl": f"https://www.wixapis.com/ecom/v1/abandoned-checkout/{guid(8, k)}"
                               f"?metasiteId={self.site_id}",
                "activities": [{"createdDate": created, "type": "SCHEDULED"}]}

    # ---- what the site holds now (for tests) -----------------------------------------------------------

    def contact(self, i: int) -> dict[str, Any]:
        return self.overrides.get(i) or contact(i)

    def live_contacts(self) -> list[dict[str, Any]]:
        with self.guard:
            base = [self.contact(i) for i in range(self.members)]
            return [c for c in base + self.extras if c["id"] not in self.deleted]

    def update_contact(self, i: int, **changes: Any) -> dict[str, Any]:
        with self.guard:
            record = json.loads(json.dumps(self.contact(i)))
            for path, value in changes.items():
                target = record
                *parents, leaf = path.split("__")
                for p in parents:
                    target = target.setdefault(p, {})
                target[leaf] = value
            record["updatedDate"] = iso(now_ms())
            record["revision"] += 1
            self.overrides[i] = record
            return record

    def add_contact(self, record: dict[str, Any]) -> dict[str, Any]:
        with self.guard:
            stamp = iso(now_ms())
            record = {"revision": 1, "createdDate": stamp, "updatedDate": stamp, **record}
            self.extras.append(record)
            self.extras.sort(key=lambda c: (parse_ms(c["createdDate"]), c["id"]))
            return record

    def delete_contact(self, i: int) -> None:
        with self.guard:
            self.deleted.add(self.contact(i)["id"])

    def update_order(self, order_id: str, **changes: Any) -> None:
        with self.guard:
            self.orders[order_id] = {**self.orders[order_id], **changes, "updatedDate": iso(now_ms())}

    def update_abandoned(self, ac_id: str, **changes: Any) -> None:
        with self.guard:
            self.abandoned[ac_id] = {**self.abandoned[ac_id], **changes, "updatedDate": iso(now_ms())}

    # ---- switches -------------------------------------------------------------------------------------

    def fault(self, kind: Any, times: int = 1, path: str | None = None, after: int = 0,
              retry_after: float | None = None, seconds: float = 3.0) -> None:
        with self.guard:
            self.faults.append({"kind": str(kind), "times": times, "path": path, "after": after,
                                "retry_after": retry_after, "seconds": seconds})

    def clear_faults(self) -> None:
        with self.guard:
            self.faults.clear()
            self.stall_path = None
        self._release.set()

    def stall_next(self, path: str) -> None:
        """Hold the next request to `path` unanswered until `clear_faults` (a process killed meanwhile dies
        mid-walk, with pages fetched but not written)."""
        with self.guard:
            self._release.clear()
            self.stall_path = path

    def revoke_key_after(self, n: int) -> None:
        with self.guard:
            self.revoke_in = n

    def restore_key(self) -> None:
        with self.guard:
            self.revoke_in, self.key_valid = None, True

    def after(self, path: str, fn: Callable[[], None]) -> None:
        self.hooks.setdefault(path, []).append(fn)

    # ---- serving --------------------------------------------------------------------------------------

    def start(self) -> str:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: Any) -> None:
                pass

            def do_GET(self) -> None:
                fake._serve(self, "GET")

            def do_POST(self) -> None:
                fake._serve(self, "POST")

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        threading.Thread(target=self.server.serve_forever, name="wix-fake", daemon=True).start()
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def stop(self) -> None:
        self._release.set()
        if self.server:
            self.server.shutdown()
            self.server.server_close()

    @property
    def total_requests(self) -> int:
        return sum(self.requests.values())

    def _send(self, handler: BaseHTTPRequestHandler, status: int, body: Any, headers: dict[str, str] | None = None,
              raw: bytes | None = None, content_type: str = "application/json") -> None:
        data = raw if raw is not None else json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode()
        handler.send_response(status)
        handler.send_header("Content-Type", content_type)
        handler.send_header("Content-Length", str(len(data)))
        for k, v in (headers or {}).items():
            handler.send_header(k, v)
        handler.end_headers()
        handler.wfile.write(data)

    @staticmethod
    def _error(status: int, code: str, message: str) -> dict[str, Any]:
        return {"message": message, "details": {"applicationError": {"code": code, "description": message,
                                                                     "data": {}}}}

    def _take_fault(self, path: str) -> dict[str, Any] | None:
        with self.guard:
            for f in self.faults:
                if f["path"] and not path.startswith(f["path"]):
                    continue
                if f["after"] > 0:
                    f["after"] -= 1
                    continue
                f["times"] -= 1
                if f["times"] <= 0:
                    self.faults.remove(f)
                return f
        return None

    def _serve(self, handler: BaseHTTPRequestHandler, method: str) -> None:
        length = int(handler.headers.get("Content-Length") or 0)
        raw = handler.rfile.read(length) if length else b""
        path = handler.path.split("?")[0]
        with self.guard:
            self.requests[path] = self.requests.get(path, 0) + 1
            if self.revoke_in is not None:
                if self.revoke_in <= 0:
                    self.key_valid = False
                self.revoke_in -= 1
        if self.delay:
            time.sleep(self.delay)
        with self.guard:
            hold = self.stall_path is not None and path.startswith(self.stall_path)
            if hold:
                self.stall_path = None
        if hold:
            self.stalled.set()
            self._release.wait(30)
        if self.bucket:
            wait = self.bucket.take()
            if wait:
                self.throttled += 1
                return self._send(handler, 429, self._error(429, "RESOURCE_EXHAUSTED", "Too many requests"),
                                  {"Retry-After": f"{max(1, round(wait))}"})
        if handler.headers.get("Authorization") != self.api_key or not self.key_valid:
            return self._send(handler, 401, self._error(401, "UNAUTHENTICATED", "Not authenticated"))
        if handler.headers.get("wix-site-id") != self.site_id:
            return self._send(handler, 403, self._error(403, "PERMISSION_DENIED",
                                                        "The API key has no access to this site"))
        fault = self._take_fault(path)
        if fault:
            kind = fault["kind"]
            if kind in ("429", "500", "503", "401"):
                code = {"429": "RESOURCE_EXHAUSTED", "500": "INTERNAL", "503": "UNAVAILABLE",
                        "401": "UNAUTHENTICATED"}[kind]
                headers = {"Retry-After": f"{fault['retry_after']:g}"} if fault["retry_after"] is not None else {}
                return self._send(handler, int(kind), self._error(int(kind), code, f"fault {kind}"), headers)
            if kind == "garbage":
                return self._send(handler, 200, None, raw=b"<html><body>Wix is down for maintenance</body></html>",
                                  content_type="text/html")
            if kind == "slow":
                time.sleep(fault["seconds"])
        try:
            body = json.loads(raw or b"{}") if method == "POST" else {}
            status, answer = self._route(method, path, body)
        except (ValueError, TypeError, KeyError) as exc:
            status, answer = 400, {"message": f"invalid request: {exc}", "details": {"validationError": {
                "fieldViolations": [{"field": "query", "description": str(exc), "ruleName": "VALIDATION_ERROR"}]}}}
        if isinstance(answer, bytes):  # already encoded (the contacts page, for speed)
            self._send(handler, status, None, raw=answer)
        else:
            self._send(handler, status, answer)
        for fn in self.hooks.get(path, []):
            fn()

    def _route(self, method: str, path: str, body: dict[str, Any]) -> tuple[int, Any]:
        if method == "POST" and path == "/contacts/v4/contacts/query":
            return 200, self._query_contacts(body.get("query") or {})
        if method == "POST" and path == "/ecom/v1/orders/search":
            items, meta = self._cursor_query(body.get("search") or {}, self.orders)
            return 200, {"orders": items, "metadata": meta}
        if method == "POST" and path == "/ecom/v1/abandoned-checkout/query":
            items, meta = self._cursor_query(body.get("query") or {}, self.abandoned)
            return 200, {"abandonedCheckouts": items, "pagingMetadata": meta}
        if method == "GET" and path.startswith("/ecom/v1/checkouts/"):
            checkout = self.checkouts.get(path.rsplit("/", 1)[1])
            if checkout is None:
                return 404, self._error(404, "NOT_FOUND", "Checkout not found")
            return 200, {"checkout": checkout}
        if method == "GET" and path == "/stores/v3/provision/version":
            return 200, {"catalogVersion": self.catalog_version}
        v3 = path.startswith(("/stores/v3/", "/categories/v1/"))
        if path.startswith(("/stores/v1/", "/stores/v3/", "/categories/v1/")) and \
                v3 != (self.catalog_version == "V3_CATALOG"):
            return 428, self._error(428, "FAILED_PRECONDITION", f"{path} is not for a {self.catalog_version} site")
        if method == "POST" and path == "/stores/v3/products/query":
            fields = body.get("fields") or []
            items, meta = self._v3_page(body.get("query") or {}, self.products_v3)
            shown = [{k: v for k, v in p.items() if not k.startswith("_")}
                     | ({"directCategoryIds": p["_directCategoryIds"]} if "DIRECT_CATEGORY_IDS" in fields else {})
                     for p in items]
            return 200, {"products": shown, "pagingMetadata": meta}
        if method == "POST" and path == "/categories/v1/categories/query":
            if (body.get("treeReference") or {}).get("appNamespace") != "@wix/stores":
                raise ValueError("treeReference.appNamespace must be @wix/stores")
            items, meta = self._v3_page(body.get("query") or {}, self.categories)
            return 200, {"categories": items, "pagingMetadata": meta}
        if method == "POST" and path == "/stores/v1/products/query":
            return 200, self._query_products(body.get("query") or {})
        if method == "POST" and path == "/stores/v1/collections/query":
            paging = (body.get("query") or {}).get("paging") or {}
            limit, offset = self._limit(paging, "stores", 50), int(paging.get("offset") or 0)
            page = self.collections[offset:offset + limit]
            return 200, {"collections": page, "metadata": {"items": len(page), "offset": offset},
                         "totalResults": len(self.collections)}
        return 404, self._error(404, "NOT_FOUND", f"no method {method} {path}")

    @staticmethod
    def _limit(paging: dict[str, Any], kind: str, default: int) -> int:
        limit = int(paging.get("limit") or default)
        if not 1 <= limit <= LIMITS[kind]:
            raise ValueError(f"paging.limit must be between 1 and {LIMITS[kind]}")
        return limit

    @staticmethod
    def _conditions(flt: dict[str, Any]) -> dict[str, tuple[str, int]]:
        parts = flt.get("$and") or [flt] if flt else []
        out = {}
        for part in parts:
            for field, cond in part.items():
                (op, value), = cond.items()
                if op not in ("$gt", "$gte"):
                    raise ValueError(f"operator {op} is not supported on {field} here")
                out[field] = (op, parse_ms(value))
        return out

    @staticmethod
    def _passes(record: dict[str, Any], conditions: dict[str, tuple[str, int]]) -> bool:
        for field, (op, ms) in conditions.items():
            v = parse_ms(record[field])
            if v < ms or (op == "$gt" and v == ms):
                return False
        return True

    def _query_contacts(self, query: dict[str, Any]) -> bytes:
        paging = query.get("paging") or {}
        limit, offset = self._limit(paging, "contacts", 50), int(paging.get("offset") or 0)
        sort = query.get("sort") or [{"fieldName": "createdDate", "order": "ASC"}]
        if sort != [{"fieldName": "createdDate", "order": "ASC"}]:
            raise ValueError("this fake sorts contacts by createdDate ASC only")
        conditions = self._conditions(query.get("filter") or {})
        page, more = [], False
        with self.guard:
            for n, record in enumerate(self._contact_stream(conditions)):
                if n < offset:
                    continue
                if len(page) == limit:
                    more = True
                    break
                page.append(record if isinstance(record, str) else _dumps(record))
        meta = {"count": len(page), "offset": offset, "hasNext": more}
        return ('{"contacts":[' + ",".join(page) + '],"pagingMetadata":' + _dumps(meta) + "}").encode()

    def _contact_stream(self, conditions: dict[str, tuple[str, int]]):
        """Live contacts in createdDate order passing `conditions`, touching only the indices that can pass."""
        def first_index(field: str) -> int:
            if field not in conditions:
                return 0
            op, ms = conditions[field]
            i = max(0, -(-(ms - T0_MS - 123) // 1000))  # contact i is stamped T0 + i s + 123 ms
            return i + 1 if op == "$gt" and T0_MS + i * 1000 + 123 == ms else i

        start = first_index("createdDate")
        untouched_from = max(start, first_index("updatedDate"))  # untouched contacts have updated == created
        early = sorted(i for i in self.overrides if start <= i < untouched_from)
        for i in early:
            record = self.overrides.get(i) or contact(i)
            if record["id"] not in self.deleted and self._passes(record, conditions):
                yield record
        for i in range(untouched_from, self.members):
            record = self.overrides.get(i)
            if record is not None or self.deleted:  # a changed contact, or the slow path while any is deleted
                record = record or contact(i)
                if record["id"] not in self.deleted and self._passes(record, conditions):
                    yield record
                continue
            stamp_ms = T0_MS + i * 1000 + 123  # untouched: created == updated
            if all(stamp_ms > ms or (op == "$gte" and stamp_ms == ms) for op, ms in conditions.values()):
                yield contact_json(i)
        for record in self.extras:
            if record["id"] not in self.deleted and self._passes(record, conditions):
                yield record

    def _cursor_query(self, query: dict[str, Any], records: dict[str, dict[str, Any]]
                      ) -> tuple[list[dict[str, Any]], dict[str, Any]]:
        paging = query.get("cursorPaging") or {}
        limit = self._limit(paging, "ecom", 100)
        if paging.get("cursor"):
            state = json.loads(base64.urlsafe_b64decode(paging["cursor"].encode()))
        else:
            sort = query.get("sort") or []
            if sort and sort != [{"fieldName": "updatedDate", "order": "ASC"}]:
                raise ValueError("this fake sorts by updatedDate ASC only")
            state = {"filter": query.get("filter") or {}, "after": None}
        conditions = self._conditions(state["filter"])
        with self.guard:
            ordered = sorted(records.values(), key=lambda r: (parse_ms(r["updatedDate"]), r["id"]))
        after = tuple(state["after"]) if state["after"] else None
        chosen = [r for r in ordered if self._passes(r, conditions)
                  and (after is None or (parse_ms(r["updatedDate"]), r["id"]) > after)]
        page, more = chosen[:limit], len(chosen) > limit
        meta: dict[str, Any] = {"count": len(page), "cursors": {}, "hasNext": more}
        if more:
            last = page[-1]
            token = {"filter": state["filter"], "after": [parse_ms(last["updatedDate"]), last["id"]]}
            meta["cursors"]["next"] = base64.urlsafe_b64encode(json.dumps(token).encode()).decode()
        return page, meta

    def _v3_page(self, query: dict[str, Any], records: list[dict[str, Any]]
                 ) -> tuple[list[dict[str, Any]], dict[str, Any]]:
        """Cursor paging over a fixed list: the cursor is the offset, opaque to the client."""
        paging = query.get("cursorPaging") or {}
        limit = self._limit(paging, "stores", 100)
        start = int(base64.urlsafe_b64decode(paging["cursor"].encode())) if paging.get("cursor") else 0
        page, more = records[start:start + limit], start + limit < len(records)
        meta: dict[str, Any] = {"count": len(page), "cursors": {}, "hasNext": more}
        if more:
            meta["cursors"]["next"] = base64.urlsafe_b64encode(str(start + limit).encode()).decode()
        return page, meta

    def _query_products(self, query: dict[str, Any]) -> dict[str, Any]:
        paging = query.get("paging") or {}
        limit, offset = self._limit(paging, "stores", 100), int(paging.get("offset") or 0)
        flt = json.loads(query["filter"]) if isinstance(query.get("filter"), str) else query.get("filter") or {}
        after = (flt.get("numericId") or {}).get("$gt")
        chosen = sorted((p for p in self.products if after is None or p["numericId"] > after),
                        key=lambda p: p["numericId"])
        page = chosen[offset:offset + limit]
        return {"products": page, "metadata": {"items": len(page), "offset": offset}, "totalResults": len(chosen)}


def main() -> None:
    """Serve the fake on its own (the benchmark runs it in a separate process): prints its URL."""
    import argparse
    p = argparse.ArgumentParser()
    p.add_argument("--members", type=int, default=1000)
    p.add_argument("--per-minute", type=float, default=None, help="the rate limit (default: off)")
    args = p.parse_args()
    fake = WixFake(members=args.members, orders=0, carts=0, products=0, collections=0,
                   rate_limit=args.per_minute is not None, per_minute=args.per_minute or 200)
    print(fake.start(), flush=True)
    try:
        threading.Event().wait()
    except KeyboardInterrupt:
        pass
    finally:
        fake.stop()


if __name__ == "__main__":
    main()
