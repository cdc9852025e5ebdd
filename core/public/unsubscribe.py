"""Unsubscribing: the signed link every advertising e-mail carries, and the row that makes it effective.

The token names the shop and member and carries a signature over both
(core.public.signing), so it cannot be forged or walked through member by
member. An unsubscribe is one row in `unsubscribes`, written in the request
that asked for it: the compliance check reads it before each send, so it takes
effect at once (정보통신망법 제50조: the recipient's refusal is honoured
without delay). This module is the only writer of `unsubscribes`.
"""
from __future__ import annotations

import binascii
import datetime as dt
import enum
import json

import duckdb

from core import clock
from core.errors import InvalidInput
from core.public.signing import BadSignature, Purpose, b64url, public_base_url, sign, unb64url, verify
from core.store import Store


class Source(enum.StrEnum):
    """Who asked for the unsubscribe."""

    LINK = "link"            # the confirm button of the unsubscribe page
    ONE_CLICK = "one-click"  # the mail client's List-Unsubscribe-Post (RFC 8058)
    CONSOLE = "console"      # an operator, in the console
    PLATFORM = "platform"    # the shop's platform reported it


class Channel(enum.StrEnum):
    EMAIL = "email"
    SMS = "sms"
    ALIMTALK = "alimtalk"
    ALL = "all"


class BadToken(InvalidInput):
    """An unsubscribe token that was not issued by this console (forged, altered or cut short)."""

    def __init__(self, detail: str = "this unsubscribe link is not valid") -> None:
        super().__init__("public.bad_token", detail=detail)


def unsubscribe_token(shop_id: str, member_key: str) -> str:
    payload = b64url(json.dumps([shop_id, member_key], ensure_ascii=False, separators=(",", ":")).encode("utf-8"))
    return f"{payload}.{sign(Purpose.UNSUBSCRIBE, shop_id, member_key)}"


def unsubscribe_url(shop_id: str, member_key: str) -> str:
    return f"{public_base_url()}/u/{unsubscribe_token(shop_id, member_key)}"


def read_token(token: str) -> tuple[str, str]:
    """(shop_id, member_key) of a token this console issued; BadToken otherwise."""
    try:
        payload, signature = token.split(".")
        shop_id, member_key = json.loads(unb64url(payload).decode("utf-8"))
        if not (isinstance(shop_id, str) and isinstance(member_key, str)):
            raise BadToken("the token does not name a shop and a member")
        verify(signature, Purpose.UNSUBSCRIBE, shop_id, member_key)
    except BadSignature as exc:
        raise BadToken(exc.detail) from exc
    except (ValueError, TypeError, UnicodeError, binascii.Error) as exc:  # JSON, base64, unpacking
        raise BadToken(f"the token cannot be read ({type(exc).__name__})") from exc
    return shop_id, member_key


def record(con: duckdb.DuckDBPyConnection, shop_id: str, member_key: str, source: Source | str, *,
           now: dt.datetime, channel: Channel | str = Channel.EMAIL) -> None:
    """Record the refusal at `now`, inside the caller's unit of work; asking twice keeps the first time."""
    try:
        source, channel = Source(source), Channel(channel)
    except ValueError as exc:
        raise InvalidInput("public.unsubscribe_invalid", detail=str(exc), source=str(source),
                           channel=str(channel)) from exc
    con.execute("INSERT INTO unsubscribes (shop_id, member_key, channel, unsubscribed_at, source) "
                "VALUES (?, ?, ?, ?, ?) ON CONFLICT (shop_id, member_key, channel) DO NOTHING",
                [shop_id, member_key, str(channel), clock.require_aware(now), str(source)])


def unsubscribe(store: Store, shop_id: str, member_key: str, source: Source | str, *, now: dt.datetime,
                channel: Channel | str = Channel.EMAIL) -> None:
    """Record the refusal at `now` in a unit of its own; asking twice keeps the first time."""
    with store.unit() as con:
        record(con, shop_id, member_key, source, now=now, channel=channel)


def is_unsubscribed_in(con: duckdb.DuckDBPyConnection, shop_id: str, member_key: str,
                       channel: Channel | str = Channel.EMAIL) -> bool:
    row = con.execute("SELECT count(*) FROM unsubscribes WHERE shop_id = ? AND member_key = ? "
                      "AND channel IN (?, 'all')", [shop_id, member_key, str(channel)]).fetchone()
    return bool(row and row[0])


def is_unsubscribed(store: Store, shop_id: str, member_key: str, channel: Channel | str = Channel.EMAIL) -> bool:
    with store.unit() as con:
        return is_unsubscribed_in(con, shop_id, member_key, channel)


__all__ = ["BadToken", "Channel", "Source", "is_unsubscribed", "is_unsubscribed_in", "read_token", "record",
           "unsubscribe", "unsubscribe_token", "unsubscribe_url"]
