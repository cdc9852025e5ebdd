"""The sandbox mailbox: a real SMTP server on loopback that keeps every message it accepts as one `.eml` file.

`./start` runs it (`python -m core mailbox`) and the sandbox shop's sender points at it, so a newcomer's
automations send real mail, over the product's own SMTP client, with no credentials; the console's
샌드박스 메일함 page shows what arrived.

What it follows:
- aiosmtpd (https://aiosmtpd.aio-libs.org/en/latest/handlers.html): the protocol is aiosmtpd's; this module
  is its handler. `handle_DATA` gets the envelope with the message's bytes as received
  (`envelope.original_content`, dot-unstuffed, never decoded) and returns the reply. aiosmtpd answers
  malformed commands itself (500/501) and turns an exception in a handler into a 500 reply, so garbage from
  a client ends that client's transaction, never the server.
- RFC 5321 §4.4: the server that delivers a message adds `Return-Path:` with the envelope sender at the top;
  the envelope recipients go above it too, as `Delivered-To:` (the header Postfix and Dovecot write), since
  a message's To header need not name them.
- RFC 5322 / `.eml`: the file is the message as it arrived, CRLF line endings kept, so any mail client
  opens it.

Files are named `<UTC arrival, microseconds>-<counter>-<random>.eml`: the names sort by arrival (the counter
orders two messages of the same microsecond in one process; the random part keeps two processes apart).
Each is written to a hidden temporary file and renamed into place, so a reader never sees half a message.
"""
from __future__ import annotations

import asyncio
import datetime as dt
import itertools
import logging
import os
import re
import signal
import threading
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

from aiosmtpd.smtp import SMTP, Envelope, Session

from core.config import MAILBOX_PORT

log = logging.getLogger(__name__)

HOST = "127.0.0.1"
SUFFIX = ".eml"
MAX_MESSAGE_BYTES = 32 * 1024 * 1024   # aiosmtpd's default SIZE limit, said in EHLO (RFC 1870)
_NAME = re.compile(r"(\d{8}T\d{6}\.\d{6}Z)-\d{6}-[0-9a-f]{8}\.eml")
_TIME_FORMAT = "%Y%m%dT%H%M%S.%fZ"
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
_counter = itertools.count(1)
_counter_lock = threading.Lock()


def directory_for(store_path: Path) -> Path:
    """Where the mailbox keeps messages: `mailbox/` beside the store (data/mailbox/ by default)."""
    return store_path.with_name("mailbox")


# ------------------------------------------------------------------ the files

def file_name(arrived_at: dt.datetime) -> str:
    with _counter_lock:
        n = next(_counter) % 1_000_000
    return f"{arrived_at.astimezone(dt.UTC).strftime(_TIME_FORMAT)}-{n:06d}-{uuid.uuid4().hex[:8]}{SUFFIX}"


def arrival_time(name: str) -> dt.datetime | None:
    """When the message in file `name` arrived (UTC), read from its name; None for a name not the mailbox's."""
    match = _NAME.fullmatch(name)
    if match is None:
        return None
    return dt.datetime.strptime(match.group(1), _TIME_FORMAT).replace(tzinfo=dt.UTC)


def _trace(mail_from: str | None, rcpt_tos: list[str]) -> bytes:
    def clean(address: str | None) -> str:
        return _CONTROL.sub("", address or "")
    lines = [f"Return-Path: <{clean(mail_from)}>"] + [f"Delivered-To: {clean(r)}" for r in rcpt_tos]
    return "".join(line + "\r\n" for line in lines).encode("utf-8", "replace")


def keep(directory: Path, data: bytes, *, mail_from: str | None, rcpt_tos: list[str],
         arrived_at: dt.datetime) -> Path:
    """Write one arrived message as `directory/<name>.eml`, atomically; returns its path."""
    directory.mkdir(parents=True, exist_ok=True)
    name = file_name(arrived_at)
    tmp = directory / f".{name}.tmp"
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(_trace(mail_from, rcpt_tos))
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        path = directory / name
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return path


def names(directory: Path, limit: int | None = None) -> list[str]:
    """The mailbox's message files, newest first (at most `limit`); none when the folder does not exist yet."""
    try:
        found = sorted((n for n in os.listdir(directory) if _NAME.fullmatch(n)), reverse=True)
    except FileNotFoundError:
        return []
    return found if limit is None else found[:limit]


def read(directory: Path, name: str) -> bytes | None:
    """The bytes of message `name`; None when it is gone or `name` is not one of the mailbox's file names
    (so a name from a page can never reach a file outside the folder)."""
    if not _NAME.fullmatch(name):
        return None
    try:
        return (directory / name).read_bytes()
    except FileNotFoundError:
        return None


# ------------------------------------------------------------------ the server

class Keeper:
    """aiosmtpd's handler: every message accepted becomes one file; a message that cannot be kept is
    refused with a transient 451, so the sender keeps it and tries again."""

    def __init__(self, directory: Path, now: Callable[[], dt.datetime] | None = None) -> None:
        self.directory = directory
        # The arrival time is the wall clock's: the mailbox records when a message really came in.
        self._now = now or (lambda: dt.datetime.now(dt.UTC))

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:  # noqa: N802 (aiosmtpd)
        data = envelope.original_content if envelope.original_content is not None else envelope.content
        if isinstance(data, str):
            data = data.encode("utf-8", "surrogateescape")
        try:
            path = keep(self.directory, data or b"", mail_from=envelope.mail_from, rcpt_tos=list(envelope.rcpt_tos),
                        arrived_at=self._now())
        except OSError as exc:
            log.error("mailbox could not keep a message from %s: %s", envelope.mail_from, exc)
            return "451 4.3.0 The sandbox mailbox could not store the message; try again later"
        log.info("kept %s from %s to %s (%d bytes)", path.name, envelope.mail_from, ", ".join(envelope.rcpt_tos),
                 len(data or b""))
        return f"250 2.0.0 Kept as {path.name}"

    async def handle_exception(self, error: Exception) -> str:
        log.error("mailbox session failed: %s: %s", type(error).__name__, error)
        return "500 5.0.0 The sandbox mailbox could not handle that"


def _protocol(directory: Path) -> Callable[[], SMTP]:
    keeper = Keeper(directory)

    def make() -> SMTP:
        return SMTP(keeper, hostname="sandbox-mailbox", ident="sandbox mailbox (aiosmtpd)", decode_data=False,
                    enable_SMTPUTF8=True, data_size_limit=MAX_MESSAGE_BYTES)
    return make


class MailboxServer:
    """The mailbox served from a thread of this process (tests; any caller that owns a loop of its own).

    `with MailboxServer(dir, port=0) as server: server.port` — port 0 lets the OS choose a free one.
    """

    def __init__(self, directory: Path, host: str = HOST, port: int = MAILBOX_PORT) -> None:
        self.directory = directory
        self.host = host
        self.port = port
        self._loop: asyncio.AbstractEventLoop | None = None
        self._server: asyncio.base_events.Server | None = None
        self._thread: threading.Thread | None = None

    def start(self) -> MailboxServer:
        loop = asyncio.new_event_loop()
        try:
            self._server = loop.run_until_complete(loop.create_server(_protocol(self.directory), self.host,
                                                                      self.port))
        except BaseException:
            loop.close()
            raise
        self._loop = loop
        self.port = self._server.sockets[0].getsockname()[1]
        self._thread = threading.Thread(target=loop.run_forever, name="sandbox-mailbox", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        loop, server, thread = self._loop, self._server, self._thread
        if loop is None or server is None or thread is None:
            return
        loop.call_soon_threadsafe(server.close)
        loop.call_soon_threadsafe(loop.stop)
        thread.join(timeout=10)
        for task in asyncio.all_tasks(loop):
            task.cancel()
        loop.run_until_complete(asyncio.sleep(0))
        loop.close()
        self._loop = self._server = self._thread = None

    def __enter__(self) -> MailboxServer:
        return self.start()

    def __exit__(self, *exc: Any) -> None:
        self.stop()


def serve(directory: Path, host: str = HOST, port: int = MAILBOX_PORT,
          ready: Callable[[str], None] = print) -> None:
    """Serve in the foreground until SIGTERM or SIGINT (`python -m core mailbox`); `ready` gets one line
    saying where it listens once it does. Raises OSError when the port cannot be bound."""
    asyncio.run(_serve(directory, host, port, ready))


async def _serve(directory: Path, host: str, port: int, ready: Callable[[str], None]) -> None:
    loop = asyncio.get_running_loop()
    stopping = asyncio.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stopping.set)
    server = await loop.create_server(_protocol(directory), host, port)
    bound = server.sockets[0].getsockname()[1]
    ready(f"sandbox mailbox on {host}:{bound}, keeping each message as an .eml file in {directory}")
    await stopping.wait()
    server.close()
    try:  # a client still connected must not hold the stop up
        await asyncio.wait_for(server.wait_closed(), timeout=2)
    except TimeoutError:
        pass
