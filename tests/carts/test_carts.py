"""Cart recovery figures against a store built for the test: abandonment at the threshold, recovery
attribution (same cart; same member within and outside the window), reached and clicked, purging at 30 days."""
from __future__ import annotations

import csv
import datetime as dt
import io

import polars as pl
import pytest

from core.automations.jobs import purge_carts
from core.carts import stats as carts
from core.i18n.words import engine as engine_words
from core.shops.registry import save_shop
from core.store import Store
from tests.conftest import KST

SHOP = "mall"
T0 = dt.datetime(2026, 1, 5, 9, 0, tzinfo=KST)  # carts' last activity
ABANDONED = T0 + dt.timedelta(hours=1)


def add_cart(con, key: str, member: str | None, email: str | None, last: dt.datetime, total: int = 30_000,
             status: str = "open", items: int = 2) -> None:
    con.execute("""INSERT INTO carts (shop_id, cart_key, member_key, email, status, total_amount, created_at,
                       last_activity_at, recovery_url, synced_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)""",
                [SHOP, key, member, email, status, total, last, last, f"https://mall.example/cart/{key}", last])
    for n in range(1, items + 1):
        con.execute("""INSERT INTO cart_items (shop_id, cart_key, line_no, product_key, name, quantity, unit_price,
                           synced_at) VALUES (?, ?, ?, ?, ?, 1, 15000, ?)""",
                    [SHOP, key, n, f"p{n}", f"상품 {n}", last])


def add_order(con, key: str, member: str | None, email: str, at: dt.datetime, total: int,
              cart: str | None = None, status: str = "paid") -> None:
    con.execute("""INSERT INTO orders (shop_id, order_key, member_key, email, status, ordered_at, total_amount,
                       currency, cart_key, synced_at) VALUES (?, ?, ?, ?, ?, ?, ?, 'KRW', ?, ?)""",
                [SHOP, key, member, email, status, at, total, cart, at])


@pytest.fixture
def mall(store: Store) -> Store:
    save_shop(store, SHOP, "csv", "테스트몰", settings={"cart_abandon_minutes": 60})
    with store.unit() as con:
        add_cart(con, "k-same-cart", "m1", "a@example.com", T0, 50_000)
        add_order(con, "o-same-cart", "m1", "a@example.com", T0 + dt.timedelta(days=9), 48_000, cart="k-same-cart")
        add_cart(con, "k-member-in", "m2", "b@example.com", T0, 40_000)
        add_order(con, "o-member-in", "m2", "b@example.com", ABANDONED + dt.timedelta(days=4, hours=23), 41_000)
        add_cart(con, "k-member-out", "m3", "c@example.com", T0, 30_000)
        add_order(con, "o-member-out", "m3", "c@example.com", ABANDONED + dt.timedelta(days=5, minutes=1), 31_000)
        add_cart(con, "k-guest", None, "Guest@Example.com", T0, 20_000)
        add_order(con, "o-guest", None, "guest@example.com", ABANDONED + dt.timedelta(days=1), 22_000)
        add_cart(con, "k-cancelled", "m4", "d@example.com", T0, 10_000)
        add_order(con, "o-cancelled", "m4", "d@example.com", ABANDONED + dt.timedelta(hours=2), 10_000,
                  cart="k-cancelled", status="cancelled")
        add_cart(con, "k-ordered-in-time", "m5", "e@example.com", T0, 60_000)  # ordered before the hour passed
        add_order(con, "o-in-time", "m5", "e@example.com", T0 + dt.timedelta(minutes=30), 60_000,
                  cart="k-ordered-in-time")
        add_cart(con, "k-no-email", "m6", None, T0)  # nobody to remind: never an abandoned cart
        add_cart(con, "k-later", "m7", "f@example.com", T0 + dt.timedelta(minutes=1))
        # reached and clicked: a sent cart e-mail for two carts, one of them clicked
        con.execute("""INSERT INTO automations (automation_id, shop_id, name, trigger, status, created_at, updated_at)
                       VALUES ('a-cart', ?, '방치된 카트', 'cart_abandoned', 'running', ?, ?)""", [SHOP, T0, T0])
        for message, cart in (("msg-1", "k-same-cart"), ("msg-2", "k-member-out")):
            con.execute("""INSERT INTO outbox (message_id, idempotency_key, automation_id, shop_id, member_key,
                               occurrence_key, channel, recipient, state, became_true_at, due_at, created_at,
                               updated_at, sent_at)
                           VALUES (?, ?, 'a-cart', ?, NULL, ?, 'email', 'x@example.com', 'sent', ?, ?, ?, ?, ?)""",
                        [message, message, SHOP, cart, ABANDONED, ABANDONED, ABANDONED, ABANDONED,
                         ABANDONED + dt.timedelta(hours=1)])
        con.execute("INSERT INTO tracking_events VALUES ('msg-1', 'click', 'https://mall.example/cart', ?, NULL)",
                    [ABANDONED + dt.timedelta(hours=3)])
    return store


def by_key(store: Store, now: dt.datetime, which: str = "all") -> dict[str, dict]:
    frame = carts.list_carts(store, SHOP, which, now=now)
    return {row["cart_key"]: row for row in frame.iter_rows(named=True)}


def test_a_cart_is_abandoned_exactly_at_the_threshold(mall: Store) -> None:
    just_before = by_key(mall, ABANDONED - dt.timedelta(seconds=1))
    assert just_before == {}
    at_threshold = by_key(mall, ABANDONED)
    assert set(at_threshold) == {"k-same-cart", "k-member-in", "k-member-out", "k-guest", "k-cancelled"}
    assert "k-later" in by_key(mall, ABANDONED + dt.timedelta(minutes=1))


def test_recovery_by_the_same_cart_or_member_within_the_window(mall: Store) -> None:
    rows = by_key(mall, T0 + dt.timedelta(days=12))
    assert {k for k, r in rows.items() if r["recovered"]} == {"k-same-cart", "k-member-in", "k-guest"}
    assert rows["k-same-cart"]["recovered_order"] == "o-same-cart"  # same cart: any time
    assert rows["k-member-in"]["recovered_order"] == "o-member-in"  # 4 days 23 h after: within 5 days
    assert rows["k-member-out"]["recovered_order"] is None  # 5 days and a minute: outside
    assert rows["k-cancelled"]["recovered_order"] is None  # a cancelled order recovers nothing
    assert "k-ordered-in-time" not in rows and "k-no-email" not in rows
    assert set(by_key(mall, T0 + dt.timedelta(days=12), "recovered")) == {"k-same-cart", "k-member-in", "k-guest"}
    assert set(by_key(mall, T0 + dt.timedelta(days=12), "emailed")) == {"k-same-cart", "k-member-out"}


def test_statistics_by_day_and_in_total(mall: Store) -> None:
    stats = carts.recovery_stats(mall, SHOP, days=30, now=T0 + dt.timedelta(days=12))
    assert stats["totals"] == {"abandoned": 6, "reached": 2, "clicked": 1, "recovered": 3,
                               "revenue": 48_000 + 41_000 + 22_000, "rate": 0.5}
    by_day = stats["by_day"]
    assert by_day.height == 30
    day = by_day.filter(by_day["day"] == dt.date(2026, 1, 5)).row(0, named=True)
    assert day == {"day": dt.date(2026, 1, 5), "abandoned": 6, "reached": 2, "clicked": 1, "recovered": 3,
                   "revenue": 111_000.0}
    assert by_day["abandoned"].sum() == 6


def test_carts_are_purged_at_30_days_and_flagged_before(mall: Store) -> None:
    soon = T0 + dt.timedelta(days=28)
    assert set(by_key(mall, soon, "purge_soon")) == set(by_key(mall, soon))
    assert purge_carts(mall, T0 + dt.timedelta(days=30)) == 0  # exactly 30 days idle: kept until it is older
    assert purge_carts(mall, T0 + dt.timedelta(days=30, seconds=1)) == 7  # all but k-later
    with mall.unit() as con:
        left = con.execute("SELECT cart_key FROM carts").fetchall()
        items = con.execute("SELECT DISTINCT cart_key FROM cart_items").fetchall()
    assert left == [("k-later",)] and items == [("k-later",)]


def test_the_csv_export_keeps_korean_and_local_times(mall: Store) -> None:
    frame = carts.list_carts(mall, SHOP, "all", now=T0 + dt.timedelta(days=12))
    headers = {c: engine_words.WORDS[f"carts.csv.{c}"][0] for c in carts.CSV_COLUMNS}
    rows = list(csv.DictReader(io.StringIO(carts.carts_csv(frame, headers, "Asia/Seoul").decode("utf-8-sig"))))
    row = next(r for r in rows if r["카트 ID"] == "k-same-cart")
    assert row["방치 시각"] == "2026-01-05 10:00" and row["복구 주문"] == "o-same-cart"
    assert row["복구 링크"] == "https://mall.example/cart/k-same-cart"


def test_cart_items_are_listed_in_order(mall: Store) -> None:
    items = carts.cart_items(mall, SHOP, "k-guest")
    assert items["name"].to_list() == ["상품 1", "상품 2"]


def test_the_csv_export_never_hands_excel_a_formula() -> None:
    """A cart's e-mail comes from the shop's platform: one that starts like a formula is written as text."""
    at = dt.datetime(2026, 1, 5, 1, tzinfo=dt.UTC)
    frame = pl.DataFrame({"cart_key": ["k1"], "email": ["=HYPERLINK(\"http://x\")@example.com"],
                          "total_amount": [30000.0], "last_activity_at": [at], "abandoned_at": [at],
                          "emailed_at": [None], "clicked_at": [None], "recovered_order": [None],
                          "recovered_amount": [None], "recovery_url": ["https://mall.example/cart/k1"]},
                         schema_overrides={"emailed_at": pl.Datetime("us", "UTC"),
                                           "clicked_at": pl.Datetime("us", "UTC"),
                                           "recovered_order": pl.Utf8, "recovered_amount": pl.Float64})
    [row] = list(csv.DictReader(io.StringIO(carts.carts_csv(frame, {}, "Asia/Seoul").decode("utf-8-sig"))))
    assert row["email"] == "'=HYPERLINK(\"http://x\")@example.com"
    assert row["total_amount"] == "30000" and row["last_activity_at"] == "2026-01-05 10:00"
