"""The abandoned-carts page under AppTest: figures, quick setup, the list with its filters and a cart's link."""
from __future__ import annotations

import datetime as dt

import pytest
from streamlit.testing.v1 import AppTest

from core.automations import manage
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
    # no sender saved yet: the page says so and links to the sender settings instead of a button that fails
    assert "발신 설정" in at.warning[0].value
    [link] = [n for n in at.main if n.type == "page_link"]
    assert link.value == "발신 설정으로 가기" and link.proto.page == "sender-settings"
    assert [b for b in at.button if b.label == "빠른 설정으로 켜기"][0].disabled

    manage.save_sender_settings(mall, SHOP, sender_name="테스트몰", sender_email="hello@mall.example",
                                sender_contact="02-1234-5678", smtp_host="127.0.0.1", smtp_port=2525,
                                smtp_security="none", now=fixed_clock.now())
    at = carts_page(fixed_clock)
    assert "보내는 사람: 테스트몰 <hello@mall.example> (발신 설정)" in [c.value for c in at.caption]
    at.button[[b.label for b in at.button].index("빠른 설정으로 켜기")].click().run()  # the first click works
    assert not at.error, [e.value for e in at.error]
    [made] = cart_recovery.recovery_automations(mall, SHOP)
    assert made["status"] == "running"
    assert manage.get_automation(mall, made["automation_id"])["sender_email"] is None  # follows the saved sender
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
