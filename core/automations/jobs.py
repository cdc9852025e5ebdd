"""The scheduler's automation jobs: evaluate every minute, dispatch every few seconds,
attribute orders to clicked messages, purge old carts daily."""
from __future__ import annotations

import datetime as dt

from core import clock
from core.store import Store

EVALUATE_EVERY = dt.timedelta(minutes=1)
DISPATCH_EVERY = dt.timedelta(seconds=5)
ATTRIBUTE_EVERY = dt.timedelta(minutes=10)
PURGE_EVERY = dt.timedelta(days=1)

ATTRIBUTION_WINDOW = dt.timedelta(days=5)   # an order within 5 days after a click is credited to the message
CART_RETENTION = dt.timedelta(days=30)


def run_evaluate(store: Store) -> str:
    from core.automations.evaluate import evaluate_all
    r = evaluate_all(store)
    return f"{r['planned']} planned over {r['automations']} running automation(s), {r['cancelled']} cancelled"


def run_dispatch(store: Store) -> str:
    from core import scheduler
    from core.automations.dispatch import dispatch
    return dispatch(store, stop=getattr(scheduler, "current_stop", None)).summary()


def attribute(store: Store, now: dt.datetime | None = None) -> int:
    """Credit each recent order to the last clicked message of its member (or its cart) within the window."""
    now = now or clock.now()
    since = now - ATTRIBUTION_WINDOW - dt.timedelta(days=2)  # re-scan: orders can sync late
    with store.unit() as con:
        before = con.execute("SELECT count(*) FROM attributions").fetchone()[0]
        con.execute("""
            INSERT INTO attributions (shop_id, order_key, message_id, revenue, attributed_at)
            WITH clicks AS (
                SELECT ob.shop_id, ob.member_key, ob.occurrence_key, ob.message_id, te.occurred_at AS clicked_at
                FROM tracking_events te JOIN outbox ob USING (message_id)
                WHERE te.kind = 'click' AND te.occurred_at >= $since - $window),
            recent AS (
                SELECT shop_id, order_key, member_key, cart_key, ordered_at, total_amount FROM orders
                WHERE ordered_at >= $since AND ordered_at <= $now AND status NOT IN ('cancelled', 'returned')),
            pairs AS (
                SELECT o.*, c.message_id, c.clicked_at FROM recent o
                JOIN clicks c ON c.shop_id = o.shop_id AND c.member_key = o.member_key
                UNION ALL
                SELECT o.*, c.message_id, c.clicked_at FROM recent o
                JOIN clicks c ON c.shop_id = o.shop_id AND c.occurrence_key = o.cart_key)
            SELECT shop_id, order_key, arg_max(message_id, clicked_at), any_value(total_amount), $now
            FROM pairs WHERE clicked_at <= ordered_at AND ordered_at <= clicked_at + $window
            GROUP BY shop_id, order_key
            ON CONFLICT DO NOTHING""", {"since": since, "now": now, "window": ATTRIBUTION_WINDOW})
        return con.execute("SELECT count(*) FROM attributions").fetchone()[0] - before


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


def automation_jobs(store: Store) -> list:
    from core.scheduler import Job
    return [Job("automations:evaluate", EVALUATE_EVERY, run_evaluate),
            Job("automations:dispatch", DISPATCH_EVERY, run_dispatch),
            Job("automations:attribute", ATTRIBUTE_EVERY, run_attribute),
            Job("automations:purge_carts", PURGE_EVERY, run_purge)]
