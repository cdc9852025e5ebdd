"""The analyst API over a store the test builds (tests/support/analyst_world.py): each frame holds the rows the
world was built with, the segment and cart figures are the console's, and bad periods are refused by name."""
from __future__ import annotations

import datetime as dt

import polars as pl
import pytest

from core import analyst
from core.analyst.frames import BadPeriod
from core.errors import Kind, NotFound
from core.segments import explorer
from core.segments.rules import RuleError
from core.store import Store
from tests.support import analyst_world as world


@pytest.fixture
def mall(store: Store) -> Store:
    return world.build(store)


def test_members_of_a_period_are_those_who_signed_up_in_it_on_the_shops_calendar(mall: Store) -> None:
    october = analyst.members(world.SHOP, "2025-10-01", "2025-10-31", source=mall)
    assert october.height == 30
    assert set(october.columns) == set(explorer.MEMBER_COLUMNS)
    assert october.filter(pl.col("orders") >= 2).height == world.REPURCHASERS // 3
    assert analyst.members(world.SHOP, source=mall).height == world.MEMBERS
    # Calendar days on Korea's clock: a day given as a date object means the same as its text.
    assert analyst.members(world.SHOP, dt.date(2025, 12, 1), source=mall).height == 30


def test_orders_items_carts_and_sends_of_a_shop_and_period(mall: Store) -> None:
    orders = analyst.orders(world.SHOP, source=mall)
    recoveries = world.RECOVERED_REACHED + world.RECOVERED_UNREACHED
    assert orders.height == world.BUYERS + world.REPURCHASERS + recoveries
    assert "raw" not in orders.columns
    assert analyst.orders(world.SHOP, "2026-01-01", source=mall).height == recoveries
    items = analyst.order_items(world.SHOP, until="2025-12-31", source=mall)
    assert items.height == world.BUYERS + world.REPURCHASERS
    assert items["member_key"].null_count() == 0
    carts = analyst.carts(world.SHOP, "2026-01-05", "2026-01-05", source=mall)
    assert carts.height == world.CARTS
    sends = analyst.sends(world.SHOP, source=mall)
    assert sends.height == world.REACHED
    assert sends["clicked"].sum() == world.CLICKED and sends["opened"].sum() == 0
    assert set(sends["trigger"]) == {"cart_abandoned"}
    assert analyst.sends("another-shop", source=mall).height == 0


def test_segments_by_rule_and_by_saved_name_are_the_explorers(mall: Store) -> None:
    by_rule = analyst.segment({"orders_min": 2}, world.SHOP, source=mall)
    assert by_rule.height == world.REPURCHASERS
    assert by_rule.equals(explorer.members_frame(mall, {"orders_min": 2}, world.SHOP))
    saved = analyst.saved_segment(world.SEGMENT, world.SHOP, source=mall)
    assert sorted(saved["member_key"]) == sorted(by_rule["member_key"])
    with pytest.raises(NotFound) as missing:
        analyst.saved_segment("없는 세그먼트", world.SHOP, source=mall)
    assert missing.value.key == "analyst.no_segment" and missing.value.params["name"] == "없는 세그먼트"
    with pytest.raises(RuleError):
        analyst.segment({"orders_minimum": 2}, world.SHOP, source=mall)


def test_cart_recovery_and_automation_results_are_the_pages_figures(mall: Store) -> None:
    by_day = analyst.cart_recovery(world.SHOP, 30, now=world.NOW, source=mall)
    assert by_day.height == 30
    day = by_day.filter(pl.col("day") == dt.date(2026, 1, 5)).row(0, named=True)
    assert (day["abandoned"], day["reached"], day["clicked"], day["recovered"]) == (
        world.CARTS, world.REACHED, world.CLICKED, world.RECOVERED_REACHED + world.RECOVERED_UNREACHED)
    assert day["rate"] == pytest.approx(7 / 20)
    carts = analyst.abandoned_carts(world.SHOP, now=world.NOW, source=mall)
    reached = carts.filter(pl.col("emailed_at").is_not_null())
    assert (reached.height, int(reached["recovered"].sum())) == (world.REACHED, world.RECOVERED_REACHED)
    results = analyst.automation_results(world.SHOP, source=mall).row(0, named=True)
    assert (results["automation_id"], results["sent"], results["clicked"]) == ("a-cart", world.REACHED, world.CLICKED)


@pytest.mark.parametrize(("since", "until", "key"), [
    ("2026-13-01", None, "analyst.bad_day"),
    (dt.datetime(2026, 1, 1, tzinfo=dt.UTC), None, "analyst.bad_day"),
    ("2026-02-01", "2026-01-01", "analyst.bad_period"),
])
def test_a_bad_period_is_refused_naming_what_is_wrong(mall: Store, since: object, until: object, key: str) -> None:
    with pytest.raises(BadPeriod) as refused:
        analyst.orders(world.SHOP, since, until, source=mall)  # type: ignore[arg-type]
    assert refused.value.key == key and refused.value.kind is Kind.INVALID


def test_a_path_with_no_store_is_refused_rather_than_created(tmp_path) -> None:
    with pytest.raises(NotFound) as missing:
        analyst.orders(source=tmp_path / "typo.duckdb")
    assert missing.value.key == "analyst.no_store"
    assert not (tmp_path / "typo.duckdb").exists()
