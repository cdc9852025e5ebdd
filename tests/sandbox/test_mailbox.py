"""The sandbox mailbox over real SMTP on loopback: every accepted message becomes one .eml file, named so the
files sort by arrival; garbage never stops it; `python -m core mailbox` receives what the product's own SMTP
client sends; `init --sandbox-url` points the sandbox shop's sender at it, never over the user's sender."""
from __future__ import annotations

import datetime as dt
import email
import email.policy
import signal
import smtplib
import socket
import subprocess
import sys
import time
from email.message import EmailMessage
from pathlib import Path

import pytest

from core import clock
from core.automations import manage
from core.messaging.email import SmtpSession, SmtpSettings, build_message
from core.messaging.templates import RenderedEmail
from core.sandbox import mailbox
from core.sandbox.mailbox import MailboxServer
from core.sandbox.setup import connect_sandbox, preset_sender
from core.shops.registry import save_shop
from tests.conftest import ROOT, python_env
from tests.support.browser_support import free_port
from tests.support.fakes.cafe24 import start as start_sandbox

pytestmark = pytest.mark.timeout(60)
KST = dt.timezone(dt.timedelta(hours=9))


def parsed(path: Path) -> EmailMessage:
    return email.message_from_bytes(path.read_bytes(), policy=email.policy.default)  # type: ignore[return-value]


def kept(directory: Path) -> list[Path]:
    return sorted(directory.glob("*.eml"))


def message(subject: str, to: str = "minji@example.com") -> EmailMessage:
    m = EmailMessage()
    m["From"] = "샌드박스 쇼핑몰 <hello@sandbox-shop.example>"
    m["To"] = to
    m["Subject"] = subject
    m.set_content(f"{subject} 본문이에요.")
    return m


@pytest.fixture
def server(tmp_path: Path):
    with MailboxServer(tmp_path / "mailbox", port=0) as s:
        yield s


def test_two_messages_become_two_eml_files_in_arrival_order_with_their_korean_subjects(server: MailboxServer) -> None:
    with smtplib.SMTP("127.0.0.1", server.port, timeout=10) as smtp:
        smtp.send_message(message("(광고) 첫 번째 메일: 가입을 환영해요 🎉"))
        smtp.send_message(message("두 번째 메일 — 장바구니에 담긴 상품", to="jisoo@example.com"))
    files = kept(server.directory)
    assert len(files) == 2
    assert [p.name for p in files] == mailbox.names(server.directory)[::-1]   # names() is newest first
    first, second = (parsed(p) for p in files)
    assert first["Subject"] == "(광고) 첫 번째 메일: 가입을 환영해요 🎉"
    assert second["Subject"] == "두 번째 메일 — 장바구니에 담긴 상품"
    # the envelope is kept above the message (RFC 5321 §4.4), and the message itself is as it arrived
    assert second["Return-Path"] == "<hello@sandbox-shop.example>"
    assert second["Delivered-To"] == "jisoo@example.com"
    assert second.get_content().strip() == "두 번째 메일 — 장바구니에 담긴 상품 본문이에요."
    arrived = [mailbox.arrival_time(p.name) for p in files]
    assert all(a is not None and a.tzinfo is not None for a in arrived) and arrived[0] <= arrived[1]  # type: ignore
    assert not list(server.directory.glob(".*"))   # no temporary file left behind


def test_many_messages_on_one_connection_keep_their_order(server: MailboxServer) -> None:
    with smtplib.SMTP("127.0.0.1", server.port, timeout=10) as smtp:
        for n in range(25):
            smtp.send_message(message(f"순서 {n:02d}"))
    assert [parsed(p)["Subject"] for p in kept(server.directory)] == [f"순서 {n:02d}" for n in range(25)]


def test_garbage_and_a_malformed_message_never_stop_it(server: MailboxServer) -> None:
    with socket.create_connection(("127.0.0.1", server.port), timeout=10) as raw:
        raw.recv(1024)
        raw.sendall(b"\xff\xfe\x00 not smtp at all\r\nHELO \xc3\x28\r\nMAIL FROM:<<<>>>\r\n" + b"A" * 5000 + b"\r\n")
        time.sleep(0.3)
        replies = raw.recv(65536)
    assert replies.startswith(b"5")          # refused in words of the protocol, the connection's business only

    with socket.create_connection(("127.0.0.1", server.port), timeout=10) as raw:   # a client that vanishes mid-DATA
        raw.recv(1024)
        raw.sendall(b"EHLO x\r\nMAIL FROM:<a@example.com>\r\nRCPT TO:<b@example.com>\r\nDATA\r\nhalf a mes")

    with smtplib.SMTP("127.0.0.1", server.port, timeout=10) as smtp:   # no headers, binary junk, a bare body
        smtp.sendmail("junk@example.com", ["b@example.com"], b"\x00\x01\x02\xff\xfe not a message\r\n\r\n:::")
        smtp.send_message(message("그래도 도착했어요"))
    files = kept(server.directory)
    assert len(files) == 2
    assert b"not a message" in files[0].read_bytes()
    assert parsed(files[1])["Subject"] == "그래도 도착했어요"


def test_a_message_it_cannot_store_is_refused_for_later_and_the_server_goes_on(tmp_path: Path) -> None:
    blocked = tmp_path / "blocked"
    blocked.write_text("a file where the folder should be")
    with MailboxServer(blocked, port=0) as server, smtplib.SMTP("127.0.0.1", server.port, timeout=10) as smtp:
        with pytest.raises(smtplib.SMTPDataError) as refused:
            smtp.send_message(message("못 받아요"))
        assert refused.value.smtp_code == 451      # transient: the sender keeps it and tries again
        assert smtp.noop()[0] == 250


def test_a_file_name_from_elsewhere_never_reads_outside_the_folder(tmp_path: Path) -> None:
    (tmp_path / "secret.eml").write_text("x")
    assert mailbox.read(tmp_path / "mailbox", "../secret.eml") is None
    assert mailbox.arrival_time("../secret.eml") is None


@pytest.mark.slow
def test_the_command_keeps_what_the_products_own_smtp_client_sends(tmp_path: Path) -> None:
    port, folder = free_port(), tmp_path / "inbox"
    proc = subprocess.Popen([sys.executable, "-m", "core", "mailbox", "--port", str(port), "--dir", str(folder)],
                            env=python_env(tmp_path / "console.duckdb"), cwd=ROOT, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)
    try:
        assert f"127.0.0.1:{port}" in (proc.stdout.readline() if proc.stdout else "")
        rendered = RenderedEmail(subject="(광고) 민지님, 가입을 환영해요", preheader="",
                                 html="<p>안녕하세요 <a href=\"http://127.0.0.1:8625/c/x\">쇼핑하기</a></p>",
                                 text="안녕하세요")
        sent = build_message(to="minji@example.com", to_name="김민지", from_name="샌드박스 쇼핑몰",
                             from_email="hello@sandbox-shop.example", rendered=rendered, message_id="m-0001",
                             date=dt.datetime(2026, 1, 10, 9, 0, tzinfo=KST),
                             list_unsubscribe_url="http://127.0.0.1:8625/u/token")
        with SmtpSession(SmtpSettings(host="127.0.0.1", port=port, security="none")) as session:
            session.send(sent)
        [path] = kept(folder)
        got = parsed(path)
        assert got["Subject"] == "(광고) 민지님, 가입을 환영해요"
        assert got["Message-ID"] == "<m-0001@sandbox-shop.example>"
        assert got["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
        assert got.get_body(preferencelist=("html",)).get_content().startswith("<p>안녕하세요")  # type: ignore
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=10) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()


def test_the_command_says_when_its_port_is_taken(tmp_path: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        done = subprocess.run([sys.executable, "-m", "core", "mailbox", "--port", str(port), "--dir",
                               str(tmp_path / "m")], env=python_env(tmp_path / "console.duckdb"), cwd=ROOT,
                              capture_output=True, text=True, timeout=30)
    assert done.returncode == 1
    assert f"cannot listen on 127.0.0.1:{port}" in done.stderr and "SANDBOX_SMTP_PORT" in done.stderr


def sender_row(store, shop_id: str) -> dict:
    return store.frame("SELECT * FROM sender_settings WHERE shop_id = $s", {"s": shop_id}).to_dicts()[0]


def test_the_sandbox_shops_sender_points_at_the_mailbox_only_when_it_has_none(store, fixed_clock) -> None:
    save_shop(store, "sandbox", "cafe24", "샌드박스 쇼핑몰", settings={"mall_id": "sandbox"})
    assert preset_sender(store, "sandbox", 8626, now=clock.now()) is True
    row = sender_row(store, "sandbox")
    assert (row["smtp_host"], row["smtp_port"], row["smtp_security"], row["smtp_username"]) == \
        ("127.0.0.1", 8626, "none", None)
    assert row["sender_name"] == "샌드박스 쇼핑몰" and row["sender_email"].endswith(".example")
    assert "고객센터" in row["sender_contact"]

    manage.save_sender_settings(store, "sandbox", now=clock.now(), sender_name="우리 가게",
                                sender_email="me@our-shop.example", sender_contact="02-555-0000",
                                smtp_host="smtp.our-shop.example", smtp_port=587, smtp_security="starttls",
                                smtp_username="me")
    assert preset_sender(store, "sandbox", 9999, now=clock.now()) is False   # the user's sender stays as saved
    row = sender_row(store, "sandbox")
    assert (row["sender_name"], row["smtp_host"], row["smtp_port"]) == ("우리 가게", "smtp.our-shop.example", 587)


def test_connecting_the_sandbox_presets_its_sender_to_the_configured_mailbox_port(store, monkeypatch) -> None:
    monkeypatch.setenv("SANDBOX_SMTP_PORT", "21299")
    sandbox = start_sandbox(members=50, at=dt.datetime(2026, 1, 10, 9, 0, tzinfo=KST))
    try:
        connect_sandbox(store, sandbox.url)
        assert sender_row(store, "sandbox")["smtp_port"] == 21299
        monkeypatch.setenv("SANDBOX_SMTP_PORT", "21298")
        connect_sandbox(store, sandbox.url)                          # `./start` again: the sender is kept
        assert sender_row(store, "sandbox")["smtp_port"] == 21299
    finally:
        sandbox.stop()
