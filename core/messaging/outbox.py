"""The outbox state machine and the send journal that makes crashes honest.

    pending → sending → sent
                      → failed (retried with exponential backoff) → … → dead after MAX_ATTEMPTS
                      → dead (permanent refusal, unrenderable message)
    pending → skipped(reason) | cancelled(reason)
    sending → unknown (a crash left its fate unclear; shown to the operator, never re-sent automatically)

State changes are batched: a batch is claimed as `sending` in one unit of work,
sent with the store closed, and its outcomes flushed in one more unit. What
happened in between is kept in a tiny append-only journal beside the store:
an "A id" line right before a message is handed to the SMTP server, "S id"
once the server accepted it, "R id" when it refused it with a definite reply.
On start-up (and before every claim) `reconcile` settles rows still `sending`:
accepted → sent, refused → failed (retried), attempted but neither → unknown,
never attempted → pending again. Each open SMTP connection has at most one
message in flight, so a crash leaves at most one message attempted-but-not-
accepted, hence at most one `unknown`, per open connection.

Why no fsync per line: the crash this guards against is the process dying
(SIGKILL, OOM, a bug); what `write(2)` handed the kernel survives that. An
fsync per message would cost a disk flush per message (milliseconds) for the
power-loss case only, against the ≥500 messages/s the dispatcher must keep.
"""
from __future__ import annotations

import dataclasses
import datetime as dt
import json
import os
from pathlib import Path
from typing import Any

import duckdb
import polars as pl

from core.store import Store

STATES = ("pending", "sending", "sent", "failed", "dead", "skipped", "cancelled", "unknown")
MAX_ATTEMPTS = 5
BACKOFF_BASE = dt.timedelta(minutes=1)   # 1, 4, 16, 64 minutes between tries
BACKOFF_FACTOR = 4


def backoff(attempts: int) -> dt.timedelta:
    """How long to wait after the `attempts`-th failed try."""
    return BACKOFF_BASE * (BACKOFF_FACTOR ** max(0, attempts - 1))


class Journal:
    """Append-only lines "A|S|R message_id" beside the store."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._fd: int | None = None

    @classmethod
    def for_store(cls, store_path: Path) -> Journal:
        return cls(store_path.with_name(store_path.name + ".send-journal"))

    def open(self) -> None:
        """Open before several threads write (each line is one O_APPEND write, so lines never interleave)."""
        if self._fd is None:
            self._fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)

    def _write(self, mark: str, message_id: str) -> None:
        self.open()
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

    def clear(self) -> None:
        self.close()
        with open(self.path, "w"):
            pass

    def close(self) -> None:
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None


def reconcile(store: Store, journal: Journal, now: dt.datetime) -> dict[str, int]:
    """Settle rows a dead process left `sending`, from what the journal says happened."""
    marks = journal.read()
    with store.unit() as con:
        # Only e-mail rows: the Alimtalk sender settles its own from its own journal (core.loyalty.notify).
        sending = [r[0] for r in con.execute(
            "SELECT message_id FROM outbox WHERE state = 'sending' AND channel = 'email'").fetchall()]
        if not sending:
            counts = {}
        else:
            fate = pl.DataFrame({"message_id": sending}).with_columns(
                pl.when(pl.col("message_id").is_in(list(marks["S"]))).then(pl.lit("sent"))
                .when(pl.col("message_id").is_in(list(marks["R"]))).then(pl.lit("failed"))
                .when(pl.col("message_id").is_in(list(marks["A"]))).then(pl.lit("unknown"))
                .otherwise(pl.lit("pending")).alias("fate"))
            con.register("_fate", fate.to_arrow())
            con.execute("""
                UPDATE outbox SET state = f.fate, updated_at = $now,
                    sent_at = CASE WHEN f.fate = 'sent' THEN $now ELSE outbox.sent_at END,
                    reason = CASE f.fate WHEN 'unknown' THEN 'crashed_during_send'
                                         WHEN 'failed' THEN 'refused_before_crash' ELSE NULL END,
                    next_attempt_at = CASE WHEN f.fate = 'failed' THEN $now ELSE NULL END,
                    attempts = CASE WHEN f.fate = 'pending' THEN greatest(outbox.attempts - 1, 0)
                                    ELSE outbox.attempts END
                FROM _fate f WHERE outbox.message_id = f.message_id AND outbox.state = 'sending'""", {"now": now})
            con.unregister("_fate")
            counts = dict(fate.group_by("fate").len().iter_rows())
    journal.clear()
    return counts


@dataclasses.dataclass
class Claimed:
    message_id: str
    automation_id: str
    shop_id: str
    member_key: str | None
    occurrence_key: str
    trigger: str
    recipient: str
    is_advertising: bool
    attempts: int
    params: dict[str, Any]
    template: dict[str, Any] | None
    sender: dict[str, Any] | None   # name/e-mail/contact and SMTP settings (no password)
    context: dict[str, Any] = dataclasses.field(default_factory=dict)


def claim(con: duckdb.DuckDBPyConnection, now: dt.datetime, limit: int) -> list[Claimed]:
    """Mark up to `limit` due e-mail sends `sending` and return them with what rendering needs."""
    rows = con.execute("""
        UPDATE outbox SET state = 'sending', attempts = attempts + 1, updated_at = $now
        WHERE message_id IN (
            SELECT message_id FROM outbox ob WHERE ob.state IN ('pending', 'failed') AND ob.channel = 'email'
                AND coalesce(ob.next_attempt_at, ob.due_at) <= $now
            ORDER BY coalesce(ob.next_attempt_at, ob.due_at), ob.message_id LIMIT $limit)
        RETURNING message_id""", {"now": now, "limit": limit}).fetchall()
    if not rows:
        return []
    ids = [r[0] for r in rows]
    con.register("_claimed", pl.DataFrame({"message_id": ids}).to_arrow())
    detail = con.execute("""
        SELECT ob.message_id, ob.automation_id, ob.shop_id, ob.member_key, ob.occurrence_key, a.trigger,
               ob.recipient, ob.is_advertising, ob.attempts, a.trigger_params,
               t.subject, t.preheader, t.html, t.text, a.subject, a.preheader,
               coalesce(a.sender_name, s.sender_name), coalesce(a.sender_email, s.sender_email), s.sender_contact,
               s.smtp_host, s.smtp_port, s.smtp_security, s.smtp_username, s.shop_id IS NOT NULL
        FROM outbox ob JOIN _claimed c USING (message_id) JOIN automations a USING (automation_id)
        LEFT JOIN templates t ON t.template_id = a.template_id
        LEFT JOIN sender_settings s ON s.shop_id = ob.shop_id
        ORDER BY coalesce(ob.next_attempt_at, ob.due_at), ob.message_id""").fetchall()
    con.unregister("_claimed")
    out = []
    for (mid, aid, shop, member, occ, trig, rcpt, adv, attempts, params, t_subj, t_pre, html, text, a_subj, a_pre,
         s_name, s_email, s_contact, host, port, security, username, has_sender) in detail:
        template = None if html is None else {
            "subject": a_subj or t_subj, "preheader": a_pre if a_pre is not None else (t_pre or ""),
            "html": html, "text": text}
        sender = None if not has_sender else {
            "sender_name": s_name, "sender_email": s_email, "sender_contact": s_contact,
            "smtp_host": host, "smtp_port": port, "smtp_security": security, "smtp_username": username}
        out.append(Claimed(mid, aid, shop, member, occ, trig, rcpt, bool(adv), attempts,
                           json.loads(params or "{}"), template, sender))
    return out


@dataclasses.dataclass
class Outcome:
    message_id: str
    state: str                       # sent | failed | dead | pending (released unsent at shutdown)
    error: str | None = None
    reason: str | None = None


def flush(store: Store, outcomes: list[Outcome], attempts: dict[str, int], now: dt.datetime,
          contexts: dict[str, str] | None = None) -> None:
    """Record a batch's outcomes in one unit of work."""
    if not outcomes:
        return
    rows = []
    for o in outcomes:
        state, next_at, reason = o.state, None, o.reason
        tries = attempts.get(o.message_id, 1)
        if state == "failed" and tries >= MAX_ATTEMPTS:
            state, reason = "dead", "gave_up_after_retries"  # last_error keeps the last answer
        elif state == "failed":
            next_at = now + backoff(tries)
        rows.append({"message_id": o.message_id, "state": state, "reason": reason, "error": o.error,
                     "next_at": next_at, "release": o.state == "pending",
                     "context": (contexts or {}).get(o.message_id)})
    frame = pl.DataFrame(rows, schema={"message_id": pl.Utf8, "state": pl.Utf8, "reason": pl.Utf8, "error": pl.Utf8,
                                       "next_at": pl.Datetime("us", "UTC"), "release": pl.Boolean,
                                       "context": pl.Utf8})
    with store.unit() as con:
        con.register("_outcomes", frame.to_arrow())
        con.execute("""
            UPDATE outbox SET state = o.state, reason = o.reason, last_error = coalesce(o.error, outbox.last_error),
                next_attempt_at = o.next_at, updated_at = $now,
                sent_at = CASE WHEN o.state = 'sent' THEN $now ELSE outbox.sent_at END,
                attempts = CASE WHEN o.release THEN greatest(outbox.attempts - 1, 0) ELSE outbox.attempts END,
                context = coalesce(o.context::JSON, outbox.context)
            FROM _outcomes o WHERE outbox.message_id = o.message_id AND outbox.state = 'sending'""", {"now": now})
        con.unregister("_outcomes")
