"""The sandbox mailbox page in headless Chromium: a message the scheduler sent through the mailbox server is
drawn inside a sandboxed frame at desktop and at phone width, its links absolute and opening in a new tab."""
from __future__ import annotations

import pytest

from tests.console.test_mailbox_page import sent  # noqa: F401 (fixture)
from tests.support.browser_support import chromium, launched, served_console  # noqa: F401 (fixture)

pytestmark = [pytest.mark.browser, pytest.mark.timeout(180)]


def test_a_mail_is_shown_at_desktop_and_phone_width_with_working_links(chromium, sent, store_path,  # noqa: F811
                                                                       tmp_path):
    from playwright.sync_api import expect

    expect.set_options(timeout=30_000)
    with served_console(store_path, tmp_path) as url, launched(chromium) as browser:
        page = browser.new_page(viewport={"width": 1400, "height": 1200}, locale="ko-KR")
        page.goto(url)
        page.get_by_test_id("stSidebar").get_by_role("link", name="샌드박스 메일함").click()
        expect(page.get_by_role("heading", name="샌드박스 메일함", exact=True)).to_be_visible()
        expect(page.get_by_text("signup 자동 이메일").first).to_be_visible()
        for tab, width in (("PC 화면 (640px)", 640), ("휴대폰 화면 (375px)", 375)):
            page.get_by_role("tab", name=tab).click()
            mail = page.locator("iframe").filter(visible=True).first.content_frame   # the page's frame
            frame = mail.locator(f"iframe[title='{width}px']")
            expect(frame).to_have_attribute("sandbox", "allow-popups allow-popups-to-escape-sandbox")
            assert frame.bounding_box()["width"] == pytest.approx(width, abs=3)   # and its 1px border
            inner = frame.content_frame
            expect(inner.get_by_text("김민지", exact=False).first).to_be_visible()
            hrefs = [a.get_attribute("href") for a in inner.locator("a").all()]
            assert hrefs and all(h.startswith("http://127.0.0.1:21250/") for h in hrefs), hrefs
            assert inner.locator("base").get_attribute("target") == "_blank"
        page.screenshot(path=str(tmp_path / "mailbox-phone.png"), full_page=True)
