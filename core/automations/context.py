"""Merge data for a claimed batch, read in a few set-based queries (not one per message).

The shape follows the seam in notes/ISSUE4.md: member{name,email,member_key},
shop{name}, and per trigger order{...items}, products[...], cart{items,total,
recovery_url}, days. What is gathered is frozen into `outbox.context` with the
outcome, so the activity page shows what the customer saw.
"""
from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import duckdb
import polars as pl

from core.automations.outbox import Claimed

_ORDER_TRIGGERS = ("purchased", "delivered", "no_repurchase")


def _num(v: Any) -> Any:
    return int(v) if isinstance(v, Decimal) and v == int(v) else (float(v) if isinstance(v, Decimal) else v)


def _keys_frame(con: duckdb.DuckDBPyConnection, name: str, pairs: set[tuple[str, str]]) -> None:
    con.register(name, pl.DataFrame(sorted(pairs), schema={"shop_id": pl.Utf8, "k": pl.Utf8},
                                    orient="row").to_arrow())


def attach_contexts(con: duckdb.DuckDBPyConnection, batch: list[Claimed]) -> None:
    members = {(c.shop_id, c.member_key) for c in batch if c.member_key}
    orders = {(c.shop_id, c.occurrence_key) for c in batch if c.trigger in _ORDER_TRIGGERS}
    carts = {(c.shop_id, c.occurrence_key) for c in batch if c.trigger == "cart_abandoned"}
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
        cart_rows = {(s, k): {"cart_key": k, "total": _num(t), "recovery_url": url or "", "items": []}
                     for s, k, t, url in con.execute(
                         """SELECT c.shop_id, c.cart_key, c.total_amount, c.recovery_url FROM carts c
                            JOIN _c ON _c.shop_id = c.shop_id AND _c.k = c.cart_key""").fetchall()}
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
        if c.trigger == "cart_abandoned":
            ctx["cart"] = cart_rows.get((c.shop_id, c.occurrence_key),
                                        {"cart_key": c.occurrence_key, "total": 0, "recovery_url": "", "items": []})
        if "days" in c.params:
            ctx["days"] = c.params["days"]
        c.context = ctx


def jsonable(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: jsonable(v) for k, v in value.items() if not callable(v)}
    if isinstance(value, list):
        return [jsonable(v) for v in value]
    if isinstance(value, (dt.datetime, dt.date)):
        return value.isoformat()
    return value
