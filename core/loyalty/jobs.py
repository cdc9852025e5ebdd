"""The scheduler's loyalty jobs: give stamps and issue warranties every minute, send Alimtalk every few seconds.

Issuance is one unit of work for every shop: stamps, rewards, warranties, the notices they cause and
where each shop's run stopped (`issued_until`) commit together, so a crash leaves all of them or none.
What is due is worked out from the store each time (delivered items without a row), looking only at
what can have changed since that run, so the cost follows what changed, not the size of the history;
a restarted or late scheduler catches up from where the last committed run stopped.
"""
from __future__ import annotations

import datetime as dt
import threading

import duckdb

from core.automations.jobs import NOTHING_DUE, dispatch_due, has_dispatch_work
from core.loyalty import settings, stamps, warranty
from core.loyalty.notify import CHANNEL, channel, journal_for
from core.messaging.dispatch import dispatch
from core.store import Store

ISSUE_EVERY = dt.timedelta(minutes=1)
NOTIFY_EVERY = dt.timedelta(seconds=5)


def issue_all(store: Store, now: dt.datetime) -> dict[str, int]:
    """Stamps, rewards and warranties due at `now` in every shop, in one pass; the totals."""
    with store.unit() as con:
        stamp_shops = settings.enabled(con, "stamp")
        warranty_shops = settings.enabled(con, "warranty")
        totals = {"shops": len({e.shop_id for e in stamp_shops + warranty_shops}), "stamps": 0, "rewards": 0,
                  "issued": 0, "pending": 0}
        if stamp_shops:
            for key, value in stamps.award_all(con, stamp_shops, now).items():
                totals[key] += value
        if warranty_shops:
            for key, value in warranty.issue_due_all(con, warranty_shops, now).items():
                totals[key] += value
        settings.mark_issued(con, "stamp", [e.shop_id for e in stamp_shops], now)
        settings.mark_issued(con, "warranty", [e.shop_id for e in warranty_shops], now)
    return totals


def run_issue(store: Store, now: dt.datetime, stop: threading.Event) -> str:
    t = issue_all(store, now)
    return (f"{t['stamps']} stamp(s), {t['rewards']} reward(s), {t['issued']} warranty(ies) issued, "
            f"{t['pending']} pending, over {t['shops']} shop(s)")


def notify_idle(store: Store, con: duckdb.DuckDBPyConnection, now: dt.datetime) -> bool:
    """The Alimtalk job's idle answer, asked in the scheduler's unit of work."""
    return not has_dispatch_work(con, journal_for(store), now, CHANNEL)


def run_notify(store: Store, now: dt.datetime, stop: threading.Event) -> str:
    notices = channel(store)
    if not dispatch_due(store, notices.journal, now, notices.name):
        return NOTHING_DUE
    return dispatch(store.unit, notices, now=now, stop=stop).summary()
