"""The one dispatch loop with a channel of the test's own: what any channel gets from it (journal marks
around each hand-over, outcomes flushed, a lane that goes down, the stop signal, a lane that cannot
open), independent of SMTP or Alimtalk."""
from __future__ import annotations

import dataclasses
import datetime as dt
import threading
import time
from collections.abc import Mapping, Sequence

import duckdb
import pytest

from core.messaging import outbox
from core.messaging.dispatch import Delivery, LaneUnavailable, dispatch
from core.messaging.outbox import Claimed, Journal, Outcome, State
from core.store import Store

pytestmark = pytest.mark.timeout(60)

NOW = dt.datetime(2026, 1, 10, 0, 0, tzinfo=dt.UTC)


@dataclasses.dataclass
class Item:
    message_id: str
    shop_id: str
    attempts: int
    recipient: str


class Lane:
    def __init__(self, channel: FakeChannel) -> None:
        self.channel = channel

    def prepare(self, item: Item) -> object | Outcome:
        if item.recipient == "unrenderable":
            return Outcome(item.message_id, State.DEAD, "cannot render", "render_failed")
        return item

    def send(self, message: object) -> Delivery:
        assert isinstance(message, Item)
        # The attempt is journalled before the hand-over, so a crash now would leave it `unknown`.
        assert message.message_id in self.channel.journal.read()["A"]
        self.channel.handed.append(message.recipient)
        if message.recipient == self.channel.stop_after:
            self.channel.stop.set()
        answer = {"no": Delivery(State.DEAD, "refused", "550 no"),
                  "later": Delivery(State.FAILED, "temporary_failure", "451 later"),
                  "lost": Delivery(State.UNKNOWN, "no_answer", "lost"),
                  "down": Delivery(State.FAILED, "temporary_failure", "unreachable", lane_down=True)}
        return answer.get(message.recipient, Delivery(State.SENT))

    def close(self) -> None:
        self.channel.closed += 1


class FakeChannel:
    name = "fake"
    batch_size = 100

    def __init__(self, journal: Journal, stop: threading.Event, *, unavailable: bool = False,
                 stop_after: str | None = None) -> None:
        self.journal = journal
        self.stop = stop
        self.unavailable = unavailable
        self.stop_after = stop_after
        self.handed: list[str] = []
        self.closed = 0

    def before_claim(self, con: duckdb.DuckDBPyConnection, now: dt.datetime) -> Mapping[str, int]:
        return {"checked": 1}

    def load(self, con: duckdb.DuckDBPyConnection, claimed: list[Claimed]) -> list[Item]:
        return [Item(c.message_id, c.shop_id, c.attempts, c.recipient or "") for c in claimed]

    def lanes(self, shop_id: str, items: Sequence[Item]) -> int:
        return 1

    def open(self, shop_id: str, items: Sequence[Item], now: dt.datetime) -> Lane:
        if self.unavailable:
            raise LaneUnavailable("not_configured", "no settings")
        return Lane(self)

    def frozen_context(self, item: Item) -> str | None:
        return None


def _plan(store: Store, *recipients: str) -> None:
    rows = ", ".join(f"('{i:02d}-{r}')" for i, r in enumerate(recipients))  # ids in this order: sent in it
    with store.unit() as con:
        outbox.plan(con, f"""
            SELECT k, k, 'test', 'shop-1', NULL, k, 'fake', FALSE, split_part(k, '-', 2), 'pending', NULL,
                   $now, $now, 0, NULL, $now, $now
            FROM (VALUES {rows}) v(k)""", {"now": NOW})


def _rows(store: Store) -> dict[str, dict[str, object]]:
    return {r["recipient"]: r for r in store.frame(
        "SELECT recipient, state, reason, attempts, last_error FROM outbox WHERE channel = 'fake'").to_dicts()}


def _run(store: Store, channel: FakeChannel) -> None:
    dispatch(store.unit, channel, now=NOW, stop=channel.stop)


def test_each_delivery_becomes_its_outcome_and_the_journal_is_cleared(store: Store) -> None:
    _plan(store, "ok", "no", "later", "lost", "unrenderable")
    channel = FakeChannel(Journal(store.path.with_name("fake-journal")), threading.Event())
    report = dispatch(store.unit, channel, now=NOW, stop=channel.stop)
    rows = _rows(store)
    assert {k: (r["state"], r["reason"]) for k, r in rows.items()} == {
        "ok": ("sent", None), "no": ("dead", "refused"), "later": ("failed", "temporary_failure"),
        "lost": ("unknown", "no_answer"), "unrenderable": ("dead", "render_failed")}
    assert rows["later"]["last_error"] == "451 later"
    assert channel.handed == ["ok", "no", "later", "lost"] and channel.closed == 1
    assert report.rules["checked"] >= 1 and report.outcomes["sent"] == 1
    assert channel.journal.read() == {"A": set(), "S": set(), "R": set()}


def test_a_lane_that_goes_down_fails_the_rest_without_handing_them_over(store: Store) -> None:
    _plan(store, "ok", "down", "a", "b")
    channel = FakeChannel(Journal(store.path.with_name("fake-journal")), threading.Event())
    _run(store, channel)
    assert channel.handed == ["ok", "down"]
    assert {k: r["state"] for k, r in _rows(store).items()} == {
        "ok": "sent", "down": "failed", "a": "failed", "b": "failed"}


def test_stop_finishes_the_message_in_hand_and_releases_the_rest_unattempted(store: Store) -> None:
    _plan(store, "a", "b", "c", "d")
    channel = FakeChannel(Journal(store.path.with_name("fake-journal")), threading.Event(), stop_after="b")
    _run(store, channel)
    rows = _rows(store)
    assert channel.handed == ["a", "b"]
    assert {k: (r["state"], r["attempts"]) for k, r in rows.items()} == {
        "a": ("sent", 1), "b": ("sent", 1), "c": ("pending", 0), "d": ("pending", 0)}


def test_a_lane_that_cannot_open_fails_its_messages_for_a_later_retry(store: Store) -> None:
    _plan(store, "a", "b")
    channel = FakeChannel(Journal(store.path.with_name("fake-journal")), threading.Event(), unavailable=True)
    _run(store, channel)
    assert {k: (r["state"], r["reason"]) for k, r in _rows(store).items()} == {
        "a": ("failed", "not_configured"), "b": ("failed", "not_configured")}
    assert channel.handed == []


class RaisingLane(Lane):
    """A lane whose prepare raises what a member's data can make a render raise."""

    RAISES = {"recursion": RecursionError("maximum recursion depth exceeded"), "memory": MemoryError(),
              "bug": KeyError("items")}

    def prepare(self, item: Item) -> object | Outcome:
        if item.recipient in self.RAISES:
            raise self.RAISES[item.recipient]
        return super().prepare(item)


class RaisingChannel(FakeChannel):
    def open(self, shop_id: str, items: Sequence[Item], now: dt.datetime) -> Lane:
        return RaisingLane(self)


def test_a_prepare_that_raises_anything_ends_only_that_message_and_the_lane_goes_on(store: Store) -> None:
    _plan(store, "a", "recursion", "b", "memory", "c", "bug", "d")
    channel = RaisingChannel(Journal(store.path.with_name("fake-journal")), threading.Event())
    report = dispatch(store.unit, channel, now=NOW, stop=channel.stop)
    assert channel.handed == ["a", "b", "c", "d"]  # on this one run, in order, over the same lane
    rows = store.frame("""SELECT recipient, state, reason, last_error, error_kind, error_key, error_params::VARCHAR p
                          FROM outbox WHERE channel = 'fake'""").to_dicts()
    by = {r["recipient"]: r for r in rows}
    assert {k: (r["state"], r["reason"]) for k, r in by.items()} == {
        "a": ("sent", None), "b": ("sent", None), "c": ("sent", None), "d": ("sent", None),
        "recursion": ("dead", "render_failed"), "memory": ("dead", "render_failed"), "bug": ("dead", "render_failed")}
    assert by["recursion"]["last_error"] == "RecursionError: maximum recursion depth exceeded"
    # Kept keyed for the console: an internal fault, named by its type.
    assert (by["memory"]["error_kind"], by["memory"]["error_key"]) == ("internal", "internal")
    assert '"MemoryError"' in by["memory"]["p"]
    assert report.outcomes == {"sent": 4, "dead": 3}


class SlowLane(Lane):
    """Each message takes 0.1 s to make, as one whose template runs to a render time limit would."""

    def prepare(self, item: Item) -> object | Outcome:
        time.sleep(0.1)
        return super().prepare(item)


class SlowChannel(FakeChannel):
    def open(self, shop_id: str, items: Sequence[Item], now: dt.datetime) -> Lane:
        return SlowLane(self)


def test_a_batch_slow_to_make_yields_at_the_run_budget_and_goes_on_next_run(store: Store) -> None:
    _plan(store, *(f"m{i}" for i in range(20)))
    channel = SlowChannel(Journal(store.path.with_name("fake-journal")), threading.Event())
    started = time.monotonic()
    dispatch(store.unit, channel, now=NOW, stop=channel.stop, time_budget_s=0.45)
    assert time.monotonic() - started < 2.0  # not the 2 s the whole batch would take
    rows = _rows(store)
    first = [k for k, r in rows.items() if r["state"] == "sent"]
    assert 3 <= len(first) < 20 and channel.handed == sorted(first)
    # The rest were never attempted: back to pending with no try used, and the next run goes on with them.
    assert {(r["state"], r["attempts"]) for k, r in rows.items() if k not in first} == {("pending", 0)}
    while any(r["state"] == "pending" for r in _rows(store).values()):
        dispatch(store.unit, channel, now=NOW, stop=channel.stop, time_budget_s=0.45)
    assert {r["state"] for r in _rows(store).values()} == {"sent"} and len(channel.handed) == 20
