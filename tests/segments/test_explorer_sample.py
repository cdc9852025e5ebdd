"""The explorer's one pass gives the same sample as reading every matching member and sorting: the same
members in the same order (newest sign-up first, then key), with the same columns, types and order figures,
whether the rule judges order figures (they come from the pass) or the member alone (looked up for the sample)."""
from __future__ import annotations

import polars as pl
import pytest

from core.segments import charts, explorer
from core.store import Store
from tests.support.segment_world import SHOP


@pytest.mark.parametrize("rule", [
    {},                                                   # the member alone
    {"member_groups": ["VIP"], "email_consent": True},    # the member alone
    {"orders_max": 5},                                    # order figures
    {"spent_min": 1, "signed_up_from": "2025-01-01"},     # order figures and the member
    {"product_keys": ["p-none"]},                         # nobody
])
@pytest.mark.parametrize("size", [1, 3, 50])
def test_the_sample_is_the_first_members_of_the_whole_segment(mall: Store, rule: dict, size: int) -> None:
    everyone = explorer.members_frame(mall, rule, SHOP)
    expected = everyone.sort(["signed_up_at", "member_key"], descending=[True, False], nulls_last=True).head(size)
    found = explorer.explore(mall, rule, SHOP, sample_size=size)
    assert found.count == everyone.height
    assert found.sample.schema == everyone.schema
    assert found.sample.equals(expected), (found.sample, expected)


def test_members_without_a_sign_up_date_come_last(mall: Store) -> None:
    with mall.unit() as con:
        con.execute("UPDATE members SET signed_up_at = NULL WHERE shop_id = ? AND member_key IN ('m1', 'm2')",
                    [SHOP])
    sample = explorer.explore(mall, {}, SHOP, sample_size=10).sample
    assert sample["member_key"].to_list()[-2:] == ["m1", "m2"]
    assert sample.filter(pl.col("signed_up_at").is_null()).height == 2


@pytest.mark.parametrize("rule", [{}, {"member_groups": ["VIP"]}, {"orders_min": 1, "email_consent": True},
                                  {"product_keys": ["p-none"]}])
def test_the_grid_from_the_explorers_pass_is_the_charts_grid(mall: Store, rule: dict, fixed_clock) -> None:
    now = fixed_clock.now()
    plain = explorer.explore(mall, rule, SHOP, sample_size=3)
    found = explorer.explore(mall, rule, SHOP, sample_size=3, grid_at=now)
    assert found.grid is not None and found.grid.equals(charts.recency_frequency(mall, rule, SHOP, now))
    assert int(found.grid["members"].sum()) == found.count
    assert (found.count, found.total) == (plain.count, plain.total) and found.sample.equals(plain.sample)
    assert plain.grid is None
