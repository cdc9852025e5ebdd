"""CSV shops, and landing checked CSV rows in the store as one unit of work recorded as a sync run.

A CSV shop is a shop of platform "csv": its records come only from files the operator imports here, so
the scheduler never syncs it (core.integrations.syncs_over_network). Each import is a sync_runs row
(started_by 'csv', entity = the kind, records = rows imported, error = why rows were not imported), so it
shows in the shop's sync history beside the platform syncs.

Why rows were not imported is an ErrorRecord (key and parameters, the bad rows among them); the text the
run keeps is what the caller's `words` make of it (the console passes its words in the operator's
language; without them the run keeps the technical English account).
"""
from __future__ import annotations

import dataclasses
import datetime as dt
import logging
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import duckdb
import polars as pl

from core.csv_import.batches import BatchSource, open_csv
from core.csv_import.excel import is_excel, open_excel, read_file
from core.csv_import.fields import KEYS, TABLES, suggest_mapping
from core.csv_import.reading import LINE, CsvFile
from core.csv_import.staging import (
    MEMORY_LIMIT,
    MEMORY_LIMIT_ONE_UNIT,
    Staged,
    slices,
    stage,
    staging_directory,
    store_failure,
)
from core.csv_import.validate import Checked, check
from core.errors import Conflict, ErrorRecord, InvalidInput, Kind
from core.log import event
from core.shops.registry import Shop, get_shop, list_shops, save_shop, validate_shop_id
from core.store import Store, StoreError, table_columns, upsert
from core.sync import runs

log = logging.getLogger("core.csv_import")
PLATFORM = "csv"
MAX_ERROR_CHARS = 2000
MAX_LINES_RECORDED = 20  # bad rows a run's error names one by one; the rest are counted
# Columns a new row gets as NULL (unknown) when the file has no column for them.
UNKNOWN_UNLESS_SAID: dict[str, tuple[str, ...]] = {"members": ("email_consent", "sms_consent")}

Words = Callable[[ErrorRecord], str]
"""What a run's error is recorded as: the words of an ErrorRecord."""


def technical(record: ErrorRecord) -> str:
    """An error's technical English account (the default when no words are given)."""
    return record.detail or record.key


class NotCsvShop(Conflict):
    """The shop exists on another platform (its records come from that platform's sync).
    Keys: "csv.shop.taken" (creating it), "csv.shop.not_csv" (importing into it); params shop_id, platform."""


@dataclasses.dataclass(frozen=True)
class ImportResult:
    run_id: str
    shop_id: str
    kind: str
    status: str            # succeeded | failed (the sync_runs words)
    rows: int              # rows with anything in them
    imported: int
    bad: int
    all_or_nothing: bool
    error: ErrorRecord | None = None  # why rows were not imported (none: every row was)
    recorded: str | None = None       # the text the sync run keeps for it

    @property
    def rejected(self) -> bool:
        """All or nothing was asked and some row was bad, so nothing was imported."""
        return self.all_or_nothing and self.bad > 0 and self.imported == 0


# ---- CSV shops ----------------------------------------------------------------------------------------

def csv_shops(store: Store) -> list[Shop]:
    return [s for s in list_shops(store) if s.platform == PLATFORM]


def create_csv_shop(store: Store, shop_id: str, name: str) -> Shop:
    """A new CSV shop (or the same one again). Refused: a malformed id or an empty name (InvalidInput
    "csv.shop.bad_id" / "csv.shop.no_name"), an id a platform shop already uses (NotCsvShop)."""
    shop_id, name = (shop_id or "").strip(), (name or "").strip()
    try:
        validate_shop_id(shop_id)
    except ValueError as exc:
        raise InvalidInput("csv.shop.bad_id", detail=str(exc), shop_id=shop_id) from None
    if not name:
        raise InvalidInput("csv.shop.no_name", detail="the shop name is empty")
    try:
        existing = get_shop(store, shop_id)
    except KeyError:
        existing = None
    if existing is not None and existing.platform != PLATFORM:
        raise NotCsvShop("csv.shop.taken", detail=f"shop {shop_id!r} is a {existing.platform} shop",
                         shop_id=shop_id, platform=existing.platform)
    return save_shop(store, shop_id, PLATFORM, name)


def csv_shop(store: Store, shop_id: str) -> Shop:
    shop = get_shop(store, shop_id)
    if shop.platform != PLATFORM:
        raise NotCsvShop("csv.shop.not_csv", detail=f"shop {shop_id!r} is a {shop.platform} shop",
                         shop_id=shop_id, platform=shop.platform)
    return shop


# ---- checking against the shop ---------------------------------------------------------------------

def stored_orders(store: Store, shop_id: str, order_keys: pl.Series) -> pl.DataFrame:
    """The shop's stored orders among `order_keys`: (order_key, status, delivered_at)."""
    keys = pl.DataFrame({"order_key": order_keys.drop_nulls().unique()}, schema={"order_key": pl.Utf8})
    with store.unit() as con:
        con.register("_file_orders", keys.to_arrow())
        try:
            return con.sql("""SELECT o.order_key, o.status, o.delivered_at FROM orders o
                              JOIN _file_orders f USING (order_key) WHERE o.shop_id = $shop""",
                           params={"shop": shop_id}).pl()
        finally:
            con.unregister("_file_orders")


def check_for_shop(store: Store, shop_id: str, kind: str, csv_file: CsvFile,
                   mapping: dict[str, str | None]) -> Checked:
    """`check` in the shop's time zone, with the shop's stored orders for an order-items file."""
    shop = csv_shop(store, shop_id)
    orders = None
    order_key = mapping.get("order_key")
    if kind == "order_items" and order_key is not None and order_key in csv_file.headers:
        orders = stored_orders(store, shop_id, csv_file.frame[order_key].str.strip_chars())
    return check(kind, csv_file, mapping, tz=shop.timezone, orders=orders)


# ---- importing --------------------------------------------------------------------------------------

def import_checked(store: Store, shop_id: str, checked: Checked, *, now: dt.datetime, all_or_nothing: bool = False,
                   file_name: str = "", words: Words = technical) -> ImportResult:
    """Write the good rows in one unit of work (or, all or nothing with a bad row, none), and record the
    import as a sync run at `now` in that same unit, its error as `words` make it."""
    csv_shop(store, shop_id)
    run_id = str(uuid.uuid4())
    if all_or_nothing and checked.bad:
        rejected = bad_rows_record(checked, file_name, rejected=True)
        result = ImportResult(run_id, shop_id, checked.kind, "failed", checked.rows, 0, len(checked.bad), True,
                              rejected, _cap(words(rejected)))
        _record(store, result, now)
        return _logged(result)
    error = bad_rows_record(checked, file_name) if checked.bad else None
    result = ImportResult(run_id, shop_id, checked.kind, "succeeded", checked.rows, checked.good.height,
                          len(checked.bad), all_or_nothing, error, _cap(words(error)) if error else None)
    try:
        with store.unit() as con:
            write_checked(con, shop_id, checked, now)
            _insert_run(con, result, now)
    except (duckdb.Error, StoreError) as exc:
        failed = store_failure(exc)
        result = dataclasses.replace(result, status="failed", imported=0, error=failed,
                                     recorded=_cap(words(failed)))
        try:
            _record(store, result, now)
        except StoreError:
            pass  # the store itself is unusable; the page still shows the failure
    return _logged(result)


def bad_rows_record(checked: Checked, file_name: str = "", *, rejected: bool = False,
                    limit: int = MAX_LINES_RECORDED) -> ErrorRecord:
    """The bad rows as an error: key "csv.run.rejected" (all or nothing: none imported) or "csv.run.bad_rows"
    (the rest imported); params file, bad, rows, lines (the first `limit` bad rows, each {line, reasons:
    [{key, params}]}) and more (how many bad rows are not listed)."""
    lines: list[dict[str, Any]] = [
        {"line": row.line, "reasons": [{"key": r.key, "params": r.params} for r in row.reasons]}
        for row in checked.bad[:limit]]
    bad, rows = len(checked.bad), checked.rows
    detail = (f"{file_name}: {bad} of {rows} rows bad{', nothing imported' if rejected else ''}; lines "
              + ", ".join(str(row.line) for row in checked.bad[:limit]) + (" …" if bad > limit else ""))
    return ErrorRecord(Kind.INVALID, "csv.run.rejected" if rejected else "csv.run.bad_rows",
                       {"file": file_name, "bad": bad, "rows": rows, "lines": lines, "more": max(0, bad - limit)},
                       detail)


def write_checked(con: duckdb.DuckDBPyConnection, shop_id: str, checked: Checked, now: dt.datetime) -> None:
    """Upsert the good rows by key; an order's items in the file replace its stored items (unless one of
    its lines was bad); an order without a member key is linked to the one member with its e-mail."""
    kind, table, key = checked.kind, TABLES[checked.kind], KEYS[checked.kind]
    frame = checked.good.drop(LINE).with_columns(pl.lit(shop_id).alias("shop_id"),
                                                 pl.lit(now).cast(pl.Datetime("us", "UTC")).alias("synced_at"))
    if frame.is_empty():
        return
    if kind == "order_items":
        whole = frame.select("order_key").unique().filter(~pl.col("order_key").is_in(list(checked.partial_orders)))
        con.register("_csv_orders", whole.to_arrow())
        try:
            _replace_items(con, shop_id, "SELECT order_key FROM _csv_orders", {})
        finally:
            con.unregister("_csv_orders")
    if kind == "members":  # through _swap, which leaves a consent the file does not carry unknown
        name = f"_csv_frame_{uuid.uuid4().hex[:12]}"
        con.register("_csv_frame", frame.to_arrow())
        try:
            con.execute(f"CREATE TEMP TABLE {name} AS SELECT * FROM _csv_frame")
        finally:
            con.unregister("_csv_frame")
        _swap(con, table, name, ("shop_id", key))
        con.execute(f"DROP TABLE {name}")
    else:
        upsert(con, table, frame, ("shop_id", key))
    if kind == "orders":
        con.register("_csv_orders", frame.select("order_key").to_arrow())
        try:
            _link_members(con, shop_id, "SELECT order_key FROM _csv_orders")
        finally:
            con.unregister("_csv_orders")


def _replace_items(con: duckdb.DuckDBPyConnection, shop_id: str, orders: str, params: dict[str, Any]) -> None:
    """An order's items in the file replace its stored items: those of the orders `orders` selects go."""
    con.execute(f"DELETE FROM order_items WHERE shop_id = $shop AND order_key IN ({orders})",
                {"shop": shop_id, **params})


def _link_members(con: duckdb.DuckDBPyConnection, shop_id: str, orders: str) -> None:
    """An order of `orders` (a query of order keys) without a member key goes to the one member with its
    e-mail."""
    con.execute(f"""
        UPDATE orders AS o SET member_key = m.member_key
        FROM (SELECT email, min(member_key) AS member_key FROM members
              WHERE shop_id = $shop AND email IS NOT NULL GROUP BY email HAVING count(*) = 1) AS m
        WHERE o.shop_id = $shop AND o.member_key IS NULL AND o.email = m.email
          AND o.order_key IN ({orders})""", {"shop": shop_id})


# ---- staged rows into the store --------------------------------------------------------------------------------------

def write_staged(con: duckdb.DuckDBPyConnection, shop_id: str, staged: Staged, batches: list[Path],
                 now: dt.datetime, *, first: bool, positional: bool, memory_limit: str = MEMORY_LIMIT) -> int:
    """Upsert the good rows of `batches` (staged files) into the kind's table by key, in `con`'s unit; an
    order's items in the file replace its stored items (unless one of its lines was bad: done with the
    `first` slice, for every order in the file); an order without a member key is linked to the one member
    with its e-mail. Returns the rows written."""
    kind, table, key = staged.kind, TABLES[staged.kind], KEYS[staged.kind]
    name = f"_csv_staged_{uuid.uuid4().hex[:12]}"
    files = [str(p) for p in batches]
    select = f'* EXCLUDE ("{LINE}")'
    if positional:  # the n-th line of an order in the file is its n-th item, counted over the whole file
        select = f'* EXCLUDE ("{LINE}", item_key, position), order_key || \'#\' || position AS item_key'
        source = f"""(SELECT g.*, p.position FROM read_parquet($files) g JOIN (
                         SELECT "{LINE}", row_number() OVER (PARTITION BY order_key ORDER BY "{LINE}") AS position
                         FROM read_parquet($keys) WHERE order_key IS NOT NULL) p USING ("{LINE}"))"""
    else:
        source = "read_parquet($files)"
    params: dict[str, Any] = {"files": files, "repeated": staged.repeated, "shop": shop_id, "now": now}
    if positional:
        params["keys"] = [str(p) for p in staged.keys]
    # Bounded for this unit only (the store's lock keeps every other unit out while it runs), then reset. On an
    # error the unit rolls back and closes its connection, and the staged table and the limit go with it.
    con.execute(f"SET memory_limit = '{memory_limit}'")
    con.execute(f"""CREATE TEMP TABLE {name} AS
                    SELECT {select}, $shop::VARCHAR AS shop_id, $now::TIMESTAMPTZ AS synced_at FROM {source}
                    WHERE NOT list_contains($repeated::BIGINT[], "{LINE}")""", params)
    if kind == "order_items" and first:
        _replace_items(con, shop_id, "SELECT order_key FROM read_parquet($files) "
                       "WHERE NOT list_contains($partial::VARCHAR[], order_key)",
                       {"files": [str(p) for p in staged.batches], "partial": sorted(staged.partial_orders)})
    written = _swap(con, table, name, ("shop_id", key))
    if kind == "orders":
        _link_members(con, shop_id, f"SELECT order_key FROM {name}")
    con.execute(f"DROP TABLE {name}")
    con.execute("RESET memory_limit")
    return written


def _swap(con: duckdb.DuckDBPyConnection, table: str, staged: str, key: tuple[str, ...]) -> int:
    """The staged rows into `table`: an UPDATE of the keys it holds and an INSERT of the rest (what
    core.store.upsert does with a frame; here the rows are a table of the same unit)."""
    columns = [c for c in table_columns(con, staged)]
    unknown = [c for c in columns if c not in table_columns(con, table)]
    if unknown:
        raise StoreError(f"{table} has no column(s) {', '.join(unknown)}")
    cols = ", ".join(f'"{c}"' for c in columns)
    match = " AND ".join(f't."{k}" = f."{k}"' for k in key)
    updates = ", ".join(f'"{c}" = f."{c}"' for c in columns if c not in key)
    # A member file without a consent column says nothing of consent: a new member's is unknown (NULL, not the
    # column's default FALSE), a known member's stays as it was.
    unsaid = [c for c in UNKNOWN_UNLESS_SAID.get(table, ()) if c not in columns]
    inserted = cols + "".join(f', "{c}"' for c in unsaid)
    values = cols + ", NULL" * len(unsaid)
    con.execute(f'UPDATE "{table}" AS t SET {updates} FROM {staged} AS f WHERE {match}')
    con.execute(f'INSERT INTO "{table}" ({inserted}) SELECT {values} FROM {staged} AS f '
                f'WHERE NOT EXISTS (SELECT 1 FROM "{table}" AS t WHERE {match})')
    row = con.execute(f"SELECT count(*) FROM {staged}").fetchone()
    return int(row[0]) if row else 0


def import_csv(store: Store, shop_id: str, kind: str, data: bytes | CsvFile,
               mapping: dict[str, str | None] | None = None, *, now: dt.datetime, all_or_nothing: bool = False,
               file_name: str = "", words: Words = technical) -> tuple[Checked, ImportResult]:
    """Read, check and import a file in one call (the mapping defaults to the one suggested)."""
    csv_file = data if isinstance(data, CsvFile) else read_file(data, file_name)
    mapping = mapping if mapping is not None else suggest_mapping(kind, csv_file.headers)
    checked = check_for_shop(store, shop_id, kind, csv_file, mapping)
    return checked, import_checked(store, shop_id, checked, now=now, all_or_nothing=all_or_nothing,
                                   file_name=file_name or csv_file.name, words=words)


def open_source(data: bytes | Path | str, file_name: str = "") -> BatchSource:
    """A CSV or Excel file (its bytes or a path) as a batch source: Excel by its first bytes or its name. A file
    that cannot be read is a CsvError, raised before any row is read."""
    return open_excel(data, file_name) if is_excel(data, file_name) else open_csv(data, file_name)


def check_file(store: Store, shop_id: str, kind: str, data: BatchSource | bytes | Path,
               mapping: dict[str, str | None] | None = None, *, file_name: str = "") -> Checked:
    """import_file's checks without its writes: the file read and checked batch by batch in the shop's time
    zone (against its stored orders for an order-items file), the counts and every bad row with its exact line,
    the store untouched. Lets the operator see the bad rows and then choose how to import (import_file checks
    again: the store may have changed in between). The returned Checked's `good` holds no rows."""
    shop = csv_shop(store, shop_id)
    source = data if not isinstance(data, bytes | bytearray | Path | str) else open_source(data, file_name)
    mapping = mapping if mapping is not None else suggest_mapping(kind, source.headers)
    with staging_directory() as directory:  # the good rows are staged as import_file stages them, then dropped
        staged, columns = stage(source, kind, mapping, Path(directory), tz=shop.timezone,
                                orders_for=lambda keys: stored_orders(store, shop_id, keys))
        return staged.checked(columns)


def import_file(store: Store, shop_id: str, kind: str, data: BatchSource | bytes | Path,
                mapping: dict[str, str | None] | None = None, *, now: dt.datetime, all_or_nothing: bool = False,
                file_name: str = "", words: Words = technical) -> tuple[Checked, ImportResult]:
    """Read, check and import a file batch by batch, in memory that does not grow with the file
    (core/csv_import/staging.py): the same checks, bad rows and lines, and the same store, as import_csv.

    `data` is a batch source, or a CSV or Excel (.xlsx, .xls: core/csv_import/excel.py) file's bytes or path.
    All or nothing swaps the staged rows in with the run in one unit of work; the good rows are written batch by
    batch, committed every few batches, the run with the last unit (should the store fail midway, the units
    committed stay, and the failed run counts their rows). The returned Checked has the counts and bad rows; its
    `good` holds no rows (they went to the store)."""
    shop = csv_shop(store, shop_id)
    source = data if not isinstance(data, bytes | bytearray | Path | str) else open_source(data, file_name)
    mapping = mapping if mapping is not None else suggest_mapping(kind, source.headers)
    file_name = file_name or source.name
    positional = kind == "order_items" and not mapping.get("item_key")
    with staging_directory() as directory:
        staged, columns = stage(source, kind, mapping, Path(directory), tz=shop.timezone,
                                orders_for=lambda keys: stored_orders(store, shop_id, keys))
        checked = staged.checked(columns)
        run_id = str(uuid.uuid4())
        if all_or_nothing and checked.bad:
            rejected = bad_rows_record(checked, file_name, rejected=True)
            result = ImportResult(run_id, shop_id, kind, "failed", checked.rows, 0, len(checked.bad), True,
                                  rejected, _cap(words(rejected)))
            _record(store, result, now)
            return checked, _logged(result)
        error = bad_rows_record(checked, file_name) if checked.bad else None
        result = ImportResult(run_id, shop_id, kind, "succeeded", checked.rows, staged.good, len(checked.bad),
                              all_or_nothing, error, _cap(words(error)) if error else None)
        written = 0
        try:
            units = slices(staged, all_at_once=all_or_nothing)
            limit = MEMORY_LIMIT_ONE_UNIT if all_or_nothing else MEMORY_LIMIT
            for number, batches in enumerate(units):
                with store.unit() as con:
                    done = sum(write_staged(con, shop_id, staged, [batch], now, first=number == 0 and at == 0,
                                            positional=positional, memory_limit=limit)
                               for at, batch in enumerate(batches))
                    if number == len(units) - 1:
                        _insert_run(con, result, now)
                written += done
        except (duckdb.Error, StoreError) as exc:
            failed = store_failure(exc)
            result = dataclasses.replace(result, status="failed", imported=written, error=failed,
                                         recorded=_cap(words(failed)))
            try:
                _record(store, result, now)
            except StoreError:
                pass  # the store itself is unusable; the page still shows the failure
    return checked, _logged(result)


def _cap(text: str) -> str:
    return text if len(text) <= MAX_ERROR_CHARS else text[:MAX_ERROR_CHARS - 1] + "…"


def _insert_run(con: duckdb.DuckDBPyConnection, result: ImportResult, now: dt.datetime) -> None:
    """The import as a finished sync run: one unit of work, so it starts and ends at `now`."""
    runs.record_finished(con, result.run_id, result.shop_id, "csv", result.status, now, result.kind,
                         result.imported, result.recorded, result.error)


def _record(store: Store, result: ImportResult, now: dt.datetime) -> None:
    with store.unit() as con:
        _insert_run(con, result, now)


def _logged(result: ImportResult) -> ImportResult:
    event(log, "csv_import", shop=result.shop_id, kind=result.kind, status=result.status, rows=result.rows,
          imported=result.imported, bad=result.bad, all_or_nothing=result.all_or_nothing,
          error=result.error.key if result.error else None)
    return result
