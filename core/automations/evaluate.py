"""Planning: turn occurrences that became true into outbox rows, once each.

Each running automation is evaluated over a window ending now and starting a
lookback before where the last evaluation stopped (`evaluated_until`): an order
synced 20 minutes after its payment still falls inside the re-scanned window,
and the idempotency key (automation, occurrence), unique in `outbox` and
inserted with ON CONFLICT DO NOTHING, keeps a re-scanned occurrence from being
planned twice. The lookback is the trigger's maximum lateness: anything older
would only be recorded as too late anyway.

Only what became true while the automation was running counts: the candidates
are joined to the running intervals of `automation_status_log`, so pausing
skips what became true during the pause and resuming does not backfill it.
"""
from __future__ import annotations

import datetime as dt
from typing import Any

import duckdb

from core import clock
from core.automations.triggers import AUTOMATION_COLUMNS, Automation, automation_from_row, bind, candidates_sql
from core.store import Store

_PLAN_SQL = """
    INSERT INTO outbox (message_id, idempotency_key, automation_id, shop_id, member_key, occurrence_key, channel,
                        is_advertising, recipient, state, reason, became_true_at, due_at, attempts,
                        created_at, updated_at)
    WITH cand AS ({candidates}),
    runs AS (
        SELECT status, changed_at AS start_at, lead(changed_at) OVER (ORDER BY changed_at) AS end_at
        FROM automation_status_log WHERE automation_id = $aid),
    inrun AS (
        SELECT c.* FROM cand c JOIN runs r ON r.status = 'running' AND c.became_true_at >= r.start_at
            AND (r.end_at IS NULL OR c.became_true_at < r.end_at)
        QUALIFY row_number() OVER (PARTITION BY c.occurrence_key ORDER BY c.became_true_at) = 1),
    judged AS (
        SELECT i.*, i.became_true_at + to_minutes($delay) AS due_at,
            CASE WHEN i.recipient IS NULL OR trim(i.recipient) = '' THEN 'no_email'
                 WHEN u.member_key IS NOT NULL THEN 'unsubscribed'
                 WHEN $adv AND NOT coalesce(m.email_consent, FALSE) THEN 'no_consent'
                 WHEN $now > i.became_true_at + to_minutes($delay) + to_minutes($late) THEN 'too_late'
            END AS reason
        FROM inrun i
        LEFT JOIN members m ON m.shop_id = $shop AND m.member_key = i.member_key
        LEFT JOIN (SELECT DISTINCT member_key FROM unsubscribes
                   WHERE shop_id = $shop AND channel IN ('email', 'all')) u ON u.member_key = i.member_key)
    SELECT md5($aid || ':' || occurrence_key), $aid || ':' || occurrence_key, $aid, $shop, member_key,
           occurrence_key, $channel, $adv, recipient, CASE WHEN reason IS NULL THEN 'pending' ELSE 'skipped' END,
           reason, became_true_at, due_at, 0, $now, $now
    FROM judged
    ON CONFLICT DO NOTHING
"""


def running_automations(con: duckdb.DuckDBPyConnection) -> list[Automation]:
    rows = con.execute(f"""SELECT {AUTOMATION_COLUMNS} FROM automations
                           WHERE status = 'running' AND action = 'email' ORDER BY automation_id""").fetchall()
    return [automation_from_row(r) for r in rows]


def window_start(con: duckdb.DuckDBPyConnection, a: Automation) -> dt.datetime | None:
    if a.evaluated_until is not None:
        return a.evaluated_until - a.max_lateness
    row = con.execute("""SELECT min(changed_at) FROM automation_status_log
                         WHERE automation_id = ? AND status = 'running'""", [a.automation_id]).fetchone()
    return row[0] - dt.timedelta(microseconds=1) if row and row[0] else None


def plan(con: duckdb.DuckDBPyConnection, a: Automation, now: dt.datetime) -> int:
    """Plan one automation's occurrences up to now; returns how many outbox rows were added."""
    start = window_start(con, a)
    if start is None or start >= now:
        return 0
    candidates, params = candidates_sql(a, start, now)
    params.update({"aid": a.automation_id, "delay": a.delay_minutes, "adv": a.is_advertising, "now": now,
                   "late": int(a.max_lateness.total_seconds() // 60), "channel": "email"})
    before = con.execute("SELECT count(*) FROM outbox WHERE automation_id = ?", [a.automation_id]).fetchone()[0]
    sql = _PLAN_SQL.format(candidates=candidates)
    con.execute(sql, bind(sql, params))
    after = con.execute("SELECT count(*) FROM outbox WHERE automation_id = ?", [a.automation_id]).fetchone()[0]
    con.execute("UPDATE automations SET evaluated_until = ? WHERE automation_id = ?", [now, a.automation_id])
    return after - before


def evaluate_all(store: Store, now: dt.datetime | None = None) -> dict[str, Any]:
    """One evaluation tick: plan every running automation, then cancel what lost its reason."""
    from core.automations.compliance import cancel_obsolete

    now = now or clock.now()
    with store.unit() as con:
        planned = {a.automation_id: plan(con, a, now) for a in running_automations(con)}
        cancelled = cancel_obsolete(con, now, until=now + dt.timedelta(days=3660))
    return {"planned": sum(planned.values()), "automations": len(planned), "cancelled": cancelled}
