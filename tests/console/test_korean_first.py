"""Korean screens without Streamlit's English, and English screens without Korean: pickers carry our placeholder
(and no English "Select all" in Korean), missing values are empty cells (never "None"), chart dates follow the
language, and member grades show by name. Under AppTest over real stores."""
from __future__ import annotations

import json

import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from tests.conftest import ROOT
from tests.console.test_pages import fill_store
from tests.support.segment_world import SHOP, mall  # noqa: F401 (mall is a fixture)

pytestmark = pytest.mark.timeout(180)


def console(page: str | None = None, shop_id: str | None = None) -> AppTest:
    st.cache_data.clear()
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=90)
    if shop_id:
        at.session_state["shop_id"] = shop_id
    at.run()
    if page:
        at.switch_page(page).run()
    assert not at.exception, at.exception
    return at


def english(at: AppTest) -> AppTest:
    at.sidebar.radio(key="language_switch").set_value("en").run()
    assert not at.exception, at.exception
    return at


def chart_spec(at: AppTest) -> dict:
    [chart] = at.get("vega_lite_chart")
    return json.loads(chart.proto.spec)


def test_segment_pickers_tables_and_grades_speak_the_screens_language(mall):  # noqa: F811 (the fixture)
    with mall.unit() as con:  # a Cafe24 grade: a number only
        con.execute("UPDATE members SET member_group = '3' WHERE member_key = 'm6'")
    at = console("pages/segments.py", SHOP)
    groups = at.multiselect(key="segment_form.member_groups")
    assert groups.proto.placeholder == "선택하세요" and groups.proto.select_all == 0   # no English "Select all"
    assert list(groups.proto.options) == ["등급 3", "VIP", "일반"]                    # never a bare "3"
    assert all(m.proto.placeholder == "선택하세요" for m in at.multiselect)
    assert all(d.proto.placeholder == "" for d in at.dataframe)                      # an empty cell, not "None"
    sample = at.dataframe[1].value
    assert set(sample["member_group"]) == {"VIP", "일반", "등급 3"}

    at = english(at)
    groups = at.multiselect(key="segment_form.member_groups")
    assert groups.proto.placeholder == "Choose" and groups.proto.select_all == 1000   # Streamlit's own default
    assert list(groups.proto.options) == ["Grade 3", "VIP", "일반"]                   # the shop's own names stay
    assert "Grade 3" in set(at.dataframe[1].value["member_group"])


def test_overview_chart_dates_follow_the_language(store, fixed_clock):
    fill_store(store, fixed_clock.now())
    at = console()
    x = chart_spec(at)["encoding"]["x"]
    assert x["axis"]["format"] == "%-m월 %-d일" and x["title"] == "날짜"
    at = english(at)
    x = chart_spec(at)["encoding"]["x"]
    assert x["axis"]["format"] == "%b %-d" and x["title"] == "Day"


def test_the_segments_trigger_preview_sample_is_in_words(store, fixed_clock):
    from tests.console.test_pages import SHOP as DEMO
    from tests.support import automation_world as w
    fill_store(store, fixed_clock.now(), failed_sync=False)   # m2 signed up 12 days ago and never ordered
    w.configure_sender(store, 2525, shop_id=DEMO)
    w.automation(store, "no_first_purchase", {"days": 14}, shop_id=DEMO, advertising=False)
    at = console("pages/segments.py", DEMO)
    table = at.dataframe[-1].value
    assert table.to_dict("records") == [{"회원 ID": "m2", "이름": "이서준", "이메일": "lee@example.kr",
                                         "발송 예정": "2026-01-12 09:00", "구분": "예상"}]
    at = english(at)
    table = at.dataframe[-1].value
    assert list(table.columns) == ["Member ID", "Name", "Email", "Due", "Kind"] and list(table["Kind"]) == ["expected"]
