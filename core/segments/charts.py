"""The explorer's charts over a segment: repurchase by sign-up cohort, and a recency × frequency grid.

Both count the same *counted* orders as the rule does (core.segments.COUNTED_STATUSES) and
read months and days on the shop's wall clock. Each function is one unit of work and returns
a plain polars frame, complete (empty cells are zeros or nulls, never missing rows), so a
page only draws it.
"""
from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any
from zoneinfo import ZoneInfo

import polars as pl

from core import clock
from core.errors import InvalidInput
from core.segments.compiler import COUNTED_SQL, compile_rule, shop_timezone
from core.segments.rules import Rule, StoreLike, as_rule, open_store

# Days since the last counted order, as marketers bucket them; None: never ordered.
RECENCY_BUCKETS: tuple[tuple[str, int | None], ...] = (
    ("0-30", 30), ("31-90", 90), ("91-180", 180), ("181-365", 365), ("365+", None), ("none", None))
# Number of counted orders: (label, lowest count in the bucket).
FREQUENCY_BUCKETS: tuple[tuple[str, int], ...] = (("0", 0), ("1", 1), ("2", 2), ("3-4", 3), ("5-9", 5), ("10+", 10))
REPURCHASE_WINDOWS = (30, 60, 90, 180)


def recency_frequency(store: StoreLike, rule: Rule | Mapping[str, Any] | str, shop_id: str | None,
                      now: dt.datetime) -> pl.DataFrame:
    """Members of the segment by days-since-last-order bucket × order-count bucket.

    Columns: recency, frequency (bucket labels of RECENCY_BUCKETS / FREQUENCY_BUCKETS),
    recency_order, frequency_order (their positions) and members; every pair is present.
    (core.segments.explorer.explore gives the same grid from its own pass over the segment, with grid_at.)
    """
    rule, now = as_rule(rule), clock.require_aware(now)
    with open_store(store).unit() as con:
        tz = shop_timezone(con, shop_id)
        sql, params = compile_rule(rule, shop_id, tz, with_stats=True).render(
            "s.last_order_at, coalesce(s.orders, 0) AS orders")
        counted = con.execute(f"SELECT {grid_cell_sql(now)} AS cell, count(*) FROM ({sql}) seg GROUP BY cell",
                              params).fetchall()
    return grid_frame(dict(counted))


def grid_cell_sql(now: dt.datetime, last_order_at: str = "last_order_at", orders: str = "orders") -> str:
    """A member's cell of the recency × frequency grid (recency position × 10 + frequency position), from
    their last counted order and their number of counted orders, at `now`."""
    at = clock.require_aware(now).astimezone(dt.UTC).isoformat()
    days = f"((epoch(TIMESTAMPTZ '{at}') - epoch({last_order_at})) / 86400)"
    recency = f"CASE WHEN {last_order_at} IS NULL THEN 5 " + " ".join(
        f"WHEN {days} <= {limit} THEN {i}" for i, (_, limit) in enumerate(RECENCY_BUCKETS[:4])) + " ELSE 4 END"
    frequency = "CASE " + " ".join(
        f"WHEN {orders} >= {low} THEN {i}" for i, (_, low) in reversed(list(enumerate(FREQUENCY_BUCKETS)))) + " END"
    return f"({recency}) * 10 + ({frequency})"


def grid_frame(counted: Mapping[int, int]) -> pl.DataFrame:
    """The grid from members by cell (grid_cell_sql), every pair present."""
    rows = [{"recency": rl, "frequency": fl, "recency_order": r, "frequency_order": f,
             "members": int(counted.get(r * 10 + f, 0))}
            for r, (rl, _) in enumerate(RECENCY_BUCKETS) for f, (fl, _) in enumerate(FREQUENCY_BUCKETS)]
    return pl.DataFrame(rows, schema={"recency": pl.Utf8, "frequency": pl.Utf8, "recency_order": pl.Int64,
                                      "frequency_order": pl.Int64, "members": pl.Int64})


def cohort_repurchase(store: StoreLike, rule: Rule | Mapping[str, Any] | str, shop_id: str | None,
                      now: dt.datetime, months: int = 12) -> dict[str, pl.DataFrame]:
    """Repurchase of the segment's members by sign-up month, over the last `months` cohorts.

    `matrix`: cohort (YYYY-MM) × months_since_signup (0..months-1) → members, repurchased (members
    whose 2nd counted order came by the end of that month after sign-up, cumulative) and share;
    share is null where that month has not ended yet.
    `windows`: per cohort, members, buyers and the share with a 2nd order within 30/60/90/180 days
    of their first (d30 ...); null while the window has not passed for the whole cohort.
    """
    rule, now = as_rule(rule), clock.require_aware(now)
    if not 1 <= months <= 36:
        raise InvalidInput("segments.bad_months", detail=f"months must be 1..36, got {months}", low=1, high=36,
                           value=months)
    table = "_cohort_members"
    with open_store(store).unit() as con:
        tz = shop_timezone(con, shop_id)
        local_now = now.astimezone(ZoneInfo(tz))
        this_month = dt.date(local_now.year, local_now.month, 1)
        first_month = _add_months(this_month, -(months - 1))
        start = dt.datetime.combine(first_month, dt.time(), ZoneInfo(tz))
        q = compile_rule(rule, shop_id, tz)
        q.where.append(("m.signed_up_at >= ?", [start]))
        sql, params = q.render("m.shop_id, m.member_key, m.signed_up_at")
        con.execute(f"""CREATE TEMP TABLE {table} AS
            WITH seg AS ({sql}),
            firsts AS (
                SELECT o.shop_id, o.member_key, min(o.ordered_at, 2) AS two
                FROM orders o SEMI JOIN seg ON seg.shop_id = o.shop_id AND seg.member_key = o.member_key
                WHERE o.status IN {COUNTED_SQL}
                GROUP BY o.shop_id, o.member_key)
            SELECT date_trunc('month', timezone(?, seg.signed_up_at))::DATE AS cohort,
                   f.two[1] AS first_at, f.two[2] AS second_at,
                   greatest(0, date_diff('month', date_trunc('month', timezone(?, seg.signed_up_at)),
                                                  date_trunc('month', timezone(?, f.two[2])))) AS second_month
            FROM seg LEFT JOIN firsts f ON f.shop_id = seg.shop_id AND f.member_key = seg.member_key""",
                    params + [tz, tz, tz])
        try:
            windows = con.sql(f"""
                SELECT cohort, count(*) AS members, count(first_at) AS buyers,
                       {', '.join(f"count(*) FILTER (WHERE second_at <= first_at + INTERVAL {d} DAY) AS n{d}"
                                  for d in REPURCHASE_WINDOWS)}
                FROM {table} GROUP BY cohort ORDER BY cohort""").pl()
            by_month = con.sql(f"""SELECT cohort, second_month, count(*) AS n FROM {table}
                                   WHERE second_at IS NOT NULL GROUP BY ALL""").pl()
        finally:
            con.execute(f"DROP TABLE IF EXISTS {table}")
    return {"matrix": _matrix(windows, by_month, first_month, this_month, months),
            "windows": _windows(windows, first_month, months, now, tz)}


def _add_months(day: dt.date, n: int) -> dt.date:
    index = day.year * 12 + day.month - 1 + n
    return dt.date(index // 12, index % 12 + 1, 1)


def _cohorts(first_month: dt.date, months: int) -> list[dt.date]:
    return [_add_months(first_month, i) for i in range(months)]


def _matrix(windows: pl.DataFrame, by_month: pl.DataFrame, first_month: dt.date, this_month: dt.date,
            months: int) -> pl.DataFrame:
    members = dict(zip(windows["cohort"].to_list(), windows["members"].to_list(), strict=True))
    second = {(c, k): n for c, k, n in by_month.iter_rows()}
    rows = []
    for cohort in _cohorts(first_month, months):
        size = members.get(cohort, 0)
        running = 0
        for k in range(months):
            running += second.get((cohort, k), 0)
            ended = _add_months(cohort, k) < this_month
            rows.append({"cohort": cohort.strftime("%Y-%m"), "months_since_signup": k, "members": size,
                         "repurchased": running if ended else None,
                         "share": (running / size if size else 0.0) if ended else None})
    return pl.DataFrame(rows, schema={"cohort": pl.Utf8, "months_since_signup": pl.Int64, "members": pl.Int64,
                                      "repurchased": pl.Int64, "share": pl.Float64})


def _windows(windows: pl.DataFrame, first_month: dt.date, months: int, now: dt.datetime, tz: str) -> pl.DataFrame:
    found = {row["cohort"]: row for row in windows.iter_rows(named=True)}
    rows = []
    for cohort in _cohorts(first_month, months):
        row = found.get(cohort, {})
        size = row.get("members", 0)
        cohort_end = dt.datetime.combine(_add_months(cohort, 1), dt.time(), ZoneInfo(tz))
        out = {"cohort": cohort.strftime("%Y-%m"), "members": size, "buyers": row.get("buyers", 0)}
        for d in REPURCHASE_WINDOWS:
            passed = cohort_end + dt.timedelta(days=d) <= now
            out[f"d{d}"] = (row.get(f"n{d}", 0) / size if size else 0.0) if passed else None
        rows.append(out)
    return pl.DataFrame(rows, schema={"cohort": pl.Utf8, "members": pl.Int64, "buyers": pl.Int64,
                                      **{f"d{d}": pl.Float64 for d in REPURCHASE_WINDOWS}})
