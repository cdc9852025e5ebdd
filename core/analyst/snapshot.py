"""A snapshot of the store for heavy work: every table (or one shop's rows) as a Parquet file, and a manifest.

All tables are copied in ONE unit of work, so the files agree with each other (an order and its items, a
send and its clicks) as the store stood at one moment, and the scheduler waits for that unit only, never for
the long queries an analyst then runs on the copy. DuckDB writes the files itself (`COPY (SELECT ...) TO
'file' (FORMAT parquet)`: https://duckdb.org/docs/stable/sql/statements/copy), column by column, with no
Python loop over rows. JSON columns are written as text, which every Parquet reader (polars included)
reads as a string; the manifest records each column's store type, so `SnapshotStore` types them back.

The snapshot is written into a folder beside `out` and renamed into place when complete: a folder named
`out` is either a whole snapshot or not there.
"""
from __future__ import annotations

import datetime as dt
import json
import os
import shutil
import uuid
from pathlib import Path
from typing import Any

import duckdb

from core import clock
from core.analyst.source import MANIFEST, quote_text
from core.errors import InvalidInput, NotFound
from core.store import Store

# Smaller than DuckDB's default snappy at about the same speed, and polars reads it: at 1M members / 3M orders,
# 31 MB in 11-12 s against snappy's 117 MB in 10-12 s (bench/bench_snapshot.py, on a loaded 2-core machine).
COMPRESSION = "zstd"

# Tables without a shop_id column, and how one shop's rows of each are found.
_SHOP_OF = {
    "automation_status_log": "automation_id IN (SELECT automation_id FROM automations WHERE shop_id = {shop})",
    "godomall_import_seen": "import_id IN (SELECT import_id FROM godomall_imports WHERE shop_id = {shop})",
    "tracking_events": "message_id IN (SELECT message_id FROM outbox WHERE shop_id = {shop})",
    "scheduler_jobs": "job NOT LIKE 'sync:%' OR job = 'sync:' || {shop}",
    "schema_migrations": "TRUE",
}


class SnapshotRefused(InvalidInput):
    """The snapshot cannot be written where it was asked to be."""


def _tables(con: duckdb.DuckDBPyConnection) -> dict[str, dict[str, str]]:
    """Every table of the store with its columns and their types, in column order."""
    rows = con.execute("""SELECT c.table_name, c.column_name, c.data_type
                          FROM information_schema.columns c JOIN information_schema.tables t
                            ON t.table_schema = c.table_schema AND t.table_name = c.table_name
                          WHERE c.table_schema = 'main' AND t.table_type = 'BASE TABLE'
                          ORDER BY c.table_name, c.ordinal_position""").fetchall()
    tables: dict[str, dict[str, str]] = {}
    for table, column, kind in rows:
        tables.setdefault(table, {})[column] = kind
    return tables


def _where(table: str, columns: dict[str, str], shop_id: str | None) -> str | None:
    """The filter for one shop's rows; None when the table's rows cannot be tied to a shop (left out)."""
    if shop_id is None:
        return "TRUE"
    if "shop_id" in columns:
        return f"shop_id = {quote_text(shop_id)}"
    found = _SHOP_OF.get(table)
    return found.format(shop=quote_text(shop_id)) if found else None


def _select(table: str, columns: dict[str, str], where: str) -> str:
    shown = ", ".join(f'"{c}"::VARCHAR AS "{c}"' if kind == "JSON" else f'"{c}"' for c, kind in columns.items())
    return f'SELECT {shown} FROM "{table}" WHERE {where}'


def _check_out(out: Path) -> None:
    if out.exists() and not out.is_dir():
        raise SnapshotRefused("analyst.snapshot_out", detail=f"{out} is a file, not a folder", path=str(out))
    if out.is_dir() and any(out.iterdir()) and not (out / MANIFEST).is_file():
        raise SnapshotRefused("analyst.snapshot_out",
                              detail=f"{out} holds files that are not a snapshot; choose an empty or new folder",
                              path=str(out))


def write_snapshot(store: Store, out: Path | str, *, now: dt.datetime, shop_id: str | None = None) -> dict[str, Any]:
    """Copy the store's tables (or one shop's rows) to Parquet files under `out`; returns the manifest.

    `out` may be new, empty, or an earlier snapshot (replaced whole once the new one is complete).
    """
    now = clock.require_aware(now)
    out = Path(out)
    _check_out(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    work = out.with_name(f".{out.name}.{uuid.uuid4().hex[:8]}.partial")
    work.mkdir()
    try:
        manifest = _copy(store, work, now, shop_id)
        (work / MANIFEST).write_text(json.dumps(manifest, ensure_ascii=False, indent=2), encoding="utf-8")
        _replace(work, out)
    except BaseException:
        shutil.rmtree(work, ignore_errors=True)
        raise
    return manifest


def _copy(store: Store, work: Path, now: dt.datetime, shop_id: str | None) -> dict[str, Any]:
    tables: dict[str, Any] = {}
    left_out = []
    with store.unit() as con:
        if shop_id is not None and not con.execute("SELECT 1 FROM shops WHERE shop_id = ?", [shop_id]).fetchall():
            raise NotFound("analyst.no_shop", detail=f"no shop '{shop_id}' in {store.path}", shop_id=shop_id)
        (version,) = con.execute("SELECT max(version) FROM schema_migrations").fetchall()[0]
        for table, columns in _tables(con).items():
            where = _where(table, columns, shop_id)
            if where is None:
                left_out.append(table)
                continue
            file = f"{table}.parquet"
            (rows,) = con.execute(f"COPY ({_select(table, columns, where)}) TO {quote_text(str(work / file))} "
                                  f"(FORMAT parquet, COMPRESSION {COMPRESSION})").fetchall()[0]
            tables[table] = {"file": file, "rows": int(rows), "columns": columns}
    return {"taken_at": now.isoformat(), "schema_version": int(version), "shop": shop_id,
            "store": str(store.path), "format": "parquet", "tables": tables,
            "left_out": left_out}


def _replace(work: Path, out: Path) -> None:
    old = None
    if out.exists():
        old = out.with_name(f".{out.name}.{uuid.uuid4().hex[:8]}.old")
        os.replace(out, old)
    os.replace(work, out)
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)


def size_bytes(folder: Path | str) -> int:
    """The snapshot's size on disk: the sum of its files."""
    return sum(f.stat().st_size for f in Path(folder).iterdir() if f.is_file())
