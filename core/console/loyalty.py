"""What the 스탬프·보증서 page shows and does, shaped for it (no Streamlit here, no SQL in the page).

Every function opens the store for one unit of work; `store` may be a Store, a path or None, so the
page can key `st.cache_data` on the path. Results are plain dicts and lists, ready to cache.
"""
from __future__ import annotations

import dataclasses
import datetime as dt
import json
from typing import Any
from zoneinfo import ZoneInfo

from core import clock
from core.console.common import StoreLike, open_store, store_path
from core.console.errors import describe
from core.loyalty import notify, stamps, warranty
from core.loyalty import settings as ls
from core.messaging.alimtalk import read_sandbox
from core.public import certificates as certificate

__all__ = ["store_path"]

# Where a warranty's product name is taken from, and the Alimtalk notices a shop can send.
NAME_SOURCES = ls.NAME_SOURCES
NOTICE_KINDS = ls.NOTICE_KINDS
# What a page catches when settings are refused: SettingsError names the field; TypeError is a value
# of the wrong shape.
Refused = (ls.SettingsError, TypeError)


def load_settings(store: StoreLike, shop_id: str) -> dict[str, dict[str, Any]]:
    s = open_store(store)
    with s.unit() as con:
        out = {kind: dataclasses.asdict(ls.read(con, shop_id, kind)) for kind in ls.KINDS}
    out["alimtalk"]["has_secret"] = bool(ls.alimtalk_secret(shop_id))
    return out


def save_settings(store: StoreLike, shop_id: str, kind: str, values: dict[str, Any]) -> dict[str, Any]:
    """Validate and save one kind of settings; raises one of Refused, naming the field."""
    values = {k: v for k, v in values.items() if k not in ("active_from", "has_secret")}
    saved = ls.save(open_store(store), shop_id, ls.from_dict(kind, values), now=clock.now())
    return dataclasses.asdict(saved)


def save_alimtalk_secret(shop_id: str, secret_key: str) -> None:
    ls.save_alimtalk_secret(shop_id, secret_key)


def categories(store: StoreLike, shop_id: str) -> list[dict[str, Any]]:
    """The synced category tree, each with its full path (대분류 > 중분류 > …), in path order."""
    frame = open_store(store).frame("""
        SELECT category_key, name, depth, coalesce(path, name) AS path FROM categories
        WHERE shop_id = ? ORDER BY coalesce(path, name), depth""", [shop_id])
    return frame.to_dicts()


def detail_keys(store: StoreLike, shop_id: str, sample: int = 2000) -> list[str]:
    """The product detail fields the shop's products carry (from a sample), most common first."""
    frame = open_store(store).frame("""
        SELECT k AS key, count(*) AS n FROM (
            SELECT unnest(json_keys(detail)) AS k FROM (
                SELECT detail FROM products WHERE shop_id = ? AND detail IS NOT NULL LIMIT ?))
        GROUP BY k ORDER BY n DESC, k""", [shop_id, sample])
    return frame["key"].to_list() if frame.height else []


def preview_html(store: StoreLike, shop_id: str, values: dict[str, Any]) -> tuple[str | None, str | None]:
    """(HTML of a certificate for a real recently delivered item with these unsaved settings, error)."""
    try:
        ws = ls.from_dict("warranty", {k: v for k, v in values.items() if k != "active_from"})
        ws.validate()
    except Refused as exc:
        return None, describe(exc)
    assert isinstance(ws, ls.WarrantySettings)  # from_dict("warranty", ...) makes nothing else
    row = warranty.preview(open_store(store), shop_id, ws, now=clock.now())
    if row is None:
        return None, None
    return certificate.render(row, clock.now()), None


def history(store: StoreLike, shop_id: str, *, status: str | None, since: dt.date | None, until: dt.date | None,
            product: str | None, member: str | None, tz: str = clock.DEFAULT_TZ, limit: int = 500) -> list[dict]:
    zone = ZoneInfo(tz)
    start = dt.datetime.combine(since, dt.time(), zone) if since else None
    end = dt.datetime.combine(until + dt.timedelta(days=1), dt.time(), zone) if until else None
    frame = warranty.history(open_store(store), shop_id, status=status, since=start, until=end,
                             product=product or None, member=member or None, limit=limit)
    return frame.to_dicts()


def counts(store: StoreLike, shop_id: str) -> dict[str, int]:
    return warranty.counts(open_store(store), shop_id)


def issue(store: StoreLike, shop_id: str, item_keys: list[str]) -> int:
    return warranty.issue_pending(open_store(store), shop_id, item_keys, now=clock.now())


def revoke(store: StoreLike, shop_id: str, item_keys: list[str], reason: str) -> int:
    return warranty.revoke(open_store(store), shop_id, item_keys, reason, now=clock.now())


def cards(store: StoreLike, shop_id: str, member: str | None = None) -> list[dict]:
    return stamps.cards(open_store(store), shop_id, member=member).to_dicts()


def ledger(store: StoreLike, shop_id: str, member_key: str) -> list[dict]:
    return stamps.ledger(open_store(store), shop_id, member_key).to_dicts()


def stamp_totals(store: StoreLike, shop_id: str) -> dict[str, int]:
    return stamps.totals(open_store(store), shop_id)


def sandbox_messages(store: StoreLike, limit: int = 50) -> list[dict]:
    """What the sandbox Alimtalk provider recorded, newest first, flattened for a table."""
    rows = []
    for line in read_sandbox(notify.sandbox_path(open_store(store)), limit):
        recipient = (line.get("request", {}).get("recipientList") or [{}])[0]
        rows.append({"recorded_at": line.get("recorded_at"), "template_code": line["request"].get("templateCode"),
                     "recipient": recipient.get("recipientNo"),
                     "variables": json.dumps(recipient.get("templateParameter") or {}, ensure_ascii=False)})
    return rows


def certificate_url(code: str) -> str:
    return notify.certificate_url(code)


VARIABLES = notify.VARIABLES
