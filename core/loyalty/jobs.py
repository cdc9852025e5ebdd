"""The scheduler's loyalty jobs: give stamps and issue warranties every minute, send Alimtalk every few seconds.

Issuance for a shop is one unit of work: stamps, rewards, warranties and the notices they cause commit
together, so a crash leaves all of them or none. What is due is worked out from the store each time
(delivered items without a row), so a restarted or late scheduler catches up without a cursor.
"""
from __future__ import annotations

import datetime as dt
import threading

from core.loyalty import settings, stamps, warranty
from core.loyalty.notify import channel
from core.messaging.dispatch import dispatch
from core.store import Store

ISSUE_EVERY = dt.timedelta(minutes=1)
NOTIFY_EVERY = dt.timedelta(seconds=5)


def issue_all(store: Store, now: dt.datetime) -> dict[str, int]:
    """Stamps, rewards and warranties due at `now`, shop by shop; the totals."""
    with store.unit() as con:
        shops = settings.enabled_shops(con)
    totals = {"shops": len(shops), "stamps": 0, "rewards": 0, "issued": 0, "pending": 0}
    for shop_id in shops:
        with store.unit() as con:
            for result in (stamps.award(con, shop_id, now), warranty.issue_due(con, shop_id, now)):
                for key, value in result.items():
                    totals[key] += value
    return totals


def run_issue(store: Store, now: dt.datetime, stop: threading.Event) -> str:
    t = issue_all(store, now)
    return (f"{t['stamps']} stamp(s), {t['rewards']} reward(s), {t['issued']} warranty(ies) issued, "
            f"{t['pending']} pending, over {t['shops']} shop(s)")


def run_notify(store: Store, now: dt.datetime, stop: threading.Event) -> str:
    return dispatch(store.unit, channel(store), now=now, stop=stop).summary()
