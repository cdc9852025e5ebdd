"""Issuance reads only what can have changed since each shop's last run, and still misses nothing: a
delivery a sync brings in late, a warranty due days after delivery, settings changed after deliveries,
and several shops served by one pass, each given exactly what is due to it."""
from __future__ import annotations

import pytest

from core.loyalty import jobs
from core.loyalty import settings as ls
from tests.support import automation_world as w
from tests.support import loyalty_world as lw

pytestmark = pytest.mark.timeout(120)


@pytest.fixture
def mall(store, fixed_clock):
    lw.seed(store)
    fixed_clock.set(lw.at(5))
    return store


def given(store) -> list[tuple[str, str]]:
    return [(r["shop_id"], r["order_key"]) for r in lw.rows(store, "SELECT shop_id, order_key FROM stamps "
                                                                   "ORDER BY shop_id, order_key")]


def warranted(store) -> list[tuple[str, str, str]]:
    return [(r["shop_id"], r["item_key"], r["status"]) for r in lw.rows(
        store, "SELECT shop_id, item_key, status FROM warranties ORDER BY shop_id, item_key")]


def cursors(store) -> dict[str, object]:
    return {r["kind"]: r["issued_until"] for r in lw.rows(
        store, "SELECT kind, issued_until FROM loyalty_settings WHERE shop_id = ? ORDER BY kind", [lw.SHOP])}


def test_a_delivery_synced_after_the_last_run_is_still_given_its_stamp(mall, fixed_clock):
    lw.configure(mall, stamps={}, warranty={})
    fixed_clock.set(lw.at(6))
    lw.order(mall, "o1", "m1", ["p-tee"], delivered_at=lw.at(6))
    jobs.issue_all(mall, lw.at(6, 10))
    jobs.issue_all(mall, lw.at(8))
    assert cursors(mall) == {"stamp": lw.at(8), "warranty": lw.at(8)}

    fixed_clock.set(lw.at(9))  # the sync runs on day 9 and brings a delivery of day 6, long before the last run
    lw.order(mall, "o2", "m3", ["p-bag", "p-linen"], delivered_at=lw.at(6, 12))
    result = jobs.issue_all(mall, lw.at(9, 10))

    assert (result["stamps"], result["issued"]) == (1, 2)
    assert given(mall) == [(lw.SHOP, "o1"), (lw.SHOP, "o2")]
    assert warranted(mall) == [(lw.SHOP, "o1-1", "issued"), (lw.SHOP, "o2-1", "issued"),
                               (lw.SHOP, "o2-2", "issued")]
    again = jobs.issue_all(mall, lw.at(9, 11))
    assert (again["stamps"], again["issued"]) == (0, 0)


def test_a_warranty_due_days_after_delivery_comes_when_its_day_does(mall, fixed_clock):
    lw.configure(mall, warranty={"delay_days": 3})
    fixed_clock.set(lw.at(6))
    lw.order(mall, "o1", "m1", ["p-tee"], delivered_at=lw.at(6))
    for day in (6, 7, 8):  # ticks while it is not yet due: each moves the cursor on
        jobs.issue_all(mall, lw.at(day, 10))
    assert warranted(mall) == []
    jobs.issue_all(mall, lw.at(9, 9, 1))  # delivered on day 6 at 09:00, due three days later
    assert warranted(mall) == [(lw.SHOP, "o1-1", "issued")]


def test_saving_settings_looks_again_at_everything_since_switching_on(mall, fixed_clock):
    lw.configure(mall, warranty={"scope": "categories", "category_keys": ["c-goods"]})
    fixed_clock.set(lw.at(6))
    lw.order(mall, "o1", "m1", ["p-bag", "p-tee"], delivered_at=lw.at(6))
    jobs.issue_all(mall, lw.at(6, 10))
    jobs.issue_all(mall, lw.at(8))
    assert warranted(mall) == [(lw.SHOP, "o1-1", "issued")]  # the tee is outside the scope

    fixed_clock.set(lw.at(9))
    settings = ls.load(mall, lw.SHOP, "warranty")
    settings.scope, settings.category_keys = "all", []
    ls.save(mall, lw.SHOP, settings, now=lw.at(9))
    assert cursors(mall)["warranty"] is None
    jobs.issue_all(mall, lw.at(9, 10))

    assert warranted(mall) == [(lw.SHOP, "o1-1", "issued"), (lw.SHOP, "o1-2", "issued")]


def test_one_pass_serves_every_shop_with_its_own_settings(mall, fixed_clock):
    w.seed_shop(mall, "shop-2")
    w.write(mall, "shop-2", members=[{"member_key": "m1", "name": "이영희", "signed_up_at": lw.at(1)}],
            products=[{"product_key": "p-tee", "name": "티셔츠", "price": 19000, "category_keys": []}])
    lw.configure(mall, stamps={}, warranty={"timing": "manual"})
    ls.save(mall, "shop-2", ls.StampSettings(enabled=True, card_size=2, stamps_per_order=2, reward="쿠폰"),
            now=lw.at(5))
    fixed_clock.set(lw.at(6))
    lw.order(mall, "o1", "m1", ["p-tee"], delivered_at=lw.at(6))  # shop-1
    w.write(mall, "shop-2", orders=[{"order_key": "o1", "member_key": "m1", "status": "delivered",
                                     "ordered_at": lw.at(4), "paid_at": lw.at(4), "delivered_at": lw.at(6),
                                     "total_amount": 19000}],
            order_items=[{"item_key": "o1-1", "order_key": "o1", "product_key": "p-tee", "quantity": 1,
                          "unit_price": 19000, "status": "delivered"}])

    result = jobs.issue_all(mall, lw.at(6, 10))

    assert result == {"shops": 2, "stamps": 2, "rewards": 1, "issued": 0, "pending": 1}
    stamps = lw.rows(mall, "SELECT shop_id, order_key, stamps, total_after, card_size FROM stamps ORDER BY shop_id")
    assert stamps == [{"shop_id": lw.SHOP, "order_key": "o1", "stamps": 1, "total_after": 1, "card_size": 3},
                      {"shop_id": "shop-2", "order_key": "o1", "stamps": 2, "total_after": 2, "card_size": 2}]
    rewards = lw.rows(mall, "SELECT shop_id, member_key, card_no, reward FROM stamp_rewards")
    assert rewards == [{"shop_id": "shop-2", "member_key": "m1", "card_no": 1, "reward": "쿠폰"}]
    assert warranted(mall) == [(lw.SHOP, "o1-1", "pending")]  # shop-2 has no warranties switched on
