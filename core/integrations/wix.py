"""Wix through its REST API (www.wixapis.com): contacts, eCommerce orders, abandoned checkouts, Stores catalog.

Where each rule comes from (dev.wix.com, read through the `search` tool):

- Authentication (api-reference/articles, "API keys"; confirmed by many public clients): an API key from the
  API Keys Manager goes as-is in `Authorization` (no "Bearer"), the site in the `wix-site-id` header. A key
  does not expire, but it can be revoked or lose a permission: 401 = not authenticated, 403 = authenticated
  but not allowed (docs/rest/articles/getting-started/errors).
- Errors (about-errors): JSON `{message, details: {applicationError: {code, description, data}} |
  {validationError: {fieldViolations: [...]}}}`; codes UNAUTHENTICATED, PERMISSION_DENIED, NOT_FOUND,
  RESOURCE_EXHAUSTED (429), 500/503/504 "try again later". Only `message` and the code are shown to an operator.
- Rate limit (docs/rest/articles/get-started/rate-limits): 200 requests per minute per site (instance); a
  throttled call fails with 429. Wix documents no Retry-After, so PlatformHTTP's backoff applies when absent.
  Pacing here is 95% of 200/min on one bucket shared by every call of the client.
- Contacts (crm/contacts, Query Contacts v4): `POST /contacts/v4/contacts/query` with `{query: {filter, sort,
  paging: {limit <= 1000, offset}}, fieldsets}`; answer `{contacts, pagingMetadata: {count, offset, total,
  hasNext}}`. The docs give offset paging for this method (not cursorPaging); filters on createdDate and
  updatedDate ($gt/$gte...), sort only on createdDate. Offset paging skips a record when one before it is
  deleted mid-walk, so the walk here is keyset-like: filter `createdDate >= last seen` sorted ascending, the
  offset only skipping the records already seen at exactly that instant. Contact fields used: info.name
  {first, last}, primaryInfo {email, phone}, info.phones.items[] {countryCode, phone, e164Phone, primary},
  primaryEmail.subscriptionStatus / primaryPhone.subscriptionStatus (SUBSCRIBED | UNSUBSCRIBED | NOT_SET |
  PENDING), createdDate, updatedDate.
- Orders (e-commerce/orders, Search Orders): `POST /ecom/v1/orders/search` with `{search: {filter, sort,
  cursorPaging: {limit <= 100, cursor}}}`; follow-up requests send only the cursor (filter and sort live in
  it). Answer `{orders, metadata: {count, cursors: {next}, hasNext}}`. INITIALIZED orders are never returned.
  Order fields: id, number, createdDate, updatedDate, purchasedDate, status (INITIALIZED | APPROVED |
  CANCELED), paymentStatus (NOT_PAID | PENDING | PAID | PARTIALLY_PAID | PARTIALLY_REFUNDED | FULLY_REFUNDED
  ...), fulfillmentStatus (NOT_FULFILLED | PARTIALLY_FULFILLED | FULFILLED), buyerInfo {contactId, email},
  priceSummary.total.amount, currency, checkoutId, lineItems[] {id, productName.original, catalogReference
  .catalogItemId, quantity, price.amount, descriptionLines[], image.url}.
- Abandoned checkouts (purchase-flow/checkout/abandoned-checkout, Query Abandoned Checkouts): `POST
  /ecom/v1/abandoned-checkout/query` with `{query: {filter, sort, cursorPaging: {limit <= 100, cursor}}}`,
  answer `{abandonedCheckouts, pagingMetadata: {count, cursors: {next}, hasNext}}`; updatedDate filterable and
  sortable. Fields: id, checkoutId, cartId, status (ABANDONED | RECOVERED), buyerInfo {contactId, email},
  totalPrice.amount, currency, createdDate, updatedDate, checkoutRecoveredDate, checkoutUrl. (Search Abandoned
  Checkouts, `/ecom/v1/abandoned-checkout/search`, adds richer filters the console does not need.) Newer
  answers carry `lineItems` on the abandoned checkout itself (documented as beta, read-only) and are used as
  they are; otherwise each cart's items and images come from its checkout: `GET /ecom/v1/checkouts/{id}` ->
  `{checkout: {lineItems[] {id, quantity, productName.original, catalogReference, price.amount, media | image},
  updatedDate}}`; a checkout Wix no longer has (404) leaves the cart without items rather than failing it.
  The Wix help page (shared/reference/004) adds: a cart counts as abandoned one hour after the tab closed, and
  abandoned carts are deleted after 30 days.
- Catalog version (api-reference/business-solutions/stores/catalog-versioning/get-catalog-version, "Get
  Catalog Version"; "About the Catalog Versioning API": the two catalogs are not backwards compatible, call it
  at the beginning of each flow; a site upgraded to V3 never goes back): `GET /stores/v3/provision/version` ->
  `{catalogVersion: V1_CATALOG | V3_CATALOG | STORES_NOT_INSTALLED}`. Asked once per client, before the
  catalog is read; a site without Stores has no products or categories to sync.
- Catalog V3 (api-reference/business-solutions/stores/catalog-v3/products-v3, "Query Products" and "Product
  Object"; the Stores "Query Products" recipe): `POST /stores/v3/products/query` with `{query: {cursorPaging:
  {limit <= 100, cursor}}, fields: [...]}` (filter and sort plain objects, not JSON strings), answer
  `{products, pagingMetadata: {count, cursors: {next}, hasNext}}`; V3 endpoints on a V1 site answer 428.
  Product fields: id, name, actualPriceRange.minValue.amount (the current selling price; with variants the
  lowest), compareAtPriceRange (the price before discounts, kept in raw), media.main.image, brand.name,
  mainCategoryId and, with `fields: ["DIRECT_CATEGORY_IDS"]`, directCategoryIds, updatedDate. Categories
  (business-management/categories, "About the Wix Categories API": only Catalog V3 uses them, one tree per
  site, `treeReference: {appNamespace: "@wix/stores"}` on every request, up to 1,000 categories and 5
  levels; "Query Categories"): `POST /categories/v1/categories/query` with `{query: {cursorPaging},
  treeReference}` -> `{categories: [{id, name, parentCategory: {id}, visible}], pagingMetadata}`; depth and
  path are built from the parent links.
- Catalog V1 (stores/catalog, Query Products / Query Collections, Stores v1): `POST /stores/v1/products/query`
  and `/stores/v1/collections/query` with `{query: {paging: {limit <= 100, offset}, filter, sort}}`, filter
  and sort as JSON strings; answer `{products | collections, metadata: {items, offset}, totalResults}`.
  Stores pagination: offset paging fails past ~10k items, so products are walked by `numericId` ascending with
  `numericId $gt last`. Collections become categories of depth 1 (Wix collections are flat).

Mapping decisions: a Wix contact is a member (contacts are Wix's address book, members or not), keyed by
contact id; orders and carts point at it through buyerInfo.contactId. A cart is keyed by its checkout id, which
is also each order's `checkoutId` (orders.cart_key), so recovery attribution is a join. Order status: CANCELED
-> cancelled; FULLY_REFUNDED -> returned; paid (PAID, PARTIALLY_REFUNDED) then fulfillment decides:
NOT_FULFILLED -> paid, PARTIALLY_FULFILLED -> shipping, FULFILLED -> delivered (Wix has no later delivery
state; delivered_at is the order's updatedDate when first seen fulfilled); anything else -> pending.

Incremental syncs: orders, carts and contacts filter on updatedDate >= the watermark of the last finished
pass. The watermark is the Wix server's `Date` at the start of that pass minus a margin (the platform's clock,
not ours, and never a record's own date, which could pass over a record updated mid-walk).
"""
from __future__ import annotations

import concurrent.futures
import datetime as dt
import email.utils
import json
import re
from collections.abc import Iterator
from typing import Any

import httpx
import orjson

from core import clock
from core.errors import Kind
from core.integrations import normalize as norm
from core.integrations.base import AuthError, BadResponse, ConnectionOk, Page, SyncError
from core.integrations.http import PlatformHTTP, RateLimiter
from core.shops import secrets
from core.shops.registry import Shop

PLATFORM = "wix"
DEFAULT_BASE_URL = "https://www.wixapis.com"
CONTACTS_PATH = "/contacts/v4/contacts/query"
ORDERS_PATH = "/ecom/v1/orders/search"
ABANDONED_PATH = "/ecom/v1/abandoned-checkout/query"
CHECKOUT_PATH = "/ecom/v1/checkouts/{checkout_id}"
PRODUCTS_PATH = "/stores/v1/products/query"
COLLECTIONS_PATH = "/stores/v1/collections/query"
VERSION_PATH = "/stores/v3/provision/version"
PRODUCTS_V3_PATH = "/stores/v3/products/query"
CATEGORIES_PATH = "/categories/v1/categories/query"
STORES_TREE = {"appNamespace": "@wix/stores"}
CATALOG_VERSIONS = ("V1_CATALOG", "V3_CATALOG", "STORES_NOT_INSTALLED")

DOCUMENTED_PER_MINUTE = 200
PACE_SHARE = 0.95
CONTACTS_LIMIT = 1000
ECOM_LIMIT = 100
STORES_LIMIT = 100
WATERMARK_MARGIN = dt.timedelta(minutes=10)

_HANGUL = re.compile(r"[\uac00-\ud7a3]")


class WixClient:
    platform = PLATFORM
    entities = ("categories", "products", "members", "orders", "carts")

    def __init__(self, api_key: str, site_id: str, *, base_url: str = DEFAULT_BASE_URL,
                 per_minute: float | None = DOCUMENTED_PER_MINUTE, timeout: float = 10.0, max_retries: int = 4,
                 backoff: float = 0.5, contacts_limit: int = CONTACTS_LIMIT, checkout_workers: int = 4,
                 tz: str = clock.DEFAULT_TZ) -> None:
        if not api_key or not site_id:
            raise AuthError("sync.credentials_missing", platform="wix",
                            detail="the Wix shop has no API key or site id saved; enter them in the console")
        self._api_key, self.site_id = api_key, site_id
        self.tz, self.contacts_limit, self.checkout_workers = tz, contacts_limit, max(1, checkout_workers)
        limiter = RateLimiter(per_minute / 60.0 * PACE_SHARE, burst=1) if per_minute else None
        self.http = PlatformHTTP("Wix", base_url.rstrip("/"), timeout=timeout, max_retries=max_retries,
                                 backoff=backoff, limiter=limiter)
        self.requests = 0  # sent, for the benchmark
        self._catalog: str | None = None

    # ---- HTTP ---------------------------------------------------------------------------------------

    def call(self, method: str, path: str, body: dict | None = None, *,
             missing_ok: bool = False) -> tuple[Any, httpx.Response]:
        """One authenticated call: (JSON body, response); a 404 gives (None, response) when `missing_ok`."""
        headers = {"Authorization": self._api_key, "wix-site-id": self.site_id, "Accept": "application/json"}
        self.requests += 1
        response = self.http.request(method, path, headers=headers, json=body)
        if response.status_code == 404 and missing_ok:
            return None, response
        if response.status_code == 401:
            raise AuthError("sync.auth_refused", platform="wix", status=401, what=path,
                            detail=f"Wix refused the API key for {path} ({_error_code(response)}): the key may have "
                                   "been "
                                   "deleted or regenerated; paste a current key from the Wix API Keys Manager")
        if response.status_code == 403:
            raise AuthError("sync.no_permission", platform="wix", status=403, what=path,
                            detail=f"Wix did not allow {path} ({_error_code(response)}): give the API key the "
                                   "permissions Contacts, eCommerce orders and Stores (read; on a Catalog V3 site also "
                                   "Read v3 catalog and Categories), and check the site id")
        if response.status_code >= 400:
            raise SyncError("sync.rejected", kind=Kind.INVALID, platform="wix", status=response.status_code, what=path,
                            detail=f"Wix answered {path} with {_error_code(response)}")
        try:
            return orjson.loads(response.content), response  # ~3x faster than the stdlib's parser
        except ValueError:
            pass
        try:  # what orjson refuses (a charset other than UTF-8, NaN, a number past 64 bits) as before
            return response.json(), response
        except ValueError:
            raise BadResponse("sync.not_json", platform="wix", status=response.status_code, what=path,
                              detail=f"Wix answered {path} with something that is not JSON "
                                     f"({response.headers.get('content-type') or 'no content type'})") from None

    # ---- entities -----------------------------------------------------------------------------------

    def pages(self, entity: str, cursor: dict[str, Any] | None) -> Iterator[Page]:
        walkers = {"categories": self._categories, "products": self._products, "members": self._contacts,
                   "orders": self._orders, "carts": self._carts}
        if entity not in walkers:
            return iter(())
        return walkers[entity](dict(cursor or {}))

    def catalog_version(self) -> str:
        """The site's Stores catalog (V1_CATALOG, V3_CATALOG or STORES_NOT_INSTALLED), asked once: a site's
        version only ever moves from V1 to V3, and a sync is short beside that."""
        if self._catalog is None:
            body, _ = self.call("GET", VERSION_PATH)
            version = body.get("catalogVersion") if isinstance(body, dict) else None
            if version not in CATALOG_VERSIONS:
                raise BadResponse("sync.bad_field", platform="wix", what=VERSION_PATH, field="catalogVersion",
                                  value=str(version), expected=" | ".join(CATALOG_VERSIONS),
                                  detail=f"Wix answered {VERSION_PATH} with catalogVersion {version!r}")
            self._catalog = str(version)
        return self._catalog

    def _categories(self, cursor: dict[str, Any]) -> Iterator[Page]:
        version = self.catalog_version()
        if version == "V3_CATALOG":
            yield from self._categories_v3()
            return
        if version == "STORES_NOT_INSTALLED":
            yield Page({}, {})
            return
        offset = int(cursor.get("offset") or 0)
        while True:
            body, _ = self.call("POST", COLLECTIONS_PATH, {"query": {"paging": {"limit": STORES_LIMIT,
                                                                                "offset": offset}}})
            collections = _list(body, "collections", COLLECTIONS_PATH)
            offset += len(collections)
            done = len(collections) < STORES_LIMIT or offset >= int(body.get("totalResults") or 0)
            yield Page({"categories": [category_row(c) for c in collections]}, {} if done else {"offset": offset})
            if done:
                return

    def _categories_v3(self) -> Iterator[Page]:
        """The whole category tree (at most 1,000), in one page: depth and path need every parent."""
        categories, token = [], None
        while True:
            paging: dict[str, Any] = {"limit": STORES_LIMIT, **({"cursor": token} if token else {})}
            body, _ = self.call("POST", CATEGORIES_PATH, {"query": {"cursorPaging": paging},
                                                          "treeReference": STORES_TREE})
            categories += _list(body, "categories", CATEGORIES_PATH)
            meta = body.get("pagingMetadata") or {}
            token = (meta.get("cursors") or {}).get("next")
            if not meta.get("hasNext") or not token:
                break
        yield Page({"categories": category_tree(categories)}, {})

    def _products(self, cursor: dict[str, Any]) -> Iterator[Page]:
        version = self.catalog_version()
        if version == "V3_CATALOG":
            yield from self._products_v3(cursor)
            return
        if version == "STORES_NOT_INSTALLED":
            yield Page({}, {})
            return
        # No reliable change filter in Stores v1: every sync walks the catalog; the cursor only resumes a walk.
        after = cursor.get("after")
        while True:
            query: dict[str, Any] = {"paging": {"limit": STORES_LIMIT}, "sort": json.dumps([{"numericId": "asc"}])}
            if after is not None:
                query["filter"] = json.dumps({"numericId": {"$gt": after}})
            body, _ = self.call("POST", PRODUCTS_PATH, {"query": query, "includeVariants": False})
            products = _list(body, "products", PRODUCTS_PATH)
            if products:
                after = norm.require(products[-1], "numericId", what="a Wix product")
            done = len(products) < STORES_LIMIT
            yield Page({"products": [product_row(p, self.tz) for p in products]}, {} if done else {"after": after})
            if done:
                return

    def _products_v3(self, cursor: dict[str, Any]) -> Iterator[Page]:
        """Every product, by cursor; the checkpoint keeps the cursor only to resume an interrupted walk."""
        token = cursor.get("v3_cursor")
        while True:
            paging: dict[str, Any] = {"limit": STORES_LIMIT, **({"cursor": token} if token else {})}
            body, _ = self.call("POST", PRODUCTS_V3_PATH, {"query": {"cursorPaging": paging},
                                                           "fields": ["DIRECT_CATEGORY_IDS"]})
            products = _list(body, "products", PRODUCTS_V3_PATH)
            meta = body.get("pagingMetadata") or {}
            token = (meta.get("cursors") or {}).get("next")
            done = not products or not meta.get("hasNext") or not token
            yield Page({"products": [product_v3_row(p, self.tz) for p in products]},
                       {} if done else {"v3_cursor": token})
            if done:
                return

    def _contacts(self, cursor: dict[str, Any]) -> Iterator[Page]:
        since, pass_start = cursor.get("since"), cursor.get("pass_start")
        created, skip = cursor.get("created"), int(cursor.get("skip") or 0)
        # The next page is asked for as soon as this one's keyset is known, and arrives while this one is
        # normalized: Wix's answer time and ours overlap instead of adding up.
        with concurrent.futures.ThreadPoolExecutor(1, thread_name_prefix="wix-contacts") as pool:
            pending = pool.submit(self._contacts_page, since, created, skip)
            while True:
                body, response = pending.result()
                pass_start = pass_start or _watermark(response)
                contacts = _list(body, "contacts", CONTACTS_PATH)
                for contact in contacts:
                    stamp = norm.require(contact, "createdDate", what=f"Wix contact {contact.get('id')}")
                    skip = skip + 1 if stamp == created else 1
                    created = stamp
                paging = body.get("pagingMetadata") or {}
                more = bool(paging.get("hasNext")) if "hasNext" in paging else len(contacts) >= self.contacts_limit
                if contacts and more:
                    pending = pool.submit(self._contacts_page, since, created, skip)
                rows = [member_row(c, self.tz) for c in contacts]
                if not contacts or not more:
                    yield Page({"members": rows}, {"since": pass_start})
                    return
                yield Page({"members": rows},
                           {"since": since, "pass_start": pass_start, "created": created, "skip": skip})

    def _contacts_page(self, since: str | None, created: str | None, skip: int) -> tuple[Any, httpx.Response]:
        """Contacts updated since `since`, from the `skip`-th one created at `created` on, oldest first."""
        conditions = []
        if since:
            conditions.append({"updatedDate": {"$gte": since}})
        if created:
            conditions.append({"createdDate": {"$gte": created}})
        query: dict[str, Any] = {"sort": [{"fieldName": "createdDate", "order": "ASC"}],
                                 "paging": {"limit": self.contacts_limit, "offset": skip}}
        if conditions:
            query["filter"] = conditions[0] if len(conditions) == 1 else {"$and": conditions}
        return self.call("POST", CONTACTS_PATH, {"query": query, "fieldsets": ["FULL"]})

    def _cursor_walk(self, path: str, wrapper: str, items_key: str, cursor: dict[str, Any]
                     ) -> Iterator[tuple[list[dict[str, Any]], dict[str, Any]]]:
        """Walk a cursor-paged eCommerce method by updatedDate; yields (items, checkpoint after them)."""
        since, pass_start, token = cursor.get("since"), cursor.get("pass_start"), cursor.get("token")
        while True:
            paging: dict[str, Any] = {"limit": ECOM_LIMIT}
            request: dict[str, dict[str, Any]]
            if token:
                request = {wrapper: {"cursorPaging": {**paging, "cursor": token}}}
            else:
                request = {wrapper: {"sort": [{"fieldName": "updatedDate", "order": "ASC"}], "cursorPaging": paging}}
                if since:
                    request[wrapper]["filter"] = {"updatedDate": {"$gte": since}}
            body, response = self.call("POST", path, request)
            pass_start = pass_start or _watermark(response)
            items = _list(body, items_key, path)
            meta = body.get("metadata") or body.get("pagingMetadata") or {}
            token = (meta.get("cursors") or {}).get("next")
            if not items or not meta.get("hasNext") or not token:
                yield items, {"since": pass_start}
                return
            yield items, {"since": since, "pass_start": pass_start, "token": token}

    def _orders(self, cursor: dict[str, Any]) -> Iterator[Page]:
        for orders, checkpoint in self._cursor_walk(ORDERS_PATH, "search", "orders", cursor):
            rows = [order_rows(o, self.tz) for o in orders]
            yield Page({"orders": [r for r, _ in rows], "order_items": [i for _, items in rows for i in items]},
                       checkpoint)

    def _carts(self, cursor: dict[str, Any]) -> Iterator[Page]:
        for abandoned, checkpoint in self._cursor_walk(ABANDONED_PATH, "query", "abandonedCheckouts", cursor):
            with concurrent.futures.ThreadPoolExecutor(self.checkout_workers) as pool:
                checkouts = list(pool.map(self._checkout, abandoned))
            rows = [cart_rows(a, c, self.tz) for a, c in zip(abandoned, checkouts, strict=True)]
            yield Page({"carts": [r for r, _ in rows], "cart_items": [i for _, items in rows for i in items]},
                       checkpoint)

    def _checkout(self, abandoned: dict[str, Any]) -> dict[str, Any] | None:
        if abandoned.get("lineItems"):
            return None  # the abandoned checkout carries its own lines: no need to ask for its checkout
        checkout_id = abandoned.get("checkoutId")
        if not checkout_id:
            return None
        body, _ = self.call("GET", CHECKOUT_PATH.format(checkout_id=checkout_id), missing_ok=True)
        if body is None:
            return None  # Wix no longer keeps this checkout: the cart stays, without items
        checkout = body.get("checkout") if isinstance(body, dict) else None
        if not isinstance(checkout, dict):
            raise BadResponse("sync.missing_field", platform="wix", what=f"checkout {checkout_id}", field="checkout",
                              detail=f"Wix's checkout {checkout_id} answer has no 'checkout' object")
        return checkout

    def close(self) -> None:
        self.http.close()


# ---- normalization (plain functions, no I/O) ----------------------------------------------------------

def _name(first: Any, last: Any) -> str | None:
    first, last = norm.text(first), norm.text(last)
    if first and last:
        # Korean names are family name first, without a space; Wix stores them split in first/last.
        return f"{last}{first}" if _HANGUL.search(first + last) else f"{first} {last}"
    return first or last


def _primary(items: Any) -> dict[str, Any]:
    items = (items or {}).get("items") if isinstance(items, dict) else items
    items = [i for i in items or [] if isinstance(i, dict)]
    return next((i for i in items if i.get("primary")), items[0] if items else {})


def member_row(contact: dict[str, Any], tz: str = clock.DEFAULT_TZ) -> dict[str, Any]:
    key = str(norm.require(contact, "id", what="a Wix contact"))
    info, primary = contact.get("info") or {}, contact.get("primaryInfo") or {}
    name = info.get("name") or {}
    phone_item = _primary(info.get("phones"))
    primary_phone = contact.get("primaryPhone") or {}
    phone = (primary_phone.get("e164Phone") or phone_item.get("e164Phone") or primary.get("phone")
             or phone_item.get("phone"))
    email = primary.get("email") or (contact.get("primaryEmail") or {}).get("email") or _primary(
        info.get("emails")).get("email")
    return {
        "member_key": key,
        "email": norm.email(email),
        "name": _name(name.get("first"), name.get("last")),
        "phone": norm.phone(phone),
        "member_group": None,
        "signed_up_at": norm.instant(contact.get("createdDate"), tz, what=f"createdDate of Wix contact {key}"),
        "email_consent": subscription(contact.get("primaryEmail")),
        "sms_consent": subscription(primary_phone),
        "night_consent": False,
        "updated_at": norm.instant(contact.get("updatedDate"), tz, what=f"updatedDate of Wix contact {key}"),
        "raw": contact,
    }


def subscription(primary: Any) -> bool | None:
    """A contact's consent from its subscriptionStatus: SUBSCRIBED gives it, UNSUBSCRIBED and PENDING (a double
    opt-in not confirmed) do not, NOT_SET or no status at all is unknown (NULL), never a refusal."""
    status = primary.get("subscriptionStatus") if isinstance(primary, dict) else None
    if status in (None, "", "NOT_SET"):
        return None
    return status == "SUBSCRIBED"


def order_status(order: dict[str, Any]) -> str:
    status, payment = order.get("status"), order.get("paymentStatus")
    fulfillment = order.get("fulfillmentStatus")
    if status == "CANCELED":
        return "cancelled"
    if payment == "FULLY_REFUNDED":
        return "returned"
    if payment in ("PAID", "PARTIALLY_REFUNDED"):
        return {"FULFILLED": "delivered", "PARTIALLY_FULFILLED": "shipping"}.get(str(fulfillment), "paid")
    return "pending"


def _amount(money: Any, what: str) -> float:
    return norm.amount((money or {}).get("amount") if isinstance(money, dict) else money, what=what)


def _options(line: dict[str, Any]) -> str | None:
    parts = []
    for d in line.get("descriptionLines") or []:
        label = ((d.get("name") or {}).get("original") or "").strip()
        value = ((d.get("plainText") or {}).get("original") or (d.get("colorInfo") or {}).get("original") or "")
        if label or value:
            parts.append(f"{label}: {value}".strip(": "))
    return ", ".join(parts) or None


def order_rows(order: dict[str, Any], tz: str = clock.DEFAULT_TZ) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    key = str(norm.require(order, "id", what="a Wix order"))
    what = f"Wix order {order.get('number') or key}"
    status = order_status(order)
    buyer = order.get("buyerInfo") or {}
    updated = norm.instant(order.get("updatedDate"), tz, what=f"updatedDate of {what}")
    delivered = updated if status == "delivered" else None
    paid = status in ("paid", "shipping", "delivered")
    row = {
        "order_key": key, "member_key": norm.text(buyer.get("contactId")), "email": norm.email(buyer.get("email")),
        "status": status,
        "ordered_at": norm.instant(norm.require(order, "createdDate", what=what), tz, what=f"createdDate of {what}"),
        "paid_at": norm.instant(order.get("purchasedDate") or order.get("createdDate"), tz,
                                what=f"purchasedDate of {what}") if paid else None,
        "delivered_at": delivered,
        "total_amount": _amount((order.get("priceSummary") or {}).get("total"), f"total of {what}"),
        "currency": norm.text(order.get("currency")) or "KRW", "cart_key": norm.text(order.get("checkoutId")),
        "updated_at": updated, "raw": order,
    }
    items = []
    for n, line in enumerate(order.get("lineItems") or [], start=1):
        line_id = norm.text(line.get("id")) or str(n)
        items.append({
            # Wix numbers line items 00000000-...-0001 within each order, so the key carries the order id.
            "item_key": f"{key}:{line_id}", "order_key": key,
            "product_key": norm.text((line.get("catalogReference") or {}).get("catalogItemId")),
            "product_name": norm.text((line.get("productName") or {}).get("original")),
            "option_text": _options(line), "quantity": int(line.get("quantity") or 1),
            "unit_price": _amount(line.get("price"), f"line item price of {what}"),
            "status": status, "delivered_at": delivered, "raw": line,
        })
    return row, items


def image_url(media: Any) -> str | None:
    """A line item's picture: an object with `url`, or the SDK form `wix:image://v1/<id>/...`."""
    if isinstance(media, dict):
        media = media.get("url") or (media.get("image") or {}).get("url")
    text = norm.text(media)
    if text and text.startswith("wix:image://v1/"):
        return "https://static.wixstatic.com/media/" + text[len("wix:image://v1/"):].split("/")[0].split("#")[0]
    return text


def cart_rows(abandoned: dict[str, Any], checkout: dict[str, Any] | None,
              tz: str = clock.DEFAULT_TZ) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    ac_id = str(norm.require(abandoned, "id", what="a Wix abandoned checkout"))
    key = norm.text(abandoned.get("checkoutId")) or ac_id
    what = f"Wix abandoned checkout {ac_id}"
    status = abandoned.get("status")
    if status not in ("ABANDONED", "RECOVERED"):
        raise BadResponse("sync.unknown_status", platform="wix", what=what, value=str(status),
                          detail=f"{what} has status '{status}', which the console does not know")
    buyer = abandoned.get("buyerInfo") or {}
    created = norm.instant(norm.require(abandoned, "createdDate", what=what), tz, what=f"createdDate of {what}")
    # The buyer's last touch is the checkout's own update time; the abandoned record is made an hour later.
    last = norm.instant((checkout or {}).get("updatedDate"), tz, what=f"updatedDate of checkout {key}") or created
    row = {
        "cart_key": key, "member_key": norm.text(buyer.get("contactId")), "email": norm.email(buyer.get("email")),
        "status": "recovered" if status == "RECOVERED" else "open",
        "total_amount": _amount(abandoned.get("totalPrice"), f"total of {what}"),
        "currency": norm.text(abandoned.get("currency")) or "KRW", "created_at": created, "last_activity_at": last,
        "recovery_url": norm.text(abandoned.get("checkoutUrl")), "order_key": None, "raw": abandoned,
    }
    items = []
    for n, line in enumerate(abandoned.get("lineItems") or (checkout or {}).get("lineItems") or [], start=1):
        items.append({
            "cart_key": key, "line_no": n,
            "product_key": norm.text((line.get("catalogReference") or {}).get("catalogItemId")),
            "name": norm.text((line.get("productName") or {}).get("original")),
            "image_url": image_url(line.get("media") or line.get("image")),
            "option_text": _options(line), "quantity": int(line.get("quantity") or 1),
            "unit_price": _amount(line.get("price"), f"line item price of checkout {key}"),
        })
    return row, items


def product_row(product: dict[str, Any], tz: str = clock.DEFAULT_TZ) -> dict[str, Any]:
    key = str(norm.require(product, "id", what="a Wix product"))
    price = product.get("priceData") or product.get("price") or {}
    main = ((product.get("media") or {}).get("mainMedia") or {})
    return {
        "product_key": key, "name": str(norm.require(product, "name", what=f"Wix product {key}")),
        "price": norm.amount(price.get("price"), what=f"price of Wix product {key}"),
        "image_url": norm.text((main.get("image") or {}).get("url")),
        "category_keys": [str(c) for c in product.get("collectionIds") or []],
        "detail": {k: product[k] for k in ("brand", "sku", "ribbon", "productType") if product.get(k)},
        "updated_at": norm.instant(product.get("lastUpdated"), tz, what=f"lastUpdated of Wix product {key}"),
        "raw": product,
    }


def product_v3_row(product: dict[str, Any], tz: str = clock.DEFAULT_TZ) -> dict[str, Any]:
    """A Catalog V3 product: the selling price is the lowest of actualPriceRange (compareAtPriceRange, the price
    before discounts, stays in raw); categories are its direct ones, or its main one."""
    key = str(norm.require(product, "id", what="a Wix V3 product"))
    what = f"Wix product {key}"
    low = ((product.get("actualPriceRange") or {}).get("minValue") or {})
    categories = product.get("directCategoryIds") or [
        c.get("id") for c in ((product.get("directCategoriesInfo") or {}).get("categories") or [])
        if isinstance(c, dict)] or ([product["mainCategoryId"]] if product.get("mainCategoryId") else [])
    brand = product.get("brand")
    detail = {"brand": brand.get("name") if isinstance(brand, dict) else brand,
              "productType": product.get("productType")}
    return {
        "product_key": key, "name": str(norm.require(product, "name", what=what)),
        "price": norm.amount(low.get("amount") if isinstance(low, dict) else None, what=f"price of {what}"),
        "image_url": image_url(((product.get("media") or {}).get("main") or {}).get("image")),
        "category_keys": [str(c) for c in categories if c],
        "detail": {k: v for k, v in detail.items() if v},
        "updated_at": norm.instant(product.get("updatedDate"), tz, what=f"updatedDate of {what}"),
        "raw": product,
    }


def category_tree(categories: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Catalog V3 categories as rows: depth and path ("상의 > 티셔츠") from the parent links."""
    by_id = {str(norm.require(c, "id", what="a Wix category")): c for c in categories}

    def chain(key: str) -> list[str]:
        names, seen = [], set()
        while key in by_id and key not in seen:
            seen.add(key)
            names.append(str(norm.require(by_id[key], "name", what=f"Wix category {key}")))
            key = str(((by_id[key].get("parentCategory") or {}).get("id")) or "")
        return names[::-1]

    rows = []
    for key, category in by_id.items():
        parent = norm.text((category.get("parentCategory") or {}).get("id"))
        names = chain(key)
        rows.append({"category_key": key, "name": names[-1], "depth": len(names),
                     "parent_key": parent if parent in by_id else None, "path": " > ".join(names),
                     "raw": category})
    return rows


def category_row(collection: dict[str, Any]) -> dict[str, Any]:
    key = str(norm.require(collection, "id", what="a Wix collection"))
    name = str(norm.require(collection, "name", what=f"Wix collection {key}"))
    return {"category_key": key, "name": name, "depth": 1, "parent_key": None, "path": name, "raw": collection}


# ---- HTTP helpers ---------------------------------------------------------------------------------------

def _list(body: Any, key: str, path: str) -> list[dict[str, Any]]:
    items = body.get(key) if isinstance(body, dict) else None
    if items is None and isinstance(body, dict) and not any(k in body for k in ("metadata", "pagingMetadata")):
        raise BadResponse("sync.missing_field", platform="wix", what=path, field=key,
                          detail=f"Wix's answer to {path} has no '{key}' list")
    if items is not None and not isinstance(items, list):
        raise BadResponse("sync.bad_response", platform="wix", what=path, field=key,
                          detail=f"Wix's '{key}' in the answer to {path} is not a list")
    for n, item in enumerate(items or [], 1):
        if not isinstance(item, dict):  # a null (or a bare value) fails the page, naming the record
            raise BadResponse("sync.bad_record", platform="wix", what=path, record=n,
                              value="null" if item is None else type(item).__name__,
                              detail=f"record #{n} of Wix's '{key}' in the answer to {path} is "
                                     f"{'null' if item is None else type(item).__name__}, not a record")
    return items or []


def _watermark(response: httpx.Response) -> str:
    """Where the next incremental pass starts: the server's clock at this pass's first answer, minus a margin."""
    try:
        at = email.utils.parsedate_to_datetime(response.headers["date"])
    except (KeyError, TypeError, ValueError):
        at = clock.now()
    if at.tzinfo is None:
        at = at.replace(tzinfo=dt.UTC)
    return (at - WATERMARK_MARGIN).astimezone(dt.UTC).isoformat().replace("+00:00", "Z")


def _error_code(response: httpx.Response) -> str:
    try:
        body = response.json()
    except ValueError:
        return f"HTTP {response.status_code}"
    details = (body.get("details") or {}) if isinstance(body, dict) else {}
    code = (details.get("applicationError") or {}).get("code")
    if not code and details.get("validationError"):
        code = "INVALID_ARGUMENT"
    message = norm.text(body.get("message")) if isinstance(body, dict) else None
    label = " ".join(x for x in (f"HTTP {response.status_code}", code) if x)
    return f"{label}: {message[:200]}" if message else label


# ---- wiring for the console ---------------------------------------------------------------------------

def client_for(shop: Shop) -> WixClient:
    keys = secrets.get(shop.shop_id)
    s = shop.settings
    per_minute = s.get("per_minute", DOCUMENTED_PER_MINUTE)
    return WixClient(
        keys.get("api_key", ""), s.get("site_id") or keys.get("site_id", ""),
        base_url=s.get("base_url") or DEFAULT_BASE_URL,
        per_minute=float(per_minute) if per_minute not in (None, "", 0, "0") else None,
        timeout=float(s.get("timeout", 10.0)), max_retries=int(s.get("max_retries", 4)),
        backoff=float(s.get("backoff", 0.5)), contacts_limit=int(s.get("contacts_limit", CONTACTS_LIMIT)),
        tz=shop.timezone)


def test_connection(shop: Shop) -> ConnectionOk:
    """A cheap authenticated call: one contact."""
    client = client_for(shop)
    try:
        client.call("POST", CONTACTS_PATH, {"query": {"paging": {"limit": 1}}})
        return ConnectionOk("connect.wix_ok", {})
    finally:
        client.close()
