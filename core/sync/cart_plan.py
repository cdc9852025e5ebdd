"""What the store tells a Cafe24 cart sync: whom to ask about, and what its cart lines lack.

Cafe24 lists carts only by member (`GET /api/v2/admin/carts?member_id=…`, see core.integrations.cafe24), so
the sync asks about the members the store holds, the ones a webhook named first, then the others in key
order from where the last sync stopped (the carts checkpoint's `after`). Only as many as the sync's cart
calls can ask about are read, so the plan's memory stays that of a thousand members whatever the shop's
size. The plan is read in one short unit before the network calls begin; the e-mails of the members whose
carts a page found are read as the page comes (a short unit between calls, holding the members this sync
has written by then).
"""
from __future__ import annotations

import duckdb

from core.integrations.cafe24 import CartPlan
from core.store import Store
from core.sync.runs import load_cursor


def load(store: Store, shop_id: str, hinted: list[str] | None = None, rotate: bool = True,
         most: int = 1000) -> CartPlan:
    """The plan for a sync that can ask about `most` members; `rotate=False`: only the hinted members (a
    quick sync a webhook started asks about no others)."""
    with store.unit() as con:
        after = (load_cursor(con, shop_id, "carts") or {}).get("after")
        rotation = rotation_window(con, shop_id, after, most) if rotate else []
        products = con.execute("SELECT product_key, name, image_url FROM products WHERE shop_id = ?",
                               [shop_id]).fetchall()

    def emails_for(members: list[str]) -> dict[str, str]:
        with store.unit() as con:
            return emails(con, shop_id, members)

    return CartPlan(members=rotation, hinted=list(hinted or []), emails_for=emails_for,
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


def emails(con: duckdb.DuckDBPyConnection, shop_id: str, members: list[str]) -> dict[str, str]:
    """The stored e-mails of `members` (those that have one)."""
    return {str(m): str(e) for m, e in con.execute(
        """SELECT member_key, email FROM members WHERE shop_id = ? AND email IS NOT NULL
           AND member_key IN (SELECT unnest(?::VARCHAR[]))""", [shop_id, members]).fetchall()}
