"""Dispatch asks one cheap question before its units of work: is anything due (its retry or hold over),
or left `sending` by a dead process, or written in the journal? While nothing is, the job says so and
touches nothing; as soon as something is, the run is the full one (rules, claim, send)."""
from __future__ import annotations

import datetime as dt
import threading

import pytest

from core import clock
from core.automations import jobs
from core.messaging import outbox
from core.messaging.outbox import Journal
from core.store import Store
from tests.support import automation_world as w
from tests.support.automation_world import at

pytestmark = pytest.mark.timeout(60)


def plan_one(store: Store, key: str, due_at: dt.datetime, *, state: str = "pending", channel: str = "email",
             automation_id: str = "a-1") -> None:
    with store.unit() as con:
        outbox.plan(con, """
            SELECT md5($key), $key, $aid, 'shop-1', 'm1', $key, $channel, FALSE, 'm1@example.com', $state, NULL,
                   $due, $due, 0, NULL, $due, $due""",
                    {"key": key, "due": due_at, "state": state, "channel": channel, "aid": automation_id})


def due(store: Store, now: dt.datetime, channel: str | None = None) -> bool:
    with store.unit() as con:
        return outbox.has_work(con, now, channel)


def test_only_due_or_unsettled_rows_are_work(store: Store, fixed_clock) -> None:
    now = at(5, 9)
    assert not due(store, now)
    plan_one(store, "later", now + dt.timedelta(minutes=1))
    plan_one(store, "done", now - dt.timedelta(days=1), state="sent")
    plan_one(store, "notice", now - dt.timedelta(minutes=1), channel="alimtalk")
    assert not due(store, now, "email")
    assert due(store, now, "alimtalk")
    assert due(store, now)  # the e-mail rules settle every channel's due rows
    assert due(store, now + dt.timedelta(minutes=1), "email")

    with store.unit() as con:  # a failed send waiting for its backoff is not due; its retry time is
        con.execute("UPDATE outbox SET state = 'failed', next_attempt_at = $t WHERE idempotency_key = 'later'",
                    {"t": now + dt.timedelta(minutes=10)})
    assert not due(store, now + dt.timedelta(minutes=5), "email")
    assert due(store, now + dt.timedelta(minutes=10), "email")

    with store.unit() as con:  # a dead process left one `sending`: the run must settle it
        con.execute("UPDATE outbox SET state = 'sending' WHERE idempotency_key = 'later'")
    assert due(store, now, "email")


def test_the_job_skips_its_units_while_nothing_is_due_and_runs_fully_once_something_is(
        store: Store, store_path, fixed_clock) -> None:
    w.seed_shop(store)
    fixed_clock.set(at(5, 9))
    plan_one(store, "tomorrow", at(6, 9), automation_id=w.automation(store, "signup"))
    journal = Journal.for_store(store_path)
    assert jobs.run_dispatch(store, at(5, 9), threading.Event()) == jobs.NOTHING_DUE
    assert not journal.path.exists()  # no dispatch run: its recovery would have started a journal

    journal.attempt("somebody-else")  # a crash left a line: the run must settle it even with nothing due
    summary = jobs.run_dispatch(store, at(5, 9), threading.Event())
    assert summary == "nothing due" and journal.is_empty()

    fixed_clock.set(at(6, 9))
    # Due now: the world's sender points at a port nobody listens on, so the attempt fails and is retried later.
    summary = jobs.run_dispatch(store, at(6, 9), threading.Event())
    assert summary != jobs.NOTHING_DUE
    assert w.states(store)["tomorrow"] == ("failed", "temporary_failure")
    assert clock.now() == at(6, 9)
