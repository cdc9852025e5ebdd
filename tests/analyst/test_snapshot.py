"""`python -m core snapshot`: every table (or one shop's rows) as Parquet plus a manifest, read back with polars,
and the analyst API pointed at the snapshot answering as it does on the live store."""
from __future__ import annotations

import datetime as dt
import json
import subprocess
import sys
from pathlib import Path

import polars as pl
import pytest

from core import analyst
from core.analyst.snapshot import write_snapshot
from core.analyst.source import SnapshotStore
from core.shops.registry import save_shop
from core.store import Store, migrations
from tests.conftest import ROOT, python_env
from tests.support import analyst_world as world


def snapshot(store: Store, out: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "core", "snapshot", "--out", str(out),
                           "--now", world.NOW.isoformat(), *args],
                          cwd=ROOT, env=python_env(store.path), capture_output=True, text=True, timeout=120)


@pytest.fixture
def mall(store: Store) -> Store:
    world.build(store)
    save_shop(store, "other", "csv", "다른몰")
    with store.unit() as con:
        con.execute("""INSERT INTO members (shop_id, member_key, email, signed_up_at, synced_at)
                       VALUES ('other', 'x1', 'x1@example.com', ?, ?)""", [world.NOW, world.NOW])
        con.execute("""INSERT INTO outbox (message_id, idempotency_key, automation_id, shop_id, occurrence_key,
                           channel, recipient, state, became_true_at, due_at, created_at, updated_at)
                       VALUES ('msg-other', 'msg-other', 'a-other', 'other', 'x1', 'email', 'x1@example.com',
                               'sent', ?, ?, ?, ?)""", [world.NOW] * 4)
        con.execute("INSERT INTO tracking_events VALUES ('msg-other', 'open', NULL, ?, NULL)", [world.NOW])
    return store


def test_every_table_as_parquet_with_a_manifest_read_back_by_polars(mall: Store, tmp_path: Path) -> None:
    out = tmp_path / "snap"
    done = snapshot(mall, out)
    assert done.returncode == 0, done.stderr
    assert f"written to {out}" in done.stdout
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert dt.datetime.fromisoformat(manifest["taken_at"]) == world.NOW
    assert manifest["schema_version"] == max(v for v, _, _ in migrations())
    assert manifest["shop"] is None and manifest["left_out"] == []
    with mall.unit() as con:
        tables = {t for (t,) in con.execute("SELECT table_name FROM information_schema.tables "
                                            "WHERE table_schema = 'main'").fetchall()}
    assert set(manifest["tables"]) == tables
    members = pl.read_parquet(out / "members.parquet")
    assert members.height == world.MEMBERS + 1 == manifest["tables"]["members"]["rows"]
    assert members.schema["signed_up_at"] == pl.Datetime("us", "UTC")
    segments = pl.read_parquet(out / "segments.parquet")  # JSON columns arrive as text polars can read
    assert json.loads(segments["rule"][0]) == {"orders_min": 2}


def test_the_api_on_a_snapshot_answers_as_on_the_store(mall: Store, tmp_path: Path) -> None:
    assert snapshot(mall, tmp_path / "snap").returncode == 0
    snap = tmp_path / "snap"
    assert isinstance(analyst.open_source(snap), SnapshotStore)
    for call in (lambda s: analyst.members(world.SHOP, "2025-11-01", "2025-11-30", source=s),
                 lambda s: analyst.orders(world.SHOP, source=s),
                 lambda s: analyst.saved_segment(world.SEGMENT, world.SHOP, source=s),
                 lambda s: analyst.automation_results(world.SHOP, source=s),
                 lambda s: analyst.sql("SELECT trigger_params->>'days' AS days FROM automations", source=s)):
        assert call(snap).equals(call(mall))
    # 'now' on a snapshot is the moment it was taken, so its figures do not drift with the clock.
    assert analyst.cart_recovery(world.SHOP, 30, source=snap).equals(
        analyst.cart_recovery(world.SHOP, 30, now=world.NOW, source=mall))
    with pytest.raises(analyst.ReadOnly):
        analyst.sql("DROP VIEW members", source=snap)


def test_one_shops_snapshot_holds_its_rows_only(mall: Store, tmp_path: Path) -> None:
    done = snapshot(mall, tmp_path / "one", "--shop", "other")
    assert done.returncode == 0, done.stderr
    manifest = json.loads((tmp_path / "one" / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["shop"] == "other"
    rows = {table: info["rows"] for table, info in manifest["tables"].items()}
    assert (rows["members"], rows["orders"], rows["outbox"], rows["tracking_events"]) == (1, 0, 1, 1)
    assert pl.read_parquet(tmp_path / "one" / "shops.parquet")["shop_id"].to_list() == ["other"]


def test_a_second_snapshot_replaces_the_first_and_a_foreign_folder_is_refused(mall: Store, tmp_path: Path) -> None:
    out = tmp_path / "snap"
    assert snapshot(mall, out).returncode == 0
    assert snapshot(mall, out, "--shop", world.SHOP).returncode == 0
    assert json.loads((out / "manifest.json").read_text(encoding="utf-8"))["shop"] == world.SHOP
    leftovers = [p.name for p in tmp_path.iterdir() if p.name.startswith(".")]
    assert leftovers == []  # no partial or old folder left beside it

    foreign = tmp_path / "notes"
    foreign.mkdir()
    (foreign / "draft.txt").write_text("keep me", encoding="utf-8")
    refused = snapshot(mall, foreign)
    assert refused.returncode == 2 and "not a snapshot" in refused.stderr
    assert [p.name for p in foreign.iterdir()] == ["draft.txt"]

    unknown = snapshot(mall, tmp_path / "nope", "--shop", "nope")
    assert unknown.returncode == 2 and "no shop 'nope'" in unknown.stderr
    assert not (tmp_path / "nope").exists()


def test_the_whole_snapshot_is_one_unit_of_work(mall: Store, tmp_path: Path) -> None:
    class Counting(Store):
        units = 0

        def unit(self):  # type: ignore[no-untyped-def]
            Counting.units += 1
            return super().unit()

    manifest = write_snapshot(Counting(mall.path), tmp_path / "snap", now=world.NOW)
    assert Counting.units == 1
    assert manifest["tables"]["orders"]["rows"] == pl.read_parquet(tmp_path / "snap" / "orders.parquet").height
