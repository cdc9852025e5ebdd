"""The scheduler's bookkeeping: what is due lives in the store; one scheduler at a time; the heartbeat."""
from __future__ import annotations

import datetime as dt
import json
import subprocess
import sys

import pytest

from core import clock
from core.scheduler import heartbeat
from core.scheduler import loop as scheduler
from core.store import Store
from tests.conftest import ROOT, python_env

runs: list[dt.datetime] = []


def _counting_jobs(store: Store) -> list[scheduler.Job]:
    def run(_: Store) -> str:
        runs.append(clock.now())
        return "counted"

    def fail(_: Store) -> str:
        raise RuntimeError("the platform said no")

    return [scheduler.Job("count", dt.timedelta(minutes=10), run),
            scheduler.Job("fail", dt.timedelta(hours=1), fail)]


@pytest.fixture
def counting(monkeypatch: pytest.MonkeyPatch) -> list[dt.datetime]:
    runs.clear()
    monkeypatch.setattr(scheduler, "JOB_SOURCES", [_counting_jobs])
    return runs


def test_a_job_runs_when_due_and_not_before(store: Store, fixed_clock: clock.FixedClock, counting) -> None:
    scheduler.run_once(store)
    fixed_clock.advance(minutes=5)
    scheduler.run_once(store)
    fixed_clock.advance(minutes=5)
    scheduler.run_once(store)
    assert [r - counting[0] for r in counting] == [dt.timedelta(0), dt.timedelta(minutes=10)]


def test_a_failing_job_is_recorded_and_does_not_stop_the_others(store: Store, fixed_clock, counting) -> None:
    outcomes = {o.job: o for o in scheduler.run_once(store)}
    assert outcomes["count"].status == "ok"
    assert outcomes["fail"].status == "failed" and "the platform said no" in outcomes["fail"].summary
    with store.unit() as con:
        row = con.execute("SELECT last_status, last_error, next_due_at FROM scheduler_jobs WHERE job='fail'").fetchone()
    assert row[0] == "failed" and "the platform said no" in row[1]
    assert row[2] == fixed_clock.now() + dt.timedelta(hours=1)


def test_once_writes_a_heartbeat_file_that_says_it_stopped(store: Store, fixed_clock, counting) -> None:
    scheduler.run_once(store)
    beat = heartbeat.read(store.path)
    assert beat["state"] == "stopped" and not heartbeat.is_alive(beat)
    assert {j["job"] for j in beat["next_jobs"]} == {"count", "fail"}
    assert beat["last_tick_at"] == fixed_clock.now().isoformat()


def test_a_second_scheduler_does_not_act_while_the_lease_is_held(store: Store, fixed_clock, counting,
                                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(scheduler, "holder_name", lambda: "other-host:1")
    assert scheduler.take_lease(store) is None
    monkeypatch.setattr(scheduler, "holder_name", lambda: "this-host:2")
    with pytest.raises(RuntimeError, match="another scheduler holds the store: other-host:1"):
        scheduler.run_once(store)
    assert counting == []


def test_cli_once_now_runs_due_jobs_at_that_clock(store: Store) -> None:
    # With no shop connected there is no sync job; the run still records its heartbeat at --now.
    out = subprocess.run([sys.executable, "-m", "core", "scheduler", "--once", "--now", "2026-01-10T09:00:00+09:00"],
                         cwd=ROOT, env=python_env(store.path), capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    beat = json.loads(heartbeat.path_for(store.path).read_text())
    assert beat["last_tick_at"] == "2026-01-10T00:00:00+00:00"
