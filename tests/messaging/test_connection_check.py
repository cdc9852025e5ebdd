"""The console's connection test and test send against a real SMTP server on loopback: STARTTLS with AUTH,
implicit TLS, a wrong password, a refused port and TLS asked of a plain server, each failure said in words."""
from __future__ import annotations

import socket

import pytest

from core import clock
from core.automations import manage
from core.console import errors
from core.console import sender as views
from core.store import Store
from tests.support import automation_world as w
from tests.support.smtp_server import (  # noqa: F401 (fixtures)
    PASSWORD,
    USER,
    authenticator,
    certificate,
    server_tls,
    smtp_server,
)

pytestmark = pytest.mark.timeout(60)


def _form(port: int, security: str = "starttls", username: str | None = USER) -> dict:
    return {"smtp_host": "127.0.0.1", "smtp_port": port, "smtp_security": security, "smtp_username": username}


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_starttls_and_auth_pass_and_say_what_was_negotiated(smtp_server, certificate) -> None:  # noqa: F811
    _, controller = smtp_server(tls_context=server_tls(certificate), require_starttls=True, auth_required=True,
                                authenticator=authenticator())
    found = views.connection_test("shop", _form(controller.port), PASSWORD, ca_file=str(certificate[0]))
    assert found.authenticated and found.tls_version and found.tls_version.startswith("TLSv1.")
    assert views.check_words(found) == (f"연결에 성공했어요: 127.0.0.1:{controller.port} · "
                                        f"암호화 {found.tls_version} · 로그인 성공")


def test_implicit_tls_passes(smtp_server, certificate) -> None:  # noqa: F811
    # aiosmtpd only counts STARTTLS as TLS for AUTH; on an implicit-TLS port the whole connection is TLS.
    _, controller = smtp_server(ssl_context=server_tls(certificate), auth_required=True, auth_require_tls=False,
                                authenticator=authenticator())
    found = views.connection_test("shop", _form(controller.port, "tls"), PASSWORD, ca_file=str(certificate[0]))
    assert found.authenticated and found.tls_version


@pytest.mark.parametrize("lang, words", [
    ("ko", "로그인을 거부했어요. SMTP 아이디와 비밀번호를 확인해 주세요."),
    ("en", "refused the login. Check the SMTP username and password."),
])
def test_a_wrong_password_is_said_in_words_without_the_password(smtp_server, certificate, lang, words) -> None:  # noqa: F811
    _, controller = smtp_server(tls_context=server_tls(certificate), require_starttls=True, auth_required=True,
                                authenticator=authenticator())
    wrong = "not-the-Pa55word"
    with pytest.raises(views.Refused) as failed:
        views.connection_test("shop", _form(controller.port), wrong, ca_file=str(certificate[0]))
    assert failed.value.key == "messaging.check.auth"
    said = errors.describe(failed.value, lang)
    assert said == f"127.0.0.1:{controller.port}{' ' if lang == 'en' else '이(가) '}{words}"
    assert wrong not in errors.detail_of(failed.value) and wrong not in said


def test_a_port_nobody_listens_on_is_refused_in_words() -> None:
    port = _closed_port()
    with pytest.raises(views.Refused) as failed:
        views.connection_test("shop", _form(port, "none", None))
    assert failed.value.key == "messaging.check.refused"
    assert errors.describe(failed.value, "ko") == (
        f"127.0.0.1:{port}에서 연결을 거부했어요. 포트 번호가 맞는지, 서버가 켜져 있는지 확인해 주세요.")


def test_tls_asked_of_a_plain_server_is_a_tls_failure(smtp_server) -> None:  # noqa: F811
    _, controller = smtp_server()
    with pytest.raises(views.Refused) as failed:
        views.connection_test("shop", _form(controller.port, "tls", None))
    assert failed.value.key == "messaging.check.tls"
    assert "암호화 연결(TLS)을 맺지 못했어요" in errors.describe(failed.value, "ko")


def test_starttls_asked_of_a_server_without_it(smtp_server) -> None:  # noqa: F811
    _, controller = smtp_server()
    with pytest.raises(views.Refused) as failed:
        views.connection_test("shop", _form(controller.port, "starttls", None))
    assert failed.value.key == "messaging.check.no_starttls"


def test_a_self_signed_certificate_is_not_trusted_by_default(smtp_server, certificate) -> None:  # noqa: F811
    _, controller = smtp_server(tls_context=server_tls(certificate), require_starttls=True)
    with pytest.raises(views.Refused) as failed:
        views.connection_test("shop", _form(controller.port, "starttls", None))
    assert failed.value.key == "messaging.check.certificate"


def _shop_with_sender(store: Store, port: int, **extra) -> str:
    w.seed_shop(store)
    w.write(store, members=[w.member("m1", w.at(1, 9), name="김민지")])
    manage.save_sender_settings(store, w.SHOP, sender_name="하루상점", sender_email="hello@haru-shop.example",
                                sender_contact="02-1234-5678", postal_address="서울특별시 마포구 월드컵북로 12",
                                reply_to="help@haru-shop.example", smtp_host="127.0.0.1", smtp_port=port,
                                now=clock.now(), **extra)
    return w.automation(store, "signup", start=False)


def test_a_test_send_renders_for_the_member_and_is_marked_and_not_counted(  # noqa: F811
        store, fixed_clock, smtp_server, certificate) -> None:  # noqa: F811
    fixed_clock.set(w.at(2, 9))
    recorder, controller = smtp_server(tls_context=server_tls(certificate), require_starttls=True,
                                       auth_required=True, authenticator=authenticator())
    aid = _shop_with_sender(store, controller.port, smtp_security="starttls", smtp_username=USER,
                            smtp_password=PASSWORD)
    subject = views.send_test_message(store, w.SHOP, source=f"automation:{aid}", to="me@haru-shop.example",
                                      member_key="m1", ca_file=str(certificate[0]))
    [arrived] = recorder.messages()
    assert recorder.arrived[0]["authenticated"] and recorder.arrived[0]["rcpt_tos"] == ["me@haru-shop.example"]
    assert arrived["Subject"] == subject and subject.startswith("[테스트] (광고)")
    assert arrived["X-Console-Test"] == "yes" and arrived["Reply-To"] == "help@haru-shop.example"
    html = arrived.get_body(("html",)).get_content()
    assert "김민지" in html  # the chosen member's merge fields
    assert "02-1234-5678 · 서울특별시 마포구 월드컵북로 12" in html  # the footer: contact and postal address
    assert store.frame("SELECT * FROM outbox").is_empty()  # never in the outbox, so never in a figure


def test_a_test_send_with_a_wrong_password_says_why(store, fixed_clock, smtp_server, certificate) -> None:  # noqa: F811
    fixed_clock.set(w.at(2, 9))
    recorder, controller = smtp_server(tls_context=server_tls(certificate), require_starttls=True,
                                       auth_required=True, authenticator=authenticator())
    aid = _shop_with_sender(store, controller.port, smtp_security="starttls", smtp_username=USER,
                            smtp_password="wrong-password-1")
    with pytest.raises(views.Refused) as failed:
        views.send_test_message(store, w.SHOP, source=f"automation:{aid}", to="me@haru-shop.example",
                                ca_file=str(certificate[0]))
    assert errors.describe(failed.value, "en") == (
        "The mail server refused the login. Check the SMTP user name and password.")
    assert recorder.arrived == []
