"""The scheduler's automation jobs: evaluate every minute, dispatch every few seconds,
attribute orders to clicked messages, purge old carts daily."""
from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Callable

from core import clock
from core.store import Store

EVALUATE_EVERY = dt.timedelta(minutes=1)
DISPATCH_EVERY = dt.timedelta(seconds=5)
ATTRIBUTE_EVERY = dt.timedelta(minutes=10)
PURGE_EVERY = dt.timedelta(days=1)

CART_RETENTION = dt.timedelta(days=30)


def run_evaluate(store: Store) -> str:
    from core.automations.evaluate import evaluate_all
    r = evaluate_all(store)
    return f"{r['planned']} planned over {r['automations']} running automation(s), {r['cancelled']} cancelled"


def run_dispatch(store: Store, now: dt.datetime, stop: threading.Event) -> str:
    from core.messaging.dispatch import dispatch
    from core.messaging.email import EmailChannel
    return dispatch(store.unit, EmailChannel.for_store(store.path), now=now, stop=stop).summary()


def attribute(store: Store, now: dt.datetime | None = None) -> int:
    """Credit recent orders to the message clicked last within the window (the rule lives in core.attribution)."""
    from core.automations.attribution import attribute as credit_orders
    return credit_orders(store, now)


def run_attribute(store: Store) -> str:
    return f"{attribute(store)} order(s) attributed"


def purge_carts(store: Store, now: dt.datetime | None = None) -> int:
    cutoff = (now or clock.now()) - CART_RETENTION
    with store.unit() as con:
        con.execute("""DELETE FROM cart_items WHERE (shop_id, cart_key) IN (
                           SELECT shop_id, cart_key FROM carts WHERE last_activity_at < ?)""", [cutoff])
        return len(con.execute("DELETE FROM carts WHERE last_activity_at < ? RETURNING cart_key",
                               [cutoff]).fetchall())


def run_purge(store: Store) -> str:
    return f"{purge_carts(store)} cart(s) older than 30 days purged"


def _with_now_and_stop(run: Callable[[Store, dt.datetime, threading.Event], str]) -> Callable[[Store], str]:
    """Adapts a run(store, now, stop) to the scheduler loop that still calls run(store)."""
    def adapted(store: Store) -> str:
        from core.scheduler import loop as scheduler
        return run(store, clock.now(), getattr(scheduler, "current_stop", None) or threading.Event())
    return adapted


def automation_jobs(store: Store) -> list:
    from core.scheduler.loop import Job
    return [Job("automations:evaluate", EVALUATE_EVERY, run_evaluate),
            Job("automations:dispatch", DISPATCH_EVERY, _with_now_and_stop(run_dispatch)),
            Job("automations:attribute", ATTRIBUTE_EVERY, run_attribute),
            Job("automations:purge_carts", PURGE_EVERY, run_purge)]
