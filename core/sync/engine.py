"""The sync engine: pages from a platform client into the store.

Network I/O never happens while the store is open: pages are fetched, and typed
as frames, in a thread (ahead by up to a batch while the batch before is being
written) and then written, with their checkpoint, in one short transaction. A
failure leaves every committed page and its checkpoint in place and nothing of
the failed batch, so the next run resumes exactly there.
"""
from __future__ import annotations

import dataclasses
import datetime as dt
import json
import time
import uuid
from collections.abc import Callable, Iterable
from typing import Any, cast

import duckdb
import orjson
import polars as pl
import pyarrow as pa

from core import clock
from core.errors import CoreError, ErrorRecord, Kind
from core.integrations.base import CHILDREN, TABLE_KEYS, BadResponse, Page, ShopClient
from core.store import Store, upsert
from core.sync import runs
from core.sync.prefetch import Prefetch

Progress = Callable[[str, int, int], None]  # (entity, that entity's records so far, its pages so far)

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
    error: str | None = None               # the English account, as logs and the run's "details" show it
    failure: ErrorRecord | None = None     # the same error as kind, key and params, for the console's words


BATCH_SECONDS = 2.0
WRITE_SHARE = 4.0  # a batch gathers for at least this many times as long as the last one took to write
CHUNK_ROWS = 2_000  # rows of pages framed together in the prefetch thread (see core.sync.prefetch)


def sync_shop(store: Store, shop_id: str, client: ShopClient, *, started_by: str = "cli",
              entities: Iterable[str] | None = None, batch_rows: int = 150_000,
              progress: Progress | None = None) -> SyncResult:
    """Sync `entities` (default: all the client offers) of one shop, recording a sync run."""
    result = SyncResult(str(uuid.uuid4()), shop_id, "running")
    with store.unit() as con:
        runs.start(con, result.run_id, shop_id, started_by, clock.now())
    try:
        for entity in entities or client.entities:
            result.entity = entity
            _sync_entity(store, shop_id, client, entity, result, batch_rows, progress)
        result.status, result.entity = "succeeded", None
    except CoreError as exc:
        result.status, result.failure = "failed", ErrorRecord.of(exc)
        result.error = exc.detail or str(exc)
    except (OSError, duckdb.Error, ValueError, KeyError, TypeError, AttributeError, IndexError,
            ArithmeticError) as exc:
        # A fault of ours (or of a library beneath us, or a platform answer a client failed to check): kind
        # internal, its message kept as it was; the run fails in words instead of the error escaping the sync.
        result.status, result.failure = "failed", ErrorRecord.of(exc)
        result.error = f"unexpected {type(exc).__name__} while syncing {result.entity}: {exc}"
        result.failure.detail = result.error
    finally:
        if result.status == "running":  # interrupted by something we do not catch (KeyboardInterrupt, ...)
            result.status, result.error = "failed", f"interrupted while syncing {result.entity}"
            result.failure = ErrorRecord(Kind.INTERNAL, "sync.interrupted", {"entity": result.entity}, result.error)
        failure = result.failure
        with store.unit() as con:
            runs.finish(con, result.run_id, result.status, clock.now(), result.entity, result.error, failure)
    return result


def _sync_entity(store: Store, shop_id: str, client: ShopClient, entity: str, result: SyncResult,
                 batch_rows: int, progress: Progress | None) -> None:
    with store.unit() as con:
        cursor = runs.load_cursor(con, shop_id, entity)
        types = _store_types(con)
    batch: list[_Framed] = []
    rows = 0
    done = _Done()  # this entity's own records and pages, for `progress`
    # Each store unit costs ~0.1 s to open and more to checkpoint, so pages are written in big batches; but
    # a slow platform still gets its pages landed (and checkpointed) every few seconds, so a crash loses
    # little. When a write itself takes long (a fast platform, big batches), the next batch gathers for
    # WRITE_SHARE times as long, so the store's fixed costs stay a small share of the sync.
    since, gather = time.monotonic(), BATCH_SECONDS
    feed = Prefetch(client.pages(entity, cursor), chunk=lambda pages: _Framed.of(pages, types),
                     chunk_rows=min(CHUNK_ROWS, batch_rows))
    for chunk in feed:
        batch.append(chunk)
        rows += chunk.size
        if rows >= batch_rows or time.monotonic() - since >= gather:
            started = time.monotonic()
            feed.allow(rows)  # while this batch is written, the next one is read
            _write_batch(store, shop_id, entity, batch, result, done, progress)
            feed.allow(0)
            since = time.monotonic()
            batch, rows, gather = [], 0, max(BATCH_SECONDS, WRITE_SHARE * (since - started))
    if batch:
        _write_batch(store, shop_id, entity, batch, result, done, progress)


@dataclasses.dataclass
class _Done:
    records: int = 0
    pages: int = 0


@dataclasses.dataclass
class _Framed:
    """Consecutive pages with their rows typed as frames (columnar: a fraction of the memory of the dicts),
    built in the prefetch thread as they arrive. Small pages are framed a few at a time (a frame has a fixed
    cost, 4 µs a row on pages of 100), but never held past CHUNK_SECONDS."""

    frames: dict[str, tuple[pl.DataFrame, tuple[str, ...]]]
    cursor: dict[str, Any]
    pages: int
    size: int
    records: int

    @classmethod
    def of(cls, pages: list[Page], types: dict[str, dict[str, str]]) -> _Framed:
        tables: dict[str, list[dict[str, Any]]] = {}
        for page in pages:
            for table, rows in page.rows.items():
                tables.setdefault(table, []).extend(rows)
        frames = {t: _typed(t, rows, types.get(t, {})) for t, rows in tables.items() if len(rows)}
        return cls(frames, pages[-1].cursor, len(pages), sum(len(rows) for rows in tables.values()),
                   sum(len(rows) for t, rows in tables.items() if t not in CHILDREN))


def _store_types(con: duckdb.DuckDBPyConnection) -> dict[str, dict[str, str]]:
    types: dict[str, dict[str, str]] = {}
    for table, column, declared in con.execute(
            "SELECT table_name, column_name, data_type FROM information_schema.columns").fetchall():
        types.setdefault(table, {})[column] = declared
    return types


def _write_batch(store: Store, shop_id: str, entity: str, batch: list[_Framed], result: SyncResult,
                 done: _Done, progress: Progress | None) -> None:
    now = clock.now()
    parts: dict[str, list[tuple[pl.DataFrame, tuple[str, ...]]]] = {}
    for page in batch:
        for table, part in page.frames.items():
            parts.setdefault(table, []).append(part)
    records, pages = sum(chunk.records for chunk in batch), sum(chunk.pages for chunk in batch)
    with store.unit() as con:
        _write_frames(con, shop_id, {t: _joined(p, shop_id, now) for t, p in parts.items()})
        runs.save_cursor(con, shop_id, entity, batch[-1].cursor, now)
        runs.progress(con, result.run_id, entity, pages, records)
    result.pages += pages
    result.records += records
    done.pages += pages
    done.records += records
    if progress:
        progress(entity, done.records, done.pages)


def _joined(parts: list[tuple[pl.DataFrame, tuple[str, ...]]], shop_id: str, now: dt.datetime
            ) -> tuple[pl.DataFrame, tuple[str, ...]]:
    """The pages' frames of one table as one, with the columns of the first (a field the first row lacks is
    left as stored; one a later page lacks is null), as if the batch's rows had been framed together."""
    first = parts[0][0]
    frames = [frame if frame.columns == first.columns else frame.select(
        [pl.col(c) if c in frame.columns else pl.lit(None, dtype=t).alias(c) for c, t in first.schema.items()])
        for frame, _ in parts]
    trusted = tuple(c for c in parts[0][1] if all(c in own for _, own in parts))
    frame = frames[0] if len(frames) == 1 else pl.concat(frames, how="vertical")
    return _stamped(frame, shop_id, now), trusted


def _stamped(frame: pl.DataFrame, shop_id: str, now: dt.datetime) -> pl.DataFrame:
    return frame.with_columns(pl.lit(shop_id).alias("shop_id"),
                              pl.lit(now).cast(pl.Datetime("us", "UTC")).alias("synced_at"))


def write_rows(con: duckdb.DuckDBPyConnection, shop_id: str, tables: dict[str, list[dict[str, Any]]],
               now: dt.datetime) -> None:
    """Upsert normalized rows of several tables; children of a parent that arrived are replaced whole."""
    _write_frames(con, shop_id, {t: _frame(con, t, shop_id, rows, now) for t, rows in tables.items() if len(rows)})


def _write_frames(con: duckdb.DuckDBPyConnection, shop_id: str,
                  built: dict[str, tuple[pl.DataFrame, tuple[str, ...]]]) -> None:
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
    """The frame of `to_frame`, and its JSON columns whose every text was encoded here (valid by construction)."""
    types = dict(con.execute(
        "SELECT column_name, data_type FROM information_schema.columns WHERE table_name = ?", [table]).fetchall())
    frame, trusted = _typed(table, rows, types)
    return _stamped(frame, shop_id, now), trusted


def _typed(table: str, rows: list[dict[str, Any]], types: dict[str, str]) -> tuple[pl.DataFrame, tuple[str, ...]]:
    """Rows as a frame typed like the table's columns `types`, and its JSON columns encoded here.

    Built a column at a time (one list per column, typed in one step) rather than from the list of dicts:
    polars' row-wise builder costs several µs a row. The columns are the first row's keys.
    """
    present = list(rows[0]) if rows else []
    for column in present:
        if column not in types:
            raise BadResponse("sync.unknown_field", what=table, field=column,
                              detail=f"the {table} rows carry a field '{column}' the store does not have")
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
        raise BadResponse("sync.unstorable", what=table,
                          detail=f"the {table} rows could not be stored: {exc}") from None
    return frame, tuple(trusted)


# JSON columns the engine encodes: `raw` the platform's record (anything JSON cannot hold as text, as
# json.dumps(default=str) would), `detail` plain JSON values.
_JSON_FIELDS = ("raw", "detail")
_ORJSON_OPTIONS = orjson.OPT_PASSTHROUGH_DATETIME | orjson.OPT_PASSTHROUGH_DATACLASS


def _polars_type(declared: str) -> pl.DataType:
    # The table holds both types (pl.Utf8) and instances (pl.Datetime("us", "UTC")); polars takes either.
    return cast(pl.DataType, pl.Float64 if declared.startswith("DECIMAL") else _POLARS_TYPES.get(declared, pl.Utf8))


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
