"""What the store tells a Cafe24 cart sync: whom to ask about, and the names its cart lines lack.

Cafe24 lists carts only by member (`GET /api/v2/admin/carts?member_id=…`, see core.integrations.cafe24), so
the sync asks about the members the store holds, the ones a webhook named first, then the others in key
order from where the last sync stopped (the carts checkpoint's `after`). Only as many as the sync's cart
calls can ask about are read, so the plan's memory stays that of a thousand members whatever the shop's
size. Read in one short unit before the network calls begin.
"""
from __future__ import annotations

import duckdb

from core.integrations.cafe24 import CartPlan
from core.sync.runs import load_cursor


def load(con: duckdb.DuckDBPyConnection, shop_id: str, hinted: list[str] | None = None,
         rotate: bool = True, most: int = 1000) -> CartPlan:
    """The plan for a sync that can ask about `most` members; `rotate=False`: only the hinted members (a
    quick sync a webhook started asks about no others)."""
    hinted = list(hinted or [])
    rotation = rotation_window(con, shop_id, (load_cursor(con, shop_id, "carts") or {}).get("after"), most) \
        if rotate else []
    emails = con.execute("""SELECT member_key, email FROM members WHERE shop_id = ? AND email IS NOT NULL
                            AND member_key IN (SELECT unnest(?::VARCHAR[]))""", [shop_id, rotation + hinted]).fetchall()
    products = con.execute("SELECT product_key, name, image_url FROM products WHERE shop_id = ?",
                           [shop_id]).fetchall()
    return CartPlan(members=rotation, hinted=hinted, emails={str(m): str(e) for m, e in emails},
                    products={str(k): (n, i) for k, n, i in products}, rotate=rotate)


def rotation_window(con: duckdb.DuckDBPyConnection, shop_id: str, after: str | None, most: int) -> list[str]:
    """The next `most` member keys after `after` in key order, wrapping round to the first ones, in key order
    (core.integrations.cafe24.cart_queue starts the rotation after `after` in it)."""
    later = [str(r[0]) for r in con.execute(
        """SELECT member_key FROM members WHERE shop_id = ? AND (? IS NULL OR member_key > ?)
           ORDER BY member_key LIMIT ?""", [shop_id, after, after, most]).fetchall()]
    if after is None or len(later) >= most:
        return later
    wrapped = [str(r[0]) for r in con.execute(
        "SELECT member_key FROM members WHERE shop_id = ? AND member_key <= ? ORDER BY member_key LIMIT ?",
        [shop_id, after, most - len(later)]).fetchall()]
    return wrapped + later
