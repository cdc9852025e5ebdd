"""The outbox state machine and the send journal that makes crashes honest: the only writer of `outbox`.

    pending → sending → sent
                      → failed (retried with exponential backoff) → … → dead after MAX_ATTEMPTS
                      → dead (permanent refusal, unrenderable message)
    pending → skipped(reason) | cancelled(reason)
    sending → unknown (a crash left its fate unclear; shown to the operator, never re-sent automatically)
    failed | dead → pending (the operator retries);  unknown → sent | cancelled (the operator resolves)

Every function takes an open DuckDB connection and runs in the caller's unit of work; none opens
the store. Planning, the dispatch-time rules of other packages (compliance, Alimtalk's own
cancellations) and the operator's repairs call the functions here instead of writing the table.

State changes are batched: a batch is claimed as `sending` in one unit of work, sent with the store
closed, and its outcomes flushed in one more unit. What happened in between is kept in a tiny
append-only journal per channel beside the store: an "A id" line right before a message is handed
over, "S id" once the other side accepted it, "R id" when it refused it with a definite answer.
On start-up `reconcile` settles rows still `sending`: accepted → sent, refused → failed (retried),
attempted but neither → unknown, never attempted → pending again. Each open connection has at most
one message in flight, so a crash leaves at most one message attempted-but-not-accepted, hence at
most one `unknown`, per open connection.

Why no fsync per line: the crash this guards against is the process dying (SIGKILL, OOM, a bug);
what `write(2)` handed the kernel survives that. An fsync per message would cost a disk flush per
message (milliseconds) for the power-loss case only, against the ≥500 messages/s the dispatcher
must keep.
"""
from __future__ import annotations

import dataclasses
import datetime as dt
import enum
import json
import os
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import duckdb
import polars as pl

from core.errors import ErrorRecord


class State(enum.StrEnum):
    """A message's state; equal to the string stored in `outbox.state`."""

    PENDING = "pending"
    SENDING = "sending"
    SENT = "sent"
    FAILED = "failed"
    DEAD = "dead"
    SKIPPED = "skipped"
    CANCELLED = "cancelled"
    UNKNOWN = "unknown"


STATES: tuple[State, ...] = tuple(State)
MAX_ATTEMPTS = 5
BACKOFF_BASE = dt.timedelta(minutes=1)   # 1, 4, 16, 64 minutes between tries
BACKOFF_FACTOR = 4

# The columns a planning SELECT gives, in this order (see `plan`).
PLANNED_COLUMNS = ("message_id", "idempotency_key", "automation_id", "shop_id", "member_key", "occurrence_key",
                   "channel", "is_advertising", "recipient", "state", "reason", "became_true_at", "due_at",
                   "attempts", "context", "created_at", "updated_at")

_DUE = "ob.state IN ('pending', 'failed') AND coalesce(ob.next_attempt_at, ob.due_at) <= $now"


def backoff(attempts: int) -> dt.timedelta:
    """How long to wait after the `attempts`-th failed try."""
    return BACKOFF_BASE * (BACKOFF_FACTOR ** max(0, attempts - 1))


# ------------------------------------------------------------------ the journal

@dataclasses.dataclass(frozen=True)
class Marks:
    """What a journal says happened: handed over (attempted), accepted, refused."""

    attempted: frozenset[str] = frozenset()
    accepted: frozenset[str] = frozenset()
    refused: frozenset[str] = frozenset()


class Journal:
    """Append-only lines "A|S|R message_id" beside the store, one file per channel."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._fd: int | None = None

    @classmethod
    def for_store(cls, store_path: Path, channel: str = "email") -> Journal:
        suffix = ".send-journal" if channel == "email" else f".{channel}-journal"
        return cls(store_path.with_name(store_path.name + suffix))

    def open(self) -> None:
        """Open before several threads write (each line is one O_APPEND write, so lines never interleave)."""
        if self._fd is None:
            self._fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)

    def _write(self, mark: str, message_id: str) -> None:
        self.open()
        assert self._fd is not None
        os.write(self._fd, f"{mark} {message_id}\n".encode())

    def attempt(self, message_id: str) -> None:
        self._write("A", message_id)

    def accepted(self, message_id: str) -> None:
        self._write("S", message_id)

    def refused(self, message_id: str) -> None:
        self._write("R", message_id)

    def read(self) -> dict[str, set[str]]:
        marks: dict[str, set[str]] = {"A": set(), "S": set(), "R": set()}
        try:
            text = self.path.read_text(encoding="utf-8", errors="replace")
        except FileNotFoundError:
            return marks
        for line in text.splitlines():
            mark, _, message_id = line.partition(" ")
            if mark in marks and message_id:  # a torn last line is ignored: it was never completed
                marks[mark].add(message_id.strip())
        return marks

    def marks(self) -> Marks:
        read = self.read()
        return Marks(frozenset(read["A"]), frozenset(read["S"]), frozenset(read["R"]))

    def is_empty(self) -> bool:
        """Nothing to settle: no line since the journal was last cleared (or no journal yet)."""
        try:
            return self.path.stat().st_size == 0
        except FileNotFoundError:
            return True

    def clear(self) -> None:
        self.close()
        with open(self.path, "w"):
            pass

    def close(self) -> None:
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None


def reconcile(con: duckdb.DuckDBPyConnection, channel: str, marks: Marks, now: dt.datetime) -> dict[str, int]:
    """Settle this channel's rows a dead process left `sending`, from what its journal says happened.

    The caller clears the journal once this unit of work has committed.
    """
    sending = [r[0] for r in con.execute(
        "SELECT message_id FROM outbox WHERE state = 'sending' AND channel = ?", [channel]).fetchall()]
    if not sending:
        return {}
    fate = pl.DataFrame({"message_id": sending}).with_columns(
        pl.when(pl.col("message_id").is_in(list(marks.accepted))).then(pl.lit(State.SENT.value))
        .when(pl.col("message_id").is_in(list(marks.refused))).then(pl.lit(State.FAILED.value))
        .when(pl.col("message_id").is_in(list(marks.attempted))).then(pl.lit(State.UNKNOWN.value))
        .otherwise(pl.lit(State.PENDING.value)).alias("fate"))
    con.register("_fate", fate.to_arrow())
    try:
        con.execute("""
            UPDATE outbox SET state = f.fate, updated_at = $now,
                sent_at = CASE WHEN f.fate = 'sent' THEN $now ELSE outbox.sent_at END,
                reason = CASE f.fate WHEN 'unknown' THEN 'crashed_during_send'
                                     WHEN 'failed' THEN 'refused_before_crash' ELSE NULL END,
                next_attempt_at = CASE WHEN f.fate = 'failed' THEN $now ELSE NULL END,
                attempts = CASE WHEN f.fate = 'pending' THEN greatest(outbox.attempts - 1, 0)
                                ELSE outbox.attempts END
            FROM _fate f WHERE outbox.message_id = f.message_id AND outbox.state = 'sending'""", {"now": now})
    finally:
        con.unregister("_fate")
    return {str(k): int(v) for k, v in fate.group_by("fate").len().iter_rows()}


def has_work(con: duckdb.DuckDBPyConnection, now: dt.datetime, channel: str | None = None) -> bool:
    """Whether a dispatch run at `now` has anything to do: a row of `channel` (of any channel when None: the
    e-mail rules also settle other channels' rows) that is due to be sent (pending or failed, its retry or
    hold over), or one of `channel` a dead process left `sending`. One cheap query, so the dispatch jobs can
    skip their units of work while nothing is due. Rows not due yet wait for their time: the rules that
    could end them early (a reason gone, too late) run before every claim, and the evaluation job cancels
    what lost its reason every minute whatever its due time."""
    return bool(con.execute(f"""
        SELECT EXISTS (SELECT 1 FROM outbox ob
                       WHERE ({_DUE} AND ($channel IS NULL OR ob.channel = $channel))
                          OR (ob.state = 'sending' AND ob.channel = coalesce($channel, 'email')))""",
                            {"now": now, "channel": channel}).fetchall()[0][0])


# ------------------------------------------------------------------ planning

def plan(con: duckdb.DuckDBPyConnection, select_sql: str, params: Mapping[str, Any], *,
         skip_planned: bool = False, returning: str = "message_id") -> list[tuple[Any, ...]]:
    """Insert the rows `select_sql` gives (the PLANNED_COLUMNS, in order); returns `returning` of each.

    `skip_planned` ignores rows whose idempotency key is already planned (ON CONFLICT DO NOTHING);
    without it the caller has dropped them first and the UNIQUE constraint is the backstop.
    """
    conflict = "ON CONFLICT (idempotency_key) DO NOTHING" if skip_planned else ""
    return con.execute(f"""
        INSERT INTO outbox ({", ".join(PLANNED_COLUMNS)})
        {select_sql}
        {conflict}
        RETURNING {returning}""", dict(params)).fetchall()


# ------------------------------------------------------------------ rules that settle due rows

def settle(con: duckdb.DuckDBPyConnection, select_sql: str, params: Mapping[str, Any],
           state: State | None = None) -> int:
    """End the still-unsent rows `select_sql` returns as (message_id, reason) in `state` (skipped or
    cancelled), or as (message_id, reason, state) when `state` is None; returns how many."""
    new_state = f"'{State(state).value}'" if state is not None else "r.state"
    rows = con.execute(f"""
        UPDATE outbox SET state = {new_state}, reason = r.reason, updated_at = $now, next_attempt_at = NULL
        FROM ({select_sql}) r WHERE outbox.message_id = r.message_id AND outbox.state IN ('pending', 'failed')
        RETURNING outbox.message_id""", dict(params)).fetchall()
    return len(rows)


def hold(con: duckdb.DuckDBPyConnection, select_sql: str, params: Mapping[str, Any], *, until: dt.datetime,
         reason: str, now: dt.datetime) -> int:
    """Put off the due rows `select_sql` returns (message_id) until `until`, with `reason`."""
    rows = con.execute(f"""
        UPDATE outbox SET next_attempt_at = $until, reason = $reason, updated_at = $now
        FROM ({select_sql}) r WHERE outbox.message_id = r.message_id AND outbox.state IN ('pending', 'failed')
        RETURNING outbox.message_id""", {**params, "until": until, "reason": reason, "now": now}).fetchall()
    return len(rows)


# ------------------------------------------------------------------ claiming and recording outcomes

@dataclasses.dataclass
class Claimed:
    """A row claimed as `sending`, as the outbox holds it; the channel adds what sending needs."""

    message_id: str
    automation_id: str
    shop_id: str
    member_key: str | None
    occurrence_key: str
    recipient: str | None
    is_advertising: bool
    attempts: int
    context: dict[str, Any]


def claim(con: duckdb.DuckDBPyConnection, channel: str, now: dt.datetime, limit: int) -> list[Claimed]:
    """Mark up to `limit` of this channel's due sends `sending`, first due first."""
    rows = con.execute(f"""
        UPDATE outbox SET state = 'sending', attempts = attempts + 1, updated_at = $now
        WHERE message_id IN (
            SELECT message_id FROM outbox ob WHERE {_DUE} AND ob.channel = $channel
            ORDER BY coalesce(ob.next_attempt_at, ob.due_at), ob.message_id LIMIT $limit)
        RETURNING message_id, automation_id, shop_id, member_key, occurrence_key, recipient, is_advertising,
                  attempts, context::VARCHAR, coalesce(next_attempt_at, due_at)""",
                       {"now": now, "limit": limit, "channel": channel}).fetchall()
    rows.sort(key=lambda r: (r[9], r[0]))
    return [Claimed(m, a, s, k, o, r, bool(adv), n, json.loads(c or "{}")) for m, a, s, k, o, r, adv, n, c, _ in rows]


@dataclasses.dataclass
class Outcome:
    message_id: str
    state: State                     # sent | failed | dead | unknown | pending (released unsent at shutdown)
    error: str | None = None
    reason: str | None = None
    context: str | None = None       # the merge data sent, as JSON, kept for the activity page
    record: ErrorRecord | None = None  # the error as kind, key and params, for the console's words


def flush(con: duckdb.DuckDBPyConnection, outcomes: Sequence[Outcome], attempts: Mapping[str, int],
          now: dt.datetime) -> None:
    """Record a batch's outcomes; a failure past MAX_ATTEMPTS is dead, an earlier one waits its backoff."""
    if not outcomes:
        return
    rows = []
    for o in outcomes:
        state, next_at, reason = State(o.state), None, o.reason
        tries = attempts.get(o.message_id, 1)
        if state is State.FAILED and tries >= MAX_ATTEMPTS:
            state, reason = State.DEAD, "gave_up_after_retries"  # last_error keeps the last answer
        elif state is State.FAILED:
            next_at = now + backoff(tries)
        record = o.record
        rows.append({"message_id": o.message_id, "state": state.value, "reason": reason, "error": o.error,
                     "next_at": next_at, "release": o.state == State.PENDING, "context": o.context,
                     "error_kind": str(record.kind) if record else None, "error_key": record.key if record else None,
                     "error_params": record.params_json() if record else None})
    frame = pl.DataFrame(rows, schema={"message_id": pl.Utf8, "state": pl.Utf8, "reason": pl.Utf8, "error": pl.Utf8,
                                       "next_at": pl.Datetime("us", "UTC"), "release": pl.Boolean,
                                       "context": pl.Utf8, "error_kind": pl.Utf8, "error_key": pl.Utf8,
                                       "error_params": pl.Utf8})
    con.register("_outcomes", frame.to_arrow())
    try:
        con.execute("""
            UPDATE outbox SET state = o.state, reason = o.reason, last_error = coalesce(o.error, outbox.last_error),
                next_attempt_at = o.next_at, updated_at = $now,
                sent_at = CASE WHEN o.state = 'sent' THEN $now ELSE outbox.sent_at END,
                attempts = CASE WHEN o.release THEN greatest(outbox.attempts - 1, 0) ELSE outbox.attempts END,
                context = coalesce(o.context::JSON, outbox.context),
                -- a new error replaces the last one's words (a keyless one clears them); no error keeps them
                error_kind = CASE WHEN o.error IS NULL THEN outbox.error_kind ELSE o.error_kind END,
                error_key = CASE WHEN o.error IS NULL THEN outbox.error_key ELSE o.error_key END,
                error_params = CASE WHEN o.error IS NULL THEN outbox.error_params ELSE o.error_params::JSON END
            FROM _outcomes o WHERE outbox.message_id = o.message_id AND outbox.state = 'sending'""", {"now": now})
    finally:
        con.unregister("_outcomes")


# ------------------------------------------------------------------ the operator's repairs

def retry(con: duckdb.DuckDBPyConnection, message_ids: Sequence[str], now: dt.datetime, by: str) -> int:
    """Failed or dead messages back to pending now, with a fresh set of tries. Unknown ones are not
    retried: they may have reached the customer (see `resolve_unknown`)."""
    return len(con.execute("""
        UPDATE outbox SET state = 'pending', reason = NULL, attempts = 0, next_attempt_at = ?,
            due_at = greatest(due_at, ?), updated_at = ?, resolved_by = ?
        WHERE message_id IN (SELECT unnest(?::VARCHAR[])) AND state IN ('failed', 'dead')
        RETURNING message_id""", [now, now - dt.timedelta(minutes=1), now, by, list(message_ids)]).fetchall())


def resolve_unknown(con: duckdb.DuckDBPyConnection, message_id: str, *, sent: bool, now: dt.datetime,
                    by: str) -> bool:
    """Record what the operator found out about an `unknown` message; False if it was not unknown."""
    done = con.execute("""
        UPDATE outbox SET state = ?, reason = ?, sent_at = CASE WHEN ? THEN ? ELSE sent_at END,
            updated_at = ?, resolved_by = ?
        WHERE message_id = ? AND state = 'unknown' RETURNING message_id""",
                       [State.SENT.value if sent else State.CANCELLED.value,
                        "resolved_sent" if sent else "resolved_not_sent", sent, now, now, by, message_id]).fetchall()
    return bool(done)


# ------------------------------------------------------------------ the operator's queue

_QUEUED = "state IN ('pending', 'failed')"


def freeze_content(con: duckdb.DuckDBPyConnection, automation_id: str, content: Mapping[str, Any],
                   now: dt.datetime) -> int:
    """Keep `content` (the automation's content before an edit) with its queued rows that have none yet,
    so an edit applies to what is planned after it; returns how many rows keep it."""
    return len(con.execute(f"""
        UPDATE outbox SET content = ?::JSON, updated_at = ?
        WHERE automation_id = ? AND {_QUEUED} AND content IS NULL RETURNING message_id""",
                           [json.dumps(dict(content), ensure_ascii=False), now, automation_id]).fetchall())


def release_content(con: duckdb.DuckDBPyConnection, automation_id: str, now: dt.datetime) -> int:
    """The operator re-renders the queue: its rows drop their kept content and go out with the current one."""
    return len(con.execute(f"""
        UPDATE outbox SET content = NULL, updated_at = ?
        WHERE automation_id = ? AND {_QUEUED} AND content IS NOT NULL RETURNING message_id""",
                           [now, automation_id]).fetchall())


def send_now(con: duckdb.DuckDBPyConnection, message_ids: Sequence[str], now: dt.datetime, by: str) -> int:
    """Queued messages due now: the next dispatch takes them, through its consent and cap rules as usual."""
    return len(con.execute(f"""
        UPDATE outbox SET due_at = least(due_at, ?), next_attempt_at = NULL, updated_at = ?, resolved_by = ?
        WHERE message_id IN (SELECT unnest(?::VARCHAR[])) AND {_QUEUED} RETURNING message_id""",
                           [now, now, by, list(message_ids)]).fetchall())


def remove(con: duckdb.DuckDBPyConnection, message_ids: Sequence[str], now: dt.datetime, by: str) -> int:
    """Queued messages the operator takes out: skipped, with the reason that the operator removed them."""
    return len(con.execute(f"""
        UPDATE outbox SET state = 'skipped', reason = 'operator_removed', next_attempt_at = NULL, updated_at = ?,
            resolved_by = ?
        WHERE message_id IN (SELECT unnest(?::VARCHAR[])) AND {_QUEUED} RETURNING message_id""",
                           [now, by, list(message_ids)]).fetchall())
