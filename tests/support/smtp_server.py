"""A real SMTP server on loopback for tests (aiosmtpd), shared by the e-mail and automation tests.

    from tests.support.smtp_server import smtp_server, certificate  # pytest fixtures, imported into the test module

    def test_x(smtp_server):
        recorder, controller = smtp_server()              # plain SMTP on 127.0.0.1:<controller.port>
        ...
        assert recorder.message_ids() == ["<m1@shop.example>"]

`smtp_server(**options)` passes options to aiosmtpd's Controller: `tls_context=server_tls(certificate)`
with `require_starttls=True` for STARTTLS, `ssl_context=...` for implicit TLS, `auth_required=True`
with `authenticator=authenticator(USER, PASSWORD)` for AUTH. The Recorder can refuse recipients,
answer DATA with a chosen reply, hang up before or after its answer, and be slowed down (`delay_s`) so a
crash test can kill a sender mid-conversation. Without pytest: `with running_smtp() as (recorder, controller)`.
"""
from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import email
import email.policy
import ipaddress
import shutil
import ssl
import subprocess
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword

USER, PASSWORD = "mailer", "s3cret-pass-9821"


class Recorder:
    """An aiosmtpd handler that keeps what arrived and can refuse, stall or hang up on cue.

    With `pipelining` (class-wide, so a test module can run every test both ways) it offers PIPELINING
    (RFC 2920); aiosmtpd reads commands line by line from its stream, so pipelined ones are answered in order.
    """

    pipelining = False

    async def handle_EHLO(self, server, session, envelope, hostname, responses):
        session.host_name = hostname
        if not self.pipelining:
            return responses
        return responses[:-1] + ["250-PIPELINING", responses[-1]]

    def __init__(self) -> None:
        self.arrived: list[dict] = []
        self.refuse_rcpt: dict[str, str] = {}   # address -> reply, e.g. "550 5.1.1 no such user"
        self.data_reply: str | None = None      # answer DATA with this instead of 250 (nothing is kept)
        self.hang_up_after_reply = False        # close the connection after answering DATA
        self.hang_up_before_reply = False       # keep the message, close instead of answering DATA
        self.delay_s = 0.0                      # wait this long before answering DATA
        self._guard = threading.Lock()

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address in self.refuse_rcpt:
            return self.refuse_rcpt[address]
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        if self.delay_s:
            await asyncio.sleep(self.delay_s)
        if self.data_reply:
            return self.data_reply
        with self._guard:
            self.arrived.append({"peer": session.peer, "mail_from": envelope.mail_from,
                                 "rcpt_tos": list(envelope.rcpt_tos), "raw": envelope.original_content,
                                 "authenticated": session.authenticated})
        if self.hang_up_before_reply:
            server.transport.close()
            return "250 OK"  # never reaches the client
        if self.hang_up_after_reply:
            asyncio.get_running_loop().call_soon(server.transport.close)
        return "250 OK"

    def messages(self) -> list[email.message.EmailMessage]:
        with self._guard:
            return [parse(a["raw"]) for a in self.arrived]

    def message_ids(self) -> list[str]:
        return [m["Message-ID"] for m in self.messages()]


class LoopbackController(Controller):
    """aiosmtpd's Controller on port 0: learn the port the OS chose before its readiness probe."""

    def _trigger_server(self) -> None:
        self.port = self.server.sockets[0].getsockname()[1]
        super()._trigger_server()


def authenticator(user: str = USER, password: str = PASSWORD):
    """An aiosmtpd authenticator accepting one login (LOGIN and PLAIN)."""
    def check(server, session, envelope, mechanism, auth_data) -> AuthResult:
        ok = isinstance(auth_data, LoginPassword) and auth_data.login == user.encode() \
            and auth_data.password == password.encode()
        return AuthResult(success=ok, handled=False)
    return check


def make_certificate(folder: Path) -> tuple[Path, Path]:
    """A self-signed certificate for 127.0.0.1 and localhost: (cert.pem, key.pem).

    Uses the `cryptography` package if installed, else the openssl command; skips the test if neither.
    """
    folder.mkdir(parents=True, exist_ok=True)
    cert_path, key_path = folder / "cert.pem", folder / "key.pem"
    try:
        from cryptography import x509
        from cryptography.hazmat.primitives import hashes, serialization
        from cryptography.hazmat.primitives.asymmetric import ec
        from cryptography.x509.oid import NameOID
    except ImportError:
        if not shutil.which("openssl"):
            pytest.skip("neither the cryptography package nor the openssl command is available")
        subprocess.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
                        "-nodes", "-days", "2", "-subj", "/CN=127.0.0.1", "-addext",
                        "subjectAltName=IP:127.0.0.1,DNS:localhost", "-keyout", str(key_path),
                        "-out", str(cert_path)], check=True, capture_output=True)
        return cert_path, key_path
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = dt.datetime.now(dt.UTC)  # certificate validity is real time, not the console's clock
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


def server_tls(certificate: tuple[Path, Path]) -> ssl.SSLContext:
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(str(certificate[0]), str(certificate[1]))
    return context


def parse(raw: bytes) -> email.message.EmailMessage:
    """A message as it arrived, decoded (RFC 2047 headers become Korean text again)."""
    return email.message_from_bytes(raw, policy=email.policy.default)


@contextlib.contextmanager
def running_smtp(**options) -> Iterator[tuple[Recorder, LoopbackController]]:
    recorder = Recorder()
    controller = LoopbackController(recorder, hostname="127.0.0.1", port=0, **options)
    controller.start()
    try:
        yield recorder, controller
    finally:
        if controller._thread is not None:  # a test may have stopped it already
            controller.stop()


@pytest.fixture(scope="module")
def certificate(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    return make_certificate(tmp_path_factory.mktemp("tls"))


@pytest.fixture
def smtp_server():
    """`start(**options) -> (recorder, controller)`; every server started is stopped after the test."""
    with contextlib.ExitStack() as stack:
        yield lambda **options: stack.enter_context(running_smtp(**options))
