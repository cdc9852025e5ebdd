"""Cart recovery (방치된 카트): which carts were abandoned, reached, clicked and recovered, and what that earned.

The rules (docs/design.md "Cart recovery"):
- A cart is *abandoned* at its last activity + the shop's threshold (setting `cart_abandon_minutes`,
  default 60) if it has an e-mail and nothing was ordered for it by then: no order of that cart, and
  no order of the same member (or e-mail, for guests) since its last activity. This is the same rule
  the cart_abandoned trigger applies (core.automations.triggers).
- It is *recovered* by the first standing order (not cancelled or returned) placed after it was
  abandoned: an order of the same cart at any time, or an order of the same member or e-mail within
  the attribution window (core.attribution.ATTRIBUTION_WINDOW, 5 days). A cart the platform itself
  reports recovered (Wix) counts too, with the cart's total when its order is not in the store.
- It was *reached* when a cart_abandoned e-mail for it was sent, *clicked* when that e-mail's link was.
- Carts idle for 30 days are purged daily (core.carts.purge); the list shows
  which go within the next 3 days.

Everything is computed from the store when asked, so a late-synced order still recovers its cart.
"""
from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any
from zoneinfo import ZoneInfo

import duckdb
import polars as pl

from core import clock
from core.automations.attribution import ATTRIBUTION_WINDOW
from core.errors import InvalidInput
from core.shops.registry import shop, shop_timezone
from core.spreadsheet import csv_bytes, formula_guarded, local_minutes
from core.store import Store

DEFAULT_THRESHOLD_MINUTES = 60


class InvalidFilter(InvalidInput, ValueError):
    """A carts list filter that is not one of CART_FILTERS."""


RETENTION = dt.timedelta(days=30)
PURGE_SOON = dt.timedelta(days=3)
CART_FILTERS = ("all", "abandoned", "emailed", "recovered", "purge_soon")

# One row per cart abandoned in [$from, $to) (and by $now), with what became of it.
_FACTS = """
WITH cart AS (
    SELECT c.cart_key, c.member_key, lower(c.email) AS email, c.status, c.total_amount, c.currency,
           c.created_at, c.last_activity_at, c.recovery_url, c.order_key,
           c.last_activity_at + to_minutes($threshold) AS abandoned_at
    FROM carts c
    WHERE c.shop_id = $shop AND c.email IS NOT NULL
      AND c.last_activity_at + to_minutes($threshold) >= $from
      AND c.last_activity_at + to_minutes($threshold) < $to
      AND c.last_activity_at + to_minutes($threshold) <= $now),
ord AS (
    SELECT order_key, member_key, lower(email) AS email, cart_key, ordered_at, total_amount
    FROM orders
    WHERE shop_id = $shop AND status NOT IN ('cancelled', 'returned')
      AND ordered_at >= $from - to_minutes($threshold) - $retention AND ordered_at <= $now),
pairs AS (  -- an order of the cart itself, at any time (two equi-joins: an OR would be a nested loop)
    SELECT c.cart_key, o.order_key, o.ordered_at, o.total_amount, TRUE AS same_cart
    FROM cart c JOIN ord o ON o.cart_key = c.cart_key
    UNION ALL
    SELECT c.cart_key, o.order_key, o.ordered_at, o.total_amount, TRUE AS same_cart
    FROM cart c JOIN ord o ON o.order_key = c.order_key
    UNION ALL  -- an order of the same member, or the same e-mail for a guest cart
    SELECT c.cart_key, o.order_key, o.ordered_at, o.total_amount, FALSE
    FROM cart c JOIN ord o ON o.member_key = c.member_key
    WHERE o.ordered_at >= c.last_activity_at AND o.ordered_at <= c.abandoned_at + $window
    UNION ALL
    SELECT c.cart_key, o.order_key, o.ordered_at, o.total_amount, FALSE
    FROM cart c JOIN ord o ON c.member_key IS NULL AND o.member_key IS NULL AND o.email = c.email
    WHERE o.ordered_at >= c.last_activity_at AND o.ordered_at <= c.abandoned_at + $window),
ordered_in_time AS (  -- ordered before it was abandoned: never an abandoned cart
    SELECT DISTINCT p.cart_key FROM pairs p JOIN cart c USING (cart_key) WHERE p.ordered_at < c.abandoned_at),
recovery AS (
    SELECT p.cart_key, p.order_key, p.ordered_at, p.total_amount
    FROM pairs p JOIN cart c USING (cart_key)
    WHERE p.ordered_at >= c.abandoned_at
    QUALIFY row_number() OVER (PARTITION BY p.cart_key ORDER BY p.ordered_at, p.same_cart DESC, p.order_key) = 1),
sent AS (
    SELECT ob.occurrence_key AS cart_key, min(ob.sent_at) AS emailed_at, list(ob.message_id) AS messages
    FROM outbox ob JOIN automations a ON a.automation_id = ob.automation_id
    WHERE ob.shop_id = $shop AND a.trigger = 'cart_abandoned' AND ob.state = 'sent'
      AND ob.occurrence_key IN (SELECT cart_key FROM cart)
    GROUP BY ob.occurrence_key),
clicked AS (
    SELECT s.cart_key, min(te.occurred_at) AS clicked_at
    FROM sent s, unnest(s.messages) AS m(message_id)
    JOIN tracking_events te ON te.message_id = m.message_id AND te.kind = 'click'
    GROUP BY s.cart_key)
SELECT c.cart_key, c.member_key, c.email, c.total_amount, c.currency, c.created_at, c.last_activity_at,
       c.abandoned_at, c.recovery_url,
       s.emailed_at, k.clicked_at,
       r.order_key AS recovered_order, r.ordered_at AS recovered_at,
       (r.order_key IS NOT NULL OR c.status = 'recovered') AS recovered,
       CASE WHEN r.order_key IS NOT NULL THEN r.total_amount
            WHEN c.status = 'recovered' THEN c.total_amount END AS recovered_amount,
       c.last_activity_at + $retention AS purge_at
FROM cart c
LEFT JOIN recovery r USING (cart_key)
LEFT JOIN sent s USING (cart_key)
LEFT JOIN clicked k USING (cart_key)
WHERE c.cart_key NOT IN (SELECT cart_key FROM ordered_in_time)
"""


def threshold_minutes(settings: dict[str, Any] | None) -> int:
    """The shop's abandonment threshold: minutes after the last activity."""
    value = (settings or {}).get("cart_abandon_minutes", DEFAULT_THRESHOLD_MINUTES)
    return int(value) if isinstance(value, int) and 5 <= value <= 7 * 24 * 60 else DEFAULT_THRESHOLD_MINUTES


def _shop(con: duckdb.DuckDBPyConnection, shop_id: str) -> tuple[int, str]:
    found = shop(con, shop_id)  # ShopNotFound (a KeyError) when it is not connected
    return threshold_minutes(found.settings), shop_timezone(con, shop_id)


def _params(shop_id: str, threshold: int, start: dt.datetime, end: dt.datetime, now: dt.datetime) -> dict[str, Any]:
    return {"shop": shop_id, "threshold": threshold, "from": start, "to": end, "now": now,
            "window": ATTRIBUTION_WINDOW, "retention": RETENTION}


def period(days: int, now: dt.datetime, tz: str) -> tuple[dt.datetime, dt.datetime]:
    """The last `days` days on the shop's calendar, today included: [midnight `days`-1 days ago, now]."""
    local = now.astimezone(ZoneInfo(tz))
    first = (local - dt.timedelta(days=days - 1)).replace(hour=0, minute=0, second=0, microsecond=0)
    return first.astimezone(dt.UTC), now


def recovery_stats(store: Store, shop_id: str, days: int, now: dt.datetime) -> dict[str, Any]:
    """Abandoned, reached, clicked, recovered, recovery rate and recovered revenue over the last `days` days,
    in total and by day (the day the cart was abandoned, on the shop's calendar)."""
    now = clock.require_aware(now)
    with store.unit() as con:
        threshold, tz = _shop(con, shop_id)
        start, end = period(days, now, tz)
        by_day = con.execute(f"""
            SELECT timezone($tz, abandoned_at)::DATE AS day, count(*) AS abandoned,
                   count(emailed_at) AS reached, count(clicked_at) AS clicked,
                   count(*) FILTER (WHERE recovered) AS recovered,
                   coalesce(sum(recovered_amount), 0)::DOUBLE AS revenue
            FROM ({_FACTS}) GROUP BY day ORDER BY day""",
                             _params(shop_id, threshold, start, end + dt.timedelta(microseconds=1), now) | {"tz": tz}
                             ).fetchall()
    found = {row[0]: row[1:] for row in by_day}
    first_day = start.astimezone(ZoneInfo(tz)).date()
    rows = []
    for n in range(days):
        day = first_day + dt.timedelta(days=n)
        abandoned, reached, clicked, recovered, revenue = found.get(day, (0, 0, 0, 0, 0.0))
        rows.append({"day": day, "abandoned": abandoned, "reached": reached, "clicked": clicked,
                     "recovered": recovered, "revenue": revenue})
    frame = pl.DataFrame(rows, schema={"day": pl.Date, "abandoned": pl.Int64, "reached": pl.Int64,
                                       "clicked": pl.Int64, "recovered": pl.Int64, "revenue": pl.Float64})
    totals: dict[str, float] = {k: int(frame[k].sum()) for k in ("abandoned", "reached", "clicked", "recovered")}
    totals["revenue"] = float(frame["revenue"].sum())
    totals["rate"] = totals["recovered"] / totals["abandoned"] if totals["abandoned"] else 0.0
    return {"totals": totals, "by_day": frame, "threshold_minutes": threshold, "timezone": tz}


def list_carts(store: Store, shop_id: str, which: str, now: dt.datetime,
               limit: int = 500) -> pl.DataFrame:
    """Abandoned carts still kept (last 30 days), newest first, filtered by `which` (CART_FILTERS)."""
    if which not in CART_FILTERS:
        raise InvalidFilter("carts.bad_filter", detail=f"filter '{which}' is not one of {', '.join(CART_FILTERS)}",
                            value=which, allowed=", ".join(CART_FILTERS))
    now = clock.require_aware(now)
    condition = {"all": "TRUE", "abandoned": "NOT recovered", "emailed": "emailed_at IS NOT NULL",
                 "recovered": "recovered", "purge_soon": "purge_at <= $now + $soon"}[which]
    with store.unit() as con:
        threshold, _ = _shop(con, shop_id)
        return con.sql(f"""
            SELECT f.*, (SELECT count(*) FROM cart_items i WHERE i.shop_id = $shop AND i.cart_key = f.cart_key) AS items
            FROM ({_FACTS}) f WHERE {condition}
            ORDER BY abandoned_at DESC, cart_key LIMIT $limit""",
                       params=_params(shop_id, threshold, now - RETENTION - dt.timedelta(days=1),
                                      now + dt.timedelta(microseconds=1), now)
                       | {"limit": limit} | ({"soon": PURGE_SOON} if which == "purge_soon" else {})).pl()


def cart_items(store: Store, shop_id: str, cart_key: str) -> pl.DataFrame:
    with store.unit() as con:
        return con.sql("""SELECT line_no, product_key, name, option_text, quantity, unit_price, image_url
                          FROM cart_items WHERE shop_id = ? AND cart_key = ? ORDER BY line_no""",
                       params=[shop_id, cart_key]).pl()


# The columns of the carts export, in order; their headers are console words the caller passes.
CSV_COLUMNS = ("cart_key", "email", "total_amount", "last_activity_at", "abandoned_at", "emailed_at", "clicked_at",
               "recovered_order", "recovered_amount", "recovery_url")


def carts_csv(frame: pl.DataFrame, headers: Mapping[str, str], tz: str) -> bytes:
    """The carts list as CSV, UTF-8 with a BOM (Excel reads Korean), times on the shop's clock; `headers` names
    each of CSV_COLUMNS in the reader's language (the console's words)."""
    times = [c for c in ("last_activity_at", "abandoned_at", "emailed_at", "clicked_at") if c in frame.columns]
    out = frame.select(list(CSV_COLUMNS)).with_columns(
        *[local_minutes(pl.col(c), tz) for c in times],
        # The cart's e-mail and keys come from the shop's platform: never a formula Excel would run.
        *[formula_guarded(pl.col(c)).alias(c) for c in ("cart_key", "email", "recovered_order")],
        # Whole won, as the shop charged them: Excel shows 193300, not 193300.0.
        pl.col("total_amount").round(0).cast(pl.Int64), pl.col("recovered_amount").round(0).cast(pl.Int64),
    ).rename({c: headers.get(c, c) for c in CSV_COLUMNS})
    return csv_bytes(out)
