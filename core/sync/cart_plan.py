"""What the store tells a Cafe24 cart sync: whom to ask about, and the names its cart lines lack.

Cafe24 lists carts only by member (`GET /api/v2/admin/carts?member_id=…`, see core.integrations.cafe24), so
the sync asks about the members the store holds, the ones a webhook named first. Read in one short unit
before the network calls begin.
"""
from __future__ import annotations

import duckdb

from core.integrations.cafe24 import CartPlan


def load(con: duckdb.DuckDBPyConnection, shop_id: str, hinted: list[str] | None = None,
         rotate: bool = True) -> CartPlan:
    if rotate:
        members = con.execute("SELECT member_key, email FROM members WHERE shop_id = ? ORDER BY member_key",
                              [shop_id]).fetchall()
    else:  # a quick sync asks only about the hinted members: read only theirs
        members = con.execute("""SELECT member_key, email FROM members WHERE shop_id = ?
                                 AND member_key IN (SELECT unnest(?)) ORDER BY member_key""",
                              [shop_id, list(hinted or [])]).fetchall()
    products = con.execute("SELECT product_key, name, image_url FROM products WHERE shop_id = ?",
                           [shop_id]).fetchall()
    return CartPlan(members=[str(m) for m, _ in members] if rotate else [], hinted=list(hinted or []),
                    emails={str(m): str(e) for m, e in members if e},
                    products={str(k): (n, i) for k, n, i in products}, rotate=rotate)
