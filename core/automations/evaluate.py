"""Planning: turn occurrences that became true into outbox rows, once each.

Each running automation is evaluated over a window ending now and starting a
lookback before where the last evaluation stopped (`evaluated_until`): an order
synced 20 minutes after its payment still falls inside the re-scanned window,
and the idempotency key (automation, occurrence), unique in `outbox`, keeps a
re-scanned occurrence from being planned twice (what is already planned is
dropped from the staged candidates first). The lookback is the trigger's
maximum lateness: anything older would only be recorded as too late anyway.

Cost: every query over orders is bounded in time so DuckDB's zone maps skip
the old row groups, and the members are looked up once per tick for all
automations; bench/bench_evaluate.py measures a tick over 1M members and 10M
orders.

Only what became true while the automation was running counts: the candidates
are joined to the running intervals of `automation_status_log`, so pausing
skips what became true during the pause and resuming does not backfill it.
"""
from __future__ import annotations

import datetime as dt
from typing import Any

import duckdb

from core.automations.audience import stage_audience
from core.automations.manage import mark_evaluated
from core.automations.triggers import AUTOMATION_COLUMNS, Automation, automation_from_row, bind, candidates_sql
from core.messaging import outbox
from core.store import Store

# Each running automation's occurrences, filtered to its running intervals, are staged first; then one
# statement judges them all with one look at the members (e-mail, consent) and the unsubscribes, and plans.
_STAGE_SQL = """
    INSERT INTO _cand
    WITH cand AS ({candidates}),
    runs AS (
        SELECT status, changed_at AS start_at, lead(changed_at) OVER (ORDER BY changed_at) AS end_at
        FROM automation_status_log WHERE automation_id = $aid)
    SELECT $aid, $shop, c.member_key, c.occurrence_key, c.email, c.became_true_at, $delay, $late, $adv
    FROM cand c JOIN runs r ON r.status = 'running' AND c.became_true_at >= r.start_at
        AND (r.end_at IS NULL OR c.became_true_at < r.end_at)
    WHERE TRUE{audience}
    QUALIFY row_number() OVER (PARTITION BY c.occurrence_key ORDER BY c.became_true_at) = 1
"""

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


def window_start(con: duckdb.DuckDBPyConnection, a: Automation) -> dt.datetime | None:
    if a.evaluated_until is not None:
        return a.evaluated_until - a.max_lateness
    rows = con.execute("""SELECT min(changed_at) FROM automation_status_log
                          WHERE automation_id = ? AND status = 'running'""", [a.automation_id]).fetchall()
    return rows[0][0] - dt.timedelta(microseconds=1) if rows and rows[0][0] else None


def stage(con: duckdb.DuckDBPyConnection, a: Automation, now: dt.datetime) -> None:
    """Stage one automation's occurrences that became true (while it ran) up to now."""
    start = window_start(con, a)
    if start is None or start >= now:
        return
    candidates, params = candidates_sql(a, start, now)
    params.update({"aid": a.automation_id, "delay": a.delay_minutes, "adv": a.is_advertising,
                   "late": int(a.max_lateness.total_seconds() // 60)})
    sql = _STAGE_SQL.format(candidates=candidates,
                            audience=stage_audience(con, a.automation_id, a.shop_id, "c.member_key"))
    con.execute(sql, bind(sql, params))


def plan_all(con: duckdb.DuckDBPyConnection, automations: list[Automation], now: dt.datetime) -> dict[str, int]:
    """Plan every automation's occurrences up to now; returns how many outbox rows each added."""
    con.execute("""CREATE OR REPLACE TEMP TABLE _cand (automation_id VARCHAR, shop_id VARCHAR, member_key VARCHAR,
                       occurrence_key VARCHAR, email VARCHAR, became_true_at TIMESTAMPTZ, delay_minutes INTEGER,
                       late_minutes INTEGER, is_advertising BOOLEAN)""")
    try:
        for a in automations:
            stage(con, a, now)
        con.execute(_DROP_PLANNED_SQL)
        added = outbox.plan(con, _PLAN_SQL, {"now": now}, returning="automation_id")
    finally:
        con.execute("DROP TABLE IF EXISTS _cand")
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
