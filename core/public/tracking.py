"""Signed public links: the open pixel, tracked clicks, and the key behind them and the unsubscribe link.

Every link a message carries is signed with HMAC-SHA256 under a key kept in the
secrets file (entry "_console", created on first use), so a link cannot be
forged, and guessing another member's or message's link means guessing a
256-bit MAC. A click link signs the destination URL together with the message
id, so the redirect goes only where the message pointed: never an open redirect.

URLs are built on PUBLIC_BASE_URL (default http://127.0.0.1:8625), the address
`python -m core public` is reachable at from the recipients' side.
"""
from __future__ import annotations

import base64
import datetime as dt
import fcntl
import hashlib
import hmac
import os
import secrets as token_source
import threading
from pathlib import Path
from urllib.parse import quote, urlencode

from core import clock, config
from core.shops import secrets
from core.store import Store

CONSOLE_ENTRY = "_console"
KEY_NAME = "link_signing_key"
DEFAULT_PUBLIC_BASE_URL = "http://127.0.0.1:8625"

_keys: dict[Path, bytes] = {}
_keys_guard = threading.Lock()


class BadSignature(ValueError):
    """A link whose signature does not match: forged, altered or cut short."""


def public_base_url() -> str:
    return config.settings().public_base_url or DEFAULT_PUBLIC_BASE_URL


def signing_key() -> bytes:
    """The link-signing key, created once and kept in the secrets file."""
    path = secrets.default_path()
    with _keys_guard:
        if path in _keys:
            return _keys[path]
        key = secrets.get(CONSOLE_ENTRY, path).get(KEY_NAME)
        if not key:
            key = _create_key(path)
        _keys[path] = bytes.fromhex(key)
        return _keys[path]


def _create_key(path: Path) -> str:
    # Held across processes too: the console and the scheduler may both be first.
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path.with_name(path.name + ".lock"), os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        key = secrets.get(CONSOLE_ENTRY, path).get(KEY_NAME)
        if not key:
            key = token_source.token_hex(32)
            secrets.put(CONSOLE_ENTRY, path, **{KEY_NAME: key})
        return key
    finally:
        fcntl.flock(fd, fcntl.LOCK_UN)
        os.close(fd)


def b64url(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")


def unb64url(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def sign(purpose: str, *parts: str) -> str:
    """A MAC over the purpose and the parts; the purpose keeps a click signature from passing as an open's."""
    message = "\x00".join((purpose, *parts)).encode("utf-8")
    return b64url(hmac.new(signing_key(), message, hashlib.sha256).digest())


def verify(signature: str | None, purpose: str, *parts: str) -> None:
    if not signature or not hmac.compare_digest(signature.encode("ascii", "replace"),
                                                sign(purpose, *parts).encode("ascii")):
        raise BadSignature("the link's signature does not match")


# ---------------------------------------------------------------- link builders

def open_pixel_url(message_id: str) -> str:
    return f"{public_base_url()}/o/{quote(message_id, safe='')}.gif?s={sign('open', message_id)}"


def click_url(message_id: str, url: str) -> str:
    if not url.startswith(("http://", "https://")):
        raise ValueError(f"only http(s) links are tracked, not '{url[:60]}'")
    query = urlencode({"u": url, "s": sign("click", message_id, url)})
    return f"{public_base_url()}/c/{quote(message_id, safe='')}?{query}"


def is_tracking_url(url: str) -> bool:
    base = public_base_url()
    return url.startswith((f"{base}/c/", f"{base}/o/", f"{base}/u/"))


def tracking_context(message_id: str, shop_id: str, member_key: str) -> dict:
    """The links one message carries: {unsubscribe_url, open_pixel_url, tracked(url) -> url}."""
    from core.public import unsubscribe  # unsubscribe imports this module for the signing key

    def tracked(url: str) -> str:
        # Already ours (the unsubscribe link, a link tracked twice) or not a web link: leave it.
        if is_tracking_url(url) or not url.startswith(("http://", "https://")):
            return url
        return click_url(message_id, url)

    return {
        "unsubscribe_url": unsubscribe.unsubscribe_url(shop_id, member_key),
        "open_pixel_url": open_pixel_url(message_id),
        "tracked": tracked,
    }


def verify_open(message_id: str, signature: str | None) -> None:
    verify(signature, "open", message_id)


def verify_click(message_id: str, url: str, signature: str | None) -> None:
    verify(signature, "click", message_id, url)
    if not url.startswith(("http://", "https://")):
        raise BadSignature("the link does not lead to a web page")


# ---------------------------------------------------------------- recording

def _record(store: Store, message_id: str, kind: str, url: str | None, user_agent: str | None,
            at: dt.datetime | None) -> None:
    with store.unit() as con:
        con.execute("INSERT INTO tracking_events (message_id, kind, url, occurred_at, user_agent) "
                    "VALUES (?, ?, ?, ?, ?)",
                    [message_id, kind, url, clock.require_aware(at or clock.now()),
                     (user_agent or "")[:300] or None])


def record_open(store: Store, message_id: str, *, user_agent: str | None = None,
                at: dt.datetime | None = None) -> None:
    _record(store, message_id, "open", None, user_agent, at)


def record_click(store: Store, message_id: str, url: str, *, user_agent: str | None = None,
                 at: dt.datetime | None = None) -> None:
    _record(store, message_id, "click", url, user_agent, at)


__all__ = ["BadSignature", "public_base_url", "signing_key", "sign", "verify", "open_pixel_url", "click_url",
           "tracking_context", "verify_open", "verify_click", "record_open", "record_click"]
