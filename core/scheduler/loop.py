"""The scheduler: runs every due job, records what ran, beats its heart.

What is due and what has run lives in the store (`scheduler_jobs`), so a
restart loses nothing and catches up. The `schedule` library only keeps time:
it calls `tick` every few seconds.
"""
from __future__ import annotations

import dataclasses
import datetime as dt
import json
import logging
import os
import signal
import socket
import threading
from collections.abc import Callable

import schedule

from core import clock
from core.log import event
from core.scheduler import heartbeat
from core.store import Store

log = logging.getLogger("core.scheduler.loop")

LEASE_SECONDS = 60


@dataclasses.dataclass(frozen=True)
class Job:
    name: str
    every: dt.timedelta
    run: Callable[[Store], str]  # does the work; returns a one-line summary


@dataclasses.dataclass
class Outcome:
    job: str
    status: str  # ok | failed
    summary: str


def _sync_jobs(store: Store) -> list[Job]:
    from core.integrations import syncs_over_network
    from core.shops.registry import list_shops
    from core.sync.jobs import sync_job

    return [Job(f"sync:{shop.shop_id}", dt.timedelta(minutes=shop.sync_interval_minutes), sync_job(shop.shop_id))
            for shop in list_shops(store) if shop.enabled and syncs_over_network(shop.platform)]


# Each source lists the jobs it wants run; later capabilities add theirs here.
JOB_SOURCES: list[Callable[[Store], list[Job]]] = [_sync_jobs]


def _automation_jobs(store: Store) -> list[Job]:
    from core.automations.jobs import automation_jobs
    return automation_jobs(store)


JOB_SOURCES.append(_automation_jobs)


def _loyalty_jobs(store: Store) -> list[Job]:
    from core.loyalty.jobs import loyalty_jobs
    return loyalty_jobs(store)


JOB_SOURCES.append(_loyalty_jobs)

# The running scheduler's stop event, for jobs that must notice SIGTERM between messages (dispatch).
current_stop: threading.Event | None = None


def planned_jobs(store: Store) -> list[Job]:
    return [job for source in JOB_SOURCES for job in source(store)]


def tick(store: Store, stop: threading.Event | None = None) -> list[Outcome]:
    """Run every job that is due at the clock's now, once, in a stable order."""
    jobs = planned_jobs(store)
    now = clock.now()
    with store.unit() as con:
        due_at = dict(con.execute("SELECT job, next_due_at FROM scheduler_jobs").fetchall())
    outcomes = []
    for job in jobs:
        if stop is not None and stop.is_set():
            break
        if job.name in due_at and due_at[job.name] > now:
            continue
        outcomes.append(_run(store, job))
    return outcomes


def _run(store: Store, job: Job) -> Outcome:
    started = clock.now()
    with store.unit() as con:
        con.execute("""INSERT INTO scheduler_jobs (job, next_due_at, last_started_at) VALUES (?, ?, ?)
                       ON CONFLICT (job) DO UPDATE SET last_started_at = excluded.last_started_at""",
                    [job.name, started, started])
    try:
        outcome = Outcome(job.name, "ok", job.run(store))
    except Exception as exc:  # one failing job must not stop the others
        outcome = Outcome(job.name, "failed", f"{type(exc).__name__}: {exc}")
    finished = clock.now()
    with store.unit() as con:
        con.execute("""UPDATE scheduler_jobs SET next_due_at = ?, last_finished_at = ?, last_status = ?,
                           last_error = ? WHERE job = ?""",
                    [started + job.every, finished, outcome.status,
                     outcome.summary if outcome.status == "failed" else None, job.name])
    event(log, "job", job=job.name, status=outcome.status, summary=outcome.summary)
    return outcome


def next_jobs(store: Store) -> list[dict[str, str]]:
    with store.unit() as con:
        rows = con.execute("""SELECT job, next_due_at, last_status, last_error FROM scheduler_jobs
                              ORDER BY next_due_at LIMIT 20""").fetchall()
    return [{"job": j, "next_due_at": d.isoformat(), "last_status": s or "", "last_error": e or ""}
            for j, d, s, e in rows]


def beat(store: Store, started_at: dt.datetime, state: str = "running") -> None:
    jobs = next_jobs(store)
    beat_ = heartbeat.write(store.path, started_at=started_at, next_jobs=jobs, state=state)
    with store.unit() as con:
        con.execute("""INSERT INTO heartbeat VALUES (?, ?, ?, ?, ?, ?)
                       ON CONFLICT (process) DO UPDATE SET pid = excluded.pid, host = excluded.host,
                           started_at = excluded.started_at, last_tick_at = excluded.last_tick_at,
                           next_jobs = excluded.next_jobs""",
                    ["scheduler", beat_["pid"], beat_["host"], started_at, clock.now(),
                     json.dumps(jobs)])


def holder_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


def _holder_gone(holder: str) -> bool:
    """A lease held by a process of this host that no longer exists (killed) need not be waited out."""
    host, _, pid = holder.rpartition(":")
    if host != socket.gethostname() or not pid.isdigit():
        return False
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        return False
    return False


def take_lease(store: Store) -> str | None:
    """Take or renew the scheduler lease; None if taken, else who holds it."""
    me, wall = holder_name(), dt.datetime.now(dt.UTC)
    with store.unit() as con:
        row = con.execute("SELECT holder, expires_at FROM scheduler_lease WHERE lease = 'scheduler'").fetchone()
        if row and row[0] != me and row[1] > wall and not _holder_gone(row[0]):
            return f"{row[0]} (until {row[1].isoformat(timespec='seconds')})"
        con.execute("""INSERT INTO scheduler_lease VALUES ('scheduler', ?, ?, ?)
                       ON CONFLICT (lease) DO UPDATE SET holder = excluded.holder,
                           acquired_at = CASE WHEN scheduler_lease.holder = excluded.holder
                                         THEN scheduler_lease.acquired_at ELSE excluded.acquired_at END,
                           expires_at = excluded.expires_at""",
                    [me, wall, wall + dt.timedelta(seconds=LEASE_SECONDS)])
    return None


def release_lease(store: Store) -> None:
    with store.unit() as con:
        con.execute("DELETE FROM scheduler_lease WHERE lease = 'scheduler' AND holder = ?", [holder_name()])


def wait_for_lease(store: Store, stop: threading.Event, poll_seconds: float = 5.0) -> bool:
    said = None
    while not stop.is_set():
        holder = take_lease(store)
        if holder is None:
            return True
        if holder != said:
            event(log, "lease_wait", holder=holder, message="another scheduler is running; waiting for its lease")
            said = holder
        stop.wait(poll_seconds)
    return False


def run_once(store: Store) -> list[Outcome]:
    """`--once`: every due job once, under the lease, then exit."""
    holder = take_lease(store)
    if holder is not None:
        raise RuntimeError(f"another scheduler holds the store: {holder}")
    started = clock.now()
    try:
        outcomes = tick(store)
        beat(store, started, state="stopped")
    finally:
        release_lease(store)
    return outcomes


def run_forever(store: Store, tick_seconds: float = 5.0, stop: threading.Event | None = None) -> None:
    """The long-running scheduler; SIGTERM or SIGINT finish the work in hand, then exit."""
    stop = stop or threading.Event()
    global current_stop
    current_stop = stop
    if threading.current_thread() is threading.main_thread():
        for sig in (signal.SIGTERM, signal.SIGINT):
            signal.signal(sig, lambda *_: stop.set())
    if not wait_for_lease(store, stop):
        return
    started = clock.now()
    event(log, "scheduler_started", pid=os.getpid(), store=str(store.path))

    def one_tick() -> None:
        if take_lease(store) is not None:
            event(log, "lease_lost", message="another scheduler took the lease; stopping")
            stop.set()
            return
        tick(store, stop)
        beat(store, started)

    runner = schedule.Scheduler()
    runner.every(tick_seconds).seconds.do(one_tick)
    one_tick()
    while not stop.is_set():
        runner.run_pending()
        stop.wait(min(0.5, max(0.05, runner.idle_seconds or 0.5)))
    beat(store, started, state="stopped")
    release_lease(store)
    event(log, "scheduler_stopped", pid=os.getpid())
