"""The Integrations page's logic: connecting shops, authorizing Cafe24, syncing now, explaining errors.

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
import os
import re
import secrets as pysecrets
from typing import Any, Callable
from urllib.parse import parse_qs, urlsplit

from core import secrets
from core.i18n import t
from core.integrations.base import ENTITIES
from core.shops import Shop, get_shop, save_shop
from core.store import Store
from core.sync import SyncResult

SANDBOX_URL_DEFAULT = "http://127.0.0.1:8624"
SANDBOX_SHOP_ID = "sandbox"
CAFE24_CALLBACK_PATH = "/oauth/cafe24/callback"
DEFAULT_CONSOLE_PORT = 8501

_SHOP_ID = re.compile(r"[a-z0-9][a-z0-9_-]{0,39}")
# A Cafe24 mall id is the first label of {mall_id}.cafe24api.com, so it must be a DNS label.
_MALL_ID = re.compile(r"[a-z0-9](?:[a-z0-9-]{0,30}[a-z0-9])?")


class InvalidInput(ValueError):
    """A form value the console cannot use; `problem` is an i18n key naming what is wrong."""

    def __init__(self, problem: str) -> None:
        self.problem = problem
        super().__init__(t(problem))

    def message(self, lang: str | None = None) -> str:
        return t(self.problem, lang)


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
    from core.sandbox_setup import connect_sandbox as connect  # the sandbox owns how it is authorized
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
    settings = _settings(shop)
    return bool(settings.get("sandbox") or settings.get("base_url"))


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


def sync_now(store: Store, shop_id: str, progress: Callable[[str, int, int], None] | None = None) -> SyncResult:
    """Run one sync of a shop from the console; a shop that cannot be synced at all comes back failed."""
    from core.sync_jobs import run_sync
    try:
        return run_sync(store, shop_id, started_by="console", progress=progress)
    except (KeyError, ValueError, ImportError) as exc:  # no such shop, or no client for its platform
        message = exc.args[0] if isinstance(exc, KeyError) and exc.args else str(exc)
        return SyncResult(run_id="", shop_id=shop_id, status="failed", error=message)


# ---- errors in plain words ---------------------------------------------------------------------

# Checked in order; the first whose words appear in the error message explains it.
# The sync engine records only the message of a failure, so the wording of the
# platform clients (core/integrations) is what is matched here.
_ERROR_KINDS: tuple[tuple[str, tuple[str, ...]], ...] = (
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
                       "5xx", "503", "502", "500")),
)


def error_kind(error: str | None) -> str:
    text = (error or "").lower()
    for kind, words in _ERROR_KINDS:
        if any(word in text for word in words):
            return kind
    return "error.other"


def explain_error(error: str | None, entity: str | None = None, lang: str | None = None) -> str:
    """A sync failure in plain words: what happened, where it stopped, and what to do."""
    words = t(error_kind(error), lang)
    if entity:
        words += " " + t("error.where", lang, entity=t(f"entity.{entity}", lang))
    return words
