"""Planning: turn occurrences that became true into outbox rows, once each.

Each running automation is evaluated over a window ending now and starting a
lookback before where the last evaluation stopped (`evaluated_until`): an order
synced 20 minutes after its payment still falls inside the re-scanned window,
and the idempotency key (automation, occurrence), unique in `outbox`, keeps a
re-scanned occurrence from being planned twice (what is already planned is
dropped from the staged candidates first). The lookback is the trigger's
maximum lateness: anything older would only be recorded as too late anyway.

Within that window a tick after the first keeps only what can be new to it
(`fresh_bounds`): what became true since `evaluated_until`, and occurrences whose
own row, or an order of the same member or cart, a sync wrote since then (every
written row carries `synced_at`; an order cancelled afterwards can lift the reason
that kept a "no purchase" or a cart from becoming true). The rest of the window was
judged on the same rows last time. An automation with an audience, one edited or
started since its last evaluation, and a `purchased` one with a product filter
whose shop's products a sync wrote since (their categories decide what matches)
are judged over the whole window; tests/automations/test_evaluate_since.py checks
both ways plan the same.

Cost: the running automations of all shops are one table (`_autos`), and each
trigger is one query joining it to the members, orders or carts on the shop and
each automation's own window, all of them staged by one statement; every scan is
also bounded in time by constants (the union of the windows) so DuckDB's zone
maps skip the old row groups. Audiences are one temp table joined the same way, and the members are
looked up once per tick for all automations. So a tick costs a few statements
whatever the number of shops and automations: bench/bench_evaluate.py measures
one shop of 1M members and 10M orders, bench/bench_tick.py up to 400 shops.

Only what became true while the automation was running counts: the candidates
are joined to the running intervals of `automation_status_log`, so pausing
skips what became true during the pause and resuming does not backfill it.
"""
from __future__ import annotations

import datetime as dt
import re
from typing import Any

import duckdb
import polars as pl

from core.automations.audience import stage_audiences
from core.automations.manage import mark_evaluated
from core.automations.triggers import (
    AUTOMATION_COLUMNS,
    DEFAULT_CART_THRESHOLD_MINUTES,
    SET_GROUP,
    Automation,
    automation_from_row,
    bind,
    candidates_sql,
    set_candidates_sql,
    set_window,
)
from core.messaging import outbox
from core.store import Store

# What every automation of every trigger finds (triggers.set_candidates_sql, one query: _set_candidates),
# kept to the running intervals of its own automation and to its audience (a join with `_audience`), once
# per occurrence.
_STAGE_SET_SQL = """
    INSERT INTO _cand
    WITH cand AS ({candidates}),
    runs AS (
        SELECT automation_id, status, changed_at AS start_at,
               lead(changed_at) OVER (PARTITION BY automation_id ORDER BY changed_at) AS end_at
        FROM automation_status_log WHERE automation_id IN (SELECT automation_id FROM _autos))
    SELECT c.automation_id, a.shop_id, c.member_key, c.occurrence_key, c.email, c.became_true_at, a.delay_minutes,
           a.late_minutes, a.is_advertising
    FROM cand c JOIN _autos a ON a.automation_id = c.automation_id
    JOIN runs r ON r.automation_id = c.automation_id AND r.status = 'running' AND c.became_true_at >= r.start_at
        AND (r.end_at IS NULL OR c.became_true_at < r.end_at)
    WHERE NOT a.has_audience OR EXISTS (SELECT 1 FROM _audience au WHERE au.automation_id = c.automation_id
                                        AND au.member_key = c.member_key)
    QUALIFY row_number() OVER (PARTITION BY c.automation_id, c.occurrence_key ORDER BY c.became_true_at) = 1
"""

# A trigger evaluated one automation at a time (the owner's daily digest, which works per shop day).
_STAGE_SQL = """
    INSERT INTO _cand
    WITH cand AS ({candidates}),
    runs AS (
        SELECT status, changed_at AS start_at, lead(changed_at) OVER (ORDER BY changed_at) AS end_at
        FROM automation_status_log WHERE automation_id = $aid)
    SELECT $aid, $shop, c.member_key, c.occurrence_key, c.email, c.became_true_at, $delay, $late, $adv
    FROM cand c JOIN runs r ON r.status = 'running' AND c.became_true_at >= r.start_at
        AND (r.end_at IS NULL OR c.became_true_at < r.end_at)
    WHERE NOT $has_audience OR c.member_key IN (SELECT member_key FROM _audience WHERE automation_id = $aid)
    QUALIFY row_number() OVER (PARTITION BY c.occurrence_key ORDER BY c.became_true_at) = 1
"""

_AUTOS_SCHEMA: dict[str, pl.DataType | type[pl.DataType]] = {
    "automation_id": pl.Utf8, "shop_id": pl.Utf8, "trigger": pl.Utf8, "win_from": pl.Datetime("us", "UTC"),
    "win_to": pl.Datetime("us", "UTC"), "sfrom": pl.Datetime("us", "UTC"), "sto": pl.Datetime("us", "UTC"),
    "days": pl.Int32, "threshold": pl.Int32, "product_keys": pl.List(pl.Utf8), "category_keys": pl.List(pl.Utf8),
    "filtered": pl.Boolean, "owner": pl.Utf8, "has_audience": pl.Boolean, "delay_minutes": pl.Int32,
    "late_minutes": pl.Int32, "is_advertising": pl.Boolean, "fresh": pl.Datetime("us", "UTC"),
    "sfresh": pl.Datetime("us", "UTC"), "touched": pl.Datetime("us", "UTC")}

# How far before an automation's last evaluation a sync's `synced_at` may lie and still be new to it: a sync
# stamps rows with its own reading of the clock, the scheduler evaluates at the instant its tick read.
CLOCK_SLACK = dt.timedelta(hours=1)

_PLAN_SQL = """
    WITH mem AS (
        SELECT m.shop_id, m.member_key, m.email, m.email_consent FROM members m
        WHERE m.member_key IN (SELECT member_key FROM _cand)),
    addressed AS (
        SELECT c.*, coalesce(m.email, c.email) AS recipient, m.email_consent,
               c.became_true_at + to_minutes(c.delay_minutes) AS due_at
        FROM _cand c LEFT JOIN mem m ON m.shop_id = c.shop_id AND m.member_key = c.member_key),
    judged AS (
        SELECT a.*,
            CASE WHEN a.recipient IS NULL OR trim(a.recipient) = '' THEN 'no_email'
                 WHEN EXISTS (SELECT 1 FROM unsubscribes u WHERE u.shop_id = a.shop_id
                              AND u.member_key = coalesce(a.member_key, 'email:' || lower(a.recipient))
                              AND u.channel IN ('email', 'all')) THEN 'unsubscribed'
                 WHEN a.is_advertising AND NOT coalesce(a.email_consent, FALSE) THEN 'no_consent'
                 WHEN $now > a.due_at + to_minutes(a.late_minutes) THEN 'too_late'
            END AS reason
        FROM addressed a)
    SELECT md5(automation_id || ':' || occurrence_key), automation_id || ':' || occurrence_key, automation_id,
           shop_id, member_key, occurrence_key, 'email', is_advertising, recipient,
           CASE WHEN reason IS NULL THEN 'pending' ELSE 'skipped' END, reason, became_true_at, due_at, 0, NULL,
           $now, $now
    FROM judged j
"""

# Planned once: what the re-scanned window finds again is dropped by its idempotency key before anything
# else is looked up (the UNIQUE constraint stays the backstop). Not ON CONFLICT DO NOTHING: with two
# unique keys DuckDB runs that as a nested-loop join against the whole outbox.
_DROP_PLANNED_SQL = """
    DELETE FROM _cand c WHERE EXISTS (
        SELECT 1 FROM outbox ob WHERE ob.idempotency_key = c.automation_id || ':' || c.occurrence_key)
"""


def running_automations(con: duckdb.DuckDBPyConnection) -> list[Automation]:
    rows = con.execute(f"""SELECT {AUTOMATION_COLUMNS} FROM automations
                           WHERE status = 'running' AND action = 'email' ORDER BY automation_id""").fetchall()
    return [automation_from_row(r) for r in rows]


def window_starts(con: duckdb.DuckDBPyConnection, automations: list[Automation]) -> dict[str, dt.datetime | None]:
    """Where each automation's window starts: a lookback before where its last evaluation stopped, or just
    before it first ran (read for all never-evaluated automations in one query)."""
    starts: dict[str, dt.datetime | None] = {a.automation_id: a.evaluated_until - a.max_lateness
                                              for a in automations if a.evaluated_until is not None}
    fresh = [a.automation_id for a in automations if a.evaluated_until is None]
    if fresh:
        first = dict(con.execute("""SELECT automation_id, min(changed_at) FROM automation_status_log
                                    WHERE status = 'running' AND automation_id IN (SELECT unnest(?::VARCHAR[]))
                                    GROUP BY automation_id""", [fresh]).fetchall())
        for aid in fresh:
            starts[aid] = first[aid] - dt.timedelta(microseconds=1) if first.get(aid) else None
    return starts


def rescanned_whole(con: duckdb.DuckDBPyConnection, automations: list[Automation], now: dt.datetime,
                    with_audience: set[str]) -> set[str]:
    """The automations whose whole window is judged again this tick: never evaluated, evaluated past now
    (an edit puts `evaluated_until` ahead), with an audience (who belongs to it changes with time and
    rules, not only with synced rows), or changed since their last evaluation (status, rules, threshold;
    stamped by a clock up to CLOCK_SLACK behind the scheduler's). The others only need what became true
    since then and what a sync wrote since then (`fresh_bounds`)."""
    whole = {a.automation_id for a in automations
             if a.evaluated_until is None or a.evaluated_until > now or a.automation_id in with_audience}
    rest = [a.automation_id for a in automations if a.automation_id not in whole]
    if rest:
        changed = con.execute("""SELECT automation_id FROM automations
                                 WHERE automation_id IN (SELECT unnest(?::VARCHAR[]))
                                   AND updated_at >= evaluated_until - ?""", [rest, CLOCK_SLACK]).fetchall()
        whole |= {r[0] for r in changed}
    return whole | products_changed(con, [a for a in automations if a.automation_id not in whole])


def products_changed(con: duckdb.DuckDBPyConnection, automations: list[Automation]) -> set[str]:
    """The `purchased` automations with a product filter whose shop had products synced since their last
    evaluation: a product's categories decide which orders match, so a change can make an old order match."""
    filtered = [a for a in automations if a.trigger == "purchased" and a.evaluated_until is not None
                and (a.params.get("product_keys") or a.params.get("category_keys"))]
    if not filtered:
        return set()
    touched = min(a.evaluated_until for a in filtered if a.evaluated_until is not None) - CLOCK_SLACK
    shops = {r[0] for r in con.execute("""SELECT DISTINCT shop_id FROM products WHERE synced_at > ?
                                           AND shop_id IN (SELECT unnest(?::VARCHAR[]))""",
                                        [touched, sorted({a.shop_id for a in filtered})]).fetchall()}
    return {a.automation_id for a in filtered if a.shop_id in shops}


def fresh_bounds(a: Automation, start: dt.datetime, now: dt.datetime, whole: bool) -> tuple[dt.datetime, dt.datetime]:
    """(fresh, touched): within its window an automation's trigger keeps the occurrences that became true
    after `fresh`, or whose rows (or the member's orders) a sync wrote after `touched`. The last evaluation
    judged everything else in the window on the same rows, so judging it again would find nothing new: an
    occurrence can only appear in the past when a row that makes or unmakes it arrives or changes, and a
    sync stamps every row it writes with `synced_at`."""
    if whole or a.evaluated_until is None:
        return start, now
    return a.evaluated_until, a.evaluated_until - CLOCK_SLACK


def _autos_row(a: Automation, start: dt.datetime, now: dt.datetime, has_audience: bool,
               whole: bool = True) -> dict[str, Any]:
    sfrom, sto = set_window(a, start, now)
    fresh, touched = fresh_bounds(a, start, now, whole)
    products, categories = a.params.get("product_keys", []), a.params.get("category_keys", [])
    return {"automation_id": a.automation_id, "shop_id": a.shop_id, "trigger": a.trigger, "win_from": start,
            "win_to": now, "sfrom": sfrom, "sto": sto, "days": a.params.get("days"),
            "threshold": a.params.get("threshold_minutes", DEFAULT_CART_THRESHOLD_MINUTES),
            "product_keys": products, "category_keys": categories, "filtered": bool(products or categories),
            "owner": a.params.get("recipient"), "has_audience": has_audience, "delay_minutes": a.delay_minutes,
            "late_minutes": int(a.max_lateness.total_seconds() // 60), "is_advertising": a.is_advertising,
            "fresh": fresh, "sfresh": set_window(a, fresh, now)[0], "touched": touched}


def stage_all(con: duckdb.DuckDBPyConnection, automations: list[Automation], now: dt.datetime) -> None:
    """Stage every automation's occurrences that became true (while it ran) up to now: one statement for all
    triggers and all automations of all shops, the audiences as a join."""
    starts = window_starts(con, automations)
    due = [a for a in automations if (start := starts[a.automation_id]) is not None and start < now]
    if not due:
        return
    with_audience = stage_audiences(con, [a.automation_id for a in due])
    whole = rescanned_whole(con, due, now, with_audience)
    rows = [_autos_row(a, starts[a.automation_id] or now, now, a.automation_id in with_audience,
                       a.automation_id in whole) for a in due]
    con.register("_autos", pl.DataFrame(rows, schema=_AUTOS_SCHEMA).to_arrow())
    try:
        groups: dict[str, list[dict[str, Any]]] = {}
        for a, row in zip(due, rows, strict=True):
            if set_candidates_sql(SET_GROUP.get(a.trigger, "")) is None:
                _stage_one(con, a, row)
            else:
                groups.setdefault(SET_GROUP[a.trigger], []).append(row)
        if groups:
            sql, params = _set_candidates(groups)
            staged = _STAGE_SET_SQL.format(candidates=sql)
            con.execute(staged, bind(staged, params))
    finally:
        con.unregister("_autos")


def _set_candidates(groups: dict[str, list[dict[str, Any]]]) -> tuple[str, dict[str, Any]]:
    """Every trigger's statement as one query (UNION ALL BY NAME), each with its own constants (the union of
    its automations' windows) under names of its own: one statement stages every trigger, so the staging
    around it (running intervals, audiences, one row per occurrence) is planned and run once a tick."""
    parts, params = [], {}
    for i, (group, rows) in enumerate(groups.items()):
        sql = re.sub(r"\$([A-Za-z_]\w*)", rf"$\1_{i}", set_candidates_sql(group) or "")
        parts.append(f"SELECT * FROM ({sql})")
        params.update({f"lo_{i}": min(r["sfrom"] for r in rows), f"hi_{i}": max(r["sto"] for r in rows),
                       f"now_{i}": max(r["win_to"] for r in rows), f"touched_{i}": min(r["touched"] for r in rows)})
    return " UNION ALL BY NAME ".join(parts), params


def _stage_one(con: duckdb.DuckDBPyConnection, a: Automation, row: dict[str, Any]) -> None:
    candidates, params = candidates_sql(a, row["win_from"], row["win_to"])
    params.update({"aid": a.automation_id, "delay": a.delay_minutes, "adv": a.is_advertising,
                   "late": row["late_minutes"], "has_audience": row["has_audience"]})
    sql = _STAGE_SQL.format(candidates=candidates)
    con.execute(sql, bind(sql, params))


def plan_all(con: duckdb.DuckDBPyConnection, automations: list[Automation], now: dt.datetime) -> dict[str, int]:
    """Plan every automation's occurrences up to now; returns how many outbox rows each added."""
    con.execute("""CREATE OR REPLACE TEMP TABLE _cand (automation_id VARCHAR, shop_id VARCHAR, member_key VARCHAR,
                       occurrence_key VARCHAR, email VARCHAR, became_true_at TIMESTAMPTZ, delay_minutes INTEGER,
                       late_minutes INTEGER, is_advertising BOOLEAN)""")
    try:
        stage_all(con, automations, now)
        con.execute(_DROP_PLANNED_SQL)
        added = outbox.plan(con, _PLAN_SQL, {"now": now}, returning="automation_id")
    finally:
        con.execute("DROP TABLE IF EXISTS _cand")
        con.execute("DROP TABLE IF EXISTS _audience")
    mark_evaluated(con, [a.automation_id for a in automations], now)
    counts = {a.automation_id: 0 for a in automations}
    for (aid,) in added:
        counts[aid] += 1
    return counts


def evaluate_all(store: Store, now: dt.datetime) -> dict[str, Any]:
    """One evaluation tick: plan every running automation, then cancel what lost its reason."""
    from core.automations.compliance import cancel_obsolete

    with store.unit() as con:
        planned = plan_all(con, running_automations(con), now)
        cancelled = cancel_obsolete(con, now, until=now + dt.timedelta(days=3660))
    return {"planned": sum(planned.values()), "automations": len(planned), "cancelled": cancelled}
