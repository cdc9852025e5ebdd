"""The scheduler: runs every due job, records what ran, beats its heart.

What is due and what has run lives in the store (`scheduler_jobs`, written here only), so a restart
loses nothing and catches up. The `schedule` library only keeps time: it calls `tick` every few seconds.

A tick reads the clock once and hands that instant and the stop signal to every job it runs. An idle
tick is one unit of work (the jobs and what is due); each job run adds one (its record). The heartbeat
file is written from what the tick read, without another unit.
"""
from __future__ import annotations

import dataclasses
import datetime as dt
import logging
import os
import signal
import threading
import time

import duckdb
import schedule

from core import clock
from core.errors import ErrorRecord
from core.log import event
from core.scheduler import heartbeat, jobs
from core.scheduler.job import Job
from core.scheduler.lock import SchedulerLock
from core.store import Store

log = logging.getLogger("core.scheduler.loop")

HEARTBEAT_JOBS = 20  # how many next jobs the heartbeat names


@dataclasses.dataclass(frozen=True)
class Outcome:
    job: str
    status: str  # ok | failed
    summary: str


@dataclasses.dataclass
class JobRecord:
    """A row of `scheduler_jobs`: when the job is due next and how its last run went."""

    job: str
    next_due_at: dt.datetime
    last_status: str | None = None
    last_error: str | None = None


@dataclasses.dataclass(frozen=True)
class TickResult:
    outcomes: list[Outcome]
    records: dict[str, JobRecord]


def _records(con: duckdb.DuckDBPyConnection) -> dict[str, JobRecord]:
    rows = con.execute("SELECT job, next_due_at, last_status, last_error FROM scheduler_jobs").fetchall()
    return {job: JobRecord(job, due, status, error) for job, due, status, error in rows}


def reschedule(con: duckdb.DuckDBPyConnection, job: str, every: dt.timedelta) -> None:
    """A job's interval changed: a job that has run is next due at its last start + `every` (the rule `tick`
    plans by); one that never ran stays due at the next tick."""
    con.execute("""UPDATE scheduler_jobs SET next_due_at = last_started_at + ?
                   WHERE job = ? AND last_started_at IS NOT NULL""", [every, job])


def _record(store: Store, job: Job, started: dt.datetime, finished: dt.datetime, outcome: Outcome) -> None:
    error = outcome.summary if outcome.status == "failed" else None
    with store.unit() as con:
        con.execute("""INSERT INTO scheduler_jobs (job, next_due_at, last_started_at, last_finished_at,
                                                   last_status, last_error) VALUES (?, ?, ?, ?, ?, ?)
                       ON CONFLICT (job) DO UPDATE SET next_due_at = excluded.next_due_at,
                           last_started_at = excluded.last_started_at, last_finished_at = excluded.last_finished_at,
                           last_status = excluded.last_status, last_error = excluded.last_error""",
                    [job.name, started + job.every, started, finished, outcome.status, error])


def run_job(store: Store, job: Job, now: dt.datetime, stop: threading.Event) -> tuple[Outcome, JobRecord]:
    """Run one job at `now` and record it; a failing job is recorded, never raised (it must not stop the others).

    Its finish is `now` plus the time it took, so the record stays on the tick's clock.
    """
    began = time.monotonic()
    try:
        outcome = Outcome(job.name, "ok", job.run(store, now, stop))
    except Exception as exc:  # one failing job must not stop the others
        record = ErrorRecord.of(exc)
        outcome = Outcome(job.name, "failed", f"{type(exc).__name__}: {exc}")
        event(log, "job_failed", level=logging.WARNING, job=job.name, kind=str(record.kind), key=record.key)
    finished = now + dt.timedelta(seconds=time.monotonic() - began)
    _record(store, job, now, finished, outcome)
    event(log, "job", clock=now, job=job.name, status=outcome.status, summary=outcome.summary)
    return outcome, JobRecord(job.name, now + job.every, outcome.status,
                              outcome.summary if outcome.status == "failed" else None)


def tick(store: Store, now: dt.datetime, stop: threading.Event) -> TickResult:
    """Run every job that is due at `now`, once, in a stable order, until `stop` is set."""
    with store.unit() as con:
        planned = jobs.planned(con)
        records = _records(con)
    outcomes = []
    for job in planned:
        if stop.is_set():
            break
        known = records.get(job.name)
        if known is not None and known.next_due_at > now:
            continue
        outcome, records[job.name] = run_job(store, job, now, stop)
        outcomes.append(outcome)
    return TickResult(outcomes, records)


def next_jobs(records: dict[str, JobRecord]) -> list[heartbeat.NextJob]:
    """The jobs due soonest, as the heartbeat names them."""
    soonest = sorted(records.values(), key=lambda r: (r.next_due_at, r.job))[:HEARTBEAT_JOBS]
    return [{"job": r.job, "next_due_at": r.next_due_at.isoformat(), "last_status": r.last_status or "",
             "last_error": r.last_error or ""} for r in soonest]


def run_once(store: Store, now: dt.datetime, stop: threading.Event | None = None) -> list[Outcome]:
    """`--once`: every job due at `now` once, then exit. Refused (SchedulerRunning) while another scheduler runs."""
    with SchedulerLock(store.path):
        result = tick(store, now, stop or threading.Event())
        heartbeat.write(store.path, started_at=now, now=now, next_jobs=next_jobs(result.records), state="stopped")
    return result.outcomes


def run_forever(store: Store, stop: threading.Event, tick_seconds: float = 5.0) -> None:
    """The long-running scheduler; `stop` (set by SIGTERM or SIGINT) finishes the work in hand, then exits.

    A second scheduler waits for the first to end, then takes over.
    """
    if threading.current_thread() is threading.main_thread():
        for sig in (signal.SIGTERM, signal.SIGINT):
            signal.signal(sig, lambda *_: stop.set())
    lock = SchedulerLock(store.path)
    if not lock.wait(stop):
        return
    try:
        started = clock.now()
        event(log, "scheduler_started", clock=started, pid=os.getpid(), store=str(store.path))
        last: dict[str, JobRecord] = {}
        # Alive from the start: a first tick can take a while, and meanwhile the console would say it never ran.
        heartbeat.write(store.path, started_at=started, now=started, next_jobs=[])

        def one_tick() -> None:
            now = clock.now()  # the one read of the clock for this tick
            try:
                result = tick(store, now, stop)
            except Exception as exc:  # a store held elsewhere past the wait: the next tick tries again
                # No heartbeat: a scheduler that cannot reach the store is not working, and the console's
                # sidebar says so once the last beat grows old.
                record = ErrorRecord.of(exc)
                event(log, "tick_failed", level=logging.WARNING, clock=now, kind=str(record.kind), key=record.key,
                      error=f"{type(exc).__name__}: {exc}")
                return
            last.clear()
            last.update(result.records)
            heartbeat.write(store.path, started_at=started, now=now, next_jobs=next_jobs(last))

        runner = schedule.Scheduler()
        # schedule's annotation says int; it takes (and documents) fractions of a second too.
        runner.every(tick_seconds).seconds.do(one_tick)  # type: ignore[arg-type]
        one_tick()
        while not stop.is_set():
            runner.run_pending()
            stop.wait(min(0.5, max(0.05, runner.idle_seconds or 0.5)))
        heartbeat.write(store.path, started_at=started, now=clock.now(), next_jobs=next_jobs(last), state="stopped")
    finally:
        lock.release()
    event(log, "scheduler_stopped", pid=os.getpid())
