"""Cafe24: OAuth 2.0 with rotating refresh tokens, paginated Admin API reads, normalized pages.

Sources (checked against the Cafe24 developer documentation):
- OAuth: developers.cafe24.com/docs/api "OAuth 2.0 인증 가이드" — authorize at
  `https://{mall_id}.cafe24api.com/api/v2/oauth/authorize?response_type=code&client_id&state&redirect_uri&scope`,
  tokens at `POST /api/v2/oauth/token` with HTTP Basic `client_id:client_secret`, `grant_type`
  `authorization_code` (code, redirect_uri) or `refresh_token`; the answer's access_token lives 2 hours
  (expires_at, KST without offset), the refresh_token 2 weeks and is replaced by a new one at each
  refresh (the old one is spent) — so the new one is written to the secrets file before anything else.
- Admin API: developers.cafe24.com/docs/api/admin — "API Status Code" (401 token missing/wrong/expired,
  403 scope, 422 parameter, 429 bucket, 5xx transient), the error body `{"error": {"code", "message"}}`,
  "API Limit" (leaky bucket of 40 draining 2/s, reported as `X-Api-Call-Limit: used/40`; more than
  10 calls a second from one IP may be judged abusive).
- Versioning: developers.cafe24.com/docs-new/docs/guide/versioning ("Versioning") — dated versions sent as
  `X-Cafe24-Api-Version: yyyy-mm-dd`; the guide's own example and recommended explicit pin is `2024-09-01`,
  which is sent here (a shop's `api_version` setting may name another); a version past its year of life is
  replaced by Cafe24 with the oldest live one, so the pin never stops the calls.
- "GET API 사용 가이드" (developers.cafe24.com/docs-new/docs/guide/how-to-use-get-api): seven kinds of GET
  parameters — search conditions as parameters, comma-separated values as OR (at most 100), ...; the members
  list asks for its fields by name with `fields`, consents included (`sms`, `news_mail`). The part of the
  guide read through the search tool shows the first two kinds only, so `fields` rests on the Admin API
  reference's list parameters (and the sandbox accepts it); whatever the answer holds, the documented
  customer list sample carries no consent, so a consent the answer leaves out is stored as unknown (NULL),
  never as a refusal (`normalize.consent`); advertising needs a consent known to be given
  (core.automations.compliance, `coalesce(consent, FALSE)`).
- Lists and their maximums: `customersprivacy` (limit 1000, offset 8000; `search_type=created_date` +
  `created_start_date` walks every member without offset), `orders` (limit 1000, offset 15000,
  `start_date`/`end_date` at most 3 months apart, `date_type`, `embed=items,buyer`, `/orders/count`),
  `products` (limit 100, offset 5000, `since_product_no`, `updated_start_date`/`updated_end_date`),
  `categories` (limit 100, offset 8000). Per-item `order_status` codes (N00 입금전 … N40 배송완료,
  N50 구매확정, C.. 취소, R.. 반품, E.. 교환) are mapped to `base.ORDER_STATUSES` below.
- Carts: Admin API "Personal > Carts" (developers.cafe24.com/docs/ko/api/admin/#retrieve-a-shopping-cart):
  `GET /api/v2/admin/carts` with the required `member_id` (several ids comma-separated; the "GET API usage
  guide" allows at most 100 comma-separated values), `limit` 1-100 (default 10), `offset` <= 10000, scope
  `mall.read_personal`; each row one line of a member's cart: `basket_product_no`, `member_id`,
  `created_date` (담은일자), `product_no`, `variant_code`, `quantity`, `product_price`, `option_price`,
  `additional_option_values`, `category_no`. There is no listing of every cart, so the client asks about
  members (see "carts" below). The mall's cart page is `/order/basket.html` on its storefront.

Incremental sync, surviving the offset maximums at any size:
- members: keyset on the sign-up time (`created_start_date` = the last one seen, skipping the ids
  already taken at that second). Cafe24 offers no "updated since" for members, so a consent changed
  later is not seen until a full re-sync (the DESIGN's unsubscribe path records it locally first).
- orders: for each date type (ordered, paid, shipped, delivered, cancelled, returned, confirmed) a
  pass over [last horizon, this horizon] in windows of at most 3 calendar months (Korea time) less a
  second, as the orders list documents "3 months" per call (not 90 days), each window narrowed (by
  `/count`) until its records fit under the offset maximum, read by offset; a window whose count
  moved while it was read is read again. The horizon is the platform's own clock (the HTTP `Date`
  of a first call, less a second), so a skewed local clock never skips a record.
- products: `since_product_no` on the first sync, then windows on the update time; categories: the
  whole tree (it is small) only when its digest changed.
- carts: within a call budget per sync (`cart_calls_per_sync`, default CART_CALLS), first the members active
  since the last sync (signed up or ordered in this sync's pages, or named by a webhook), then the others in
  rotation from the checkpoint (`after`: the last member asked), 100 ids a call; a member's lines make one
  cart, keyed by member and the time its oldest line was put in (a cart emptied by an order and filled
  again is a new cart), its last activity the newest line's time.

Bad pages: a record that is not an object (a `null` in the list) or a field of the wrong type fails its
page with a BadResponse naming the record and the field; a numeric `member_id` (Cafe24's member ids are
text, the login ids) is refused the same way, so a member never lands twice under two spellings.

Tokens that cannot be lost: a refresh runs under a per-shop cross-process lock (`secrets.held`) and
re-reads the secrets inside it, so when another process (the console's connection check, the
scheduler's sync) has just refreshed, its token is used and the spent refresh token is never sent.
The refresh POST does not go through the retrying request path: a refresh whose answer was lost may
have spent the token, so the secrets are read again and, unless another process stored a newer token,
the shop is marked as needing a reconnection (`sync.reconnect_needed`, "다시 연결 필요") instead of sending
the token again.
"""
from __future__ import annotations

import bisect
import dataclasses
import datetime as dt
import email.utils
import hashlib
import logging
import time
from collections.abc import Callable, Iterator
from typing import Any
from urllib.parse import urlencode

import httpx

from core import clock
from core.errors import Kind
from core.integrations import normalize as norm
from core.integrations.base import (
    AuthError,
    BadResponse,
    ConnectionOk,
    Page,
    PlatformUnreachable,
    RateLimited,
    SyncError,
)
from core.integrations.http import PlatformHTTP, RateLimiter, network_cause
from core.log import event
from core.shops import secrets
from core.shops.registry import Shop

try:
    import orjson

    def _loads(data: bytes) -> Any:
        return orjson.loads(data)

    def _raw(record: dict[str, Any]) -> str:
        return orjson.dumps(record).decode()
except ImportError:  # pragma: no cover - orjson is the fast path
    import json

    def _loads(data: bytes) -> Any:
        return json.loads(data)

    def _raw(record: dict[str, Any]) -> str:
        return json.dumps(record, ensure_ascii=False)

log = logging.getLogger("core.integrations.cafe24")

KST = dt.timezone(dt.timedelta(hours=9))
API_VERSION = "2024-09-01"      # the Versioning guide's documented example, pinned explicitly
BUCKET_LEAK_PER_S = 2.0          # the documented drain of the call bucket
SLOW_DOWN_AT = 0.75              # pause once the bucket is this full, until it is half empty
REAL_CALLS_PER_S = 9.0           # under the 10 calls/s Cafe24 may call abusive
TOKEN_MARGIN = dt.timedelta(minutes=5)
WINDOW_MONTHS = 3                # "3 months" a call, in calendar months
MEMBER_FIELDS = "member_id,created_date,email,name,cellphone,phone,group_no,sms,news_mail"
SCOPES = "mall.read_privacy,mall.read_order,mall.read_product,mall.read_category,mall.read_store,mall.read_personal"
MAX_REREADS = 2

ORDER_DATE_TYPES = ("order_date", "pay_date", "shipbegin_date", "shipend_date", "cancel_date",
                    "return_complete_date", "purchaseconfirmation_date")

# Cafe24 per-item order_status codes -> the console's vocabulary. A request that has not been
# completed (cancel/return requested, exchange in progress) leaves the item where it was.
STATUS_MAP: dict[str, str] = {
    **{c: "pending" for c in ("N00", "N02")},
    **{c: "paid" for c in ("N10", "N20", "N21", "N22", "C00", "C10", "C11")},
    "N30": "shipping", "N40": "delivered", "N50": "confirmed",
    **{c: "delivered" for c in ("N01", "N03", "R00", "R10", "R11", "R12", "E00", "E10", "E11", "E12", "E13",
                                 "E20", "E30", "E31", "E32", "E33", "E34", "E35", "E36", "E40")},
    **{c: "cancelled" for c in ("C34", "C35", "C36", "C40", "C41", "C42", "C43", "C47", "C48", "C49")},
    **{c: "returned" for c in ("R13", "R20", "R30", "R31", "R34", "R36", "R40", "R41", "R42", "R43")},
}
_PROGRESS = {"pending": 0, "paid": 1, "shipping": 2, "delivered": 3, "confirmed": 4}


def base_url_for(mall_id: str, base_url: str | None = None) -> str:
    return (base_url or f"https://{mall_id}.cafe24api.com").rstrip("/")


def authorize_url(mall_id: str, client_id: str, redirect_uri: str, state: str, base_url: str | None = None) -> str:
    """Where the mall operator approves the app; Cafe24 then redirects to `redirect_uri` with a code."""
    query = urlencode({"response_type": "code", "client_id": client_id, "state": state,
                       "redirect_uri": redirect_uri, "scope": SCOPES})
    return f"{base_url_for(mall_id, base_url)}/api/v2/oauth/authorize?{query}"


def exchange_code(shop: Shop, code: str, redirect_uri: str) -> None:
    """Trade an authorization code for tokens and keep them in the secrets file."""
    client = Cafe24Client(shop)
    try:
        client.exchange_code(code, redirect_uri)
    finally:
        client.close()


def test_connection(shop: Shop) -> ConnectionOk:
    """The console's "test connection": the mall's store record, the cheapest authorized call."""
    client = Cafe24Client(shop)
    try:
        return client.test_connection()
    finally:
        client.close()


def client_for(shop: Shop) -> Cafe24Client:
    return Cafe24Client(shop)


def _kst(at: dt.datetime) -> str:
    return at.astimezone(KST).isoformat(timespec="seconds")


def _parse(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text)


def window_end(start: dt.datetime, months: int = WINDOW_MONTHS) -> dt.datetime:
    """The last second of a window of `months` calendar months from `start`, counted in Korea time
    (the mall's calendar): 1 Jan 10:00 -> 1 Apr 09:59:59; a day past the month's end falls on its last day."""
    local = start.astimezone(KST)
    month = local.month - 1 + months
    year, month = local.year + month // 12, month % 12 + 1
    last_day = (dt.date(year + month // 12, month % 12 + 1, 1) - dt.timedelta(days=1)).day
    later = local.replace(year=year, month=month, day=min(local.day, last_day))
    return later.astimezone(dt.UTC) - dt.timedelta(seconds=1)


def member_id(value: Any, *, what: str, optional: bool = False) -> str | None:
    """A Cafe24 member id: text (the member's login id). A number is refused, so the same member can never
    be stored under a second key; an empty one is allowed only where a guest is possible (orders)."""
    if value is None or (isinstance(value, str) and not value.strip()):
        if optional:
            return None
        raise BadResponse("sync.missing_field", platform="cafe24", what=what, field="member_id",
                          detail=f"{what} has no 'member_id'")
    if not isinstance(value, str):
        raise BadResponse("sync.bad_field", platform="cafe24", what=what, field="member_id",
                          value=str(value), expected="text",
                          detail=f"{what} has member_id {value!r} ({type(value).__name__}); Cafe24 member ids are "
                                 "text")
    return value.strip()


class Cafe24Client:
    """One shop's Cafe24 Admin API session. Used by one sync at a time (the prefetch thread)."""

    platform = "cafe24"

    def __init__(self, shop: Shop, *, sleep: Callable[[float], None] = time.sleep) -> None:
        settings = shop.settings or {}
        self.shop = shop
        self.shop_id = shop.shop_id
        self.mall_id = settings.get("mall_id") or shop.shop_id
        self.base_url = base_url_for(self.mall_id, settings.get("base_url"))
        self.sandbox = bool(settings.get("base_url"))
        self.tz = shop.timezone
        self.page_size = settings.get("page_size")
        self.api_version = str(settings.get("api_version") or API_VERSION)
        self.history = dt.timedelta(days=int(settings.get("history_days", 730)))
        self.sleep = sleep
        self.entities = ("categories", "products", "members", "orders", "carts")
        self.cart_plan: CartPlan | None = None  # set by the sync job from the store (core.sync.jobs)
        # The members seen signing up or ordering in this sync's pages, in the order first seen, with their
        # e-mails: at most as many as the cart calls can ask about (a first sync of millions keeps a thousand).
        self.active_members: dict[str, str | None] = {}
        self.seen_products: dict[str, tuple[str | None, str | None]] = {}  # names and images, likewise
        # A real mall gets a per-second cap as well as the bucket; a sandbox (or proxy) only the bucket.
        rate = settings.get("calls_per_second", None if self.sandbox else REAL_CALLS_PER_S)
        limiter = RateLimiter(float(rate), burst=int(rate)) if rate else None
        self.http = PlatformHTTP("Cafe24", self.base_url, timeout=float(settings.get("timeout_seconds", 20)),
                                 limiter=limiter, sleep=sleep, on_response=self._pace)
        self.calls = 0
        self.refreshes = 0
        self.paused = 0.0
        self._token: str | None = None

    def close(self) -> None:
        self.http.close()

    # ------------------------------------------------------------------ OAuth
    def _secrets(self) -> dict[str, Any]:
        return secrets.get(self.shop_id)

    def _app(self) -> tuple[str, str]:
        values = self._secrets()
        if not values.get("client_id") or not values.get("client_secret"):
            raise AuthError("sync.credentials_missing", platform="cafe24",
                            detail=f"Cafe24 shop '{self.shop_id}' has no client id/secret saved; connect it again")
        return values["client_id"], values["client_secret"]

    def exchange_code(self, code: str, redirect_uri: str) -> None:
        with secrets.held(self.shop_id, "cafe24-token"):
            response = self._token_post({"grant_type": "authorization_code", "code": code,
                                         "redirect_uri": redirect_uri}, sent=None)
            self._keep_tokens(response, "the authorization code")

    def _fresh(self, values: dict[str, Any], refused: str | None) -> str | None:
        """The stored access token, if it is usable: present, not about to expire, not the one refused."""
        token, expires = values.get("access_token"), values.get("access_token_expires_at")
        if not token or token == refused:
            return None
        if expires and clock.parse_instant(expires) - TOKEN_MARGIN <= clock.now():
            return None
        return str(token)

    def _refresh(self, why: str, refused: str | None = None) -> None:
        """Refresh the access token, once across every process: under the shop's token lock, re-read the
        secrets; a token another process stored meanwhile is used as it is."""
        with secrets.held(self.shop_id, "cafe24-token"):
            values = self._secrets()
            fresh = self._fresh(values, refused)
            if fresh:
                self._token = fresh
                event(log, "cafe24.token_taken", shop_id=self.shop_id, reason=why)
                return
            refresh_token = values.get("refresh_token")
            if not refresh_token:
                raise AuthError("sync.not_authorized", platform="cafe24",
                                detail=f"Cafe24 shop '{self.shop_id}' has no refresh token; connect the mall again")
            if values.get("reconnect_needed"):
                raise self._reconnect("the last refresh of this token got no answer, so it may be spent")
            response = self._token_post({"grant_type": "refresh_token", "refresh_token": refresh_token},
                                        sent=refresh_token)
            self._keep_tokens(response, "the refresh token")
            self.refreshes += 1
            event(log, "cafe24.token_refreshed", shop_id=self.shop_id, reason=why)

    def _reconnect(self, why: str) -> AuthError:
        return AuthError("sync.reconnect_needed", platform="cafe24",
                         detail=f"Cafe24 shop '{self.shop_id}' must be connected again: {why}")

    def _token_post(self, form: dict[str, str], *, sent: str | None) -> httpx.Response:
        """One POST to the token endpoint, never retried: a token request whose answer was lost may have
        spent the refresh token, and sending it again would only be refused (or worse, counted as abuse)."""
        auth = self._app()
        if self.http.limiter:
            self.http.limiter.acquire()
        try:
            response = self.http.client.request("POST", "/api/v2/oauth/token", auth=auth, data=form)
        except httpx.ConnectError as exc:  # nothing reached Cafe24: the token is not spent
            raise PlatformUnreachable(f"sync.{network_cause(exc)}", platform="Cafe24", what="/api/v2/oauth/token",
                                      tries=1, detail=f"could not reach Cafe24 for a token: {type(exc).__name__}"
                                      ) from None
        except httpx.TransportError as exc:
            raise self._lost(sent, f"no answer came ({type(exc).__name__})") from None
        if response.status_code == 429:  # turned away before it was handled: nothing was spent
            raise RateLimited("sync.rate_limited", platform="Cafe24", what="/api/v2/oauth/token", tries=1,
                              detail="Cafe24 said too many requests (429) for a token; will try again later")
        if response.status_code >= 500:
            raise self._lost(sent, f"Cafe24 failed with HTTP {response.status_code}")
        return response

    def _lost(self, sent: str | None, why: str) -> AuthError:
        """A token request went out and its outcome is unknown: the token sent may be spent. Unless another
        process stored a newer one meanwhile, the shop is marked in doubt and must be connected again."""
        if sent is None:
            return self._reconnect(f"the authorization code was sent and {why}")
        if self._secrets().get("refresh_token") == sent:
            secrets.put(self.shop_id, reconnect_needed=True)
        return self._reconnect(f"a token refresh was sent and {why}; the refresh token may be spent")

    def _keep_tokens(self, response: httpx.Response, what: str) -> None:
        body = self._body(response, "/api/v2/oauth/token")
        if response.status_code >= 400:
            error = body.get("error") if isinstance(body, dict) else None
            if isinstance(error, dict):  # an Admin-style error body
                error = error.get("message")
            if response.status_code == 401 or error == "invalid_client":
                raise AuthError("sync.auth_refused", platform="cafe24", status=response.status_code,
                                detail=f"Cafe24 refused the app's client id or client secret for shop '{self.shop_id}' "
                                       f"(HTTP {response.status_code} {error}); check the Client Secret and connect "
                                       "again")
            if what == "the refresh token":  # spent or expired for certain: the shop shows it needs reconnecting
                secrets.put(self.shop_id, reconnect_needed=True)
                raise self._reconnect(f"Cafe24 refused the refresh token (HTTP {response.status_code} {error}): "
                                      "it was already used or has expired")
            raise AuthError("sync.authorization_spent", platform="cafe24", status=response.status_code,
                            detail=f"Cafe24 refused {what} for shop '{self.shop_id}' (HTTP {response.status_code} "
                                   f"{error}): it was already used or has expired; connect the mall again")
        for field in ("access_token", "refresh_token", "expires_at"):
            if not isinstance(body, dict) or not body.get(field):
                raise BadResponse("sync.missing_field", platform="cafe24", what="token", field=field,
                                  detail=f"Cafe24's token answer has no '{field}'")
        expires = norm.required_instant(body["expires_at"], self.tz, what="the token's expires_at")
        issued = (norm.instant(body.get("issued_at"), self.tz, what="the token's issued_at")
                  or expires - dt.timedelta(hours=2))
        # Kept as an instant on our clock: the platform's clock and ours may disagree.
        local_expiry = clock.now() + (expires - issued)
        # The rotated refresh token is on disk before the new access token is ever used.
        secrets.put(self.shop_id, access_token=body["access_token"], refresh_token=body["refresh_token"],
                    access_token_expires_at=local_expiry.isoformat(),
                    refresh_token_expires_at=str(body.get("refresh_token_expires_at") or ""),
                    reconnect_needed=False)
        self._token = body["access_token"]

    def _access_token(self) -> str:
        values = self._secrets()
        fresh = self._fresh(values, None)
        if fresh:
            self._token = fresh
        else:
            self._refresh("no access token yet" if not values.get("access_token") else "access token about to expire")
        return self._token  # type: ignore[return-value]

    # ------------------------------------------------------------------ HTTP
    def _pace(self, response: httpx.Response) -> None:
        """Slow down before the bucket fills: past 3/4, wait until it has drained to half."""
        header = response.headers.get("X-Api-Call-Limit")
        if not header or response.status_code == 429:
            return
        try:
            used, size = (int(x) for x in header.split("/"))
        except ValueError:
            return
        if size and used >= size * SLOW_DOWN_AT:
            wait = (used - size / 2) / BUCKET_LEAK_PER_S
            self.paused += wait
            self.sleep(wait)

    def _get(self, path: str, params: dict[str, Any]) -> tuple[Any, httpx.Response]:
        for attempt in range(2):
            token = self._access_token()
            response = self.http.request("GET", path, params=params, headers={
                "Authorization": f"Bearer {token}", "X-Cafe24-Api-Version": self.api_version})
            self.calls += 1
            if response.status_code == 401 and attempt == 0:
                self._refresh("the access token was refused mid-sync (401)", refused=token)
                continue
            break
        body = self._body(response, path)
        if response.status_code >= 400:
            error = body.get("error") if isinstance(body, dict) else None
            message = error.get("message") if isinstance(error, dict) else None
            detail = f"HTTP {response.status_code}" + (f": {message}" if message else "")
            if response.status_code in (401, 403):
                raise AuthError("sync.auth_refused", platform="cafe24", status=response.status_code, what=path,
                                detail=f"Cafe24 refused {path} for shop '{self.shop_id}' ({detail}); connect the mall "
                                       "again")
            raise SyncError("sync.rejected", kind=Kind.INVALID, platform="cafe24", status=response.status_code,
                            what=path, detail=f"Cafe24 rejected {path} ({detail})")
        return body, response

    def _body(self, response: httpx.Response, path: str) -> Any:
        try:
            return _loads(response.content)
        except ValueError:
            kind = response.headers.get("Content-Type", "no content type").split(";")[0]
            start = response.text[:40].replace("\n", " ")
            raise BadResponse("sync.not_json", platform="cafe24", status=response.status_code, what=path,
                              detail=f"Cafe24 answered {path} (HTTP {response.status_code}) with something that is "
                                     f"not JSON ({kind}, starting '{start}')") from None

    def _list(self, path: str, key: str, params: dict[str, Any]) -> list[dict[str, Any]]:
        body, _ = self._get(path, params)
        rows = body.get(key) if isinstance(body, dict) else None
        if not isinstance(rows, list):
            raise BadResponse("sync.missing_field", platform="cafe24", what=path, field=key,
                              detail=f"Cafe24's answer to {path} has no '{key}' list")
        for n, row in enumerate(rows, 1):
            if not isinstance(row, dict):
                raise BadResponse("sync.bad_record", platform="cafe24", what=path, record=n,
                                  value=type(row).__name__ if row is not None else "null",
                                  detail=f"record #{n} of Cafe24's answer to {path} is "
                                         f"{'null' if row is None else type(row).__name__}, not a record")
        return rows

    def _count(self, path: str, params: dict[str, Any]) -> int:
        body, _ = self._get(f"{path}/count", params)
        if not isinstance(body, dict) or not isinstance(body.get("count"), int):
            raise BadResponse("sync.missing_field", platform="cafe24", what=path, field='count',
                              detail=f"Cafe24's answer to {path}/count has no 'count'")
        return body["count"]

    def _horizon(self) -> dt.datetime:
        """The platform's now, less a second: every record stamped up to it has happened."""
        _, response = self._get("/api/v2/admin/store", {})
        date = response.headers.get("Date")
        at = email.utils.parsedate_to_datetime(date) if date else clock.now()
        return at.astimezone(dt.UTC).replace(microsecond=0) - dt.timedelta(seconds=1)

    def test_connection(self) -> ConnectionOk:
        """One authorized call (the mall's store record): the token is refreshed if it must be."""
        body, _ = self._get("/api/v2/admin/store", {})
        store = body.get("store") if isinstance(body, dict) else None
        name = (store.get("shop_name") or store.get("mall_id")) if isinstance(store, dict) else None
        if not name:
            return ConnectionOk("connect.cafe24_ok_unnamed")
        return ConnectionOk("connect.cafe24_ok", {"name": str(name)})

    def _carts(self, cursor: dict[str, Any] | None) -> Iterator[Page]:
        return _cart_pages(self, cursor)

    def _noting_members(self, pages: Iterator[Page]) -> Iterator[Page]:
        """Pass pages on, noting the members who signed up or ordered in them (they are asked about first), and
        the e-mails and product names the cart lines need."""
        for page in pages:
            _noting_members_of(page, self.active_members, self.seen_products, self.cart_members_per_sync())
            yield page

    def cart_members_per_sync(self) -> int:
        """The most members a sync's cart calls can ask about: its call budget, 100 member ids a call."""
        return self._cart_calls() * CART_IDS_PER_CALL

    def _cart_calls(self) -> int:
        return int((self.shop.settings or {}).get("cart_calls_per_sync", CART_CALLS))

    def _limit(self, documented: int) -> int:
        return max(1, min(documented, int(self.page_size or documented)))

    # ------------------------------------------------------------------ pages
    def pages(self, entity: str, cursor: dict[str, Any] | None) -> Iterator[Page]:
        if entity == "members":
            return self._noting_members(self._members(cursor))
        if entity == "orders":
            return self._noting_members(self._windowed(cursor, "/api/v2/admin/orders", "orders", ORDER_DATE_TYPES,
                                                       1000, 15000, {"embed": "items,buyer"}, self._order_rows))
        if entity == "products":
            return self._noting_members(self._products(cursor))
        if entity == "categories":
            return self._categories(cursor)
        if entity == "carts":
            return self._carts(cursor)
        raise ValueError(f"Cafe24 has no entity '{entity}'")

    def _members(self, cursor: dict[str, Any] | None) -> Iterator[Page]:
        limit = self._limit(1000)
        start = cursor["created_from"] if cursor else "2000-01-01T00:00:00+09:00"
        seen = set(cursor.get("seen", [])) if cursor else set()
        start_at = norm.required_instant(start, self.tz)
        while True:
            rows = self._list("/api/v2/admin/customersprivacy", "customersprivacy",
                              {"search_type": "created_date", "created_start_date": start, "limit": limit,
                               "fields": MEMBER_FIELDS})
            members = []
            last_at, last_ids = start_at, set(seen)
            for n, row in enumerate(rows, 1):
                key = member_id(row.get("member_id"), what=f"Cafe24 member record #{n} of the page from {start}")
                what = f"Cafe24 member '{key}'"
                at = norm.required_instant(norm.require(row, "created_date", what=what), self.tz,
                                           what=f"{what} created_date")
                if at == start_at and key in seen:
                    continue  # already taken from the previous page (same sign-up second)
                if at < start_at:
                    raise BadResponse("sync.bad_response", platform="cafe24", what=what,
                                      detail=f"{what} signed up before {start}, though Cafe24 was asked for later "
                                             "members")
                members.append(self._member_row(row, key, at))
                if at > last_at:
                    last_at, last_ids = at, set()
                last_ids.add(key)
            if not members:
                if len(rows) >= limit:
                    raise BadResponse("sync.bad_response", platform="cafe24", what="members",
                                      detail=f"more than {limit} Cafe24 members signed up in the second {start}; "
                                             "the sign-up keyset cannot page past it")
                return
            start, start_at, seen = _kst(last_at), last_at, last_ids
            yield Page({"members": members}, {"created_from": start, "seen": sorted(seen)})
            if len(rows) < limit:
                return

    def _member_row(self, row: dict[str, Any], key: Any, signed_up: dt.datetime) -> dict[str, Any]:
        return {
            "member_key": str(key), "email": norm.email(row.get("email")), "name": norm.text(row.get("name")),
            "phone": norm.phone(row.get("cellphone") or row.get("phone")),
            "member_group": norm.text(row.get("group_no")), "signed_up_at": signed_up,
            "email_consent": norm.consent(row.get("news_mail")), "sms_consent": norm.consent(row.get("sms")),
            "night_consent": False,  # Cafe24 keeps no separate night-time consent
            "raw": row,
        }

    def _categories(self, cursor: dict[str, Any] | None) -> Iterator[Page]:
        limit, offset, rows = self._limit(100), 0, []
        while True:
            page = self._list("/api/v2/admin/categories", "categories", {"limit": limit, "offset": offset})
            rows.extend(page)
            offset += len(page)
            if len(page) < limit or offset > 8000:
                break
        digest = hashlib.sha256(_raw({"c": rows}).encode()).hexdigest()
        if cursor and cursor.get("digest") == digest:
            yield Page({}, cursor)  # unchanged since the last sync: nothing to land
            return
        yield Page({"categories": [self._category_row(r, n) for n, r in enumerate(rows, 1)]}, {"digest": digest})

    def _category_row(self, row: dict[str, Any], n: int) -> dict[str, Any]:
        key = norm.require(row, "category_no", what=f"Cafe24 category record #{n}")
        what = f"Cafe24 category {key}"
        depth = norm.require(row, "category_depth", what=what)
        if depth not in (1, 2, 3, 4):
            raise BadResponse("sync.bad_response", platform="cafe24", what=what,
                              detail=f"{what} has category_depth {depth!r}; Cafe24 has depths 1 to 4")
        parent = row.get("parent_category_no")
        names = row.get("full_category_name") or {}
        path = (" > ".join(str(names[k]) for k in sorted(names, key=int) if names[k]) if isinstance(names, dict)
                else None)
        return {"category_key": str(key), "name": norm.require(row, "category_name", what=what), "depth": depth,
                "parent_key": None if parent in (None, 1, "1") else str(parent), "path": path or None,
                "raw": row}

    def _products(self, cursor: dict[str, Any] | None) -> Iterator[Page]:
        if cursor and "since" in cursor or cursor and "horizon" in cursor and cursor.get("mode") != "initial":
            yield from self._windowed(cursor, "/api/v2/admin/products", "products", (None,), 100, 5000,
                                      {"sort": "updated_date", "order": "asc"}, self._product_rows)
            return
        # The first sync walks every product by number (no offset maximum), then follows updates.
        horizon = _parse(cursor["horizon"]) if cursor else self._horizon()
        since_no = int(cursor.get("since_product_no", 0)) if cursor else 0
        limit = self._limit(100)
        while True:
            rows = self._list("/api/v2/admin/products", "products", {"since_product_no": since_no, "limit": limit})
            if not rows:
                break
            products = self._product_rows(rows)
            since_no = max(int(p["product_key"]) for p in products["products"])
            yield Page(products, {"mode": "initial", "horizon": horizon.isoformat(), "since_product_no": since_no})
            if len(rows) < limit:
                break
        yield Page({}, {"since": (horizon + dt.timedelta(seconds=1)).isoformat()})

    def _product_rows(self, rows: list[dict[str, Any]]) -> dict[str, list[dict[str, Any]]]:
        out = []
        for n, row in enumerate(rows, 1):
            key = norm.require(row, "product_no", what=f"Cafe24 product record #{n} of the page")
            what = f"Cafe24 product {key}"
            info = row.get("additional_information") or []
            detail = {str(i.get("name") or i.get("key")): i.get("value") for i in info if isinstance(i, dict)}
            for field, label in (("product_material", "소재"), ("origin_place_value", "원산지")):
                if row.get(field) and label not in detail:
                    detail[label] = row[field]
            out.append({
                "product_key": str(key), "name": norm.require(row, "product_name", what=what),
                "name_en": norm.text(row.get("eng_product_name")),
                "supplier_name": norm.text(row.get("supply_product_name")),
                "model_name": norm.text(row.get("model_name")),
                "price": norm.amount(row.get("price"), what=f"{what} price"),
                "image_url": norm.text(row.get("detail_image") or row.get("list_image")),
                "category_keys": [str(c["category_no"]) for c in row.get("category") or []
                                  if isinstance(c, dict) and c.get("category_no") is not None],
                "detail": detail,
                "updated_at": norm.instant(row.get("updated_date") or row.get("created_date"), self.tz,
                                           what=f"{what} updated_date"),
                "raw": row,
            })
        return {"products": out}

    def _order_rows(self, rows: list[dict[str, Any]]) -> dict[str, list[dict[str, Any]]]:
        orders, items = [], []
        for n, row in enumerate(rows, 1):
            key = norm.require(row, "order_id", what=f"Cafe24 order record #{n} of the page")
            what = f"Cafe24 order {key}"
            ordered = norm.required_instant(norm.require(row, "order_date", what=what), self.tz,
                                            what=f"{what} order_date")
            lines = row.get("items")
            if not isinstance(lines, list) or not lines:
                raise BadResponse("sync.missing_field", platform="cafe24", what=what, field='items',
                                  detail=f"{what} has no 'items' (asked for with embed=items)")
            statuses: list[str] = []
            delivered: list[dt.datetime] = []
            events: list[dt.datetime] = [ordered]
            for k, line in enumerate(lines, 1):
                if not isinstance(line, dict):
                    raise BadResponse("sync.bad_field", platform="cafe24", what=what, field=f"items[{k}]",
                                      value=str(line), expected="record",
                                      detail=f"item #{k} of {what} is {line!r}, not a record")
                item_key = norm.require(line, "order_item_code", what=f"item #{k} of {what}")
                item_what = f"item {item_key} of {what}"
                code = norm.require(line, "order_status", what=item_what)
                status = STATUS_MAP.get(str(code))
                if status is None:
                    raise BadResponse("sync.unknown_status", platform="cafe24", what=item_what, value=str(code),
                                      detail=f"{item_what} has order_status '{code}', which is not a Cafe24 status "
                                             "the console knows")
                statuses.append(status)
                delivered_at = norm.instant(line.get("delivered_date"), self.tz, what=f"{item_what} delivered_date")
                if delivered_at:
                    delivered.append(delivered_at)
                for field in ("shipped_date", "cancel_date", "purchaseconfirmation_date"):
                    at = norm.instant(line.get(field), self.tz, what=f"{item_what} {field}")
                    if at:
                        events.append(at)
                items.append({
                    "item_key": str(item_key), "order_key": str(key), "product_key": norm.text(line.get("product_no")),
                    "product_name": norm.text(line.get("product_name")),
                    "option_text": norm.text(line.get("option_value")),
                    "quantity": norm.integer(line.get("quantity"), what=f"{item_what} quantity", default=1),
                    "unit_price": norm.amount(line.get("product_price"), what=f"{item_what} product_price"),
                    "status": status, "delivered_at": delivered_at, "raw": line,
                })
            active = [s for s in statuses if s in _PROGRESS]
            status = (min(active, key=_PROGRESS.__getitem__) if active
                      else "returned" if "returned" in statuses else "cancelled")
            paid = norm.instant(row.get("payment_date"), self.tz, what=f"{what} payment_date")
            cancelled = norm.instant(row.get("cancel_date"), self.tz, what=f"{what} cancel_date")
            amounts: dict[str, Any] = (row["actual_order_amount"] if isinstance(row.get("actual_order_amount"), dict)
                                       else {})
            buyer: dict[str, Any] = row["buyer"] if isinstance(row.get("buyer"), dict) else {}
            events += [a for a in (paid, cancelled, *delivered) if a]
            orders.append({
                "order_key": str(key), "member_key": member_id(row.get("member_id"), what=what, optional=True),
                "email": norm.email(row.get("member_email") or buyer.get("email")),
                "status": status, "ordered_at": ordered, "paid_at": paid,
                "delivered_at": (max(delivered) if delivered and status in ("delivered", "confirmed", "returned")
                                 else None),
                "total_amount": norm.amount(amounts.get("payment_amount", row.get("payment_amount")),
                                            what=f"{what} payment_amount"),
                "currency": norm.text(row.get("currency")) or "KRW", "updated_at": max(events),
                "raw": {k: v for k, v in row.items() if k != "items"},
            })
        return {"orders": orders, "order_items": items}

    # ------------------------------------------------------------------ windows over a date
    def _windowed(self, cursor: dict[str, Any] | None, path: str, key: str, date_types: tuple[str | None, ...],
                  documented_limit: int, max_offset: int, extra: dict[str, Any],
                  normalize: Callable[[list[dict[str, Any]]], dict[str, list[dict[str, Any]]]]) -> Iterator[Page]:
        cursor = dict(cursor or {})
        limit = self._limit(documented_limit)
        if "horizon" not in cursor or cursor.get("mode") == "initial":
            first = "since" not in cursor
            horizon = self._horizon()
            since = _parse(cursor["since"]) if not first else horizon - self.history
            cursor = {"since": since.isoformat(), "horizon": horizon.isoformat(), "first": first,
                      "pass": 0, "window": None, "offset": 0}
        horizon, since = _parse(cursor["horizon"]), _parse(cursor["since"])
        for pass_no in range(int(cursor["pass"]), len(date_types)):
            if cursor["first"] and pass_no > 0:
                break  # the first pass read every record as it stands now; later passes only catch changes
            date_type = date_types[pass_no]
            resume = cursor["window"] if pass_no == cursor["pass"] else None
            start = _parse(resume[0]) if resume else since
            while start <= horizon:
                if resume:
                    end, offset, count = _parse(resume[1]), int(cursor["offset"]), None
                    resume = None
                else:
                    end, offset, count = min(window_end(start), horizon), 0, None
                    end, count = self._fit(path, date_type, start, end, limit, max_offset)
                params = self._window_params(date_type, start, end)
                count = self._count(path, params) if count is None else count
                for _ in range(MAX_REREADS + 1):
                    while offset < count:
                        rows = self._list(path, key, {**params, **extra, "limit": limit, "offset": offset})
                        if not rows:
                            break
                        offset += len(rows)
                        yield Page(normalize(rows), {**cursor, "pass": pass_no,
                                                     "window": [start.isoformat(), end.isoformat()], "offset": offset})
                    after = self._count(path, params)
                    if after == count:
                        break
                    event(log, "cafe24.window_moved", path=path, date_type=date_type, before=count, after=after)
                    count, offset = after, 0  # the window changed while it was read: read it again
                start = end + dt.timedelta(seconds=1)
            cursor = {**cursor, "pass": pass_no + 1, "window": None, "offset": 0}
        yield Page({}, {"since": (horizon + dt.timedelta(seconds=1)).isoformat()})

    @staticmethod
    def _window_params(date_type: str | None, start: dt.datetime, end: dt.datetime) -> dict[str, Any]:
        if date_type is None:
            return {"updated_start_date": _kst(start), "updated_end_date": _kst(end)}
        return {"date_type": date_type, "start_date": _kst(start), "end_date": _kst(end)}

    def _fit(self, path: str, date_type: str | None, start: dt.datetime, end: dt.datetime, limit: int,
             max_offset: int) -> tuple[dt.datetime, int]:
        """Narrow [start, end] until its records can all be reached under the offset maximum."""
        while True:
            count = self._count(path, self._window_params(date_type, start, end))
            if count <= max_offset + limit:
                return end, count
            if end - start <= dt.timedelta(seconds=1):
                raise BadResponse("sync.bad_response", platform="cafe24", what=path,
                                  detail=f"Cafe24 holds {count} records of {path} in the one second from "
                                         f"{_kst(start)}; "
                                         f"more than its offset maximum ({max_offset}) lets the console read")
            end = start + (end - start) / 2
            end = end.replace(microsecond=0)


# ---------------------------------------------------------------------- carts (Admin API "Personal > Carts")
CART_IDS_PER_CALL = 100   # member ids in one call (comma-separated values: at most 100)
CART_LIMIT = 100          # rows in one call (documented 1-100)
CART_MAX_OFFSET = 10000   # documented maximum offset
CART_CALLS = 10           # calls a sync spends on carts unless the shop's settings say otherwise (1,000 members;
                          # more would overflow the 40-call bucket together with the sync's other calls)


@dataclasses.dataclass
class CartPlan:
    """What the store knows that the cart pages need: the members of the rotation this sync can reach (in key
    order, core.sync.cart_plan), the members a webhook named since the last sync, the stored e-mails of the
    members whose carts a page found (asked as each page comes, by then holding what this sync wrote), and
    product names and images for the cart lines."""

    members: list[str]
    hinted: list[str] = dataclasses.field(default_factory=list)
    emails_for: Callable[[list[str]], dict[str, str]] = lambda members: {}
    products: dict[str, tuple[str | None, str | None]] = dataclasses.field(default_factory=dict)
    rotate: bool = True  # False: only the active members (a sync a webhook started asks about no others)


def cart_queue(active: list[str], members: list[str], after: str | None) -> tuple[list[str], list[str]]:
    """Who to ask about, in order: the active members first, then everyone else in rotation from the member
    after `after` (wrapping round once). Answers (queue, the rotation part of it)."""
    first = list(dict.fromkeys(m for m in active if m))
    taken = set(first)
    start = 0 if after is None else bisect.bisect_right(members, after)
    rotation = [m for m in members[start:] + members[:start] if m not in taken]
    return first + rotation, rotation


def _noting_members_of(page: Page, seen: dict[str, str | None],
                       products: dict[str, tuple[str | None, str | None]], most: int) -> None:
    """Note the page's products, and its members (with their e-mails) in `seen` in the order first seen, up
    to `most` members: the cart calls can ask about no more."""
    for row in page.rows.get("products", ()):
        products[str(row["product_key"])] = (row.get("name"), row.get("image_url"))
    for table in ("members", "orders"):
        for row in page.rows.get(table, ()):
            key = row.get("member_key")
            if key and (str(key) in seen or len(seen) < most):
                email = str(row["email"]) if table == "members" and row.get("email") else None
                seen[str(key)] = email or seen.get(str(key))


def _cart_pages(self: Cafe24Client, cursor: dict[str, Any] | None) -> Iterator[Page]:
    plan = self.cart_plan or CartPlan(members=[])
    budget = self._cart_calls()
    limit = self._limit(CART_LIMIT)
    after = cursor.get("after") if cursor else None
    queue, rotation = cart_queue([*self.active_members, *plan.hinted], plan.members if plan.rotate else [], after)
    in_rotation = set(rotation)
    calls = 0
    for start in range(0, len(queue), CART_IDS_PER_CALL):
        if calls >= budget:
            break
        batch = queue[start:start + CART_IDS_PER_CALL]
        rows: list[Any] = []
        offset = 0
        while calls < budget and offset <= CART_MAX_OFFSET:
            page = self._list("/api/v2/admin/carts", "carts",
                              {"member_id": ",".join(batch), "limit": limit, "offset": offset})
            calls += 1
            rows.extend(page)
            offset += len(page)
            if len(page) < limit:
                break
        asked = [m for m in batch if m in in_rotation]
        if asked:
            after = asked[-1]
        yield Page(cart_rows(self, rows, set(batch), plan), {"after": after})


def cart_rows(self: Cafe24Client, rows: list[Any], asked: set[str], plan: CartPlan) -> dict[str, list[dict[str, Any]]]:
    """The carts in one answer: each member's lines make one open cart."""
    lines: dict[str, list[tuple[dt.datetime, dict[str, Any]]]] = {}
    for n, row in enumerate(rows, 1):
        what = f"Cafe24 cart line #{n} of the page"
        if not isinstance(row, dict):
            raise BadResponse("sync.bad_response", platform="cafe24", what=what,
                              detail=f"{what} is {type(row).__name__}, not a record")
        member = member_id(row.get("member_id"), what=what)
        if member not in asked:
            raise BadResponse("sync.bad_response", platform="cafe24", what=what,
                              detail=f"{what} has member_id {member!r}, which the console did not ask about")
        at = norm.required_instant(norm.require(row, "created_date", what=what), self.tz,
                                   what=f"{what} created_date")
        lines.setdefault(member, []).append((at, row))
    carts, items = [], []
    emails = plan.emails_for(sorted(lines)) if lines else {}
    for member, found in lines.items():
        created = min(at for at, _ in found)
        key = f"{member}:{created.astimezone(KST):%Y%m%d%H%M%S}"
        total = 0.0
        for _at, row in sorted(found, key=lambda f: (f[0], str(f[1].get("basket_product_no")))):
            what = f"Cafe24 cart line {row.get('basket_product_no')} of member '{member}'"
            line_no = norm.require(row, "basket_product_no", what=what)
            if not isinstance(line_no, int) or isinstance(line_no, bool):
                raise BadResponse("sync.bad_response", platform="cafe24", what=what,
                                  detail=f"{what} has basket_product_no {line_no!r}, not a number")
            product = norm.text(row.get("product_no"))
            name, image = self.seen_products.get(product or "") or plan.products.get(product or "", (None, None))
            price = (norm.amount(row.get("product_price"), what=f"{what} product_price")
                     + norm.amount(row.get("option_price"), what=f"{what} option_price"))
            quantity = norm.integer(row.get("quantity"), what=f"{what} quantity", default=1)
            total += price * quantity
            options = [f"{o.get('name')}: {o.get('value')}" for o in row.get("additional_option_values") or []
                       if isinstance(o, dict) and o.get("value")]
            items.append({"cart_key": key, "line_no": line_no, "product_key": product, "name": name,
                          "image_url": image, "option_text": ", ".join(options) or norm.text(row.get("variant_code")),
                          "quantity": quantity, "unit_price": price})
        carts.append({
            "cart_key": key, "member_key": member, "status": "open",
            "email": emails.get(member) or self.active_members.get(member),
            "total_amount": round(total, 2), "currency": "KRW", "created_at": created,
            "last_activity_at": max(at for at, _ in found), "recovery_url": basket_url(self, member),
            "order_key": None, "raw": {"member_id": member, "lines": [r for _, r in found]},
        })
    return {"carts": carts, "cart_items": items}


def basket_url(self: Cafe24Client, member: str) -> str:
    """The mall's cart page: a real mall shows the signed-in member their basket there; the sandbox (no
    sign-in) is told whose."""
    settings = self.shop.settings or {}
    if self.sandbox:
        return f"{self.base_url}/order/basket.html?{urlencode({'member_id': member})}"
    storefront = (settings.get("storefront_url") or f"https://{self.mall_id}.cafe24.com").rstrip("/")
    return f"{storefront}/order/basket.html"
