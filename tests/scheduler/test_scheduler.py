"""The scheduler's bookkeeping: what is due lives in the store; one scheduler at a time; the heartbeat."""
from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
import sys
import threading
from typing import Any

import pytest

from core import clock
from core.scheduler import heartbeat, jobs
from core.scheduler import loop as scheduler
from core.scheduler.job import Job
from core.scheduler.lock import SchedulerLock, SchedulerRunning
from core.store import Store
from tests.conftest import ROOT, python_env

runs: list[dt.datetime] = []


def _counting_jobs(con: object) -> list[Job]:
    def run(_: Store, now: dt.datetime, stop: threading.Event) -> str:
        runs.append(now)
        return "counted"

    def fail(_: Store, now: dt.datetime, stop: threading.Event) -> str:
        raise RuntimeError("the platform said no")

    return [Job("count", dt.timedelta(minutes=10), run), Job("fail", dt.timedelta(hours=1), fail)]


@pytest.fixture
def counting(monkeypatch: pytest.MonkeyPatch) -> list[dt.datetime]:
    runs.clear()
    monkeypatch.setattr(jobs, "planned", _counting_jobs)
    return runs


def test_a_job_runs_when_due_and_not_before(store: Store, fixed_clock: clock.FixedClock, counting) -> None:
    scheduler.run_once(store, fixed_clock.now())
    fixed_clock.advance(minutes=5)
    scheduler.run_once(store, fixed_clock.now())
    fixed_clock.advance(minutes=5)
    scheduler.run_once(store, fixed_clock.now())
    assert [r - counting[0] for r in counting] == [dt.timedelta(0), dt.timedelta(minutes=10)]


def test_a_failing_job_is_recorded_and_does_not_stop_the_others(store: Store, fixed_clock, counting) -> None:
    outcomes = {o.job: o for o in scheduler.run_once(store, fixed_clock.now())}
    assert outcomes["count"].status == "ok"
    assert outcomes["fail"].status == "failed" and "the platform said no" in outcomes["fail"].summary
    with store.unit() as con:
        row = con.execute("SELECT last_status, last_error, next_due_at FROM scheduler_jobs WHERE job='fail'").fetchone()
    assert row[0] == "failed" and "the platform said no" in row[1]
    assert row[2] == fixed_clock.now() + dt.timedelta(hours=1)


def test_once_writes_a_heartbeat_file_that_says_it_stopped(store: Store, fixed_clock, counting) -> None:
    scheduler.run_once(store, fixed_clock.now())
    beat = heartbeat.read(store.path)
    assert beat["state"] == "stopped" and not heartbeat.is_alive(beat, dt.datetime.now(dt.UTC))
    assert {j["job"] for j in beat["next_jobs"]} == {"count", "fail"}
    assert beat["last_tick_at"] == fixed_clock.now().isoformat()


def test_a_second_scheduler_does_not_act_while_the_lock_is_held(store: Store, fixed_clock, counting) -> None:
    other = SchedulerLock(store.path)
    other.acquire()
    try:
        with pytest.raises(SchedulerRunning) as raised:
            scheduler.run_once(store, fixed_clock.now())
    finally:
        other.release()
    assert raised.value.key == "scheduler.already_running"
    assert f":{os.getpid()} " in raised.value.params["holder"]  # names the holder (host:pid since ...)
    assert "without --once" in raised.value.detail               # and says what to do
    assert counting == []
    scheduler.run_once(store, fixed_clock.now())                 # the lock goes with its holder
    assert len(counting) == 1


def test_a_waiting_scheduler_takes_over_when_the_first_ends(store: Store, fixed_clock, counting) -> None:
    first = SchedulerLock(store.path)
    first.acquire()
    stop = threading.Event()
    waiter = threading.Thread(target=scheduler.run_forever, args=(store, stop), kwargs={"tick_seconds": 0.1})
    waiter.start()
    try:
        stop.wait(0.5)
        assert counting == []                                    # waits while the first runs
        first.release()
        for _ in range(100):
            if counting:
                break
            stop.wait(0.1)
        assert len(counting) == 1
    finally:
        stop.set()
        waiter.join(10)
    assert heartbeat.read(store.path)["state"] == "stopped"


def test_an_idle_tick_is_one_unit_of_work(store: Store, fixed_clock, counting, monkeypatch) -> None:
    scheduler.run_once(store, fixed_clock.now())
    units = []
    real = Store.unit

    def counted(self: Store):  # noqa: ANN202
        units.append(1)
        return real(self)

    monkeypatch.setattr(Store, "unit", counted)
    fixed_clock.advance(minutes=1)
    assert scheduler.run_once(store, fixed_clock.now()) == []
    assert len(units) == 1
    fixed_clock.advance(minutes=10)
    assert [o.job for o in scheduler.run_once(store, fixed_clock.now())] == ["count"]
    assert len(units) == 3                                       # the tick's read, then one per job run


def test_cli_once_now_runs_due_jobs_at_that_clock(store: Store) -> None:
    # With no shop connected there is no sync job; the run still records its heartbeat at --now.
    out = subprocess.run([sys.executable, "-m", "core", "scheduler", "--once", "--now", "2026-01-10T09:00:00+09:00"],
                         cwd=ROOT, env=python_env(store.path), capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    beat = json.loads(heartbeat.path_for(store.path).read_text())
    assert beat["last_tick_at"] == "2026-01-10T00:00:00+00:00"


def test_a_tick_that_finds_the_store_busy_is_retried_not_fatal(store: Store, fixed_clock, counting,
                                                                monkeypatch) -> None:
    """A notebook or a console unit held past the bounded wait fails that tick only: the process stays up and
    the next tick does the work."""
    from core.store import StoreBusy

    real = Store.unit
    refusals = [1, 1]  # the first two units find the store busy

    def busy_then_free(self: Store):  # noqa: ANN202
        if refusals:
            refusals.pop()
            raise StoreBusy("the store is busy (held by notebook)")
        return real(self)

    monkeypatch.setattr(Store, "unit", busy_then_free)
    stop = threading.Event()
    runner = threading.Thread(target=scheduler.run_forever, args=(store, stop), kwargs={"tick_seconds": 0.1})
    runner.start()
    try:
        for _ in range(100):
            if counting:
                break
            stop.wait(0.1)
        assert runner.is_alive()
        assert len(counting) == 1 and refusals == []
    finally:
        stop.set()
        runner.join(10)
    assert heartbeat.read(store.path)["state"] == "stopped"


def test_the_heartbeat_says_running_before_a_long_first_tick_ends(store: Store, fixed_clock,
                                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    """Right after `./start` the first tick may take a while (a first evaluation, a purge): the console must
    not tell the newcomer meanwhile that the scheduler never ran and should be started."""
    release, entered = threading.Event(), threading.Event()

    def slow(_: Store, now: dt.datetime, stop: threading.Event) -> str:
        entered.set()
        release.wait(10)
        return "done"

    monkeypatch.setattr(jobs, "planned", lambda con: [Job("slow", dt.timedelta(minutes=10), slow)])
    stop = threading.Event()
    runner = threading.Thread(target=scheduler.run_forever, args=(store, stop), kwargs={"tick_seconds": 0.1})
    runner.start()
    try:
        assert entered.wait(10)
        beat = heartbeat.read(store.path)                        # the first tick is still running
        assert beat is not None and beat["state"] != "stopped"
        assert heartbeat.is_alive(beat, dt.datetime.now(dt.UTC))
    finally:
        release.set()
        stop.set()
        runner.join(10)


def test_the_webhook_job_runs_only_while_a_shop_can_send_webhooks(store: Store) -> None:
    from core.shops.registry import save_shop
    save_shop(store, "file", "csv", "파일 상점")
    with store.unit() as con:
        assert "sync:webhooks" not in [j.name for j in jobs.planned(con)]
    save_shop(store, "mall", "cafe24", "카페24 몰")
    with store.unit() as con:
        assert "sync:webhooks" in [j.name for j in jobs.planned(con)]


def _units(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The units of work opened from here on (each opens a DuckDB instance: the cost a tick keeps low)."""
    opened: list[str] = []
    real = Store.unit

    def unit(self: Store) -> Any:
        opened.append(self.role)
        return real(self)

    monkeypatch.setattr(Store, "unit", unit)
    return opened


def _quiet(name: str, ran: list[str]) -> Job:
    def run(_: Store, now: dt.datetime, stop: threading.Event) -> str:
        ran.append(name)
        return "worked"
    return Job(name, dt.timedelta(seconds=5), run, idle=lambda store, con, now: True, idle_summary="nothing due")


def _worker(name: str, ran: list[str]) -> Job:
    def run(_: Store, now: dt.datetime, stop: threading.Event) -> str:
        ran.append(name)
        return "worked"
    return Job(name, dt.timedelta(minutes=1), run)


def test_a_tick_of_idle_jobs_opens_the_store_twice_and_records_every_job(store: Store, fixed_clock, monkeypatch):
    ran: list[str] = []
    monkeypatch.setattr(jobs, "planned", lambda con: [_quiet("a", ran), _quiet("b", ran), _quiet("c", ran)])
    store.migrate()
    opened = _units(monkeypatch)
    result = scheduler.tick(store, fixed_clock.now(), threading.Event())
    assert ran == [] and len(opened) == 2  # what is due with the idle answers; the records
    assert [(o.job, o.summary) for o in result.outcomes] == [("a", "nothing due"), ("b", "nothing due"),
                                                            ("c", "nothing due")]
    with store.unit() as con:
        rows = con.execute("SELECT job, last_started_at, next_due_at, last_status FROM scheduler_jobs "
                           "ORDER BY job").fetchall()
    now = fixed_clock.now()
    assert rows == [(j, now, now + dt.timedelta(seconds=5), "ok") for j in ("a", "b", "c")]


def test_an_idle_answer_holds_only_until_a_job_of_the_tick_has_worked(store: Store, fixed_clock, monkeypatch):
    ran: list[str] = []
    monkeypatch.setattr(jobs, "planned", lambda con: [_quiet("before", ran), _worker("work", ran),
                                                      _quiet("after", ran)])
    scheduler.tick(store, fixed_clock.now(), threading.Event())
    assert ran == ["work", "after"]  # the work may have made some for the jobs after it: they ask by running


def test_a_job_that_took_a_while_is_recorded_before_the_tick_goes_on(store: Store, fixed_clock, monkeypatch):
    seen: list[list[str]] = []

    def reads_records(s: Store, now: dt.datetime, stop: threading.Event) -> str:
        with s.unit() as con:
            seen.append([r[0] for r in con.execute("SELECT job FROM scheduler_jobs ORDER BY job").fetchall()])
        return "read"

    monkeypatch.setattr(scheduler, "RECORD_AT_ONCE_AFTER", dt.timedelta(0))
    monkeypatch.setattr(jobs, "planned", lambda con: [Job("long", dt.timedelta(minutes=1), reads_records),
                                                      Job("next", dt.timedelta(minutes=1), reads_records)])
    scheduler.tick(store, fixed_clock.now(), threading.Event())
    assert seen == [[], ["long"]]


def test_what_evaluation_plans_due_now_is_sent_in_the_same_tick(store: Store, fixed_clock, monkeypatch) -> None:
    """Dispatch said it was idle at the tick's start; the evaluation before it planned a welcome due now."""
    from tests.support import automation_world as w
    monkeypatch.setenv("CONSOLE_SECRETS", str(store.path.with_name("secrets.json")))
    recorder = w.Recorder()
    server = w.smtp_server(recorder)
    try:
        fixed_clock.set(w.at(5))
        w.seed_shop(store)
        w.configure_sender(store, w.smtp_port(server))
        w.automation(store, "signup", advertising=False)
        w.write(store, members=[w.member("m1", w.at(5, 9, 30))])
        now = w.at(5, 9, 31)
        fixed_clock.set(now)
        with store.unit() as con:
            assert jobs.automations.dispatch_idle(store, con, now)
        outcomes = {o.job: o.summary for o in scheduler.run_once(store, now)}
    finally:
        server.stop()
    assert outcomes["automations:dispatch"] != jobs.automations.NOTHING_DUE
    assert [m["To"] for m in recorder.messages] == ["m1@example.com"]
