"""CSV shops, and landing checked CSV rows in the store as one unit of work recorded as a sync run.

A CSV shop is a shop of platform "csv": its records come only from files the operator imports here, so
the scheduler never syncs it (core.integrations.syncs_over_network). Each import is a sync_runs row
(started_by 'csv', entity = the kind, records = rows imported, error = the bad rows in words), so it
shows in the shop's sync history beside the platform syncs.
"""
from __future__ import annotations

import dataclasses
import datetime as dt
import logging
import uuid

import duckdb
import polars as pl

from core import clock
from core.csv_import.fields import KEYS, TABLES, suggest_mapping
from core.csv_import.reading import LINE, CsvFile, read_csv
from core.csv_import.validate import Checked, check
from core.i18n import t
from core.log import event
from core.shops.connect import validate_name, validate_shop_id
from core.shops.registry import Shop, get_shop, list_shops, save_shop
from core.store import Store, StoreError, upsert

log = logging.getLogger("core.csv_import")
PLATFORM = "csv"
MAX_ERROR_CHARS = 2000


class NotCsvShop(ValueError):
    """The shop exists on another platform (its records come from that platform's sync)."""


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
    error: str | None = None

    @property
    def rejected(self) -> bool:
        """All or nothing was asked and some row was bad, so nothing was imported."""
        return self.all_or_nothing and self.bad > 0 and self.imported == 0


# ---- CSV shops ----------------------------------------------------------------------------------------

def csv_shops(store: Store) -> list[Shop]:
    return [s for s in list_shops(store) if s.platform == PLATFORM]


def create_csv_shop(store: Store, shop_id: str, name: str) -> Shop:
    """A new CSV shop (or the same one again); a shop id already used by a platform shop is refused."""
    shop_id, name = validate_shop_id(shop_id), validate_name(name)  # InvalidInput, worded for the console
    try:
        existing = get_shop(store, shop_id)
    except KeyError:
        existing = None
    if existing is not None and existing.platform != PLATFORM:
        raise NotCsvShop(t("csv.shop.taken", shop_id=shop_id, platform=existing.platform))
    return save_shop(store, shop_id, PLATFORM, name)


def csv_shop(store: Store, shop_id: str) -> Shop:
    shop = get_shop(store, shop_id)
    if shop.platform != PLATFORM:
        raise NotCsvShop(t("csv.shop.not_csv", shop_id=shop_id, platform=shop.platform))
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


def check_for_shop(store: Store, shop_id: str, kind: str, csv_file: CsvFile, mapping: dict[str, str | None],
                   lang: str | None = None) -> Checked:
    """`check` in the shop's time zone, with the shop's stored orders for an order-items file."""
    shop = csv_shop(store, shop_id)
    orders = None
    if kind == "order_items" and mapping.get("order_key") in csv_file.headers:
        orders = stored_orders(store, shop_id, csv_file.frame[mapping["order_key"]].str.strip_chars())
    return check(kind, csv_file, mapping, tz=shop.timezone, orders=orders, lang=lang)


# ---- importing --------------------------------------------------------------------------------------

def import_checked(store: Store, shop_id: str, checked: Checked, *, all_or_nothing: bool = False,
                   file_name: str = "", lang: str | None = None) -> ImportResult:
    """Write the good rows in one unit of work (or, all or nothing with a bad row, none), and record the
    import as a sync run in that same unit."""
    csv_shop(store, shop_id)
    run_id, started = str(uuid.uuid4()), clock.now()
    summary = bad_rows_summary(checked, file_name, lang) if checked.bad else None
    if all_or_nothing and checked.bad:
        error = t("csv.run.rejected", lang, file=file_name, bad=len(checked.bad), rows=checked.rows) + " " + summary
        result = ImportResult(run_id, shop_id, checked.kind, "failed", checked.rows, 0, len(checked.bad), True,
                              _cap(error))
        _record(store, result, started)
        return _logged(result)
    result = ImportResult(run_id, shop_id, checked.kind, "succeeded", checked.rows, checked.good.height,
                          len(checked.bad), all_or_nothing, _cap(summary) if summary else None)
    try:
        with store.unit() as con:
            write_checked(con, shop_id, checked, clock.now())
            _insert_run(con, result, started)
    except (duckdb.Error, StoreError) as exc:
        result = dataclasses.replace(result, status="failed", imported=0,
                                     error=_cap(t("csv.run.store_failed", lang, problem=str(exc))))
        try:
            _record(store, result, started)
        except StoreError:
            pass  # the store itself is unusable; the page still shows the failure
    return _logged(result)


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
            con.execute("DELETE FROM order_items WHERE shop_id = ? AND order_key IN "
                        "(SELECT order_key FROM _csv_orders)", [shop_id])
        finally:
            con.unregister("_csv_orders")
    upsert(con, table, frame, ("shop_id", key))
    if kind == "orders":
        con.register("_csv_orders", frame.select("order_key").to_arrow())
        try:
            con.execute("""
                UPDATE orders AS o SET member_key = m.member_key
                FROM (SELECT email, min(member_key) AS member_key FROM members
                      WHERE shop_id = $shop AND email IS NOT NULL GROUP BY email HAVING count(*) = 1) AS m
                WHERE o.shop_id = $shop AND o.member_key IS NULL AND o.email = m.email
                  AND o.order_key IN (SELECT order_key FROM _csv_orders)""", {"shop": shop_id})
        finally:
            con.unregister("_csv_orders")


def import_csv(store: Store, shop_id: str, kind: str, data: bytes | CsvFile,
               mapping: dict[str, str | None] | None = None, *, all_or_nothing: bool = False, file_name: str = "",
               lang: str | None = None) -> tuple[Checked, ImportResult]:
    """Read, check and import a file in one call (the mapping defaults to the one suggested)."""
    csv_file = data if isinstance(data, CsvFile) else read_csv(data, file_name)
    mapping = mapping if mapping is not None else suggest_mapping(kind, csv_file.headers)
    checked = check_for_shop(store, shop_id, kind, csv_file, mapping, lang)
    return checked, import_checked(store, shop_id, checked, all_or_nothing=all_or_nothing,
                                   file_name=file_name or csv_file.name, lang=lang)


def bad_rows_summary(checked: Checked, file_name: str = "", lang: str | None = None, limit: int = 20) -> str:
    """The bad rows in one line of words, for the sync history."""
    head = t("csv.run.bad_rows", lang, file=file_name, bad=len(checked.bad), rows=checked.rows)
    lines = [t("csv.run.line", lang, line=b.line, reasons="; ".join(b.reasons)) for b in checked.bad[:limit]]
    more = t("csv.run.more", lang, n=len(checked.bad) - limit) if len(checked.bad) > limit else ""
    return " ".join([head, " / ".join(lines), more]).strip()


def _cap(text: str) -> str:
    return text if len(text) <= MAX_ERROR_CHARS else text[:MAX_ERROR_CHARS - 1] + "…"


def _insert_run(con: duckdb.DuckDBPyConnection, result: ImportResult, started: dt.datetime) -> None:
    con.execute("""INSERT INTO sync_runs (run_id, shop_id, started_by, status, started_at, finished_at, entity,
                                          pages, records, error)
                   VALUES (?, ?, 'csv', ?, ?, ?, ?, 1, ?, ?)""",
                [result.run_id, result.shop_id, result.status, started, clock.now(), result.kind,
                 result.imported, result.error])


def _record(store: Store, result: ImportResult, started: dt.datetime) -> None:
    with store.unit() as con:
        _insert_run(con, result, started)


def _logged(result: ImportResult) -> ImportResult:
    event(log, "csv_import", shop=result.shop_id, kind=result.kind, status=result.status, rows=result.rows,
          imported=result.imported, bad=result.bad, all_or_nothing=result.all_or_nothing)
    return result
