"""Dispatch: claim due sends, render and hand them to SMTP with the store closed, flush outcomes.

One batch = one unit to apply the compliance rules and claim rows as `sending`
(with their merge data), then rendering and sending with the store closed (one
SMTP connection per shop, reused), then one unit to record the outcomes. The
journal (see outbox.py) brackets each SMTP hand-over so a crash anywhere leaves
every message sent, pending, or — for the one in the connection's hands — unknown.

A `stop` event (SIGTERM in the scheduler) is looked at between messages: the
message in hand is finished, the rest of the batch is released back to pending,
outcomes are flushed, and dispatch returns.
"""
from __future__ import annotations

import collections
import concurrent.futures
import dataclasses
import json
import logging
import threading
import time
from typing import Any

from core import clock
from core.automations import compliance
from core.automations.context import attach_contexts, jsonable
from core.log import event
from core.messaging.outbox import Claimed, Journal, Outcome, claim, flush, reconcile
from core.shops import secrets
from core.store import Store

log = logging.getLogger("core.messaging.dispatch")

# A batch costs two store units and a compliance pass over the due rows (~0.2 CPU-s with DuckDB's threads,
# whatever its size): 1000 a batch keeps that near 0.2 ms a message (200 made it 1 ms).
BATCH_SIZE = 1000
SMTP_CONNECTIONS = 3          # per shop, side by side (at most one message in flight on each)
MESSAGES_PER_CONNECTION = 20  # below this many per lane, one connection is enough
TIME_BUDGET_S = 50.0  # one dispatch run yields to the other jobs after this long


@dataclasses.dataclass
class DispatchReport:
    reconciled: dict[str, int] = dataclasses.field(default_factory=dict)
    compliance: collections.Counter = dataclasses.field(default_factory=collections.Counter)
    outcomes: collections.Counter = dataclasses.field(default_factory=collections.Counter)
    batches: int = 0

    def summary(self) -> str:
        parts = [f"{k} {v}" for k, v in sorted(self.outcomes.items())]
        parts += [f"{k} {v}" for k, v in sorted(self.compliance.items()) if v]
        parts += [f"reconciled {k} {v}" for k, v in sorted(self.reconciled.items()) if v]
        return ", ".join(parts) or "nothing due"


def smtp_settings(shop_id: str, sender: dict[str, Any]):
    from core.messaging.email import SmtpSettings
    password = secrets.get(shop_id).get("smtp_password")
    return SmtpSettings(host=sender["smtp_host"], port=int(sender["smtp_port"] or 25),
                        security=sender["smtp_security"] or "starttls",
                        username=sender["smtp_username"], password=password)


def dispatch(store: Store, *, stop: threading.Event | None = None, batch_size: int = BATCH_SIZE,
             time_budget_s: float = TIME_BUDGET_S) -> DispatchReport:
    """Send what is due, batch after batch, until nothing is due, `stop` is set or the budget is spent."""
    report = DispatchReport()
    journal = Journal.for_store(store.path)
    report.reconciled = reconcile(store, journal, clock.now())
    if report.reconciled.get("unknown"):
        event(log, "outbox_unknown", logging.WARNING, count=report.reconciled["unknown"],
              message="a crash left messages whose delivery is unclear; resolve them in the console")
    deadline = time.monotonic() + time_budget_s
    try:
        while not (stop is not None and stop.is_set()) and time.monotonic() < deadline:
            now = clock.now()
            with store.unit() as con:
                report.compliance.update(compliance.apply_all(con, now))
                batch = claim(con, now, batch_size)
                if batch:
                    attach_contexts(con, batch)
            if not batch:
                break
            outcomes = send_batch(batch, journal, stop)
            flush(store, outcomes, {c.message_id: c.attempts for c in batch}, clock.now(),
                  {c.message_id: json.dumps(jsonable(c.context), ensure_ascii=False, default=str) for c in batch})
            journal.clear()
            report.batches += 1
            report.outcomes.update(o.state for o in outcomes)
            if len(batch) < batch_size:  # the claim took all that was due: spare a unit that would find nothing
                break
    finally:
        journal.close()
    return report


def send_batch(batch: list[Claimed], journal: Journal, stop: threading.Event | None) -> list[Outcome]:
    """Render and send one claimed batch; every claimed message gets an outcome unless the process dies."""
    outcomes: list[Outcome] = []
    by_shop: dict[str, list[Claimed]] = collections.defaultdict(list)
    for c in batch:
        by_shop[c.shop_id].append(c)
    for shop_id, messages in by_shop.items():
        outcomes.extend(_send_shop(shop_id, messages, journal, stop))
    return outcomes


def _send_shop(shop_id: str, messages: list[Claimed], journal: Journal,
               stop: threading.Event | None) -> list[Outcome]:
    sender = messages[0].sender
    if sender is None or not sender.get("smtp_host"):
        return [Outcome(m.message_id, "failed", "no sender settings (SMTP) for this shop", "no_sender_settings")
                for m in messages]
    # A few connections side by side: while one waits for the server's answers, another renders. Each
    # keeps its own order and at most one message in flight (so at most one `unknown` each after a crash).
    lanes = max(1, min(SMTP_CONNECTIONS, len(messages) // MESSAGES_PER_CONNECTION))
    if lanes == 1:
        return _send_lane(shop_id, sender, messages, journal, stop)
    journal.open()
    with concurrent.futures.ThreadPoolExecutor(lanes, thread_name_prefix=f"smtp-{shop_id}") as pool:
        futures = [pool.submit(_send_lane, shop_id, sender, messages[i::lanes], journal, stop) for i in range(lanes)]
        return [o for f in futures for o in f.result()]


def _send_lane(shop_id: str, sender: dict[str, Any], messages: list[Claimed], journal: Journal,
               stop: threading.Event | None) -> list[Outcome]:
    """Send these messages in order over one SMTP connection."""
    from core.messaging.email import (
        DeliveryUnknownError,
        PermanentSendError,
        SmtpSession,
        TransientSendError,
        build_message,
    )
    from core.messaging.templates import TemplateError, render_email
    from core.public.links import tracking_context

    out: list[Outcome] = []
    pending = list(messages)
    try:
        with SmtpSession(smtp_settings(shop_id, sender)) as session:
            while pending:
                if stop is not None and stop.is_set():
                    break
                m = pending.pop(0)
                if m.template is None:
                    out.append(Outcome(m.message_id, "dead", "the automation has no template", "no_template"))
                    continue
                links = tracking_context(m.message_id, m.shop_id, m.member_key or f"email:{m.recipient.lower()}")
                m.context.update({"unsubscribe_url": links["unsubscribe_url"]} if m.is_advertising else {})
                context = {**m.context, **links}
                try:
                    rendered = render_email(m.template, context, advertising=m.is_advertising, sender=sender)
                    msg = build_message(to=m.recipient, from_name=sender["sender_name"],
                                        from_email=sender["sender_email"], rendered=rendered,
                                        message_id=m.message_id,
                                        list_unsubscribe_url=links["unsubscribe_url"] if m.is_advertising else None)
                except (TemplateError, ValueError) as exc:
                    out.append(Outcome(m.message_id, "dead", str(exc)[:500], "render_failed"))
                    continue
                journal.attempt(m.message_id)
                try:
                    session.send(msg)
                except PermanentSendError as exc:
                    journal.refused(m.message_id)
                    out.append(Outcome(m.message_id, "dead", str(exc)[:500], "refused"))
                    continue
                except TransientSendError as exc:
                    journal.refused(m.message_id)
                    out.append(Outcome(m.message_id, "failed", str(exc)[:500], "temporary_failure"))
                    if session.connections_opened == 0:  # the server cannot be reached: spare the rest the wait
                        out.extend(Outcome(p.message_id, "failed", str(exc)[:500], "temporary_failure")
                                   for p in pending)
                        pending = []
                    continue
                except DeliveryUnknownError as exc:  # the server may have it: never re-sent automatically
                    out.append(Outcome(m.message_id, "unknown", str(exc)[:500], "connection_lost_after_data"))
                    continue
                journal.accepted(m.message_id)
                out.append(Outcome(m.message_id, "sent"))
    except (OSError, TransientSendError) as exc:  # could not connect (or lost the connection for good)
        out.extend(Outcome(m.message_id, "failed", f"SMTP: {exc}"[:500], "temporary_failure") for m in pending)
        pending = []
    out.extend(Outcome(m.message_id, "pending") for m in pending)  # released at shutdown, never attempted
    return out
