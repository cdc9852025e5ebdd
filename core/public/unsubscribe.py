"""Unsubscribing: the signed link every advertising e-mail carries, and the row that makes it effective.

The token names the shop and member and carries an HMAC-SHA256 over both
(core.tracking's key), so it cannot be forged or walked through member by
member. An unsubscribe is one row in `unsubscribes`, written in the request
that asked for it: ENGINE's compliance check reads it before each send, so it
takes effect at once (정보통신망법 제50조: the recipient's refusal is honoured
without delay).
"""
from __future__ import annotations

import datetime as dt
import json

from core import clock
from core.public import tracking
from core.store import Store

SOURCES = ("link", "one-click", "console", "platform")
CHANNELS = ("email", "sms", "alimtalk", "all")


class BadToken(ValueError):
    """An unsubscribe token that was not issued by this console (forged, altered or cut short)."""


def unsubscribe_token(shop_id: str, member_key: str) -> str:
    payload = tracking.b64url(json.dumps([shop_id, member_key], ensure_ascii=False,
                                       separators=(",", ":")).encode("utf-8"))
    return f"{payload}.{tracking.sign('unsubscribe', shop_id, member_key)}"


def unsubscribe_url(shop_id: str, member_key: str) -> str:
    return f"{tracking.public_base_url()}/u/{unsubscribe_token(shop_id, member_key)}"


def read_token(token: str) -> tuple[str, str]:
    """(shop_id, member_key) of a token this console issued; BadToken otherwise."""
    try:
        payload, signature = token.split(".")
        shop_id, member_key = json.loads(tracking.unb64url(payload).decode("utf-8"))
        if not (isinstance(shop_id, str) and isinstance(member_key, str)):
            raise ValueError("not two strings")
        tracking.verify(signature, "unsubscribe", shop_id, member_key)
    except (ValueError, TypeError, UnicodeError) as exc:  # BadSignature is a ValueError
        raise BadToken("this unsubscribe link is not valid") from exc
    return shop_id, member_key


def unsubscribe(store: Store, shop_id: str, member_key: str, source: str, *, channel: str = "email",
                at: dt.datetime | None = None) -> None:
    """Record the refusal now; asking twice keeps the first time."""
    if source not in SOURCES:
        raise ValueError(f"unsubscribe source '{source}' is not one of {', '.join(SOURCES)}")
    if channel not in CHANNELS:
        raise ValueError(f"unsubscribe channel '{channel}' is not one of {', '.join(CHANNELS)}")
    with store.unit() as con:
        con.execute("INSERT INTO unsubscribes (shop_id, member_key, channel, unsubscribed_at, source) "
                    "VALUES (?, ?, ?, ?, ?) ON CONFLICT (shop_id, member_key, channel) DO NOTHING",
                    [shop_id, member_key, channel, clock.require_aware(at or clock.now()), source])


def is_unsubscribed(store: Store, shop_id: str, member_key: str, channel: str = "email") -> bool:
    with store.unit() as con:
        row = con.execute("SELECT count(*) FROM unsubscribes WHERE shop_id = ? AND member_key = ? "
                          "AND channel IN (?, 'all')", [shop_id, member_key, channel]).fetchone()
    return bool(row[0])
