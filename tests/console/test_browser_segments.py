"""The segment explorer used in headless Chromium: pick conditions, watch the count follow, save the segment."""
from __future__ import annotations

import pytest

from core.segments import saved as saved_segments
from tests.support.browser_support import chromium, launched, metric, served_console  # noqa: F401 (fixture)
from tests.support.segment_world import SHOP, mall  # noqa: F401 (fixture)

pytestmark = [pytest.mark.browser, pytest.mark.timeout(180)]


def test_the_explorer_filters_and_saves_in_chromium(chromium, mall, store_path, tmp_path):  # noqa: F811
    from playwright.sync_api import expect

    expect.set_options(timeout=30_000)
    with served_console(store_path, tmp_path) as url, launched(chromium) as browser:
        page = browser.new_page(viewport={"width": 1400, "height": 1100}, locale="ko-KR")
        page.goto(url)
        page.get_by_test_id("stSidebar").get_by_role("link", name="세그먼트").click()
        expect(page.get_by_role("heading", name="세그먼트", exact=True)).to_be_visible()
        expect(metric(page, "해당 회원").get_by_test_id("stMetricValue")).to_have_text("6")

        groups = page.get_by_test_id("stMultiSelect").filter(has_text="회원 등급")
        groups.click()
        page.get_by_role("option", name="VIP").click()
        page.keyboard.press("Escape")
        expect(metric(page, "해당 회원").get_by_test_id("stMetricValue")).to_have_text("2")
        expect(page.get_by_test_id("stDataFrame").first).to_be_visible()  # the sample (drawn on a canvas)

        page.get_by_label("세그먼트 이름").fill("VIP 고객")
        page.get_by_label("세그먼트 이름").press("Enter")
        page.get_by_role("button", name="주소록 그룹으로 저장").click()
        expect(page.get_by_text("‘VIP 고객’ 세그먼트를 저장했습니다.")).to_be_visible()
        page.screenshot(path="/tmp/console-segments.png", full_page=True)
    assert [s["rule"] for s in saved_segments.list_segments(mall, SHOP)] == [{"member_groups": ["VIP"]}]
