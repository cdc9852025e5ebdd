"""The abandoned-carts page under AppTest: figures, quick setup, the list with its filters and a cart's link."""
from __future__ import annotations

import datetime as dt

import pytest
from streamlit.testing.v1 import AppTest

from core.carts import recovery as cart_recovery
from tests.carts.test_carts import SHOP, T0, mall  # noqa: F401 (fixture)
from tests.conftest import ROOT

pytestmark = pytest.mark.timeout(180)


def carts_page(fixed_clock) -> AppTest:
    fixed_clock.set(T0 + dt.timedelta(days=12))
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
    at.session_state["shop_id"] = SHOP
    at.run()
    at.switch_page("pages/carts.py").run()
    assert not at.exception, at.exception
    return at


def test_figures_list_and_a_carts_link(mall, fixed_clock) -> None:  # noqa: F811
    at = carts_page(fixed_clock)
    assert at.title[0].value == "방치된 카트"
    values = {m.label: m.value for m in at.metric}
    # a Korean page prints prices as Korean shops do ("111,000원")
    assert values == {"방치된 카트": "6", "이메일 발송": "2", "클릭": "1", "복구된 카트": "3", "복구율": "50.0%",
                      "복구 매출": "111,000원"}
    assert set(at.dataframe[0].value["cart_key"]) == {"k-same-cart", "k-member-in", "k-member-out", "k-guest",
                                                      "k-cancelled", "k-later"}
    at.selectbox(key="cart_pick").set_value("k-guest").run()
    assert at.code[0].value == "https://mall.example/cart/k-guest"

    at.segmented_control(key="cart_filter").set_value("recovered").run()
    assert set(at.dataframe[0].value["cart_key"]) == {"k-same-cart", "k-member-in", "k-guest"}


def test_quick_setup_from_the_page_turns_the_reminder_on_and_off(mall, fixed_clock) -> None:  # noqa: F811
    with mall.unit() as con:  # a shop that never had a cart reminder
        con.execute("DELETE FROM automations")
    at = carts_page(fixed_clock)
    assert any("아직 켜져" in c.value for c in at.caption), [c.value for c in at.caption]
    at.text_input[0].set_value("테스트몰")
    at.text_input[1].set_value("not-an-address")
    at.button[[b.label for b in at.button].index("빠른 설정으로 켜기")].click().run()
    assert "sender_email" in at.error[0].value
    at.text_input[1].set_value("hello@mall.example")
    at.button[[b.label for b in at.button].index("빠른 설정으로 켜기")].click().run()
    [made] = cart_recovery.recovery_automations(mall, SHOP)
    assert made["status"] == "running"
    toggle = at.toggle(key=f"cart_auto.{made['automation_id']}")
    assert toggle.value is True
    fixed_clock.set(T0 + dt.timedelta(days=12, hours=1))
    toggle.set_value(False).run()
    assert cart_recovery.recovery_automations(mall, SHOP)[0]["status"] == "paused"


def test_the_abandonment_threshold_is_a_setting_for_figures_and_reminders(mall, fixed_clock) -> None:  # noqa: F811
    at = carts_page(fixed_clock)
    at.number_input(key="cart_threshold").set_value(120)
    at.button(key="cart_threshold_save").click().run()
    assert not at.exception
    assert "120분" in at.caption[0].value
    with mall.unit() as con:
        params = con.execute("SELECT trigger_params FROM automations WHERE automation_id = 'a-cart'").fetchall()
    assert '"threshold_minutes":120' in params[0][0].replace(" ", "")
    # k-later's last activity is 09:01: abandoned at 11:01 now, not 10:01
    from core.carts import stats as carts
    rows = carts.list_carts(mall, SHOP, "all", now=T0 + dt.timedelta(hours=1, minutes=30))
    assert rows.is_empty()
