"""Shops the console is connected to (their non-secret settings)."""
from __future__ import annotations

import dataclasses
import json
import re
from typing import Any

from core import clock
from core.store import Store

PLATFORMS = ("cafe24", "godomall", "naver", "wix", "csv")  # the sandbox shop is a cafe24 shop


@dataclasses.dataclass(frozen=True)
class Shop:
    shop_id: str
    platform: str
    name: str
    timezone: str
    settings: dict[str, Any]
    sync_interval_minutes: int
    enabled: bool


def validate_shop_id(shop_id: str) -> str:
    if not re.fullmatch(r"[a-z0-9][a-z0-9_-]{0,39}", shop_id or ""):
        raise ValueError(f"shop id '{shop_id}' must be 1-40 lowercase letters, digits, '-' or '_'")
    return shop_id


def save_shop(store: Store, shop_id: str, platform: str, name: str, *,
              settings: dict[str, Any] | None = None, timezone: str = clock.DEFAULT_TZ,
              sync_interval_minutes: int = 15) -> Shop:
    validate_shop_id(shop_id)
    if platform not in PLATFORMS:
        raise ValueError(f"platform '{platform}' is not one of {', '.join(PLATFORMS)}")
    with store.unit() as con:
        con.execute("""
            INSERT INTO shops (shop_id, platform, name, timezone, settings, sync_interval_minutes, created_at)
            VALUES (?, ?, ?, ?, ?, ?, ?)
            ON CONFLICT (shop_id) DO UPDATE SET platform = excluded.platform, name = excluded.name,
                timezone = excluded.timezone, settings = excluded.settings,
                sync_interval_minutes = excluded.sync_interval_minutes""",
            [shop_id, platform, name, timezone, json.dumps(settings or {}), sync_interval_minutes, clock.now()])
    return get_shop(store, shop_id)


def _row_to_shop(row: tuple) -> Shop:
    shop_id, platform, name, tz, settings, interval, enabled = row
    return Shop(shop_id, platform, name, tz, json.loads(settings or "{}"), interval, enabled)


_COLUMNS = "shop_id, platform, name, timezone, settings, sync_interval_minutes, enabled"


def list_shops(store: Store) -> list[Shop]:
    with store.unit() as con:
        rows = con.execute(f"SELECT {_COLUMNS} FROM shops ORDER BY created_at, shop_id").fetchall()
    return [_row_to_shop(r) for r in rows]


def get_shop(store: Store, shop_id: str) -> Shop:
    with store.unit() as con:
        row = con.execute(f"SELECT {_COLUMNS} FROM shops WHERE shop_id = ?", [shop_id]).fetchone()
    if row is None:
        raise KeyError(f"no shop '{shop_id}' is connected")
    return _row_to_shop(row)
