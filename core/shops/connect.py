"""Connecting a shop: its form's values checked, its credentials tried, then its secrets and settings saved.

Every platform is connected the same way: the values are validated here (each problem an `InvalidInput` whose
key names it), the credentials are tried with the platform module's own `test_connection(shop)` before
anything is saved, and only then are the secrets written to the secrets file (core.shops.secrets, never
DuckDB) and the shop saved through the registry. Godomall goes through the address book's `connect` (one
address book per account). Nothing here words anything for a person: the console does.

Cafe24's authorization-code flow (developers.cafe24.com, "OAuth 2.0 인증 가이드"):
the operator opens `https://{mall_id}.cafe24api.com/api/v2/oauth/authorize?response_type=code
&client_id=…&state=…&redirect_uri=…&scope=…` in a browser, approves the app, and is sent
back to the app's registered redirect URI with `?code=…&state=…`; the code is valid for one
minute and `state` is required (it guards against forged callbacks). The redirect URI is built
from `PUBLIC_BASE_URL`; the operator pastes the returned address (or just the code) and it is
exchanged for tokens, which go to the secrets file only.
"""
from __future__ import annotations

import dataclasses
import importlib
import logging
import os
import re
import secrets as pysecrets
from collections.abc import Callable, Iterable, Mapping
from typing import Any, cast
from urllib.parse import parse_qs, urlsplit

from core import clock
from core.errors import CoreError, ErrorRecord, InvalidInput, Kind, Unreachable
from core.integrations.base import ConnectionOk
from core.log import event
from core.shops import secrets
from core.shops.registry import Shop, get_shop, list_shops, save_shop
from core.store import Store

log = logging.getLogger("core.shops.connect")

SANDBOX_URL_DEFAULT = "http://127.0.0.1:8624"
SANDBOX_SHOP_ID = "sandbox"
CAFE24_CALLBACK_PATH = "/oauth/cafe24/callback"
DEFAULT_CONSOLE_PORT = 8501
DEFAULT_INTERVAL_MINUTES = 15

# The platforms' own names (proper nouns, the same in every language): a shop's default name.
PLATFORM_NAMES = {"cafe24": "Cafe24", "godomall": "Godomall", "naver": "Naver Smartstore", "wix": "Wix",
                  "csv": "CSV"}
_PLATFORM_MODULES = {"cafe24": "core.integrations.cafe24", "godomall": "core.integrations.godomall",
                     "naver": "core.integrations.naver", "wix": "core.integrations.wix"}

_SHOP_ID = re.compile(r"[a-z0-9][a-z0-9_-]{0,39}")
# A Cafe24 mall id is the first label of {mall_id}.cafe24api.com, so it must be a DNS label.
_MALL_ID = re.compile(r"[a-z0-9](?:[a-z0-9-]{0,30}[a-z0-9])?")
_NO_SPACE = re.compile(r"\S+")
# Naver issues application secrets that are bcrypt salts (core/integrations/naver.py `sign`).
_NAVER_SECRET = re.compile(r"\$2[aby]\$\d{2}\$[./A-Za-z0-9]{22}")
# A Wix site id is a GUID; the dashboard's address carries it after /dashboard/ (Wix "Generate an API Key").
_GUID = re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}")


# ---- validation -------------------------------------------------------------------------------

def validate_url(url: str) -> str:
    """An http(s) URL with a host, without a trailing slash."""
    url = (url or "").strip()
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise InvalidInput("shops.invalid_url", detail="an address must be http(s)://host")
    return url.rstrip("/")


def validate_shop_id(shop_id: str) -> str:
    shop_id = (shop_id or "").strip()
    if not _SHOP_ID.fullmatch(shop_id):
        raise InvalidInput("shops.invalid_shop_id", detail="a shop id is 1-40 of a-z, 0-9, '-', '_'")
    return shop_id


def validate_name(name: str) -> str:
    name = (name or "").strip()
    if not name:
        raise InvalidInput("shops.invalid_name", detail="a shop needs a display name")
    return name


def validate_mall_id(mall_id: str) -> str:
    mall_id = (mall_id or "").strip().lower()
    if not _MALL_ID.fullmatch(mall_id):
        raise InvalidInput("shops.invalid_mall_id", detail="a Cafe24 mall id is a DNS label")
    return mall_id


def parse_site_id(text: str) -> str:
    """A Wix site id, typed or pasted inside the dashboard's address."""
    found = _GUID.search(text or "")
    if not found:
        raise InvalidInput("shops.invalid_wix_site_id", detail="a Wix site id is a GUID")
    return found.group(0).lower()


# ---- where Cafe24 sends the operator back ----------------------------------------------------

def public_base_url(env: Mapping[str, str] | None = None) -> str:
    """The operator's `PUBLIC_BASE_URL`, else the console on loopback (fine for trying the flow by hand)."""
    env = os.environ if env is None else env
    value = (env.get("PUBLIC_BASE_URL") or "").strip()
    if not value:
        port = env.get("CONSOLE_PORT") or DEFAULT_CONSOLE_PORT
        return f"http://127.0.0.1:{port}"
    try:
        return validate_url(value)
    except InvalidInput:
        raise InvalidInput("shops.invalid_public_base_url", detail="PUBLIC_BASE_URL must be http(s)://host") from None


def redirect_uri(env: Mapping[str, str] | None = None) -> str:
    return public_base_url(env) + CAFE24_CALLBACK_PATH


def new_state() -> str:
    """An unguessable `state` for one authorization attempt."""
    return pysecrets.token_urlsafe(24)


def parse_code(pasted: str, expected_state: str | None = None) -> str:
    """The authorization code from a pasted redirect address (`…?code=…&state=…`) or a bare code.

    A pasted address whose `state` differs from the one this console made is refused.
    """
    pasted = (pasted or "").strip()
    if not pasted:
        raise InvalidInput("shops.invalid_code", detail="nothing was pasted")
    if "code=" in pasted or pasted.startswith(("http://", "https://")):
        query = parse_qs(urlsplit(pasted).query if "?" in pasted else pasted.lstrip("?#"))
        code = (query.get("code") or [""])[0].strip()
        if not code:
            raise InvalidInput("shops.invalid_code", detail="the pasted address has no code")
        states = query.get("state")
        state = states[0] if states else None
        if expected_state and state is not None and state != expected_state:
            raise InvalidInput("shops.state_mismatch", detail="the pasted address carries another state")
        return code
    if not re.fullmatch(r"[A-Za-z0-9._~+/=-]{4,512}", pasted):
        raise InvalidInput("shops.invalid_code", detail="the pasted text is not an authorization code")
    return pasted


# ---- the sandbox and Cafe24 --------------------------------------------------------------------

def connect_sandbox(store: Store, url: str, shop_id: str, name: str) -> Shop:
    """Connect (and authorize) the sandbox shop served at `url`."""
    url, shop_id, name = validate_url(url), validate_shop_id(shop_id), validate_name(name)
    from core.sandbox.setup import SandboxUnreachable
    from core.sandbox.setup import connect_sandbox as connect  # the sandbox owns how it is authorized
    try:
        return connect(store, url, shop_id=shop_id, name=name)
    except SandboxUnreachable as exc:
        raise Unreachable("sync.sandbox_unreachable", url=url, detail=str(exc)) from None


def save_cafe24(store: Store, shop_id: str, name: str, mall_id: str, client_id: str,
                client_secret: str | None) -> Shop:
    """Save a Cafe24 mall's settings; the client secret goes only to the secrets file.

    An empty `client_secret` keeps the one already saved (the form never shows it back),
    and is refused when none is saved yet. The shop id and name default to the mall id.
    """
    mall_id = validate_mall_id(mall_id)
    shop_id, name = validate_shop_id(shop_id or mall_id), validate_name(name or mall_id)
    client_id = (client_id or "").strip()
    if not client_id:
        raise InvalidInput("shops.missing_client_id", detail="a Cafe24 app needs its client id")
    client_secret = (client_secret or "").strip()
    if not client_secret and not has_client_secret(shop_id):
        raise InvalidInput("shops.missing_client_secret", detail="a Cafe24 app needs its client secret")
    # The secret is written before the shop, so a shop never exists whose secret was lost.
    values: dict[str, Any] = {"client_id": client_id}
    if client_secret:
        values["client_secret"] = client_secret
    secrets.put(shop_id, **values)
    existing = existing_shop(store, shop_id)
    settings = dict(existing.settings if existing else {})
    settings.update({"mall_id": mall_id, "client_id": client_id})
    return save_shop(store, shop_id, "cafe24", name, settings=settings)


def has_client_secret(shop_id: str) -> bool:
    return bool(secrets.get(shop_id).get("client_secret"))


def is_authorized(shop_id: str) -> bool:
    """A Cafe24 shop can sync once its app was approved (a refresh token is saved), until its refresh token is
    known or feared spent (`reconnect_needed`, set by core.integrations.cafe24): then it must be connected again."""
    values = secrets.get(shop_id)
    return bool(values.get("refresh_token")) and not values.get("reconnect_needed")


def _settings(shop: Shop | Mapping[str, Any]) -> Mapping[str, Any]:
    return shop.settings if isinstance(shop, Shop) else shop.get("settings") or {}


def is_sandbox(shop: Shop | Mapping[str, Any]) -> bool:
    """The Cafe24 client talks to a shop's own `base_url` only for the sandbox (core.integrations.cafe24)."""
    platform = shop.platform if isinstance(shop, Shop) else shop.get("platform")
    settings = _settings(shop)
    return platform == "cafe24" and bool(settings.get("sandbox") or settings.get("base_url"))


def authorize_link(shop: Shop | Mapping[str, Any], state: str, env: Mapping[str, str] | None = None) -> str:
    """The Cafe24 approval page for this mall, sending the operator back to our redirect URI."""
    settings = _settings(shop)
    shop_id = shop.shop_id if isinstance(shop, Shop) else shop["shop_id"]
    client_id = str(settings.get("client_id") or secrets.get(shop_id).get("client_id") or "")
    from core.integrations.cafe24 import authorize_url
    return authorize_url(settings["mall_id"], client_id, redirect_uri(env), state, base_url=settings.get("base_url"))


def finish_authorization(store: Store, shop_id: str, pasted: str, expected_state: str | None,
                         env: Mapping[str, str] | None = None) -> None:
    """Exchange the pasted code for tokens (stored by the Cafe24 client in the secrets file)."""
    code = parse_code(pasted, expected_state)
    from core.integrations.cafe24 import exchange_code
    exchange_code(get_shop(store, shop_id), code, redirect_uri(env))


# ---- every platform's credentials ------------------------------------------------------------------

@dataclasses.dataclass(frozen=True)
class Field:
    """One credential a platform's form asks for; `secret` ones are typed as passwords and masked after."""

    name: str
    label: str  # word key
    secret: bool = False


FORM_FIELDS: dict[str, tuple[Field, ...]] = {
    "godomall": (Field("partner_key", "integrations.partner_key", True),
                 Field("user_key", "integrations.user_key", True)),
    "naver": (Field("client_id", "integrations.naver_client_id"),
              Field("client_secret", "integrations.naver_client_secret", True)),
    "wix": (Field("api_key", "integrations.wix_api_key", True),
            Field("site_id", "integrations.wix_site_id")),
}
# What goes to the secrets file (everything else the client needs is a non-secret setting).
SECRET_FILE_FIELDS = {"godomall": ("partner_key", "user_key"), "naver": ("client_id", "client_secret"),
                      "wix": ("api_key",)}


def default_base_url(platform: str) -> str:
    """Where the platform's API lives unless the operator names another address (a test server, a proxy)."""
    return str(importlib.import_module(_PLATFORM_MODULES[platform]).DEFAULT_BASE_URL)


def validate_credentials(platform: str, values: Mapping[str, str | None],
                         saved: Mapping[str, Any] | None = None) -> dict[str, str]:
    """The form's credentials, trimmed and checked; an empty secret keeps the one already saved."""
    if platform not in FORM_FIELDS:
        raise InvalidInput("shops.unknown_platform", platform=platform, detail=f"no form for '{platform}'")
    saved = saved or {}
    clean = {f.name: (values.get(f.name) or "").strip() for f in FORM_FIELDS[platform]}
    for f in FORM_FIELDS[platform]:
        if f.secret and not clean[f.name] and saved.get(f.name):
            clean[f.name] = str(saved[f.name])
    if platform == "godomall":
        for name in ("partner_key", "user_key"):
            if not _NO_SPACE.fullmatch(clean[name]):
                raise InvalidInput(f"shops.invalid_{name}", detail=f"the Godomall {name} is empty or has blanks")
    elif platform == "naver":
        if not _NO_SPACE.fullmatch(clean["client_id"]):
            raise InvalidInput("shops.invalid_naver_client_id", detail="the Naver client id is empty or has blanks")
        if not _NAVER_SECRET.fullmatch(clean["client_secret"]):
            raise InvalidInput("shops.invalid_naver_secret", detail="a Naver client secret is a bcrypt salt")
    elif platform == "wix":
        if not re.fullmatch(r"\S{20,}", clean["api_key"]):
            raise InvalidInput("shops.invalid_wix_api_key", detail="a Wix API key is 20 or more non-blanks")
        clean["site_id"] = parse_site_id(clean["site_id"] or str(saved.get("site_id") or ""))
    return clean


def suggest_shop_id(store: Store, platform: str) -> str:
    taken = {s.shop_id for s in list_shops(store)}
    candidate, n = platform, 1
    while candidate in taken:
        n += 1
        candidate = f"{platform}-{n}"
    return candidate


def existing_shop(store: Store, shop_id: str) -> Shop | None:
    try:
        return get_shop(store, shop_id)
    except KeyError:
        return None


def _merged_settings(platform: str, existing: Mapping[str, Any], clean: Mapping[str, str],
                     base_url: str | None, extra: Mapping[str, Any] | None) -> dict[str, Any]:
    settings = {**existing, **(extra or {})}
    if base_url:
        settings["base_url"] = base_url
    else:
        settings.pop("base_url", None)
    if platform == "wix":
        settings["site_id"] = clean["site_id"]
    return settings


# ---- testing a connection ------------------------------------------------------------------------

@dataclasses.dataclass(frozen=True)
class ConnectionCheck:
    """The outcome of a "test connection": what the platform said when it worked, the error when it did not.

    Neither carries a secret: every value typed or saved is scrubbed from the error's detail.
    """

    ok: bool
    platform: str
    said: ConnectionOk | None = None
    error: ErrorRecord | None = None


class ConnectionFailed(CoreError):
    """The platform refused or could not be reached with the credentials given; nothing was saved."""

    def __init__(self, check: ConnectionCheck) -> None:
        error = check.error or ErrorRecord(Kind.INTERNAL, "internal")
        super().__init__(error.key, detail=error.detail, kind=error.kind, **error.params)
        self.check = check


def tester_for(platform: str) -> Callable[[Shop], ConnectionOk]:
    """The platform module's `test_connection(shop)`: a cheap authenticated call that raises a keyed error."""
    if platform not in _PLATFORM_MODULES:
        raise LookupError(platform)
    test = getattr(importlib.import_module(_PLATFORM_MODULES[platform]), "test_connection", None)
    if test is None:
        raise LookupError(platform)
    return cast(Callable[[Shop], ConnectionOk], test)  # the modules are imported by name


def _scrub(text: str, hide: Iterable[str]) -> str:
    # Longest first, so a secret that contains another is hidden whole.
    for value in sorted({v for v in hide if v and len(v) >= 4}, key=len, reverse=True):
        text = text.replace(value, "•••")
    return text


def _scrubbed(record: ErrorRecord, hide: Iterable[str], replace: tuple[str, str] | None) -> ErrorRecord:
    hide = tuple(hide)

    def clean(value: Any) -> Any:
        if not isinstance(value, str):
            return value
        value = _scrub(value, hide)
        return value.replace(*replace) if replace else value

    return ErrorRecord(record.kind, record.key, {k: clean(v) for k, v in record.params.items()},
                       clean(record.detail))


def _run_check(shop: Shop, hide: Iterable[str], shown_id: str | None = None) -> ConnectionCheck:
    hide = tuple(hide)
    shown = shown_id or shop.shop_id
    try:
        test = tester_for(shop.platform)
    except LookupError:
        return ConnectionCheck(False, shop.platform, error=ErrorRecord(
            Kind.NOT_FOUND, "shops.no_test", {"platform": shop.platform}, f"no connection test for {shop.platform}"))
    try:
        said = test(shop)
    except Exception as exc:  # every failure becomes a record for the operator; none may carry a secret
        record = ErrorRecord.of(exc)
        if not isinstance(exc, CoreError):
            record.detail = f"{type(exc).__name__}: {exc}"
        record = _scrubbed(record, hide, (shop.shop_id, shown_id) if shown_id else None)
        event(log, "connection_test", shop_id=shown, platform=shop.platform, ok=False, kind=str(record.kind),
              key=record.key)
        return ConnectionCheck(False, shop.platform, error=record)
    event(log, "connection_test", shop_id=shown, platform=shop.platform, ok=True)
    params = {k: _scrub(v, hide) if isinstance(v, str) else v for k, v in said.params.items()}
    return ConnectionCheck(True, shop.platform, said=ConnectionOk(said.key, params))


def _check_staged(platform: str, shop_id: str, clean: Mapping[str, str], settings: Mapping[str, Any],
                  timezone: str) -> ConnectionCheck:
    """Try credentials not saved yet: the platform clients read secrets by shop id, so they are staged
    under a throwaway id in the secrets file (owner-only) for the one call, and removed right after."""
    staged = f"{shop_id}.check-{pysecrets.token_hex(4)}"
    secrets.put(staged, **{k: clean[k] for k in SECRET_FILE_FIELDS[platform]})
    try:
        shop = Shop(staged, platform, shop_id, timezone, dict(settings), DEFAULT_INTERVAL_MINUTES, True)
        return _run_check(shop, clean.values(), shown_id=shop_id)
    finally:
        secrets.forget(staged)


def check_credentials(store: Store, platform: str, shop_id: str, values: Mapping[str, str | None], *,
                      base_url: str | None = "", settings: Mapping[str, Any] | None = None,
                      timezone: str = clock.DEFAULT_TZ) -> ConnectionCheck:
    """The form's "test connection": validate, then try the credentials typed (nothing is saved)."""
    shop_id = validate_shop_id(shop_id) if (shop_id or "").strip() else platform
    base_url = validate_url(base_url or "") if (base_url or "").strip() else None
    existing = existing_shop(store, shop_id)
    same = existing is not None and existing.platform == platform
    saved: dict[str, Any] = dict(secrets.get(shop_id)) if same else {}
    current: Mapping[str, Any] = existing.settings if existing is not None and same else {}
    if current.get("site_id"):
        saved["site_id"] = current["site_id"]
    clean = validate_credentials(platform, values, saved)
    merged = _merged_settings(platform, current, clean, base_url, settings)
    return _check_staged(platform, shop_id, clean, merged, timezone)


def check_connection(store: Store, shop_id: str) -> ConnectionCheck:
    """A card's "test connection": the saved credentials of a connected shop."""
    shop = get_shop(store, shop_id)
    return _run_check(shop, (str(v) for v in secrets.get(shop_id).values() if v))


# ---- saving a connection -------------------------------------------------------------------------

def connect_platform(store: Store, platform: str, shop_id: str, name: str, values: Mapping[str, str | None], *,
                     base_url: str | None = "", settings: Mapping[str, Any] | None = None,
                     timezone: str = clock.DEFAULT_TZ) -> tuple[Shop, ConnectionCheck]:
    """Connect (or reconnect) a Godomall, Naver or Wix shop: validate, test, then save.

    Nothing is saved unless the platform accepted the credentials (ConnectionFailed otherwise).
    """
    if platform not in FORM_FIELDS:
        raise InvalidInput("shops.unknown_platform", platform=platform, detail=f"no form for '{platform}'")
    shop_id = validate_shop_id(shop_id) if (shop_id or "").strip() else suggest_shop_id(store, platform)
    name = (name or "").strip() or PLATFORM_NAMES[platform]
    base_url = validate_url(base_url or "") if (base_url or "").strip() else None
    existing = existing_shop(store, shop_id)
    if existing and existing.platform != platform:
        raise InvalidInput("shops.shop_id_taken", shop_id=shop_id,
                           platform=PLATFORM_NAMES.get(existing.platform, existing.platform),
                           detail=f"shop id '{shop_id}' is a {existing.platform} shop")
    saved = dict(secrets.get(shop_id)) if existing else {}
    if existing and existing.settings.get("site_id"):
        saved["site_id"] = existing.settings["site_id"]
    clean = validate_credentials(platform, values, saved)
    merged = _merged_settings(platform, existing.settings if existing else {}, clean, base_url, settings)
    check = _check_staged(platform, shop_id, clean, merged, timezone)
    if not check.ok:
        raise ConnectionFailed(check)
    interval = existing.sync_interval_minutes if existing else DEFAULT_INTERVAL_MINUTES
    if platform == "godomall":
        from core.sync import godomall_book
        try:
            shop = godomall_book.connect(store, shop_id, name, partner_key=clean["partner_key"],
                                         user_key=clean["user_key"], settings=merged, timezone=timezone,
                                         sync_interval_minutes=interval)
        except godomall_book.ImportRefused as exc:  # one address book per Godomall account
            raise InvalidInput(exc.key, detail=exc.detail, **exc.params) from None
    else:
        # The secrets are written before the shop, so a shop never exists whose secrets were lost.
        secrets.put(shop_id, **{k: clean[k] for k in SECRET_FILE_FIELDS[platform]})
        shop = save_shop(store, shop_id, platform, name, settings=merged, timezone=timezone,
                         sync_interval_minutes=interval)
    event(log, "shop_connected", shop_id=shop_id, platform=platform)
    return shop, check
