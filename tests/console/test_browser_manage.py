"""The Automations page in headless Chromium, in Korean and English: cards with their group and their last
7 days by day, the queue opened, the honest preview with its skips, and the archive (보관함).

The console runs on the wall clock, so the world is built relative to it: a week of sends before now."""
from __future__ import annotations

import datetime as dt
import re

import pytest

from core.automations import manage
from core.public import tracking
from tests.support import automation_world as w
from tests.support.browser_support import chromium, launched, served_console  # noqa: F401 (fixture)

pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.timeout(300)]
SHOTS = "/tmp/manage"


def _world(store, fixed_clock, port: int) -> None:
    now = dt.datetime.now(w.KST).replace(microsecond=0)
    start = now - dt.timedelta(days=6, hours=1)
    fixed_clock.set(start)
    w.seed_shop(store)
    w.configure_sender(store, port)
    welcome = w.automation(store, "signup", advertising=False)
    manage.edit_automation(store, welcome, name="가입 환영 메일", now=start)
    thanks = w.automation(store, "purchased", delay_minutes=3 * 24 * 60, advertising=False)
    manage.edit_automation(store, thanks, name="구매 감사 메일", now=start)
    old = w.automation(store, "cart_abandoned")
    manage.edit_automation(store, old, name="지난 시즌 장바구니 알림", now=start)
    manage.archive_automation(store, old, now=start)
    members, orders = [], []
    for day in range(7):
        for n in range(day % 3 + 2):
            key = f"m{day}{n}"
            members.append(w.member(key, start + dt.timedelta(days=day, minutes=10 + n), consent=n != 1,
                                    name=f"회원{day}{n}"))
            if n == 0:
                orders.append(w.order(f"o{day}", key, start + dt.timedelta(days=day, minutes=30)))
    w.write(store, members=members, orders=orders)
    for day in range(7):
        w.tick(store, fixed_clock, min(start + dt.timedelta(days=day, hours=1), now))
    sent = [r for r in w.outbox(store, welcome) if r["state"] == "sent"]
    for r in sent[::2]:
        tracking.record_open(store, r["message_id"], now=r["sent_at"] + dt.timedelta(minutes=5))


def test_the_automations_page_in_chromium(chromium, store, store_path, tmp_path, fixed_clock) -> None:  # noqa: F811
    from playwright.sync_api import expect

    recorder = w.Recorder()
    controller = w.smtp_server(recorder)
    try:
        _world(store, fixed_clock, w.smtp_port(controller))
        expect.set_options(timeout=60_000)
        with served_console(store_path, tmp_path) as url, launched(chromium) as browser:
            page = browser.new_page(viewport={"width": 1400, "height": 3200}, locale="ko-KR")
            page.goto(url)
            page.get_by_test_id("stSidebar").get_by_role("link", name="자동 이메일").click()
            expect(page.get_by_role("heading", name="가입 환영 메일")).to_be_visible()
            expect(page.get_by_text("받는 사람: 주소록 전체").first).to_be_visible()
            expect(page.get_by_text("7일 발송").first).to_be_visible()
            page.get_by_test_id("stExpander").filter(has_text=re.compile(r"발송 대기 [1-9][0-9]*건")).first \
                .locator("summary").click()  # a card's queue
            expect(page.get_by_role("button", name="지금 보내기")).to_be_visible()
            expect(page.get_by_text("건너뛸 회원", exact=True)).to_be_visible()
            page.wait_for_timeout(1500)
            page.screenshot(path=f"{SHOTS}/automations-ko.png", full_page=True)

            page.get_by_role("button", name="수정").first.click()  # the edit runs the wizard's steps
            expect(page.get_by_text("자동 이메일 수정", exact=True)).to_be_visible()
            for _ in range(4):
                page.get_by_role("button", name="다음").click()
                page.wait_for_timeout(800)
            expect(page.get_by_role("button", name="수정 내용 저장")).to_be_visible()
            expect(page.get_by_text("건너뛸 회원", exact=True)).to_be_visible()
            page.screenshot(path=f"{SHOTS}/edit-review-ko.png", full_page=True)

            page.get_by_text("보관함", exact=True).first.click()
            expect(page.get_by_role("heading", name="지난 시즌 장바구니 알림")).to_be_visible()
            expect(page.get_by_role("button", name="되살리기")).to_be_visible()
            page.screenshot(path=f"{SHOTS}/archive-ko.png", full_page=True)

            page.get_by_test_id("stSidebar").get_by_text("English", exact=True).click()
            expect(page.get_by_role("heading", name="Automated emails")).to_be_visible()
            page.get_by_text("Automations", exact=True).click()  # back to the list
            expect(page.get_by_text("Recipients: the whole address book").first).to_be_visible()
            expect(page.get_by_text("Sent (7d)").first).to_be_visible()
            page.wait_for_timeout(1500)
            page.screenshot(path=f"{SHOTS}/automations-en.png", full_page=True)
    finally:
        controller.stop()
