"""Alimtalk notices of stamps, rewards and warranties: planned into the outbox, sent by this module's job.

Planning happens in the same unit of work that gives the stamp or issues the warranty, so a notice
exists exactly when its cause does. Each row has channel 'alimtalk', is never advertising (Alimtalk
is informational; every notice names the order it was earned by, as KakaoTalk's template rules ask),
and a deterministic idempotency key per cause:

    loyalty:stamp:<shop>:<order>      loyalty:reward:<shop>:<member>:<card>      loyalty:warranty:<shop>:<item>

The template code and the variables are frozen into the row's context when planned. Members who
turned Alimtalk off (unsubscribes channel 'alimtalk' or 'all') or have no usable phone number are
recorded as skipped with that reason. Nothing is planned while the shop's Alimtalk is off or the
notice kind has no template code.

Sending (`dispatch`) claims only channel='alimtalk' rows and drives the outbox state machine of
core.automations.outbox (pending → sending → sent | failed with backoff | dead; unknown after a crash
mid-request) with batched state changes: one unit to claim, sends with the store closed, one unit to
flush. Its own journal (`<store>.alimtalk-journal`) settles rows a crash left `sending`.
"""
from __future__ import annotations

import collections
import dataclasses
import datetime as dt
import json
import logging
import threading
import time
from pathlib import Path
from typing import Any

import duckdb
import polars as pl

from core import clock
from core.log import event
from core.loyalty.settings import AlimtalkSettings, alimtalk_secret
from core.loyalty.settings import read as read_settings
from core.messaging import alimtalk as provider_api
from core.messaging.outbox import Journal, Outcome, flush
from core.public import tracking
from core.store import Store

log = logging.getLogger("core.loyalty.notify")

CHANNEL = "alimtalk"
BATCH_SIZE = 100
TIME_BUDGET_S = 50.0
# The template variables (#{...}) each notice fills; the console lists them for the operator's templates.
VARIABLES = {
    "stamp": ("고객명", "쇼핑몰명", "주문번호", "적립스탬프", "현재스탬프", "스탬프판", "보상"),
    "reward": ("고객명", "쇼핑몰명", "주문번호", "스탬프판", "보상"),
    "warranty": ("고객명", "쇼핑몰명", "주문번호", "상품명", "보증기간", "보증서링크"),
}


def journal_for(store: Store) -> Journal:
    return Journal(store.path.with_name(store.path.name + ".alimtalk-journal"))


def sandbox_path(store: Store) -> Path:
    """Where the sandbox provider records messages: beside the store, under data/ by default."""
    return store.path.with_name("alimtalk-sandbox.jsonl")


def certificate_url(code: str) -> str:
    return f"{tracking.public_base_url()}/w/{code}"


# ------------------------------------------------------------------ planning

def _json(params: dict[str, str]) -> str:
    return json.dumps(params, ensure_ascii=False)


def _template_code(con: duckdb.DuckDBPyConnection, shop_id: str, kind: str) -> str | None:
    """The template code notices of `kind` go out with; None while the shop's Alimtalk is off or has none."""
    settings = read_settings(con, shop_id, "alimtalk")
    return (settings.templates.get(kind) or None) if settings.enabled else None


def _plan(con: duckdb.DuckDBPyConnection, shop_id: str, kind: str, notices: pl.DataFrame, now: dt.datetime) -> int:
    """notices: occurrence_key, member_key, became_true_at, params (JSON text; name and shop are added)."""
    code = _template_code(con, shop_id, kind)
    if notices.is_empty() or not code:
        return 0
    shop_name = con.execute("SELECT name FROM shops WHERE shop_id = ?", [shop_id]).fetchall()[0][0]
    frame = notices.select(
        pl.col("occurrence_key").cast(pl.Utf8), pl.col("member_key").cast(pl.Utf8),
        pl.col("became_true_at").cast(pl.Datetime("us", "UTC")),
        pl.col("params").cast(pl.Utf8))
    con.register("_notices", frame.to_arrow())
    try:
        rows = con.execute(f"""
            INSERT INTO outbox (message_id, idempotency_key, automation_id, shop_id, member_key, occurrence_key,
                                channel, is_advertising, recipient, state, reason, became_true_at, due_at, attempts,
                                context, created_at, updated_at)
            WITH n AS (
                SELECT n.*, 'loyalty:{kind}:' || $shop || ':' || n.occurrence_key AS ikey, m.name AS member_name,
                       regexp_replace(coalesce(m.phone, ''), '[^0-9]', '', 'g') AS digits,
                       u.member_key IS NOT NULL AS unsubscribed
                FROM _notices n
                LEFT JOIN members m ON m.shop_id = $shop AND m.member_key = n.member_key
                LEFT JOIN (SELECT DISTINCT member_key FROM unsubscribes
                           WHERE shop_id = $shop AND channel IN ('alimtalk', 'all')) u ON u.member_key = n.member_key),
            r AS (SELECT *, CASE WHEN digits LIKE '82%' AND length(digits) IN (11, 12) THEN '0' || digits[3:]
                                 ELSE digits END AS phone FROM n)
            SELECT md5(ikey), ikey, 'loyalty:{kind}', $shop, member_key, occurrence_key, '{CHANNEL}', FALSE,
                   nullif(phone, ''),
                   CASE WHEN unsubscribed OR length(phone) < 8 THEN 'skipped' ELSE 'pending' END,
                   CASE WHEN unsubscribed THEN 'unsubscribed' WHEN length(phone) < 8 THEN 'no_phone' END,
                   became_true_at, $now, 0,
                   json_object('kind', '{kind}', 'template_code', $code,
                               'params', json_merge_patch(params::JSON,
                                   json_object('고객명', coalesce(nullif(member_name, ''), '고객'),
                                               '쇼핑몰명', $shop_name))),
                   $now, $now
            FROM r
            ON CONFLICT (idempotency_key) DO NOTHING
            RETURNING message_id""", {"shop": shop_id, "now": now, "code": code, "shop_name": shop_name}).fetchall()
    finally:
        con.unregister("_notices")
    return len(rows)


def plan_stamp_notices(con: duckdb.DuckDBPyConnection, shop_id: str, stamps: pl.DataFrame, now: dt.datetime) -> int:
    """stamps: order_key, member_key, stamps, total_after, card_size, earned_at (rows just given)."""
    if stamps.is_empty() or not _template_code(con, shop_id, "stamp"):
        return 0
    reward = read_settings(con, shop_id, "stamp").reward
    position = (pl.col("total_after") - 1) % pl.col("card_size") + 1   # where it sits on the card: 1..card_size
    notices = stamps.select(
        pl.col("order_key").alias("occurrence_key"), "member_key", pl.col("earned_at").alias("became_true_at"),
        pl.struct(pl.col("order_key").alias("주문번호"), pl.col("stamps").cast(pl.Utf8).alias("적립스탬프"),
                  position.cast(pl.Utf8).alias("현재스탬프"), pl.col("card_size").cast(pl.Utf8).alias("스탬프판"),
                  pl.lit(reward).alias("보상"))
        .struct.json_encode().alias("params"))
    return _plan(con, shop_id, "stamp", notices, now)


def plan_reward_notices(con: duckdb.DuckDBPyConnection, shop_id: str, rewards: pl.DataFrame,
                        now: dt.datetime) -> int:
    """rewards: member_key, card_no, reward, order_key, card_size (rewards just filed)."""
    if rewards.is_empty() or not _template_code(con, shop_id, "reward"):
        return 0
    notices = rewards.select(
        (pl.col("member_key") + ":" + pl.col("card_no").cast(pl.Utf8)).alias("occurrence_key"), "member_key",
        pl.lit(now).alias("became_true_at"),
        pl.struct("order_key", "reward", "card_size").map_elements(
            lambda r: _json({"주문번호": r["order_key"], "스탬프판": str(r["card_size"]), "보상": r["reward"]}),
            return_dtype=pl.Utf8).alias("params"))
    return _plan(con, shop_id, "reward", notices, now)


def plan_warranty_notices(con: duckdb.DuckDBPyConnection, shop_id: str, issued: pl.DataFrame,
                          now: dt.datetime) -> int:
    """issued: item_key, order_key, member_key, product_name, code, valid_until, delivered_at."""
    if issued.is_empty() or not _template_code(con, shop_id, "warranty"):
        return 0
    base = tracking.public_base_url()
    # Built as columns (no Python per row): a batch can hold 100,000 warranties.
    notices = issued.select(
        pl.col("item_key").alias("occurrence_key"), "member_key", pl.lit(now).alias("became_true_at"),
        pl.struct(pl.col("order_key").alias("주문번호"), pl.col("product_name").fill_null("").alias("상품명"),
                  (pl.col("valid_until").dt.strftime("%Y-%m-%d") + "까지").fill_null("").alias("보증기간"),
                  (pl.lit(f"{base}/w/") + pl.col("code")).alias("보증서링크"))
        .struct.json_encode().alias("params"))
    return _plan(con, shop_id, "warranty", notices, now)


# ------------------------------------------------------------------ sending

@dataclasses.dataclass
class Claimed:
    message_id: str
    shop_id: str
    recipient: str | None
    attempts: int
    context: dict[str, Any]


@dataclasses.dataclass
class Report:
    reconciled: dict[str, int] = dataclasses.field(default_factory=dict)
    cancelled: int = 0
    outcomes: collections.Counter = dataclasses.field(default_factory=collections.Counter)
    batches: int = 0

    def summary(self) -> str:
        parts = [f"{k} {v}" for k, v in sorted(self.outcomes.items())]
        if self.cancelled:
            parts.append(f"cancelled {self.cancelled}")
        parts += [f"reconciled {k} {v}" for k, v in sorted(self.reconciled.items()) if v]
        return ", ".join(parts) or "nothing due"


def reconcile(store: Store, journal: Journal, now: dt.datetime) -> dict[str, int]:
    """Settle Alimtalk rows a dead process left `sending` (the e-mail journal knows nothing of them)."""
    marks = journal.read()
    with store.unit() as con:
        sending = [r[0] for r in con.execute(
            "SELECT message_id FROM outbox WHERE state = 'sending' AND channel = ?", [CHANNEL]).fetchall()]
        counts: dict[str, int] = {}
        for message_id in sending:
            fate = ("sent" if message_id in marks["S"] else "failed" if message_id in marks["R"]
                    else "unknown" if message_id in marks["A"] else "pending")
            counts[fate] = counts.get(fate, 0) + 1
            con.execute("""
                UPDATE outbox SET state = $fate, updated_at = $now,
                    sent_at = CASE WHEN $fate = 'sent' THEN $now ELSE sent_at END,
                    reason = CASE $fate WHEN 'unknown' THEN 'crashed_during_send'
                                        WHEN 'failed' THEN 'refused_before_crash' ELSE NULL END,
                    next_attempt_at = CASE WHEN $fate = 'failed' THEN $now ELSE NULL END,
                    attempts = CASE WHEN $fate = 'pending' THEN greatest(attempts - 1, 0) ELSE attempts END
                WHERE message_id = $id AND state = 'sending'""", {"fate": fate, "now": now, "id": message_id})
    journal.clear()
    return counts


def _cancel_unsendable(con: duckdb.DuckDBPyConnection, now: dt.datetime) -> int:
    """Due rows whose shop turned Alimtalk off, or whose member turned it off since, are not sent."""
    rows = con.execute("""
        UPDATE outbox SET state = CASE WHEN r.reason = 'unsubscribed' THEN 'skipped' ELSE 'cancelled' END,
            reason = r.reason, updated_at = $now, next_attempt_at = NULL
        FROM (SELECT ob.message_id,
                     CASE WHEN NOT coalesce(ls.enabled, FALSE) THEN 'alimtalk_off' ELSE 'unsubscribed' END AS reason
              FROM outbox ob
              LEFT JOIN loyalty_settings ls ON ls.shop_id = ob.shop_id AND ls.kind = 'alimtalk'
              WHERE ob.channel = 'alimtalk' AND ob.state IN ('pending', 'failed')
                AND coalesce(ob.next_attempt_at, ob.due_at) <= $now
                AND (NOT coalesce(ls.enabled, FALSE) OR EXISTS (
                    SELECT 1 FROM unsubscribes u WHERE u.shop_id = ob.shop_id AND u.member_key = ob.member_key
                        AND u.channel IN ('alimtalk', 'all')))) r
        WHERE outbox.message_id = r.message_id RETURNING outbox.message_id""", {"now": now}).fetchall()
    return len(rows)


def claim(con: duckdb.DuckDBPyConnection, now: dt.datetime, limit: int) -> list[Claimed]:
    rows = con.execute("""
        UPDATE outbox SET state = 'sending', attempts = attempts + 1, updated_at = $now
        WHERE message_id IN (
            SELECT message_id FROM outbox ob WHERE ob.channel = 'alimtalk' AND ob.state IN ('pending', 'failed')
                AND coalesce(ob.next_attempt_at, ob.due_at) <= $now
            ORDER BY coalesce(ob.next_attempt_at, ob.due_at), ob.message_id LIMIT $limit)
        RETURNING message_id, shop_id, recipient, attempts, context::VARCHAR""",
                       {"now": now, "limit": limit}).fetchall()
    return sorted((Claimed(m, s, r, a, json.loads(c or "{}")) for m, s, r, a, c in rows), key=lambda c: c.message_id)


def _provider(store: Store, shop_id: str, settings: AlimtalkSettings) -> provider_api.Provider:
    if settings.provider == "sandbox":
        return provider_api.SandboxProvider(sandbox_path(store), settings.sender_key or "sandbox")
    return provider_api.NhnAlimtalkClient(settings.app_key, alimtalk_secret(shop_id) or "", settings.sender_key,
                                          settings.base_url)


def dispatch(store: Store, *, stop: threading.Event | None = None, batch_size: int = BATCH_SIZE,
             time_budget_s: float = TIME_BUDGET_S) -> Report:
    """Send due Alimtalk notices, batch after batch, until none is due, `stop` is set or the budget is spent."""
    report = Report()
    journal = journal_for(store)
    report.reconciled = reconcile(store, journal, clock.now())
    if report.reconciled.get("unknown"):
        event(log, "alimtalk_unknown", logging.WARNING, count=report.reconciled["unknown"],
              message="a crash left Alimtalk notices whose delivery is unclear; resolve them in Activity")
    deadline = time.monotonic() + time_budget_s
    try:
        while not (stop is not None and stop.is_set()) and time.monotonic() < deadline:
            now = clock.now()
            with store.unit() as con:
                report.cancelled += _cancel_unsendable(con, now)
                batch = claim(con, now, batch_size)
                shops = {c.shop_id for c in batch}
                settings = {s: read_settings(con, s, "alimtalk") for s in shops}
            if not batch:
                break
            outcomes = send_batch(store, batch, settings, journal, stop)
            flush(store, outcomes, {c.message_id: c.attempts for c in batch}, clock.now())
            journal.clear()
            report.batches += 1
            report.outcomes.update(o.state for o in outcomes)
    finally:
        journal.close()
    return report


def send_batch(store: Store, batch: list[Claimed], settings: dict[str, AlimtalkSettings], journal: Journal,
               stop: threading.Event | None) -> list[Outcome]:
    by_shop: dict[str, list[Claimed]] = collections.defaultdict(list)
    for c in batch:
        by_shop[c.shop_id].append(c)
    out: list[Outcome] = []
    for shop_id, messages in by_shop.items():
        out.extend(_send_shop(store, shop_id, messages, settings[shop_id], journal, stop))
    return out


def _send_shop(store: Store, shop_id: str, messages: list[Claimed], settings: AlimtalkSettings, journal: Journal,
               stop: threading.Event | None) -> list[Outcome]:
    out: list[Outcome] = []
    pending = list(messages)
    try:
        provider = _provider(store, shop_id, settings)
    except provider_api.AlimtalkError as exc:
        return [Outcome(m.message_id, "failed", str(exc)[:500], "alimtalk_not_configured") for m in messages]
    try:
        while pending:
            if stop is not None and stop.is_set():
                break
            m = pending.pop(0)
            message = provider_api.AlimtalkMessage(
                message_id=m.message_id, template_code=str(m.context.get("template_code") or ""),
                recipient_no=m.recipient or "", params=dict(m.context.get("params") or {}),
                sms_fallback=settings.sms_fallback, fallback_send_no=settings.fallback_send_no or None)
            journal.attempt(m.message_id)
            try:
                provider.send(message)
            except provider_api.ConnectFailed as exc:
                journal.refused(m.message_id)
                # Unreachable: the rest of this shop's batch would only wait for the same refusal.
                out.extend(Outcome(x.message_id, "failed", str(exc)[:500], "temporary_failure") for x in [m, *pending])
                pending = []
            except provider_api.TransientAlimtalkError as exc:
                journal.refused(m.message_id)
                out.append(Outcome(m.message_id, "failed", str(exc)[:500], "temporary_failure"))
            except provider_api.PermanentAlimtalkError as exc:
                journal.refused(m.message_id)
                out.append(Outcome(m.message_id, "dead", str(exc)[:500], "provider_refused"))
            except provider_api.DeliveryUnknown as exc:
                out.append(Outcome(m.message_id, "unknown", str(exc)[:500], "no_answer_after_send"))
            else:
                journal.accepted(m.message_id)
                out.append(Outcome(m.message_id, "sent"))
    finally:
        provider.close()
    out.extend(Outcome(m.message_id, "pending") for m in pending)  # released at shutdown, never attempted
    return out
