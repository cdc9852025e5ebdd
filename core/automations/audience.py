"""An automation's audience filter: only members of a saved segment (or an inline rule) are its recipients.

The audience is a rule, never a list: it is resolved at every evaluation (core.segments) and judged when a
message is planned. A member outside the audience is not a recipient: no outbox row is planned for them,
so one who enters the segment later is reached by what is still within the trigger's lateness then.
"""
from __future__ import annotations

import json
import logging
import re
from typing import Any

import duckdb

from core.log import event
from core.segments import compiler, rules

log = logging.getLogger("core.automations.audience")


def check_audience(audience: Any) -> dict[str, Any] | None:
    """An audience as stored: None, {"segment_id": ...} or {"rule": {...}}; raises RuleError naming the problem."""
    if isinstance(audience, str):
        audience = json.loads(audience) if audience.strip() else None
    if not audience:
        return None
    if not isinstance(audience, dict) or set(audience) not in ({"segment_id"}, {"rule"}):
        raise rules.RuleError({"audience": "give either segment_id or rule"})
    if "rule" in audience:
        return {"rule": rules.as_rule(audience["rule"]).to_dict()}
    return {"segment_id": str(audience["segment_id"])}


def stage_audience(con: duckdb.DuckDBPyConnection, automation_id: str, shop_id: str, column: str) -> str:
    """Resolve the automation's audience into a temp table for this unit of work; returns the predicate
    (' AND <column> IN (...)') that keeps only its members, or '' when it has no audience."""
    rows = con.execute("SELECT audience FROM automations WHERE automation_id = ?", [automation_id]).fetchall()
    try:
        found = compiler.audience_member_sql(con, shop_id, rows[0][0] if rows else None)
    except rules.RuleError as exc:
        # A deleted segment must not stop the other automations: this one reaches nobody until fixed.
        event(log, "automation.audience_unusable", automation_id=automation_id, error=str(exc))
        return " AND FALSE"
    if found is None:
        return ""
    sql, params = found
    table = "_audience_" + re.sub(r"[^A-Za-z0-9]", "_", automation_id)
    con.execute(f"CREATE OR REPLACE TEMP TABLE {table} AS SELECT member_key FROM ({sql})", params)
    return f" AND {column} IN (SELECT member_key FROM {table})"


def stage_audiences(con: duckdb.DuckDBPyConnection, automation_ids: list[str]) -> set[str]:
    """Resolve the audiences of these automations into one temp table `_audience (automation_id, member_key)`
    for this unit of work, so evaluation keeps each automation's recipients with one join; returns the
    automations that have an audience (one whose audience cannot be resolved has one, with no members)."""
    con.execute("CREATE OR REPLACE TEMP TABLE _audience (automation_id VARCHAR, member_key VARCHAR)")
    rows = con.execute("""SELECT automation_id, shop_id, audience FROM automations
                          WHERE audience IS NOT NULL AND automation_id IN (SELECT unnest(?::VARCHAR[]))
                          ORDER BY automation_id""", [automation_ids]).fetchall()
    found: set[str] = set()
    for automation_id, shop_id, audience in rows:
        try:
            member_sql = compiler.audience_member_sql(con, shop_id, audience)
        except rules.RuleError as exc:
            # A deleted segment must not stop the other automations: this one reaches nobody until fixed.
            event(log, "automation.audience_unusable", automation_id=automation_id, error=str(exc))
            found.add(automation_id)
            continue
        if member_sql is None:
            continue
        sql, params = member_sql
        found.add(automation_id)
        con.execute(f"INSERT INTO _audience SELECT ?, member_key FROM ({sql})", [automation_id, *params])
    return found
