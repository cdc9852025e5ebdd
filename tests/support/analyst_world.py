"""A mall for the analyst API and the example notebooks, built so every figure they print is known.

- 90 members in three monthly cohorts (Oct, Nov, Dec 2025 on Korea's calendar), 30 each; every even
  member bought once (15 buyers a cohort), every sixth a second time 17 days later (5 repurchasers a
  cohort, 15 in all), all within the month they signed up in. Phones start with 010, so Excel would drop
  the 0 if the export let it.
- 20 guest carts abandoned on 2026-01-05 (so the cohorts' orders stay as they are); the reminder reached
  the first 12 and 8 of those were clicked; 6 reached carts and 1 unreached cart were recovered by an order
  of the same cart a day later.
- A saved segment '재구매 고객' (two orders or more): the 15 repurchasers.
"""
from __future__ import annotations

import datetime as dt

from core.segments.saved import save_segment
from core.shops.registry import save_shop
from core.store import Store
from tests.conftest import KST

SHOP = "mall"
NOW = dt.datetime(2026, 1, 10, 9, 0, tzinfo=KST)
COHORTS = ("2025-10", "2025-11", "2025-12")
MEMBERS = 90
BUYERS = 45
REPURCHASERS = 15
CARTS = 20
REACHED = 12
CLICKED = 8
RECOVERED_REACHED = 6
RECOVERED_UNREACHED = 1
SEGMENT = "재구매 고객"
CART_DAY = dt.datetime(2026, 1, 5, 9, 0, tzinfo=KST)


def member_key(n: int) -> str:
    return f"m{n:03d}"


def signed_up(n: int) -> dt.datetime:
    month = (n - 1) // 30
    year, mon = (2025, 10 + month)
    return dt.datetime(year, mon, 1 + n % 12, 12, 0, tzinfo=KST)


def build(store: Store, now: dt.datetime = NOW) -> Store:
    save_shop(store, SHOP, "csv", "분석몰", settings={"cart_abandon_minutes": 60})
    members, orders, items = [], [], []
    for n in range(1, MEMBERS + 1):
        key, joined = member_key(n), signed_up(n)
        members.append([SHOP, key, f"{key}@example.com", f"회원{n:02d}", f"010{n:08d}", joined, n % 10 != 0, now])
        buys = [] if n % 2 else [joined + dt.timedelta(days=3)]
        if n % 6 == 0:
            buys.append(joined + dt.timedelta(days=17))
        for i, at in enumerate(buys, start=1):
            order = f"o-{key}-{i}"
            orders.append([SHOP, order, key, f"{key}@example.com", "delivered", at, 30_000 * i, None, now])
            items.append([SHOP, f"{order}-1", order, "p1", "반팔 티셔츠", 1, 30_000 * i, "delivered", now])
    with store.unit() as con:
        con.executemany("""INSERT INTO members (shop_id, member_key, email, name, phone, signed_up_at, email_consent,
                                               synced_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)""", members)
        con.execute("INSERT INTO products (shop_id, product_key, name, synced_at) VALUES (?, 'p1', '반팔 티셔츠', ?)",
                    [SHOP, now])
        _carts(con, orders, now)
        con.executemany("""INSERT INTO orders (shop_id, order_key, member_key, email, status, ordered_at,
                               total_amount, cart_key, synced_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)""", orders)
        con.executemany("""INSERT INTO order_items (shop_id, item_key, order_key, product_key, product_name, quantity,
                               unit_price, status, synced_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)""", items)
    save_segment(store, SHOP, SEGMENT, {"orders_min": 2}, now=now)
    return store


def _carts(con, orders: list[list], now: dt.datetime) -> None:
    con.execute("""INSERT INTO automations (automation_id, shop_id, name, trigger, status, created_at, updated_at)
                   VALUES ('a-cart', ?, '방치된 카트 리마인더', 'cart_abandoned', 'running', ?, ?)""",
                [SHOP, CART_DAY, CART_DAY])
    for n in range(1, CARTS + 1):
        cart, last = f"k{n:02d}", CART_DAY + dt.timedelta(minutes=n)
        abandoned = last + dt.timedelta(hours=1)
        con.execute("""INSERT INTO carts (shop_id, cart_key, email, status, total_amount, created_at,
                           last_activity_at, recovery_url, synced_at) VALUES (?, ?, ?, 'open', 40000, ?, ?, ?, ?)""",
                    [SHOP, cart, f"cart{n}@example.com", last, last, f"https://mall.example/cart/{cart}", now])
        if n <= REACHED:
            message = f"msg-{cart}"
            con.execute("""INSERT INTO outbox (message_id, idempotency_key, automation_id, shop_id, occurrence_key,
                               channel, recipient, state, became_true_at, due_at, created_at, updated_at, sent_at)
                           VALUES (?, ?, 'a-cart', ?, ?, 'email', ?, 'sent', ?, ?, ?, ?, ?)""",
                        [message, message, SHOP, cart, f"cart{n}@example.com", abandoned, abandoned, abandoned,
                         abandoned, abandoned + dt.timedelta(minutes=5)])
            if n <= CLICKED:
                con.execute("INSERT INTO tracking_events VALUES (?, 'click', ?, ?, NULL)",
                            [message, f"https://mall.example/cart/{cart}", abandoned + dt.timedelta(hours=1)])
        if n <= RECOVERED_REACHED or n == REACHED + 1:
            orders.append([SHOP, f"r-{cart}", None, f"cart{n}@example.com", "paid", abandoned + dt.timedelta(days=1),
                           40_000, cart, now])
