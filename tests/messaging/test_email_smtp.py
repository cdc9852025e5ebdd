"""E-mail through a real SMTP server on loopback (aiosmtpd): plain, STARTTLS and implicit TLS with AUTH."""
from __future__ import annotations

import datetime as dt
import re
import socket
from pathlib import Path

import pytest

from core.messaging import templates
from core.messaging.email import (
    DeliveryUnknownError,
    PermanentSendError,
    SmtpSession,
    SmtpSettings,
    TransientSendError,
    build_message,
    send_test,
)
from core.public.links import tracking_context
from tests.support.smtp_server import (
    PASSWORD,
    USER,
    Recorder,
    authenticator,
    parse,
    server_tls,
)


@pytest.fixture(autouse=True, params=[False, True], ids=["one-command-a-trip", "pipelining"])
def pipelining(request, monkeypatch):
    """Every test against a server without and with PIPELINING: the client sends differently to each."""
    monkeypatch.setattr(Recorder, "pipelining", request.param)
    return request.param

pytestmark = pytest.mark.timeout(30)

SENDER = {"sender_name": "하루상점", "sender_email": "hello@haru-shop.example",
          "sender_contact": "서울특별시 마포구 월드컵북로 12, 02-1234-5678"}
SENT_AT = dt.datetime(2026, 1, 10, 9, 0, tzinfo=dt.UTC)  # the Date header of the messages built here


# ---------------------------------------------------------------- messages

def _message(store_path: Path, to: str = "haneul.kim@example.com", message_id: str = "a1b2c3d4e5f6",
             advertising: bool = True):
    links = tracking_context(message_id, "haru", "haneul01")
    context = {**templates.sample_context("cart_abandoned"), **links}
    rendered = templates.render_email(templates.starter_template("cart_abandoned"), context,
                                      advertising=advertising, sender=SENDER)
    message = build_message(to=to, from_name=SENDER["sender_name"], from_email=SENDER["sender_email"],
                            rendered=rendered, message_id=message_id, date=SENT_AT,
                            list_unsubscribe_url=links["unsubscribe_url"] if advertising else None,
                            list_unsubscribe_mailto="mailto:unsubscribe@haru-shop.example?subject=unsubscribe"
                            if advertising else None)
    return message, rendered, links


def _raw_headers(raw: bytes) -> str:
    return raw.split(b"\r\n\r\n", 1)[0].decode("ascii")


# ---------------------------------------------------------------- tests

def test_plain_delivery_has_both_parts_korean_headers_preheader_and_unsubscribe_headers(
        store_path: Path, smtp_server) -> None:
    recorder, controller = smtp_server()
    message, rendered, links = _message(store_path)
    with SmtpSession(SmtpSettings("127.0.0.1", controller.port, "none", timeout=5)) as session:
        session.send(message)
    [got] = recorder.arrived
    assert got["mail_from"] == "hello@haru-shop.example" and got["rcpt_tos"] == ["haneul.kim@example.com"]
    raw = got["raw"]
    assert raw.isascii()  # 7-bit clean: no SMTPUTF8 or 8BITMIME needed on the way
    headers = _raw_headers(raw)
    assert "Subject: =?utf-8?b?" in headers and "From: =?utf-8?b?" in headers  # RFC 2047 encoded words
    arrived = parse(raw)
    assert arrived["Subject"] == "(광고) 김하늘님, 장바구니에 담아 두신 상품이 기다리고 있어요"
    assert arrived["From"].addresses[0].display_name == "하루상점"
    assert arrived["From"].addresses[0].addr_spec == "hello@haru-shop.example"
    assert arrived["Message-ID"] == "<a1b2c3d4e5f6@haru-shop.example>"
    assert arrived["List-Unsubscribe"] == (f"<{links['unsubscribe_url']}>, "
                                           "<mailto:unsubscribe@haru-shop.example?subject=unsubscribe>")
    assert f"<{links['unsubscribe_url']}>" in headers  # the URI itself, never an encoded word
    assert arrived["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert arrived.get_content_type() == "multipart/alternative"
    plain, html = arrived.iter_parts()
    assert plain.get_content_type() == "text/plain" and html.get_content_type() == "text/html"
    assert plain.get_content().replace("\r\n", "\n") == rendered.text
    assert html.get_content().replace("\r\n", "\n").rstrip("\n") == rendered.html.replace("\r\n", "\n")
    body = re.split(r"<body[^>]*>", html.get_content(), maxsplit=1)[1]
    assert body.startswith('<div style="display:none;') and rendered.preheader in body[:400]
    assert links["open_pixel_url"].replace("&", "&amp;") in html.get_content()
    assert "수신거부" in plain.get_content() and links["unsubscribe_url"] in plain.get_content()


def test_non_advertising_message_has_no_unsubscribe_headers(store_path: Path, smtp_server) -> None:
    recorder, controller = smtp_server()
    message, _, _ = _message(store_path, advertising=False)
    send_test(SmtpSettings("127.0.0.1", controller.port, "none", timeout=5), message)
    arrived = parse(recorder.arrived[0]["raw"])
    assert arrived["List-Unsubscribe"] is None and arrived["List-Unsubscribe-Post"] is None
    assert not arrived["Subject"].startswith("(광고)")


def test_starttls_with_auth_reuses_one_connection(store_path: Path, smtp_server, certificate) -> None:
    recorder, controller = smtp_server(tls_context=server_tls(certificate), require_starttls=True,
                                       auth_required=True, authenticator=authenticator())
    settings = SmtpSettings("127.0.0.1", controller.port, "starttls", USER, PASSWORD, timeout=5,
                            ca_file=str(certificate[0]))
    with SmtpSession(settings) as session:
        for n in range(3):
            session.send(_message(store_path, to=f"member{n}@example.com", message_id=f"m{n}")[0])
        assert session.connections_opened == 1
    assert [g["rcpt_tos"] for g in recorder.arrived] == [[f"member{n}@example.com"] for n in range(3)]
    assert len({g["peer"] for g in recorder.arrived}) == 1  # one TCP connection carried all three
    assert all(g["authenticated"] for g in recorder.arrived)
    assert [parse(g["raw"])["Message-ID"] for g in recorder.arrived] == [
        f"<m{n}@haru-shop.example>" for n in range(3)]


@pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS")
def test_implicit_tls_with_auth(store_path: Path, smtp_server, certificate) -> None:
    # aiosmtpd only counts STARTTLS as TLS for AUTH; on an implicit-TLS port the whole connection is TLS.
    recorder, controller = smtp_server(ssl_context=server_tls(certificate), auth_required=True,
                                       auth_require_tls=False, authenticator=authenticator())
    settings = SmtpSettings("127.0.0.1", controller.port, "tls", USER, PASSWORD, timeout=5,
                            ca_file=str(certificate[0]))
    send_test(settings, _message(store_path)[0])
    assert len(recorder.arrived) == 1 and recorder.arrived[0]["authenticated"]


def test_wrong_password_is_permanent_and_never_in_the_message(store_path: Path, smtp_server, certificate) -> None:
    _, controller = smtp_server(tls_context=server_tls(certificate), require_starttls=True,
                                auth_required=True, authenticator=authenticator())
    wrong = "wr0ng-Pa55word-xyz"
    settings = SmtpSettings("127.0.0.1", controller.port, "starttls", USER, wrong, timeout=5,
                            ca_file=str(certificate[0]))
    with pytest.raises(PermanentSendError) as caught:
        send_test(settings, _message(store_path)[0])
    assert caught.value.code == 535 and caught.value.kind == "auth"
    assert wrong not in str(caught.value) and wrong not in repr(settings)


def test_certificate_that_does_not_verify_is_permanent(store_path: Path, smtp_server, certificate) -> None:
    _, controller = smtp_server(tls_context=server_tls(certificate), require_starttls=True)
    settings = SmtpSettings("127.0.0.1", controller.port, "starttls", timeout=5)  # the system CAs only
    with pytest.raises(PermanentSendError, match="certificate") as caught:
        send_test(settings, _message(store_path)[0])
    assert caught.value.key == "messaging.send.tls"


def test_starttls_asked_but_not_offered_is_permanent(store_path: Path, smtp_server) -> None:
    recorder, controller = smtp_server()
    with pytest.raises(PermanentSendError, match="STARTTLS"):
        send_test(SmtpSettings("127.0.0.1", controller.port, "starttls", timeout=5), _message(store_path)[0])
    assert recorder.arrived == []


def test_5xx_on_rcpt_is_permanent_and_the_session_goes_on(store_path: Path, smtp_server) -> None:
    recorder, controller = smtp_server()
    recorder.refuse_rcpt["gone@example.com"] = "550 5.1.1 <gone@example.com>: no such user"
    recorder.refuse_rcpt["full@example.com"] = "452 4.2.2 mailbox full"
    with SmtpSession(SmtpSettings("127.0.0.1", controller.port, "none", timeout=5)) as session:
        with pytest.raises(PermanentSendError) as permanent:
            session.send(_message(store_path, to="gone@example.com")[0])
        assert permanent.value.code == 550 and "no such user" in str(permanent.value)
        with pytest.raises(TransientSendError) as transient:
            session.send(_message(store_path, to="full@example.com")[0])
        assert transient.value.code == 452
        session.send(_message(store_path, to="ok@example.com")[0])
        assert session.connections_opened == 1
    assert [g["rcpt_tos"] for g in recorder.arrived] == [["ok@example.com"]]


def test_dropped_connection_reconnects_once_and_sends_each_message_once(store_path: Path, smtp_server) -> None:
    recorder, controller = smtp_server()
    recorder.hang_up_after_reply = True  # the server closes every connection after each message
    with SmtpSession(SmtpSettings("127.0.0.1", controller.port, "none", timeout=5)) as session:
        for n in range(3):
            session.send(_message(store_path, to=f"member{n}@example.com", message_id=f"d{n}")[0])
        assert session.connections_opened == 3
    assert [g["rcpt_tos"] for g in recorder.arrived] == [[f"member{n}@example.com"] for n in range(3)]
    assert len({g["peer"] for g in recorder.arrived}) == 3


def test_connection_lost_before_the_servers_answer_is_unknown_not_retried(store_path: Path, smtp_server) -> None:
    recorder, controller = smtp_server()
    recorder.hang_up_before_reply = True
    with SmtpSession(SmtpSettings("127.0.0.1", controller.port, "none", timeout=5)) as session:
        with pytest.raises(DeliveryUnknownError):
            session.send(_message(store_path, message_id="u1")[0])
    assert len(recorder.arrived) == 1  # the server got it once; the session did not send it again


def test_unreachable_server_is_transient() -> None:
    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    with pytest.raises(TransientSendError, match=f"127.0.0.1:{port}"):
        with SmtpSession(SmtpSettings("127.0.0.1", port, "none", timeout=2)) as session:
            session.send(build_message(
                to="a@example.com", from_name="하루상점", from_email="hello@haru-shop.example",
                rendered=templates.RenderedEmail("제목", "<p>x</p>", "x\n", ""), message_id="x1", date=SENT_AT,
                list_unsubscribe_url=None))


def test_bad_addresses_and_message_ids_are_clear_errors() -> None:
    rendered = templates.RenderedEmail("제목", "<p>x</p>", "x\n", "")
    with pytest.raises(ValueError, match="recipient e-mail 'not-an-address'"):
        build_message(to="not-an-address", from_name="a", from_email="a@b.example", rendered=rendered,
                      message_id="m1", date=SENT_AT, list_unsubscribe_url=None)
    with pytest.raises(ValueError, match="message id"):
        build_message(to="x@b.example", from_name="a", from_email="a@b.example", rendered=rendered,
                      message_id="<bad id>", date=SENT_AT, list_unsubscribe_url=None)
    with pytest.raises(ValueError, match="security"):
        SmtpSettings("127.0.0.1", 25, "ssl")


@pytest.mark.parametrize("reply, error, code", [("451 4.3.0 try again later", TransientSendError, 451),
                                                ("554 5.7.1 message refused as spam", PermanentSendError, 554)])
def test_reply_to_the_message_itself_decides_transient_or_permanent(store_path: Path, smtp_server, reply, error,
                                                                    code) -> None:
    recorder, controller = smtp_server()
    recorder.data_reply = reply
    with SmtpSession(SmtpSettings("127.0.0.1", controller.port, "none", timeout=5)) as session:
        with pytest.raises(error) as caught:
            session.send(_message(store_path)[0])
        assert caught.value.code == code and reply.split(" ", 2)[2] in str(caught.value)
        recorder.data_reply = None
        session.send(_message(store_path, message_id="after")[0])  # the same connection serves the next one
        assert session.connections_opened == 1
    assert recorder.message_ids() == ["<after@haru-shop.example>"]


def test_reconnects_only_once_when_the_server_is_gone(store_path: Path, smtp_server) -> None:
    recorder, controller = smtp_server()
    with SmtpSession(SmtpSettings("127.0.0.1", controller.port, "none", timeout=5)) as session:
        session.send(_message(store_path, message_id="first")[0])
        controller.stop()  # the idle connection drops and nobody answers a new one
        with pytest.raises(TransientSendError, match=f"127.0.0.1:{controller.port}"):
            session.send(_message(store_path, message_id="second")[0])
        assert session.connections_opened == 1
    assert recorder.message_ids() == ["<first@haru-shop.example>"]


def test_long_korean_subject_and_sender_name_with_specials_arrive_intact(store_path: Path, smtp_server) -> None:
    recorder, controller = smtp_server()
    subject = ("(광고) 김하늘님, 지난주 장바구니에 담아 두신 린넨 오버핏 셔츠와 데일리 코튼 양말 세트가 "
               "곧 품절될 수 있어요 — 오늘 자정까지 무료배송 🎁")
    name = '하루상점 "공식", 고객센터'
    rendered = templates.RenderedEmail(subject, "<html><body><p>본문</p></body></html>", "본문\n", "")
    message = build_message(to="haneul.kim@example.com", to_name="김하늘", from_name=name,
                            from_email="hello@haru-shop.example", rendered=rendered, message_id="long-1",
                            date=SENT_AT, list_unsubscribe_url=None, reply_to="help@haru-shop.example")
    send_test(SmtpSettings("127.0.0.1", controller.port, "none", timeout=5), message)
    ascii_name = build_message(to="minsu@example.com", to_name='Park, "Minsu" (VIP)', from_name="Haru Shop",
                               from_email="hello@haru-shop.example", rendered=rendered, message_id="ascii-1",
                               date=SENT_AT, list_unsubscribe_url=None)
    send_test(SmtpSettings("127.0.0.1", controller.port, "none", timeout=5), ascii_name)
    assert parse(recorder.arrived[1]["raw"])["To"].addresses[0].display_name == 'Park, "Minsu" (VIP)'
    assert recorder.arrived[1]["rcpt_tos"] == ["minsu@example.com"]
    raw = recorder.arrived[0]["raw"]
    assert raw.isascii() and all(len(line) <= 78 for line in _raw_headers(raw).split("\r\n"))
    arrived = parse(raw)
    assert arrived["Subject"] == subject
    assert arrived["From"].addresses[0].display_name == name
    assert arrived["To"].addresses[0].display_name == "김하늘"
    assert arrived["Reply-To"].addresses[0].addr_spec == "help@haru-shop.example"
    assert arrived.get_body(("plain",)).get_content().replace("\r\n", "\n") == "본문\n"


def test_console_send_test_renders_a_sample_and_explains_failures_in_korean(store_path: Path, smtp_server) -> None:
    from core.i18n import t
    from core.messaging.email import build_test_message
    from tests.messaging.words import explained_with_answer
    recorder, controller = smtp_server()
    message = build_test_message(templates.starter_template("signup"), "signup", to="ops@haru-shop.example",
                                 sender=SENDER, subject_prefix=t("messaging.test_subject_prefix", "ko"),
                                 now=SENT_AT)
    send_test(SmtpSettings("127.0.0.1", controller.port, "none", timeout=5), message)
    arrived = recorder.messages()[0]
    assert arrived["Subject"] == "[테스트] (광고) 김하늘님, 하루상점에 오신 것을 환영합니다"
    assert arrived["To"].addresses[0].addr_spec == "ops@haru-shop.example"
    assert arrived["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"

    recorder.refuse_rcpt["ops@haru-shop.example"] = "550 5.1.1 no such user"
    with pytest.raises(PermanentSendError) as caught:
        send_test(SmtpSettings("127.0.0.1", controller.port, "none", timeout=5), message)
    assert explained_with_answer(caught.value, "ko").startswith("메일 서버가 이 메일을 거부했습니다.")
    assert "550" in explained_with_answer(caught.value, "ko")
    assert "no such user" in explained_with_answer(caught.value, "en")
