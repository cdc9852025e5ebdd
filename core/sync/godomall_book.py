"""The Godomall address book and its imports ("고도몰에서 불러오기"), as Godomall users know them.

The rules (Stibee × Godomall help pages, shared/reference 001 and 003):
- one Godomall address book per account: a second shop with the same partner key + user key is refused;
- an import may run at most 20 times per account per day (the shop's day, Asia/Seoul by default);
- an import replaces the address book, which resets its groups, so the console warns before it runs;
- the address book shows its last-updated date, and the console suggests a re-import when it is old.

"The day" is the calendar day in Korea time (Asia/Seoul, or the shop's zone), so the quota comes back at
midnight KST, not UTC. The account is a one-way fingerprint of the key pair (never the keys).

Where the members come from: Godomall's Open API documents no member API (core/integrations/godomall.py
cites the spec), so an import reads the member download of the shop's admin: 회원 > 회원 리스트, then
"엑셀 다운로드" (an .xls or .xlsx file as Godomall writes it; a CSV saved from it reads the same). The file goes
through the Excel/CSV import's reader, header mapping and checks (core/csv_import): the columns are found by
the names the admin shows (회원번호, 아이디, 이름, 이메일, 휴대폰번호, 회원등급, 가입일, 메일수신여부,
SMS수신여부, ...); no public material shows the download's exact columns, so those names follow the admin's screens. The
member number (회원번호, Godomall's memNo) is the key, because orders name their member by it (Order_Search's
memNo); a file without that column is refused, naming the columns it has. A consent column the file lacks (or
an empty cell) is unknown (NULL), never a refusal.

The file is read and checked whole before anything else: a file that cannot be read, lacks a column or has
a bad row is refused with every bad row by its line (Excel's row number), imports nothing and does not count
against the day's quota. "Replaces" here: an import upserts every member of the file, groups included
(members.member_group becomes Godomall's group); with its last batch, in the same transaction, the shop's
members the file does not hold are removed. A failed import removes nothing (what it wrote is fresh data and
stays) and still counts against the day's quota.
"""
from __future__ import annotations

import dataclasses
import datetime as dt
import json
import logging
import uuid
from collections.abc import Callable
from typing import Any
from zoneinfo import ZoneInfo

import duckdb
import polars as pl

from core import clock
from core.csv_import import check, read_csv, read_excel, suggest_mapping
from core.csv_import.excel import is_excel
from core.csv_import.fields import header_token
from core.csv_import.importer import bad_rows_record
from core.csv_import.reading import LINE, CsvError, CsvFile
from core.errors import Conflict, CoreError, ErrorRecord, InvalidInput, Kind
from core.integrations.godomall import PLATFORM, account_fingerprint
from core.log import event
from core.shops import secrets
from core.shops.registry import Shop, get_shop, list_shops, save_shop, validate_shop_id
from core.store import Store
from core.sync.engine import write_rows

log = logging.getLogger("core.sync.godomall_book")

DAILY_LIMIT = 20
# The member number's column (Godomall's memNo): the key orders name their member by.
MEMBER_NUMBER_HEADERS = frozenset(header_token(h) for h in ("회원번호", "회원 번호", "memNo", "member_no"))
STALE_DAYS = 7
RUNNING_TTL = dt.timedelta(hours=2)  # a 'running' import older than this belongs to a process that died

Progress = Callable[[int], None]


class ImportRefused(Conflict):
    """A rule of the address book refused the action; its key and params name the rule for the console's words."""


class ImportQuotaExceeded(ImportRefused):
    """The account ran its imports of the day (params: limit)."""


class ImportAlreadyRunning(ImportRefused):
    """Another import of the account is running (params: since, its start as HH:MM in the shop's zone)."""


class DuplicateGodomallAccount(ImportRefused):
    """The account's address book belongs to another shop already (params: shop, its name)."""


class MemberFileRefused(InvalidInput):
    """The member file cannot fill the address book: unreadable ("csv.*" keys of core.csv_import), without a
    member-number column ("godomall.no_member_number", params columns), or with bad rows ("csv.run.rejected",
    params as core.csv_import.bad_rows_record's)."""


class MissingKeys(ImportRefused):
    """The partner key or the user key was never entered."""

    kind = Kind.AUTH


@dataclasses.dataclass
class ImportResult:
    import_id: str
    shop_id: str
    status: str
    records: int = 0
    removed: int = 0
    error: str | None = None              # the English account of a failure
    failure: ErrorRecord | None = None    # the same failure as kind, key and params, for the console's words


# ---- connecting -----------------------------------------------------------------------------------

def connect(store: Store, shop_id: str, name: str, *, partner_key: str, user_key: str,
            base_url: str | None = None, settings: dict[str, Any] | None = None,
            timezone: str = clock.DEFAULT_TZ, sync_interval_minutes: int = 15) -> Shop:
    """Save a Godomall shop (keys to the secrets file), refusing a second address book for one account."""
    validate_shop_id(shop_id)
    partner_key, user_key = (partner_key or "").strip(), (user_key or "").strip()
    if not partner_key or not user_key:
        raise MissingKeys("godomall.missing_keys", detail=f"shop '{shop_id}' lacks the partner key or the user key")
    _refuse_second_book(store, shop_id, account_fingerprint(partner_key, user_key))
    secrets.put(shop_id, partner_key=partner_key, user_key=user_key)
    merged = dict(settings or {})
    if base_url:
        merged["base_url"] = base_url.rstrip("/")
    return save_shop(store, shop_id, PLATFORM, name, settings=merged, timezone=timezone,
                     sync_interval_minutes=sync_interval_minutes)


def _refuse_second_book(store: Store, shop_id: str, account: str) -> None:
    for other in list_shops(store):
        if other.platform == PLATFORM and other.shop_id != shop_id and _account_or_none(other.shop_id) == account:
            raise DuplicateGodomallAccount("godomall.duplicate_account", shop=other.name,
                                           detail=f"the account is already the address book of '{other.shop_id}'")


def _account_or_none(shop_id: str) -> str | None:
    keys = secrets.get(shop_id)
    if not keys.get("partner_key") or not keys.get("user_key"):
        return None
    return account_fingerprint(keys["partner_key"], keys["user_key"])


def account_of(shop_id: str) -> str:
    account = _account_or_none(shop_id)
    if account is None:
        raise MissingKeys("godomall.missing_keys", detail=f"shop '{shop_id}' lacks the partner key or the user key")
    return account


# ---- the day's quota ------------------------------------------------------------------------------

def day_bounds(now: dt.datetime, tz: str) -> tuple[dt.datetime, dt.datetime]:
    """The shop's calendar day around `now`, as a UTC [start, end)."""
    local = clock.local(now, tz)
    start = dt.datetime.combine(local.date(), dt.time(), tzinfo=ZoneInfo(tz))
    end = dt.datetime.combine(local.date() + dt.timedelta(days=1), dt.time(), tzinfo=ZoneInfo(tz))
    return start.astimezone(dt.UTC), end.astimezone(dt.UTC)


def _used_today(con: duckdb.DuckDBPyConnection, account: str, tz: str, now: dt.datetime) -> int:
    start, end = day_bounds(now, tz)
    return int(_one(con, "SELECT count(*) FROM godomall_imports WHERE account = ? AND started_at >= ? "
                    "AND started_at < ?", [account, start, end])[0])


def _one(con: duckdb.DuckDBPyConnection, sql: str, params: list[Any]) -> tuple[Any, ...]:
    """The one row of an aggregate query (count, max: always one row)."""
    row = con.execute(sql, params).fetchone()
    assert row is not None, sql
    return row


def imports_left(store: Store, shop_id: str) -> int:
    """How many imports the shop's Godomall account may still run today."""
    shop = _godomall_shop(store, shop_id)
    account = account_of(shop_id)
    with store.unit() as con:
        used = _used_today(con, account, shop.timezone, clock.now())
    return max(0, DAILY_LIMIT - used)


def _shop_in(con: duckdb.DuckDBPyConnection, shop_id: str) -> Shop:
    row = con.execute("""SELECT shop_id, platform, name, timezone, settings, sync_interval_minutes, enabled
                         FROM shops WHERE shop_id = ?""", [shop_id]).fetchone()
    if row is None:
        raise KeyError(f"no shop '{shop_id}' is connected")
    if row[1] != PLATFORM:
        raise ValueError(f"shop '{shop_id}' is a {row[1]} shop, not a Godomall shop")
    return Shop(row[0], row[1], row[2], row[3], json.loads(row[4] or "{}"), row[5], row[6])


def _godomall_shop(store: Store, shop_id: str) -> Shop:
    shop = get_shop(store, shop_id)
    if shop.platform != PLATFORM:
        raise ValueError(f"shop '{shop_id}' is a {shop.platform} shop, not a Godomall shop")
    return shop


# ---- the import -----------------------------------------------------------------------------------

def read_member_file(data: bytes, file_name: str, tz: str) -> list[dict[str, Any]]:
    """The members of an admin member download (Excel or CSV), in normal form; MemberFileRefused when the file
    cannot be read, has no member-number column or has a bad row (every bad row named by its line)."""
    try:
        member_file: CsvFile = read_excel(data, file_name) if is_excel(data, file_name) else read_csv(data, file_name)
    except CsvError as exc:
        raise MemberFileRefused(exc.key, detail=exc.detail, **exc.params) from None
    mapping = suggest_mapping("members", member_file.headers)
    number = next((h for h in member_file.headers if header_token(h) in MEMBER_NUMBER_HEADERS), None)
    if number is None:
        columns = ", ".join(member_file.headers[:20])
        raise MemberFileRefused("godomall.no_member_number", columns=columns,
                                detail=f"the member file has no 회원번호 (member number) column; it has {columns}")
    mapping["member_key"] = number
    try:
        checked = check("members", member_file, mapping, tz=tz)
    except InvalidInput as exc:  # a required column (the e-mail) not found
        raise MemberFileRefused(exc.key, detail=exc.detail, **exc.params) from None
    if checked.bad:
        record = bad_rows_record(checked, file_name or member_file.name, rejected=True)
        raise MemberFileRefused(record.key, detail=record.detail, **record.params)
    # A consent the file has no column for is unknown (NULL), not the table's default (a refusal).
    unknown = dict.fromkeys(("email_consent", "sms_consent"))
    return [{**unknown, **row, "raw": json.loads(row["raw"])} for row in checked.good.drop(LINE).to_dicts()]


def start_import(store: Store, shop_id: str, data: bytes, *, file_name: str = "",
                 progress: Progress | None = None, batch_rows: int = 10_000) -> ImportResult:
    """Run one import of the admin's member download now: refused past the day's quota or while another runs
    (ImportRefused), or when the file cannot fill the address book (MemberFileRefused, before anything counts);
    otherwise recorded."""
    account = account_of(shop_id)
    tz = _godomall_shop(store, shop_id).timezone
    rows = read_member_file(bytes(data), file_name, tz)
    result = ImportResult(str(uuid.uuid4()), shop_id, "running")
    # One store unit for every check and the quota's record (each unit costs ~0.1 s on a busy machine).
    with store.unit() as con:
        shop = _shop_in(con, shop_id)
        others = con.execute("SELECT shop_id, name FROM shops WHERE platform = ? AND shop_id <> ?",
                             [PLATFORM, shop_id]).fetchall()
        for other_id, other_name in others:  # keys may have been saved by another path than connect()
            if _account_or_none(other_id) == account:
                raise DuplicateGodomallAccount("godomall.duplicate_account", shop=other_name,
                                               detail=f"the account is already the address book of '{other_id}'")
        now = clock.now()
        con.execute("""UPDATE godomall_imports SET status = 'failed', finished_at = ?,
                           error = 'interrupted: the process running this import ended before it finished'
                       WHERE account = ? AND status = 'running' AND started_at < ?""",
                    [now, account, now - RUNNING_TTL])
        running = con.execute("SELECT started_at FROM godomall_imports WHERE account = ? AND status = 'running'",
                              [account]).fetchone()
        if running:
            since = clock.local(running[0], shop.timezone).strftime("%H:%M")
            raise ImportAlreadyRunning("godomall.import_running", since=since,
                                       detail=f"an import of the account is running since {since}")
        if _used_today(con, account, shop.timezone, now) >= DAILY_LIMIT:
            raise ImportQuotaExceeded("godomall.quota_exceeded", limit=DAILY_LIMIT,
                                      detail=f"the account ran its {DAILY_LIMIT} imports of the day")
        con.execute("""INSERT INTO godomall_imports (import_id, shop_id, account, started_at, status)
                       VALUES (?, ?, ?, ?, 'running')""", [result.import_id, shop_id, account, now])
    event(log, "godomall_import_started", shop_id=shop_id, import_id=result.import_id, rows=len(rows))
    try:
        step = max(1, batch_rows)
        for start in range(0, max(1, len(rows)), step):
            _write(store, result, rows[start:start + step], final=start + step >= len(rows))
            if progress:
                progress(result.records)
        result.status = "succeeded"
    except CoreError as exc:
        result.status, result.error, result.failure = "failed", exc.detail or str(exc), exc.record()
    except (OSError, duckdb.Error, ValueError, KeyError, TypeError) as exc:
        result.status, result.error = "failed", f"unexpected {type(exc).__name__} during the import: {exc}"
        result.failure = ErrorRecord(Kind.INTERNAL, "internal", {"error": type(exc).__name__}, result.error)
    finally:
        if result.status != "succeeded":
            if result.status == "running":
                result.status, result.error = "failed", "interrupted during the import"
            with store.unit() as con:
                con.execute("DELETE FROM godomall_import_seen WHERE import_id = ?", [result.import_id])
                con.execute("UPDATE godomall_imports SET status = 'failed', finished_at = ?, error = ? "
                            "WHERE import_id = ?", [clock.now(), result.error, result.import_id])
    event(log, "godomall_import_finished", shop_id=shop_id, import_id=result.import_id, status=result.status,
          records=result.records, removed=result.removed, error=result.error)
    return result


def _write(store: Store, result: ImportResult, rows: list[dict[str, Any]], *, final: bool = False) -> None:
    """One batch of members; the last batch also drops the members the file does not hold, atomically."""
    now = clock.now()
    with store.unit() as con:
        if rows:
            write_rows(con, result.shop_id, {"members": rows}, now)
            seen = pl.DataFrame({"import_id": [result.import_id] * len(rows),
                                 "member_key": [r["member_key"] for r in rows]})
            con.register("_seen", seen.to_arrow())
            con.execute("INSERT INTO godomall_import_seen SELECT import_id, member_key FROM _seen")
            con.unregister("_seen")
            con.execute("UPDATE godomall_imports SET records = records + ? WHERE import_id = ?",
                        [len(rows), result.import_id])
        if final:
            gone = """FROM members WHERE shop_id = ? AND member_key NOT IN
                          (SELECT member_key FROM godomall_import_seen WHERE import_id = ?)"""
            removed = int(_one(con, f"SELECT count(*) {gone}", [result.shop_id, result.import_id])[0])
            con.execute(f"DELETE {gone}", [result.shop_id, result.import_id])
            con.execute("DELETE FROM godomall_import_seen WHERE import_id = ?", [result.import_id])
            con.execute("UPDATE godomall_imports SET status = 'succeeded', finished_at = ?, removed = ? "
                        "WHERE import_id = ?", [now, removed, result.import_id])
            result.removed = removed
    result.records += len(rows)


# ---- what the console shows --------------------------------------------------------------------

@dataclasses.dataclass(frozen=True)
class ImportSummary:
    """What an import would replace, and the day's quota: the console words it before the operator confirms."""

    members: int
    groups: int
    left: int
    limit: int


def import_summary(store: Store, shop_id: str) -> ImportSummary:
    """How many members and groups an import will replace, and how many imports are left today."""
    _godomall_shop(store, shop_id)
    with store.unit() as con:
        members, groups = _one(
            con, "SELECT count(*), count(DISTINCT member_group) FROM members WHERE shop_id = ?", [shop_id])
    return ImportSummary(members, groups, imports_left(store, shop_id), DAILY_LIMIT)


def last_updated(store: Store, shop_id: str) -> dt.datetime | None:
    """When the address book last matched Godomall in full: the end of the last successful import (UTC).

    The scheduled sync keeps members fresh, but only an import removes the members who left Godomall
    (withdrawn members must not receive advertising), so the address book dates from its last import.
    """
    with store.unit() as con:
        imported = _one(con, "SELECT max(finished_at) FROM godomall_imports WHERE shop_id = ? "
                        "AND status = 'succeeded'", [shop_id])[0]
    return imported.astimezone(dt.UTC) if imported is not None else None


def is_stale(store: Store, shop_id: str, days: int = STALE_DAYS) -> bool:
    """True when the address book was never imported or is older than `days`: suggest a re-import."""
    when = last_updated(store, shop_id)
    return when is None or clock.now() - when > dt.timedelta(days=days)


@dataclasses.dataclass(frozen=True)
class Staleness:
    """Why the console suggests a re-import: never imported (`age_days` None), or imported `age_days` ago."""

    age_days: int | None


def staleness(store: Store, shop_id: str, days: int = STALE_DAYS) -> Staleness | None:
    """Whether to suggest a re-import before sending to this address book (None when it is fresh)."""
    when = last_updated(store, shop_id)
    if when is None:
        return Staleness(None)
    return Staleness((clock.now() - when).days) if clock.now() - when > dt.timedelta(days=days) else None
