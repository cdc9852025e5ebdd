"""Why notebooks go through core.analyst: a minute of notebook-style calls beside a ticking scheduler on the same
store, once through the API (both sides keep working, nobody sees 'store busy') and once through a connection held
open as `duckdb.connect` in a notebook holds it (the scheduler cannot open the store and stops ticking).

The scheduler is the real process (`python -m core scheduler --tick-seconds 1`); its heartbeat file says when
each tick ended, and its log says what went wrong.
"""
from __future__ import annotations

import contextlib
import json
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import duckdb
import polars as pl
import pytest

from core import analyst
from core.scheduler import heartbeat
from core.store import Store, StoreBusy
from tests.conftest import ROOT, python_env
from tests.support import analyst_world as world

pytestmark = pytest.mark.slow
LOOP_SECONDS = 60.0
THINK_SECONDS = 0.2  # a person reads a result before the next cell; also keeps the shared machine usable


class HeldConnection(Store):
    """What a notebook gets from `duckdb.connect(path)`: one connection, kept for the kernel's whole life."""

    def __init__(self, path: Path) -> None:
        super().__init__(path)
        self.con = duckdb.connect(str(path))

    @contextlib.contextmanager
    def unit(self) -> Iterator[duckdb.DuckDBPyConnection]:
        yield self.con


def questions(source: Store) -> list[Callable[[], pl.DataFrame]]:
    """The cells of a typical analysis, each one call of the API."""
    return [
        lambda: analyst.members(world.SHOP, "2025-10-01", "2025-12-31", source=source),
        lambda: analyst.orders(world.SHOP, source=source),
        lambda: analyst.segment({"orders_min": 2}, world.SHOP, source=source),
        lambda: analyst.cart_recovery(world.SHOP, 30, now=world.NOW, source=source),
        lambda: analyst.automation_results(world.SHOP, source=source),
        lambda: analyst.sql("SELECT count(*) AS n FROM members WHERE shop_id = ?", [world.SHOP], source=source),
    ]


def notebook_loop(source: Store, seconds: float, on_call: Callable[[], None]) -> tuple[int, list[BaseException]]:
    """Ask the questions round and round for `seconds`; returns how many answers came and the errors met."""
    answered, errors = 0, []
    cells = questions(source)
    until = time.monotonic() + seconds
    while time.monotonic() < until:
        for cell in cells:
            try:
                assert cell().height > 0
                answered += 1
            except StoreBusy as exc:
                errors.append(exc)
            on_call()
            time.sleep(THINK_SECONDS)
    return answered, errors


@contextlib.contextmanager
def scheduler(store: Store, log: Path) -> Iterator[subprocess.Popen]:
    with log.open("w") as out:
        proc = subprocess.Popen([sys.executable, "-m", "core", "scheduler", "--tick-seconds", "1",
                                 "--now", world.NOW.isoformat()],
                                cwd=ROOT, env=python_env(store.path), stdout=out, stderr=subprocess.STDOUT)
        try:
            yield proc
        finally:
            proc.terminate()
            try:
                proc.wait(15)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()


class Ticks:
    """The scheduler's ticks as its heartbeat file records them (`written_at` changes once a tick)."""

    def __init__(self, store: Store) -> None:
        self.path = heartbeat.path_for(store.path)
        self.seen: set[str] = set()

    def look(self) -> None:
        with contextlib.suppress(FileNotFoundError, ValueError):
            beat = json.loads(self.path.read_text(encoding="utf-8"))
            # The beat written as it starts names no jobs yet: a tick has run once one does.
            if beat.get("state") == "running" and beat.get("next_jobs"):
                self.seen.add(beat["written_at"])

    def wait_for_first(self, timeout: float = 30) -> None:
        until = time.monotonic() + timeout
        while not self.seen and time.monotonic() < until:
            self.look()
            time.sleep(0.1)
        assert self.seen, "the scheduler never ticked"


@pytest.fixture
def mall(store: Store) -> Store:
    return world.build(store)


def test_a_minute_of_api_calls_beside_a_ticking_scheduler(mall: Store, tmp_path: Path) -> None:
    log = tmp_path / "scheduler.log"
    ticks = Ticks(mall)
    with scheduler(mall, log) as proc:
        ticks.wait_for_first()
        answered, errors = notebook_loop(analyst.open_source(mall.path), LOOP_SECONDS, ticks.look)
        ticks.look()
        alive = proc.poll() is None
    printed = log.read_text(encoding="utf-8")
    print(f"through the API: {answered} answers, {len(errors)} store-busy, {len(ticks.seen)} scheduler ticks")
    assert errors == [], f"the notebook met 'store busy': {errors[:3]}"
    assert answered >= 100, answered
    assert alive, printed[-2000:]
    assert "store.busy" not in printed and "StoreBusy" not in printed, printed[-2000:]
    assert len(ticks.seen) >= LOOP_SECONDS / 2, f"only {len(ticks.seen)} ticks in a minute"
    with mall.unit() as con:
        jobs = dict(con.execute("SELECT job, last_status FROM scheduler_jobs").fetchall())
    assert jobs.get("automations:dispatch") == "ok" and set(jobs.values()) == {"ok"}, jobs


def test_the_same_loop_over_a_held_duckdb_connection_starves_the_scheduler(mall: Store, tmp_path: Path) -> None:
    log = tmp_path / "scheduler.log"
    ticks = Ticks(mall)
    with scheduler(mall, log) as proc:
        ticks.wait_for_first()
        held = None
        while held is None:  # the notebook opens the file between two of the scheduler's units
            with contextlib.suppress(duckdb.IOException):
                held = HeldConnection(mall.path)
        try:
            before = len(ticks.seen)
            answered, errors = notebook_loop(held, LOOP_SECONDS, ticks.look)
            ticks.look()
            alive = proc.poll() is None
        finally:
            held.con.close()
    printed = log.read_text(encoding="utf-8")
    print(f"over a held connection: {answered} answers, {len(ticks.seen) - before} scheduler ticks, "
          f"scheduler alive: {alive}")
    assert errors == [] and answered >= 100  # the notebook itself works fine...
    assert len(ticks.seen) - before <= 1, f"the scheduler kept ticking: {len(ticks.seen) - before} ticks"  # ...alone
    # The scheduler outlives the held file (each tick that cannot open it is logged and retried), but does no work.
    assert alive, printed[-2000:]
    assert "tick_failed" in printed and "cannot open the store" in printed, printed[-2000:]
    assert "Could not set lock" in printed and "Conflicting lock" in printed, printed[-2000:]
