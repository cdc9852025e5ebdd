"""The one dispatch loop: claim due sends, hand them over with the store closed, flush their outcomes.

Every channel (e-mail over SMTP, Alimtalk over its provider's HTTP API) goes through this loop behind
the small `Channel` interface below; what differs per channel is what it checks before a claim,
what it loads for a claimed row, how many connections it opens side by side, and how one message
is prepared and handed over. What does not differ lives here, once:

- one batch = one unit of work to apply the channel's rules and claim rows as `sending` (with what
  sending needs), then preparing and sending with the store closed, then one unit to record the
  outcomes;
- the journal (see outbox.py) brackets every hand-over: "A" right before it, "S" when accepted,
  "R" when refused with a definite answer, nothing when the answer was lost, so a crash anywhere
  leaves every message sent, pending, or (for the one in a connection's hands) unknown;
- each connection keeps its own order and at most one message in flight (so at most one `unknown`
  per connection after a crash);
- the `stop` event (SIGTERM in the scheduler) is looked at between messages: the message in hand is
  finished, the rest of the batch is released back to pending, outcomes are flushed, and dispatch
  returns; so is the run's time budget, so a batch whose messages are slow to make (a template that
  runs to its render time limit for many members) yields to the other jobs and goes on next run;
- a message whose prepare raises, whatever it raises, ends `dead` with `render_failed` by itself.

The store is never opened here: `units` is a callable that opens one unit of work and yields its
DuckDB connection (the scheduler passes `store.unit`).
"""
from __future__ import annotations

import collections
import concurrent.futures
import contextlib
import dataclasses
import datetime as dt
import logging
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from typing import Protocol, TypeVar

import duckdb

from core.errors import CoreError, ErrorRecord
from core.log import event
from core.messaging import outbox
from core.messaging.outbox import Journal, Outcome, State

log = logging.getLogger("core.messaging.dispatch")

Units = Callable[[], contextlib.AbstractContextManager[duckdb.DuckDBPyConnection]]
TIME_BUDGET_S = 50.0  # one dispatch run yields to the other jobs after this long


class Item(Protocol):
    """A claimed message as a channel loaded it: what the loop itself reads."""

    @property
    def message_id(self) -> str: ...

    @property
    def shop_id(self) -> str: ...

    @property
    def attempts(self) -> int: ...


ItemT = TypeVar("ItemT", bound=Item)
ItemT_contra = TypeVar("ItemT_contra", bound=Item, contravariant=True)


@dataclasses.dataclass(frozen=True)
class Delivery:
    """What became of one hand-over.

    `state` decides the journal mark: sent → accepted, failed or dead → refused, unknown → none (the
    other side may have it). `lane_down`: nothing more can go over this connection now (the server
    cannot be reached), so the rest of the lane fails the same way without waiting for it.
    """

    state: State
    reason: str | None = None
    error: str | None = None
    lane_down: bool = False


class LaneUnavailable(Exception):
    """A connection cannot be opened for these messages at all (no settings, no credentials): every
    message of the lane fails with `reason`, and is retried later."""

    def __init__(self, reason: str, error: str) -> None:
        super().__init__(error)
        self.reason = reason
        self.error = error


class Session(Protocol[ItemT_contra]):
    """One open connection (SMTP session, HTTP client) for one shop's lane."""

    def prepare(self, item: ItemT_contra) -> object | Outcome:
        """The message ready to hand over, or the outcome of one that cannot be made (rendering failed).
        Whatever it raises ends that one message `dead` with `render_failed` (see `_prepared`)."""
        ...

    def send(self, message: object) -> Delivery: ...

    def close(self) -> None: ...


class Channel(Protocol[ItemT]):
    """What the loop needs of a channel."""

    name: str            # the `outbox.channel` value its rows carry
    journal: Journal     # its own journal: a crash is settled per channel
    batch_size: int

    def before_claim(self, con: duckdb.DuckDBPyConnection, now: dt.datetime) -> Mapping[str, int]:
        """The channel's rules on due rows (skip, cancel, hold) before they are claimed; counts by rule."""
        ...

    def load(self, con: duckdb.DuckDBPyConnection, claimed: list[outbox.Claimed]) -> list[ItemT]:
        """What sending the claimed rows needs (templates, merge data, settings), in the same unit."""
        ...

    def lanes(self, shop_id: str, items: Sequence[ItemT]) -> int:
        """How many connections this shop's share of the batch goes over, side by side."""
        ...

    def open(self, shop_id: str, items: Sequence[ItemT], now: dt.datetime) -> Session[ItemT]:
        """A connection for these messages, sending at `now`; raises LaneUnavailable when none can be made."""
        ...

    def frozen_context(self, item: ItemT) -> str | None:
        """The merge data to keep with the row's outcome (JSON), or None to keep what it has."""
        ...


@dataclasses.dataclass
class DispatchReport:
    channel: str = ""
    reconciled: dict[str, int] = dataclasses.field(default_factory=dict)
    rules: collections.Counter[str] = dataclasses.field(default_factory=collections.Counter)
    outcomes: collections.Counter[str] = dataclasses.field(default_factory=collections.Counter)
    batches: int = 0

    def summary(self) -> str:
        parts = [f"{k} {v}" for k, v in sorted(self.outcomes.items())]
        parts += [f"{k} {v}" for k, v in sorted(self.rules.items()) if v]
        parts += [f"reconciled {k} {v}" for k, v in sorted(self.reconciled.items()) if v]
        return ", ".join(parts) or "nothing due"


def recover(units: Units, channel: Channel[ItemT], *, now: dt.datetime) -> dict[str, int]:
    """Settle what a dead process left `sending` on this channel, then start its journal afresh."""
    marks = channel.journal.marks()
    with units() as con:
        counts = outbox.reconcile(con, channel.name, marks, now)
    channel.journal.clear()
    return counts


def dispatch(units: Units, channel: Channel[ItemT], *, now: dt.datetime, stop: threading.Event,
             batch_size: int | None = None, time_budget_s: float = TIME_BUDGET_S) -> DispatchReport:
    """Send what is due on `channel`, batch after batch, until nothing is due, `stop` is set or the
    time budget is spent."""
    size = batch_size or channel.batch_size
    report = DispatchReport(channel.name)
    report.reconciled = recover(units, channel, now=now)
    if report.reconciled.get("unknown"):
        event(log, "outbox_unknown", logging.WARNING, channel=channel.name, count=report.reconciled["unknown"],
              message="a crash left messages whose delivery is unclear; resolve them in the console")
    deadline = time.monotonic() + time_budget_s
    try:
        while not stop.is_set() and time.monotonic() < deadline:
            with units() as con:
                report.rules.update(channel.before_claim(con, now))
                claimed = outbox.claim(con, channel.name, now, size)
                batch = channel.load(con, claimed) if claimed else []
            if not batch:
                break
            outcomes = send_batch(channel, batch, now, stop, deadline=deadline)
            contexts = {item.message_id: channel.frozen_context(item) for item in batch}
            for o in outcomes:
                o.context = contexts.get(o.message_id)
            with units() as con:
                outbox.flush(con, outcomes, {item.message_id: item.attempts for item in batch}, now)
            channel.journal.clear()
            report.batches += 1
            report.outcomes.update(str(o.state) for o in outcomes)
            if len(batch) < size:  # the claim took all that was due: spare a unit that would find nothing
                break
    finally:
        channel.journal.close()
    return report


def send_batch(channel: Channel[ItemT], batch: Sequence[ItemT], now: dt.datetime,
               stop: threading.Event, *, deadline: float | None = None) -> list[Outcome]:
    """Send one claimed batch, shop by shop; every message gets an outcome unless the process dies. Past
    `deadline` (time.monotonic) what no lane has started is released to pending, as at a stop."""
    by_shop: dict[str, list[ItemT]] = collections.defaultdict(list)
    for item in batch:
        by_shop[item.shop_id].append(item)
    outcomes: list[Outcome] = []
    for shop_id, items in by_shop.items():
        lanes = max(1, channel.lanes(shop_id, items))
        if lanes == 1:
            outcomes.extend(_send_lane(channel, shop_id, items, now, stop, deadline))
            continue
        channel.journal.open()  # before the threads write to it
        with concurrent.futures.ThreadPoolExecutor(lanes, thread_name_prefix=f"{channel.name}-{shop_id}") as pool:
            futures = [pool.submit(_send_lane, channel, shop_id, items[i::lanes], now, stop, deadline)
                       for i in range(lanes)]
            outcomes.extend(o for f in futures for o in f.result())
    return outcomes


def _send_lane(channel: Channel[ItemT], shop_id: str, items: list[ItemT], now: dt.datetime,
               stop: threading.Event, deadline: float | None = None) -> list[Outcome]:
    """Send these messages in order over one connection, at most one in flight."""
    journal = channel.journal
    out: list[Outcome] = []
    pending = list(items)
    try:
        session = channel.open(shop_id, items, now)
    except LaneUnavailable as exc:
        return [Outcome(m.message_id, State.FAILED, exc.error[:500], exc.reason) for m in items]
    try:
        while pending and not stop.is_set() and (deadline is None or time.monotonic() < deadline):
            item = pending.pop(0)
            message = _prepared(session, item)
            if isinstance(message, Outcome):
                out.append(message)
                continue
            journal.attempt(item.message_id)
            delivery = session.send(message)
            if delivery.state is State.SENT:
                journal.accepted(item.message_id)
            elif delivery.state in (State.FAILED, State.DEAD):
                journal.refused(item.message_id)
            out.append(Outcome(item.message_id, delivery.state, delivery.error, delivery.reason))
            if delivery.lane_down:
                out.extend(Outcome(p.message_id, State.FAILED, delivery.error, delivery.reason) for p in pending)
                pending = []
    finally:
        session.close()
    out.extend(Outcome(m.message_id, State.PENDING) for m in pending)  # released (stop, time budget), never attempted
    return out


def _prepared(session: Session[ItemT], item: ItemT) -> object | Outcome:
    """The lane's message, or its outcome. A prepare that raises anything at all (a RecursionError or
    MemoryError from a member's data, a bug) ends that message `dead` with `render_failed` and the error
    kept for the console, and the lane goes on with the next: one message can never hold up its lane,
    where an escaped exception would leave the whole batch `sending` and every run would retry it."""
    try:
        return session.prepare(item)
    except Exception as exc:  # noqa: BLE001 (any type: that is the point)
        detail = exc.detail if isinstance(exc, CoreError) else f"{type(exc).__name__}: {exc}"
        event(log, "render_failed", logging.WARNING, message_id=item.message_id, error=type(exc).__name__)
        return Outcome(item.message_id, State.DEAD, detail[:500], "render_failed", record=ErrorRecord.of(exc))
