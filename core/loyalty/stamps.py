"""Digital stamps: given when an order's delivery completes, one row per order, rewards per full card.

The key of `stamps` is the order, so an order gives its stamps once whatever runs twice (ticks,
restarts, a sync that brings the order back). A row records how many stamps the order gave, the
member's total including them (`total_after`) and the card size then, which is all a ledger and a
notice ("3 of 10") need. A reward is a row keyed by (member, card number): the stamp that fills a card
files it once. Only members' orders earn stamps (a guest has no ledger); cancelled or returned orders
do not; only deliveries since stamps were switched on count.

An order is delivered at its own `delivered_at`, or when its last item is delivered if the platform
only dates items. The moment is named ('delivery_complete') so other moments can be added later.
"""
from __future__ import annotations

import datetime as dt

import duckdb
import polars as pl

from core.loyalty import notify
from core.loyalty.settings import read as read_settings
from core.store import Store

_MOMENT_SQL = {
    "delivery_complete": """
        WITH items_done AS (
            SELECT order_key, max(delivered_at) AS done_at FROM order_items WHERE shop_id = $shop
            GROUP BY order_key HAVING count(*) = count(delivered_at))
        SELECT o.order_key, o.member_key, coalesce(o.delivered_at, d.done_at) AS earned_at
        FROM orders o LEFT JOIN items_done d ON d.order_key = o.order_key
        WHERE o.shop_id = $shop AND o.member_key IS NOT NULL AND o.status NOT IN ('cancelled', 'returned')
          AND coalesce(o.delivered_at, d.done_at) BETWEEN $since AND $now""",
}


def _returning(con: duckdb.DuckDBPyConnection, sql: str, params: dict) -> pl.DataFrame:
    """The rows an INSERT ... RETURNING gave back, read fully before the connection is used again."""
    cursor = con.execute(sql, params)
    columns = [d[0] for d in cursor.description]
    return pl.DataFrame(cursor.fetchall(), schema=columns, orient="row")


def award(con: duckdb.DuckDBPyConnection, shop_id: str, now: dt.datetime) -> dict[str, int]:
    """Give the stamps that are due for one shop, file the rewards of cards they fill, plan the notices."""
    ss = read_settings(con, shop_id, "stamp")
    if not ss.enabled:
        return {"stamps": 0, "rewards": 0}
    params = {"shop": shop_id, "since": ss.active_from or now, "now": now, "moment": ss.moment,
              "per": ss.stamps_per_order, "size": ss.card_size}
    new = _returning(con, f"""
        INSERT INTO stamps (shop_id, order_key, member_key, moment, stamps, total_after, card_size, earned_at,
                            created_at)
        WITH cand AS ({_MOMENT_SQL[ss.moment]}),
        fresh AS (SELECT c.* FROM cand c
                  WHERE NOT EXISTS (SELECT 1 FROM stamps s WHERE s.shop_id = $shop AND s.order_key = c.order_key)),
        prior AS (SELECT member_key, sum(stamps) AS total FROM stamps WHERE shop_id = $shop
                  AND member_key IN (SELECT member_key FROM fresh) GROUP BY member_key)
        SELECT $shop, f.order_key, f.member_key, $moment, $per,
               coalesce(p.total, 0) + $per * row_number() OVER (PARTITION BY f.member_key
                                                               ORDER BY f.earned_at, f.order_key),
               $size, f.earned_at, $now
        FROM fresh f LEFT JOIN prior p USING (member_key)
        ON CONFLICT (shop_id, order_key) DO NOTHING
        RETURNING order_key, member_key, stamps, total_after, card_size, earned_at""", params)
    if new.is_empty():
        return {"stamps": 0, "rewards": 0}
    # Every card number a new stamp row crosses: (before // size, after // size].
    con.register("_new_stamps", new.to_arrow())
    try:
        rewards = _returning(con, """
            INSERT INTO stamp_rewards (shop_id, member_key, card_no, reward, order_key, issued_at)
            SELECT $shop, member_key, card_no, $reward, order_key, $now FROM (
                SELECT member_key, order_key,
                       unnest(range((total_after - stamps) // card_size + 1, total_after // card_size + 1)) AS card_no
                FROM _new_stamps)
            ON CONFLICT (shop_id, member_key, card_no) DO NOTHING
            RETURNING member_key, card_no, reward, order_key""",
                             {"shop": shop_id, "reward": ss.reward, "now": now})
    finally:
        con.unregister("_new_stamps")
    notify.plan_stamp_notices(con, shop_id, new, now)
    if rewards.height:
        notify.plan_reward_notices(con, shop_id, rewards.with_columns(pl.lit(ss.card_size).alias("card_size")), now)
    return {"stamps": new.height, "rewards": rewards.height}


def ledger(store: Store, shop_id: str, member_key: str) -> pl.DataFrame:
    """A member's stamps and rewards, oldest first: (at, kind, order_key, stamps, total, reward)."""
    with store.unit() as con:
        return con.sql("""
            SELECT earned_at AS occurred_at, 'stamp' AS kind, order_key, stamps, total_after AS total, card_size,
                   NULL AS card_no, NULL AS reward
            FROM stamps WHERE shop_id = $shop AND member_key = $member
            UNION ALL
            -- a reward sits right after the stamp that filled its card
            SELECT s.earned_at, 'reward', r.order_key, 0, NULL, NULL, r.card_no, r.reward
            FROM stamp_rewards r JOIN stamps s ON s.shop_id = r.shop_id AND s.order_key = r.order_key
            WHERE r.shop_id = $shop AND r.member_key = $member
            ORDER BY occurred_at, kind DESC, order_key, card_no""", params={"shop": shop_id, "member": member_key}).pl()


def cards(store: Store, shop_id: str, *, member: str | None = None, limit: int = 500) -> pl.DataFrame:
    """Per member: total stamps, the current card's fill, full cards, rewards issued, last stamp."""
    with store.unit() as con:
        ss = read_settings(con, shop_id, "stamp")
        return con.sql("""
            WITH t AS (SELECT member_key, sum(stamps) AS stamps, max(earned_at) AS last_stamp_at, count(*) AS orders
                       FROM stamps WHERE shop_id = $shop GROUP BY member_key),
            r AS (SELECT member_key, count(*) AS rewards FROM stamp_rewards WHERE shop_id = $shop GROUP BY member_key)
            SELECT t.member_key, m.name AS member_name, t.stamps::INTEGER AS stamps, t.orders,
                   (t.stamps % $size)::INTEGER AS on_card, $size AS card_size,
                   (t.stamps // $size)::INTEGER AS full_cards, coalesce(r.rewards, 0) AS rewards, t.last_stamp_at
            FROM t LEFT JOIN r USING (member_key)
            LEFT JOIN members m ON m.shop_id = $shop AND m.member_key = t.member_key
            WHERE $member IS NULL OR t.member_key = $member OR m.name ILIKE '%' || $member || '%'
            ORDER BY t.last_stamp_at DESC, t.member_key LIMIT $limit""",
                       params={"shop": shop_id, "size": ss.card_size, "member": member or None,
                               "limit": limit}).pl()


def totals(store: Store, shop_id: str) -> dict[str, int]:
    with store.unit() as con:
        stamps, members = con.execute("SELECT coalesce(sum(stamps), 0), count(DISTINCT member_key) FROM stamps "
                                      "WHERE shop_id = ?", [shop_id]).fetchall()[0]
        rewards = con.execute("SELECT count(*) FROM stamp_rewards WHERE shop_id = ?", [shop_id]).fetchall()[0][0]
    return {"stamps": int(stamps), "members": int(members), "rewards": int(rewards)}

