"""Shops the console is connected to (their non-secret settings): the one module that writes `shops`."""
from __future__ import annotations

import dataclasses
import json
import re
from typing import Any

import duckdb

from core import clock
from core.errors import InvalidInput, NotFound
from core.store import Store

PLATFORMS = ("cafe24", "godomall", "naver", "wix", "csv")  # the sandbox shop is a cafe24 shop


class ShopNotFound(NotFound, KeyError):
    """No shop of that id is connected. A KeyError too, for the callers that catch one."""

    def __init__(self, shop_id: str) -> None:
        super().__init__("shops.not_found", detail=f"no shop '{shop_id}' is connected", shop_id=shop_id)

    def __str__(self) -> str:  # KeyError would quote the message
        return self._log_text()


class InvalidShop(InvalidInput, ValueError):
    """A shop id or platform that cannot be saved. A ValueError too, for the callers that catch one."""


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
        raise InvalidShop("shops.bad_id", detail=f"shop id '{shop_id}' must be 1-40 lowercase letters, digits, "
                          "'-' or '_'", shop_id=shop_id)
    return shop_id


def save_shop(store: Store, shop_id: str, platform: str, name: str, *,
              settings: dict[str, Any] | None = None, timezone: str = clock.DEFAULT_TZ,
              sync_interval_minutes: int = 15) -> Shop:
    """Connect (or update) a shop; `created_at` records when, by the clock (a stamp, not a rule)."""
    validate_shop_id(shop_id)
    if platform not in PLATFORMS:
        raise InvalidShop("shops.bad_platform", detail=f"platform '{platform}' is not one of {', '.join(PLATFORMS)}",
                          platform=platform, platforms=", ".join(PLATFORMS))
    with store.unit() as con:
        con.execute("""
            INSERT INTO shops (shop_id, platform, name, timezone, settings, sync_interval_minutes, created_at)
            VALUES (?, ?, ?, ?, ?, ?, ?)
            ON CONFLICT (shop_id) DO UPDATE SET platform = excluded.platform, name = excluded.name,
                timezone = excluded.timezone, settings = excluded.settings,
                sync_interval_minutes = excluded.sync_interval_minutes""",
            [shop_id, platform, name, timezone, json.dumps(settings or {}), sync_interval_minutes,
             clock.now()])
    return get_shop(store, shop_id)


def _row_to_shop(row: tuple[Any, ...]) -> Shop:
    shop_id, platform, name, tz, settings, interval, enabled = row
    return Shop(shop_id, platform, name, tz, json.loads(settings or "{}"), interval, enabled)


_COLUMNS = "shop_id, platform, name, timezone, settings, sync_interval_minutes, enabled"


def shops(con: duckdb.DuckDBPyConnection) -> list[Shop]:
    """Every connected shop, in the unit of work the caller holds."""
    rows = con.execute(f"SELECT {_COLUMNS} FROM shops ORDER BY created_at, shop_id").fetchall()
    return [_row_to_shop(r) for r in rows]


def list_shops(store: Store) -> list[Shop]:
    with store.unit() as con:
        return shops(con)


def shop(con: duckdb.DuckDBPyConnection, shop_id: str) -> Shop:
    """One shop, in the unit of work the caller holds; ShopNotFound if it is not connected."""
    row = con.execute(f"SELECT {_COLUMNS} FROM shops WHERE shop_id = ?", [shop_id]).fetchone()
    if row is None:
        raise ShopNotFound(shop_id)
    return _row_to_shop(row)


def get_shop(store: Store, shop_id: str) -> Shop:
    with store.unit() as con:
        return shop(con, shop_id)


def shop_timezone(con: duckdb.DuckDBPyConnection, shop_id: str) -> str:
    """The shop's time zone, where its business rules run; the default zone for a shop not (yet) stored."""
    rows = con.execute("SELECT timezone FROM shops WHERE shop_id = ?", [shop_id]).fetchall()
    return (rows[0][0] if rows else None) or clock.DEFAULT_TZ


def timezones(con: duckdb.DuckDBPyConnection) -> dict[str, str]:
    """shop_id → time zone, for every shop."""
    return {shop_id: tz or clock.DEFAULT_TZ
            for shop_id, tz in con.execute("SELECT shop_id, timezone FROM shops").fetchall()}


def shop_ids(con: duckdb.DuckDBPyConnection) -> set[str]:
    return {r[0] for r in con.execute("SELECT shop_id FROM shops").fetchall()}


def set_setting(con: duckdb.DuckDBPyConnection, shop_id: str, key: str, value: Any) -> None:
    """Set one key of the shop's non-secret settings, keeping the others; ShopNotFound if it is not connected."""
    if not con.execute("SELECT 1 FROM shops WHERE shop_id = ?", [shop_id]).fetchall():
        raise ShopNotFound(shop_id)
    con.execute("""UPDATE shops SET settings = json_merge_patch(coalesce(settings, '{}'), json_object(?, ?::JSON))
                   WHERE shop_id = ?""", [key, json.dumps(value), shop_id])


def set_sync_interval(con: duckdb.DuckDBPyConnection, shop_id: str, minutes: int) -> None:
    """How often the scheduler syncs the shop; ShopNotFound if it is not connected."""
    if not con.execute("SELECT 1 FROM shops WHERE shop_id = ?", [shop_id]).fetchall():
        raise ShopNotFound(shop_id)
    con.execute("UPDATE shops SET sync_interval_minutes = ? WHERE shop_id = ?", [minutes, shop_id])


def set_enabled(con: duckdb.DuckDBPyConnection, shop_id: str, enabled: bool) -> None:
    """Pause (or resume) the shop's syncs."""
    con.execute("UPDATE shops SET enabled = ? WHERE shop_id = ?", [enabled, shop_id])
