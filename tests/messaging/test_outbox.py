"""The outbox state machine against a real SMTP server on loopback: retries with backoff, dead letters,
`unknown` never re-sent, the operator's repairs, and state changes batched (the store is not opened
per message)."""
from __future__ import annotations

import contextlib
import datetime as dt
import threading

import pytest

from core import clock
from core.automations import manage
from core.automations.evaluate import evaluate_all
from core.messaging import dispatch as loop
from core.messaging.email import EmailChannel
from core.messaging.outbox import MAX_ATTEMPTS, Journal, backoff
from core.store import Store
from tests.support import automation_world as w
from tests.support.automation_world import at

pytestmark = pytest.mark.timeout(60)


def dispatch(store: Store, **options: int) -> loop.DispatchReport:
    """One run of the scheduler's e-mail dispatch job at the test's clock."""
    return loop.dispatch(store.unit, EmailChannel.for_store(store.path), now=clock.now(), stop=threading.Event(),
                         **options)


class Picky(w.Recorder):
    """Refuses some recipients for now (451) or for good (550); hangs up on others after their data."""

    def __init__(self) -> None:
        super().__init__()
        self.later: set[str] = set()
        self.never: set[str] = set()
        self.hang_up: set[str] = set()

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):  # noqa: N802
        if address in self.later:
            return "451 4.3.0 mailbox busy, try later"
        if address in self.never:
            return "550 5.1.1 no such user"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):  # noqa: N802
        if set(envelope.rcpt_tos) & self.hang_up:
            server.transport.close()  # the data arrived; the answer never does
            return "250 OK"
        return await super().handle_DATA(server, session, envelope)


@pytest.fixture
def picky(store: Store, fixed_clock: clock.FixedClock):
    recorder = Picky()
    controller = w.smtp_server(recorder)
    fixed_clock.set(at(1, 9))
    w.seed_shop(store)
    w.configure_sender(store, w.smtp_port(controller))
    yield recorder
    controller.stop()


def _plan(store: Store, fixed_clock: clock.FixedClock, *keys: str) -> str:
    aid = w.automation(store, "signup", advertising=False)
    w.write(store, members=[w.member(k, at(1, 10)) for k in keys])
    fixed_clock.set(at(1, 10, 5))
    evaluate_all(store, clock.now())
    return aid


def test_temporary_refusals_back_off_then_die_and_permanent_ones_die_at_once(store, fixed_clock, picky) -> None:
    picky.later.add("busy@example.com")
    picky.never.add("gone@example.com")
    aid = _plan(store, fixed_clock, "ok", "busy", "gone")
    dispatch(store)
    rows = {r["occurrence_key"]: r for r in w.outbox(store, aid)}
    assert rows["ok"]["state"] == "sent"
    assert (rows["gone"]["state"], rows["gone"]["reason"]) == ("dead", "refused")
    assert "550" in rows["gone"]["last_error"]
    busy = rows["busy"]
    assert (busy["state"], busy["attempts"]) == ("failed", 1)
    assert busy["next_attempt_at"] == at(1, 10, 5) + backoff(1)
    fixed_clock.set(busy["next_attempt_at"] - dt.timedelta(seconds=1))
    dispatch(store)  # not yet due: nothing happens
    assert w.states(store, aid)["busy"] == ("failed", "temporary_failure")
    for attempt in range(2, MAX_ATTEMPTS + 1):
        fixed_clock.set(busy["next_attempt_at"])
        dispatch(store)
        busy = {r["occurrence_key"]: r for r in w.outbox(store, aid)}["busy"]
        assert busy["attempts"] == attempt
        if attempt < MAX_ATTEMPTS:  # 1, 4, 16, 64 minutes between tries
            assert busy["next_attempt_at"] == clock.now() + backoff(attempt) \
                == clock.now() + 4 ** (attempt - 1) * backoff(1)
    assert (busy["state"], busy["reason"]) == ("dead", "gave_up_after_retries") and "451" in busy["last_error"]
    # the operator fixes the mailbox and retries the dead ones: a fresh set of tries
    picky.later.clear()
    picky.never.clear()
    assert manage.retry_failed(store, [busy["message_id"], rows["gone"]["message_id"], rows["ok"]["message_id"]],
                               now=clock.now()) == 2
    dispatch(store)
    assert w.states(store, aid) == {"ok": ("sent", None), "busy": ("sent", None), "gone": ("sent", None)}
    assert sorted(m["To"] for m in picky.messages) == ["busy@example.com", "gone@example.com", "ok@example.com"]


def test_a_lost_answer_leaves_unknown_never_resent_until_the_operator_resolves(store, fixed_clock, picky) -> None:
    picky.hang_up.add("lost@example.com")
    aid = _plan(store, fixed_clock, "lost", "fine")
    report = dispatch(store)
    assert report.outcomes["unknown"] == 1
    lost = {r["occurrence_key"]: r for r in w.outbox(store, aid)}["lost"]
    assert (lost["state"], lost["reason"]) == ("unknown", "connection_lost_after_data")
    fixed_clock.advance(hours=3)
    dispatch(store)
    assert w.states(store, aid)["lost"][0] == "unknown"
    assert manage.retry_failed(store, [lost["message_id"]], now=clock.now()) == 0  # it may have arrived: no retry
    listed = manage.list_outbox(store, state="unknown")
    assert listed["message_id"].to_list() == [lost["message_id"]]
    manage.resolve_unknown(store, lost["message_id"], sent=False, by="ops@haru", now=clock.now())
    row = {r["occurrence_key"]: r for r in w.outbox(store, aid)}["lost"]
    assert (row["state"], row["reason"], row["resolved_by"]) == ("cancelled", "resolved_not_sent", "ops@haru")
    with pytest.raises(manage.AutomationError):
        manage.resolve_unknown(store, lost["message_id"], sent=True, now=clock.now())
    assert [m["To"] for m in picky.messages] == ["fine@example.com"]


def test_reconcile_settles_what_a_dead_process_left_sending(store, fixed_clock, picky) -> None:
    aid = _plan(store, fixed_clock, "a", "b", "c", "d")
    ids = {r["occurrence_key"]: r["message_id"] for r in w.outbox(store, aid)}
    with store.unit() as con:
        con.execute("UPDATE outbox SET state = 'sending', attempts = 1")
    journal = Journal.for_store(store.path)
    journal.attempt(ids["a"])                                 # accepted, not yet recorded
    journal.accepted(ids["a"])
    journal.attempt(ids["b"])                                 # refused with a definite answer
    journal.refused(ids["b"])
    journal.attempt(ids["c"])                                 # handed over, then the crash
    journal.close()                                           # d: claimed, never attempted
    counts = loop.recover(store.unit, EmailChannel.for_store(store.path), now=clock.now())
    assert counts == {"sent": 1, "failed": 1, "unknown": 1, "pending": 1}
    assert w.states(store, aid) == {"a": ("sent", None), "b": ("failed", "refused_before_crash"),
                                    "c": ("unknown", "crashed_during_send"), "d": ("pending", None)}
    assert journal.read() == {"A": set(), "S": set(), "R": set()}
    dispatch(store)
    assert sorted(m["To"] for m in picky.messages) == ["b@example.com", "d@example.com"]


def test_state_changes_are_batched_not_one_unit_per_message(store, fixed_clock, picky, monkeypatch) -> None:
    aid = _plan(store, fixed_clock, *[f"m{i:03d}" for i in range(120)])
    units = 0
    original = Store.unit

    @contextlib.contextmanager
    def counting(self):
        nonlocal units
        units += 1
        with original(self) as con:
            yield con

    monkeypatch.setattr(Store, "unit", counting)
    report = dispatch(store, batch_size=50)
    assert report.outcomes["sent"] == 120 and report.batches == 3
    assert units <= 1 + 2 * 3 + 1  # reconcile, claim + flush per batch, the last empty claim
    assert {s for s, _ in w.states(store, aid).values()} == {"sent"}


def test_a_shop_without_sender_settings_fails_softly(store, fixed_clock) -> None:
    fixed_clock.set(at(1, 9))
    w.seed_shop(store)
    aid = _plan(store, fixed_clock, "x")
    with store.unit() as con:  # the sender went after the automation started (a config restored by hand)
        con.execute("DELETE FROM sender_settings")
    dispatch(store)
    assert w.states(store, aid) == {"x": ("failed", "no_sender_settings")}
