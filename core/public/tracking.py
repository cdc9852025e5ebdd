"""Opens and clicks: the open pixel's and tracked clicks' links, checking them, and recording what happened.

A click link signs the destination URL together with the message id, so the
redirect goes only where the message pointed: never an open redirect. Links are
built on PUBLIC_BASE_URL (core.public.signing), the address the public endpoints
are reachable at from the recipients' side.
"""
from __future__ import annotations

import datetime as dt
from urllib.parse import quote, urlencode

from core import clock
from core.public.signing import BadSignature, Purpose, public_base_url, sign, verify
from core.store import Store

WEB_SCHEMES = ("http://", "https://")


def open_pixel_url(message_id: str) -> str:
    return f"{public_base_url()}/o/{quote(message_id, safe='')}.gif?s={sign(Purpose.OPEN, message_id)}"


def click_url(message_id: str, url: str) -> str:
    if not url.startswith(WEB_SCHEMES):
        raise ValueError(f"only http(s) links are tracked, not '{url[:60]}'")
    query = urlencode({"u": url, "s": sign(Purpose.CLICK, message_id, url)})
    return f"{public_base_url()}/c/{quote(message_id, safe='')}?{query}"


def is_tracking_url(url: str) -> bool:
    """Whether `url` is one of the public endpoints' own links (click, open or unsubscribe)."""
    base = public_base_url()
    return url.startswith((f"{base}/c/", f"{base}/o/", f"{base}/u/"))


def verify_open(message_id: str, signature: str | None) -> None:
    verify(signature, Purpose.OPEN, message_id)


def verify_click(message_id: str, url: str, signature: str | None) -> None:
    verify(signature, Purpose.CLICK, message_id, url)
    if not url.startswith(WEB_SCHEMES):
        raise BadSignature("the link does not lead to a web page")


def _record(store: Store, message_id: str, kind: str, url: str | None, user_agent: str | None,
            now: dt.datetime) -> None:
    with store.unit() as con:
        con.execute("INSERT INTO tracking_events (message_id, kind, url, occurred_at, user_agent) "
                    "VALUES (?, ?, ?, ?, ?)",
                    [message_id, kind, url, clock.require_aware(now), (user_agent or "")[:300] or None])


def record_open(store: Store, message_id: str, *, now: dt.datetime, user_agent: str | None = None) -> None:
    """One open of `message_id` at `now` (every fetch of the pixel is kept; statistics count messages)."""
    _record(store, message_id, "open", None, user_agent, now)


def record_click(store: Store, message_id: str, url: str, *, now: dt.datetime,
                 user_agent: str | None = None) -> None:
    """One click of `message_id` through to `url` at `now`."""
    _record(store, message_id, "click", url, user_agent, now)


__all__ = ["click_url", "is_tracking_url", "open_pixel_url", "record_click", "record_open", "verify_click",
           "verify_open"]
