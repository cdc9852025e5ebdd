"""The scheduler's automation jobs: evaluate every minute, dispatch every few seconds,
attribute orders to clicked messages, purge old carts daily. Each runs at the tick's `now`."""
from __future__ import annotations

import datetime as dt
import threading

import duckdb

from core.automations.attribution import attribute
from core.automations.evaluate import evaluate_all
from core.carts.purge import CART_RETENTION, purge_carts
from core.messaging import outbox
from core.messaging.dispatch import dispatch
from core.messaging.email import EmailChannel
from core.messaging.outbox import Journal
from core.store import Store

EVALUATE_EVERY = dt.timedelta(minutes=1)
DISPATCH_EVERY = dt.timedelta(seconds=5)
ATTRIBUTE_EVERY = dt.timedelta(minutes=10)
PURGE_EVERY = dt.timedelta(days=1)
NOTHING_DUE = "nothing due"  # what a dispatch run that found nothing says (as DispatchReport.summary does)

__all__ = ["ATTRIBUTE_EVERY", "DISPATCH_EVERY", "EVALUATE_EVERY", "PURGE_EVERY", "attribute", "dispatch_due",
           "dispatch_idle", "has_dispatch_work", "run_attribute", "run_dispatch", "run_evaluate", "run_purge"]


def run_evaluate(store: Store, now: dt.datetime, stop: threading.Event) -> str:
    r = evaluate_all(store, now)
    return f"{r['planned']} planned over {r['automations']} running automation(s), {r['cancelled']} cancelled"


def run_dispatch(store: Store, now: dt.datetime, stop: threading.Event) -> str:
    channel = EmailChannel.for_store(store.path)
    if not dispatch_due(store, channel.journal, now):
        return NOTHING_DUE
    return dispatch(store.unit, channel, now=now, stop=stop).summary()


def dispatch_due(store: Store, journal: Journal, now: dt.datetime, channel: str | None = None) -> bool:
    """Whether a dispatch run has work (`has_dispatch_work`), in a unit of work of its own unless a journal
    left to settle answers first."""
    if not journal.is_empty():
        return True
    with store.unit() as con:
        return outbox.has_work(con, now, channel)


def has_dispatch_work(con: duckdb.DuckDBPyConnection, journal: Journal, now: dt.datetime,
                      channel: str | None = None) -> bool:
    """A journal a crash left to settle, or a row due (outbox.has_work). Every few seconds this one query
    stands in for the rules and the claim when nothing is due."""
    return not journal.is_empty() or outbox.has_work(con, now, channel)


def dispatch_idle(store: Store, con: duckdb.DuckDBPyConnection, now: dt.datetime) -> bool:
    """The e-mail dispatch job's idle answer, asked in the scheduler's unit of work."""
    return not has_dispatch_work(con, Journal.for_store(store.path), now)


def run_attribute(store: Store, now: dt.datetime, stop: threading.Event) -> str:
    """Credit recent orders to the message clicked last within the window (the rule lives in attribution)."""
    return f"{attribute(store, now)} order(s) attributed"


def run_purge(store: Store, now: dt.datetime, stop: threading.Event) -> str:
    return f"{purge_carts(store, now)} cart(s) older than {CART_RETENTION.days} days purged"
