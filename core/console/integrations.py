"""What the Integrations page reads and does: shops' cards and states, schedules and progress in words,
syncing now, and every error explained in the reader's language.

Connecting a shop (validating the form, testing the credentials, saving secrets and settings) is
core.shops.connect; this module puts its outcomes and errors into words. Errors arrive as the core's error
tree has them (kind, key, params): `explain_error` words the kind (what happened and what to do, in the
platform's own terms for refused credentials), then the key's own words when it has some, and never reads
the words of a message.
"""
from __future__ import annotations

import dataclasses
import datetime as dt
import logging
import string
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from core import clock
from core.errors import CoreError, ErrorRecord, InvalidInput, Kind
from core.i18n import DICTIONARIES, t
from core.integrations.base import ENTITIES
from core.log import event
from core.scheduler.loop import reschedule
from core.shops import connect, registry, secrets
from core.shops.connect import (
    FORM_FIELDS,
    PLATFORM_NAMES,
    SANDBOX_SHOP_ID,
    SANDBOX_URL_DEFAULT,
    ConnectionCheck,
    ConnectionFailed,
    Field,
    authorize_link,
    check_connection,
    default_base_url,
    has_client_secret,
    is_authorized,
    is_sandbox,
    new_state,
    parse_code,
    parse_site_id,
    redirect_uri,
    save_cafe24,
    suggest_shop_id,
    validate_credentials,
    validate_mall_id,
    validate_name,
    validate_shop_id,
    validate_url,
)
from core.shops.registry import Shop
from core.store import Store, default_path
from core.sync.engine import SyncResult

log = logging.getLogger("core.console.integrations")

# What the page uses from core.shops.connect, through this module (pages import only core.console).
__all__ = [
    "FORM_FIELDS", "PLATFORM_NAMES", "SANDBOX_SHOP_ID", "SANDBOX_URL_DEFAULT", "ConnectionCheck", "ConnectionFailed",
    "CoreError", "ErrorRecord", "Field", "InvalidInput", "authorize_link", "check_connection", "default_base_url",
    "has_client_secret", "is_authorized", "is_sandbox", "new_state", "parse_code", "parse_site_id", "redirect_uri",
    "save_cafe24", "suggest_shop_id", "validate_credentials", "validate_mall_id", "validate_name",
    "validate_shop_id", "validate_url",
]


# ---- the page's store and clock (the console is an edge: it may read the clock) ---------------------

def default_store() -> str:
    """Where the console's store is (CONSOLE_DB, or data/console.duckdb)."""
    return str(default_path())


def store(db: str) -> Store:
    """The store at `db`, for the console (each unit of work opens and closes it)."""
    return Store(db, role="console")


def now() -> dt.datetime:
    return clock.now()


def scheduler_alive(db: str) -> bool:
    """Whether a scheduler process is running against this store (its heartbeat is fresh)."""
    from core.scheduler.status import scheduler_state
    return bool(scheduler_state(store(db))["alive"])


# ---- errors in words -------------------------------------------------------------------------------

def _words(key: str, lang: str | None, params: Mapping[str, Any]) -> str | None:
    """The words of `key` filled with `params`, or None when there are none (or they name a missing value)."""
    if key not in DICTIONARIES["ko"]:
        return None
    text = t(key, lang)
    names = {name for _, name, _, _ in string.Formatter().parse(text) if name}
    if not names:
        return text
    try:
        return t(key, lang, **params)
    except (KeyError, IndexError, ValueError):
        return None


def error_words(error: CoreError | ErrorRecord, lang: str | None = None) -> str:
    """The words of one error's key (`errors.<key>`), filled with its params; its detail when it has none."""
    record = error.record() if isinstance(error, CoreError) else error
    return _words(f"errors.{record.key}", lang, record.params) or record.detail or record.key


# Keys whose explanation is their own rather than their kind's.
_KEY_WORDS = {
    "sync.already_running": "integrations.error_running",
    "sync.interrupted": "error.interrupted",
    "sync.no_client": "error.no_client",
    "sync.reconnect_needed": "errors.sync.reconnect_needed",
}
_KIND_WORDS = {
    Kind.AUTH: "error.auth",
    Kind.UNREACHABLE: "error.network",
    Kind.UPSTREAM: "error.network",
    Kind.RATE_LIMITED: "error.rate_limit",
    Kind.BAD_RESPONSE: "error.bad_response",
    Kind.BUSY: "error.busy",
}


def explain_error(record: ErrorRecord | None, entity: str | None = None, lang: str | None = None,
                  platform: str | None = None) -> str:
    """A failure in plain words: what happened, where it stopped, and what to do.

    The kind says what sort of failure it was (refused credentials are explained in the platform's own terms
    when known); the key's own words, when it has some, say what exactly. A failure recorded without a kind
    (a run from before kinds were stored) gets the general words.
    """
    if record is None:
        words = t("error.other", lang)
    else:
        general = _KEY_WORDS.get(record.key) or _KIND_WORDS.get(record.kind, "error.other")
        if general == "error.auth" and platform and f"integrations.auth_{platform}" in DICTIONARIES["ko"]:
            general = f"integrations.auth_{platform}"
        words = t(general, lang)
        specific = None if record.key in _KEY_WORDS else _words(f"errors.{record.key}", lang, record.params)
        if specific:
            words += " " + specific
    if entity:
        words += " " + t("error.where", lang, entity=t(f"entity.{entity}", lang))
    return words


def run_error(run: Mapping[str, Any] | None) -> ErrorRecord | None:
    """The error of a sync run as stored (error_kind, error_key, error_params beside the message)."""
    if not run or not run.get("error"):
        return None
    return ErrorRecord.load(run.get("error_kind"), run.get("error_key"), run.get("error_params"), run.get("error"))


def said_words(check: ConnectionCheck, lang: str | None = None) -> str:
    """What the platform said when a connection test worked, in words."""
    if check.said is None:
        return ""
    return _words(check.said.key, lang, check.said.params) or ""


# ---- connecting ----------------------------------------------------------------------------------

def connect_sandbox(store: Store, url: str, shop_id: str = SANDBOX_SHOP_ID, name: str | None = None) -> Shop:
    """Connect (and authorize) the sandbox shop served at `url`, named in the reader's language by default."""
    return connect.connect_sandbox(store, url, shop_id, name or t("integrations.sandbox_name_default"))


def finish_authorization(shop_id: str, pasted: str, expected_state: str | None,
                         env: Mapping[str, str] | None = None, store: Store | None = None) -> None:
    """Exchange the pasted code for tokens (kept by the Cafe24 client in the secrets file)."""
    connect.finish_authorization(store or Store(role="console"), shop_id, pasted, expected_state, env)


def check_credentials(store: Store, platform: str, shop_id: str, values: Mapping[str, str | None], *,
                      base_url: str | None = "", settings: Mapping[str, Any] | None = None,
                      timezone: str = clock.DEFAULT_TZ) -> ConnectionCheck:
    """The form's "test connection": validate, then try the credentials typed (nothing is saved)."""
    return connect.check_credentials(store, platform, shop_id, values, base_url=base_url, settings=settings,
                                     timezone=timezone)


def connect_platform(store: Store, platform: str, shop_id: str, name: str, values: Mapping[str, str | None], *,
                     base_url: str | None = "", settings: Mapping[str, Any] | None = None,
                     timezone: str = clock.DEFAULT_TZ) -> tuple[Shop, ConnectionCheck]:
    """Connect (or reconnect) a Godomall, Naver or Wix shop: validate, test, then save (see core.shops.connect)."""
    return connect.connect_platform(store, platform, shop_id, name, values, base_url=base_url, settings=settings,
                                    timezone=timezone)


# ---- syncing now ------------------------------------------------------------------------------

@dataclasses.dataclass
class SyncProgress:
    """Turns run_sync's (entity, its records, its pages) callbacks into a fraction for a progress bar.

    The total of a sync is not known in advance, so each entity gets an equal share, filled
    asymptotically by its pages: the bar always moves and never claims to be done early.
    """

    entities: tuple[str, ...] = ENTITIES
    entity: str | None = None
    records: int = 0
    pages: int = 0

    def update(self, entity: str, records: int, pages: int) -> float:
        self.entity, self.records, self.pages = entity, records, pages
        return self.fraction()

    def fraction(self) -> float:
        if self.entity is None:
            return 0.0
        index = self.entities.index(self.entity) if self.entity in self.entities else len(self.entities) - 1
        share = 1.0 / len(self.entities)
        return min(0.99, index * share + share * self.pages / (self.pages + 4))


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
        since = busy["started_at"].isoformat(timespec="seconds")
        detail = f"a sync of this shop is already running (started by {busy['started_by']} at {since})"
        return SyncResult(run_id="", shop_id=shop_id, status="failed", error=detail, failure=ErrorRecord(
            Kind.CONFLICT, "sync.already_running", {"started_by": busy["started_by"], "since": since}, detail))
    try:
        return run_sync(store, shop_id, started_by="console", progress=progress)
    except CoreError as exc:  # no client for its platform, or a client that cannot start (no key saved)
        return SyncResult(run_id="", shop_id=shop_id, status="failed", error=exc.detail or str(exc),
                          failure=exc.record())
    except KeyError as exc:  # no such shop
        message = str(exc.args[0]) if exc.args else f"no shop '{shop_id}' is connected"
        return SyncResult(run_id="", shop_id=shop_id, status="failed", error=message,
                          failure=ErrorRecord(Kind.NOT_FOUND, "sync.no_shop", {"shop_id": shop_id}, message))
    except (ValueError, ImportError) as exc:
        record = ErrorRecord.of(exc)
        return SyncResult(run_id="", shop_id=shop_id, status="failed", error=record.detail, failure=record)


# ---- what a shop's card shows -------------------------------------------------------------------------

SYNC_INTERVALS = (5, 10, 15, 30, 60, 120, 180, 360, 720, 1440)
MIN_INTERVAL, MAX_INTERVAL = 5, 1440


_CARD_CREDENTIALS = {
    "cafe24": (("client_id", "integrations.client_id", False), ("client_secret", "integrations.client_secret", True)),
    "godomall": (("partner_key", "integrations.partner_key", True), ("user_key", "integrations.user_key", True)),
    "naver": (("client_id", "integrations.naver_client_id", False),
              ("client_secret", "integrations.naver_client_secret", True)),
    "wix": (("api_key", "integrations.wix_api_key", True),),
}


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


def webhook_address(store: Store, shop_id: str) -> str:
    """The Cafe24 shop's webhook address to paste into the developer center (core.public.webhooks)."""
    from core.public import webhooks
    return webhooks.address(store, shop_id)


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
        raise InvalidInput("shops.invalid_interval", low=MIN_INTERVAL, high=MAX_INTERVAL,
                           detail=f"a sync interval is {MIN_INTERVAL} to {MAX_INTERVAL} minutes") from None
    if not MIN_INTERVAL <= minutes <= MAX_INTERVAL:
        raise InvalidInput("shops.invalid_interval", low=MIN_INTERVAL, high=MAX_INTERVAL,
                           detail=f"a sync interval is {MIN_INTERVAL} to {MAX_INTERVAL} minutes")
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
            "suggestion": godomall_stale_warning(store, shop_id)}


def godomall_warning(store: Store, shop_id: str, lang: str | None = None) -> str:
    """What an import will replace, shown before the operator confirms it."""
    from core.sync import godomall_book as gi
    summary = gi.import_summary(store, shop_id)
    return t("godomall.import_warning", lang, members=f"{summary.members:,}", groups=f"{summary.groups:,}",
             left=summary.left, limit=summary.limit)


def godomall_stale_warning(store: Store, shop_id: str, lang: str | None = None, days: int | None = None) -> str | None:
    """What the console shows before sending to this address book when it is old (None when it is fresh)."""
    from core.sync import godomall_book as gi
    stale = gi.staleness(store, shop_id, gi.STALE_DAYS if days is None else days)
    if stale is None:
        return None
    if stale.age_days is None:
        return t("godomall.never_imported", lang)
    return t("godomall.stale", lang, days=stale.age_days)


@dataclasses.dataclass
class ImportOutcome:
    status: str  # succeeded | failed | refused
    records: int = 0
    removed: int = 0
    error: ErrorRecord | None = None   # why it failed (the platform's error) or was refused (the rule, the file)

    @property
    def refusal(self) -> str | None:
        """The rule's words, when it was refused (quota, one already running, a member file it cannot read)."""
        if self.status != "refused" or self.error is None:
            return None
        if self.error.key == "csv.run.rejected":  # bad rows: the address book is left as it was
            from core.console.csv_import import explain
            rows = explain(ErrorRecord(self.error.kind, "csv.run.bad_rows", self.error.params, self.error.detail))
            return t("godomall.file_rejected", None, bad=self.error.params.get("bad", 0)) + " " + rows
        if self.error.key.startswith("csv."):  # the file: unreadable, a column missing
            from core.console.csv_import import explain
            return explain(self.error)
        if self.error.key == "godomall.no_member_number":
            return t("godomall.no_member_number", None, **self.error.params)
        return error_words(self.error)


def import_godomall(store: Store, shop_id: str, data: bytes, file_name: str = "",
                    progress: Callable[[int], None] | None = None) -> ImportOutcome:
    """Run one "import from Godomall" of the admin's member download now; the 21st of the day (or a second at
    once, or a file that cannot fill the address book) comes back refused."""
    from core.sync import godomall_book as gi
    try:
        result = gi.start_import(store, shop_id, data, file_name=file_name, progress=progress)
    except (gi.ImportRefused, gi.MemberFileRefused) as exc:
        return ImportOutcome("refused", error=exc.record())
    failure = result.failure
    if failure is None and result.error:
        failure = ErrorRecord(Kind.INTERNAL, "internal", {}, result.error)
    return ImportOutcome(result.status, result.records, result.removed, failure)
