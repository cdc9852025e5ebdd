"""What may still be sent, checked set-based right before each claim.

Korean law (정보통신망법 제50조, docs/design.md "Automations"): advertising reaches
only members who consented; an unsubscribe takes effect at once (checked here
again at dispatch, not only when planned); non-e-mail advertising between 21:00
and 08:00 shop time needs night-time consent, else it is held until 08:00.
Courtesy: a frequency cap (one advertising message per member per N hours
across automations, on by default, 24 h) skips the later ones with a reason.
An unsubscribe is honoured for every automated e-mail, advertising or not: a
customer who said "no more e-mail" should not be reached by a machine.
"""
from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import duckdb

from core.automations.triggers import CANCEL_SQL, DEFAULT_MAX_LATENESS_MINUTES, cancel_lookback_sql
from core.messaging import outbox
from core.shops.registry import timezones

NIGHT_START_HOUR, NIGHT_END_HOUR = 21, 8
# Advertising or information by default, per trigger, as Korean practice reads 정보통신망법 제50조: a welcome
# without an offer, a purchase follow-up and a delivery notice inform about the customer's own dealings;
# a nudge to buy, a win-back and a cart reminder advertise.
DEFAULT_ADVERTISING = {"signup": False, "purchased": False, "delivered": False,
                       "no_first_purchase": True, "no_repurchase": True, "cart_abandoned": True}
DEFAULT_CAP_HOURS = 24

_DUE = "ob.state IN ('pending', 'failed') AND coalesce(ob.next_attempt_at, ob.due_at) <= $now"

_LATENESS = "coalesce(a.max_lateness_minutes, CASE a.trigger {} END)".format(
    " ".join(f"WHEN '{t}' THEN {m}" for t, m in DEFAULT_MAX_LATENESS_MINUTES.items()))


def _mark(con: duckdb.DuckDBPyConnection, select_sql: str, state: str, params: dict) -> int:
    """Set `state` and the selected reason on the rows `select_sql` returns as (message_id, reason)."""
    return outbox.settle(con, select_sql, params, outbox.State(state))


def cancel_obsolete(con: duckdb.DuckDBPyConnection, now: dt.datetime, until: dt.datetime | None = None) -> int:
    """Cancel pending sends due by `until` (default: now) whose reason is gone (the member ordered, ...)."""
    until = until or now
    # The earliest order that could matter, as a constant: DuckDB prunes the orders scan with it.
    since = con.execute(f"""
        SELECT min(ob.became_true_at - {cancel_lookback_sql()}) FROM outbox ob JOIN automations a USING (automation_id)
        WHERE ob.state IN ('pending', 'failed') AND ob.due_at <= $until""", {"until": until}).fetchall()[0][0]
    if since is None:
        return 0
    return _mark(con, CANCEL_SQL, "cancelled", {"until": until, "now": now, "since": since})


def cancel_not_running(con: duckdb.DuckDBPyConnection, now: dt.datetime) -> int:
    return _mark(con, f"""
        SELECT ob.message_id, 'automation_not_running' AS reason FROM outbox ob
        JOIN automations a USING (automation_id) WHERE {_DUE} AND a.status <> 'running'""", "cancelled", {"now": now})


def skip_too_late(con: duckdb.DuckDBPyConnection, now: dt.datetime) -> int:
    # Retries of a failed send keep their own backoff schedule; lateness judges first attempts.
    return _mark(con, f"""
        SELECT ob.message_id, 'too_late' AS reason FROM outbox ob JOIN automations a USING (automation_id)
        WHERE ob.state = 'pending' AND ob.due_at <= $now AND $now > ob.due_at + to_minutes({_LATENESS})""",
                 "skipped", {"now": now})


def skip_without_consent(con: duckdb.DuckDBPyConnection, now: dt.datetime) -> int:
    return _mark(con, f"""
        SELECT ob.message_id,
               CASE WHEN u.member_key IS NOT NULL THEN 'unsubscribed' ELSE 'no_consent' END AS reason
        FROM outbox ob
        LEFT JOIN members m ON m.shop_id = ob.shop_id AND m.member_key = ob.member_key
        LEFT JOIN (SELECT DISTINCT shop_id, member_key FROM unsubscribes WHERE channel IN ('email', 'all')) u
            ON u.shop_id = ob.shop_id
            AND u.member_key = coalesce(ob.member_key, 'email:' || lower(ob.recipient))  -- guests: see dispatch
        WHERE {_DUE} AND ob.channel = 'email'  -- Alimtalk notices judge their own channel when planned
          AND (u.member_key IS NOT NULL OR (ob.is_advertising AND NOT coalesce(m.email_consent, FALSE)))""",
                 "skipped", {"now": now})


def apply_frequency_cap(con: duckdb.DuckDBPyConnection, now: dt.datetime) -> int:
    """Skip due advertising sends to anyone who got one within the shop's cap (or gets an earlier one now)."""
    return _mark(con, f"""
        WITH due AS (
            SELECT ob.message_id, ob.shop_id, coalesce(ob.member_key, lower(ob.recipient)) AS who, ob.due_at
            FROM outbox ob WHERE {_DUE} AND ob.is_advertising),
        cap AS (
            SELECT d.*, coalesce(s.frequency_cap_enabled, TRUE) AS cap_on,
                   coalesce(s.frequency_cap_hours, {DEFAULT_CAP_HOURS}) AS cap_hours
            FROM due d LEFT JOIN sender_settings s ON s.shop_id = d.shop_id),
        recent AS (
            SELECT ob.shop_id, coalesce(ob.member_key, lower(ob.recipient)) AS who,
                   max(coalesce(ob.sent_at, ob.updated_at)) AS last_at
            FROM outbox ob WHERE ob.is_advertising AND ob.state IN ('sent', 'sending', 'unknown')
                AND coalesce(ob.member_key, lower(ob.recipient)) IN (SELECT who FROM due)
            GROUP BY ALL),
        ranked AS (
            SELECT c.*, r.last_at,
                   row_number() OVER (PARTITION BY c.shop_id, c.who ORDER BY c.due_at, c.message_id) AS nth
            FROM cap c LEFT JOIN recent r ON r.shop_id = c.shop_id AND r.who = c.who)
        SELECT message_id, 'frequency_cap' AS reason FROM ranked
        WHERE cap_on AND (nth > 1 OR last_at > $now - to_hours(cap_hours))""", "skipped", {"now": now})


def night_hold_until(now: dt.datetime, tz: str) -> dt.datetime | None:
    """When a non-e-mail advertising message may go out if it is night in `tz` now (else None)."""
    local = now.astimezone(ZoneInfo(tz))
    if NIGHT_END_HOUR <= local.hour < NIGHT_START_HOUR:
        return None
    morning = local.replace(hour=NIGHT_END_HOUR, minute=0, second=0, microsecond=0)
    if local.hour >= NIGHT_START_HOUR:
        morning += dt.timedelta(days=1)
    return morning.astimezone(dt.UTC)


def hold_at_night(con: duckdb.DuckDBPyConnection, now: dt.datetime) -> int:
    """Hold due non-e-mail advertising to members without night consent until 08:00 shop time."""
    held = 0
    for shop_id, tz in timezones(con).items():
        until = night_hold_until(now, tz)
        if until is None:
            continue
        held += outbox.hold(con, f"""
            SELECT ob.message_id FROM outbox ob
            LEFT JOIN members m ON m.shop_id = ob.shop_id AND m.member_key = ob.member_key
            WHERE ob.shop_id = $shop AND {_DUE} AND ob.channel <> 'email'
                AND ob.is_advertising AND NOT coalesce(m.night_consent, FALSE)""",
                            {"now": now, "shop": shop_id}, until=until, reason="night_hold", now=now)
    return held


def apply_all(con: duckdb.DuckDBPyConnection, now: dt.datetime) -> dict[str, int]:
    """Every dispatch-time rule, in an order where each sees what the previous left sendable."""
    return {
        "cancelled_not_running": cancel_not_running(con, now),
        "cancelled_obsolete": cancel_obsolete(con, now),
        "skipped_too_late": skip_too_late(con, now),
        "skipped_consent": skip_without_consent(con, now),
        "held_night": hold_at_night(con, now),
        "skipped_cap": apply_frequency_cap(con, now),
    }
