"""The console in headless Chromium, Korean then English: /dashboard opens the overview with its first-run
guide, Streamlit's Deploy button and menu are gone, the stamps page keeps its tab after a save and a change
of language, and the overview, stamps, segments and carts pages are photographed in both languages
(under /tmp/polish/) for a person to look at."""
from __future__ import annotations

from pathlib import Path

import pytest

from core import clock
from tests.console.test_pages import SHOP, fill_store
from tests.support.browser_support import chromium, launched, served_console  # noqa: F401 (fixture)

pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.timeout(300)]

SHOTS = Path("/tmp/polish")


@pytest.fixture
def console(store, store_path, tmp_path):
    fill_store(store, clock.now())
    with served_console(store_path, tmp_path) as url:
        yield url


def shot(page, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.wait_for_timeout(2000)  # let charts and data grids finish their first paint
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


def test_dashboard_guide_pages_and_tabs_in_korean_then_english(chromium, console):  # noqa: F811 (the fixture)
    from playwright.sync_api import expect

    expect.set_options(timeout=30_000)
    with launched(chromium) as browser:
        page = browser.new_page(viewport={"width": 1400, "height": 1000}, locale="ko-KR")
        # The first visit after the console starts is the address ./start prints. (Streamlit runs that
        # first session as a pages/-folder app before app.py's st.navigation takes over, so a deep link
        # as the very first visit still flashes "Page not found": streamlit/streamlit#8860.)
        page.goto(console)
        expect(page.get_by_role("heading", name="개요", exact=True)).to_be_visible()
        page = browser.new_page(viewport={"width": 1400, "height": 1000}, locale="ko-KR")
        page.goto(f"{console}/dashboard")
        expect(page.get_by_role("heading", name="개요", exact=True)).to_be_visible()
        expect(page.get_by_text("시작 가이드", exact=True)).to_be_visible()
        expect(page.get_by_text("1/4단계 완료")).to_be_visible()
        expect(page.get_by_role("link", name="4. 스탬프·보증서 켜기")).to_be_visible()
        assert page.get_by_text("Page not found").count() == 0
        assert page.get_by_test_id("stAppDeployButton").count() == 0
        assert page.get_by_test_id("stMainMenu").count() == 0
        shot(page, "overview-ko")
        page.get_by_test_id("stVegaLiteChart").first.scroll_into_view_if_needed()
        shot(page, "overview-chart-ko")

        sidebar = page.get_by_test_id("stSidebar")
        sidebar.get_by_role("link", name="세그먼트").click()
        expect(page.get_by_role("heading", name="세그먼트", exact=True)).to_be_visible()
        shot(page, "segments-ko")
        pickers = page.get_by_test_id("stMultiSelect")
        expect(pickers.first).to_be_visible()
        html = "".join(pickers.nth(n).inner_html() for n in range(pickers.count()))
        assert html.count("선택하세요") >= 3 and "Choose an option" not in html

        sidebar.get_by_role("link", name="방치된 카트").click()
        expect(page.get_by_role("heading", name="방치된 카트", exact=True)).to_be_visible()
        shot(page, "carts-ko")

        sidebar.get_by_role("link", name="스탬프·보증서").click()
        expect(page.get_by_role("heading", name="스탬프·보증서", exact=True)).to_be_visible()
        page.get_by_role("tab", name="스탬프").click()
        page.locator(f".st-key-ls_{SHOP}_reward input").fill("WELCOME-10")
        page.locator(f".st-key-ls_{SHOP}_reward input").press("Enter")
        page.locator(f".st-key-ls_{SHOP}_save button").click()
        expect(page.get_by_text("설정을 저장했습니다.")).to_be_visible()
        expect(page.get_by_role("tab", name="스탬프")).to_have_attribute("aria-selected", "true")
        shot(page, "loyalty-ko")

        sidebar.get_by_text("English", exact=True).click()
        expect(page.get_by_role("heading", name="Stamps & warranties", exact=True)).to_be_visible()
        expect(page.get_by_role("tab", name="Stamps")).to_have_attribute("aria-selected", "true")
        # A keyed selectbox drawn before the switch shows its option in the new language too.
        moment = page.locator(f".st-key-ls_{SHOP}_moment[data-stale='false']").get_by_role("combobox")
        expect(moment).to_have_value("Delivery complete")
        shot(page, "loyalty-en")

        sidebar.get_by_role("link", name="Segments").click()
        expect(page.get_by_role("heading", name="Segments", exact=True)).to_be_visible()
        shot(page, "segments-en")
        sidebar.get_by_role("link", name="Abandoned carts").click()
        expect(page.get_by_role("heading", name="Abandoned carts", exact=True)).to_be_visible()
        shot(page, "carts-en")
        sidebar.get_by_role("link", name="Overview").click()
        expect(page.get_by_role("heading", name="Overview", exact=True)).to_be_visible()
        expect(page.get_by_text("Getting started", exact=True)).to_be_visible()
        shot(page, "overview-en")
        page.get_by_test_id("stVegaLiteChart").first.scroll_into_view_if_needed()
        shot(page, "overview-chart-en")
