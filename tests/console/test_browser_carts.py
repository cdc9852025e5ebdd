"""The abandoned-carts page used in headless Chromium: figures, the recovered filter, a cart's copyable link."""
from __future__ import annotations

import datetime as dt

import pytest

from core.shops.registry import save_shop
from tests.carts.test_carts import SHOP, add_cart, add_order
from tests.support.browser_support import chromium, launched, metric, served_console  # noqa: F401 (fixture)

pytestmark = [pytest.mark.browser, pytest.mark.timeout(180)]


@pytest.fixture
def recent_carts(store):
    """Carts from two days ago on the wall clock (the console in the browser runs on it): three abandoned,
    one recovered by its member's order the next day."""
    base = dt.datetime.now(dt.UTC).replace(microsecond=0) - dt.timedelta(days=2)
    save_shop(store, SHOP, "csv", "테스트몰")
    with store.unit() as con:
        for n, member in enumerate(("m1", "m2", "m3"), 1):
            add_cart(con, f"k{n}", member, f"{member}@example.com", base, 30_000 * n)
        add_order(con, "o1", "m2", "m2@example.com", base + dt.timedelta(days=1), 61_000)
    return store


def test_the_cart_page_in_chromium(chromium, recent_carts, store_path, tmp_path):  # noqa: F811
    from playwright.sync_api import expect

    expect.set_options(timeout=30_000)
    with served_console(store_path, tmp_path) as url, launched(chromium) as browser:
        page = browser.new_page(viewport={"width": 1400, "height": 1200}, locale="ko-KR")
        page.goto(url)
        page.get_by_test_id("stSidebar").get_by_role("link", name="방치된 카트").click()
        expect(page.get_by_role("heading", name="방치된 카트", exact=True)).to_be_visible()
        expect(metric(page, "방치된 카트").get_by_test_id("stMetricValue")).to_have_text("3")
        expect(metric(page, "복구된 카트").get_by_test_id("stMetricValue")).to_have_text("1")
        expect(metric(page, "복구 매출").get_by_test_id("stMetricValue")).to_have_text("61,000원")
        expect(page.get_by_text("빠른 설정으로 켜기")).to_be_visible()

        page.get_by_test_id("stButtonGroup").get_by_text("복구됨", exact=True).click()
        expect(page.get_by_test_id("stCode")).to_contain_text("https://mall.example/cart/k2")
        page.screenshot(path="/tmp/console-carts.png", full_page=True)
