"""Evaluation finds each trigger's occurrences for all automations of all shops in one statement: it must
plan exactly what each automation's own trigger SQL (`candidates_sql`, the one the preview shows) finds.

Three shops with interleaved members, orders (paid, pending, cancelled, delivered, guests), items,
products in categories and carts; in each shop automations of every trigger with different days,
thresholds and product filters, running since 40 days ago, all evaluated in one tick. The occurrences
planned (pending or skipped with a reason) are compared with those found one automation at a time.
"""
from __future__ import annotations

import datetime as dt

import pytest

from core import clock
from core.automations import evaluate, triggers
from core.store import Store
from tests.support import automation_world as w

pytestmark = pytest.mark.timeout(120)

SHOPS = ("shop-a", "shop-b", "shop-c")
PARAMS: list[tuple[str, dict]] = [
    ("purchased", {}),
    ("purchased", {"category_keys": ["c1"]}),
    ("purchased", {"product_keys": ["p3", "p4"], "category_keys": ["c2"]}),
    ("delivered", {}),
    ("signup", {}),
    ("no_first_purchase", {"days": 7}),
    ("no_first_purchase", {"days": 14}),
    ("no_repurchase", {"days": 7}),
    ("no_repurchase", {"days": 30}),
    ("cart_abandoned", {}),
    ("cart_abandoned", {"threshold_minutes": 240}),
    ("cart_notice", {"recipient": "owner@example.com"}),
]


def build(store: Store, now: dt.datetime) -> None:
    """Rows of the three shops interleaved in time; keys repeat across shops, as they do across platforms."""
    p = {"now": now}
    with store.unit() as con:
        con.execute("""
            INSERT INTO members (shop_id, member_key, email, name, signed_up_at, email_consent, synced_at)
            SELECT ['shop-a', 'shop-b', 'shop-c'][i % 3 + 1], 'm' || (i // 3),
                   CASE WHEN i % 11 = 0 THEN NULL ELSE 'm' || i || '@example.com' END, '회원',
                   $now - to_minutes(CAST(60 * 24 * 60 * (1 - i / 900) AS BIGINT)), i % 4 <> 0, $now
            FROM range(900) t(i)""", p)
        con.execute("""
            INSERT INTO orders (shop_id, order_key, member_key, email, status, ordered_at, paid_at, delivered_at,
                                total_amount, cart_key, synced_at)
            SELECT ['shop-a', 'shop-b', 'shop-c'][i % 3 + 1], 'o' || (i // 3),
                   CASE WHEN i % 17 = 0 THEN NULL ELSE 'm' || (hash(i) % 300) END,
                   CASE WHEN i % 17 = 0 THEN 'guest' || i || '@example.com' END,
                   CASE WHEN i % 13 = 0 THEN 'cancelled' WHEN i % 7 = 0 THEN 'pending'
                        WHEN i % 3 = 0 THEN 'delivered' ELSE 'paid' END,
                   at_, CASE WHEN i % 7 = 0 THEN NULL ELSE at_ END,
                   CASE WHEN i % 3 = 0 AND i % 13 <> 0 AND i % 7 <> 0 THEN at_ + INTERVAL 2 DAY END,
                   39000, CASE WHEN i % 5 = 0 THEN 'k' || (hash(i) % 200) END, $now
            FROM (SELECT i, $now - to_minutes(CAST(60 * 24 * 60 * (1 - i / 3000) AS BIGINT)) AS at_
                  FROM range(3000) t(i))
            WHERE at_ + CASE WHEN i % 3 = 0 THEN INTERVAL 2 DAY ELSE INTERVAL 0 DAY END <= $now
               OR i % 3 <> 0""", p)
        con.execute("""
            INSERT INTO order_items (shop_id, item_key, order_key, product_key, product_name, quantity, unit_price,
                                     status, synced_at)
            SELECT shop_id, order_key || '-' || j, order_key, 'p' || ((hash(order_key) + j) % 8), '상품', 1, 39000,
                   'paid', $now
            FROM orders, range(2) t(j) WHERE j = 0 OR hash(order_key) % 2 = 1""", p)
        con.execute("""
            INSERT INTO products (shop_id, product_key, name, price, category_keys, synced_at)
            SELECT s, 'p' || j, '상품 ' || j, 39000, ['c' || (j % 3)], $now
            FROM unnest(['shop-a', 'shop-b', 'shop-c']) u(s), range(8) t(j)""", p)
        con.execute("""
            INSERT INTO carts (shop_id, cart_key, member_key, email, status, total_amount, created_at,
                               last_activity_at, order_key, synced_at)
            SELECT ['shop-a', 'shop-b', 'shop-c'][i % 3 + 1], 'k' || (i // 3),
                   CASE WHEN i % 4 = 0 THEN NULL ELSE 'm' || (hash(i * 5) % 300) END,
                   CASE WHEN i % 8 = 0 THEN 'cartguest' || i || '@example.com' END,
                   CASE WHEN i % 9 = 0 THEN 'ordered' ELSE 'open' END, 52800, at_, at_, NULL, $now
            FROM (SELECT i, $now - to_minutes(CAST(4 * 24 * 60 * (1 - i / 600) AS BIGINT)) AS at_
                  FROM range(600) t(i))""", p)


def one_at_a_time(store: Store, now: dt.datetime) -> set[tuple]:
    """What each automation's own trigger SQL finds in its window (first running to now), once per occurrence."""
    found: set[tuple] = set()
    with store.unit() as con:
        for a in evaluate.running_automations(con):
            start = evaluate.window_starts(con, [a])[a.automation_id]
            assert start is not None
            sql, params = triggers.candidates_sql(a, start, now)
            rows = con.execute(f"""SELECT member_key, occurrence_key, became_true_at FROM ({sql})
                                   QUALIFY row_number() OVER (PARTITION BY occurrence_key
                                                              ORDER BY became_true_at) = 1""",
                               triggers.bind(sql, params)).fetchall()
            found |= {(a.automation_id, *r) for r in rows}
    return found


def test_one_statement_per_trigger_plans_what_each_automation_finds(store: Store, fixed_clock) -> None:
    now = fixed_clock.now()
    fixed_clock.set(now - dt.timedelta(days=40))
    for shop in SHOPS:
        w.seed_shop(store, shop)
        for trigger, params in PARAMS:
            w.automation(store, trigger, params, shop_id=shop, max_lateness_minutes=30 * 24 * 60)
    fixed_clock.set(now)
    build(store, now)
    expected = one_at_a_time(store, now)
    by_trigger: dict[str, int] = {}
    with store.unit() as con:
        kinds = dict(con.execute("SELECT automation_id, trigger FROM automations").fetchall())
    for aid, *_ in expected:
        by_trigger[kinds[aid]] = by_trigger.get(kinds[aid], 0) + 1
    assert set(by_trigger) == {t for t, _ in PARAMS}, by_trigger  # every trigger finds something here

    result = evaluate.evaluate_all(store, now)

    planned = {(r["automation_id"], r["member_key"], r["occurrence_key"], r["became_true_at"])
               for r in w.outbox(store)}
    assert planned == expected
    assert result["planned"] == len(expected)
    with store.unit() as con:  # the owner's notices go to the owner, never to a member
        owners = con.execute("""SELECT DISTINCT ob.recipient, ob.member_key IS NULL FROM outbox ob
                                JOIN automations a USING (automation_id) WHERE a.trigger = 'cart_notice'""").fetchall()
    assert owners == [("owner@example.com", True)]
    assert clock.now() == now
