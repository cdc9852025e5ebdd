"""E-mail over SMTP: building the message and handing it to the shop's mail server.

Where the rules come from:
- RFC 5321 (SMTP): reply codes 4xx are transient, 5xx permanent; the message's
  content goes only after DATA's 354, so we know whether the server already has it.
- RFC 2920 (PIPELINING): when the server offers it, MAIL, RCPT and DATA go in one
  write and their replies are read in order (2 round trips a message, not 4).
- RFC 3207 (STARTTLS) and RFC 8314 (implicit TLS, "tls"); certificates are
  verified against the system store or `ca_file`.
- RFC 2047 §2, §5: Korean subjects and sender names go out as 'B' encoded words
  of at most 75 characters, split between characters (`encoded_words`), so no
  SMTPUTF8 support is needed on the server; bodies are base64 (RFC 2045 §6.8).
- RFC 2369 / RFC 8058: List-Unsubscribe with an https URI (and optionally
  mailto:) and List-Unsubscribe-Post: List-Unsubscribe=One-Click. These two
  headers are folded only between URIs, never RFC 2047-encoded (the stdlib
  folder would otherwise encode a long URI and break it).

No store here: `EmailChannel` (at the end) is e-mail's side of the one dispatch loop
(core.messaging.dispatch), which claims what to send and records the outcome through
core.messaging.outbox. Errors carry a key and params (`messaging.send.<reason>`,
`messaging.smtp.*`, `messaging.email.*`) for the console's words; none carries the password.
"""
from __future__ import annotations

import base64
import dataclasses
import datetime as dt
import email.policy
import functools
import json
import re
import smtplib
import socket
import ssl
import uuid
from collections.abc import Callable, Iterable, Mapping, Sequence
from email.generator import BytesGenerator
from email.headerregistry import HeaderRegistry
from email.message import EmailMessage
from email.parser import BytesParser
from email.utils import format_datetime, formataddr
from io import BytesIO
from pathlib import Path
from typing import Any

import duckdb
import polars as pl

from core.errors import CoreError, ErrorRecord, InvalidInput, Kind
from core.messaging.dispatch import Delivery, LaneUnavailable
from core.messaging.outbox import Claimed, Journal, Outcome, State
from core.messaging.templates import RenderedEmail

SECURITIES = ("none", "starttls", "tls")
_UNFOLDED_HEADERS = {"list-unsubscribe", "list-unsubscribe-post"}
_MESSAGE_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._+=-]{0,200}")
_NEWLINE = re.compile(r"\r\n|\r|\n")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
_ADDRESS = re.compile(r"[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)+")


class _MailPolicy(email.policy.EmailPolicy):
    """SMTP line endings, 7-bit bodies (base64, no 8BITMIME needed), URI lists kept as URIs.

    Speed: the stdlib's header objects cost ~0.1 ms to parse and up to 1 ms to fold each.
    build_message folds its headers, already in their 7-bit wire form (Korean as RFC 2047
    encoded words, made by `encoded_words`), with `fold_binary` below: plain ASCII values
    stay as they are, folded only between words. For an EmailMessage built elsewhere, such
    values are kept unparsed until someone reads them (`msg["From"].addresses` works as ever).
    """

    def header_store_parse(self, name: str, value: Any) -> tuple[str, Any]:
        # Not the MIME headers: the generator reads those again and again, and a raw value is re-parsed per read.
        if (type(value) is str and value.isascii() and not _CONTROL.search(value)
                and not name.lower().startswith(("content-", "mime-"))):
            return (name, value)
        return super().header_store_parse(name, value)

    def fold(self, name: str, value: str) -> str:
        if name.lower() in _UNFOLDED_HEADERS:
            return self._fold_uri_list(name, value)
        return super().fold(name, value)

    def fold_binary(self, name: str, value: str) -> bytes:
        if name.lower() in _UNFOLDED_HEADERS:
            return self._fold_uri_list(name, value).encode("ascii")
        if type(value) is str and value.isascii() and not _CONTROL.search(value):
            folded = _fold_words(name, value, self.linesep)
            if folded is not None:
                return folded.encode("ascii")
        return super().fold_binary(name, value)

    def _fold_uri_list(self, name: str, value: str) -> str:
        parts = [p.strip() for p in str(value).split(",")]
        return f"{name}: " + ("," + self.linesep + " ").join(parts) + self.linesep


def _fold_words(name: str, value: str, linesep: str, width: int = 78) -> str | None:
    """`Name: value` folded at spaces into lines of at most `width`; None if a word is too long for that."""
    lines, line = [], f"{name}:"
    for word in value.split(" "):
        if len(line) + 1 + len(word) <= width:
            line += " " + word
        elif len(word) + 1 <= width and line != f"{name}:":
            lines.append(line)
            line = " " + word
        else:
            return None
    return linesep.join(lines + [line]) + linesep


def encoded_words(text: str) -> str:
    """RFC 2047 'B' encoded words for non-ASCII header text, each at most 64 characters, split between
    characters (never inside one); ASCII text without '=?' comes back as it is."""
    if text.isascii() and "=?" not in text:
        return text
    words: list[str] = []
    chunk: list[str] = []
    size = 0
    for char in text:
        n = len(char.encode("utf-8"))
        if size + n > 39:  # 39 bytes -> 52 base64 characters + 12 of =?utf-8?b??= = 64, so "Subject: " fits
            words.append("".join(chunk))
            chunk, size = [], 0
        chunk.append(char)
        size += n
    words.append("".join(chunk))
    return " ".join(f"=?utf-8?b?{base64.b64encode(w.encode('utf-8')).decode('ascii')}?=" for w in words if w)


class _HeaderClasses(HeaderRegistry):
    """The stdlib registry builds a new class for every header it makes (type(...) per call, ~80 µs):
    build each once."""

    def __init__(self) -> None:
        super().__init__()
        self._made: dict[str, type] = {}

    def __getitem__(self, name: str) -> type:
        key = name.lower()
        made = self._made.get(key)
        if made is None:
            made = self._made[key] = super().__getitem__(name)
        return made


POLICY = _MailPolicy(linesep="\r\n", cte_type="7bit", utf8=False, header_factory=_HeaderClasses())


# ---------------------------------------------------------------- errors

class SendError(CoreError):
    """A message was not handed over, keyed `messaging.send.<reason>` for the console's words.

    `reason`: auth, tls, no_starttls, no_auth, unreachable, refused, temporary, unknown; it decides
    the kind (whether a retry can help). Params: `server` (host:port) and `code`, the SMTP reply code
    when there was one. `detail` carries the server's own answer, never the password.
    """

    default_reason = "temporary"
    _KINDS = {"auth": Kind.AUTH, "tls": Kind.INVALID, "no_starttls": Kind.INVALID, "no_auth": Kind.INVALID,
              "unreachable": Kind.UNREACHABLE, "refused": Kind.INVALID, "temporary": Kind.UPSTREAM,
              "unknown": Kind.UNKNOWN_OUTCOME}

    def __init__(self, detail: str, *, server: str, code: int | None = None, reason: str | None = None) -> None:
        self.reason = reason or self.default_reason
        self.code = code
        super().__init__(f"messaging.send.{self.reason}", detail=detail, kind=self._KINDS[self.reason],
                         server=server, code=code)


class TransientSendError(SendError):
    """Try again later: a 4xx reply, a refused or dropped connection, a timeout."""


class PermanentSendError(SendError):
    """Retrying will not help: a 5xx reply, bad credentials, a TLS certificate that does not verify."""

    default_reason = "refused"


class DeliveryUnknownError(SendError):
    """The connection was lost after the whole message was sent and before the server's answer.

    The server may have accepted it, so it must not be sent again automatically:
    the dispatcher marks it `unknown` for the operator. Deliberately neither
    transient nor permanent, so a generic retry cannot resend it.
    """

    default_reason = "unknown"


class EmailInvalid(InvalidInput, ValueError):
    """Settings or a message that cannot be sent as given (an address, a header, a port); keyed
    `messaging.smtp.*` or `messaging.email.*`, with the offending value in the params."""


# ---------------------------------------------------------------- settings

@dataclasses.dataclass(frozen=True)
class SmtpSettings:
    host: str
    port: int
    security: str = "starttls"            # none | starttls | tls
    username: str | None = None
    password: str | None = dataclasses.field(default=None, repr=False)
    timeout: float = 10
    ca_file: str | None = None            # trust this CA (a private CA; tests' self-signed certificate)
    helo_name: str | None = None          # our name in EHLO; default: this host's name

    def __post_init__(self) -> None:
        if self.security not in SECURITIES:
            raise EmailInvalid("messaging.smtp.security_unknown", security=self.security, known=", ".join(SECURITIES),
                               detail=f"SMTP security '{self.security}' is not one of {', '.join(SECURITIES)}")
        if not self.host:
            raise EmailInvalid("messaging.smtp.host_empty", detail="SMTP host is empty")
        if not 0 < int(self.port) < 65536:
            raise EmailInvalid("messaging.smtp.port_range", port=self.port,
                               detail=f"SMTP port {self.port} is not between 1 and 65535")
        if self.password and not self.username:
            raise EmailInvalid("messaging.smtp.password_without_username",
                               detail="an SMTP password was given without a username")


# ---------------------------------------------------------------- building the message

_ROLES = {"sender": "sender e-mail", "recipient": "recipient e-mail", "reply_to": "reply-to e-mail"}


def _address(addr: str, role: str, display_name: str | None = None) -> str:
    """`addr` checked, with its display name in wire form (encoded words, or quoted if ASCII needs it).

    `role`: sender, recipient or reply_to."""
    what = _ROLES[role]
    addr = (addr or "").strip()
    if not _ADDRESS.fullmatch(addr):
        raise EmailInvalid(f"messaging.email.bad_address.{role}", address=addr,
                           detail=f"{what} '{addr}' is not an e-mail address (ASCII user@domain)")
    name = " ".join((display_name or "").split())
    if display_name and re.search(r"[\r\n]", display_name):
        raise EmailInvalid(f"messaging.email.name_line_break.{role}", detail=f"{what} name contains a line break")
    if not name:
        return addr
    if name.isascii() and "=?" not in name:
        return formataddr((name, addr))  # quotes a name with specials such as , or "
    return f"{encoded_words(name)} <{addr}>"


@dataclasses.dataclass(frozen=True)
class OutgoingMessage:
    """A message ready for SMTP: its envelope and the bytes of DATA (CRLF lines, 7-bit, not yet dot-stuffed).

    `msg["Subject"]` and `parsed()` read it back through the stdlib parser, for the console and tests.
    """

    envelope_from: str
    recipients: tuple[str, ...]
    data: bytes

    def as_bytes(self) -> bytes:
        return self.data

    @functools.cached_property
    def _parsed(self) -> EmailMessage:
        return BytesParser(policy=email.policy.default).parsebytes(self.data)

    def parsed(self) -> EmailMessage:
        return self._parsed

    def __getitem__(self, name: str) -> Any:
        return self._parsed[name]


def _header(name: str, value: str) -> bytes:
    """`Name: value` folded as the stdlib generator folds it under POLICY (same bytes), ending in CRLF."""
    if "\r" in value or "\n" in value:
        raise EmailInvalid("messaging.email.header_line_break", header=name,
                           detail=f"the {name} header contains a line break")
    if value.isascii() and not _CONTROL.search(value):
        return POLICY.fold_binary(name, value)  # wire-form value: folded between words (or URIs)
    return POLICY.fold_binary(name, POLICY.header_factory(name, value))


def _base64_part(boundary: str, subtype: str, text: str) -> bytes:
    # What EmailMessage.set_content(text, cte="base64") writes: the text's lines joined with CRLF and
    # ended with one, base64 in lines of 76 characters (57 bytes each, as base64.encodebytes cuts them).
    body = base64.b64encode(b"\r\n".join(text.encode("utf-8").splitlines()) + b"\r\n")
    return b"\r\n".join([(f"--{boundary}\r\nContent-Type: text/{subtype}; charset=\"utf-8\"\r\n"
                           "Content-Transfer-Encoding: base64\r\n").encode("ascii"),
                          *(body[i:i + 76] for i in range(0, len(body), 76)), b""])


def build_message(*, to: str, from_name: str, from_email: str, rendered: RenderedEmail, message_id: str,
                  date: dt.datetime, list_unsubscribe_url: str | None, list_unsubscribe_mailto: str | None = None,
                  to_name: str | None = None, reply_to: str | None = None,
                  extra_headers: Sequence[tuple[str, str]] = ()) -> OutgoingMessage:
    """A multipart/alternative (text, then HTML) message ready for `SmtpSession.send`.

    `date` is the Date header (the time it is sent). Give `list_unsubscribe_url` for advertising: it adds
    List-Unsubscribe (with the optional mailto) and List-Unsubscribe-Post for one-click (RFC 8058).

    Speed: the bytes are written here directly, the way email.message + BytesGenerator under
    POLICY would write them (headers folded by the same policy code), at a fraction of the cost
    (~0.1 ms instead of ~2 ms a message, which was most of the dispatcher's time).
    """
    if not _MESSAGE_ID.fullmatch(message_id or ""):
        raise EmailInvalid("messaging.email.bad_message_id", message_id=message_id,
                           detail=f"message id '{message_id}' may only hold letters, digits and ._+=-")
    from_address = _address(from_email, "sender", from_name)
    to_address = _address(to, "recipient", to_name)
    headers = [("From", from_address), ("To", to_address)]
    if reply_to:
        headers.append(("Reply-To", _address(reply_to, "reply_to")))
    headers += [("Subject", encoded_words(" ".join(rendered.subject.split()))),
                ("Date", format_datetime(date)),
                ("Message-ID", f"<{message_id}@{from_email.strip().rpartition('@')[2]}>")]
    headers += list(extra_headers)  # ASCII values (e.g. the test-send mark); a line break is refused by _header
    if list_unsubscribe_url:
        uris = [list_unsubscribe_url] + ([list_unsubscribe_mailto] if list_unsubscribe_mailto else [])
        for uri in uris:
            if not uri.isascii() or re.search(r"[\s<>,]", uri):
                raise EmailInvalid("messaging.email.bad_unsubscribe_uri", uri=uri,
                                   detail=f"unsubscribe URI '{uri}' must be ASCII without spaces, '<', '>' or ','")
        if not list_unsubscribe_url.startswith(("https://", "http://")):
            raise EmailInvalid("messaging.email.unsubscribe_not_http", uri=list_unsubscribe_url,
                               detail="the List-Unsubscribe URL must be an http(s) URL for one-click (RFC 8058)")
        if list_unsubscribe_mailto and not list_unsubscribe_mailto.startswith("mailto:"):
            raise EmailInvalid("messaging.email.bad_unsubscribe_mailto", uri=list_unsubscribe_mailto,
                               detail="the List-Unsubscribe mailto must start with 'mailto:'")
        headers += [("List-Unsubscribe", ", ".join(f"<{u}>" for u in uris)),
                    ("List-Unsubscribe-Post", "List-Unsubscribe=One-Click")]
    # base64, not quoted-printable: Korean text is a third the size and encodes far faster. The
    # boundary cannot occur in the parts: base64 lines never start with "--".
    boundary = f"=_{uuid.uuid4().hex}"
    data = b"".join([
        *(_header(name, value) for name, value in headers),
        b"MIME-Version: 1.0\r\n",
        f'Content-Type: multipart/alternative;\r\n boundary="{boundary}"\r\n\r\n'.encode("ascii"),
        _base64_part(boundary, "plain", rendered.text), b"\r\n",
        _base64_part(boundary, "html", rendered.html),
        f"\r\n--{boundary}--\r\n".encode("ascii"),
    ])
    return OutgoingMessage(envelope_from=from_email.strip(), recipients=(to.strip(),), data=data)


class _Generator(BytesGenerator):
    """The stdlib generator, writing a body at once instead of line by line (same bytes, ~80 writes fewer)."""

    def _write_lines(self, lines: str) -> None:
        if lines:
            # flatten() sets the policy in force (with its linesep) for the length of the call
            assert self.policy is not None
            self.write(_NEWLINE.sub(self.policy.linesep, lines))


def flatten(msg: OutgoingMessage | EmailMessage) -> bytes:
    if isinstance(msg, OutgoingMessage):
        return msg.data
    out = BytesIO()
    _Generator(out, policy=POLICY).flatten(msg, linesep="\r\n")
    return out.getvalue()


def _envelope(msg: OutgoingMessage | EmailMessage) -> tuple[str, list[str]]:
    if isinstance(msg, OutgoingMessage):
        return msg.envelope_from, list(msg.recipients)
    sender = msg["From"].addresses[0].addr_spec
    recipients = [a.addr_spec for h in ("To", "Cc", "Bcc") if msg[h] is not None for a in msg[h].addresses]
    if not recipients:
        raise EmailInvalid("messaging.email.no_recipient", detail="the message has no recipient")
    return sender, recipients


# ---------------------------------------------------------------- the session

class _Dropped(Exception):
    """The connection broke; `whole_message_sent` says whether the server may already have it."""

    def __init__(self, cause: BaseException, whole_message_sent: bool) -> None:
        super().__init__(str(cause))
        self.cause = cause
        self.whole_message_sent = whole_message_sent


def _reply_text(reply: bytes | str) -> str:
    text = reply.decode("utf-8", "replace") if isinstance(reply, bytes) else str(reply)
    return " ".join(text.split())[:300]


class SmtpSession:
    """One SMTP connection reused for many messages; reconnects once if the server dropped it.

    `with SmtpSession(settings) as s: s.send(msg)`; the connection opens at the
    first send and closes (QUIT) on exit.
    """

    def __init__(self, settings: SmtpSettings) -> None:
        self.settings = settings
        self._smtp: smtplib.SMTP | None = None
        self.connections_opened = 0

    def __enter__(self) -> SmtpSession:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- errors, without the password
    def _scrub(self, text: str) -> str:
        password = self.settings.password
        return text.replace(password, "***") if password else text

    def _where(self) -> str:
        return f"{self.settings.host}:{self.settings.port}"

    def _reply_error(self, code: int, reply: bytes | str, step: str) -> SendError:
        message = self._scrub(f"{self._where()} answered {code} to {step}: {_reply_text(reply)}")
        return (PermanentSendError if 500 <= code < 600 else TransientSendError)(message, server=self._where(),
                                                                                 code=code)

    # -- connection
    def _connect(self) -> smtplib.SMTP:
        s = self.settings
        helo = s.helo_name or socket.gethostname()
        context = ssl.create_default_context(cafile=s.ca_file) if s.security != "none" else None
        smtp: smtplib.SMTP | None = None
        try:
            if s.security == "tls":
                smtp = smtplib.SMTP_SSL(s.host, s.port, local_hostname=helo, timeout=s.timeout, context=context)
            else:
                smtp = smtplib.SMTP(s.host, s.port, local_hostname=helo, timeout=s.timeout)
            smtp.ehlo()
            if s.security == "starttls":
                if not smtp.has_extn("starttls"):
                    raise PermanentSendError(f"{self._where()} does not offer STARTTLS; choose 'tls' or 'none'",
                                             server=self._where(), reason="no_starttls")
                smtp.starttls(context=context)
                smtp.ehlo()
            if s.username:
                smtp.login(s.username, s.password or "")
        except SendError:
            self._close_quietly(smtp)
            raise
        except smtplib.SMTPAuthenticationError as exc:
            self._close_quietly(smtp)
            raise PermanentSendError(self._scrub(
                f"{self._where()} refused the login for '{s.username}' ({exc.smtp_code}: "
                f"{_reply_text(exc.smtp_error)})"), server=self._where(), code=exc.smtp_code, reason="auth") from None
        except smtplib.SMTPNotSupportedError:
            self._close_quietly(smtp)
            raise PermanentSendError(f"{self._where()} does not offer login (AUTH) on this connection; "
                                     "check the security setting", server=self._where(), reason="no_auth") from None
        except smtplib.SMTPResponseException as exc:
            self._close_quietly(smtp)
            raise self._reply_error(exc.smtp_code, exc.smtp_error, "the greeting/EHLO") from None
        except ssl.SSLCertVerificationError as exc:
            self._close_quietly(smtp)
            raise PermanentSendError(f"{self._where()}'s TLS certificate does not verify: "
                                     f"{exc.verify_message}", server=self._where(), reason="tls") from None
        except (OSError, smtplib.SMTPException) as exc:  # refused, timed out, TLS broke, dropped
            self._close_quietly(smtp)
            raise TransientSendError(self._scrub(
                f"cannot reach the mail server {self._where()}: {type(exc).__name__}: {exc}"),
                server=self._where(), reason="unreachable") from None
        self.connections_opened += 1
        return smtp

    @staticmethod
    def _close_quietly(smtp: smtplib.SMTP | None) -> None:
        if smtp is not None:
            try:
                smtp.close()
            except OSError:
                pass

    def _discard(self) -> None:
        self._close_quietly(self._smtp)
        self._smtp = None

    def close(self) -> None:
        if self._smtp is not None:
            try:
                self._smtp.quit()
            except (OSError, smtplib.SMTPException):
                pass
            self._discard()

    # -- sending
    def send(self, msg: OutgoingMessage | EmailMessage, *, envelope_from: str | None = None,
             recipients: Iterable[str] | None = None) -> None:
        """Hand one message to the server. Raises Transient/PermanentSendError or DeliveryUnknownError."""
        sender, to = _envelope(msg)
        sender = envelope_from or sender
        to = list(recipients) if recipients is not None else to
        data = flatten(msg)
        reused = self._smtp is not None
        try:
            self._transaction(sender, to, data)
        except _Dropped as dropped:
            if dropped.whole_message_sent:
                raise self._unknown(dropped) from None
            if not reused:
                raise self._transient(dropped) from None
            # A reused connection the server closed while idle: the server has nothing of this
            # message yet, so one fresh connection may try again.
            try:
                self._transaction(sender, to, data)
            except _Dropped as again:
                raise (self._unknown(again) if again.whole_message_sent else self._transient(again)) from None

    def _transient(self, dropped: _Dropped) -> TransientSendError:
        return TransientSendError(self._scrub(f"the connection to {self._where()} was lost: {dropped.cause}"),
                                  server=self._where())

    def _unknown(self, dropped: _Dropped) -> DeliveryUnknownError:
        return DeliveryUnknownError(self._scrub(
            f"the connection to {self._where()} was lost after the message was sent and before the "
            f"server confirmed it ({dropped.cause}); it may or may not have been delivered"), server=self._where())

    def _transaction(self, sender: str, recipients: list[str], data: bytes) -> None:
        if self._smtp is None:
            self._smtp = self._connect()
        smtp = self._smtp
        whole_message_sent = False
        try:
            if len(recipients) == 1 and smtp.has_extn("pipelining"):
                self._pipelined_envelope(smtp, sender, recipients[0])
            else:
                smtp.putcmd("mail", f"FROM:{_quoted(sender)}")
                code, reply = smtp.getreply()
                if code != 250:
                    raise self._abort(code, reply, f"MAIL FROM <{sender}>")
                for rcpt in recipients:
                    smtp.putcmd("rcpt", f"TO:{_quoted(rcpt)}")
                    code, reply = smtp.getreply()
                    if code not in (250, 251):
                        raise self._abort(code, reply, f"RCPT TO <{rcpt}>")
                smtp.putcmd("data")
                code, reply = smtp.getreply()
                if code != 354:
                    raise self._abort(code, reply, "DATA")
            smtp.send(_dot_stuffed(data) + b".\r\n")
            whole_message_sent = True
            code, reply = smtp.getreply()
        except (OSError, smtplib.SMTPServerDisconnected) as exc:
            self._discard()
            raise _Dropped(exc, whole_message_sent) from None
        if code != 250:
            if code == 421:
                self._discard()
            raise self._reply_error(code, reply, "the message (end of DATA)")

    def _pipelined_envelope(self, smtp: smtplib.SMTP, sender: str, rcpt: str) -> None:
        """MAIL, RCPT and DATA in one write, then their three replies (RFC 2920 §3.1): one round trip
        instead of three. Only with a single recipient, so a refused RCPT leaves no recipient and the
        server refuses DATA too (§3.1 would otherwise have us send an empty message to the rest).
        Nothing of the message is sent before the 354, so what the server holds is as before."""
        steps = (f"MAIL FROM <{sender}>", f"RCPT TO <{rcpt}>", "DATA")
        smtp.send(f"mail FROM:{_quoted(sender)}\r\nrcpt TO:{_quoted(rcpt)}\r\ndata\r\n")
        replies = []
        for _ in steps:
            replies.append(smtp.getreply())
            if replies[-1][0] == 421:  # the server is closing: no more replies will come
                self._discard()
                raise self._reply_error(421, replies[-1][1], steps[len(replies) - 1])
        expected = ((250,), (250, 251), (354,))
        failed = next((i for i, (code, _) in enumerate(replies) if code not in expected[i]), None)
        if failed is None:
            return
        if replies[2][0] == 354:  # DATA accepted after a refusal (a lax server): end it empty, as §3.1 says
            smtp.send(b".\r\n")
            smtp.getreply()
        code, reply = replies[failed]
        raise self._abort(code, reply, steps[failed])

    def _abort(self, code: int, reply: bytes, step: str) -> SendError:
        """Reset the transaction so the connection serves the next message; 421 means it is closing."""
        if code == 421:
            self._discard()
        else:
            try:
                if self._smtp is not None:
                    self._smtp.rset()
            except (OSError, smtplib.SMTPException):
                self._discard()
        return self._reply_error(code, reply, step)


def _quoted(address: str) -> str:
    """`<address>` for MAIL/RCPT; smtplib.quoteaddr (an RFC 5322 parse, ~0.1 ms) only for unusual input."""
    return f"<{address}>" if _ADDRESS.fullmatch(address) else smtplib.quoteaddr(address)


def _dot_stuffed(data: bytes) -> bytes:
    """RFC 5321 §4.5.2: a line starting with '.' gets one more; the data ends with CRLF."""
    if data.startswith(b".") or b"\n." in data:
        data = re.sub(rb"(?m)^\.", b"..", data)
    return data if data.endswith(b"\r\n") else data + b"\r\n"


def build_test_message(template: dict[str, Any], trigger: str, *, to: str, sender: dict[str, Any],
                       subject_prefix: str, now: dt.datetime, advertising: bool = True, shop_id: str = "_test",
                       context: dict[str, Any] | None = None) -> OutgoingMessage:
    """The console's "send test": the template rendered for a sample (or chosen) member, to one address.

    The subject starts with `subject_prefix` (the console's "[테스트]") and the TEST_HEADER header marks it;
    it is never planned into the outbox, so no statistic counts it. The links are real signed links
    of a test recipient, so the operator can try the unsubscribe page and tracked links without
    touching a member.
    """
    from core.messaging.templates import render_email, sample_context
    from core.public.links import tracking_context
    message_id = f"test-{uuid.uuid4().hex[:16]}"
    links = tracking_context(message_id, shop_id, f"_test:{to.strip().lower()}")
    rendered = render_email(template, {**(context or sample_context(trigger)), **links},
                            advertising=advertising, sender=sender)
    rendered = dataclasses.replace(rendered, subject=f"{subject_prefix} {rendered.subject}")
    return build_message(to=to, from_name=sender["sender_name"], from_email=sender["sender_email"],
                         rendered=rendered, message_id=message_id, date=now,
                         list_unsubscribe_url=links["unsubscribe_url"] if advertising else None,
                         reply_to=sender.get("reply_to") or None, extra_headers=((TEST_HEADER, "yes"),))


def send_test(settings: SmtpSettings, message: OutgoingMessage | EmailMessage) -> None:
    """The console's "send test": one message over a fresh connection; raises SendError with the reason."""
    with SmtpSession(settings) as session:
        session.send(message)


# ---------------------------------------------------------------- the console's connection test

TEST_HEADER = "X-Console-Test"  # marks a test send, so the shop's mail tools can tell it from a real one


class ConnectionCheckError(CoreError):
    """The connection test stopped at a step, keyed `messaging.check.<reason>` for the console's words.

    `reason`: no_such_host, refused, timeout, tls (the TLS handshake failed: often TLS asked of a plain
    port, or the other way round), certificate (the server's certificate does not verify), greeting (the
    server answered but not as an SMTP server, or refused us), closed (it hung up), no_starttls, no_auth,
    auth (the login was refused), unreachable (any other network failure). Params: `server` (host:port),
    `code` (the SMTP reply code, when there was one). `detail` has the server's answer, never the password.
    """

    _KINDS = {"no_such_host": Kind.INVALID, "refused": Kind.UNREACHABLE, "timeout": Kind.UNREACHABLE,
              "tls": Kind.INVALID, "certificate": Kind.INVALID, "greeting": Kind.UPSTREAM,
              "closed": Kind.UNREACHABLE, "no_starttls": Kind.INVALID, "no_auth": Kind.INVALID, "auth": Kind.AUTH,
              "unreachable": Kind.UNREACHABLE}

    def __init__(self, reason: str, detail: str, *, server: str, code: int | None = None) -> None:
        self.reason = reason
        super().__init__(f"messaging.check.{reason}", detail=detail, kind=self._KINDS[reason], server=server,
                         code=code)


@dataclasses.dataclass(frozen=True)
class ConnectionCheck:
    """What the connection test found: the server, the TLS version spoken (None for plain SMTP) and whether
    it logged in (False when no username is set)."""

    server: str
    tls_version: str | None
    authenticated: bool


def check_connection(settings: SmtpSettings) -> ConnectionCheck:
    """Connect, negotiate STARTTLS or TLS as `settings.security` says, log in when a username is set, and QUIT:
    the console's "연결 테스트". Sends nothing. Raises ConnectionCheckError naming the step that failed.

    Kept apart from SmtpSession, whose errors sort failures by whether a retry can help: here each failure
    is told apart (refused, timeout, TLS, certificate, login), because a person fixes them differently.
    """
    s = settings
    where = f"{s.host}:{s.port}"

    def failed(reason: str, text: str, code: int | None = None) -> ConnectionCheckError:
        return ConnectionCheckError(reason, text.replace(s.password, "***") if s.password else text,
                                    server=where, code=code)

    context = ssl.create_default_context(cafile=s.ca_file) if s.security != "none" else None
    smtp: smtplib.SMTP | None = None
    step = "connect"
    try:
        if s.security == "tls":
            smtp = smtplib.SMTP_SSL(s.host, s.port, local_hostname=s.helo_name or socket.gethostname(),
                                    timeout=s.timeout, context=context)
        else:
            smtp = smtplib.SMTP(s.host, s.port, local_hostname=s.helo_name or socket.gethostname(),
                                timeout=s.timeout)
        step = "ehlo"
        smtp.ehlo()
        if s.security == "starttls":
            if not smtp.has_extn("starttls"):
                raise failed("no_starttls", f"{where} does not offer STARTTLS")
            step = "starttls"
            smtp.starttls(context=context)
            smtp.ehlo()
        authenticated = False
        if s.username:
            step = "login"
            smtp.login(s.username, s.password or "")
            authenticated = True
        sock = smtp.sock
        version = sock.version() if isinstance(sock, ssl.SSLSocket) else None
        try:
            smtp.quit()
        except (OSError, smtplib.SMTPException):
            pass  # a server that drops QUIT has still passed the test
        smtp = None
        return ConnectionCheck(server=where, tls_version=version, authenticated=authenticated)
    except ConnectionCheckError:
        raise
    except smtplib.SMTPAuthenticationError as exc:
        raise failed("auth", f"{where} refused the login for '{s.username}' ({exc.smtp_code}: "
                             f"{_reply_text(exc.smtp_error)})", exc.smtp_code) from None
    except smtplib.SMTPNotSupportedError:
        raise failed("no_auth", f"{where} does not offer login (AUTH) on this connection") from None
    except smtplib.SMTPServerDisconnected as exc:
        raise failed("closed", f"{where} closed the connection at {step}: {exc}") from None
    except smtplib.SMTPResponseException as exc:
        raise failed("greeting", f"{where} answered {exc.smtp_code} at {step}: {_reply_text(exc.smtp_error)}",
                     exc.smtp_code) from None
    except ssl.SSLCertVerificationError as exc:
        raise failed("certificate", f"{where}'s certificate does not verify: {exc.verify_message}") from None
    except ssl.SSLError as exc:
        raise failed("tls", f"the TLS handshake with {where} failed at {step}: {exc.reason or exc}") from None
    except socket.gaierror as exc:
        raise failed("no_such_host", f"the host name '{s.host}' is not known: {exc.strerror}") from None
    except ConnectionRefusedError:
        raise failed("refused", f"{where} refused the connection (nothing listens on that port)") from None
    except TimeoutError:
        raise failed("timeout", f"{where} did not answer within {s.timeout:g} s (at {step})") from None
    except (OSError, smtplib.SMTPException) as exc:
        raise failed("unreachable", f"cannot reach {where} at {step}: {type(exc).__name__}: {exc}") from None
    finally:
        if smtp is not None:
            try:
                smtp.close()
            except OSError:
                pass


def footer_contact(contact: str | None, postal_address: str | None) -> str:
    """What the advertising footer shows as the sender's contact: the contact, then the postal address."""
    return " · ".join(part.strip() for part in (contact, postal_address) if part and part.strip())


# ---------------------------------------------------------------- the e-mail channel of the dispatch loop

SMTP_CONNECTIONS = 3          # per shop, side by side (at most one message in flight on each)
MESSAGES_PER_CONNECTION = 20  # below this many per lane, one connection is enough
# A batch costs two store units and a compliance pass over the due rows (~0.2 CPU-s with DuckDB's threads,
# whatever its size): 1000 a batch keeps that near 0.2 ms a message (200 made it 1 ms).
BATCH_SIZE = 1000


@dataclasses.dataclass
class EmailClaim:
    """A claimed e-mail with what rendering it needs: its automation's template, the shop's sender."""

    message_id: str
    automation_id: str
    shop_id: str
    member_key: str | None
    occurrence_key: str
    trigger: str
    recipient: str
    is_advertising: bool
    attempts: int
    params: dict[str, Any]
    template: dict[str, Any] | None
    sender: dict[str, Any] | None   # name/e-mail/contact and SMTP settings (no password)
    context: dict[str, Any] = dataclasses.field(default_factory=dict)


def load_claims(con: duckdb.DuckDBPyConnection, claimed: list[Claimed]) -> list[EmailClaim]:
    """The template, trigger and sender of each claimed e-mail, in claim order."""
    if not claimed:
        return []
    con.register("_claimed", pl.DataFrame({"message_id": [c.message_id for c in claimed]}).to_arrow())
    try:
        detail = con.execute("""
            SELECT ob.message_id, ob.automation_id, ob.shop_id, ob.member_key, ob.occurrence_key, a.trigger,
                   ob.recipient, ob.is_advertising, ob.attempts, a.trigger_params,
                   t.subject, t.preheader, t.html, t.text, a.subject, a.preheader,
                   coalesce(a.sender_name, s.sender_name), coalesce(a.sender_email, s.sender_email),
                   s.sender_contact, s.smtp_host, s.smtp_port, s.smtp_security, s.smtp_username,
                   s.shop_id IS NOT NULL, s.postal_address, s.reply_to, ob.content::VARCHAR
            FROM outbox ob JOIN _claimed c USING (message_id) JOIN automations a USING (automation_id)
            LEFT JOIN templates t ON t.template_id = a.template_id
            LEFT JOIN sender_settings s ON s.shop_id = ob.shop_id
            ORDER BY coalesce(ob.next_attempt_at, ob.due_at), ob.message_id""").fetchall()
    finally:
        con.unregister("_claimed")
    out = []
    for (mid, aid, shop, member, occ, trig, rcpt, adv, attempts, params, t_subj, t_pre, html, text, a_subj, a_pre,
         s_name, s_email, s_contact, host, port, security, username, has_sender, postal, reply_to, kept) in detail:
        template = None if html is None else {
            "subject": a_subj or t_subj, "preheader": a_pre if a_pre is not None else (t_pre or ""),
            "html": html, "text": text}
        # A row queued before its automation was edited keeps the content it had (outbox.freeze_content).
        frozen = json.loads(kept) if kept else {}
        if frozen.get("html") is not None:
            template = {k: frozen.get(k) for k in ("subject", "preheader", "html", "text")}
        s_name, s_email = frozen.get("sender_name") or s_name, frozen.get("sender_email") or s_email
        sender = None if not has_sender else {
            "sender_name": s_name, "sender_email": s_email, "sender_contact": footer_contact(s_contact, postal),
            "reply_to": reply_to, "smtp_host": host, "smtp_port": port, "smtp_security": security,
            "smtp_username": username}
        out.append(EmailClaim(mid, aid, shop, member, occ, trig, rcpt, bool(adv), attempts,
                              json.loads(params or "{}"), template, sender))
    return out


def smtp_settings(sender: Mapping[str, Any], password: str | None) -> SmtpSettings:
    return SmtpSettings(host=sender["smtp_host"], port=int(sender["smtp_port"] or 25),
                        security=sender["smtp_security"] or "starttls",
                        username=sender["smtp_username"], password=password)


Links = Callable[[str, str, str], Mapping[str, Any]]


class _EmailLane:
    """One SMTP connection of the dispatch loop: renders a claimed e-mail, then hands it over."""

    def __init__(self, settings: SmtpSettings, sender: dict[str, Any], links: Links, now: dt.datetime) -> None:
        self.session = SmtpSession(settings)
        self.sender = sender
        self.links = links
        self.now = now

    def prepare(self, m: EmailClaim) -> OutgoingMessage | Outcome:
        from core.messaging.templates import render_email
        if m.template is None:
            return Outcome(m.message_id, State.DEAD, "the automation has no template", "no_template")
        links = self.links(m.message_id, m.shop_id, m.member_key or f"email:{m.recipient.lower()}")
        m.context.update({"unsubscribe_url": links["unsubscribe_url"]} if m.is_advertising else {})
        context = {**m.context, **links}
        try:
            rendered = render_email(m.template, context, advertising=m.is_advertising, sender=self.sender)
            return build_message(to=m.recipient, from_name=self.sender["sender_name"],
                                 from_email=self.sender["sender_email"], rendered=rendered, message_id=m.message_id,
                                 date=self.now, reply_to=self.sender.get("reply_to"),
                                 list_unsubscribe_url=links["unsubscribe_url"] if m.is_advertising else None)
        except Exception as exc:  # noqa: BLE001 (whatever one member's data does, only this message ends)
            detail = exc.detail if isinstance(exc, CoreError) else f"{type(exc).__name__}: {exc}"
            return Outcome(m.message_id, State.DEAD, detail[:500], "render_failed", record=ErrorRecord.of(exc))

    def send(self, message: object) -> Delivery:
        assert isinstance(message, OutgoingMessage)
        try:
            self.session.send(message)
        except PermanentSendError as exc:
            return Delivery(State.DEAD, "refused", exc.detail[:500])
        except TransientSendError as exc:
            # Never connected: the server cannot be reached, so the rest of the lane is spared the wait.
            return Delivery(State.FAILED, "temporary_failure", exc.detail[:500],
                            lane_down=self.session.connections_opened == 0)
        except DeliveryUnknownError as exc:  # the server may have it: never re-sent automatically
            return Delivery(State.UNKNOWN, "connection_lost_after_data", exc.detail[:500])
        return Delivery(State.SENT)

    def close(self) -> None:
        self.session.close()


class EmailChannel:
    """E-mail over each shop's SMTP server, for `core.messaging.dispatch.dispatch`.

    Before each claim the automations' compliance rules run on the due rows (consent, unsubscribes,
    lateness, frequency cap); a claimed batch gets its merge data in the same unit. Up to
    SMTP_CONNECTIONS connections per shop go side by side: while one waits for the server's answers,
    another renders.
    """

    name = "email"

    def __init__(self, journal: Journal, *, rules: Callable[[duckdb.DuckDBPyConnection, dt.datetime],
                                                             Mapping[str, int]],
                 enrich: Callable[[duckdb.DuckDBPyConnection, list[EmailClaim]], None],
                 password_for: Callable[[str], str | None], links: Links,
                 batch_size: int = BATCH_SIZE) -> None:
        self.journal = journal
        self.batch_size = batch_size
        self._rules = rules
        self._enrich = enrich
        self._password_for = password_for
        self._links = links

    @classmethod
    def for_store(cls, store_path: Path, batch_size: int = BATCH_SIZE) -> EmailChannel:
        """The channel the scheduler runs: the automations' rules and merge data, the shop's SMTP password."""
        from core.automations.compliance import apply_all
        from core.automations.context import attach_contexts
        from core.public.links import tracking_context
        from core.shops import secrets

        def password_for(shop_id: str) -> str | None:
            return secrets.get(shop_id).get("smtp_password")

        return cls(Journal.for_store(store_path), rules=apply_all, enrich=attach_contexts,
                   password_for=password_for, links=tracking_context, batch_size=batch_size)

    def before_claim(self, con: duckdb.DuckDBPyConnection, now: dt.datetime) -> Mapping[str, int]:
        return self._rules(con, now)

    def load(self, con: duckdb.DuckDBPyConnection, claimed: list[Claimed]) -> list[EmailClaim]:
        batch = load_claims(con, claimed)
        if batch:
            self._enrich(con, batch)
        return batch

    def lanes(self, shop_id: str, items: Sequence[EmailClaim]) -> int:
        if items[0].sender is None:
            return 1  # no connection at all: see open()
        return max(1, min(SMTP_CONNECTIONS, len(items) // MESSAGES_PER_CONNECTION))

    def open(self, shop_id: str, items: Sequence[EmailClaim], now: dt.datetime) -> _EmailLane:
        sender = items[0].sender
        if sender is None or not sender.get("smtp_host"):
            raise LaneUnavailable("no_sender_settings", "no sender settings (SMTP) for this shop")
        return _EmailLane(smtp_settings(sender, self._password_for(shop_id)), sender, self._links, now)

    def frozen_context(self, item: EmailClaim) -> str | None:
        return json.dumps(jsonable(item.context), ensure_ascii=False, default=str)


def jsonable(value: Any) -> Any:
    """Merge data as JSON can hold it: no callables, instants as ISO text."""
    if isinstance(value, dict):
        return {k: jsonable(v) for k, v in value.items() if not callable(v)}
    if isinstance(value, list):
        return [jsonable(v) for v in value]
    if isinstance(value, (dt.datetime, dt.date)):
        return value.isoformat()
    return value


__all__ = ["EmailChannel", "EmailClaim", "SmtpSettings", "SmtpSession", "OutgoingMessage", "build_message",
           "build_test_message", "send_test", "flatten", "SendError", "EmailInvalid", "TransientSendError",
           "PermanentSendError", "DeliveryUnknownError", "SECURITIES", "check_connection", "ConnectionCheck",
           "ConnectionCheckError", "footer_contact", "TEST_HEADER"]
