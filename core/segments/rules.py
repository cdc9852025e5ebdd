"""Segments (세그먼트): a typed rule over a shop's members and their orders, compiled to one SQL query.

A rule is a set of conditions, all AND-ed. Values never enter the SQL text: each
condition adds a fixed SQL fragment with `?` placeholders and its values go in the
parameter list, in the order the placeholders appear.

| field                          | means                                                              |
|--------------------------------|--------------------------------------------------------------------|
| signed_up_from / signed_up_to  | signed up on or after / on or before that date (shop's time zone)  |
| last_order_after               | the last counted order is on or after that date                    |
| last_order_before              | the last counted order is before that date (members with no order never match) |
| orders_min / orders_max        | number of counted orders (a member with none has 0)                |
| spent_min / spent_max          | sum of the counted orders' totals (0 with none)                    |
| product_keys                   | bought at least one of these products in a counted order           |
| category_keys                  | bought a product of one of these categories or of any category below them (depth 1..4) |
| has_open_cart                  | has (True) / has no (False) cart with status `open`                |
| email_consent / sms_consent    | consents (True) / does not (False); an unsubscribe recorded in the console withdraws consent at once |
| night_consent                  | night-time (21:00-08:00) advertising consent                       |
| member_groups                  | member group is one of these                                       |

A *counted* order is a paid one that stands: status paid, shipping, delivered or
confirmed (the same set the overview counts as revenue); pending, cancelled and
returned orders are not purchases. A bought product also requires the item itself
not to be cancelled or returned. Guest orders (no member_key) belong to nobody.

A saved segment keeps the rule, never the members: every use re-evaluates it.
For the automations engine, `segment_member_sql(rule, shop_id)` gives
`SELECT shop_id, member_key FROM ...` plus its parameters, to use as
`WHERE (shop_id, member_key) IN (...)`-style semi-join or in a CTE; and
`audience_member_sql(con, shop_id, audience)` resolves an automation's `audience`
JSON (`{"segment_id": ...}` or `{"rule": {...}}`) the same way.
"""
from __future__ import annotations

import dataclasses
import datetime as dt
import io
import json
import uuid
from collections.abc import Mapping
from decimal import Decimal
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import duckdb
import polars as pl

from core import clock, i18n
from core.store import Store

DEFAULT_TZ = clock.DEFAULT_TZ
COUNTED_STATUSES = ("paid", "shipping", "delivered", "confirmed")
_COUNTED = "(" + ", ".join(f"'{s}'" for s in COUNTED_STATUSES) + ")"  # constants, not user values
_ITEM_STANDS = "oi.status NOT IN ('cancelled', 'returned')"
SAMPLE_SIZE = 50
MAX_NAME = 80
MAX_KEYS = 5000

StoreLike = Store | str | Path | None


def open_store(store: StoreLike) -> Store:
    return store if isinstance(store, Store) else Store(store, role="console")


# --------------------------------------------------------------------------- the rule

class RuleError(ValueError):
    """A rule that cannot be used; `problems` maps each bad field to what is wrong with it."""

    def __init__(self, problems: Mapping[str, str]) -> None:
        self.problems = dict(problems)
        super().__init__("; ".join(f"{field}: {why}" for field, why in self.problems.items()))


_DATES = ("signed_up_from", "signed_up_to", "last_order_after", "last_order_before")
_COUNTS = ("orders_min", "orders_max")
_AMOUNTS = ("spent_min", "spent_max")
_KEY_LISTS = ("product_keys", "category_keys", "member_groups")
_FLAGS = ("has_open_cart", "email_consent", "sms_consent", "night_consent")
FIELDS = _DATES + _COUNTS + _AMOUNTS + _KEY_LISTS + _FLAGS


@dataclasses.dataclass(frozen=True)
class Rule:
    """Conditions on members, all AND-ed; a field left None (or an empty list) does not filter."""

    signed_up_from: dt.date | None = None
    signed_up_to: dt.date | None = None
    last_order_after: dt.date | None = None
    last_order_before: dt.date | None = None
    orders_min: int | None = None
    orders_max: int | None = None
    spent_min: Decimal | None = None
    spent_max: Decimal | None = None
    product_keys: tuple[str, ...] = ()
    category_keys: tuple[str, ...] = ()
    member_groups: tuple[str, ...] = ()
    has_open_cart: bool | None = None
    email_consent: bool | None = None
    sms_consent: bool | None = None
    night_consent: bool | None = None

    @classmethod
    def from_dict(cls, data: Mapping[str, Any] | None) -> Rule:
        """Parse and check a rule (from JSON or a form); raises RuleError naming every bad field."""
        data = dict(data or {})
        problems: dict[str, str] = {}
        values: dict[str, Any] = {}
        for field in data:
            if field not in FIELDS:
                problems[field] = f"unknown condition; known ones are {', '.join(FIELDS)}"
        for field in FIELDS:
            raw = data.get(field)
            if raw is None or raw == "" or raw == [] or raw == ():
                continue
            try:
                values[field] = _PARSERS[field](raw)
            except ValueError as exc:
                problems[field] = str(exc)
        for low, high, what in (("signed_up_from", "signed_up_to", "date"), ("orders_min", "orders_max", "count"),
                                ("spent_min", "spent_max", "amount")):
            if values.get(low) is not None and values.get(high) is not None and values[low] > values[high]:
                problems[high] = f"the upper {what} {_show(values[high])} is below the lower one {_show(values[low])}"
        after, before = values.get("last_order_after"), values.get("last_order_before")
        if after is not None and before is not None and after >= before:
            problems["last_order_before"] = (f"no date is on or after {after.isoformat()} and before "
                                             f"{before.isoformat()}; pick a later 'before' date")
        if problems:
            raise RuleError(problems)
        return cls(**values)

    def to_dict(self) -> dict[str, Any]:
        """The rule as JSON-ready data; only the conditions that filter."""
        out: dict[str, Any] = {}
        for field in FIELDS:
            value = getattr(self, field)
            if value is None or value == ():
                continue
            if isinstance(value, dt.date):
                value = value.isoformat()
            elif isinstance(value, Decimal):
                value = int(value) if value == value.to_integral_value() else float(value)
            elif isinstance(value, tuple):
                value = list(value)
            out[field] = value
        return out

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), ensure_ascii=False, sort_keys=True)

    def is_empty(self) -> bool:
        return not self.to_dict()


def _show(value: Any) -> str:
    return value.isoformat() if isinstance(value, dt.date) else str(value)


def _date(raw: Any) -> dt.date:
    if isinstance(raw, dt.datetime):
        raise ValueError("give a calendar date like 2026-01-31, not a date and time")
    if isinstance(raw, dt.date):
        return raw
    if isinstance(raw, str):
        try:
            return dt.date.fromisoformat(raw.strip())
        except ValueError:
            pass
    raise ValueError(f"{raw!r} is not a date like 2026-01-31")


def _count(raw: Any) -> int:
    if isinstance(raw, bool) or not isinstance(raw, (int, str, float)):
        raise ValueError(f"{raw!r} is not a whole number of orders")
    try:
        value = int(str(raw).strip())
    except ValueError:
        raise ValueError(f"{raw!r} is not a whole number of orders") from None
    if value < 0:
        raise ValueError(f"{value} is negative; a number of orders is 0 or more")
    return value


def _amount(raw: Any) -> Decimal:
    if isinstance(raw, bool):
        raise ValueError(f"{raw!r} is not an amount")
    try:
        value = Decimal(str(raw).replace(",", "").strip())
    except ArithmeticError:
        raise ValueError(f"{raw!r} is not an amount like 50000") from None
    if not value.is_finite() or value < 0:
        raise ValueError(f"{raw!r} is not an amount of 0 or more")
    return value


def _keys(raw: Any) -> tuple[str, ...]:
    if isinstance(raw, str):
        raw = [raw]
    if not isinstance(raw, (list, tuple, set, frozenset)):
        raise ValueError(f"expected a list of keys, got {type(raw).__name__}")
    keys = []
    for key in raw:
        if not isinstance(key, str) or not key.strip():
            raise ValueError(f"{key!r} is not a key (a non-empty text)")
        if key.strip() not in keys:
            keys.append(key.strip())
    if len(keys) > MAX_KEYS:
        raise ValueError(f"{len(keys)} keys is more than the {MAX_KEYS} a rule may list")
    return tuple(keys)


def _flag(raw: Any) -> bool:
    if isinstance(raw, bool):
        return raw
    raise ValueError(f"{raw!r} is not true or false")


_PARSERS = {**{f: _date for f in _DATES}, **{f: _count for f in _COUNTS}, **{f: _amount for f in _AMOUNTS},
            **{f: _keys for f in _KEY_LISTS}, **{f: _flag for f in _FLAGS}}


def as_rule(rule: Rule | Mapping[str, Any] | str | None) -> Rule:
    """A Rule from a Rule, a dict or its JSON text."""
    if isinstance(rule, Rule):
        return rule
    if isinstance(rule, str):
        try:
            rule = json.loads(rule) if rule.strip() else {}
        except ValueError as exc:
            raise RuleError({"rule": f"is not valid JSON: {exc}"}) from None
        if not isinstance(rule, dict):
            raise RuleError({"rule": "must be a JSON object of conditions"})
    return Rule.from_dict(rule)


# --------------------------------------------------------------------------- rule -> SQL

@dataclasses.dataclass
class _Sql:
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


def _midnight(day: dt.date, tz: str) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(), ZoneInfo(tz)).astimezone(dt.UTC)


def _stats_cte(shop_id: str | None) -> tuple[str, list[Any]]:
    shop = " AND shop_id = ?" if shop_id else ""
    return (f"""stats AS (
    SELECT shop_id, member_key, count(*) AS orders, sum(total_amount) AS spent, max(ordered_at) AS last_order_at
    FROM orders
    WHERE member_key IS NOT NULL AND status IN {_COUNTED}{shop}
    GROUP BY shop_id, member_key)""", [shop_id] if shop_id else [])


_STATS_JOIN = "LEFT JOIN stats s ON s.shop_id = m.shop_id AND s.member_key = m.member_key"


def _bought(q: _Sql, name: str, products_from: str, params: list[Any], shop_id: str | None) -> None:
    """The member has a counted order with a standing item whose product is in `products_from`.

    The matching items are found first, in a materialized CTE, and only they are joined to their
    orders: left to itself DuckDB joins every item to its order before filtering (10x slower at 10M).
    """
    shop = " AND oi.shop_id = ?" if shop_id else ""
    q.ctes.append((f"""{name} AS MATERIALIZED (
    SELECT shop_id, order_key FROM order_items oi WHERE {_ITEM_STANDS} AND {products_from}{shop})""",
                   params + ([shop_id] if shop_id else [])))
    q.where.append((f"""(m.shop_id, m.member_key) IN (SELECT o.shop_id, o.member_key FROM {name} b
        JOIN orders o ON o.shop_id = b.shop_id AND o.order_key = b.order_key WHERE o.status IN {_COUNTED})""", []))


def _unsubscribed(channels: tuple[str, ...]) -> str:
    listed = ", ".join(f"'{c}'" for c in channels)
    return (f"EXISTS (SELECT 1 FROM unsubscribes u WHERE u.shop_id = m.shop_id AND u.member_key = m.member_key "
            f"AND u.channel IN ({listed}))")


# The consent a message may rely on: the platform's flag, withdrawn at once by an unsubscribe in the console.
EMAIL_CONSENT_SQL = f"(m.email_consent AND NOT {_unsubscribed(('email', 'all'))})"
SMS_CONSENT_SQL = f"(m.sms_consent AND NOT {_unsubscribed(('sms', 'all'))})"


def _member_conditions(rule: Rule, shop_id: str | None, tz: str) -> list[tuple[str, list[Any]]]:
    """The conditions on the member alone (alias m): no order figures needed to judge them."""
    w: list[tuple[str, list[Any]]] = []
    if shop_id:
        w.append(("m.shop_id = ?", [shop_id]))
    if rule.signed_up_from:
        w.append(("m.signed_up_at >= ?", [_midnight(rule.signed_up_from, tz)]))
    if rule.signed_up_to:
        w.append(("m.signed_up_at < ?", [_midnight(rule.signed_up_to + dt.timedelta(days=1), tz)]))
    if rule.has_open_cart is not None:
        w.append(("{}EXISTS (SELECT 1 FROM carts c WHERE c.shop_id = m.shop_id AND c.member_key = m.member_key "
                  "AND c.status = 'open')".format("" if rule.has_open_cart else "NOT "), []))
    for flag, expression in (("email_consent", EMAIL_CONSENT_SQL), ("sms_consent", SMS_CONSENT_SQL),
                             ("night_consent", "m.night_consent")):
        value = getattr(rule, flag)
        if value is not None:
            w.append((expression if value else f"NOT {expression}", []))
    if rule.member_groups:
        w.append(("m.member_group IN (SELECT unnest(?::VARCHAR[]))", [list(rule.member_groups)]))
    return w


def _compile(rule: Rule, shop_id: str | None, tz: str, *, with_stats: bool = False) -> _Sql:
    q = _Sql()
    members_only = _member_conditions(rule, shop_id, tz)
    needs_stats = with_stats or any(getattr(rule, f) is not None for f in
                                    ("last_order_after", "last_order_before") + _COUNTS + _AMOUNTS)
    if needs_stats:
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
        w.append(("s.last_order_at >= ?", [_midnight(rule.last_order_after, tz)]))
    if rule.last_order_before:
        w.append(("s.last_order_at < ?", [_midnight(rule.last_order_before, tz)]))
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
    return _compile(as_rule(rule), shop_id, _zone(tz)).render("m.shop_id, m.member_key")


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


def _zone(tz: str) -> str:
    try:
        ZoneInfo(tz)
    except (ZoneInfoNotFoundError, ValueError):
        raise RuleError({"timezone": f"{tz!r} is not a time zone like Asia/Seoul"}) from None
    return tz


def shop_timezone(con: duckdb.DuckDBPyConnection, shop_id: str | None) -> str:
    """The shop's time zone (rules' dates are its days); the default when the shop is unknown."""
    if not shop_id:
        return DEFAULT_TZ
    row = con.execute("SELECT timezone FROM shops WHERE shop_id = ?", [shop_id]).fetchone()
    return row[0] if row and row[0] else DEFAULT_TZ


# --------------------------------------------------------------------------- evaluating

MEMBER_COLUMNS = ("shop_id", "member_key", "name", "email", "phone", "member_group", "signed_up_at",
                  "last_order_at", "orders", "spent", "email_consent", "sms_consent", "night_consent")


def _member_select(stats: str = "s") -> str:
    return (f"m.shop_id, m.member_key, m.name, m.email, m.phone, m.member_group, m.signed_up_at, "
            f"{stats}.last_order_at, coalesce({stats}.orders, 0)::BIGINT AS orders, "
            f"coalesce({stats}.spent, 0)::DECIMAL(18, 2) AS spent, "
            f"{EMAIL_CONSENT_SQL} AS email_consent, {SMS_CONSENT_SQL} AS sms_consent, m.night_consent")


@dataclasses.dataclass(frozen=True)
class Exploration:
    """What the explorer shows for a rule: how many match, out of how many, and a sample."""

    count: int
    total: int
    sample: pl.DataFrame

    @property
    def share(self) -> float:
        return self.count / self.total if self.total else 0.0


def explore(store: StoreLike, rule: Rule | Mapping[str, Any] | str, shop_id: str | None,
            sample_size: int = SAMPLE_SIZE) -> Exploration:
    """Count the members the rule matches and fetch a sample (newest sign-ups first) with their order figures.

    The matched keys are kept in a temporary table for this one unit of work, so the rule is
    evaluated once and the order figures are computed only for the sample.
    """
    rule = as_rule(rule)
    table = f"_segment_{uuid.uuid4().hex[:12]}"
    with open_store(store).unit() as con:
        tz = shop_timezone(con, shop_id)
        sql, params = _compile(rule, shop_id, tz).render("m.shop_id, m.member_key, m.signed_up_at")
        con.execute(f"CREATE TEMP TABLE {table} AS {sql}", params)
        try:
            count = con.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
            shop, shop_params = ("WHERE shop_id = ?", [shop_id]) if shop_id else ("", [])
            total = con.execute(f"SELECT count(*) FROM members {shop}", shop_params).fetchone()[0]
            sample = con.sql(f"""
                WITH pick AS (SELECT shop_id, member_key FROM {table}
                              ORDER BY signed_up_at DESC NULLS LAST, member_key LIMIT ?),
                stats AS (SELECT o.shop_id, o.member_key, count(*) AS orders, sum(o.total_amount) AS spent,
                                 max(o.ordered_at) AS last_order_at
                          FROM orders o SEMI JOIN pick p ON p.shop_id = o.shop_id AND p.member_key = o.member_key
                          WHERE o.status IN {_COUNTED} GROUP BY o.shop_id, o.member_key)
                SELECT {_member_select()}
                FROM pick JOIN members m ON m.shop_id = pick.shop_id AND m.member_key = pick.member_key
                LEFT JOIN stats s ON s.shop_id = m.shop_id AND s.member_key = m.member_key
                ORDER BY m.signed_up_at DESC NULLS LAST, m.member_key""", params=[int(sample_size)]).pl()
        finally:
            con.execute(f"DROP TABLE IF EXISTS {table}")
    return Exploration(int(count), int(total), sample)


def members_frame(store: StoreLike, rule: Rule | Mapping[str, Any] | str, shop_id: str | None) -> pl.DataFrame:
    """Every member the rule matches now, with their order figures (columns: MEMBER_COLUMNS)."""
    rule = as_rule(rule)
    with open_store(store).unit() as con:
        return _members(con, rule, shop_id)


def _members(con: duckdb.DuckDBPyConnection, rule: Rule, shop_id: str | None) -> pl.DataFrame:
    sql, params = _compile(rule, shop_id, shop_timezone(con, shop_id), with_stats=True).render(_member_select())
    return con.sql(sql + "\nORDER BY m.shop_id, m.signed_up_at DESC NULLS LAST, m.member_key", params=params).pl()


# Korean-first CSV headers (the console's words); English when the console runs in English.
_CSV_HEADERS = {
    "ko": {"shop_id": "쇼핑몰", "member_key": "회원 ID", "name": "이름", "email": "이메일", "phone": "휴대폰",
           "member_group": "회원 등급", "signed_up_at": "가입일시", "last_order_at": "마지막 주문일시",
           "orders": "주문 수", "spent": "총 구매액", "email_consent": "이메일 수신동의",
           "sms_consent": "SMS 수신동의", "night_consent": "야간 수신동의"},
    "en": {"shop_id": "Shop", "member_key": "Member ID", "name": "Name", "email": "E-mail", "phone": "Phone",
           "member_group": "Member group", "signed_up_at": "Signed up", "last_order_at": "Last order",
           "orders": "Orders", "spent": "Total spent", "email_consent": "E-mail consent",
           "sms_consent": "SMS consent", "night_consent": "Night consent"},
}
_TEXT_COLUMNS = ("member_key", "name", "email", "phone", "member_group")


def csv_bytes(frame: pl.DataFrame, tz: str = DEFAULT_TZ, lang: str | None = None) -> bytes:
    """A members frame as CSV in UTF-8 with a BOM (Excel then reads Korean correctly), local times."""
    lang = i18n.normalize(lang or i18n.language())
    yes, no = ("Y", "N")
    out = frame.with_columns(
        *[pl.col(c).dt.convert_time_zone(tz).dt.strftime("%Y-%m-%d %H:%M") for c in ("signed_up_at", "last_order_at")],
        *[pl.when(pl.col(c)).then(pl.lit(yes)).otherwise(pl.lit(no)).alias(c)
          for c in ("email_consent", "sms_consent", "night_consent")],
        # A cell starting with = + - @ would run as a formula in Excel (CSV injection); quote it as text.
        *[pl.when(pl.col(c).str.contains(r"^[=+\-@\t\r]")).then(pl.lit("'") + pl.col(c)).otherwise(pl.col(c)).alias(c)
          for c in _TEXT_COLUMNS],
        pl.col("spent").cast(pl.Float64).round(2),
    ).rename(_CSV_HEADERS[lang])
    buffer = io.BytesIO()
    out.write_csv(buffer)
    return b"\xef\xbb\xbf" + buffer.getvalue()


def export_csv(store: StoreLike, rule: Rule | Mapping[str, Any] | str, shop_id: str | None = None,
               lang: str | None = None) -> bytes:
    """The rule's members now, as CSV bytes (UTF-8 with BOM), times in the shop's time zone."""
    rule = as_rule(rule)
    with open_store(store).unit() as con:
        tz = shop_timezone(con, shop_id)
        frame = _members(con, rule, shop_id)
    return csv_bytes(frame, tz, lang)


# --------------------------------------------------------------------------- saved segments

def _check_name(name: Any) -> str:
    if not isinstance(name, str) or not name.strip():
        raise RuleError({"name": "enter a name for the segment"})
    if len(name.strip()) > MAX_NAME:
        raise RuleError({"name": f"keep the name within {MAX_NAME} characters"})
    return name.strip()


def save_segment(store: StoreLike, shop_id: str, name: str, rule: Rule | Mapping[str, Any] | str) -> dict[str, Any]:
    """Save (or, for a name the shop already uses, update) a segment; returns it with `created`."""
    if not shop_id:
        raise RuleError({"shop_id": "choose the shop whose address book this segment groups"})
    name, rule = _check_name(name), as_rule(rule)
    now = clock.now()
    with open_store(store).unit() as con:
        row = con.execute("SELECT segment_id FROM segments WHERE shop_id = ? AND name = ?", [shop_id, name]).fetchone()
        if row:
            segment_id, created = row[0], False
            con.execute("UPDATE segments SET rule = ?, updated_at = ? WHERE segment_id = ?",
                        [rule.to_json(), now, segment_id])
        else:
            segment_id, created = f"seg_{uuid.uuid4().hex[:16]}", True
            con.execute("INSERT INTO segments VALUES (?, ?, ?, ?, ?, ?)",
                        [segment_id, shop_id, name, rule.to_json(), now, now])
    return {"segment_id": segment_id, "shop_id": shop_id, "name": name, "rule": rule.to_dict(), "created": created}


def list_segments(store: StoreLike, shop_id: str | None) -> list[dict[str, Any]]:
    """The shop's saved segments, most recently changed first."""
    shop, params = ("WHERE shop_id = ?", [shop_id]) if shop_id else ("", [])
    with open_store(store).unit() as con:
        rows = con.execute(f"""SELECT segment_id, shop_id, name, rule, created_at, updated_at FROM segments {shop}
                               ORDER BY updated_at DESC, name""", params).fetchall()
    return [{"segment_id": r[0], "shop_id": r[1], "name": r[2], "rule": json.loads(r[3]),
             "created_at": r[4], "updated_at": r[5]} for r in rows]


def get_segment(store: StoreLike, segment_id: str) -> dict[str, Any]:
    with open_store(store).unit() as con:
        return _segment(con, segment_id)


def _segment(con: duckdb.DuckDBPyConnection, segment_id: str) -> dict[str, Any]:
    row = con.execute("SELECT segment_id, shop_id, name, rule FROM segments WHERE segment_id = ?",
                      [segment_id]).fetchone()
    if row is None:
        raise RuleError({"segment_id": f"no saved segment {segment_id!r}"})
    return {"segment_id": row[0], "shop_id": row[1], "name": row[2], "rule": json.loads(row[3])}


def delete_segment(store: StoreLike, segment_id: str) -> None:
    with open_store(store).unit() as con:
        con.execute("DELETE FROM segments WHERE segment_id = ?", [segment_id])


def evaluate_segment(store: StoreLike, segment_id: str) -> pl.DataFrame:
    """The saved segment's members as of now: its rule re-evaluated against the current store."""
    with open_store(store).unit() as con:
        segment = _segment(con, segment_id)
        return _members(con, as_rule(segment["rule"]), segment["shop_id"])


# --------------------------------------------------------------------------- what the filters offer

def filter_options(store: StoreLike, shop_id: str | None, limit: int = MAX_KEYS) -> dict[str, Any]:
    """Products, categories (with their path and depth) and member groups a rule can name, for pickers."""
    shop, params = ("WHERE shop_id = ?", [shop_id]) if shop_id else ("", [])
    with open_store(store).unit() as con:
        products = con.execute(f"SELECT product_key, name FROM products {shop} ORDER BY name, product_key LIMIT ?",
                               params + [limit]).fetchall()
        categories = con.execute(f"""SELECT category_key, coalesce(path, name), depth FROM categories {shop}
                                     ORDER BY coalesce(path, name), category_key LIMIT ?""",
                                 params + [limit]).fetchall()
        groups = con.execute(f"""SELECT DISTINCT member_group FROM members {shop}
                                 {'AND' if shop else 'WHERE'} member_group IS NOT NULL ORDER BY 1 LIMIT ?""",
                             params + [limit]).fetchall()
    return {"products": {k: n for k, n in products},
            "categories": {k: {"path": p, "depth": d} for k, p, d in categories},
            "groups": [g for (g,) in groups]}
