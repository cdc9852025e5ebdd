"""Merge data for a claimed batch, read in a few set-based queries (not one per message).

The shape: member{name,email,member_key},
shop{name}, and per trigger order{...items}, products[...], cart{items,total,
recovery_url}, days. What is gathered is frozen into `outbox.context` with the
outcome, so the activity page shows what the customer saw.

The owner's notices (cart_notice, cart_digest) are written to the owner, so `member` is the owner (no
member key, usually no name); the customer is in `cart` (email, customer_name, abandoned_at), and a
digest lists the day's abandoned carts (core.automations.triggers.ABANDONED_CARTS_SQL, the page's rule).
"""
from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

import duckdb
import polars as pl

from core.messaging.email import EmailClaim
from core.shops.registry import shop_timezone

_ORDER_TRIGGERS = ("purchased", "delivered", "no_repurchase")
_CART_TRIGGERS = ("cart_abandoned", "cart_notice")
DIGEST_LIST_LIMIT = 100  # carts listed in one digest e-mail; the rest are counted ("외 N건")


def _num(v: Any) -> Any:
    return int(v) if isinstance(v, Decimal) and v == int(v) else (float(v) if isinstance(v, Decimal) else v)


def _keys_frame(con: duckdb.DuckDBPyConnection, name: str, pairs: set[tuple[str, str]]) -> None:
    con.register(name, pl.DataFrame(sorted(pairs), schema={"shop_id": pl.Utf8, "k": pl.Utf8},
                                    orient="row").to_arrow())


def attach_contexts(con: duckdb.DuckDBPyConnection, batch: list[EmailClaim]) -> None:
    members = {(c.shop_id, c.member_key) for c in batch if c.member_key}
    orders = {(c.shop_id, c.occurrence_key) for c in batch if c.trigger in _ORDER_TRIGGERS}
    carts = {(c.shop_id, c.occurrence_key) for c in batch if c.trigger in _CART_TRIGGERS}
    _keys_frame(con, "_m", members)
    _keys_frame(con, "_o", orders)
    _keys_frame(con, "_c", carts)
    try:
        shop_names = dict(con.execute("SELECT shop_id, name FROM shops").fetchall())
        member_rows = {(s, k): {"member_key": k, "name": n or "", "email": e or ""} for s, k, n, e in con.execute(
            """SELECT m.shop_id, m.member_key, m.name, m.email FROM members m
               JOIN _m ON _m.shop_id = m.shop_id AND _m.k = m.member_key""").fetchall()}
        order_rows = {(s, k): {"order_key": k, "total": _num(t), "ordered_at": at.isoformat(), "items": []}
                      for s, k, t, at in con.execute(
                          """SELECT o.shop_id, o.order_key, o.total_amount, o.ordered_at FROM orders o
                             JOIN _o ON _o.shop_id = o.shop_id AND _o.k = o.order_key""").fetchall()}
        for s, k, name, img, price, qty, opt, pkey in con.execute(
                """SELECT i.shop_id, i.order_key, coalesce(i.product_name, p.name, ''), p.image_url, i.unit_price,
                          i.quantity, i.option_text, i.product_key
                   FROM order_items i JOIN _o ON _o.shop_id = i.shop_id AND _o.k = i.order_key
                   LEFT JOIN products p ON p.shop_id = i.shop_id AND p.product_key = i.product_key
                   ORDER BY i.shop_id, i.order_key, i.item_key""").fetchall():
            order_rows[(s, k)]["items"].append({"name": name, "image_url": img or "", "price": _num(price),
                                                "quantity": qty, "option_text": opt or "", "product_key": pkey})
        cart_rows = {(s, k): {"cart_key": k, "total": _num(t), "recovery_url": url or "", "items": [],
                              "email": email or "", "customer_name": name or "", "last_activity_at": last}
                     for s, k, t, url, email, name, last in con.execute(
                         """SELECT c.shop_id, c.cart_key, c.total_amount, c.recovery_url, coalesce(c.email, m.email),
                                   m.name, c.last_activity_at FROM carts c
                            JOIN _c ON _c.shop_id = c.shop_id AND _c.k = c.cart_key
                            LEFT JOIN members m ON m.shop_id = c.shop_id AND m.member_key = c.member_key"""
                         ).fetchall()}
        for s, k, name, img, price, qty, opt in con.execute(
                """SELECT i.shop_id, i.cart_key, coalesce(i.name, p.name, ''), coalesce(i.image_url, p.image_url),
                          i.unit_price, i.quantity, i.option_text
                   FROM cart_items i JOIN _c ON _c.shop_id = i.shop_id AND _c.k = i.cart_key
                   LEFT JOIN products p ON p.shop_id = i.shop_id AND p.product_key = i.product_key
                   ORDER BY i.shop_id, i.cart_key, i.line_no""").fetchall():
            cart_rows[(s, k)]["items"].append({"name": name, "image_url": img or "", "price": _num(price),
                                               "quantity": qty, "option_text": opt or ""})
    finally:
        for name in ("_m", "_o", "_c"):
            con.unregister(name)
    for c in batch:
        member = member_rows.get((c.shop_id, c.member_key)) or {
            "member_key": c.member_key or "", "name": "", "email": c.recipient}
        ctx: dict[str, Any] = {"member": {**member, "email": c.recipient},
                               "shop": {"name": shop_names.get(c.shop_id, c.shop_id)}}
        if c.trigger in _ORDER_TRIGGERS and (c.shop_id, c.occurrence_key) in order_rows:
            ctx["order"] = order_rows[(c.shop_id, c.occurrence_key)]
            ctx["products"] = ctx["order"]["items"]
        if c.trigger in _CART_TRIGGERS:
            cart = dict(cart_rows.get((c.shop_id, c.occurrence_key),
                                      {"cart_key": c.occurrence_key, "total": 0, "recovery_url": "", "items": [],
                                       "email": "", "customer_name": "", "last_activity_at": None}))
            last = cart.pop("last_activity_at")
            if c.trigger == "cart_notice":
                cart["abandoned_at"] = (last + _threshold(c.params)).isoformat() if last else ""
            ctx["cart"] = cart
        if c.trigger == "cart_digest" and _is_day(c.occurrence_key):  # (a member's preview has no day)
            ctx["digest"] = digest(con, c.shop_id, c.occurrence_key, c.params)
        if "days" in c.params:
            ctx["days"] = c.params["days"]
        c.context = ctx


def _is_day(key: str) -> bool:
    try:
        dt.date.fromisoformat(key)
    except ValueError:
        return False
    return True


def _threshold(params: dict[str, Any]) -> dt.timedelta:
    from core.automations.triggers import DEFAULT_CART_THRESHOLD_MINUTES
    return dt.timedelta(minutes=int(params.get("threshold_minutes", DEFAULT_CART_THRESHOLD_MINUTES)))


def digest(con: duckdb.DuckDBPyConnection, shop_id: str, day: str, params: dict[str, Any]) -> dict[str, Any]:
    """The carts abandoned on `day` (YYYY-MM-DD, the shop's calendar) with their items, first abandoned first."""
    from core.automations.triggers import ABANDONED_CARTS_SQL, bind
    tz = shop_timezone(con, shop_id)
    start = dt.datetime.combine(dt.date.fromisoformat(day), dt.time(), ZoneInfo(tz))
    end = dt.datetime.combine(dt.date.fromisoformat(day) + dt.timedelta(days=1), dt.time(), ZoneInfo(tz))
    sql = f"""SELECT a.cart_key, a.email, m.name, a.total_amount, a.recovery_url, a.abandoned_at, a.recovered
              FROM ({ABANDONED_CARTS_SQL}) a
              LEFT JOIN members m ON m.shop_id = $shop AND m.member_key = a.member_key
              ORDER BY a.abandoned_at, a.cart_key"""
    params_ = {"shop": shop_id, "afrom": start, "ato": end,
               "threshold": int(_threshold(params).total_seconds() // 60)}
    rows = con.execute(sql, bind(sql, params_)).fetchall()
    carts = [{"cart_key": k, "email": e or "", "customer_name": n or "", "total": _num(t), "recovery_url": u or "",
              "abandoned_at": at.isoformat(), "recovered": bool(r), "items": []}
             for k, e, n, t, u, at, r in rows[:DIGEST_LIST_LIMIT]]
    by_key = {c["cart_key"]: c for c in carts}
    if carts:
        for k, name, img, price, qty, opt in con.execute(
                """SELECT i.cart_key, coalesce(i.name, p.name, ''), coalesce(i.image_url, p.image_url), i.unit_price,
                          i.quantity, i.option_text
                   FROM cart_items i LEFT JOIN products p ON p.shop_id = i.shop_id AND p.product_key = i.product_key
                   WHERE i.shop_id = ? AND list_contains(?::VARCHAR[], i.cart_key)
                   ORDER BY i.cart_key, i.line_no""", [shop_id, list(by_key)]).fetchall():
            by_key[k]["items"].append({"name": name, "image_url": img or "", "price": _num(price), "quantity": qty,
                                       "option_text": opt or ""})
    return {"date": day, "count": len(rows), "more": max(0, len(rows) - DIGEST_LIST_LIMIT),
            "total": _num(sum((r[3] or 0) for r in rows)), "carts": carts}
