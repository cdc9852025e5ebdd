"""What the 샌드박스 메일함 page reads: the messages the sandbox mailbox kept, and the Alimtalk sandbox's notices.

The mailbox is a folder of `.eml` files beside the store (core.sandbox.mailbox); a message's automation is
found through its Message-ID, whose local part is the outbox's message id (core.messaging.email builds
it so). Reading is forgiving: a file that is not a well-formed message still lists, with what could be read,
and opening it shows its raw text, so garbage never breaks the page.

A message is shown as its recipient sees it: its HTML inside an iframe with `sandbox` and no
`allow-scripts` (https://html.spec.whatwg.org/multipage/iframe-embed-object.html#attr-iframe-sandbox), so
nothing in a mail runs or reaches the console; `allow-popups allow-popups-to-escape-sandbox` and a
`<base target="_blank">` open its links in a new tab, un-sandboxed, as a mail client does.
"""
from __future__ import annotations

import datetime as dt
import email.policy
import html as html_lib
import re
from email.header import decode_header, make_header
from email.message import EmailMessage, Message
from email.parser import BytesHeaderParser, BytesParser
from pathlib import Path
from typing import TypedDict
from zoneinfo import ZoneInfo

from core import clock, config
from core.console.common import AddressBook, StoreLike, address_books, chosen_book, open_store, store_path
from core.i18n import t
from core.loyalty import notify
from core.messaging.alimtalk import read_sandbox
from core.sandbox import mailbox

__all__ = ["AddressBook", "address_books", "chosen_book", "store_path"]

SHOWN = 200
DEFAULT_TZ = clock.DEFAULT_TZ  # for a console with no shop yet
DESKTOP_WIDTH = 640   # wider than the 600 px most mail layouts are built for, as a desktop client shows them
PHONE_WIDTH = 375     # a common phone's CSS width
_MESSAGE_ID = re.compile(r"<([^@<>\s]+)@[^<>\s]*>")
_PARSER = BytesParser(policy=email.policy.default)
# The list reads three headers of up to 200 files: as raw text (compat32), decoded by hand, it costs a fifth of
# what the default policy's header objects cost.
_HEADERS = BytesHeaderParser(policy=email.policy.compat32)


class Letter(TypedDict):
    """One message in the list: its file name is its id."""

    name: str
    arrived_at: dt.datetime | None
    to: str
    subject: str
    automation: str


class Opened(TypedDict):
    name: str
    arrived_at: dt.datetime | None
    sender: str
    to: str
    subject: str
    automation: str
    html: str | None
    text: str | None
    headers: list[tuple[str, str]]


class Notice(TypedDict):
    recorded_at: str | None
    to: str
    template: str
    text: str
    link: str | None     # a link the notice carries (a warranty certificate), to open from the list


def directory(store: StoreLike) -> Path:
    return mailbox.directory_for(open_store(store).path)


def mailbox_port() -> int:
    """The port the sandbox mailbox listens on, for the page's hint (8626 when the setting is unreadable)."""
    try:
        return config.mailbox_port()
    except ValueError:
        return config.MAILBOX_PORT


def arrival_text(when: dt.datetime | str | None, tz: str) -> str:
    """'2026-01-10 09:00:05' on the shop's wall clock: messages arrive seconds apart."""
    if when is None:
        return ""
    instant = dt.datetime.fromisoformat(when) if isinstance(when, str) else when
    if instant.tzinfo is None:
        instant = instant.replace(tzinfo=dt.UTC)
    return instant.astimezone(ZoneInfo(tz or clock.DEFAULT_TZ)).strftime("%Y-%m-%d %H:%M:%S")


# ------------------------------------------------------------------ reading one message

def _parse(data: bytes) -> EmailMessage:
    return _PARSER.parsebytes(data)


def _header(msg: EmailMessage, name: str) -> str:
    """A header decoded (RFC 2047 words to text); its raw text when it does not parse; '' when absent."""
    try:
        value = msg[name]
    except Exception:  # noqa: BLE001 (a malformed header in someone's mail must not break the page)
        raw = msg.get_all(name, failobj=[None])
        return str(raw[0] or "")
    return "" if value is None else " ".join(str(value).split())


def outbox_id(message_id: str) -> str | None:
    """The outbox message id in a Message-ID header `<id@domain>`."""
    match = _MESSAGE_ID.search(message_id or "")
    return match.group(1) if match else None


def _automations(store: StoreLike, ids: set[str]) -> dict[str, str]:
    """outbox message id → its automation's name, for the ids the store knows."""
    ids.discard("")
    if not ids:
        return {}
    with open_store(store).unit() as con:
        rows = con.execute("""SELECT ob.message_id, coalesce(a.name, ob.automation_id)
                              FROM outbox ob LEFT JOIN automations a USING (automation_id)
                              WHERE ob.message_id IN (SELECT unnest($ids))""", {"ids": sorted(ids)}).fetchall()
    return {r[0]: r[1] for r in rows}


def _automation_label(outbox_message: str | None, names: dict[str, str]) -> str:
    if outbox_message is None:
        return ""
    if outbox_message in names:
        return names[outbox_message]
    if outbox_message.startswith("test-"):   # core.messaging.email.build_test_message's ids
        return t("mailbox.test_send")
    return ""


def _raw_decoded(msg: Message, name: str) -> str:
    """A header of a compat32 message as text: RFC 2047 words decoded, folding undone; raw when it will not
    decode."""
    value = msg.get(name)
    if value is None:
        return ""
    raw = str(value)
    try:
        text = str(make_header(decode_header(raw)))
    except (ValueError, LookupError, UnicodeError):
        text = raw
    return " ".join(text.split())


def letters(store: StoreLike, limit: int = SHOWN) -> list[Letter]:
    """The newest messages the mailbox kept, newest first."""
    folder = directory(store)
    found: list[tuple[str, Message, str | None]] = []
    for name in mailbox.names(folder, limit):
        data = mailbox.read(folder, name)
        if data is not None:
            msg = _HEADERS.parsebytes(data)
            found.append((name, msg, outbox_id(str(msg.get("Message-ID") or ""))))
    names = _automations(store, {ref for _, _, ref in found if ref})
    return [Letter(name=name, arrived_at=mailbox.arrival_time(name), to=_raw_decoded(m, "To"),
                   subject=_raw_decoded(m, "Subject"), automation=_automation_label(ref, names))
            for name, m, ref in found]


def _part(msg: EmailMessage, kind: str) -> str | None:
    try:
        part = msg.get_body(preferencelist=(kind,))
    except Exception:  # noqa: BLE001 (a broken MIME structure: shown as no such part)
        return None
    if part is None or part.get_content_subtype() != kind:
        return None
    try:
        return str(part.get_content())
    except Exception:  # noqa: BLE001 (an unknown charset or a broken encoding: the bytes, as well as they read)
        payload = part.get_payload(decode=True)
        return payload.decode("utf-8", "replace") if isinstance(payload, bytes) else str(payload or "")


def opened(store: StoreLike, name: str) -> Opened | None:
    """One message as its recipient sees it; None when it is gone (or `name` is not a mailbox file)."""
    data = mailbox.read(directory(store), name)
    if data is None:
        return None
    msg = _parse(data)
    headers = [(key, _header(msg, key)) for key in dict.fromkeys(msg.keys())]
    html_part, text_part = _part(msg, "html"), _part(msg, "plain")
    if html_part is None and text_part is None and not msg.is_multipart():
        text_part = data.decode("utf-8", "replace")  # not a message we can read: its raw text
    ref = outbox_id(_header(msg, "Message-ID"))
    names = _automations(store, {ref} if ref else set())
    return Opened(name=name, arrived_at=mailbox.arrival_time(name), sender=_header(msg, "From"),
                  to=_header(msg, "To"), subject=_header(msg, "Subject"),
                  automation=_automation_label(ref, names), html=html_part, text=text_part, headers=headers)


def framed(html: str, width: int, height: int) -> str:
    """A page that shows `html` in a sandboxed iframe `width` CSS pixels wide, centred, as a mail client would."""
    if re.search(r"<head[^>]*>", html, flags=re.I):
        shown = re.sub(r"(<head[^>]*>)", r'\1<base target="_blank">', html, count=1, flags=re.I)
    else:
        shown = '<base target="_blank">' + html
    return ("<!doctype html><html><head><meta charset=\"utf-8\"></head>"
            "<body style=\"margin:0;background:#f1f3f5;overflow-x:auto\">"
            f"<div style=\"width:{width}px;margin:8px auto\">"
            "<iframe sandbox=\"allow-popups allow-popups-to-escape-sandbox\" referrerpolicy=\"no-referrer\" "
            f"title=\"{width}px\" style=\"width:{width}px;height:{height - 24}px;border:1px solid #dee2e6;"
            f"background:#fff;display:block\" srcdoc=\"{html_lib.escape(shown, quote=True)}\"></iframe>"
            "</div></body></html>")


_MARKDOWN = re.compile(r"([\\`*_{}\[\]()<>#+\-.!|~$])")


def plain(text: str) -> str:
    """`text` escaped for Streamlit's markdown, so a subject or an address shows as written (`<a@b>` would
    otherwise become a link without its brackets, and `*` would turn into emphasis)."""
    return _MARKDOWN.sub(r"\\\1", text)


# ------------------------------------------------------------------ the Alimtalk sandbox

def masked_phone(number: str | None) -> str:
    """010-****-5678: enough to tell recipients apart, not the number itself."""
    digits = re.sub(r"\D", "", number or "")
    if len(digits) < 8:
        return "*" * len(digits)
    return f"{digits[:3]}-{'*' * (len(digits) - 7)}-{digits[-4:]}"


def notices(store: StoreLike, limit: int = SHOWN) -> list[Notice]:
    """What the sandbox Alimtalk provider recorded, newest first: the template code and its variables
    (the text itself is the template the provider has registered under that code)."""
    rows = []
    for line in read_sandbox(notify.sandbox_path(open_store(store)), limit):
        request = line.get("request") if isinstance(line, dict) else None
        if not isinstance(request, dict):
            continue
        recipients = request.get("recipientList") or [{}]
        recipient = recipients[0] if isinstance(recipients[0], dict) else {}
        params = recipient.get("templateParameter") or {}
        params = params if isinstance(params, dict) else {"": str(params)}
        text = " · ".join(f"{k}: {v}" if k else str(v) for k, v in params.items())
        link = next((str(v) for v in params.values() if str(v).startswith(("http://", "https://"))), None)
        rows.append(Notice(recorded_at=line.get("recorded_at"), to=masked_phone(recipient.get("recipientNo")),
                           template=str(request.get("templateCode") or ""), text=text, link=link))
    return rows
