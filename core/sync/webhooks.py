"""Shop webhooks on the store side: each shop's webhook address, the events received, and what they start.

Cafe24 posts its events (developers.cafe24.com, "Event sample data") as `{"event_no", "resource"}` to the
address an app registers in the developer center; the documentation read for this module names no
signature or key by which a receiver could tell Cafe24's request from a forged one. So the address itself
is the secret (an unguessable token per shop, 256 bits), and an event is never trusted on its own: it only
names what changed (an order, a member), and the sync it starts fetches that through the Admin API with
the shop's own credentials. A forged event can at worst make a shop sync sooner.

Duplicate deliveries are one row (keyed by a digest of the event), and the order events arrive in does
not matter: the sync reads the records as they stand now. Polling (the shop's sync job) stays the safety
net for an event that never arrives. This module writes `webhook_addresses` and `webhook_events`.
"""
from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import json
import secrets
from typing import Any

import duckdb

# The Cafe24 events the console subscribes to, and the entity each names (developers.cafe24.com "Event
# sample data": Store>Orders 90023 order placed, 90024 shipping status, 90025 payment status, 90026
# cancellation, 90027 return; Store>Customers 90032 a customer signed up).
EVENTS: dict[int, str] = {90023: "orders", 90024: "orders", 90025: "orders", 90026: "orders", 90027: "orders",
                          90032: "members"}
MAX_ATTEMPTS = 5   # syncs an event may start before it is left to the polling safety net
TOKEN_BYTES = 32


@dataclasses.dataclass(frozen=True)
class Pending:
    """The events of one shop waiting for their sync."""

    shop_id: str
    event_ids: list[str]
    entities: list[str]
    members: list[str]


def address_token(con: duckdb.DuckDBPyConnection, shop_id: str, now: dt.datetime) -> str:
    """The shop's webhook token, made the first time it is asked for."""
    row = con.execute("SELECT token FROM webhook_addresses WHERE shop_id = ?", [shop_id]).fetchone()
    if row:
        return str(row[0])
    token = secrets.token_urlsafe(TOKEN_BYTES)
    con.execute("INSERT INTO webhook_addresses (shop_id, token, created_at) VALUES (?, ?, ?)",
                [shop_id, token, now])
    return token


def shop_of(con: duckdb.DuckDBPyConnection, token: str) -> str | None:
    """The shop whose webhook address carries `token`, if any."""
    row = con.execute("SELECT shop_id FROM webhook_addresses WHERE token = ?", [token]).fetchone()
    return str(row[0]) if row else None


def event_id(event: dict[str, Any]) -> str:
    """Cafe24's events carry no id of their own: the same event sent again is the same digest."""
    return hashlib.sha256(json.dumps(event, sort_keys=True, ensure_ascii=False).encode()).hexdigest()


def record(con: duckdb.DuckDBPyConnection, shop_id: str, event: dict[str, Any], now: dt.datetime) -> bool:
    """Keep a checked event; False when the same event was already received (nothing changes then)."""
    resource = event["resource"]
    eid = event_id(event)
    if con.execute("SELECT 1 FROM webhook_events WHERE shop_id = ? AND event_id = ?", [shop_id, eid]).fetchone():
        return False
    con.execute("""INSERT INTO webhook_events (shop_id, event_id, event_no, entity, member_key, order_key,
                                               received_at) VALUES (?, ?, ?, ?, ?, ?, ?)""",
                [shop_id, eid, int(event["event_no"]), EVENTS[int(event["event_no"])],
                 resource.get("member_id") or None, resource.get("order_id") or None, now])
    return True


def has_pending(con: duckdb.DuckDBPyConnection) -> bool:
    return bool(con.execute("SELECT EXISTS (SELECT 1 FROM webhook_events WHERE processed_at IS NULL)").fetchall()[0][0])


def pending(con: duckdb.DuckDBPyConnection) -> list[Pending]:
    """Every shop's unprocessed events, oldest shop first; the entities in sync order."""
    rows = con.execute("""SELECT shop_id, event_id, entity, member_key FROM webhook_events
                          WHERE processed_at IS NULL ORDER BY received_at, event_id""").fetchall()
    shops: dict[str, Pending] = {}
    for shop_id, eid, entity, member in rows:
        p = shops.setdefault(shop_id, Pending(shop_id, [], [], []))
        p.event_ids.append(eid)
        if entity not in p.entities:
            p.entities.append(entity)
        if member and member not in p.members:
            p.members.append(member)
    order = ("members", "orders")
    return [dataclasses.replace(p, entities=sorted(p.entities, key=order.index)) for p in shops.values()]


def finished(con: duckdb.DuckDBPyConnection, shop_id: str, event_ids: list[str], now: dt.datetime,
             error: str | None = None) -> None:
    """The sync these events started ended: done, or failed (tried again until MAX_ATTEMPTS)."""
    if not event_ids:
        return
    marks = ", ".join("?" * len(event_ids))
    if error is None:
        con.execute(f"""UPDATE webhook_events SET processed_at = ?, attempts = attempts + 1, last_error = NULL
                        WHERE shop_id = ? AND event_id IN ({marks})""", [now, shop_id, *event_ids])
        return
    con.execute(f"""UPDATE webhook_events SET attempts = attempts + 1, last_error = ?,
                        processed_at = CASE WHEN attempts + 1 >= ? THEN ? END
                    WHERE shop_id = ? AND event_id IN ({marks})""",
                [error[:500], MAX_ATTEMPTS, now, shop_id, *event_ids])
