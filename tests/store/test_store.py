"""The store's discipline: migrations, the shared lock, bulk upserts, rollback."""
from __future__ import annotations

import datetime as dt
import shutil
import subprocess
import sys
import threading
from pathlib import Path

import polars as pl
import pytest

import core.store as store_mod
from core.store import Store, StoreBusy, StoreTooNew, upsert
from tests.conftest import ROOT, python_env

UTC = dt.UTC


def _tables(store: Store) -> set[str]:
    with store.unit() as con:
        return {r[0] for r in con.execute("SELECT table_name FROM information_schema.tables").fetchall()}


def test_migrations_from_empty_create_every_table(store: Store) -> None:
    assert {"shops", "members", "orders", "order_items", "products", "categories", "carts", "cart_items",
            "sync_runs", "sync_checkpoints", "scheduler_jobs"} <= _tables(store)
    # The scheduler's lock and heartbeat are files beside the store, not tables.
    assert not {"heartbeat", "scheduler_lease"} & _tables(store)
    with store.unit() as con:
        versions = [r[0] for r in con.execute("SELECT version FROM schema_migrations ORDER BY 1").fetchall()]
    assert versions == [v for v, _, _ in store_mod.migrations()]


def test_an_older_file_is_upgraded_and_keeps_its_data(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    old_dir = tmp_path / "migrations_v1"
    old_dir.mkdir()
    shutil.copy(store_mod.MIGRATIONS_DIR / "001_initial.sql", old_dir)
    path = tmp_path / "old.duckdb"
    monkeypatch.setattr(store_mod, "MIGRATIONS_DIR", old_dir)
    old = Store(path)
    assert old.migrate() == [1]
    with old.unit() as con:
        con.execute("INSERT INTO shops (shop_id, platform, name, created_at) "
                    "VALUES ('s1', 'cafe24', '옛 쇼핑몰', now())")

    monkeypatch.setattr(store_mod, "MIGRATIONS_DIR", ROOT / "core" / "migrations")
    Store._migrated.clear()
    new = Store(path)
    assert new.migrate() == [v for v, _, _ in store_mod.migrations()]
    with new.unit() as con:
        assert con.execute("SELECT name FROM shops").fetchall() == [("옛 쇼핑몰",)]


def test_a_newer_file_is_refused_with_a_clear_message(store: Store) -> None:
    with store.unit() as con:
        con.execute("INSERT INTO schema_migrations VALUES (999, 'from_the_future', now())")
    Store._migrated.clear()
    with pytest.raises(StoreTooNew, match="schema version 999, newer than this console knows"):
        with Store(store.path).unit():
            pass


def test_a_failed_unit_rolls_back(store: Store) -> None:
    with pytest.raises(RuntimeError):
        with store.unit() as con:
            con.execute("INSERT INTO shops (shop_id, platform, name, created_at) VALUES ('s1', 'cafe24', 'x', now())")
            raise RuntimeError("boom")
    with store.unit() as con:
        assert con.execute("SELECT count(*) FROM shops").fetchone()[0] == 0


def test_busy_store_names_the_holder_after_the_bounded_wait(store: Store) -> None:
    holding, release = threading.Event(), threading.Event()

    def hold() -> None:
        with Store(store.path, role="scheduler").unit():
            holding.set()
            release.wait(10)

    holder = threading.Thread(target=hold)
    holder.start()
    holding.wait(5)
    try:
        with pytest.raises(StoreBusy) as caught:
            with Store(store.path, role="console", timeout=0.3).unit():
                pass
        assert "scheduler (pid" in str(caught.value) and str(store.path) in str(caught.value)
    finally:
        release.set()
        holder.join()
    with Store(store.path, timeout=1).unit() as con:  # the abandoned waiter let go of the lock
        assert con.execute("SELECT 1").fetchone() == (1,)


def test_two_processes_share_the_store_without_errors_or_lost_writes(store: Store) -> None:
    with store.unit() as con:
        con.execute("CREATE TABLE worker_log (worker VARCHAR, seq INTEGER, PRIMARY KEY (worker, seq))")
    env = python_env(store.path)
    workers = [subprocess.Popen([sys.executable, "-m", "tests.support.store_worker", str(store.path), name, "4"],
                                cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
               for name in ("console", "scheduler")]
    written = {}
    for name, worker in zip(("console", "scheduler"), workers, strict=True):
        out, err = worker.communicate(timeout=60)
        assert worker.returncode == 0, err
        written[name] = int(out.strip())
    with store.unit() as con:
        counts = dict(con.execute("SELECT worker, count(*) FROM worker_log GROUP BY worker").fetchall())
        gaps = con.execute("SELECT count(*) FROM worker_log GROUP BY worker HAVING max(seq) <> count(*)").fetchall()
    assert counts == written and all(n > 5 for n in written.values())
    assert gaps == []


def test_upsert_inserts_then_updates_by_key_and_keeps_unsent_columns(store: Store) -> None:
    now = dt.datetime(2026, 1, 1, tzinfo=UTC)
    first = pl.DataFrame({"shop_id": ["s", "s"], "member_key": ["1", "2"], "email": ["a@x.kr", "b@x.kr"],
                          "name": ["가", "나"], "synced_at": [now, now]})
    second = pl.DataFrame({"shop_id": ["s", "s"], "member_key": ["2", "2"], "email": ["old@x.kr", "new@x.kr"],
                           "synced_at": [now, now]})
    with store.unit() as con:
        assert upsert(con, "members", first, ("shop_id", "member_key")) == 2
        assert upsert(con, "members", second, ("shop_id", "member_key")) == 1
        rows = con.execute("SELECT member_key, email, name FROM members ORDER BY 1").fetchall()
    assert rows == [("1", "a@x.kr", "가"), ("2", "new@x.kr", "나")]


def test_upsert_rejects_an_unknown_column(store: Store) -> None:
    frame = pl.DataFrame({"shop_id": ["s"], "member_key": ["1"], "shoe_size": [270]})
    with store.unit() as con, pytest.raises(store_mod.StoreError, match="members has no column"):
        upsert(con, "members", frame, ("shop_id", "member_key"))
