"""The automation wizard's content step in headless Chromium, Korean then English: the purchase starter in the
block editor beside its live preview in this shop's name with its product's image, at desktop and phone width."""
from __future__ import annotations

import datetime as dt

import pytest

from core.shops.registry import save_shop
from tests.support import automation_world as w
from tests.support.browser_support import chromium, launched, served_console  # noqa: F401 (fixture)

pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.timeout(300)]
SHOTS = "/tmp/wizard"
APRON = "https://cdn.bada.example/p/apron.jpg"


def test_the_wizard_content_step_in_chromium(chromium, store, store_path, tmp_path, fixed_clock) -> None:  # noqa: F811
    from playwright.sync_api import expect

    save_shop(store, w.SHOP, "csv", "바다상회")
    w.ensure_sender(store)
    w.write(store, members=[w.member("m5", w.at(1) - dt.timedelta(days=60), name="최유나")],
            products=[{"product_key": "p-apron", "name": "리넨 앞치마", "price": 19000, "image_url": APRON}])
    expect.set_options(timeout=60_000)
    with served_console(store_path, tmp_path) as url, launched(chromium) as browser:
        page = browser.new_page(viewport={"width": 1400, "height": 2000}, locale="ko-KR")
        page.goto(url)
        page.get_by_test_id("stSidebar").get_by_role("link", name="자동 이메일").click()
        page.get_by_text("새 자동 이메일 만들기", exact=True).click()
        page.get_by_label("자동 이메일 이름").fill("구매 감사 메일")
        page.get_by_label("자동 이메일 이름").press("Enter")
        for _ in range(3):
            page.get_by_role("button", name="다음").click()
            page.wait_for_timeout(1000)
        expect(page.get_by_role("button", name="HTML로 직접 편집")).to_be_visible()
        page.get_by_test_id("stExpander").first.locator("summary").click()  # the heading's form
        frame = page.frame_locator("iframe").first
        expect(frame.get_by_text("바다상회").first).to_be_attached()
        page.wait_for_timeout(1500)
        page.screenshot(path=f"{SHOTS}/content-ko.png", full_page=True)
        page.get_by_text("휴대폰 (375px)", exact=True).click()
        page.wait_for_timeout(1500)
        page.screenshot(path=f"{SHOTS}/content-phone-ko.png", full_page=True)

        page.get_by_test_id("stSidebar").get_by_text("English", exact=True).click()
        expect(page.get_by_role("button", name="Edit as HTML")).to_be_visible()
        expect(page.get_by_text("Phone (375px)", exact=True)).to_be_visible()
        template = page.get_by_test_id("stSelectbox").filter(has_text="Template")
        expect(template.locator("input")).to_have_value("Starter: 구매 감사", timeout=15_000)  # relabelled
        page.wait_for_timeout(1500)
        page.screenshot(path=f"{SHOTS}/content-en.png", full_page=True)
