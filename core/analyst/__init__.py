"""The store for analysts in Jupyter: polars frames, one unit of work per call, never a held connection.

    from core import analyst
    analyst.orders("mall", "2026-01-01", "2026-01-31")           # the live store ($CONSOLE_DB)
    analyst.segment({"orders_min": 2}, "mall", source="snap/")    # a snapshot folder, the same call

Each call opens the store, runs its queries in one transaction and closes it, behind the same lock and
bounded wait as the console and the scheduler (core/store.py): a notebook left open all day never keeps the
scheduler from its work, and a call that waits too long ends in the same StoreBusy naming who held the
store. Opening the file with `duckdb.connect` instead holds it for the kernel's whole life, and DuckDB lets
one process have a file at a time (read-only too), so the scheduler could not open the store at all.

For long queries, `python -m core snapshot --out DIR` copies the store to Parquet files in one unit; pass
`source=DIR` to read the copy with the very same functions, or read the files with polars or DuckDB.

- frames: members, orders, order_items, carts, sends (a shop and a period of calendar days), segment,
  saved_segment, cart_recovery, abandoned_carts, automation_results
- sql: one read-only SELECT, anything else refused
- snapshot: write_snapshot; source: open_source, SnapshotStore; excel: write_excel_csv
"""
from __future__ import annotations

from core.analyst.excel import excel_csv_bytes, write_excel_csv
from core.analyst.frames import (
    abandoned_carts,
    automation_results,
    cart_recovery,
    carts,
    members,
    order_items,
    orders,
    saved_segment,
    segment,
    sends,
)
from core.analyst.snapshot import write_snapshot
from core.analyst.source import SnapshotStore, open_source
from core.analyst.sql import ReadOnly, sql

__all__ = ["ReadOnly", "SnapshotStore", "abandoned_carts", "automation_results", "cart_recovery", "carts",
           "excel_csv_bytes", "members", "open_source", "order_items", "orders", "saved_segment", "segment",
           "sends", "sql", "write_excel_csv", "write_snapshot"]
