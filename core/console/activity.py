"""What the Activity page shows and does: the outbox by state and reason, retrying failed messages, and
settling the ones a crash left `unknown` (never re-sent on their own).

A message's error is shown in the reader's words when the scheduler kept it keyed (kind, key, params: a
render failure names its part, line and what went wrong), else as the English account it kept."""
from __future__ import annotations

import datetime as dt
from typing import Any, TypedDict, cast

from core.automations import manage
from core.console.common import (
    AddressBook,
    StoreLike,
    address_books,
    chosen_book,
    local_time,
    now,
    open_store,
    reason_label,
    state_label,
    store_path,
)
from core.console.errors import describe
from core.errors import ErrorRecord
from core.messaging.outbox import STATES

# What a page catches when someone else settled a message first.
ResolveRefused = manage.AutomationError

__all__ = ["AddressBook", "ResolveRefused", "address_books", "chosen_book", "local_time", "reason_label",
           "state_label", "store_path"]


class OutboxCount(TypedDict):
    state: str
    reason: str | None
    n: int


def outbox_counts(store: StoreLike, shop_id: str | None) -> list[OutboxCount]:
    """(state, reason, n) of one shop's outbox, for the activity filters."""
    with open_store(store).unit() as con:
        rows = con.execute("""SELECT state, reason, count(*) FROM outbox WHERE $shop IS NULL OR shop_id = $shop
                              GROUP BY ALL ORDER BY state, reason NULLS FIRST""", {"shop": shop_id}).fetchall()
    return [OutboxCount(state=s, reason=r, n=n) for s, r, n in rows]


class FilterOptions(TypedDict):
    states: list[tuple[str, int]]
    reasons: list[tuple[str | None, int]]


def filter_options(counts: list[OutboxCount], state: str | None) -> FilterOptions:
    """States (in the state machine's order) and the reasons seen under the chosen state, with counts."""
    by_state: dict[str, int] = {}
    by_reason: dict[str | None, int] = {}
    for c in counts:
        by_state[c["state"]] = by_state.get(c["state"], 0) + c["n"]
        if state is None or c["state"] == state:
            if c["reason"] is not None:
                by_reason[c["reason"]] = by_reason.get(c["reason"], 0) + c["n"]
    states = [(s, by_state[s]) for s in STATES if s in by_state] + \
             [(s, n) for s, n in by_state.items() if s not in STATES]
    reasons = sorted(by_reason.items(), key=lambda kv: (-kv[1], kv[0] or ""))
    return FilterOptions(states=states, reasons=reasons)


class Message(TypedDict):
    """One outbox row as the activity list shows it."""

    message_id: str
    automation_id: str
    automation: str | None
    shop_id: str
    member_key: str
    recipient: str | None
    state: str
    reason: str | None
    attempts: int
    due_at: dt.datetime | None
    next_attempt_at: dt.datetime | None
    sent_at: dt.datetime | None
    last_error: str | None
    occurrence_key: str
    updated_at: dt.datetime | None
    state_label: str
    reason_label: str
    error: str             # the error in words (or the English account of an error kept without a key)


def activity(store: StoreLike, shop_id: str | None, *, state: str | None = None, reason: str | None = None,
             automation_id: str | None = None, limit: int = 500) -> list[Message]:
    """The outbox, newest change first, with state and reason in words."""
    frame = manage.list_outbox(open_store(store), state=state, reason=reason, automation_id=automation_id,
                               shop_id=shop_id, limit=limit)
    return [cast(Message, r | {"state_label": state_label(r["state"]), "reason_label": reason_label(r["reason"]),
                               "error": error_words(r)})
            for r in frame.to_dicts()]


def error_words(row: dict[str, Any]) -> str:
    """A row's error as the reader reads it: its key in words, else its last_error, else nothing."""
    record = ErrorRecord.load(row.get("error_kind"), row.get("error_key"), row.get("error_params"),
                              row.get("last_error"))
    if record is not None:
        return describe(record)
    return row.get("last_error") or ""


def retry(store: StoreLike, message_ids: list[str]) -> int:
    """Failed or dead messages back to waiting, with a fresh set of tries; how many were."""
    return manage.retry_failed(open_store(store), message_ids, now=now())


def resolve(store: StoreLike, message_id: str, *, sent: bool) -> None:
    """The operator's word on an `unknown` message; ResolveRefused when it is no longer unknown."""
    manage.resolve_unknown(open_store(store), message_id, sent=sent, now=now())


def render_failures(store: StoreLike, shop_id: str | None, limit: int = 20) -> list[Message]:
    """Messages a template error ended (`dead`, `render_failed`), newest first, each with its error in words."""
    return activity(store, shop_id, state="dead", reason="render_failed", limit=limit)
