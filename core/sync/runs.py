"""Sync runs and checkpoints: the one module that writes `sync_runs` and `sync_checkpoints`.

A run is one sync (or one file import) of a shop, from start to its end, with the pages and records it
wrote and, when it failed, the error as a record (kind, key, params) beside its message, so the console
explains it without reading the message. A checkpoint is where the next sync of an entity starts; it is
written in the same unit as the page it follows, so a sync never half-applies a page.
"""
from __future__ import annotations

import datetime as dt
import json
from typing import Any

import duckdb

from core.errors import ErrorRecord, Kind

INTERRUPTED = "interrupted: the process running this sync ended before it finished"


def start(con: duckdb.DuckDBPyConnection, run_id: str, shop_id: str, started_by: str, now: dt.datetime) -> None:
    """A run begins; a run of the shop still 'running' belongs to a process that died and is closed first."""
    con.execute("""UPDATE sync_runs SET status = 'failed', finished_at = ?, error = ?,
                       error_kind = ?, error_key = 'sync.interrupted', error_params = '{}'
                   WHERE shop_id = ? AND status = 'running'""", [now, INTERRUPTED, str(Kind.INTERNAL), shop_id])
    con.execute("""INSERT INTO sync_runs (run_id, shop_id, started_by, status, started_at)
                   VALUES (?, ?, ?, 'running', ?)""", [run_id, shop_id, started_by, now])


def progress(con: duckdb.DuckDBPyConnection, run_id: str, entity: str, pages: int, records: int) -> None:
    con.execute("UPDATE sync_runs SET pages = pages + ?, records = records + ?, entity = ? WHERE run_id = ?",
                [pages, records, entity, run_id])


def finish(con: duckdb.DuckDBPyConnection, run_id: str, status: str, now: dt.datetime, entity: str | None,
           error: str | None, failure: ErrorRecord | None) -> None:
    con.execute("""UPDATE sync_runs SET status = ?, finished_at = ?, entity = ?, error = ?,
                       error_kind = ?, error_key = ?, error_params = ?
                   WHERE run_id = ?""",
                [status, now, entity, error, str(failure.kind) if failure else None,
                 failure.key if failure else None, failure.params_json() if failure else None, run_id])


def record_finished(con: duckdb.DuckDBPyConnection, run_id: str, shop_id: str, started_by: str, status: str,
                    now: dt.datetime, entity: str, records: int, error: str | None,
                    failure: ErrorRecord | None = None) -> None:
    """A run done in one unit of work (a file import): it starts and ends at `now`, in one page."""
    con.execute("""INSERT INTO sync_runs (run_id, shop_id, started_by, status, started_at, finished_at, entity,
                                          pages, records, error, error_kind, error_key, error_params)
                   VALUES (?, ?, ?, ?, ?, ?, ?, 1, ?, ?, ?, ?, ?)""",
                [run_id, shop_id, started_by, status, now, now, entity, records, error,
                 str(failure.kind) if failure else None, failure.key if failure else None,
                 failure.params_json() if failure else None])


def load_cursor(con: duckdb.DuckDBPyConnection, shop_id: str, entity: str) -> dict[str, Any] | None:
    row = con.execute("SELECT cursor FROM sync_checkpoints WHERE shop_id = ? AND entity = ?",
                      [shop_id, entity]).fetchone()
    return json.loads(row[0]) if row else None


def save_cursor(con: duckdb.DuckDBPyConnection, shop_id: str, entity: str, cursor: dict[str, Any],
                now: dt.datetime) -> None:
    con.execute("""INSERT INTO sync_checkpoints VALUES (?, ?, ?, ?)
                   ON CONFLICT (shop_id, entity) DO UPDATE SET cursor = excluded.cursor,
                       updated_at = excluded.updated_at""", [shop_id, entity, json.dumps(cursor), now])
