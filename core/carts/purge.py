"""The daily purge of carts idle for longer than they are kept (and their items)."""
from __future__ import annotations

import datetime as dt

from core.store import Store

CART_RETENTION = dt.timedelta(days=30)


def purge_carts(store: Store, now: dt.datetime) -> int:
    """Delete the carts last active before `now` - CART_RETENTION; returns how many went."""
    cutoff = now - CART_RETENTION
    with store.unit() as con:
        con.execute("""DELETE FROM cart_items WHERE (shop_id, cart_key) IN (
                           SELECT shop_id, cart_key FROM carts WHERE last_activity_at < ?)""", [cutoff])
        return len(con.execute("DELETE FROM carts WHERE last_activity_at < ? RETURNING cart_key",
                               [cutoff]).fetchall())
