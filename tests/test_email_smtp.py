"""E-mail through a real SMTP server on loopback (aiosmtpd): plain, STARTTLS and implicit TLS with AUTH."""
from __future__ import annotations

import asyncio
import datetime as dt
import email
import email.policy
import ipaddress
import re
import shutil
import socket
import ssl
import subprocess
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword

from core import templates, tracking
from core.channels.email import (DeliveryUnknownError, PermanentSendError, SmtpSession, SmtpSettings,
                                 TransientSendError, build_message, send_test)

pytestmark = pytest.mark.timeout(30)

USER, PASSWORD = "mailer", "s3cret-pass-9821"
SENDER = {"sender_name": "하루상점", "sender_email": "hello@haru-shop.example",
          "sender_contact": "서울특별시 마포구 월드컵북로 12, 02-1234-5678"}


# ---------------------------------------------------------------- a real SMTP server on loopback

class Recorder:
    """An aiosmtpd handler that keeps what arrived and can refuse or hang up on cue."""

    def __init__(self) -> None:
        self.arrived: list[dict] = []
        self.refuse_rcpt: dict[str, str] = {}
        self.hang_up_after_reply = False      # close the connection after answering DATA
        self.hang_up_before_reply = False     # close the connection instead of answering DATA

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address in self.refuse_rcpt:
            return self.refuse_rcpt[address]
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        self.arrived.append({"peer": session.peer, "mail_from": envelope.mail_from,
                             "rcpt_tos": list(envelope.rcpt_tos), "raw": envelope.original_content,
                             "authenticated": session.authenticated})
        if self.hang_up_before_reply:
            server.transport.close()
            return "250 OK"  # never reaches the client
        if self.hang_up_after_reply:
            asyncio.get_running_loop().call_soon(server.transport.close)
        return "250 OK"


class LoopbackController(Controller):
    """aiosmtpd's Controller on port 0: learn the port the OS chose before the readiness probe."""

    def _trigger_server(self) -> None:
        self.port = self.server.sockets[0].getsockname()[1]
        super()._trigger_server()


def _authenticator(server, session, envelope, mechanism, auth_data) -> AuthResult:
    ok = isinstance(auth_data, LoginPassword) and auth_data.login == USER.encode() \
        and auth_data.password == PASSWORD.encode()
    return AuthResult(success=ok, handled=False)


@pytest.fixture(scope="module")
def certificate(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """A self-signed certificate for 127.0.0.1 (cryptography if installed, else the openssl CLI)."""
    folder = tmp_path_factory.mktemp("tls")
    cert_path, key_path = folder / "cert.pem", folder / "key.pem"
    try:
        from cryptography import x509
        from cryptography.hazmat.primitives import hashes, serialization
        from cryptography.hazmat.primitives.asymmetric import ec
        from cryptography.x509.oid import NameOID
    except ImportError:
        if not shutil.which("openssl"):
            pytest.skip("neither the cryptography package nor the openssl CLI is available")
        subprocess.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
                        "-nodes", "-days", "2", "-subj", "/CN=127.0.0.1", "-addext",
                        "subjectAltName=IP:127.0.0.1,DNS:localhost", "-keyout", str(key_path),
                        "-out", str(cert_path)], check=True, capture_output=True)
        return cert_path, key_path
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = dt.datetime.now(dt.timezone.utc)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - dt.timedelta(hours=1)).not_valid_after(now + dt.timedelta(days=1))
            .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1")),
                                                        x509.DNSName("localhost")]), critical=False)
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
            .add_extension(x509.KeyUsage(digital_signature=True, key_cert_sign=True, content_commitment=False,
                                         key_encipherment=False, data_encipherment=False, key_agreement=False,
                                         crl_sign=False, encipher_only=False, decipher_only=False), critical=True)
            .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
            .sign(key, hashes.SHA256()))
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    return cert_path, key_path


def _server_tls(certificate: tuple[Path, Path]) -> ssl.SSLContext:
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(str(certificate[0]), str(certificate[1]))
    return context


@pytest.fixture
def smtp_server():
    """Start a loopback SMTP server with the given options; stopped after the test."""
    started = []

    def start(**options) -> tuple[Recorder, LoopbackController]:
        recorder = Recorder()
        controller = LoopbackController(recorder, hostname="127.0.0.1", port=0, **options)
        controller.start()
        started.append(controller)
        return recorder, controller

    yield start
    for controller in started:
        controller.stop()


# ---------------------------------------------------------------- messages

def _message(store_path: Path, to: str = "haneul.kim@example.com", message_id: str = "a1b2c3d4e5f6",
             advertising: bool = True):
    links = tracking.tracking_context(message_id, "haru", "haneul01")
    context = {**templates.sample_context("cart_abandoned"), **links}
    rendered = templates.render_email(templates.starter_template("cart_abandoned"), context,
                                      advertising=advertising, sender=SENDER)
    message = build_message(to=to, from_name=SENDER["sender_name"], from_email=SENDER["sender_email"],
                            rendered=rendered, message_id=message_id,
                            list_unsubscribe_url=links["unsubscribe_url"] if advertising else None,
                            list_unsubscribe_mailto="mailto:unsubscribe@haru-shop.example?subject=unsubscribe"
                            if advertising else None)
    return message, rendered, links


def _parse(raw: bytes) -> email.message.EmailMessage:
    return email.message_from_bytes(raw, policy=email.policy.default)


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
    arrived = _parse(raw)
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
    arrived = _parse(recorder.arrived[0]["raw"])
    assert arrived["List-Unsubscribe"] is None and arrived["List-Unsubscribe-Post"] is None
    assert not arrived["Subject"].startswith("(광고)")


def test_starttls_with_auth_reuses_one_connection(store_path: Path, smtp_server, certificate) -> None:
    recorder, controller = smtp_server(tls_context=_server_tls(certificate), require_starttls=True,
                                       auth_required=True, authenticator=_authenticator)
    settings = SmtpSettings("127.0.0.1", controller.port, "starttls", USER, PASSWORD, timeout=5,
                            ca_file=str(certificate[0]))
    with SmtpSession(settings) as session:
        for n in range(3):
            session.send(_message(store_path, to=f"member{n}@example.com", message_id=f"m{n}")[0])
        assert session.connections_opened == 1
    assert [g["rcpt_tos"] for g in recorder.arrived] == [[f"member{n}@example.com"] for n in range(3)]
    assert len({g["peer"] for g in recorder.arrived}) == 1  # one TCP connection carried all three
    assert all(g["authenticated"] for g in recorder.arrived)
    assert [_parse(g["raw"])["Message-ID"] for g in recorder.arrived] == [
        f"<m{n}@haru-shop.example>" for n in range(3)]


@pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS")
def test_implicit_tls_with_auth(store_path: Path, smtp_server, certificate) -> None:
    # aiosmtpd only counts STARTTLS as TLS for AUTH; on an implicit-TLS port the whole connection is TLS.
    recorder, controller = smtp_server(ssl_context=_server_tls(certificate), auth_required=True,
                                       auth_require_tls=False, authenticator=_authenticator)
    settings = SmtpSettings("127.0.0.1", controller.port, "tls", USER, PASSWORD, timeout=5,
                            ca_file=str(certificate[0]))
    send_test(settings, _message(store_path)[0])
    assert len(recorder.arrived) == 1 and recorder.arrived[0]["authenticated"]


def test_wrong_password_is_permanent_and_never_in_the_message(store_path: Path, smtp_server, certificate) -> None:
    _, controller = smtp_server(tls_context=_server_tls(certificate), require_starttls=True,
                                auth_required=True, authenticator=_authenticator)
    wrong = "wr0ng-Pa55word-xyz"
    settings = SmtpSettings("127.0.0.1", controller.port, "starttls", USER, wrong, timeout=5,
                            ca_file=str(certificate[0]))
    with pytest.raises(PermanentSendError) as caught:
        send_test(settings, _message(store_path)[0])
    assert caught.value.code == 535
    assert wrong not in str(caught.value) and wrong not in repr(settings)


def test_certificate_that_does_not_verify_is_permanent(store_path: Path, smtp_server, certificate) -> None:
    _, controller = smtp_server(tls_context=_server_tls(certificate), require_starttls=True)
    settings = SmtpSettings("127.0.0.1", controller.port, "starttls", timeout=5)  # the system CAs only
    with pytest.raises(PermanentSendError, match="certificate"):
        send_test(settings, _message(store_path)[0])


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
                rendered=templates.RenderedEmail("제목", "<p>x</p>", "x\n", ""), message_id="x1",
                list_unsubscribe_url=None))


def test_bad_addresses_and_message_ids_are_clear_errors() -> None:
    rendered = templates.RenderedEmail("제목", "<p>x</p>", "x\n", "")
    with pytest.raises(ValueError, match="recipient e-mail 'not-an-address'"):
        build_message(to="not-an-address", from_name="a", from_email="a@b.example", rendered=rendered,
                      message_id="m1", list_unsubscribe_url=None)
    with pytest.raises(ValueError, match="message id"):
        build_message(to="x@b.example", from_name="a", from_email="a@b.example", rendered=rendered,
                      message_id="<bad id>", list_unsubscribe_url=None)
    with pytest.raises(ValueError, match="security"):
        SmtpSettings("127.0.0.1", 25, "ssl")
