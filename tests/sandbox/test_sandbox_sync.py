"""The sandbox shop reaches the store within about a minute: a one-minute sync interval the scheduler
honours (driven with `python -m core scheduler --once --now`), and sync progress lines that count each
kind on its own."""
from __future__ import annotations

import datetime as dt
import re
import subprocess
import sys

import pytest

from core import clock
from core.sandbox.server import SandboxServer
from core.sandbox.setup import SANDBOX_SYNC_MINUTES, connect_sandbox, sync_often
from core.shops.registry import get_shop
from core.store import Store
from tests.conftest import ROOT, python_env

pytestmark = pytest.mark.timeout(240)

TABLES = {"categories": "categories", "products": "products", "members": "members", "orders": "orders",
          "carts": "carts"}


@pytest.fixture
def sandbox(fixed_clock: clock.FixedClock) -> SandboxServer:
    server = SandboxServer(300, 7, start=fixed_clock.now(), rate_limit=False, frozen=True, pace="lively")
    yield server
    server.stop()


def _core(store: Store, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "core", *args], cwd=ROOT, env=python_env(store.path),
                          capture_output=True, text=True, timeout=180)


def _once(store: Store, at: dt.datetime) -> dict[str, str]:
    """The jobs `scheduler --once --now at` ran, each with its status (its lines read "job: status — summary")."""
    out = _core(store, "scheduler", "--once", "--now", at.isoformat())
    assert out.returncode == 0, out.stdout + out.stderr
    return dict(line.split(" — ")[0].rsplit(": ", 1) for line in out.stdout.splitlines())


def _members(store: Store) -> int:
    with store.unit() as con:
        return con.execute("SELECT count(*) FROM members").fetchone()[0]


@pytest.mark.slow
def test_the_scheduler_syncs_the_sandbox_shop_again_after_one_minute(
        store: Store, sandbox: SandboxServer, fixed_clock: clock.FixedClock) -> None:
    t = fixed_clock.now()
    shop = connect_sandbox(store, sandbox.url)
    assert shop.sync_interval_minutes == SANDBOX_SYNC_MINUTES == 1

    assert _once(store, t)["sync:sandbox"] == "ok"               # the first tick syncs it
    first = _members(store)
    assert "sync:sandbox" not in _once(store, t + dt.timedelta(seconds=30))   # not due yet

    sandbox.set_now(t + dt.timedelta(minutes=3))                 # the lively mall lived on meanwhile
    joined = sandbox.mall.life(int(t.timestamp()), sandbox.mall.clock.now_s())["signups"]
    assert joined > 0
    assert _once(store, t + dt.timedelta(minutes=1, seconds=1))["sync:sandbox"] == "ok"
    assert _members(store) == first + joined                     # what happened in the mall is in the store


@pytest.mark.slow
def test_restarting_with_the_short_interval_brings_a_planned_sync_forward(
        store: Store, sandbox: SandboxServer, fixed_clock: clock.FixedClock) -> None:
    t = fixed_clock.now()
    connect_sandbox(store, sandbox.url)
    sync_often(store, "sandbox", 15)                             # as a store kept from a real shop's pace
    assert _once(store, t)["sync:sandbox"] == "ok"
    assert "sync:sandbox" not in _once(store, t + dt.timedelta(minutes=1, seconds=1))
    sync_often(store)                                            # what ./start's `init` does again
    assert get_shop(store, "sandbox").sync_interval_minutes == 1
    assert _once(store, t + dt.timedelta(minutes=1, seconds=2))["sync:sandbox"] == "ok"


def test_sync_progress_lines_count_each_kind_on_its_own(store: Store, sandbox: SandboxServer) -> None:
    connect_sandbox(store, sandbox.url)
    out = _core(store, "sync", "--shop", "sandbox")
    assert out.returncode == 0, out.stderr
    last: dict[str, int] = {}
    for line in out.stderr.splitlines():
        found = re.fullmatch(r"\s+(\w+): (\d+) records, (\d+) pages", line)
        if found:
            last[found.group(1)] = int(found.group(2))
    assert set(last) == set(TABLES), out.stderr
    with store.unit() as con:
        stored = {kind: con.execute(f"SELECT count(*) FROM {table}").fetchone()[0] for kind, table in TABLES.items()}
    assert last == stored, (last, stored)
    total = re.search(r"sandbox: succeeded, (\d+) records", out.stdout)
    assert total and int(total.group(1)) == sum(last.values())   # the run's total is the one sum of them
