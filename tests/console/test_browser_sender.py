"""The sender settings page used in headless Chromium, in Korean and English: fill it in, test the connection
against a real STARTTLS + AUTH server on loopback, save, and see the password never come back."""
from __future__ import annotations

import pytest

from core.console import sender as views
from core.shops import secrets
from tests.support import automation_world as w
from tests.support.browser_support import chromium, launched, served_console  # noqa: F401 (fixture)
from tests.support.smtp_server import (  # noqa: F401 (fixtures)
    PASSWORD,
    USER,
    authenticator,
    certificate,
    server_tls,
    smtp_server,
)

pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.timeout(240)]
SHOTS = "/tmp/sender"


def test_the_sender_page_in_chromium(chromium, store, store_path, tmp_path, smtp_server, certificate,  # noqa: F811
                                     monkeypatch) -> None:
    from playwright.sync_api import expect

    w.seed_shop(store)
    _, controller = smtp_server(tls_context=server_tls(certificate), require_starttls=True, auth_required=True,
                                authenticator=authenticator())
    monkeypatch.setenv("SSL_CERT_FILE", str(certificate[0]))  # the console trusts the test's CA as a system one
    expect.set_options(timeout=30_000)
    with served_console(store_path, tmp_path) as url, launched(chromium) as browser:
        page = browser.new_page(viewport={"width": 1400, "height": 1500}, locale="ko-KR")
        page.goto(url)
        page.get_by_test_id("stSidebar").get_by_role("link", name="발신 설정").click()
        expect(page.get_by_role("heading", name="발신 설정", exact=True)).to_be_visible()
        expect(page.get_by_text("아직 메일 서버가 없어요")).to_be_visible()
        for label, value in (("발신자 이메일 주소", "hello@haru-shop.example"),
                             ("연락처 (전화번호 또는 고객센터)", "02-1234-5678"),
                             ("사업장 주소", "서울특별시 마포구 월드컵북로 12"), ("SMTP 서버 주소", "127.0.0.1"),
                             ("포트", str(controller.port)), ("SMTP 아이디", USER), ("SMTP 비밀번호", PASSWORD)):
            page.get_by_label(label, exact=True).fill(value)
            page.get_by_label(label, exact=True).press("Enter")  # committed: the app reruns with it
            page.wait_for_timeout(400)
        page.get_by_role("button", name="연결 테스트").click()
        expect(page.get_by_text(f"연결에 성공했어요: 127.0.0.1:{controller.port}")).to_be_visible()
        page.get_by_role("button", name="저장").click()
        expect(page.get_by_text("발신 설정을 저장했어요.")).to_be_visible()
        expect(page.get_by_text("비밀번호가 저장되어 있어요. 바꿀 때만 입력하세요.")).to_be_visible()
        expect(page.get_by_label("SMTP 비밀번호", exact=True)).to_have_count(1)  # the rerun's stale copy gone
        expect(page.get_by_label("SMTP 비밀번호", exact=True)).to_have_value("")
        page.screenshot(path=f"{SHOTS}/sender-ko.png", full_page=True)
        assert PASSWORD not in page.content()
        assert views.load(store, w.SHOP)["smtp_host"] == "127.0.0.1"
        assert secrets.get(w.SHOP)["smtp_password"] == PASSWORD

        page.get_by_test_id("stSidebar").get_by_text("English", exact=True).click()
        expect(page.get_by_role("heading", name="Sender settings", exact=True)).to_be_visible()
        page.get_by_label("SMTP password", exact=True).fill("wrong-password-1")
        page.get_by_label("SMTP password", exact=True).press("Enter")
        page.wait_for_timeout(400)
        page.get_by_role("button", name="Test connection").click()
        expect(page.get_by_text(f"The connection test failed. 127.0.0.1:{controller.port} refused the login. "
                                "Check the SMTP username and password.")).to_be_visible()
        page.screenshot(path=f"{SHOTS}/sender-en.png", full_page=True)
        # only in the masked field it was typed in: never in a message or a detail line
        expect(page.get_by_text("wrong-password-1")).to_have_count(0)
        expect(page.get_by_label("SMTP password", exact=True)).to_have_attribute("type", "password")
