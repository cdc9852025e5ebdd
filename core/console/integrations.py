"""The Integrations page's logic: connecting shops, testing them, their cards, syncing now, explaining errors.

Every platform is connected the same way: the form's values are validated here (each problem named
in words), the credentials are tried with the platform module's own `test_connection(shop)` (through
`check_credentials`, before anything is saved), and only then are the secrets written to the secrets
file (core.secrets, never DuckDB) and the shop saved. Godomall goes through core.godomall_imports
`connect` (one address book per account). What a card shows is read here too, so pages hold no SQL.

Cafe24's authorization-code flow (developers.cafe24.com, "OAuth 2.0 인증 가이드"):
the operator opens `https://{mall_id}.cafe24api.com/api/v2/oauth/authorize?response_type=code
&client_id=…&state=…&redirect_uri=…&scope=…` in a browser, approves the app, and is sent
back to the app's registered redirect URI with `?code=…&state=…`; the code is valid for one
minute and `state` is required (it guards against forged callbacks). The console builds the
redirect URI from `PUBLIC_BASE_URL`; the operator pastes the returned address (or just the
code) and the console exchanges it for tokens, which go to the secrets file only.
"""
from __future__ import annotations

import dataclasses
import datetime as dt
import importlib
import logging
import os
import re
import secrets as pysecrets
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

from core import clock
from core.i18n import DICTIONARIES, t
from core.integrations.base import ENTITIES, SyncError
from core.log import event
from core.scheduler.loop import reschedule
from core.shops import registry, secrets
from core.shops.registry import Shop, get_shop, list_shops, save_shop
from core.store import Store
from core.sync.engine import SyncResult

log = logging.getLogger("core.console.integrations")

SANDBOX_URL_DEFAULT = "http://127.0.0.1:8624"
SANDBOX_SHOP_ID = "sandbox"
CAFE24_CALLBACK_PATH = "/oauth/cafe24/callback"
DEFAULT_CONSOLE_PORT = 8501

_SHOP_ID = re.compile(r"[a-z0-9][a-z0-9_-]{0,39}")
# A Cafe24 mall id is the first label of {mall_id}.cafe24api.com, so it must be a DNS label.
_MALL_ID = re.compile(r"[a-z0-9](?:[a-z0-9-]{0,30}[a-z0-9])?")


class InvalidInput(ValueError):
    """A form value the console cannot use; `problem` is an i18n key naming what is wrong."""

    def __init__(self, problem: str, **fmt: Any) -> None:
        self.problem, self.fmt = problem, fmt
        super().__init__(t(problem, **fmt))

    def message(self, lang: str | None = None) -> str:
        return t(self.problem, lang, **self.fmt)


# ---- validation -------------------------------------------------------------------------------

def validate_url(url: str) -> str:
    """An http(s) URL with a host, without a trailing slash."""
    url = (url or "").strip()
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise InvalidInput("problem.url")
    return url.rstrip("/")


def validate_shop_id(shop_id: str) -> str:
    shop_id = (shop_id or "").strip()
    if not _SHOP_ID.fullmatch(shop_id):
        raise InvalidInput("problem.shop_id")
    return shop_id


def validate_name(name: str) -> str:
    name = (name or "").strip()
    if not name:
        raise InvalidInput("problem.name")
    return name


def validate_mall_id(mall_id: str) -> str:
    mall_id = (mall_id or "").strip().lower()
    if not _MALL_ID.fullmatch(mall_id):
        raise InvalidInput("problem.mall_id")
    return mall_id


# ---- where Cafe24 sends the operator back ----------------------------------------------------

def public_base_url(env: dict[str, str] | None = None) -> str:
    """The operator's `PUBLIC_BASE_URL`, else the console on loopback (fine for trying the flow by hand)."""
    env = os.environ if env is None else env
    value = (env.get("PUBLIC_BASE_URL") or "").strip()
    if not value:
        port = env.get("CONSOLE_PORT") or DEFAULT_CONSOLE_PORT
        return f"http://127.0.0.1:{port}"
    try:
        return validate_url(value)
    except InvalidInput:
        raise InvalidInput("problem.public_base_url") from None


def redirect_uri(env: dict[str, str] | None = None) -> str:
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
        raise InvalidInput("problem.code")
    if "code=" in pasted or pasted.startswith(("http://", "https://")):
        query = parse_qs(urlsplit(pasted).query if "?" in pasted else pasted.lstrip("?#"))
        code = (query.get("code") or [""])[0].strip()
        if not code:
            raise InvalidInput("problem.code")
        state = (query.get("state") or [None])[0]
        if expected_state and state is not None and state != expected_state:
            raise InvalidInput("problem.state")
        return code
    if not re.fullmatch(r"[A-Za-z0-9._~+/=-]{4,512}", pasted):
        raise InvalidInput("problem.code")
    return pasted


# ---- connecting shops --------------------------------------------------------------------------

def connect_sandbox(store: Store, url: str, shop_id: str = SANDBOX_SHOP_ID, name: str | None = None) -> Shop:
    """Connect (and authorize) the sandbox shop served at `url`."""
    url, shop_id = validate_url(url), validate_shop_id(shop_id)
    name = validate_name(name or t("integrations.sandbox_name_default"))
    from core.sandbox.setup import connect_sandbox as connect  # the sandbox owns how it is authorized
    return connect(store, url, shop_id=shop_id, name=name)


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
        raise InvalidInput("problem.client_id")
    client_secret = (client_secret or "").strip()
    if not client_secret and not has_client_secret(shop_id):
        raise InvalidInput("problem.client_secret")
    # The secret is written before the shop, so a shop never exists whose secret was lost.
    values: dict[str, Any] = {"client_id": client_id}
    if client_secret:
        values["client_secret"] = client_secret
    secrets.put(shop_id, **values)
    settings = dict(_existing_settings(store, shop_id))
    settings.update({"mall_id": mall_id, "client_id": client_id})
    return save_shop(store, shop_id, "cafe24", name, settings=settings)


def _existing_settings(store: Store, shop_id: str) -> dict[str, Any]:
    try:
        return get_shop(store, shop_id).settings
    except KeyError:
        return {}


def has_client_secret(shop_id: str) -> bool:
    return bool(secrets.get(shop_id).get("client_secret"))


def _settings(shop: Shop | dict[str, Any]) -> dict[str, Any]:
    return shop.settings if isinstance(shop, Shop) else shop.get("settings") or {}


def is_sandbox(shop: Shop | dict[str, Any]) -> bool:
    """The Cafe24 client talks to a shop's own `base_url` only for the sandbox (core.integrations.cafe24)."""
    platform = shop.platform if isinstance(shop, Shop) else shop.get("platform")
    settings = _settings(shop)
    return platform == "cafe24" and bool(settings.get("sandbox") or settings.get("base_url"))


def authorize_link(shop: Shop | dict[str, Any], state: str, env: dict[str, str] | None = None) -> str:
    """The Cafe24 approval page for this mall, sending the operator back to our redirect URI."""
    settings = _settings(shop)
    shop_id = shop.shop_id if isinstance(shop, Shop) else shop["shop_id"]
    client_id = settings.get("client_id") or secrets.get(shop_id).get("client_id")
    from core.integrations.cafe24 import authorize_url
    return authorize_url(settings["mall_id"], client_id, redirect_uri(env), state,
                         base_url=settings.get("base_url"))


def finish_authorization(shop_id: str, pasted: str, expected_state: str | None,
                         env: dict[str, str] | None = None) -> None:
    """Exchange the pasted code for tokens (stored by the Cafe24 client in the secrets file)."""
    code = parse_code(pasted, expected_state)
    from core.integrations.cafe24 import exchange_code
    exchange_code(shop_id, code, redirect_uri(env))


# ---- syncing now ------------------------------------------------------------------------------

@dataclasses.dataclass
class SyncProgress:
    """Turns run_sync's (entity, records, pages) callbacks into a fraction for a progress bar.

    The total of a sync is not known in advance, so each entity gets an equal share, filled
    asymptotically by its pages: the bar always moves and never claims to be done early.
    """

    entities: tuple[str, ...] = ENTITIES
    entity: str | None = None
    records: int = 0
    pages: int = 0
    _entity_first_page: int = 0

    def update(self, entity: str, records: int, pages: int) -> float:
        if entity != self.entity:
            self.entity, self._entity_first_page = entity, self.pages
        self.records, self.pages = records, pages
        return self.fraction()

    def fraction(self) -> float:
        if self.entity is None:
            return 0.0
        index = self.entities.index(self.entity) if self.entity in self.entities else len(self.entities) - 1
        share = 1.0 / len(self.entities)
        in_entity = self.pages - self._entity_first_page
        return min(0.99, index * share + share * in_entity / (in_entity + 4))


# A run still 'running' after this long belongs to a process that died (the next sync closes it).
RUNNING_AT_MOST = dt.timedelta(hours=1)


def running_sync(store: Store, shop_id: str) -> dict[str, Any] | None:
    """The shop's sync in progress elsewhere (the scheduler, another tab), if any."""
    with store.unit() as con:
        row = con.execute("""SELECT started_by, started_at FROM sync_runs WHERE shop_id = ? AND status = 'running'
                             ORDER BY started_at DESC LIMIT 1""", [shop_id]).fetchone()
    if row is None or clock.now() - row[1] > RUNNING_AT_MOST:
        return None
    return {"started_by": row[0], "started_at": row[1]}


def sync_now(store: Store, shop_id: str, progress: Callable[[str, int, int], None] | None = None) -> SyncResult:
    """Run one sync of a shop from the console; a shop that cannot be synced at all comes back failed.

    A sync already running for the shop is left alone (starting another would mark it interrupted):
    the result is a refusal that names who runs it since when.
    """
    from core.sync.jobs import run_sync
    busy = running_sync(store, shop_id)
    if busy:
        return SyncResult(run_id="", shop_id=shop_id, status="failed",
                          error=f"a sync of this shop is already running (started by {busy['started_by']} at "
                                f"{busy['started_at'].isoformat(timespec='seconds')})")
    try:
        return run_sync(store, shop_id, started_by="console", progress=progress)
    except (KeyError, ValueError, ImportError, SyncError) as exc:
        # no such shop, no client for its platform, or a client that cannot start (no key saved)
        message = exc.args[0] if isinstance(exc, KeyError) and exc.args else str(exc)
        return SyncResult(run_id="", shop_id=shop_id, status="failed", error=message)


# ---- errors in plain words ---------------------------------------------------------------------

# Checked in order; the first whose words appear in the error message explains it.
# The sync engine records only the message of a failure, so the wording of the
# platform clients (core/integrations) is what is matched here.
_ERROR_KINDS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("integrations.error_running", ("already running",)),
    ("error.interrupted", ("interrupted",)),
    ("error.busy", ("is busy",)),
    ("error.no_client", ("no client for platform",)),
    ("error.rate_limit", ("429", "rate limit", "call limit", "too many requests")),
    ("error.auth", ("refused", "unauthorized", "401", "403", "invalid_client", "invalid_grant", "credential",
                    "secret", "access token", "refresh token", "not authorized", "authoriz")),
    ("error.bad_response", ("not json", "not xml", "not valid json", "has no '", "missing", "unknown status",
                            "could not be stored", "cannot read", "not a number", "not a date",
                            "does not have", "unexpected keyerror", "unexpected typeerror", "unexpected valueerror")),
    ("error.network", ("connect", "timed out", "timeout", "unreachable", "name or service", "network",
                       "did not answer", "could not reach", "5xx", "503", "502", "500")),
)


def error_kind(error: str | None) -> str:
    text = (error or "").lower()
    for kind, words in _ERROR_KINDS:
        if any(word in text for word in words):
            return kind
    return "error.other"


def explain_error(error: str | None, entity: str | None = None, lang: str | None = None,
                  platform: str | None = None) -> str:
    """A sync failure in plain words: what happened, where it stopped, and what to do.

    Refused credentials are explained in the platform's own terms (keys, secret, API key) when known.
    """
    kind = error_kind(error)
    words = t(kind, lang)
    if kind == "error.auth" and platform and f"integrations.auth_{platform}" in DICTIONARIES["ko"]:
        words = t(f"integrations.auth_{platform}", lang)
    if entity:
        words += " " + t("error.where", lang, entity=t(f"entity.{entity}", lang))
    return words


# ---- every platform's credentials ------------------------------------------------------------------

PLATFORM_NAMES = {"cafe24": "Cafe24", "godomall": "Godomall", "naver": "Naver Smartstore", "wix": "Wix",
                  "csv": "CSV"}
_PLATFORM_MODULES = {"cafe24": "core.integrations.cafe24", "godomall": "core.integrations.godomall",
                     "naver": "core.integrations.naver", "wix": "core.integrations.wix"}


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
_SECRET_FILE_FIELDS = {"godomall": ("partner_key", "user_key"), "naver": ("client_id", "client_secret"),
                       "wix": ("api_key",)}
# Shown on a card, in this order: (secrets-file name, word key, masked?).
_CARD_CREDENTIALS = {
    "cafe24": (("client_id", "integrations.client_id", False), ("client_secret", "integrations.client_secret", True)),
    "godomall": (("partner_key", "integrations.partner_key", True), ("user_key", "integrations.user_key", True)),
    "naver": (("client_id", "integrations.naver_client_id", False),
              ("client_secret", "integrations.naver_client_secret", True)),
    "wix": (("api_key", "integrations.wix_api_key", True),),
}

_NO_SPACE = re.compile(r"\S+")
# Naver issues application secrets that are bcrypt salts (core/integrations/naver.py `sign`).
_NAVER_SECRET = re.compile(r"\$2[aby]\$\d{2}\$[./A-Za-z0-9]{22}")
# A Wix site id is a GUID; the dashboard's address carries it after /dashboard/ (Wix "Generate an API Key").
_GUID = re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}")


class ConnectionFailed(RuntimeError):
    """The platform refused or could not be reached with the credentials given; nothing was saved."""

    def __init__(self, check: ConnectionCheck) -> None:
        self.check = check
        super().__init__(check.detail)


@dataclasses.dataclass(frozen=True)
class ConnectionCheck:
    """The outcome of a "test connection": ok, and the platform's own words (scrubbed of every secret)."""

    ok: bool
    platform: str
    detail: str


def default_base_url(platform: str) -> str:
    """Where the platform's API lives unless the operator names another address (a test server, a proxy)."""
    return importlib.import_module(_PLATFORM_MODULES[platform]).DEFAULT_BASE_URL


def parse_site_id(text: str) -> str:
    """A Wix site id, typed or pasted inside the dashboard's address."""
    found = _GUID.search(text or "")
    if not found:
        raise InvalidInput("integrations.problem_wix_site_id")
    return found.group(0).lower()


def validate_credentials(platform: str, values: Mapping[str, str | None],
                         saved: Mapping[str, Any] | None = None) -> dict[str, str]:
    """The form's credentials, trimmed and checked; an empty secret keeps the one already saved."""
    if platform not in FORM_FIELDS:
        raise InvalidInput("integrations.problem_platform", platform=platform)
    saved = saved or {}
    clean = {f.name: (values.get(f.name) or "").strip() for f in FORM_FIELDS[platform]}
    for f in FORM_FIELDS[platform]:
        if f.secret and not clean[f.name] and saved.get(f.name):
            clean[f.name] = str(saved[f.name])
    if platform == "godomall":
        for name in ("partner_key", "user_key"):
            if not _NO_SPACE.fullmatch(clean[name]):
                raise InvalidInput(f"integrations.problem_{name}")
    elif platform == "naver":
        if not _NO_SPACE.fullmatch(clean["client_id"]):
            raise InvalidInput("integrations.problem_naver_client_id")
        if not _NAVER_SECRET.fullmatch(clean["client_secret"]):
            raise InvalidInput("integrations.problem_naver_secret")
    elif platform == "wix":
        if not re.fullmatch(r"\S{20,}", clean["api_key"]):
            raise InvalidInput("integrations.problem_wix_api_key")
        clean["site_id"] = parse_site_id(clean["site_id"] or str(saved.get("site_id") or ""))
    return clean


def suggest_shop_id(store: Store, platform: str) -> str:
    taken = {s.shop_id for s in list_shops(store)}
    candidate, n = platform, 1
    while candidate in taken:
        n += 1
        candidate = f"{platform}-{n}"
    return candidate


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


def _scrub(text: str, hide: Iterable[str]) -> str:
    # Longest first, so a secret that contains another is hidden whole.
    for value in sorted({v for v in hide if v and len(v) >= 4}, key=len, reverse=True):
        text = text.replace(value, "•••")
    return text


def tester_for(platform: str) -> Callable[[Shop], str]:
    """The platform module's `test_connection(shop)`: a cheap authenticated call that raises in plain words."""
    if platform not in _PLATFORM_MODULES:
        raise LookupError(platform)
    test = getattr(importlib.import_module(_PLATFORM_MODULES[platform]), "test_connection", None)
    if test is None and platform == "cafe24":
        return _cafe24_check
    if test is None:
        raise LookupError(platform)
    return test


def _cafe24_check(shop: Shop) -> str:
    """Until the Cafe24 module has its own test: the mall's store record, the cheapest authorized call."""
    from core.integrations.cafe24 import Cafe24Client
    client = Cafe24Client(shop)
    try:
        body, _ = client._get("/api/v2/admin/store", {})
    finally:
        client.close()
    store = body.get("store") if isinstance(body, dict) else None
    return f"Cafe24 answered for {store.get('shop_name') or store.get('mall_id')}" if isinstance(store, dict) \
        else "Cafe24 answered"


def _run_check(shop: Shop, hide: Iterable[str], shown_id: str | None = None) -> ConnectionCheck:
    hide = tuple(hide)
    try:
        test = tester_for(shop.platform)
    except LookupError:
        return ConnectionCheck(False, shop.platform, t("integrations.no_test"))
    try:
        said = test(shop)
    except Exception as exc:  # every failure becomes words for the operator; none may carry a secret
        detail = str(exc) if isinstance(exc, SyncError) else f"{type(exc).__name__}: {exc}"
        detail = _scrub(detail, hide)
        if shown_id:
            detail = detail.replace(shop.shop_id, shown_id)
        event(log, "connection_test", shop_id=shown_id or shop.shop_id, platform=shop.platform, ok=False,
              kind=error_kind(detail))
        return ConnectionCheck(False, shop.platform, detail)
    event(log, "connection_test", shop_id=shown_id or shop.shop_id, platform=shop.platform, ok=True)
    return ConnectionCheck(True, shop.platform, _scrub(str(said or ""), hide))


def _check_staged(platform: str, shop_id: str, clean: Mapping[str, str], settings: Mapping[str, Any],
                  timezone: str) -> ConnectionCheck:
    """Try credentials not saved yet: the platform clients read secrets by shop id, so they are staged
    under a throwaway id in the secrets file (owner-only) for the one call, and removed right after."""
    staged = f"{shop_id}.check-{pysecrets.token_hex(4)}"
    secrets.put(staged, **{k: clean[k] for k in _SECRET_FILE_FIELDS[platform]})
    try:
        shop = Shop(staged, platform, shop_id, timezone, dict(settings), 15, True)
        return _run_check(shop, clean.values(), shown_id=shop_id)
    finally:
        secrets.forget(staged)


def check_credentials(store: Store, platform: str, shop_id: str, values: Mapping[str, str | None], *,
                      base_url: str | None = "", settings: Mapping[str, Any] | None = None,
                      timezone: str = clock.DEFAULT_TZ) -> ConnectionCheck:
    """The form's "test connection": validate, then try the credentials typed (nothing is saved)."""
    shop_id = validate_shop_id(shop_id) if (shop_id or "").strip() else platform
    base_url = validate_url(base_url) if (base_url or "").strip() else None
    existing = _existing_shop(store, shop_id)
    saved = secrets.get(shop_id) if existing and existing.platform == platform else {}
    if existing and existing.platform == platform and existing.settings.get("site_id"):
        saved = {**saved, "site_id": existing.settings["site_id"]}
    clean = validate_credentials(platform, values, saved)
    current = existing.settings if existing and existing.platform == platform else {}
    merged = _merged_settings(platform, current, clean, base_url, settings)
    return _check_staged(platform, shop_id, clean, merged, timezone)


def check_connection(store: Store, shop_id: str) -> ConnectionCheck:
    """A card's "test connection": the saved credentials of a connected shop."""
    shop = get_shop(store, shop_id)
    return _run_check(shop, (str(v) for v in secrets.get(shop_id).values() if v))


def _existing_shop(store: Store, shop_id: str) -> Shop | None:
    try:
        return get_shop(store, shop_id)
    except KeyError:
        return None


def connect_platform(store: Store, platform: str, shop_id: str, name: str, values: Mapping[str, str | None], *,
                     base_url: str | None = "", settings: Mapping[str, Any] | None = None,
                     timezone: str = clock.DEFAULT_TZ) -> tuple[Shop, ConnectionCheck]:
    """Connect (or reconnect) a Godomall, Naver or Wix shop: validate, test, then save.

    Nothing is saved unless the platform accepted the credentials (ConnectionFailed otherwise).
    """
    if platform not in FORM_FIELDS:
        raise InvalidInput("integrations.problem_platform", platform=platform)
    shop_id = validate_shop_id(shop_id) if (shop_id or "").strip() else suggest_shop_id(store, platform)
    name = (name or "").strip() or PLATFORM_NAMES[platform]
    base_url = validate_url(base_url) if (base_url or "").strip() else None
    existing = _existing_shop(store, shop_id)
    if existing and existing.platform != platform:
        raise InvalidInput("integrations.problem_shop_taken", shop_id=shop_id,
                           platform=PLATFORM_NAMES.get(existing.platform, existing.platform))
    saved = dict(secrets.get(shop_id)) if existing else {}
    if existing and existing.settings.get("site_id"):
        saved["site_id"] = existing.settings["site_id"]
    clean = validate_credentials(platform, values, saved)
    merged = _merged_settings(platform, existing.settings if existing else {}, clean, base_url, settings)
    check = _check_staged(platform, shop_id, clean, merged, timezone)
    if not check.ok:
        raise ConnectionFailed(check)
    interval = existing.sync_interval_minutes if existing else 15
    if platform == "godomall":
        from core.sync import godomall_book as godomall_imports
        try:
            shop = godomall_imports.connect(store, shop_id, name, partner_key=clean["partner_key"],
                                            user_key=clean["user_key"], settings=merged, timezone=timezone)
        except godomall_imports.ImportRefused as exc:  # one address book per Godomall account
            raise InvalidInput(exc.key, **exc.fmt) from None
        if interval != shop.sync_interval_minutes:
            set_sync_interval(store, shop_id, interval)
            shop = get_shop(store, shop_id)
    else:
        # The secrets are written before the shop, so a shop never exists whose secrets were lost.
        secrets.put(shop_id, **{k: clean[k] for k in _SECRET_FILE_FIELDS[platform]})
        shop = save_shop(store, shop_id, platform, name, settings=merged, timezone=timezone,
                         sync_interval_minutes=interval)
    event(log, "shop_connected", shop_id=shop_id, platform=platform)
    return shop, check


# ---- what a shop's card shows -------------------------------------------------------------------------

SYNC_INTERVALS = (5, 10, 15, 30, 60, 120, 180, 360, 720, 1440)
MIN_INTERVAL, MAX_INTERVAL = 5, 1440


def is_authorized(shop_id: str) -> bool:
    """A Cafe24 shop can sync once its app was approved (a refresh token is saved)."""
    return bool(secrets.get(shop_id).get("refresh_token"))


def credentials_shown(shop: Mapping[str, Any]) -> list[tuple[str, str]]:
    """(word key, what the page may show) per credential: identifiers as they are, secrets masked."""
    values = secrets.get(shop["shop_id"])
    shown = []
    for name, label, masked in _CARD_CREDENTIALS.get(shop["platform"], ()):
        value = values.get(name) or (shop.get("settings") or {}).get(name)
        if not value:
            shown.append((label, t("integrations.cred_missing")))
        else:
            shown.append((label, secrets.mask(str(value)) if masked else str(value)))
    if shop["platform"] == "wix" and (shop.get("settings") or {}).get("site_id"):
        shown.append(("integrations.wix_site_id", shop["settings"]["site_id"]))
    if shop["platform"] == "cafe24":
        shown.append(("integrations.credentials", t("integrations.cred_authorized" if is_authorized(shop["shop_id"])
                                                      else "integrations.cred_not_authorized")))
    return shown


def shop_state(shop: Mapping[str, Any]) -> str:
    """One word for a card's status badge: csv, paused, needs_authorization, syncing, failing, never or ok."""
    if shop["platform"] == "csv":
        return "csv"
    if not shop.get("enabled", True):
        return "paused"
    if shop["platform"] == "cafe24" and not is_authorized(shop["shop_id"]):
        return "needs_authorization"
    run = shop.get("last_run")
    if not run:
        return "never"
    return {"running": "syncing", "failed": "failing"}.get(run["status"], "ok")


def sync_schedule(store: Store | str | Path | None = None) -> dict[str, dict[str, Any]]:
    """Per shop: its scheduler sync job (next due, last status and error), as the scheduler recorded it."""
    store = store if isinstance(store, Store) else Store(store, role="console")
    with store.unit() as con:
        rows = con.execute("""SELECT job, next_due_at, last_started_at, last_finished_at, last_status, last_error
                              FROM scheduler_jobs WHERE starts_with(job, 'sync:')""").fetchall()
    return {job.removeprefix("sync:"): {"next_due_at": due, "last_started_at": started,
                                        "last_finished_at": finished, "last_status": status, "last_error": error}
            for job, due, started, finished, status, error in rows}


def next_sync(shop: Mapping[str, Any], job: Mapping[str, Any] | None,
              now: dt.datetime) -> tuple[str, dt.datetime | None]:
    """When the scheduler syncs the shop next: ('manual'|'paused'|'due', None) or ('at', instant)."""
    if shop["platform"] == "csv":
        return "manual", None
    if not shop.get("enabled", True):
        return "paused", None
    if not job or job["next_due_at"] is None or job["next_due_at"] <= now:
        return "due", None  # never run yet, or overdue: the scheduler's next tick takes it
    return "at", job["next_due_at"]


def interval_words(minutes: int, lang: str | None = None) -> str:
    if minutes % 60 == 0:
        return t("integrations.interval_hours", lang, n=minutes // 60)
    return t("integrations.interval_minutes", lang, n=minutes)


def set_sync_interval(store: Store, shop_id: str, minutes: int) -> None:
    """Change how often the scheduler syncs a shop; a job already planned moves to the new interval."""
    try:
        minutes = int(minutes)
    except (TypeError, ValueError):
        raise InvalidInput("integrations.problem_interval", low=MIN_INTERVAL, high=MAX_INTERVAL) from None
    if not MIN_INTERVAL <= minutes <= MAX_INTERVAL:
        raise InvalidInput("integrations.problem_interval", low=MIN_INTERVAL, high=MAX_INTERVAL)
    job = f"sync:{shop_id}"
    with store.unit() as con:
        registry.set_sync_interval(con, shop_id, minutes)
        reschedule(con, job, dt.timedelta(minutes=minutes))
    event(log, "sync_interval_set", shop_id=shop_id, minutes=minutes)


# ---- Godomall's address book on its card ------------------------------------------------------------

def godomall_address_book(store: Store, shop_id: str) -> dict[str, Any]:
    """Imports left today (None without keys), the daily limit, the last update, and the re-import
    suggestion when the address book is old or was never imported (None when it is fresh)."""
    from core.sync import godomall_book as gi
    try:
        left: int | None = gi.imports_left(store, shop_id)
    except gi.MissingKeys:
        left = None
    return {"left": left, "limit": gi.DAILY_LIMIT, "last_updated": gi.last_updated(store, shop_id),
            "suggestion": gi.stale_warning(store, shop_id)}


def godomall_warning(store: Store, shop_id: str) -> str:
    """What an import will replace, shown before the operator confirms it."""
    from core.sync import godomall_book as gi
    return gi.import_warning(store, shop_id)


@dataclasses.dataclass
class ImportOutcome:
    status: str  # succeeded | failed | refused
    records: int = 0
    removed: int = 0
    error: str | None = None     # the platform's words, when it failed
    refusal: str | None = None   # the rule's words, when it was refused (quota, one already running)


def import_godomall(store: Store, shop_id: str, progress: Callable[[int], None] | None = None) -> ImportOutcome:
    """Run one "import from Godomall" now; the 21st of the day (or a second at once) comes back refused."""
    from core.sync import godomall_book as gi
    try:
        result = gi.start_import(store, shop_id, progress=progress)
    except gi.ImportRefused as exc:
        return ImportOutcome("refused", refusal=exc.message())
    return ImportOutcome(result.status, result.records, result.removed, result.error)
