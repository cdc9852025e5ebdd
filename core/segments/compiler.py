"""Segments' query compiler: a Rule as one SQL query over members (and their orders), values as parameters.

For the automations engine, `segment_member_sql(rule, shop_id)` gives `SELECT shop_id, member_key FROM ...`
plus its parameters, to use as a semi-join or in a CTE; `audience_member_sql(con, shop_id, audience)`
resolves an automation's `audience` JSON (`{"segment_id": ...}` or `{"rule": {...}}`) the same way.
"""
from __future__ import annotations

import dataclasses
import datetime as dt
import json
from collections.abc import Mapping
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import duckdb

from core.segments.rules import (
    AMOUNT_FIELDS,
    CONSENT_FIELDS,
    COUNT_FIELDS,
    COUNTED_SQL,
    DEFAULT_TZ,
    ITEM_STANDS_SQL,
    UNKNOWN,
    Consent,
    Rule,
    RuleError,
    as_rule,
)
from core.shops import registry

# --------------------------------------------------------------------------- rule -> SQL

@dataclasses.dataclass
class Sql:
    """A query assembled in text order, so its `?` parameters line up with the placeholders."""

    ctes: list[tuple[str, list[Any]]] = dataclasses.field(default_factory=list)
    joins: list[tuple[str, list[Any]]] = dataclasses.field(default_factory=list)
    where: list[tuple[str, list[Any]]] = dataclasses.field(default_factory=list)

    def render(self, select: str) -> tuple[str, list[Any]]:
        parts: list[str] = []
        params: list[Any] = []
        if self.ctes:
            parts.append("WITH RECURSIVE " + ",\n".join(text for text, _ in self.ctes))
            params += [p for _, ps in self.ctes for p in ps]
        parts.append(f"SELECT {select}\nFROM members m")
        for text, ps in self.joins:
            parts.append(text)
            params += ps
        parts.append("WHERE " + ("\n  AND ".join(text for text, _ in self.where) or "TRUE"))
        params += [p for _, ps in self.where for p in ps]
        return "\n".join(parts), params


def midnight(day: dt.date, tz: str) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(), ZoneInfo(tz)).astimezone(dt.UTC)


def _stats_cte(shop_id: str | None) -> tuple[str, list[Any]]:
    shop = " AND shop_id = ?" if shop_id else ""
    return (f"""stats AS (
    SELECT shop_id, member_key, count(*) AS orders, sum(total_amount) AS spent, max(ordered_at) AS last_order_at
    FROM orders
    WHERE member_key IS NOT NULL AND status IN {COUNTED_SQL}{shop}
    GROUP BY shop_id, member_key)""", [shop_id] if shop_id else [])


_STATS_JOIN = "LEFT JOIN stats s ON s.shop_id = m.shop_id AND s.member_key = m.member_key"


def _bought(q: Sql, name: str, products_from: str, params: list[Any], shop_id: str | None) -> None:
    """The member has a counted order with a standing item whose product is in `products_from`.

    The matching items are found first, in a materialized CTE, and only they are joined to their
    orders: left to itself DuckDB joins every item to its order before filtering (10x slower at 10M).
    """
    shop = " AND oi.shop_id = ?" if shop_id else ""
    q.ctes.append((f"""{name} AS MATERIALIZED (
    SELECT shop_id, order_key FROM order_items oi WHERE {ITEM_STANDS_SQL} AND {products_from}{shop})""",
                   params + ([shop_id] if shop_id else [])))
    q.where.append((f"""(m.shop_id, m.member_key) IN (SELECT o.shop_id, o.member_key FROM {name} b
        JOIN orders o ON o.shop_id = b.shop_id AND o.order_key = b.order_key WHERE o.status IN {COUNTED_SQL})""", []))


def _unsubscribed(channels: tuple[str, ...]) -> str:
    listed = ", ".join(f"'{c}'" for c in channels)
    return (f"EXISTS (SELECT 1 FROM unsubscribes u WHERE u.shop_id = m.shop_id AND u.member_key = m.member_key "
            f"AND u.channel IN ({listed}))")


# The consent a message may rely on: the platform's flag, withdrawn at once by an unsubscribe in the console.
# NULL (the platform does not report it) stays NULL here, so a frame shows unknown as unknown.
EMAIL_CONSENT_SQL = f"(m.email_consent AND NOT {_unsubscribed(('email', 'all'))})"
SMS_CONSENT_SQL = f"(m.sms_consent AND NOT {_unsubscribed(('sms', 'all'))})"
NIGHT_CONSENT_SQL = "m.night_consent"
CONSENT_SQL = {"email_consent": EMAIL_CONSENT_SQL, "sms_consent": SMS_CONSENT_SQL, "night_consent": NIGHT_CONSENT_SQL}


def consent_state_sql(field: str) -> str:
    """'yes', 'no' or 'unknown' for one consent field of member `m` (see rules: an unsubscribe is a 'no').

    `IS TRUE` / `IS FALSE` / `IS NULL` judge the three-valued expression without letting NULL fall out of a
    comparison: every member is in exactly one state."""
    expression = CONSENT_SQL[field]
    return (f"CASE WHEN {expression} IS TRUE THEN 'yes' WHEN {expression} IS FALSE THEN 'no' "
            f"ELSE 'unknown' END")


def consent_condition_sql(field: str, wanted: Consent) -> str:
    """The members whose consent is `wanted` (True, False, 'unknown' or 'no_or_unknown'; see rules)."""
    expression = CONSENT_SQL[field]
    if wanted is True:
        return f"({expression}) IS TRUE"
    if wanted is False:
        return f"({expression}) IS FALSE"
    if wanted == UNKNOWN:
        return f"({expression}) IS NULL"
    return f"({expression}) IS NOT TRUE"  # no_or_unknown: everyone a "yes" leaves out, NULL included


def _member_conditions(rule: Rule, shop_id: str | None, tz: str) -> list[tuple[str, list[Any]]]:
    """The conditions on the member alone (alias m): no order figures needed to judge them."""
    w: list[tuple[str, list[Any]]] = []
    if shop_id:
        w.append(("m.shop_id = ?", [shop_id]))
    if rule.signed_up_from:
        w.append(("m.signed_up_at >= ?", [midnight(rule.signed_up_from, tz)]))
    if rule.signed_up_to:
        w.append(("m.signed_up_at < ?", [midnight(rule.signed_up_to + dt.timedelta(days=1), tz)]))
    if rule.has_open_cart is not None:
        w.append(("{}EXISTS (SELECT 1 FROM carts c WHERE c.shop_id = m.shop_id AND c.member_key = m.member_key "
                  "AND c.status = 'open')".format("" if rule.has_open_cart else "NOT "), []))
    for field in CONSENT_FIELDS:
        value = getattr(rule, field)
        if value is not None:
            w.append((consent_condition_sql(field, value), []))
    if rule.member_groups:
        w.append(("m.member_group IN (SELECT unnest(?::VARCHAR[]))", [list(rule.member_groups)]))
    return w


def needs_stats(rule: Rule) -> bool:
    """Whether the rule judges members by their order figures (last order, orders, spent)."""
    return any(getattr(rule, f) is not None for f in ("last_order_after", "last_order_before") + COUNT_FIELDS
               + AMOUNT_FIELDS)


def compile_rule(rule: Rule, shop_id: str | None, tz: str, *, with_stats: bool = False) -> Sql:
    q = Sql()
    members_only = _member_conditions(rule, shop_id, tz)
    if with_stats or needs_stats(rule):
        text, params = _stats_cte(shop_id)
        if len(members_only) > (1 if shop_id else 0):
            # Order figures only for the members the member conditions leave: 10M orders are not summed
            # for a segment of 100,000 members.
            text = text.replace("    GROUP BY", "      AND (shop_id, member_key) IN (SELECT m.shop_id, m.member_key "
                                "FROM members m WHERE " + " AND ".join(c for c, _ in members_only) + ")\n    GROUP BY")
            params = params + [p for _, ps in members_only for p in ps]
        q.ctes.append((text, params))
        q.joins.append((_STATS_JOIN, []))
    if rule.category_keys:
        shop = " AND shop_id = ?" if shop_id else ""
        q.ctes.append((f"""wanted_categories(shop_id, category_key) AS (
    SELECT shop_id, category_key FROM categories
    WHERE category_key IN (SELECT unnest(?::VARCHAR[])){shop}
    UNION
    SELECT c.shop_id, c.category_key FROM categories c
    JOIN wanted_categories w ON c.shop_id = w.shop_id AND c.parent_key = w.category_key)""",
                       [list(rule.category_keys)] + ([shop_id] if shop_id else [])))
        q.ctes.append((f"""category_products AS (
    SELECT DISTINCT p.shop_id, p.product_key
    FROM (SELECT shop_id, product_key, unnest(category_keys) AS category_key FROM products
          WHERE TRUE{shop}) p
    JOIN wanted_categories w ON w.shop_id = p.shop_id AND w.category_key = p.category_key)""",
                       [shop_id] if shop_id else []))
    w = q.where
    w.extend(members_only)
    if rule.last_order_after:
        w.append(("s.last_order_at >= ?", [midnight(rule.last_order_after, tz)]))
    if rule.last_order_before:
        w.append(("s.last_order_at < ?", [midnight(rule.last_order_before, tz)]))
    if rule.orders_min is not None:
        w.append(("coalesce(s.orders, 0) >= ?", [rule.orders_min]))
    if rule.orders_max is not None:
        w.append(("coalesce(s.orders, 0) <= ?", [rule.orders_max]))
    if rule.spent_min is not None:
        w.append(("coalesce(s.spent, 0) >= ?", [rule.spent_min]))
    if rule.spent_max is not None:
        w.append(("coalesce(s.spent, 0) <= ?", [rule.spent_max]))
    if rule.product_keys:
        _bought(q, "bought_products", "oi.product_key IN (SELECT unnest(?::VARCHAR[]))", [list(rule.product_keys)],
                shop_id)
    if rule.category_keys:
        _bought(q, "bought_in_categories",
                "(oi.shop_id, oi.product_key) IN (SELECT shop_id, product_key FROM category_products)", [], shop_id)
    return q


def segment_member_sql(rule: Rule | Mapping[str, Any] | str, shop_id: str | None = None,
                       tz: str = DEFAULT_TZ) -> tuple[str, list[Any]]:
    """`SELECT shop_id, member_key FROM ...` for the members the rule matches now, and its parameters.

    For the automations engine's audience filter: the text has only `?` placeholders, so
    embed it where your own placeholders come before or after it and join the parameter
    lists in the same order, e.g.
    `sql, ps = segment_member_sql(rule, shop_id); con.execute(f"... WHERE (shop_id, member_key) IN ({sql})", ps)`
    or `WITH audience AS ({sql}) ...`. Dates in the rule are days in `tz`
    (the shop's time zone). With `shop_id` None it spans every shop.
    """
    return compile_rule(as_rule(rule), shop_id, check_zone(tz)).render("m.shop_id, m.member_key")


def audience_member_sql(con: duckdb.DuckDBPyConnection, shop_id: str,
                        audience: Mapping[str, Any] | str | None) -> tuple[str, list[Any]] | None:
    """An automation's `audience` JSON as member SQL (see segment_member_sql); None when it has none.

    `{"segment_id": "..."}` uses that saved segment's current rule; `{"rule": {...}}` an inline one.
    """
    if isinstance(audience, str):
        audience = json.loads(audience) if audience.strip() else None
    if not audience:
        return None
    if "segment_id" in audience:
        row = con.execute("SELECT shop_id, rule FROM segments WHERE segment_id = ?",
                          [audience["segment_id"]]).fetchone()
        if row is None:
            raise RuleError({"segment_id": f"no saved segment {audience['segment_id']!r}"})
        if row[0] != shop_id:
            raise RuleError({"segment_id": f"segment {audience['segment_id']!r} belongs to shop {row[0]!r}, "
                                           f"not {shop_id!r}"})
        rule = as_rule(row[1])
    elif "rule" in audience:
        rule = as_rule(audience["rule"])
    else:
        raise RuleError({"audience": "give either segment_id or rule"})
    return segment_member_sql(rule, shop_id, shop_timezone(con, shop_id))


def check_zone(tz: str) -> str:
    try:
        ZoneInfo(tz)
    except (ZoneInfoNotFoundError, ValueError):
        raise RuleError({"timezone": f"{tz!r} is not a time zone like Asia/Seoul"}) from None
    return tz


def shop_timezone(con: duckdb.DuckDBPyConnection, shop_id: str | None) -> str:
    """The shop's time zone (rules' dates are its days); the default when the shop is unknown."""
    if not shop_id:
        return DEFAULT_TZ
    return registry.shop_timezone(con, shop_id)
