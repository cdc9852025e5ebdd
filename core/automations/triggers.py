"""Triggers: one SQL per trigger that finds the occurrences becoming true in a window.

The rules come from docs/design.md ("Automations") and the Stibee × Cafe24 automated
e-mail guide (상품 구매함 / 첫 구매 안 함 / 재구매 안 함, 7·14·30 days in the wizard):

| trigger            | becomes true at                              | occurrence key |
|--------------------|----------------------------------------------|----------------|
| purchased          | orders.paid_at (optionally some products or categories) | order_key |
| no_first_purchase  | signed_up_at + N days, if no order by then    | member_key     |
| no_repurchase      | a paid order's ordered_at + N days, if no newer order by then | order_key |
| signup             | signed_up_at                                  | member_key     |
| cart_abandoned     | last_activity + threshold (default 60 min), with an e-mail, open, not ordered | cart_key |
| delivered          | orders.delivered_at                           | order_key      |
| cart_notice        | as cart_abandoned; written to the shop owner  | cart_key       |
| cart_digest        | 09:00 shop time, for the previous day if a cart was abandoned on it | the day (YYYY-MM-DD) |

Each query returns (member_key, occurrence_key, recipient, became_true_at) for
occurrences with `$from < became_true_at <= $to`. The same SQL serves planning
(a past window) and the console's preview (a future window: "if nothing else
happens, these become true"). Every query is set-based; "did the member order
since?" is a semi-join driven by the small candidate set, so a tick stays cheap
over millions of orders.

Maximum lateness (how late after its due time a send may still go out after
downtime), chosen per trigger: a cart reminder is pointless after a few hours,
a welcome or purchase follow-up still makes sense a day or two late, a
time-based nudge ("you have not bought yet") a few days late.
"""
from __future__ import annotations

import dataclasses
import datetime as dt
import enum
import json
import re
from typing import Any

from core.clock import DEFAULT_TZ
from core.errors import InvalidInput

TRIGGERS: tuple[str, ...] = ("purchased", "no_first_purchase", "no_repurchase", "signup", "cart_abandoned", "delivered")
# Notices to the shop owner, set up from the abandoned-carts page, not the member wizard: the
# recipient is `trigger_params.recipient`, never a member, so they are information, not advertising.
OWNER_TRIGGERS: tuple[str, ...] = ("cart_notice", "cart_digest")
ALL_TRIGGERS: tuple[str, ...] = TRIGGERS + OWNER_TRIGGERS
DIGEST_HOUR = 9  # the daily digest goes out at 09:00 shop time, about the previous day

DEFAULT_MAX_LATENESS_MINUTES: dict[str, int] = {
    "purchased": 2 * 24 * 60,
    "no_first_purchase": 3 * 24 * 60,
    "no_repurchase": 3 * 24 * 60,
    "signup": 24 * 60,
    "cart_abandoned": 6 * 60,
    "delivered": 2 * 24 * 60,
    "cart_notice": 6 * 60,
    "cart_digest": 12 * 60,  # yesterday's carts are still worth reading the same evening, not the next day
}

WIZARD_DAYS = (7, 14, 30)  # what the wizard offers, as Stibee does; any 1..365 is accepted
DEFAULT_CART_THRESHOLD_MINUTES = 60

# An order that counts as "the member ordered": not cancelled or returned.
_LIVE = "status NOT IN ('cancelled', 'returned')"
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


def bind(sql: str, params: dict[str, Any]) -> dict[str, Any]:
    """Only the named parameters `sql` uses (DuckDB refuses extra ones)."""
    used = set(re.findall(r"\$([A-Za-z_]\w*)", sql))
    return {k: v for k, v in params.items() if k in used}


class AutomationStatus(enum.StrEnum):
    """An automation's status; only a running automation acts. Equal to the strings stored in `automations`."""

    DRAFT = "draft"
    RUNNING = "running"
    PAUSED = "paused"
    ARCHIVED = "archived"  # deleted by the operator: never acts again, its history stays readable


class TriggerError(InvalidInput, ValueError):
    """A trigger or trigger parameters that cannot work; `field` names the field at fault."""

    def __init__(self, field: str, key: str, detail: str, **params: Any) -> None:
        self.field = field
        super().__init__(f"automations.{key}", detail=detail, field=field, **params)


@dataclasses.dataclass(frozen=True)
class Automation:
    automation_id: str
    shop_id: str
    trigger: str
    params: dict[str, Any]
    delay_minutes: int
    max_lateness_minutes: int | None
    is_advertising: bool
    status: AutomationStatus
    evaluated_until: dt.datetime | None

    @property
    def max_lateness(self) -> dt.timedelta:
        minutes = self.max_lateness_minutes
        return dt.timedelta(minutes=DEFAULT_MAX_LATENESS_MINUTES[self.trigger] if minutes is None else minutes)


AUTOMATION_COLUMNS = ("automation_id, shop_id, trigger, trigger_params, delay_minutes, max_lateness_minutes, "
                      "is_advertising, status, evaluated_until")


def automation_from_row(row: tuple) -> Automation:
    aid, shop, trigger, params, delay, late, adv, status, until = row
    return Automation(aid, shop, trigger, json.loads(params or "{}") if isinstance(params, str) else (params or {}),
                      int(delay or 0), late, bool(adv), AutomationStatus(status), until)


def validate_params(trigger: str | None, params: dict[str, Any]) -> dict[str, Any]:
    """The trigger's parameters, checked and normalized; TriggerError names the bad field."""
    if trigger not in ALL_TRIGGERS:
        raise TriggerError("trigger", "bad_trigger", f"trigger '{trigger}' is not one of {', '.join(ALL_TRIGGERS)}",
                           trigger=str(trigger))
    params = dict(params or {})
    out: dict[str, Any] = {}
    if trigger in OWNER_TRIGGERS:
        recipient = params.pop("recipient", None)
        if not isinstance(recipient, str) or not _EMAIL.match(recipient.strip()):
            raise TriggerError("trigger_params", "bad_recipient",
                               f"trigger_params.recipient must be the owner's e-mail address (got {recipient!r})",
                               address=str(recipient or ""))
        out["recipient"] = recipient.strip()
    if trigger in ("no_first_purchase", "no_repurchase"):
        days = params.pop("days", None)
        if not isinstance(days, int) or isinstance(days, bool) or not 1 <= days <= 365:
            raise TriggerError("trigger_params", "bad_days",
                               f"trigger_params.days must be a whole number of days from 1 to 365 (got {days!r})",
                               value=repr(days))
        out["days"] = days
    if trigger in ("cart_abandoned", "cart_notice", "cart_digest"):
        threshold = params.pop("threshold_minutes", DEFAULT_CART_THRESHOLD_MINUTES)
        if not isinstance(threshold, int) or isinstance(threshold, bool) or not 5 <= threshold <= 7 * 24 * 60:
            raise TriggerError("trigger_params", "bad_threshold",
                               f"trigger_params.threshold_minutes must be 5..10080 minutes (got {threshold!r})",
                               value=repr(threshold))
        out["threshold_minutes"] = threshold
    if trigger == "purchased":
        for field in ("product_keys", "category_keys"):
            keys = params.pop(field, [])
            if not isinstance(keys, list) or not all(isinstance(k, str) and k for k in keys):
                raise TriggerError("trigger_params", "bad_keys",
                                   f"trigger_params.{field} must be a list of keys (got {keys!r})", param=field)
            if keys:
                out[field] = keys
    if params:
        raise TriggerError("trigger_params", "extra_params",
                           f"trigger '{trigger}' takes no parameter(s) {', '.join(sorted(params))}",
                           trigger=str(trigger), params_named=", ".join(sorted(params)))
    return out


def candidates_sql(a: Automation, window_from: dt.datetime, window_to: dt.datetime) -> tuple[str, dict[str, Any]]:
    """The trigger's SQL and parameters: occurrences becoming true in (window_from, window_to], as
    (member_key, occurrence_key, email, became_true_at); `email` is the occurrence's own address (a guest
    order's or cart's), the member's current one is joined later (`with_recipients`).

    Every scan of orders is bounded in time ("an order placed since the signup / the last order / the cart
    activity"), so DuckDB's zone maps skip the years of older orders instead of reading all of them."""
    p: dict[str, Any] = {"shop": a.shop_id, "from": window_from, "to": window_to}
    t = a.trigger
    if t == "purchased":
        product_filter = ""
        if a.params.get("product_keys") or a.params.get("category_keys"):
            p["products"] = a.params.get("product_keys", [])
            p["categories"] = a.params.get("category_keys", [])
            product_filter = """AND o.order_key IN (
                SELECT oi.order_key FROM order_items oi
                LEFT JOIN products pr ON pr.shop_id = oi.shop_id AND pr.product_key = oi.product_key
                WHERE oi.shop_id = $shop AND (list_contains($products::VARCHAR[], oi.product_key)
                      OR coalesce(list_has_any(pr.category_keys, $categories::VARCHAR[]), FALSE)))"""
        sql = f"""
            SELECT o.member_key, o.order_key AS occurrence_key, o.email, o.paid_at AS became_true_at
            FROM orders o WHERE o.shop_id = $shop AND o.paid_at > $from AND o.paid_at <= $to
                AND o.{_LIVE} {product_filter}"""
    elif t == "delivered":
        sql = """
            SELECT o.member_key, o.order_key AS occurrence_key, o.email, o.delivered_at AS became_true_at
            FROM orders o WHERE o.shop_id = $shop AND o.delivered_at > $from AND o.delivered_at <= $to
                AND o.status IN ('delivered', 'confirmed')"""
    elif t == "signup":
        sql = """
            SELECT m.member_key, m.member_key AS occurrence_key, m.email, m.signed_up_at AS became_true_at
            FROM members m WHERE m.shop_id = $shop AND m.signed_up_at > $from AND m.signed_up_at <= $to"""
    elif t == "no_first_purchase":
        days = dt.timedelta(days=int(a.params["days"]))
        p.update({"sfrom": window_from - days, "sto": window_to - days, "days": int(a.params["days"])})
        sql = f"""
            WITH cand AS (
                SELECT m.member_key, m.email, m.signed_up_at + to_days($days) AS became_true_at
                FROM members m WHERE m.shop_id = $shop AND m.signed_up_at > $sfrom AND m.signed_up_at <= $sto),
            bought AS (  -- a member's orders come after the signup, so only orders since the earliest one matter
                SELECT o.member_key, min(o.ordered_at) AS first_at FROM orders o
                WHERE o.shop_id = $shop AND o.ordered_at > $sfrom AND o.ordered_at <= $to AND o.{_LIVE}
                    AND o.member_key IN (SELECT member_key FROM cand)
                GROUP BY o.member_key)
            SELECT c.member_key, c.member_key AS occurrence_key, c.email, c.became_true_at
            FROM cand c LEFT JOIN bought b ON b.member_key = c.member_key
            WHERE b.first_at IS NULL OR b.first_at > c.became_true_at"""
    elif t == "no_repurchase":
        days = dt.timedelta(days=int(a.params["days"]))
        p.update({"sfrom": window_from - days, "sto": window_to - days, "days": int(a.params["days"])})
        sql = f"""
            WITH cand AS (
                SELECT o.member_key, o.order_key, o.ordered_at AS ref_at,
                       o.ordered_at + to_days($days) AS became_true_at
                FROM orders o WHERE o.shop_id = $shop AND o.member_key IS NOT NULL AND o.paid_at IS NOT NULL
                    AND o.{_LIVE} AND o.ordered_at > $sfrom AND o.ordered_at <= $sto),
            later AS (
                SELECT o.member_key, o.order_key, o.ordered_at FROM orders o
                WHERE o.shop_id = $shop AND o.{_LIVE} AND o.ordered_at > $sfrom AND o.ordered_at <= $to
                    AND o.member_key IN (SELECT member_key FROM cand)),
            superseded AS (
                SELECT DISTINCT c.order_key FROM cand c JOIN later l ON l.member_key = c.member_key
                WHERE l.order_key <> c.order_key AND l.ordered_at >= c.ref_at AND l.ordered_at <= c.became_true_at)
            SELECT c.member_key, c.order_key AS occurrence_key, NULL::VARCHAR AS email, c.became_true_at
            FROM cand c WHERE c.order_key NOT IN (SELECT order_key FROM superseded)"""
    elif t == "cart_abandoned":
        sql = _cart_abandoned_sql(a, p, window_from, window_to)
    elif t == "cart_notice":  # the same occurrences, addressed to the owner (no member: no member's address)
        p["owner"] = a.params["recipient"]
        sql = f"""
            SELECT NULL::VARCHAR AS member_key, x.occurrence_key, $owner::VARCHAR AS email, x.became_true_at
            FROM ({_cart_abandoned_sql(a, p, window_from, window_to)}) x"""
    elif t == "cart_digest":
        sql = _cart_digest_sql(a, p, window_from, window_to)
    else:
        raise TriggerError("trigger", "bad_trigger", f"trigger '{t}' is not one of {', '.join(ALL_TRIGGERS)}",
                           trigger=str(t))
    return sql, p


def _cart_abandoned_sql(a: Automation, p: dict[str, Any], window_from: dt.datetime, window_to: dt.datetime) -> str:
    threshold = dt.timedelta(minutes=int(a.params.get("threshold_minutes", DEFAULT_CART_THRESHOLD_MINUTES)))
    p.update({"sfrom": window_from - threshold, "sto": window_to - threshold,
              "threshold": int(threshold.total_seconds() // 60)})
    return f"""
            WITH cand AS (  -- a guest cart without an e-mail cannot be reminded: not even an occurrence
                SELECT c.member_key, c.cart_key, c.email, c.last_activity_at,
                       c.last_activity_at + to_minutes($threshold) AS became_true_at
                FROM carts c
                WHERE c.shop_id = $shop AND c.status = 'open' AND c.order_key IS NULL
                    AND c.last_activity_at > $sfrom AND c.last_activity_at <= $sto
                    AND (c.email IS NOT NULL OR c.member_key IS NOT NULL)),
            ordered AS (
                SELECT o.member_key, o.cart_key, o.ordered_at FROM orders o
                WHERE o.shop_id = $shop AND o.{_LIVE} AND o.ordered_at > $sfrom AND o.ordered_at <= $to
                    AND (o.member_key IN (SELECT member_key FROM cand) OR o.cart_key IN (SELECT cart_key FROM cand))),
            gone AS (
                SELECT DISTINCT c.cart_key FROM cand c JOIN ordered o
                  ON (o.cart_key = c.cart_key) OR (o.member_key = c.member_key AND o.ordered_at >= c.last_activity_at
                                                   AND o.ordered_at <= c.became_true_at))
            SELECT c.member_key, c.cart_key AS occurrence_key, c.email, c.became_true_at
            FROM cand c WHERE c.cart_key NOT IN (SELECT cart_key FROM gone)"""


# Carts abandoned in [$afrom, $ato) as the abandoned-carts page counts them (core.carts: an e-mail, and no
# order of the cart, or of the same member or guest e-mail since its last activity, before it was
# abandoned), whatever became of them since; `recovered` says whether it is ordered or closed by now.
# The orders read are those of these carts and members only (equality joins driven by the few carts).
ABANDONED_CARTS_SQL = f"""
    WITH cand AS (
        SELECT c.cart_key, c.member_key, c.email, c.total_amount, c.recovery_url, c.last_activity_at,
               c.last_activity_at + to_minutes($threshold) AS abandoned_at,
               (c.status <> 'open' OR c.order_key IS NOT NULL) AS recovered, c.order_key
        FROM carts c
        WHERE c.shop_id = $shop AND c.email IS NOT NULL
            AND c.last_activity_at >= $afrom - to_minutes($threshold)
            AND c.last_activity_at < $ato - to_minutes($threshold)),
    ord AS (
        SELECT o.order_key, o.member_key, lower(o.email) AS email, o.cart_key, o.ordered_at FROM orders o
        WHERE o.shop_id = $shop AND o.{_LIVE}
            AND o.ordered_at >= $afrom - to_minutes($threshold) - INTERVAL 30 DAY AND o.ordered_at < $ato
            AND (o.cart_key IN (SELECT cart_key FROM cand) OR o.order_key IN (SELECT order_key FROM cand)
                 OR o.member_key IN (SELECT member_key FROM cand)
                 OR lower(o.email) IN (SELECT lower(email) FROM cand WHERE member_key IS NULL))),
    ordered_in_time AS (
        SELECT c.cart_key FROM cand c JOIN ord o ON o.cart_key = c.cart_key WHERE o.ordered_at < c.abandoned_at
        UNION SELECT c.cart_key FROM cand c JOIN ord o ON o.order_key = c.order_key
        WHERE o.ordered_at < c.abandoned_at
        UNION SELECT c.cart_key FROM cand c JOIN ord o ON o.member_key = c.member_key
        WHERE o.ordered_at >= c.last_activity_at AND o.ordered_at < c.abandoned_at
        UNION SELECT c.cart_key FROM cand c JOIN ord o
            ON c.member_key IS NULL AND o.member_key IS NULL AND o.email = lower(c.email)
        WHERE o.ordered_at >= c.last_activity_at AND o.ordered_at < c.abandoned_at)
    SELECT c.cart_key, c.member_key, c.email, c.total_amount, c.recovery_url, c.last_activity_at, c.abandoned_at,
           c.recovered
    FROM cand c WHERE c.cart_key NOT IN (SELECT cart_key FROM ordered_in_time)"""


def _cart_digest_sql(a: Automation, p: dict[str, Any], window_from: dt.datetime, window_to: dt.datetime) -> str:
    """One occurrence per shop day with at least one abandoned cart, true at DIGEST_HOUR the next morning.
    A day's morning is at most 33 hours after the day began, so carts abandoned from two days before the
    window cover every day whose digest falls in it."""
    p.update({"threshold": int(a.params.get("threshold_minutes", DEFAULT_CART_THRESHOLD_MINUTES)),
              "owner": a.params["recipient"], "digest_hour": DIGEST_HOUR,
              "afrom": window_from - dt.timedelta(days=2), "ato": window_to})
    return f"""
        WITH tz AS (SELECT coalesce(max(timezone), '{DEFAULT_TZ}') AS name FROM shops WHERE shop_id = $shop),
        days AS (
            SELECT d.day, timezone(tz.name, d.day::TIMESTAMP) AS day_start,
                   timezone(tz.name, (d.day + 1)::TIMESTAMP) AS day_end,
                   timezone(tz.name, (d.day + 1)::TIMESTAMP + to_hours($digest_hour)) AS became_true_at
            FROM tz, (SELECT unnest(generate_series(timezone((SELECT name FROM tz), $from)::DATE - 2,
                                                    timezone((SELECT name FROM tz), $to)::DATE,
                                                    INTERVAL 1 DAY))::DATE AS day) d),
        due AS (SELECT * FROM days WHERE became_true_at > $from AND became_true_at <= $to),
        abandoned AS ({ABANDONED_CARTS_SQL})
        SELECT NULL::VARCHAR AS member_key, strftime(d.day, '%Y-%m-%d') AS occurrence_key,
               $owner::VARCHAR AS email, d.became_true_at
        FROM due d
        WHERE EXISTS (SELECT 1 FROM abandoned c WHERE c.abandoned_at >= d.day_start AND c.abandoned_at < d.day_end)"""


def with_recipients(candidates: str) -> str:
    """Candidates with the address to write to: the member's current e-mail, else the occurrence's own."""
    return f"""
        SELECT c.member_key, c.occurrence_key, coalesce(m.email, c.email) AS recipient, c.became_true_at
        FROM ({candidates}) c LEFT JOIN members m ON m.shop_id = $shop AND m.member_key = c.member_key"""


# How far back an order can matter to a pending send of each trigger: placed since the signup, the last
# order or the cart activity; for "the order was cancelled", the order itself (placed at most 90 days
# before it was paid or delivered). Bounds the orders `CANCEL_SQL` reads.
def cancel_lookback_sql() -> str:
    return """CASE a.trigger
        WHEN 'no_first_purchase' THEN to_days(CAST(json_extract(a.trigger_params, '$.days') AS INTEGER))
        WHEN 'no_repurchase' THEN to_days(CAST(json_extract(a.trigger_params, '$.days') AS INTEGER))
        WHEN 'cart_abandoned' THEN to_minutes(coalesce(CAST(json_extract(a.trigger_params, '$.threshold_minutes')
                                                            AS INTEGER), 60))
        WHEN 'cart_notice' THEN INTERVAL 0 DAY  -- owner notices are never cancelled: no order to look for
        WHEN 'cart_digest' THEN INTERVAL 0 DAY
        ELSE INTERVAL 90 DAY END"""


# Why a planned send is no longer wanted, per trigger, over the pending/failed outbox rows that are
# due by $until: (message_id, reason). The orders looked at are only those of these members, orders
# and carts (a semi-join driven by the few pending rows), so dispatch can afford it every few seconds.
CANCEL_SQL = f"""
    WITH pend AS (
        SELECT ob.message_id, ob.shop_id, ob.member_key, ob.occurrence_key, a.trigger
        FROM outbox ob JOIN automations a USING (automation_id)
        WHERE ob.state IN ('pending', 'failed') AND ob.due_at <= $until
            AND a.trigger IN ('no_first_purchase', 'no_repurchase', 'cart_abandoned', 'purchased', 'delivered')),
    rel AS (
        SELECT o.shop_id, o.order_key, o.member_key, o.cart_key, o.ordered_at, o.{_LIVE} AS live FROM orders o
        WHERE o.ordered_at >= $since AND (o.member_key IN (SELECT member_key FROM pend)
            OR o.order_key IN (SELECT occurrence_key FROM pend)
            OR o.cart_key IN (SELECT occurrence_key FROM pend WHERE trigger = 'cart_abandoned'))),
    reasons AS (
        SELECT p.message_id, 'member_ordered' AS reason FROM pend p JOIN rel o
            ON o.shop_id = p.shop_id AND o.member_key = p.member_key AND o.live
        WHERE p.trigger = 'no_first_purchase'
        UNION ALL
        SELECT p.message_id, 'member_ordered' FROM pend p
            JOIN rel ref ON ref.shop_id = p.shop_id AND ref.order_key = p.occurrence_key
            JOIN rel o ON o.shop_id = p.shop_id AND o.member_key = p.member_key AND o.live
                AND o.order_key <> ref.order_key AND o.ordered_at >= ref.ordered_at
        WHERE p.trigger = 'no_repurchase'
        UNION ALL
        SELECT p.message_id, CASE WHEN c.status IS NULL OR c.status <> 'open' OR c.order_key IS NOT NULL
                                  THEN 'cart_recovered' ELSE 'member_ordered' END
        FROM pend p LEFT JOIN carts c ON c.shop_id = p.shop_id AND c.cart_key = p.occurrence_key
        WHERE p.trigger = 'cart_abandoned' AND (
            c.status IS NULL OR c.status <> 'open' OR c.order_key IS NOT NULL
            OR EXISTS (SELECT 1 FROM rel o WHERE o.shop_id = p.shop_id AND (o.cart_key = p.occurrence_key
                       OR (o.member_key = p.member_key AND o.live AND o.ordered_at >= c.last_activity_at))))
        UNION ALL
        SELECT p.message_id, 'order_cancelled' FROM pend p
            JOIN rel o ON o.shop_id = p.shop_id AND o.order_key = p.occurrence_key AND NOT o.live
        WHERE p.trigger IN ('purchased', 'delivered'))
    SELECT message_id, min(reason) AS reason FROM reasons GROUP BY message_id
"""


# ------------------------------------------------------------------ every automation of a trigger at once
#
# The same occurrences as `candidates_sql`, for all running automations of one trigger across all shops in
# one statement: the automations are a table (`_autos`, see core.automations.evaluate: automation_id,
# shop_id, trigger, win_from, win_to, sfrom, sto, days, threshold, product_keys, category_keys, filtered,
# owner), joined to the rows on the shop and each automation's own window. Each scan also compares its
# time column with constants ($lo, $hi: the union of the windows; $now: the latest end) so DuckDB's
# row-group statistics still skip the older rows. Returns (automation_id, member_key, occurrence_key,
# email, became_true_at). `sfrom`/`sto` are the window moved back by the trigger's days or threshold, as
# `candidates_sql` computes them.
#
# Within its window an automation keeps only the occurrences that became true after `fresh` (`sfresh`
# moved back as `sfrom` is) or whose own row, or an order of the same member or cart, a sync wrote after
# `touched` (see core.automations.evaluate.fresh_bounds: an automation judged whole has `fresh` at its
# window's start). `$touched` is the earliest `touched`, a constant the scan of the synced orders prunes on.
# A `purchased` automation with a product filter also keeps the orders whose items a sync wrote since; one
# whose shop's products (and so their categories) changed since is judged whole (evaluate.rescanned_whole).
_TOUCHED_ORDERS = """
        tord AS (
            SELECT shop_id, member_key, cart_key, max(synced_at) AS synced_at FROM orders
            WHERE synced_at > $touched GROUP BY ALL)"""
_SET_SQL: dict[str, str] = {
    "purchased": f"""
        WITH a AS (SELECT * FROM _autos WHERE trigger = 'purchased'),
        po AS (
            SELECT a.automation_id, a.filtered, a.product_keys, a.category_keys, o.shop_id, o.member_key,
                   o.order_key, o.email, o.paid_at
            FROM orders o JOIN a ON o.shop_id = a.shop_id AND o.paid_at > a.win_from AND o.paid_at <= a.win_to
            WHERE o.paid_at > $lo AND o.paid_at <= $hi AND o.{_LIVE}
                AND (o.paid_at > a.fresh OR o.synced_at > a.touched OR (a.filtered AND (o.shop_id, o.order_key) IN (
                    SELECT shop_id, order_key FROM order_items WHERE synced_at > $touched)))),
        matched AS (
            SELECT DISTINCT po.automation_id, po.order_key FROM po
            JOIN order_items oi ON oi.shop_id = po.shop_id AND oi.order_key = po.order_key
            LEFT JOIN products pr ON pr.shop_id = oi.shop_id AND pr.product_key = oi.product_key
            WHERE po.filtered AND (list_contains(po.product_keys, oi.product_key)
                                   OR coalesce(list_has_any(pr.category_keys, po.category_keys), FALSE)))
        SELECT po.automation_id, po.member_key, po.order_key AS occurrence_key, po.email, po.paid_at AS became_true_at
        FROM po WHERE NOT po.filtered OR EXISTS (
            SELECT 1 FROM matched m WHERE m.automation_id = po.automation_id AND m.order_key = po.order_key)""",
    "delivered": """
        SELECT a.automation_id, o.member_key, o.order_key AS occurrence_key, o.email, o.delivered_at AS became_true_at
        FROM orders o JOIN _autos a ON a.trigger = 'delivered' AND o.shop_id = a.shop_id
            AND o.delivered_at > a.win_from AND o.delivered_at <= a.win_to
        WHERE o.delivered_at > $lo AND o.delivered_at <= $hi AND o.status IN ('delivered', 'confirmed')
            AND (o.delivered_at > a.fresh OR o.synced_at > a.touched)""",
    "signup": """
        SELECT a.automation_id, m.member_key, m.member_key AS occurrence_key, m.email, m.signed_up_at AS became_true_at
        FROM members m JOIN _autos a ON a.trigger = 'signup' AND m.shop_id = a.shop_id
            AND m.signed_up_at > a.win_from AND m.signed_up_at <= a.win_to
        WHERE m.signed_up_at > $lo AND m.signed_up_at <= $hi
            AND (m.signed_up_at > a.fresh OR m.synced_at > a.touched)""",
    # No order in (sfrom, became_true_at] is the same as "the first order since sfrom, if any, came after".
    "no_first_purchase": f"""
        WITH {_TOUCHED_ORDERS},
        cand AS (
            SELECT a.automation_id, m.shop_id, m.member_key, m.email, a.sfrom,
                   m.signed_up_at + to_days(a.days) AS became_true_at
            FROM members m JOIN _autos a ON a.trigger = 'no_first_purchase' AND m.shop_id = a.shop_id
                AND m.signed_up_at > a.sfrom AND m.signed_up_at <= a.sto
            LEFT JOIN (SELECT shop_id, member_key, max(synced_at) AS synced_at FROM tord GROUP BY ALL) t
                ON t.shop_id = m.shop_id AND t.member_key = m.member_key
            WHERE m.signed_up_at > $lo AND m.signed_up_at <= $hi
                AND (m.signed_up_at > a.sfresh OR m.synced_at > a.touched OR t.synced_at > a.touched)),
        bought AS (
            SELECT o.shop_id, o.member_key, o.ordered_at FROM orders o
            WHERE o.ordered_at > $lo AND o.ordered_at <= $now AND o.{_LIVE}
                AND o.member_key IN (SELECT member_key FROM cand))
        SELECT c.automation_id, c.member_key, c.member_key AS occurrence_key, c.email, c.became_true_at
        FROM cand c WHERE NOT EXISTS (
            SELECT 1 FROM bought b WHERE b.shop_id = c.shop_id AND b.member_key = c.member_key
                AND b.ordered_at > c.sfrom AND b.ordered_at <= c.became_true_at)""",
    "no_repurchase": f"""
        WITH {_TOUCHED_ORDERS},
        cand AS (
            SELECT a.automation_id, o.shop_id, o.member_key, o.order_key, o.ordered_at AS ref_at,
                   o.ordered_at + to_days(a.days) AS became_true_at
            FROM orders o JOIN _autos a ON a.trigger = 'no_repurchase' AND o.shop_id = a.shop_id
                AND o.ordered_at > a.sfrom AND o.ordered_at <= a.sto
            LEFT JOIN (SELECT shop_id, member_key, max(synced_at) AS synced_at FROM tord GROUP BY ALL) t
                ON t.shop_id = o.shop_id AND t.member_key = o.member_key
            WHERE o.ordered_at > $lo AND o.ordered_at <= $hi AND o.member_key IS NOT NULL
                AND o.paid_at IS NOT NULL AND o.{_LIVE}
                AND (o.ordered_at > a.sfresh OR o.synced_at > a.touched OR t.synced_at > a.touched)),
        later AS (
            SELECT o.shop_id, o.member_key, o.order_key, o.ordered_at FROM orders o
            WHERE o.ordered_at > $lo AND o.ordered_at <= $now AND o.{_LIVE}
                AND o.member_key IN (SELECT member_key FROM cand))
        SELECT c.automation_id, c.member_key, c.order_key AS occurrence_key, NULL::VARCHAR AS email, c.became_true_at
        FROM cand c WHERE NOT EXISTS (
            SELECT 1 FROM later l WHERE l.shop_id = c.shop_id AND l.member_key = c.member_key
                AND l.order_key <> c.order_key AND l.ordered_at >= c.ref_at AND l.ordered_at <= c.became_true_at)""",
    # Reminders and the owner's notices find the same carts; a notice is addressed to the owner, no member.
    "cart_abandoned": f"""
        WITH {_TOUCHED_ORDERS},
        cand AS (
            SELECT a.automation_id, a.trigger, a.owner, a.sfrom, a.win_to, c.shop_id, c.member_key, c.cart_key,
                   c.email, c.last_activity_at, c.last_activity_at + to_minutes(a.threshold) AS became_true_at
            FROM carts c JOIN _autos a ON a.trigger IN ('cart_abandoned', 'cart_notice') AND c.shop_id = a.shop_id
                AND c.last_activity_at > a.sfrom AND c.last_activity_at <= a.sto
            LEFT JOIN (SELECT shop_id, member_key, max(synced_at) AS synced_at FROM tord GROUP BY ALL) tm
                ON tm.shop_id = c.shop_id AND tm.member_key = c.member_key
            LEFT JOIN (SELECT shop_id, cart_key, max(synced_at) AS synced_at FROM tord GROUP BY ALL) tc
                ON tc.shop_id = c.shop_id AND tc.cart_key = c.cart_key
            WHERE c.last_activity_at > $lo AND c.last_activity_at <= $hi AND c.status = 'open'
                AND c.order_key IS NULL AND (c.email IS NOT NULL OR c.member_key IS NOT NULL)
                AND (c.last_activity_at > a.sfresh OR c.synced_at > a.touched OR tm.synced_at > a.touched
                     OR tc.synced_at > a.touched)),
        ordered AS (
            SELECT o.shop_id, o.member_key, o.cart_key, o.ordered_at FROM orders o
            WHERE o.ordered_at > $lo AND o.ordered_at <= $now AND o.{_LIVE}
                AND (o.member_key IN (SELECT member_key FROM cand) OR o.cart_key IN (SELECT cart_key FROM cand))),
        gone AS (
            SELECT DISTINCT c.automation_id, c.cart_key FROM cand c JOIN ordered o
              ON o.shop_id = c.shop_id AND o.ordered_at > c.sfrom AND o.ordered_at <= c.win_to
                 AND ((o.cart_key = c.cart_key) OR (o.member_key = c.member_key AND o.ordered_at >= c.last_activity_at
                                                    AND o.ordered_at <= c.became_true_at)))
        SELECT c.automation_id,
               CASE WHEN c.trigger = 'cart_notice' THEN NULL::VARCHAR ELSE c.member_key END AS member_key,
               c.cart_key AS occurrence_key,
               CASE WHEN c.trigger = 'cart_notice' THEN c.owner ELSE c.email END AS email, c.became_true_at
        FROM cand c
        WHERE NOT EXISTS (SELECT 1 FROM gone g WHERE g.automation_id = c.automation_id AND g.cart_key = c.cart_key)""",
}
_SET_SQL["cart_notice"] = _SET_SQL["cart_abandoned"]
# How each trigger's statement is named among the triggers it serves (cart notices share the cart SQL).
SET_GROUP: dict[str, str] = {t: ("cart_abandoned" if t == "cart_notice" else t) for t in _SET_SQL}


def set_window(a: Automation, window_from: dt.datetime, window_to: dt.datetime) -> tuple[dt.datetime, dt.datetime]:
    """The window of the rows a trigger reads (`sfrom`, `sto`): signups, orders or cart activity that
    become true in (window_from, window_to] lie that many days or minutes earlier."""
    if a.trigger in ("no_first_purchase", "no_repurchase"):
        back = dt.timedelta(days=int(a.params["days"]))
    elif a.trigger in ("cart_abandoned", "cart_notice"):
        back = dt.timedelta(minutes=int(a.params.get("threshold_minutes", DEFAULT_CART_THRESHOLD_MINUTES)))
    else:
        back = dt.timedelta(0)
    return window_from - back, window_to - back


def set_candidates_sql(group: str) -> str | None:
    """The statement finding the occurrences of every automation of `group` in `_autos` at once; None for a
    trigger that is evaluated one automation at a time (`candidates_sql`)."""
    return _SET_SQL.get(group)
