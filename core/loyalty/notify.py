"""Alimtalk notices of stamps, rewards and warranties: planned into the outbox, sent by the one dispatch loop.

Planning happens in the same unit of work that gives the stamp or issues the warranty, so a notice
exists exactly when its cause does. Each row has channel 'alimtalk', is never advertising (Alimtalk
is informational; every notice names the order it was earned by, as KakaoTalk's template rules ask),
and a deterministic idempotency key per cause:

    loyalty:stamp:<shop>:<order>      loyalty:reward:<shop>:<member>:<card>      loyalty:warranty:<shop>:<item>

The template code and the variables are frozen into the row's context when planned. Members who
turned Alimtalk off (unsubscribes channel 'alimtalk' or 'all') or have no usable phone number are
recorded as skipped with that reason. Nothing is planned while the shop's Alimtalk is off or the
notice kind has no template code.

Sending is core.messaging.dispatch's loop over the Alimtalk channel (core.messaging.alimtalk);
`channel` wires that channel to what is loyalty's: the shop's provider settings and secret, and
the rule that a due notice is not sent once the shop or the member turned Alimtalk off. Its own
journal (`<store>.alimtalk-journal`) settles rows a crash left `sending`.
"""
from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import duckdb
import polars as pl

from core.loyalty.settings import AlimtalkSettings, StampSettings, alimtalk_secret
from core.loyalty.settings import read as read_settings
from core.messaging import outbox
from core.messaging.alimtalk import AlimtalkChannel, recipient_number
from core.messaging.outbox import Journal
from core.public import tracking
from core.store import Store

CHANNEL = AlimtalkChannel.name
# The template variables (#{...}) each notice fills; the console lists them for the operator's templates.
VARIABLES = {
    "stamp": ("고객명", "쇼핑몰명", "주문번호", "적립스탬프", "현재스탬프", "스탬프판", "보상"),
    "reward": ("고객명", "쇼핑몰명", "주문번호", "스탬프판", "보상"),
    "warranty": ("고객명", "쇼핑몰명", "주문번호", "상품명", "보증기간", "보증서링크"),
}


def journal_for(store: Store) -> Journal:
    return Journal.for_store(store.path, CHANNEL)


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
    settings = _settings_for(con, shop_id)
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
    # The recipient is the member's mobile number by the one normaliser the senders use: a landline or an
    # internet phone cannot receive an Alimtalk, so such a member is skipped as having no mobile number.
    keys = frame["member_key"].unique().to_list()
    phones = dict(con.execute("SELECT member_key, phone FROM members WHERE shop_id = ? AND member_key IN "
                              "(SELECT unnest(?::VARCHAR[]))", [shop_id, keys]).fetchall())
    frame = frame.with_columns(pl.Series("recipient", [recipient_number(phones.get(k)) for k in frame["member_key"]],
                                         dtype=pl.Utf8))
    con.register("_notices", frame.to_arrow())
    try:
        rows = outbox.plan(con, f"""
            WITH n AS (
                SELECT n.*, 'loyalty:{kind}:' || $shop || ':' || n.occurrence_key AS ikey, m.name AS member_name,
                       u.member_key IS NOT NULL AS unsubscribed
                FROM _notices n
                LEFT JOIN members m ON m.shop_id = $shop AND m.member_key = n.member_key
                LEFT JOIN (SELECT DISTINCT member_key FROM unsubscribes
                           WHERE shop_id = $shop AND channel IN ('alimtalk', 'all')) u ON u.member_key = n.member_key),
            r AS (SELECT *, recipient AS phone FROM n)
            SELECT md5(ikey), ikey, 'loyalty:{kind}', $shop, member_key, occurrence_key, '{CHANNEL}', FALSE,
                   nullif(phone, ''),
                   CASE WHEN unsubscribed OR phone IS NULL THEN 'skipped' ELSE 'pending' END,
                   CASE WHEN unsubscribed THEN 'unsubscribed' WHEN phone IS NULL THEN 'no_phone' END,
                   became_true_at, $now, 0,
                   json_object('kind', '{kind}', 'template_code', $code,
                               'params', json_merge_patch(params::JSON,
                                   json_object('고객명', coalesce(nullif(member_name, ''), '고객'),
                                               '쇼핑몰명', $shop_name))),
                   $now, $now
            FROM r""", {"shop": shop_id, "now": now, "code": code, "shop_name": shop_name}, skip_planned=True)
    finally:
        con.unregister("_notices")
    return len(rows)


def plan_stamp_notices(con: duckdb.DuckDBPyConnection, shop_id: str, stamps: pl.DataFrame, now: dt.datetime) -> int:
    """stamps: order_key, member_key, stamps, total_after, card_size, earned_at (rows just given)."""
    if stamps.is_empty() or not _template_code(con, shop_id, "stamp"):
        return 0
    stamp_settings = read_settings(con, shop_id, "stamp")
    assert isinstance(stamp_settings, StampSettings)
    reward = stamp_settings.reward
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

def _cancel_unsendable(con: duckdb.DuckDBPyConnection, now: dt.datetime) -> dict[str, int]:
    """Due rows whose shop turned Alimtalk off, or whose member turned it off since, are not sent."""
    settled = outbox.settle(con, """
        SELECT ob.message_id, reason,
               CASE WHEN reason = 'unsubscribed' THEN 'skipped' ELSE 'cancelled' END AS state
        FROM (SELECT ob.message_id,
                     CASE WHEN NOT coalesce(ls.enabled, FALSE) THEN 'alimtalk_off' ELSE 'unsubscribed' END AS reason
              FROM outbox ob
              LEFT JOIN loyalty_settings ls ON ls.shop_id = ob.shop_id AND ls.kind = 'alimtalk'
              WHERE ob.channel = 'alimtalk' AND ob.state IN ('pending', 'failed')
                AND coalesce(ob.next_attempt_at, ob.due_at) <= $now
                AND (NOT coalesce(ls.enabled, FALSE) OR EXISTS (
                    SELECT 1 FROM unsubscribes u WHERE u.shop_id = ob.shop_id AND u.member_key = ob.member_key
                        AND u.channel IN ('alimtalk', 'all')))) ob""", {"now": now})
    return {"cancelled": settled}


def _settings_for(con: duckdb.DuckDBPyConnection, shop_id: str) -> AlimtalkSettings:
    settings = read_settings(con, shop_id, "alimtalk")
    assert isinstance(settings, AlimtalkSettings)
    return settings


def channel(store: Store) -> AlimtalkChannel:
    """The Alimtalk channel the scheduler's dispatch loop sends notices through, wired to loyalty's
    settings, secrets and cancellation rule (the store only names where its files live)."""
    return AlimtalkChannel(journal_for(store), sandbox_path=sandbox_path(store),
                           rules=_cancel_unsendable, settings_for=_settings_for, secret_for=alimtalk_secret)
