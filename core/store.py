"""The store: one DuckDB file, opened for one unit of work at a time.

DuckDB lets a single process hold a file, so the console and the scheduler
never keep a connection: each unit of work takes a blocking OS lock on a
sidecar file, opens the store, runs one transaction and closes it. A blocking
`flock` shares the file evenly between the two processes (see docs/design.md); a
bounded wait still ends in `StoreBusy`, which names the holder.
"""
from __future__ import annotations

import contextlib
import datetime as dt
import fcntl
import json
import os
import re
import socket
import threading
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any, cast

import duckdb
import polars as pl
import pyarrow as pa

from core import config
from core.errors import CoreError, Kind

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"
DEFAULT_TIMEOUT_S = 15.0


class StoreError(CoreError):
    """The store cannot be used; the detail says why."""

    def __init__(self, detail: str, key: str = "store.unusable", **params: Any) -> None:
        super().__init__(key, detail=detail, **params)


class StoreBusy(StoreError):
    """Another unit of work kept the store past the bounded wait."""

    kind = Kind.BUSY


class StoreTooNew(StoreError):
    """The file was written by a newer version of the console."""


def default_path() -> Path:
    return config.settings().store_path


def migrations() -> list[tuple[int, str, str]]:
    """(version, name, sql) of every migration, in order."""
    found = []
    for path in sorted(MIGRATIONS_DIR.glob("*.sql")):
        match = re.fullmatch(r"(\d+)_(.+)\.sql", path.name)
        if not match:
            raise StoreError(f"migration file {path.name} is not named NNN_name.sql")
        found.append((int(match.group(1)), match.group(2), path.read_text(encoding="utf-8")))
    versions = [v for v, _, _ in found]
    if len(set(versions)) != len(versions):
        raise StoreError(f"two migrations share a number: {versions}")
    return found


class _FileLock:
    """An exclusive `flock` on the sidecar file, waited for at most `timeout` seconds.

    `flock` itself cannot time out, so a contended wait runs in a helper thread;
    if the caller gives up, the thread releases the lock the moment it gets it.
    """

    def __init__(self, path: Path, role: str) -> None:
        self.path = path
        self.role = role
        self._fd: int | None = None

    def acquire(self, timeout: float) -> None:
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = self._wait(fd, timeout)
            if holder is not None:
                raise StoreBusy(
                    f"store {self.path.with_suffix('')} is busy: {holder} "
                    f"kept it past the {timeout:g} s wait",
                    "store.busy", holder=holder, seconds=timeout,
                ) from None
        self._fd = fd
        self._write_holder(fd)

    def _wait(self, fd: int, timeout: float) -> str | None:
        """None once the lock is held; else who held it when the wait ran out."""
        got = threading.Event()
        guard = threading.Lock()
        abandoned = False

        def waiter() -> None:
            fcntl.flock(fd, fcntl.LOCK_EX)
            with guard:
                if abandoned:
                    fcntl.flock(fd, fcntl.LOCK_UN)
                    os.close(fd)
                    return
                got.set()

        threading.Thread(target=waiter, name="store-lock-wait", daemon=True).start()
        if got.wait(timeout):
            return None
        with guard:
            if got.is_set():
                return None
            holder = self._holder(fd)
            abandoned = True
        return holder

    def _write_holder(self, fd: int) -> None:
        holder = {
            "pid": os.getpid(),
            "role": self.role,
            "host": socket.gethostname(),
            "thread": threading.current_thread().name,
            "since": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        }
        os.ftruncate(fd, 0)
        os.pwrite(fd, json.dumps(holder).encode(), 0)

    @staticmethod
    def _holder(fd: int) -> str:
        try:
            holder = json.loads(os.pread(fd, 4096, 0) or b"{}")
            return f"{holder.get('role', '?')} (pid {holder.get('pid', '?')}, since {holder.get('since', '?')})"
        except (OSError, ValueError):
            return "another process"

    def release(self) -> None:
        if self._fd is not None:
            fcntl.flock(self._fd, fcntl.LOCK_UN)
            os.close(self._fd)
            self._fd = None


class UnitConnection:
    """The connection a unit of work gets: DuckDB's own, except that `sql()` may follow an unread `execute()`.

    DuckDB 2 refuses a relation while an execute() result is still pending, and units routinely read one
    row (`fetchone()`) and go on; finishing the pending result first is what every caller means.
    """

    __slots__ = ("_con",)

    def __init__(self, con: duckdb.DuckDBPyConnection) -> None:
        self._con = con

    def __getattr__(self, name: str) -> Any:
        return getattr(self._con, name)

    def sql(self, *args: Any, **kwargs: Any) -> duckdb.DuckDBPyRelation:
        self._con.complete()
        return self._con.sql(*args, **kwargs)

    query = sql


class Store:
    """A DuckDB file and the discipline to share it.

    `with store.unit() as con:` is one unit of work: lock, open, one
    transaction, commit (or roll back on error), close, unlock.
    """

    _migrated: set[Path] = set()
    _migrated_guard = threading.Lock()

    def __init__(self, path: Path | str | None = None, *, role: str = "console",
                 timeout: float = DEFAULT_TIMEOUT_S) -> None:
        self.path = Path(path) if path else default_path()
        self.role = role
        self.timeout = timeout
        self.lock_path = self.path.with_name(self.path.name + ".lock")

    @contextlib.contextmanager
    def unit(self) -> Iterator[duckdb.DuckDBPyConnection]:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        lock = _FileLock(self.lock_path, self.role)
        lock.acquire(self.timeout)
        try:
            con = cast(duckdb.DuckDBPyConnection, UnitConnection(self._connect()))
            try:
                self._migrate_once(con)
                con.execute("BEGIN TRANSACTION")
                try:
                    yield con
                except BaseException:
                    con.execute("ROLLBACK")
                    raise
                con.execute("COMMIT")
            finally:
                con.close()
        finally:
            lock.release()

    def _connect(self) -> duckdb.DuckDBPyConnection:
        try:
            con = duckdb.connect(str(self.path))
        except duckdb.Error as exc:
            raise StoreError(f"cannot open the store {self.path}: {exc}") from exc
        con.execute("SET TimeZone = 'UTC'")
        return con

    def _migrate_once(self, con: duckdb.DuckDBPyConnection) -> None:
        key = self.path.resolve()
        with Store._migrated_guard:
            if key in Store._migrated:
                return
            apply_migrations(con, self.path)
            Store._migrated.add(key)

    def migrate(self) -> list[int]:
        """Bring the file up to date now; returns the versions applied."""
        with Store._migrated_guard:
            Store._migrated.discard(self.path.resolve())
        with self.unit() as con:
            return [row[0] for row in con.execute(
                "SELECT version FROM schema_migrations ORDER BY version").fetchall()]

    # Convenience for read-only callers (pages, CLI): one unit, one query, a polars frame.
    def frame(self, sql: str, params: Sequence[Any] | dict | None = None) -> pl.DataFrame:
        with self.unit() as con:
            return con.sql(sql, params=params).pl() if params else con.sql(sql).pl()


def apply_migrations(con: duckdb.DuckDBPyConnection, path: Path | str = "store") -> list[int]:
    """Apply the migrations the file lacks, each in its own transaction; refuse a newer file."""
    con.execute("""
        CREATE TABLE IF NOT EXISTS schema_migrations (
            version INTEGER PRIMARY KEY, name VARCHAR NOT NULL, applied_at TIMESTAMPTZ NOT NULL)""")
    applied = {row[0] for row in con.execute("SELECT version FROM schema_migrations").fetchall()}
    known = migrations()
    newest_known = max((v for v, _, _ in known), default=0)
    if applied and max(applied) > newest_known:
        raise StoreTooNew(
            f"the store {path} is at schema version {max(applied)}, newer than this console "
            f"knows ({newest_known}); update the console instead of opening it with an old one",
            "store.too_new", version=max(applied), known=newest_known)
    done = []
    for version, name, sql in known:
        if version in applied:
            continue
        con.execute("BEGIN TRANSACTION")
        try:
            con.execute(sql)
            con.execute("INSERT INTO schema_migrations VALUES (?, ?, now())", [version, name])
            con.execute("COMMIT")
        except duckdb.Error as exc:
            con.execute("ROLLBACK")
            raise StoreError(f"migration {version:03d}_{name} failed on {path}: {exc}") from exc
        done.append(version)
    return done


def table_columns(con: duckdb.DuckDBPyConnection, table: str) -> list[str]:
    rows = con.execute(
        "SELECT column_name FROM information_schema.columns WHERE table_name = ? ORDER BY ordinal_position",
        [table]).fetchall()
    if not rows:
        raise StoreError(f"no table named {table}")
    return [r[0] for r in rows]


def upsert(con: duckdb.DuckDBPyConnection, table: str, frame: pl.DataFrame,
           key: Sequence[str], *, valid_json: Sequence[str] = ()) -> int:
    """Insert or update `frame` into `table` by `key`, in one set-based statement.

    Columns the frame lacks keep their stored value (or default on insert).
    Within one frame the last row of a key wins, as a later page would.
    `valid_json` names text columns the caller wrote with a JSON encoder (valid by construction): they
    reach DuckDB as JSON, so it does not parse each text again to check it.
    """
    if frame.is_empty():
        return 0
    columns = table_columns(con, table)
    unknown = [c for c in frame.columns if c not in columns]
    if unknown:
        raise StoreError(f"{table} has no column(s) {', '.join(unknown)}")
    frame = frame.unique(subset=list(key), keep="last", maintain_order=True)
    cols = ", ".join(f'"{c}"' for c in frame.columns)
    match = " AND ".join(f't."{k}" = f."{k}"' for k in key)
    updates = ", ".join(f'"{c}" = f."{c}"' for c in frame.columns if c not in key)
    data = frame.to_arrow()
    for name in valid_json:  # typed as Arrow's JSON extension, which DuckDB takes as JSON without parsing it
        if name in data.column_names and data.schema.field(name).type in (pa.string(), pa.large_string()):
            column, json_type = data.column(name), pa.json_(data.schema.field(name).type)
            data = data.set_column(data.column_names.index(name), name, pa.chunked_array(
                [pa.ExtensionArray.from_storage(json_type, chunk) for chunk in column.chunks], type=json_type))
    con.register("_upsert_frame", data)
    try:
        # An UPDATE of the known keys and an INSERT of the rest beats INSERT ... ON CONFLICT
        # by 1.5-2x on DuckDB at a million rows (bench/bench_upsert.py), and means the same.
        if updates:
            con.execute(f'UPDATE "{table}" AS t SET {updates} FROM _upsert_frame AS f WHERE {match}')
        con.execute(f'INSERT INTO "{table}" ({cols}) SELECT {cols} FROM _upsert_frame AS f '
                    f'WHERE NOT EXISTS (SELECT 1 FROM "{table}" AS t WHERE {match})')
    finally:
        con.unregister("_upsert_frame")
    return frame.height
