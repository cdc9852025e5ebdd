"""The sandbox mall's pace, read as plain functions of the mall and an instant (no sleeping).

At the lively pace (what `python -m core sandbox` runs) a first visit sees sign-ups, carts, orders,
payments and deliveries every minute or so; at the quiet pace (a real mall's, the tests' fake) far fewer.
"""
from __future__ import annotations

import datetime as dt
import re

import numpy as np
import pytest

from core.sandbox.mall import PACES, Mall

KST = dt.timezone(dt.timedelta(hours=9))
AT = dt.datetime(2026, 1, 10, 9, 0, tzinfo=KST)
TEN_MINUTES = 600
EMAIL = re.compile(r"^[a-z]+\.[a-z]+\d+@(naver\.com|gmail\.com|daum\.net|kakao\.com|hanmail\.net|nate\.com)$")


@pytest.fixture(scope="module")
def lively() -> Mall:
    return Mall(5000, seed=7, start=AT, frozen=True, pace="lively")


@pytest.fixture(scope="module")
def quiet() -> Mall:
    return Mall(5000, seed=7, start=AT, frozen=True, pace="quiet")


def test_ten_lively_minutes_hold_sign_ups_carts_orders_payments_and_deliveries(lively: Mall, quiet: Mall) -> None:
    t = lively.t_start
    life = lively.life(t, t + TEN_MINUTES)
    for what in ("signups", "carts", "abandoned", "orders", "payments", "deliveries"):
        assert life[what] > 0, f"no {what} in ten lively minutes: {life}"
    # "every minute or so": about ten sign-ups and ten orders in ten minutes, not one and not a hundred.
    assert 4 <= life["signups"] <= 25 and 4 <= life["orders"] <= 25, life
    # Parcels were already on their way when the mall opened: deliveries start within the first five minutes.
    assert lively.life(t, t + 300)["deliveries"] > 0
    calm = quiet.life(t, t + TEN_MINUTES)
    assert sum(calm.values()) * 10 <= sum(life.values()), (calm, life)
    # A whole quiet day holds fewer sign-ups than ten lively minutes.
    assert quiet.life(t, t + 86_400)["signups"] < life["signups"] * 3


def test_the_lively_life_keeps_going_minute_after_minute(lively: Mall) -> None:
    t = lively.t_start
    hours = [lively.life(t + h * 3600, t + (h + 1) * 3600) for h in range(6)]
    assert all(h["signups"] >= 30 and h["orders"] >= 30 and h["deliveries"] >= 30 and h["abandoned"] >= 10
               for h in hours), hours


def test_the_same_seed_start_and_pace_make_the_same_life() -> None:
    a = Mall(800, seed=3, start=AT, frozen=True, pace="lively")
    b = Mall(800, seed=3, start=AT, frozen=True, pace="lively")
    c = Mall(800, seed=4, start=AT, frozen=True, pace="lively")
    t = a.t_start
    assert a.life(t, t + 3600) == b.life(t, t + 3600)
    later = t + 1800
    lo, hi = a.members_between(t, later, later)
    assert a.member_rows(np.arange(lo, hi)) == b.member_rows(np.arange(lo, hi))
    assert a.member_rows(np.arange(lo, hi)) != c.member_rows(np.arange(lo, hi))  # another seed, other people


def test_new_members_have_real_looking_addresses_and_some_consent_to_advertising(lively: Mall) -> None:
    t = lively.t_start
    lo, hi = lively.members_between(t, t + 6 * 3600, t + 6 * 3600)
    new = lively.member_rows(np.arange(lo, hi))
    assert len(new) > 100
    assert all(EMAIL.match(m["email"]) for m in new), [m["email"] for m in new if not EMAIL.match(m["email"])][:3]
    assert len({m["email"] for m in new}) == len(new)
    consent = sum(m["news_mail"] == "T" for m in new) / len(new)
    assert 0.4 < consent < 0.8
    assert all(m["cellphone"].startswith("010-") and m["name"] for m in new)


def test_lively_deliveries_are_of_products_in_the_four_depth_categories(lively: Mall) -> None:
    t = lively.t_start
    now = t + 3600
    delivered = lively.orders_between("shipend_date", t, now, now)
    rows = lively.order_rows(delivered, now, embed={"items"}, image_base="http://sandbox")
    assert rows and all(i["order_status"] == "N40" for r in rows for i in r["items"])
    products = {i["product_no"] for r in rows for i in r["items"]}
    categories = {c["category_no"] for c in lively.category_rows()}
    top = set()
    for no in products:
        p = lively.product_index(no, now)
        assert p is not None
        row = lively.product_row(p, now, "http://sandbox")
        nos = [c["category_no"] for c in row["category"]]
        assert len(nos) == 4 and set(nos) <= categories   # a warranty scoped to any depth can match it
        top.add(nos[0])
    assert len(top) >= 3, "an hour's deliveries span the mall's main categories"


def test_a_cart_left_behind_stays_open_with_an_address_until_its_owner_orders() -> None:
    mall = Mall(800, seed=5, start=AT, frozen=True, pace="lively")
    t = mall.t_start
    now = t + 3 * 3600
    carts = mall.carts_between(t, now, now)
    rows = mall.cart_rows(carts, now, image_base="http://sandbox")
    left = [r for r in rows if r["status"] == "open"]
    assert left and all(EMAIL.match(r["email"]) and r["items"] for r in left)
    # Abandoned (an hour after the last activity) while the mall runs: the cart e-mail has something to send.
    assert any(dt.datetime.fromisoformat(r["updated_date"]).timestamp() + 3600 <= now for r in left)
    cart = int(left[0]["cart_no"]) - 1
    order_id = mall.place_order(cart, now)
    assert mall.place_order(cart, now) == order_id        # ordering twice answers the same order
    after = mall.cart_rows(np.array([cart]), now, image_base="http://sandbox")[0]
    assert after["status"] == "ordered" and after["order_id"] == order_id
    i = mall.order_by_id(order_id, now)
    assert i is not None
    assert mall.order_status(np.array([i]), now + 30 * 60).tolist() == ["N40"]  # delivered within half an hour
    assert mall.life(now - 1, now)["orders"] >= 1


def test_the_pace_is_named_and_checked() -> None:
    assert set(PACES) == {"lively", "quiet"} and not PACES["quiet"].lively and PACES["lively"].lively
    with pytest.raises(ValueError, match="lively, quiet"):
        Mall(50, start=AT, pace="busy")
