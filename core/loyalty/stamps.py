"""Digital stamps: given when an order's delivery completes, one row per order, rewards per full card.

The key of `stamps` is the order, so an order gives its stamps once whatever runs twice (ticks,
restarts, a sync that brings the order back). A row records how many stamps the order gave, the
member's total including them (`total_after`) and the card size then, which is all a ledger and a
notice ("3 of 10") need. A reward is a row keyed by (member, card number): the stamp that fills a card
files it once. Only members' orders earn stamps (a guest has no ledger); cancelled or returned orders
do not; only deliveries since stamps were switched on count.

An order is delivered at its own `delivered_at`, or when its last item is delivered if the platform
only dates items. The moment is named ('delivery_complete') so other moments can be added later.

Every shop is served by one pass (`award_all`), and a pass reads only what can have changed since the
shop's last run (`issued_until`, see core.loyalty.settings): an order left out is one whose moment came
before that run and that no sync has written since, which that run has judged already. A first run, or
one after the settings were saved, looks at everything since `active_from`.
"""
from __future__ import annotations

import datetime as dt

import duckdb
import polars as pl

from core.loyalty import notify
from core.loyalty.settings import Enabled, StampSettings, lower_bound
from core.loyalty.settings import read as read_settings
from core.store import Store

# What can have become due since a shop's last run (`issued_until`): orders delivered since then, orders
# and items a sync wrote since then, and orders with an item delivered since then. Each branch compares
# one stored column with constants, so DuckDB's row-group min/max statistics skip the years of older
# orders; the exact rule (the moment within [active_from, now], no stamp yet) is applied to these only.
_TOUCHED_SQL = """
    SELECT shop_id, order_key FROM orders WHERE delivered_at > $lo AND delivered_at <= $now
    UNION SELECT shop_id, order_key FROM orders WHERE synced_at > $lo
    UNION SELECT shop_id, order_key FROM order_items WHERE delivered_at > $lo AND delivered_at <= $now
    UNION SELECT shop_id, order_key FROM order_items WHERE synced_at > $lo"""

_MOMENT_SQL = {
    "delivery_complete": f"""
        WITH touched AS MATERIALIZED ({_TOUCHED_SQL}),
        items_done AS (
            SELECT oi.shop_id, oi.order_key, max(oi.delivered_at) AS done_at FROM order_items oi
            SEMI JOIN touched t ON t.shop_id = oi.shop_id AND t.order_key = oi.order_key
            GROUP BY ALL HAVING count(*) = count(oi.delivered_at))
        SELECT o.shop_id, o.order_key, o.member_key, coalesce(o.delivered_at, d.done_at) AS earned_at
        FROM orders o
        SEMI JOIN touched t ON t.shop_id = o.shop_id AND t.order_key = o.order_key
        JOIN _stamp_shops sh ON sh.shop_id = o.shop_id
        LEFT JOIN items_done d ON d.shop_id = o.shop_id AND d.order_key = o.order_key
        WHERE o.member_key IS NOT NULL AND o.status NOT IN ('cancelled', 'returned')
          AND coalesce(o.delivered_at, d.done_at) BETWEEN sh.since AND $now""",
}

_SHOPS_SCHEMA: dict[str, pl.DataType | type[pl.DataType]] = {
    "shop_id": pl.Utf8, "since": pl.Datetime("us", "UTC"), "per": pl.Int32, "size": pl.Int32, "moment": pl.Utf8,
    "reward": pl.Utf8}


def _returning(con: duckdb.DuckDBPyConnection, sql: str, params: dict) -> pl.DataFrame:
    """The rows an INSERT ... RETURNING gave back, read fully before the connection is used again."""
    cursor = con.execute(sql, params)
    columns = [d[0] for d in cursor.description]
    return pl.DataFrame(cursor.fetchall(), schema=columns, orient="row")


def award(con: duckdb.DuckDBPyConnection, shop_id: str, now: dt.datetime) -> dict[str, int]:
    """Give the stamps that are due for one shop (looking at everything since it was switched on)."""
    ss = read_settings(con, shop_id, "stamp")
    if not ss.enabled:
        return {"stamps": 0, "rewards": 0}
    return award_all(con, [Enabled(shop_id, ss, None)], now)


def award_all(con: duckdb.DuckDBPyConnection, shops: list[Enabled], now: dt.datetime) -> dict[str, int]:
    """Give the stamps that are due in every shop of `shops` in one pass, file the rewards of the cards they
    fill, plan the notices; the caller records the run (`settings.mark_issued`) in the same unit."""
    totals = {"stamps": 0, "rewards": 0}
    by_moment: dict[str, list[Enabled]] = {}
    for e in shops:
        assert isinstance(e.settings, StampSettings)
        by_moment.setdefault(e.settings.moment, []).append(e)
    for moment, group in by_moment.items():
        for key, value in _award_moment(con, moment, group, now).items():
            totals[key] += value
    return totals


def _award_moment(con: duckdb.DuckDBPyConnection, moment: str, shops: list[Enabled],
                  now: dt.datetime) -> dict[str, int]:
    rows = []
    for e in shops:
        ss = e.settings
        assert isinstance(ss, StampSettings)
        rows.append({"shop_id": e.shop_id, "since": ss.active_from or now, "per": ss.stamps_per_order,
                     "size": ss.card_size, "moment": ss.moment, "reward": ss.reward})
    frame = pl.DataFrame(rows, schema=_SHOPS_SCHEMA)
    lo = min(lower_bound(e.issued_until, e.settings.active_from or now) for e in shops)
    con.register("_stamp_shops", frame.to_arrow())
    try:
        new = _returning(con, f"""
            INSERT INTO stamps (shop_id, order_key, member_key, moment, stamps, total_after, card_size, earned_at,
                                created_at)
            WITH cand AS ({_MOMENT_SQL[moment]}),
            fresh AS (SELECT c.* FROM cand c
                      WHERE NOT EXISTS (SELECT 1 FROM stamps s WHERE s.shop_id = c.shop_id
                                        AND s.order_key = c.order_key)),
            prior AS (SELECT s.shop_id, s.member_key, sum(s.stamps) AS total FROM stamps s
                      SEMI JOIN fresh f ON f.shop_id = s.shop_id AND f.member_key = s.member_key GROUP BY ALL)
            SELECT f.shop_id, f.order_key, f.member_key, sh.moment, sh.per,
                   coalesce(p.total, 0) + sh.per * row_number() OVER (PARTITION BY f.shop_id, f.member_key
                                                                      ORDER BY f.earned_at, f.order_key),
                   sh.size, f.earned_at, $now
            FROM fresh f JOIN _stamp_shops sh ON sh.shop_id = f.shop_id
            LEFT JOIN prior p ON p.shop_id = f.shop_id AND p.member_key = f.member_key
            ON CONFLICT (shop_id, order_key) DO NOTHING
            RETURNING shop_id, order_key, member_key, stamps, total_after, card_size, earned_at""",
                         {"lo": lo, "now": now})
        if new.is_empty():
            return {"stamps": 0, "rewards": 0}
        # Every card number a new stamp row crosses: (before // size, after // size].
        con.register("_new_stamps", new.to_arrow())
        try:
            rewards = _returning(con, """
                INSERT INTO stamp_rewards (shop_id, member_key, card_no, reward, order_key, issued_at)
                SELECT n.shop_id, n.member_key, n.card_no, sh.reward, n.order_key, $now FROM (
                    SELECT shop_id, member_key, order_key,
                           unnest(range((total_after - stamps) // card_size + 1,
                                        total_after // card_size + 1)) AS card_no
                    FROM _new_stamps) n JOIN _stamp_shops sh ON sh.shop_id = n.shop_id
                ON CONFLICT (shop_id, member_key, card_no) DO NOTHING
                RETURNING shop_id, member_key, card_no, reward, order_key""", {"now": now})
        finally:
            con.unregister("_new_stamps")
    finally:
        con.unregister("_stamp_shops")
    sizes = {e.shop_id: e.settings.card_size for e in shops if isinstance(e.settings, StampSettings)}
    for (shop_id,), given in new.group_by(["shop_id"], maintain_order=True):
        notify.plan_stamp_notices(con, str(shop_id), given.drop("shop_id"), now)
    for (shop_id,), filed in rewards.group_by(["shop_id"], maintain_order=True):
        notify.plan_reward_notices(con, str(shop_id), filed.drop("shop_id").with_columns(
            pl.lit(sizes[str(shop_id)]).alias("card_size")), now)
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

