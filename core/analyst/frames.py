"""The store's data as polars frames, one unit of work per call: members, orders, order items, carts and
sends for a shop and a period; a segment; the cart recovery figures; each automation's results.

A period is a pair of calendar days on the shop's clock (its time zone; Asia/Seoul when no shop is named),
both included, as the segment rules read dates: `orders("mall", "2026-01-01", "2026-01-31")` is January in
Korea. Either end may be left open. The segment, cart and automation frames are the very queries the
console shows (core.segments, core.carts.stats, core.automations.manage), so a notebook and a page never
disagree about who is in a segment or what a reminder recovered.
"""
from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any
from zoneinfo import ZoneInfo

import duckdb
import polars as pl

from core import clock
from core.analyst.source import SourceLike, now_of, open_source
from core.automations import manage
from core.carts import stats
from core.errors import InvalidInput, NotFound
from core.segments import explorer, saved
from core.segments.rules import Rule, as_rule
from core.shops.registry import shop_timezone

Day = dt.date | str | None
ALL_CARTS = 1_000_000_000  # the carts list's page size when a notebook asks for all of them


class BadPeriod(InvalidInput):
    """A period end that is not a calendar day, or a period that ends before it starts."""


def _day(value: Day, name: str) -> dt.date | None:
    if value is None or (isinstance(value, dt.date) and not isinstance(value, dt.datetime)):
        return value
    if isinstance(value, str):
        try:
            return dt.date.fromisoformat(value.strip())
        except ValueError:
            pass
    raise BadPeriod("analyst.bad_day", detail=f"{name}={value!r} is not a calendar day like '2026-01-31'",
                    field=name, value=str(value))


def period(con: duckdb.DuckDBPyConnection, shop_id: str | None, since: Day, until: Day) -> dict[str, Any]:
    """The period as UTC instants [start, end): midnight of `since` to midnight after `until`, on the shop's clock.

    An open end is a far instant, so one SQL text serves every case."""
    first, last = _day(since, "since"), _day(until, "until")
    if first and last and last < first:
        raise BadPeriod("analyst.bad_period", detail=f"the period ends ({last}) before it starts ({first})",
                        since=str(first), until=str(last))
    zone = ZoneInfo(shop_timezone(con, shop_id) if shop_id else clock.DEFAULT_TZ)
    start = dt.datetime.combine(first, dt.time(), zone) if first else dt.datetime(1, 1, 2, tzinfo=dt.UTC)
    end = dt.datetime.combine(last + dt.timedelta(days=1), dt.time(), zone) if last else \
        dt.datetime(9999, 12, 30, tzinfo=dt.UTC)
    return {"shop": shop_id, "start": start, "end": end}


def _frame(source: SourceLike, shop_id: str | None, since: Day, until: Day, sql: str) -> pl.DataFrame:
    with open_source(source).unit() as con:
        return con.sql(sql, params=period(con, shop_id, since, until)).pl()


def members(shop_id: str | None = None, since: Day = None, until: Day = None, *,
            source: SourceLike = None) -> pl.DataFrame:
    """Members who signed up in the period, with their order figures (the segment explorer's columns)."""
    rule = {"signed_up_from": _day(since, "since"), "signed_up_to": _day(until, "until")}
    return segment({k: v.isoformat() for k, v in rule.items() if v}, shop_id, source=source)


def orders(shop_id: str | None = None, since: Day = None, until: Day = None, *,
           source: SourceLike = None) -> pl.DataFrame:
    """Orders placed in the period, every status (filter `status` for the counted ones)."""
    return _frame(source, shop_id, since, until, """
        SELECT * EXCLUDE (raw) FROM orders
        WHERE ($shop IS NULL OR shop_id = $shop) AND ordered_at >= $start AND ordered_at < $end
        ORDER BY shop_id, ordered_at, order_key""")


def order_items(shop_id: str | None = None, since: Day = None, until: Day = None, *,
                source: SourceLike = None) -> pl.DataFrame:
    """The items of the orders placed in the period, each with its order's time and member."""
    return _frame(source, shop_id, since, until, """
        SELECT oi.* EXCLUDE (raw), o.member_key, o.ordered_at
        FROM order_items oi JOIN orders o ON o.shop_id = oi.shop_id AND o.order_key = oi.order_key
        WHERE ($shop IS NULL OR o.shop_id = $shop) AND o.ordered_at >= $start AND o.ordered_at < $end
        ORDER BY oi.shop_id, o.ordered_at, oi.order_key, oi.item_key""")


def carts(shop_id: str | None = None, since: Day = None, until: Day = None, *,
          source: SourceLike = None) -> pl.DataFrame:
    """Carts last active in the period, with how many lines each holds."""
    return _frame(source, shop_id, since, until, """
        SELECT c.* EXCLUDE (raw),
               (SELECT count(*) FROM cart_items i WHERE i.shop_id = c.shop_id AND i.cart_key = c.cart_key) AS items
        FROM carts c
        WHERE ($shop IS NULL OR c.shop_id = $shop) AND c.last_activity_at >= $start AND c.last_activity_at < $end
        ORDER BY c.shop_id, c.last_activity_at, c.cart_key""")


def sends(shop_id: str | None = None, since: Day = None, until: Day = None, *,
          source: SourceLike = None) -> pl.DataFrame:
    """Messages the automations planned or sent in the period (sent, else due, in it), with the automation's
    name and trigger and whether the message was opened or clicked."""
    return _frame(source, shop_id, since, until, """
        SELECT o.* EXCLUDE (context), a.name AS automation, a.trigger,
               EXISTS (SELECT 1 FROM tracking_events te WHERE te.message_id = o.message_id AND te.kind = 'open')
                   AS opened,
               EXISTS (SELECT 1 FROM tracking_events te WHERE te.message_id = o.message_id AND te.kind = 'click')
                   AS clicked
        FROM outbox o LEFT JOIN automations a ON a.automation_id = o.automation_id
        WHERE ($shop IS NULL OR o.shop_id = $shop)
          AND coalesce(o.sent_at, o.due_at) >= $start AND coalesce(o.sent_at, o.due_at) < $end
        ORDER BY o.shop_id, coalesce(o.sent_at, o.due_at), o.message_id""")


def segment(rule: Rule | Mapping[str, Any] | str, shop_id: str | None = None, *,
            source: SourceLike = None) -> pl.DataFrame:
    """Every member the segment rule matches now (the explorer's rule: a dict, its JSON, or a Rule)."""
    return explorer.members_frame(open_source(source), as_rule(rule), shop_id)


def saved_segment(name: str, shop_id: str, *, source: SourceLike = None) -> pl.DataFrame:
    """The members of the shop's saved segment of that name, its rule evaluated now."""
    with open_source(source).unit() as con:  # the name and the rule it stands for, read in the same unit
        found = con.execute("SELECT segment_id FROM segments WHERE shop_id = ? AND name = ?",
                            [shop_id, name.strip()]).fetchall()
        if not found:
            raise NotFound("analyst.no_segment", detail=f"shop '{shop_id}' has no saved segment named {name!r}",
                           name=name, shop_id=shop_id)
        segment = saved.segment_row(con, found[0][0])
        return explorer.matching_members(con, as_rule(segment["rule"]), segment["shop_id"])


def cart_recovery(shop_id: str, days: int = 30, *, now: dt.datetime | None = None,
                  source: SourceLike = None) -> pl.DataFrame:
    """Abandoned, reached, clicked, recovered carts and recovered revenue by day over the last `days` days
    (the Abandoned carts page's figures), with each day's recovery rate. `now` defaults to the clock, or to
    the moment a snapshot was taken."""
    store = open_source(source)
    figures = stats.recovery_stats(store, shop_id, days, now or now_of(store))
    by_day: pl.DataFrame = figures["by_day"]
    return by_day.with_columns(
        pl.when(pl.col("abandoned") > 0).then(pl.col("recovered") / pl.col("abandoned")).otherwise(0.0).alias("rate"))


def abandoned_carts(shop_id: str, which: str = "all", *, now: dt.datetime | None = None,
                    source: SourceLike = None) -> pl.DataFrame:
    """Every abandoned cart still kept (30 days), one row each: when it was abandoned, e-mailed (reached),
    clicked and recovered, by which order and for how much; `which` filters as the page does."""
    store = open_source(source)
    return stats.list_carts(store, shop_id, which, now or now_of(store), limit=ALL_CARTS)


def automation_results(shop_id: str | None = None, *, source: SourceLike = None) -> pl.DataFrame:
    """One row per automation: sent, pending, skipped (and by reason), failed, opened, clicked, converted,
    revenue."""
    return manage.list_automations(open_source(source), shop_id)
