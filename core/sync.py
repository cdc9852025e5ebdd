"""The sync engine: pages from a platform client into the store.

Network I/O never happens while the store is open: pages are fetched (one
fetch ahead, in a thread) and then written, with their checkpoint, in one short
transaction. A failure leaves every committed page and its checkpoint in place
and nothing of the failed batch, so the next run resumes exactly there.
"""
from __future__ import annotations

import collections
import dataclasses
import datetime as dt
import json
import threading
import time
import uuid
from typing import Any, Callable, Iterable, Iterator

import duckdb
import orjson
import polars as pl
import pyarrow as pa

from core import clock
from core.integrations.base import CHILDREN, TABLE_KEYS, Page, ShopClient, SyncError
from core.store import Store, upsert

Progress = Callable[[str, int, int], None]  # (entity, records so far, pages so far)

_POLARS_TYPES = {
    "VARCHAR": pl.Utf8, "JSON": pl.Utf8, "BOOLEAN": pl.Boolean, "INTEGER": pl.Int64, "BIGINT": pl.Int64,
    "TIMESTAMP WITH TIME ZONE": pl.Datetime("us", "UTC"), "VARCHAR[]": pl.List(pl.Utf8),
}


@dataclasses.dataclass
class SyncResult:
    run_id: str
    shop_id: str
    status: str
    records: int = 0
    pages: int = 0
    entity: str | None = None
    error: str | None = None


BATCH_SECONDS = 2.0


def sync_shop(store: Store, shop_id: str, client: ShopClient, *, started_by: str = "cli",
              entities: Iterable[str] | None = None, batch_rows: int = 50_000,
              progress: Progress | None = None) -> SyncResult:
    """Sync `entities` (default: all the client offers) of one shop, recording a sync run."""
    result = SyncResult(str(uuid.uuid4()), shop_id, "running")
    with store.unit() as con:
        _close_interrupted_runs(con, shop_id)
        con.execute("""INSERT INTO sync_runs (run_id, shop_id, started_by, status, started_at)
                       VALUES (?, ?, ?, 'running', ?)""", [result.run_id, shop_id, started_by, clock.now()])
    try:
        for entity in entities or client.entities:
            result.entity = entity
            _sync_entity(store, shop_id, client, entity, result, batch_rows, progress)
        result.status, result.entity = "succeeded", None
    except SyncError as exc:
        result.status, result.error = "failed", str(exc)
    except (OSError, duckdb.Error, ValueError, KeyError, TypeError) as exc:
        result.status, result.error = "failed", f"unexpected {type(exc).__name__} while syncing {result.entity}: {exc}"
    finally:
        if result.status == "running":  # interrupted by something we do not catch (KeyboardInterrupt, ...)
            result.status, result.error = "failed", f"interrupted while syncing {result.entity}"
        with store.unit() as con:
            con.execute("""UPDATE sync_runs SET status = ?, finished_at = ?, entity = ?, error = ?
                           WHERE run_id = ?""",
                        [result.status, clock.now(), result.entity, result.error, result.run_id])
    return result


def _close_interrupted_runs(con: duckdb.DuckDBPyConnection, shop_id: str) -> None:
    # A run still 'running' when a new one starts belongs to a process that died.
    con.execute("""UPDATE sync_runs SET status = 'failed', finished_at = ?,
                       error = 'interrupted: the process running this sync ended before it finished'
                   WHERE shop_id = ? AND status = 'running'""", [clock.now(), shop_id])


def load_cursor(con: duckdb.DuckDBPyConnection, shop_id: str, entity: str) -> dict[str, Any] | None:
    row = con.execute("SELECT cursor FROM sync_checkpoints WHERE shop_id = ? AND entity = ?",
                      [shop_id, entity]).fetchone()
    return json.loads(row[0]) if row else None


def _sync_entity(store: Store, shop_id: str, client: ShopClient, entity: str, result: SyncResult,
                 batch_rows: int, progress: Progress | None) -> None:
    with store.unit() as con:
        cursor = load_cursor(con, shop_id, entity)
    batch: list[Page] = []
    # Each store unit costs ~0.1 s to open and checkpoint, so pages are written in big batches; but a slow
    # platform still gets its pages landed (and checkpointed) every few seconds, so a crash loses little.
    since = time.monotonic()
    for page in _prefetched(client.pages(entity, cursor), rows=batch_rows):
        batch.append(page)
        if sum(p.size for p in batch) >= batch_rows or time.monotonic() - since >= BATCH_SECONDS:
            _write_batch(store, shop_id, entity, batch, result, progress)
            batch, since = [], time.monotonic()
    if batch:
        _write_batch(store, shop_id, entity, batch, result, progress)


def _write_batch(store: Store, shop_id: str, entity: str, batch: list[Page], result: SyncResult,
                 progress: Progress | None) -> None:
    now = clock.now()
    tables: dict[str, list[dict[str, Any]]] = {}
    for page in batch:
        for table, rows in page.rows.items():
            tables.setdefault(table, []).extend(rows)
    records = sum(len(rows) for table, rows in tables.items() if table not in CHILDREN)
    with store.unit() as con:
        write_rows(con, shop_id, tables, now)
        con.execute("""INSERT INTO sync_checkpoints VALUES (?, ?, ?, ?)
                       ON CONFLICT (shop_id, entity) DO UPDATE SET cursor = excluded.cursor,
                           updated_at = excluded.updated_at""",
                    [shop_id, entity, json.dumps(batch[-1].cursor), now])
        con.execute("UPDATE sync_runs SET pages = pages + ?, records = records + ?, entity = ? WHERE run_id = ?",
                    [len(batch), records, entity, result.run_id])
    result.pages += len(batch)
    result.records += records
    if progress:
        progress(entity, result.records, result.pages)


def write_rows(con: duckdb.DuckDBPyConnection, shop_id: str, tables: dict[str, list[dict[str, Any]]],
               now: dt.datetime) -> None:
    """Upsert normalized rows of several tables; children of a parent that arrived are replaced whole."""
    built = {t: _frame(con, t, shop_id, rows, now) for t, rows in tables.items() if len(rows)}
    frames = {t: frame for t, (frame, _) in built.items()}
    for table in sorted(frames, key=lambda t: t in CHILDREN):
        if table in CHILDREN:
            parent, key = CHILDREN[table]
            if parent in frames:
                con.register("_parents", frames[parent].select(key).to_arrow())
                con.execute(f"DELETE FROM {table} WHERE shop_id = ? AND {key} IN (SELECT {key} FROM _parents)",
                            [shop_id])
                con.unregister("_parents")
        upsert(con, table, frames[table], ("shop_id",) + TABLE_KEYS[table], valid_json=built[table][1])


def to_frame(con: duckdb.DuckDBPyConnection, table: str, shop_id: str, rows: list[dict[str, Any]],
             now: dt.datetime) -> pl.DataFrame:
    """Rows as a frame typed like the table, with shop_id and synced_at filled in."""
    return _frame(con, table, shop_id, rows, now)[0]


def _frame(con: duckdb.DuckDBPyConnection, table: str, shop_id: str, rows: list[dict[str, Any]],
           now: dt.datetime) -> tuple[pl.DataFrame, tuple[str, ...]]:
    """The frame of `to_frame`, and its JSON columns whose every text was encoded here (valid by construction).

    Built a column at a time (one list per column, typed in one step) rather than from the list of dicts:
    polars' row-wise builder costs several µs a row. The columns are the first row's keys, as before.
    """
    types = dict(con.execute(
        "SELECT column_name, data_type FROM information_schema.columns WHERE table_name = ?", [table]).fetchall())
    present = list(rows[0]) if rows else []
    for column in present:
        if column not in types:
            raise SyncError(f"the {table} rows carry a field '{column}' the store does not have")
    values, trusted = {}, []
    for column in present:
        values[column] = [row.get(column) for row in rows]
        if column in _JSON_FIELDS:
            values[column], encoded_here = _json_texts(values[column], lenient=column == "raw")
            if encoded_here:
                trusted.append(column)
    try:
        frame = pl.DataFrame([_series(column, values[column], _polars_type(types[column])) for column in present])
    except (TypeError, ValueError, pl.exceptions.PolarsError) as exc:
        raise SyncError(f"the {table} rows could not be stored: {exc}") from None
    frame = frame.with_columns(pl.lit(shop_id).alias("shop_id"),
                               pl.lit(now).cast(pl.Datetime("us", "UTC")).alias("synced_at"))
    return frame, tuple(trusted)


# JSON columns the engine encodes: `raw` the platform's record (anything JSON cannot hold as text, as
# json.dumps(default=str) would), `detail` plain JSON values.
_JSON_FIELDS = ("raw", "detail")
_ORJSON_OPTIONS = orjson.OPT_PASSTHROUGH_DATETIME | orjson.OPT_PASSTHROUGH_DATACLASS


def _polars_type(declared: str) -> pl.DataType:
    return pl.Float64 if declared.startswith("DECIMAL") else _POLARS_TYPES.get(declared, pl.Utf8)


def _json_texts(values: list[Any], *, lenient: bool) -> tuple[list[str | None], bool]:
    """Values as JSON text (a str is taken as JSON text already); True if every text was encoded here.

    orjson writes what json.dumps(ensure_ascii=False) writes, without the blanks after ',' and ':' (a
    datetime or dataclass goes through `default`, as json.dumps would); what orjson refuses (an integer past
    64 bits, a non-string key) goes through json.dumps itself, unchanged.
    """
    dumps, default, options = orjson.dumps, str if lenient else None, _ORJSON_OPTIONS
    out: list[str | None] = []
    append = out.append
    own = True
    for value in values:
        if value is None:
            append(None)
        elif isinstance(value, str):
            append(value)
            own = False
        else:
            try:
                append(dumps(value, default=default, option=options).decode())
            except TypeError:
                append(json.dumps(value, ensure_ascii=False, default=default))
                own = False  # json.dumps may write NaN, which DuckDB should still get to refuse
    return out, own


_UTC_ARROW = pa.timestamp("us", tz="UTC")


def _series(name: str, values: list[Any], dtype: pl.DataType) -> pl.Series:
    """One column: strictly typed in one step when every value already has the column's type, else through
    polars' row-wise builder, whose conversions (a number in a text column, '2' in a number column, ...) and
    refusals stay exactly as they were."""
    try:
        if dtype == pl.Datetime("us", "UTC"):
            # pyarrow reads datetimes 5x faster than polars, and as polars does (aware: to UTC; naive: as UTC).
            return pl.Series(name, pa.array(values, type=_UTC_ARROW))
        if dtype in (pl.Utf8, pl.Boolean, pl.Int64, pl.Float64):
            return pl.Series(name, values, dtype=dtype, strict=True)
    except (TypeError, ValueError, OverflowError, pa.ArrowException, pl.exceptions.PolarsError):
        pass
    return pl.DataFrame([{name: value} for value in values], schema={name: dtype})[name]


def _prefetched(pages: Iterator[Page], depth: int = 2, *, rows: int = 0) -> Iterator[Page]:
    """Fetch ahead while the pages before are written (the store is never open during a fetch).

    At most `depth` pages wait, or, when `rows` is given, pages holding up to `rows` rows (and always one):
    writing a batch takes DuckDB a second or more, mostly outside the GIL, and the platform's next pages
    should be read meanwhile instead of waiting for it.
    """
    ready: collections.deque = collections.deque()
    waiting = [0]  # rows in `ready`
    changed = threading.Condition()
    stop = threading.Event()
    done = object()

    def full() -> bool:
        return bool(ready) and (waiting[0] >= rows if rows else len(ready) >= depth)

    def hand(item: Any, size: int = 0) -> bool:
        with changed:
            while full() and not stop.is_set():
                changed.wait(0.2)
            if stop.is_set():
                return False
            ready.append((item, size))
            waiting[0] += size
            changed.notify_all()
            return True

    def produce() -> None:
        try:
            for page in pages:
                if not hand(page, page.size if rows else 0):
                    return
            hand(done)
        except BaseException as exc:  # handed to the consumer, which re-raises it
            hand(exc)

    worker = threading.Thread(target=produce, name="sync-prefetch", daemon=True)
    worker.start()
    try:
        while True:
            with changed:
                while not ready:
                    changed.wait()
                item, size = ready.popleft()
                waiting[0] -= size
                changed.notify_all()
            if item is done:
                return
            if isinstance(item, BaseException):
                raise item
            yield item
    finally:
        stop.set()
        with changed:
            changed.notify_all()
