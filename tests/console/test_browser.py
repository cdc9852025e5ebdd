"""The console opened in headless Chromium: `streamlit run app.py` against a store we filled."""
from __future__ import annotations

from pathlib import Path

import pytest

from core import clock
from tests.console.test_pages import fill_store
from tests.support.browser_support import chromium, launched, metric, served_console  # noqa: F401 (fixture)

pytestmark = [pytest.mark.browser, pytest.mark.timeout(180)]

SCREENSHOT = Path("/tmp/console-overview.png")


@pytest.fixture
def console(store, store_path, tmp_path):
    """The console over a store holding one synced shop."""
    fill_store(store, clock.now())
    with served_console(store_path, tmp_path) as url:
        yield url


def test_overview_in_chromium_korean_then_english(chromium, console):  # noqa: F811 (the fixture)
    from playwright.sync_api import expect

    expect.set_options(timeout=30_000)
    with launched(chromium) as browser:
        page = browser.new_page(viewport={"width": 1400, "height": 1000}, locale="ko-KR")
        page.goto(console)
        expect(page.get_by_role("heading", name="개요")).to_be_visible()
        expect(metric(page, "회원").get_by_test_id("stMetricValue")).to_have_text("3")
        expect(metric(page, "주문").get_by_test_id("stMetricValue")).to_have_text("5")
        expect(metric(page, "매출 (결제 완료)").get_by_test_id("stMetricValue")).to_have_text("90,000원")
        expect(metric(page, "방치된 카트").get_by_test_id("stMetricValue")).to_have_text("2")
        expect(page.get_by_text("회원 단계에서 멈췄습니다", exact=False)).to_be_visible()
        sidebar = page.get_by_test_id("stSidebar")
        expect(sidebar.get_by_text("스케줄러가 아직 한 번도 실행되지 않았습니다", exact=False)).to_be_visible()
        expect(page.locator("canvas, svg.marks").first).to_be_visible()  # the orders-by-day chart
        page.wait_for_timeout(500)  # let the chart finish its first paint
        page.screenshot(path=str(SCREENSHOT), full_page=True)

        sidebar.get_by_text("English", exact=True).click()
        expect(page.get_by_role("heading", name="Overview")).to_be_visible()
        expect(metric(page, "Members").get_by_test_id("stMetricValue")).to_have_text("3")
        expect(metric(page, "Revenue (paid)").get_by_test_id("stMetricValue")).to_have_text("₩90,000")
        expect(sidebar.get_by_text("The scheduler has never run", exact=False)).to_be_visible()

        sidebar.get_by_role("link", name="Integrations").click()
        expect(page.get_by_role("heading", name="Integrations", exact=True)).to_be_visible()
        expect(page.get_by_text("데모 쇼핑몰 · Cafe24")).to_be_visible()
        page.screenshot(path=str(SCREENSHOT.with_name("console-integrations.png")), full_page=True)
