"""Where a notebook reads from: the live store, or a snapshot of it written as Parquet files.

Both are a `Store` to the domain code: `with source.unit() as con:` gives a DuckDB connection with the
store's tables, so every analyst function (and the segment, cart and automation queries they call) runs
the same SQL on either. The live store is opened for one unit of work per call, behind the same `flock`
and bounded wait as the console and the scheduler (core/store.py), so a notebook never holds the file
between cells. A snapshot is opened in memory, with one view per Parquet file, and holds no lock at all:
long queries there never keep the scheduler waiting.
"""
from __future__ import annotations

import contextlib
import datetime as dt
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import duckdb

from core import clock
from core.errors import InvalidInput, NotFound
from core.store import Store

MANIFEST = "manifest.json"
ROLE = "analyst"  # how the store's lock names a notebook that holds it

SourceLike = Store | str | Path | None


class BadSnapshot(InvalidInput):
    """A snapshot folder whose manifest or files cannot be read."""


class SnapshotStore(Store):
    """A snapshot folder read as if it were the store: each table a view over its Parquet file.

    Nothing is written to the folder; temporary tables a query makes live in memory for its one unit.
    """

    def __init__(self, folder: Path | str) -> None:
        self.folder = Path(folder)
        self.manifest = read_manifest(self.folder)
        super().__init__(self.folder / MANIFEST, role=ROLE)

    @property
    def taken_at(self) -> dt.datetime:
        """The instant the snapshot was taken: 'now' for questions asked of it."""
        return dt.datetime.fromisoformat(self.manifest["taken_at"])

    @contextlib.contextmanager
    def unit(self) -> Iterator[duckdb.DuckDBPyConnection]:
        con = duckdb.connect(":memory:")
        try:
            con.execute("SET TimeZone = 'UTC'")
            for table, info in self.manifest["tables"].items():
                con.execute(f'CREATE VIEW "{table}" AS SELECT {_columns(info)} '
                            f"FROM read_parquet({quote_text(str(self.folder / info['file']))})")
            yield con
        finally:
            con.close()

    def migrate(self) -> list[int]:
        """A snapshot is read as it was written; its schema version is the manifest's."""
        return [int(self.manifest["schema_version"])]


def quote_text(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _columns(info: dict[str, Any]) -> str:
    # Parquet has no JSON type that polars reads as text, so JSON columns are written as text and typed
    # back here: the domain SQL (->>, json_extract) then reads a snapshot as it reads the store.
    columns = info.get("columns") or {}
    if not columns:
        return "*"
    return ", ".join(f'"{name}"::JSON AS "{name}"' if kind == "JSON" else f'"{name}"'
                     for name, kind in columns.items())


def read_manifest(folder: Path) -> dict[str, Any]:
    path = folder / MANIFEST
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise NotFound("analyst.no_snapshot", detail=f"{folder} has no {MANIFEST}", path=str(folder)) from None
    except (OSError, ValueError) as exc:
        raise BadSnapshot("analyst.bad_snapshot", detail=f"{path} cannot be read: {exc}", path=str(folder)) from None
    if not isinstance(manifest, dict) or not isinstance(manifest.get("tables"), dict) or "taken_at" not in manifest:
        raise BadSnapshot("analyst.bad_snapshot", detail=f"{path} is not a snapshot manifest", path=str(folder))
    missing = [info.get("file", table) for table, info in manifest["tables"].items()
               if not (folder / str(info.get("file", ""))).is_file()]
    if missing:
        raise BadSnapshot("analyst.bad_snapshot", detail=f"{folder} lacks {', '.join(missing)}", path=str(folder))
    return manifest


def open_source(source: SourceLike = None) -> Store:
    """The store to read: a Store as given; a folder with a manifest as a snapshot; a path as a store file;
    None as the console's own store ($CONSOLE_DB or data/console.duckdb)."""
    if isinstance(source, Store):
        return source
    if source is not None and Path(source).is_dir():
        return SnapshotStore(source)
    store = Store(source, role=ROLE)
    if not store.path.exists():
        # Opening a path that does not exist would create an empty store there and answer with nothing.
        raise NotFound("analyst.no_store", detail=f"no store or snapshot at {store.path}", path=str(store.path))
    return store


def now_of(store: Store) -> dt.datetime:
    """'Now' for a question: the snapshot's moment for a snapshot, the clock for the live store."""
    return store.taken_at if isinstance(store, SnapshotStore) else clock.now()
