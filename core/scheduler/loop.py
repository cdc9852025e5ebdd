"""The scheduler: runs every due job, records what ran, beats its heart.

What is due and what has run lives in the store (`scheduler_jobs`, written here only), so a restart
loses nothing and catches up. The `schedule` library only keeps time: it calls `tick` every few seconds.

A tick reads the clock once and hands that instant and the stop signal to every job it runs. Opening the
store costs a DuckDB instance (10-15 ms) every time, so a tick opens it as few times as it can: one unit
reads what is due and asks the due jobs that can tell whether they have nothing to do (`Job.idle`); each job
that works opens its own; one unit at the end records every job the tick ran. A tick of idle jobs is two
units whatever the number of jobs. An idle answer holds until a job of the tick has worked (that job may
have made work for the others: an evaluation plans what dispatch sends), after which each job asks again
by running. A job that took a while is recorded at once, so a long sync is not run again after a crash
later in the tick. The heartbeat file is written from what the tick read, without another unit.
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
RECORD_AT_ONCE_AFTER = dt.timedelta(seconds=1)  # a job that ran longer is recorded before the tick goes on


@dataclasses.dataclass(frozen=True)
class Outcome:
    job: str
    status: str  # ok | failed
    summary: str
    seconds: float = 0.0  # how long the run took (0 for one its idle answer skipped)


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


def _write_records(store: Store, now: dt.datetime, ran: list[tuple[Job, Outcome]]) -> None:
    """Record the jobs of `ran`, started at `now`, in one unit of work. A record's finish is `now` plus the
    time its job took, so the record stays on the tick's clock."""
    if not ran:
        return
    with store.unit() as con:
        con.executemany("""INSERT INTO scheduler_jobs (job, next_due_at, last_started_at, last_finished_at,
                                                       last_status, last_error) VALUES (?, ?, ?, ?, ?, ?)
                           ON CONFLICT (job) DO UPDATE SET next_due_at = excluded.next_due_at,
                               last_started_at = excluded.last_started_at,
                               last_finished_at = excluded.last_finished_at,
                               last_status = excluded.last_status, last_error = excluded.last_error""",
                        [[job.name, now + job.every, now, now + dt.timedelta(seconds=o.seconds), o.status,
                          o.summary if o.status == "failed" else None] for job, o in ran])


def _perform(store: Store, job: Job, now: dt.datetime, stop: threading.Event) -> Outcome:
    """Run one job at `now`; a failing job is logged and its failure returned, never raised (it must not
    stop the others)."""
    began = time.monotonic()
    try:
        outcome = Outcome(job.name, "ok", job.run(store, now, stop))
    except Exception as exc:  # one failing job must not stop the others
        record = ErrorRecord.of(exc)
        outcome = Outcome(job.name, "failed", f"{type(exc).__name__}: {exc}")
        event(log, "job_failed", level=logging.WARNING, job=job.name, kind=str(record.kind), key=record.key)
    outcome = dataclasses.replace(outcome, seconds=time.monotonic() - began)
    event(log, "job", clock=now, job=job.name, status=outcome.status, summary=outcome.summary)
    return outcome


def _next_record(job: Job, now: dt.datetime, outcome: Outcome) -> JobRecord:
    return JobRecord(job.name, now + job.every, outcome.status, outcome.summary if outcome.status == "failed" else None)


@dataclasses.dataclass(frozen=True)
class Due:
    """What a tick found due at its start: the jobs in the order they run, which of them said they are
    idle, and every job's record."""

    jobs: list[Job]
    idle: set[str]
    records: dict[str, JobRecord]


def _due_at(store: Store, now: dt.datetime) -> Due:
    """The tick's first unit of work: the jobs due at `now` and the idle answers of those that can tell."""
    with store.unit() as con:
        records = _records(con)
        due = [job for job in jobs.planned(con)
               if (known := records.get(job.name)) is None or known.next_due_at <= now]
        idle = {job.name for job in due if job.idle is not None and job.idle(store, con, now)}
    return Due(due, idle, records)


def tick(store: Store, now: dt.datetime, stop: threading.Event) -> TickResult:
    """Run every job that is due at `now`, once, in a stable order, until `stop` is set."""
    due = _due_at(store, now)
    records = dict(due.records)
    outcomes: list[Outcome] = []
    unrecorded: list[tuple[Job, Outcome]] = []
    worked = False
    for job in due.jobs:
        if stop.is_set():
            break
        if job.name in due.idle and not worked:
            outcome = Outcome(job.name, "ok", job.idle_summary)
            event(log, "job", clock=now, job=job.name, status=outcome.status, summary=outcome.summary)
        else:
            outcome, worked = _perform(store, job, now, stop), True
        outcomes.append(outcome)
        unrecorded.append((job, outcome))
        records[job.name] = _next_record(job, now, outcome)
        if outcome.seconds >= RECORD_AT_ONCE_AFTER.total_seconds():
            _write_records(store, now, unrecorded)
            unrecorded = []
    _write_records(store, now, unrecorded)
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
