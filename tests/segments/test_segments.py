"""The segment explorer's rules against a store built for the test: each filter picks exactly the expected members."""
from __future__ import annotations

import csv
import io

import pytest

from core import clock
from core.i18n.words import engine as engine_words
from core.segments import compiler, explorer, rules
from core.segments import saved as saved_segments
from core.segments.rules import RuleError
from core.store import Store
from tests.support.segment_world import MEMBERS, SHOP, add_order, at


def keys(store: Store, rule: dict) -> set[str]:
    return set(explorer.members_frame(store, rule, SHOP)["member_key"])


@pytest.mark.parametrize("rule, expected", [
    ({}, {"m1", "m2", "m3", "m4", "m5", "m6"}),
    # the shop's days: m4 signed up 2025-03-31 23:00 KST (14:00 UTC), m5 at 2025-04-01 00:00 KST
    ({"signed_up_from": "2025-02-10", "signed_up_to": "2025-03-31"}, {"m2", "m3", "m4"}),
    ({"signed_up_from": "2025-04-01"}, {"m5", "m6"}),
    ({"last_order_after": "2025-10-01"}, {"m1", "m4"}),
    ({"last_order_before": "2025-10-01"}, {"m2"}),  # m3's only order was cancelled: no last order
    ({"orders_min": 2}, {"m1"}),
    ({"orders_max": 0}, {"m3", "m5", "m6"}),
    ({"spent_min": 80_000}, {"m1", "m2"}),
    ({"spent_min": "45,000", "spent_max": 80_000}, {"m2", "m4"}),
    ({"product_keys": ["p-tee"]}, {"m1"}),  # m2's tee was returned
    ({"product_keys": ["p-coat"]}, {"m1"}),  # m3's coat order was cancelled; the guest belongs to nobody
    ({"category_keys": ["c1"]}, {"m1"}),  # depth 1 takes every category below it
    ({"category_keys": ["c3"]}, {"m1"}),  # depth 3 (티셔츠 > 반팔)
    ({"category_keys": ["c9"]}, {"m1", "m2", "m4"}),  # 잡화 and 모자 below it
    ({"category_keys": ["c10"]}, {"m4"}),
    ({"has_open_cart": True}, {"m5"}),
    ({"has_open_cart": False}, {"m1", "m2", "m3", "m4", "m6"}),
    ({"email_consent": True}, {"m1", "m2", "m4", "m5"}),  # m6 unsubscribed in the console
    ({"email_consent": False}, {"m3", "m6"}),
    ({"sms_consent": True}, {"m1", "m3", "m4", "m6"}),
    ({"night_consent": True}, {"m3", "m4"}),
    ({"member_groups": ["VIP"]}, {"m1", "m4"}),
    ({"member_groups": ["VIP"], "email_consent": True, "orders_min": 1, "last_order_after": "2025-10-01"},
     {"m1", "m4"}),
    ({"member_groups": ["일반"], "spent_min": 1, "category_keys": ["c9"], "sms_consent": False}, {"m2"}),
])
def test_each_filter_picks_exactly_the_expected_members(mall: Store, rule: dict, expected: set[str]) -> None:
    assert keys(mall, rule) == expected
    found = explorer.explore(mall, rule, SHOP, sample_size=2)
    assert found.count == len(expected) and found.total == len(MEMBERS)
    assert set(found.sample["member_key"]) <= expected and found.sample.height == min(2, len(expected))


def test_the_sample_carries_each_members_order_figures(mall: Store) -> None:
    sample = explorer.explore(mall, {"member_groups": ["VIP"]}, SHOP).sample
    m1 = sample.filter(sample["member_key"] == "m1").row(0, named=True)
    assert m1["orders"] == 3 and int(m1["spent"]) == 200_000 and m1["last_order_at"] == at("2025-11-20")


def test_bad_rules_are_refused_naming_each_field() -> None:
    with pytest.raises(RuleError) as caught:
        rules.as_rule({"orders_min": "many", "signed_up_from": "2025-13-01", "spent_min": 10, "spent_max": 5,
                          "colour": "red"})
    assert set(caught.value.problems) == {"orders_min", "signed_up_from", "spent_max", "colour"}


def test_a_saved_segment_stays_a_rule_and_is_re_evaluated_after_new_orders(mall: Store, fixed_clock) -> None:
    saved = saved_segments.save_segment(mall, SHOP, "재구매 고객", {"orders_min": 2}, now=clock.now())
    assert set(saved_segments.evaluate_segment(mall, saved["segment_id"])["member_key"]) == {"m1"}
    with mall.unit() as con:
        add_order(con, "o8", "m2", "paid", at("2026-01-09"), 10_000, [("p-sock", "paid")], fixed_clock.now())
    assert set(saved_segments.evaluate_segment(mall, saved["segment_id"])["member_key"]) == {"m1", "m2"}
    # same name: the rule changes
    again = saved_segments.save_segment(mall, SHOP, "재구매 고객", {"orders_min": 3}, now=clock.now())
    assert again["segment_id"] == saved["segment_id"] and not again["created"]
    assert [s["name"] for s in saved_segments.list_segments(mall, SHOP)] == ["재구매 고객"]


def test_an_automation_audience_uses_the_saved_segment_rule(mall: Store) -> None:
    saved = saved_segments.save_segment(mall, SHOP, "VIP", {"member_groups": ["VIP"]}, now=clock.now())
    with mall.unit() as con:
        sql, params = compiler.audience_member_sql(con, SHOP, {"segment_id": saved["segment_id"]})
        picked = {r[1] for r in con.execute(sql, params).fetchall()}
        with pytest.raises(RuleError):
            compiler.audience_member_sql(con, "other-shop", {"segment_id": saved["segment_id"]})
    assert picked == {"m1", "m4"}


def test_the_csv_export_opens_back_with_korean_intact_and_no_formula(mall: Store) -> None:
    data = explorer.export_csv(mall, {"member_groups": ["VIP"]}, SHOP,
                               {c: engine_words.WORDS[f"segments.csv.{c}"][0] for c in explorer.CSV_COLUMNS})
    assert data.startswith(b"\xef\xbb\xbf")  # Excel reads UTF-8 with a BOM as UTF-8
    rows = list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"))))
    assert {r["이름"] for r in rows} == {"김민지", "최수아"}
    m4 = next(r for r in rows if r["회원 ID"] == "m4")
    assert m4["이메일"] == "'=cmd@example.com"  # never a live formula in Excel
    assert m4["가입일시"] == "2025-03-31 23:00" and m4["이메일 수신동의"] == "Y"
