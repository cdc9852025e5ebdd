"""A small mall for the segment tests: six members, orders with items, 4-level categories, carts, an unsubscribe."""
from __future__ import annotations

import datetime as dt

import pytest

from core.shops.registry import save_shop
from core.store import Store
from tests.conftest import KST

SHOP = "mall"


def at(day: str, hour: int = 12) -> dt.datetime:
    return dt.datetime.fromisoformat(day).replace(hour=hour, tzinfo=KST)


# member, name, email, signed up, group, email / sms / night consent
MEMBERS = [
    ("m1", "김민지", "minji@example.com", at("2025-01-05"), "VIP", True, True, False),
    ("m2", "이서준", "seojun@example.com", at("2025-02-10"), "일반", True, False, False),
    ("m3", "박지호", "jiho@example.com", at("2025-03-15"), "일반", False, True, True),
    ("m4", "최수아", "=cmd@example.com", at("2025-03-31", 23), "VIP", True, True, True),
    ("m5", "정하준", "hajun@example.com", at("2025-04-01", 0), "일반", True, False, False),
    ("m6", "강도윤", "doyun@example.com", at("2025-05-20"), None, True, True, False),
]
# order, member, status, ordered, total, items [(product, status)]
ORDERS = [
    ("o1", "m1", "delivered", at("2025-06-01"), 50_000, [("p-tee", "delivered")]),
    ("o2", "m1", "confirmed", at("2025-09-01"), 120_000, [("p-coat", "delivered")]),
    ("o3", "m1", "paid", at("2025-11-20"), 30_000, [("p-sock", "paid")]),
    ("o4", "m2", "delivered", at("2025-07-15"), 80_000, [("p-tee", "returned"), ("p-sock", "delivered")]),
    ("o5", "m3", "cancelled", at("2025-08-01"), 200_000, [("p-coat", "cancelled")]),
    ("o6", "m4", "shipping", at("2025-10-10"), 45_000, [("p-cap", "shipping")]),
    ("o7", None, "paid", at("2025-10-11"), 99_000, [("p-coat", "paid")]),  # a guest order
]
# 4-level categories: 의류 > 상의 > 티셔츠 > 반팔, and 잡화 > 모자
CATEGORIES = [
    ("c1", "의류", 1, None), ("c2", "상의", 2, "c1"), ("c3", "티셔츠", 3, "c2"), ("c4", "반팔", 4, "c3"),
    ("c5", "아우터", 2, "c1"), ("c9", "잡화", 1, None), ("c10", "모자", 2, "c9"),
]
PRODUCTS = [("p-tee", "반팔 티셔츠", ["c4"]), ("p-coat", "울 코트", ["c5"]), ("p-sock", "양말", ["c9"]),
            ("p-cap", "볼캡", ["c10"])]


def build(store: Store, now: dt.datetime) -> Store:
    save_shop(store, SHOP, "csv", "테스트몰")
    with store.unit() as con:
        for key, name, email, signed, group, e, s, n in MEMBERS:
            con.execute("""INSERT INTO members (shop_id, member_key, email, name, member_group, signed_up_at,
                               email_consent, sms_consent, night_consent, synced_at)
                           VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)""",
                        [SHOP, key, email, name, group, signed, e, s, n, now])
        for key, name, depth, parent in CATEGORIES:
            con.execute("INSERT INTO categories (shop_id, category_key, name, depth, parent_key, synced_at) "
                        "VALUES (?, ?, ?, ?, ?, ?)", [SHOP, key, name, depth, parent, now])
        for key, name, cats in PRODUCTS:
            con.execute("INSERT INTO products (shop_id, product_key, name, category_keys, synced_at) "
                        "VALUES (?, ?, ?, ?, ?)", [SHOP, key, name, cats, now])
        for key, member, status, ordered, total, items in ORDERS:
            add_order(con, key, member, status, ordered, total, items, now)
        con.execute("""INSERT INTO carts (shop_id, cart_key, member_key, status, created_at, last_activity_at,
                                          synced_at)
                       VALUES (?, 'k1', 'm5', 'open', ?, ?, ?), (?, 'k2', 'm2', 'ordered', ?, ?, ?)""",
                    [SHOP, now, now, now] * 2)
        con.execute("INSERT INTO unsubscribes (shop_id, member_key, channel, source, unsubscribed_at) "
                    "VALUES (?, 'm6', 'email', 'link', ?)", [SHOP, now])
    return store


@pytest.fixture
def mall(store: Store, fixed_clock) -> Store:
    return build(store, fixed_clock.now())


def add_order(con, key, member, status, ordered, total, items, now) -> None:
    con.execute("""INSERT INTO orders (shop_id, order_key, member_key, status, ordered_at, total_amount, currency,
                                     synced_at)
                   VALUES (?, ?, ?, ?, ?, ?, 'KRW', ?)""", [SHOP, key, member, status, ordered, total, now])
    for n, (product, item_status) in enumerate(items, 1):
        con.execute("""INSERT INTO order_items (shop_id, order_key, item_key, product_key, quantity, unit_price,
                           status, synced_at) VALUES (?, ?, ?, ?, 1, 0, ?, ?)""",
                    [SHOP, key, f"{key}-{n}", product, item_status, now])
