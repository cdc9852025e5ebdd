"""The sender settings page (발신 설정) under AppTest: save, the password never shown back, the connection test's
result in words (Korean and English) against a real STARTTLS + AUTH server on loopback, and a test send."""
from __future__ import annotations

import pytest
from streamlit.testing.v1 import AppTest

from core import i18n
from core.console import sender as views
from core.shops import secrets
from tests.conftest import ROOT
from tests.support import automation_world as w
from tests.support.apptest_support import rendered_text
from tests.support.smtp_server import (  # noqa: F401 (fixtures)
    PASSWORD,
    USER,
    authenticator,
    certificate,
    server_tls,
    smtp_server,
)

pytestmark = pytest.mark.timeout(120)


@pytest.fixture
def shop(store, fixed_clock, certificate, monkeypatch):  # noqa: F811
    fixed_clock.set(w.at(2, 9))
    w.seed_shop(store)
    w.write(store, members=[w.member("m1", w.at(1, 9), name="김민지")])
    # The console trusts the system's CAs; the test's self-signed one joins them the way an operator's would.
    monkeypatch.setenv("SSL_CERT_FILE", str(certificate[0]))
    return store


def open_page(lang: str | None = None) -> AppTest:
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
    at.session_state["shop_id"] = w.SHOP
    if lang:
        at.session_state["lang"] = lang
    at.run()
    at.switch_page("pages/sender.py").run()
    assert not at.exception, at.exception
    return at


def fill(at: AppTest, port: int, password: str) -> None:
    at.text_input(key="snd_sender_email").set_value("hello@haru-shop.example")
    at.text_input(key="snd_sender_contact").set_value("02-1234-5678")
    at.text_input(key="snd_postal_address").set_value("서울특별시 마포구 월드컵북로 12")
    at.text_input(key="snd_smtp_host").set_value("127.0.0.1")
    at.number_input(key="snd_smtp_port").set_value(port)
    at.selectbox(key="snd_smtp_security").set_value("starttls")
    at.text_input(key="snd_smtp_username").set_value(USER)
    at.text_input(key="snd_smtp_password").set_value(password)


def test_save_keeps_the_password_out_of_sight_and_the_connection_test_speaks(shop, smtp_server,  # noqa: F811
                                                                           certificate) -> None:  # noqa: F811
    recorder, controller = smtp_server(tls_context=server_tls(certificate), require_starttls=True,
                                       auth_required=True, authenticator=authenticator())
    at = open_page()
    assert at.title[0].value == "발신 설정"
    assert "아직 메일 서버가 없어요" in at.warning[0].value
    assert at.text_input(key="snd_sender_name").value == "하루상점"  # the shop's name to start from
    fill(at, controller.port, PASSWORD)
    at.button(key="snd_check").click().run()
    assert at.success[0].value.startswith(f"연결에 성공했어요: 127.0.0.1:{controller.port} · 암호화 TLSv1.")
    assert at.success[0].value.endswith("· 로그인 성공")

    at.button(key="snd_save").click().run()
    assert not at.error, [e.value for e in at.error]
    assert "발신 설정을 저장했어요." in [s.value for s in at.success]
    assert secrets.get(w.SHOP)["smtp_password"] == PASSWORD
    form = views.load(shop, w.SHOP)
    assert (form["smtp_host"], form["smtp_port"], form["postal_address"]) == ("127.0.0.1", controller.port,
                                                                               "서울특별시 마포구 월드컵북로 12")
    # never shown back: the field is empty, the page says one is saved, and the password is nowhere in it
    assert at.text_input(key="snd_smtp_password").value == ""
    assert "비밀번호가 저장되어 있어요. 바꿀 때만 입력하세요." in [c.value for c in at.caption]
    assert PASSWORD not in rendered_text(at)
    assert f"메일 서버가 설정되어 있어요: 127.0.0.1:{controller.port}" in [s.value for s in at.success]

    # the saved password is used when none is typed; a wrong one typed is refused in words
    at.button(key="snd_check").click().run()
    assert "로그인 성공" in at.success[-1].value
    at.text_input(key="snd_smtp_password").set_value("wrong-password-1")
    at.button(key="snd_check").click().run()
    assert at.error[0].value == (f"연결 테스트에 실패했어요. 127.0.0.1:{controller.port}이(가) 로그인을 거부했어요. "
                                 "SMTP 아이디와 비밀번호를 확인해 주세요.")
    assert "wrong-password-1" not in rendered_text(at)
    assert recorder.arrived == []  # a connection test sends nothing


@pytest.fixture
def english():
    # AppTest words a selectbox's options in the test's own thread too: that thread reads English as well.
    i18n.set_language("en")
    yield
    i18n.set_language("ko")


def test_in_english_a_bad_address_names_its_field_by_label(shop, english) -> None:
    at = open_page("en")
    assert at.title[0].value == "Sender settings"
    at.text_input(key="snd_sender_email").set_value("not-an-address")
    at.text_input(key="snd_sender_contact").set_value("02-1234-5678")
    at.button(key="snd_save").click().run()
    assert at.error[0].value == "Could not save: Sender e-mail: ‘not-an-address’ is not an e-mail address."
    at.text_input(key="snd_sender_email").set_value("hello@haru-shop.example")
    at.text_input(key="snd_smtp_host").set_value("127.0.0.1")
    at.number_input(key="snd_smtp_port").set_value(w.NO_SERVER_PORT)  # nothing listens there
    at.selectbox(key="snd_smtp_security").set_value("none")
    at.button(key="snd_check").click().run()
    assert at.error[0].value == (f"The connection test failed. 127.0.0.1:{w.NO_SERVER_PORT} refused the connection. "
                                 "Check the port and that the server is running.")


def test_a_test_send_from_the_page(shop, smtp_server, fixed_clock) -> None:  # noqa: F811
    recorder, controller = smtp_server()
    w.configure_sender(shop, controller.port)
    aid = w.automation(shop, "signup", start=False)
    at = open_page()
    at.selectbox(key="snd_test_source").set_value(f"automation:{aid}")
    at.selectbox(key="snd_test_member").set_value("m1")
    at.text_input(key="snd_test_to").set_value("me@haru-shop.example")
    at.button(key="snd_test_send").click().run()
    assert not at.error, [e.value for e in at.error]
    [arrived] = recorder.messages()
    sent = at.success[-1].value
    assert sent.startswith("‘[테스트] (광고)") and "me@haru-shop.example(으)로 보냈어요" in sent
    assert arrived["X-Console-Test"] == "yes" and "김민지" in arrived.get_body(("html",)).get_content()
    assert shop.frame("SELECT * FROM outbox").is_empty()


def test_a_sender_on_the_sandbox_mailbox_says_so_and_links_to_it(shop, monkeypatch) -> None:
    """The sandbox shop's sender, as `./start` presets it: the page says messages go to the sandbox mailbox
    (nothing reaches customers) and links to the page that shows them."""
    from core.sandbox.setup import preset_sender
    monkeypatch.setenv("SANDBOX_SMTP_PORT", "21277")
    assert preset_sender(shop, w.SHOP, 21277, now=w.at(2, 9))
    at = open_page()
    [info] = [i.value for i in at.info]
    assert info.startswith("샌드박스 메일함으로 보내요 (127.0.0.1:21277).") and "실제로 보내려면" in info
    assert not [s.value for s in at.success if "메일 서버가 설정되어 있어요" in s.value]
    assert [link.label for link in at.get("page_link")] == ["샌드박스 메일함"]
    english = open_page("en")
    assert english.info[0].value.startswith("Messages go to the sandbox mailbox (127.0.0.1:21277)")
    assert [link.label for link in english.get("page_link")] == ["Sandbox mailbox"]

    monkeypatch.setenv("SANDBOX_SMTP_PORT", "21278")         # another machine's mailbox port: a plain server
    at = open_page()
    assert "메일 서버가 설정되어 있어요: 127.0.0.1:21277" in [s.value for s in at.success]


def test_the_saved_settings_are_shown_again_after_a_visit_to_another_page(shop) -> None:
    """Streamlit drops the state of widgets a run did not draw: coming back to the page fills them again."""
    w.configure_sender(shop, 2525)
    at = open_page()
    assert at.text_input(key="snd_smtp_host").value == "127.0.0.1"
    at.switch_page("pages/overview.py").run()
    at.switch_page("pages/sender.py").run()
    assert not at.exception, at.exception
    assert at.text_input(key="snd_sender_email").value == "hello@haru-shop.example"
    assert at.text_input(key="snd_smtp_host").value == "127.0.0.1"
    assert at.number_input(key="snd_smtp_port").value == 2525
