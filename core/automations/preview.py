"""The honest preview: who an automation will reach in a window, and beside them who it will skip and why.

It does not restate the rules, so it cannot drift from them: in one unit of work that is then rolled back,
the scheduler's own steps run at each tick instant of the window, in the order a tick runs them:
planning (core.automations.evaluate.plan_all, then compliance.cancel_obsolete, as evaluate_all does) and
the dispatch rules (compliance.apply_all: not running, lost reason, too late, consent and unsubscribes,
frequency cap), after which what dispatch would claim is marked sent (so the frequency cap counts it, as
it counts a real send). What the store says at the end of the window is the preview; nothing is kept.

The preview can only know what the store knows now: orders, signups and deliveries still to come are not
foreseen, so the time-based triggers (no first purchase, no repurchase, abandoned carts, delays) and what
is already queued make up most of it. A draft, paused or edited automation is previewed as if it were
running with its (edited) fields from now on. Rendering is not tried here (the template is checked when
saved), so a message counted as received can still end `dead` if its template fails for that member.

The scheduler words one reason for both a member who said no to advertising and one whose consent the
platform does not report (stored as NULL); the preview keeps them apart ('unknown_consent'), so the
console never shows an unknown consent as a "no".
"""
from __future__ import annotations

import dataclasses
import datetime as dt
import uuid
from typing import Any

import duckdb
import polars as pl

from core.automations import compliance, manage
from core.automations.evaluate import plan_all, running_automations
from core.automations.triggers import AutomationStatus
from core.messaging import outbox
from core.store import Store

CANCEL_HORIZON = dt.timedelta(days=3660)  # as evaluate_all: cancel every queued send whose reason is gone
# The live scheduler ticks every minute; the preview judges the window at coarser ticks, each holding the
# store, so a preview costs tens of ticks rather than thousands. A step no longer than the shortest maximum
# lateness (abandoned carts, 6 h) never makes a send too late that a live scheduler would have sent; what
# a coarser step can change is only which of two advertising sends within one step the cap keeps (the
# earlier due, as dispatch also ranks them).
SHORT_STEP = dt.timedelta(hours=2)    # ticks of a one-day preview
LONG_STEP = dt.timedelta(hours=6)     # of a longer one
SKIP_REASONS = ("no_consent", "unknown_consent", "unsubscribed", "no_email", "frequency_cap")

_DISPATCHED = """
    SELECT ob.message_id, NULL AS reason, 'sent' AS state FROM outbox ob
    WHERE ob.state IN ('pending', 'failed') AND coalesce(ob.next_attempt_at, ob.due_at) <= $now
      AND ob.channel = 'email'"""

_JUDGED = """
    SELECT ob.member_key, m.name, ob.recipient, ob.due_at, ob.occurrence_key,
           CASE WHEN ob.state = 'sent' THEN 'send' ELSE 'skip' END AS outcome,
           CASE WHEN ob.reason = 'no_consent' AND m.member_key IS NOT NULL AND m.email_consent IS NULL
                THEN 'unknown_consent' ELSE ob.reason END AS reason
    FROM outbox ob LEFT JOIN members m ON m.shop_id = ob.shop_id AND m.member_key = ob.member_key
    WHERE ob.automation_id = $aid AND ob.updated_at >= $now AND ob.state IN ('sent', 'skipped', 'cancelled')
      AND ob.message_id NOT IN (SELECT message_id FROM _settled_before)
    ORDER BY ob.due_at, ob.member_key, ob.occurrence_key"""


class _Undo(Exception):
    """Raised to roll the simulated ticks back once their outcome is read."""


@dataclasses.dataclass(frozen=True)
class Preview:
    """Every message the window would settle: `outcome` send | skip, with the scheduler's reason."""

    automation_id: str
    ticks: tuple[dt.datetime, ...]
    judged: pl.DataFrame

    @property
    def receivers(self) -> pl.DataFrame:
        return self.judged.filter(pl.col("outcome") == "send")

    @property
    def skipped(self) -> pl.DataFrame:
        return self.judged.filter(pl.col("outcome") == "skip")

    def skipped_by_reason(self) -> dict[str, int]:
        return {str(r): int(n) for r, n in self.skipped.group_by("reason").len().sort("reason").iter_rows()}


def ticks_of(now: dt.datetime, days: int, step: dt.timedelta | None = None) -> tuple[dt.datetime, ...]:
    """The instants the window is judged at: now (what is due already goes at the next tick), then every
    `step`, ending at now + days."""
    end = now + dt.timedelta(days=days)
    step = step or (SHORT_STEP if days <= 1 else LONG_STEP)
    out, at = [now], now + step
    while at < end:
        out.append(at)
        at += step
    return (*out, end)


def preview(store: Store, automation_id: str | None, *, now: dt.datetime, days: int = 1,
            step: dt.timedelta | None = None, changes: dict[str, Any] | None = None,
            draft: dict[str, Any] | None = None) -> Preview:
    """What the scheduler would send and skip for this automation over the next `days`, judged by its own
    rules at each tick (see the module docstring). `changes` previews an edit of the automation; `draft`
    previews one not saved yet (the wizard's fields, checked as the engine checks them)."""
    ticks = ticks_of(now, days, step)
    found: list[Preview] = []
    try:
        with store.unit() as con:
            aid = _as_running(con, automation_id, changes, draft, now)
            # what had already ended before the preview is not the window's (the first tick is at `now`)
            con.execute("""CREATE OR REPLACE TEMP TABLE _settled_before AS SELECT message_id FROM outbox
                           WHERE automation_id = ? AND state NOT IN ('pending', 'failed')""", [aid])
            for at in ticks:
                _tick(con, at)
            judged = con.sql(_JUDGED, params={"aid": aid, "now": now}).pl()
            found.append(Preview(aid, ticks, judged))
            raise _Undo
    except _Undo:
        pass
    return found[0]


def _as_running(con: duckdb.DuckDBPyConnection, automation_id: str | None, changes: dict[str, Any] | None,
                draft: dict[str, Any] | None, now: dt.datetime) -> str:
    """Within the rolled-back unit: the automation to preview, running from now (unless it already runs)."""
    if draft is not None:
        shops, templates = manage.known(con)
        fields = {**draft, "automation_id": f"preview-{uuid.uuid4().hex[:10]}", "status": AutomationStatus.DRAFT,
                  "template_id": None}
        a = manage.check_automation(fields, known_shops=shops, known_templates=templates)
        manage.write_automation(con, a, now)
        automation_id = a["automation_id"]
    elif automation_id is None:
        raise ValueError("give an automation or a draft")
    elif changes:  # the edit as saving it would make it (its rules apply from now on)
        manage.edit_in(con, automation_id, changes, now=now)
    manage.set_status_in(con, automation_id, AutomationStatus.RUNNING, now)
    return automation_id


def _tick(con: duckdb.DuckDBPyConnection, at: dt.datetime) -> None:
    """One scheduler tick at `at`, as far as this automation's e-mail is concerned."""
    plan_all(con, running_automations(con), at)
    compliance.cancel_obsolete(con, at, until=at + CANCEL_HORIZON)
    compliance.apply_all(con, at)
    outbox.settle(con, _DISPATCHED, {"now": at})
