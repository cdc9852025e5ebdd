"""A second `./start` on the same data/ serves the same sandbox mall, further on in its life.

The mall is drawn from its seed and its opening instant; the opening is kept beside the store, so a
restarted sandbox gives every member id to the same person the store already holds, and the members who
signed up while it was stopped reach the store at the next sync.
"""
from __future__ import annotations

import datetime as dt
import json
import subprocess
import sys
from pathlib import Path

import httpx
import numpy as np
import pytest

from core import clock
from core.sandbox import opening
from core.sandbox.mall import Mall
from core.sandbox.server import SandboxServer
from core.sandbox.setup import connect_sandbox
from core.store import Store
from core.sync.jobs import run_sync
from tests.conftest import ROOT, python_env
from tests.support.browser_support import free_port

pytestmark = pytest.mark.timeout(240)
KST = dt.timezone(dt.timedelta(hours=9))
T = dt.datetime(2026, 1, 10, 9, 0, tzinfo=KST)


def test_the_first_opening_is_kept_and_each_seed_has_its_own(tmp_path: Path) -> None:
    path = opening.path_for(tmp_path / "console.duckdb")
    assert path == tmp_path / "sandbox.json"
    assert opening.opening(path, seed=7, now=T) == T
    assert opening.opening(path, seed=7, now=T + dt.timedelta(days=2)) == T      # a later start: the same mall
    assert opening.opening(path, seed=8, now=T + dt.timedelta(hours=1)) == T + dt.timedelta(hours=1)
    assert opening.opening(path, seed=7, now=T + dt.timedelta(days=3)) == T
    assert set(json.loads(path.read_text())["openings"]) == {"7", "8"}


def test_an_unreadable_openings_file_is_refused_naming_it_and_left_alone(tmp_path: Path) -> None:
    path = tmp_path / "sandbox.json"
    path.write_text("{not json")
    with pytest.raises(ValueError, match="sandbox.json cannot be read"):
        opening.opening(path, seed=7, now=T)
    assert path.read_text() == "{not json"
    path.write_text(json.dumps({"openings": {"7": "yesterday"}}))
    with pytest.raises(ValueError, match="seed 7 is not an ISO 8601 instant"):
        opening.opening(path, seed=7, now=T)


def test_a_mall_served_later_is_the_same_mall_further_on() -> None:
    first = Mall(400, seed=7, start=T, frozen=True, pace="lively")
    later = Mall(400, seed=7, start=T, frozen=True, pace="lively", now=T + dt.timedelta(hours=3))
    assert later.clock.now() == T + dt.timedelta(hours=3)
    seen = np.arange(first.member_count(first.clock.now_s()))
    assert first.member_rows(seen) == later.member_rows(seen)
    assert later.member_count(later.clock.now_s()) > seen.size          # the lively mall lived on meanwhile
    # Drawn afresh from the later instant instead, it is the first mall moved three hours on: the same ids
    # with other sign-up times, and nobody new, since the newest ids are those the store already holds.
    redrawn = Mall(400, seed=7, start=T + dt.timedelta(hours=3), frozen=True, pace="lively")
    assert redrawn.member_count(redrawn.clock.now_s()) == seen.size
    old, new = first.member_rows(seen), redrawn.member_rows(seen)
    assert sum(o["created_date"] != n["created_date"] for o, n in zip(old, new, strict=True)) > seen.size // 2


def _stored_members(store: Store) -> dict[str, str]:
    with store.unit() as con:
        return dict(con.execute("SELECT member_key, email FROM members").fetchall())


def _mall_members(server: SandboxServer) -> dict[str, str]:
    mall = server.mall
    rows = mall.member_rows(np.arange(mall.member_count(mall.clock.now_s())))
    return {r["member_id"]: r["email"] for r in rows}


@pytest.mark.slow
def test_a_restarted_sandbox_keeps_the_store_whole(store: Store, tmp_path: Path,
                                                   fixed_clock: clock.FixedClock) -> None:
    """Start, sync, stop; start again two hours later on the same data/, sync: every member the store holds
    is the mall's own (same id, same e-mail) and every member of the mall is in the store."""
    kept = opening.path_for(store.path)
    port = free_port()
    first = SandboxServer(400, 7, start=opening.opening(kept, seed=7, now=T), now=T, rate_limit=False,
                          frozen=True, pace="lively", port=port)
    try:
        connect_sandbox(store, first.url)
        assert run_sync(store, "sandbox").status == "succeeded"
        before = _stored_members(store)
        assert before == _mall_members(first)
    finally:
        first.stop()

    restart = T + dt.timedelta(hours=2)
    fixed_clock.set(restart)
    again = SandboxServer(400, 7, start=opening.opening(kept, seed=7, now=restart), now=restart, rate_limit=False,
                          frozen=True, pace="lively", port=port)
    try:
        connect_sandbox(store, again.url)                      # what `./start` runs each time
        assert run_sync(store, "sandbox").status == "succeeded"
        after = _stored_members(store)
        assert len(after) > len(before)                         # who signed up while it was stopped came in
        assert after == _mall_members(again)
    finally:
        again.stop()


@pytest.mark.slow
def test_the_sandbox_command_serves_the_kept_mall_again(tmp_path: Path) -> None:
    """`python -m core sandbox` twice over one data/ directory: the second serves the mall the first opened."""
    store_path = tmp_path / "console.duckdb"
    openings = []
    for _ in range(2):
        port = free_port()
        proc = subprocess.Popen([sys.executable, "-m", "core", "sandbox", "--port", str(port), "--members", "300"],
                                cwd=ROOT, env=python_env(store_path), stdout=subprocess.PIPE, text=True)
        try:
            assert proc.stdout is not None
            line = proc.stdout.readline()
            assert "opened " in line, line
            openings.append(line.split("opened ")[1][:16])
            assert httpx.get(f"http://127.0.0.1:{port}/sandbox/app", timeout=10).json()["mall_id"] == "sandbox"
        finally:
            proc.terminate()
            proc.wait(timeout=20)
    assert openings[0] == openings[1]
    assert json.loads(opening.path_for(store_path).read_text())["openings"]["7"]


def test_a_storefront_order_of_a_later_run_never_reuses_an_earlier_runs_number() -> None:
    """The store keeps the orders placed at the storefront in an earlier run; the mall served again does not
    remember them, so its own storefront orders must be numbered past them."""
    def open_cart(mall: Mall, now_s: int) -> int:
        left = np.nonzero((mall.c["order"] < 0) & (mall.c["created"] <= now_s))[0]
        return int(left[-1])

    first = Mall(400, seed=7, start=T, frozen=True, pace="lively")
    t = first.clock.now_s()
    placed = first.place_order(open_cart(first, t), t + 30)
    again_at = T + dt.timedelta(minutes=10)                 # stopped, and started again ten minutes on
    again = Mall(400, seed=7, start=T, frozen=True, pace="lively", now=again_at)
    now = again.clock.now_s()
    later = again.place_order(open_cart(again, now), now + 30)
    assert placed.split("-")[0] == later.split("-")[0]      # the same day, so only the number tells them apart
    assert placed != later
    assert int(later.split("-")[1]) > int(placed.split("-")[1])
    assert again.order_by_id(later, now + 60) is not None   # and the storefront finds its own order by it
