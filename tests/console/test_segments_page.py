"""The segment explorer page under AppTest, over the small mall of tests/segment_world.py."""
from __future__ import annotations

import datetime as dt

import pytest
from streamlit.testing.v1 import AppTest

from core.console.segments import empty_form, form_from_rule, rule_from_form
from core.segments import saved as saved_segments
from tests.conftest import ROOT
from tests.support.segment_world import SHOP, mall  # noqa: F401 (mall is a fixture)

pytestmark = pytest.mark.timeout(180)


def explorer() -> AppTest:
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
    at.session_state["shop_id"] = SHOP
    at.run()
    at.switch_page("pages/segments.py").run()
    assert not at.exception, at.exception
    return at


def counts(at: AppTest) -> dict[str, str]:
    return {m.label: m.value for m in at.metric}


def test_the_form_and_the_rule_round_trip() -> None:
    form = empty_form() | {"orders_min": 2, "email_consent": "no", "member_groups": ["VIP"]}
    rule = rule_from_form(form)
    assert rule == {"orders_min": 2, "member_groups": ["VIP"], "email_consent": False}
    assert form_from_rule(rule) == form


def test_filters_change_the_count_and_sample_then_save_and_reopen(mall) -> None:  # noqa: F811
    at = explorer()
    assert at.title[0].value == "세그먼트"
    assert counts(at)["해당 회원"] == "6"

    at.multiselect(key="segment_form.member_groups").set_value(["VIP"]).run()
    assert counts(at)["해당 회원"] == "2" and counts(at)["전체 회원 중"] == "33.3%"
    sample = at.dataframe[1].value  # the first table is the matching members' consent
    assert set(sample["member_key"]) == {"m1", "m4"}
    assert len(at.get("vega_lite_chart")) == 2  # recency x frequency; cohorts (m4 signed up within 12 months)

    at.selectbox(key="segment_form.email_consent").set_value("yes").run()
    at.number_input(key="segment_form.orders_min").set_value(2).run()
    assert counts(at)["해당 회원"] == "1"

    at.text_input(key="segment_name").set_value("VIP 재구매").run()
    at.button[[b.label for b in at.button].index("주소록 그룹으로 저장")].click().run()
    assert "‘VIP 재구매’ 세그먼트를 저장했습니다." in at.success[0].value
    [saved] = saved_segments.list_segments(mall, SHOP)
    assert saved["rule"] == {"orders_min": 2, "member_groups": ["VIP"], "email_consent": True}

    reset = [b for b in at.button if b.label == "조건 초기화"][0]
    reset.click().run()
    assert counts(at)["해당 회원"] == "6"
    at.button(key=f"load.{saved['segment_id']}").click().run()
    assert counts(at)["해당 회원"] == "1"
    assert at.multiselect(key="segment_form.member_groups").value == ["VIP"]


def test_a_rule_that_cannot_hold_is_named_not_run(mall) -> None:  # noqa: F811
    at = explorer()
    at.number_input(key="segment_form.orders_min").set_value(5).run()
    at.number_input(key="segment_form.orders_max").set_value(1).run()
    assert "orders_max" in at.error[0].value
    assert not at.metric


def test_the_explorer_shows_who_each_automation_reaches_in_the_next_7_days(mall, fixed_clock) -> None:  # noqa: F811
    from tests.support import automation_world as w
    with mall.unit() as con:  # signed up 5 days ago, no order yet: the 7-day nudge is due in 2 days
        con.execute("""INSERT INTO members (shop_id, member_key, email, name, signed_up_at, email_consent, synced_at)
                       VALUES (?, 'new1', 'new1@example.com', '신규', ?, TRUE, ?)""",
                    [SHOP, fixed_clock.now() - dt.timedelta(days=5), fixed_clock.now()])
    w.automation(mall, "no_first_purchase", {"days": 7}, shop_id=SHOP)
    at = explorer()
    table = at.dataframe[-2].value  # the week ahead; the last frame is the chosen automation's sample
    assert table.iloc[0]["합계"] == 1 and table.iloc[0]["01-12"] == 1 and table.iloc[0]["01-10"] == 0
    assert list(at.dataframe[-1].value["회원 ID"]) == ["new1"]
