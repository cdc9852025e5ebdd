"""The sync engine: pages from a platform client into the store.

Network I/O never happens while the store is open: pages are fetched (one
fetch ahead, in a thread) and then written, with their checkpoint, in one short
transaction. A failure leaves every committed page and its checkpoint in place
and nothing of the failed batch, so the next run resumes exactly there.
"""
from __future__ import annotations

import dataclasses
import datetime as dt
import json
import queue
import threading
import time
import uuid
from typing import Any, Callable, Iterable, Iterator

import duckdb
import polars as pl

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
    for page in _prefetched(client.pages(entity, cursor)):
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
    frames = {t: to_frame(con, t, shop_id, rows, now) for t, rows in tables.items() if rows}
    for table in sorted(frames, key=lambda t: t in CHILDREN):
        if table in CHILDREN:
            parent, key = CHILDREN[table]
            if parent in frames:
                con.register("_parents", frames[parent].select(key).to_arrow())
                con.execute(f"DELETE FROM {table} WHERE shop_id = ? AND {key} IN (SELECT {key} FROM _parents)",
                            [shop_id])
                con.unregister("_parents")
        upsert(con, table, frames[table], ("shop_id",) + TABLE_KEYS[table])


def to_frame(con: duckdb.DuckDBPyConnection, table: str, shop_id: str, rows: list[dict[str, Any]],
             now: dt.datetime) -> pl.DataFrame:
    """Rows as a frame typed like the table, with shop_id and synced_at filled in."""
    types = dict(con.execute(
        "SELECT column_name, data_type FROM information_schema.columns WHERE table_name = ?", [table]).fetchall())
    present = {k for row in rows[:1] for k in row}
    schema = {}
    for column in present:
        if column not in types:
            raise SyncError(f"the {table} rows carry a field '{column}' the store does not have")
        declared = types[column]
        schema[column] = pl.Float64 if declared.startswith("DECIMAL") else _POLARS_TYPES.get(declared, pl.Utf8)
    if "raw" in present:
        rows = [{**r, "raw": r["raw"] if isinstance(r["raw"], str) or r["raw"] is None
                 else json.dumps(r["raw"], ensure_ascii=False, default=str)} for r in rows]
    for column in ("detail",):
        if column in present:
            rows = [{**r, column: r[column] if isinstance(r[column], str) or r[column] is None
                     else json.dumps(r[column], ensure_ascii=False)} for r in rows]
    try:
        frame = pl.DataFrame(rows, schema=schema)
    except (TypeError, ValueError, pl.exceptions.PolarsError) as exc:
        raise SyncError(f"the {table} rows could not be stored: {exc}") from None
    return frame.with_columns(pl.lit(shop_id).alias("shop_id"),
                              pl.lit(now).cast(pl.Datetime("us", "UTC")).alias("synced_at"))


def _prefetched(pages: Iterator[Page], depth: int = 2) -> Iterator[Page]:
    """Fetch the next page while the current one is written (the store is never open during a fetch)."""
    out: queue.Queue = queue.Queue(maxsize=depth)
    stop = threading.Event()
    done = object()

    def produce() -> None:
        try:
            for page in pages:
                while not stop.is_set():
                    try:
                        out.put(page, timeout=0.2)
                        break
                    except queue.Full:
                        continue
                if stop.is_set():
                    return
            out.put(done)
        except BaseException as exc:  # handed to the consumer, which re-raises it
            out.put(exc)

    worker = threading.Thread(target=produce, name="sync-prefetch", daemon=True)
    worker.start()
    try:
        while True:
            item = out.get()
            if item is done:
                return
            if isinstance(item, BaseException):
                raise item
            yield item
    finally:
        stop.set()
