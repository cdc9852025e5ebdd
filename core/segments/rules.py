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
| category_keys                  | bought a product of one of these categories or of any below them (depth 1..4) |
| has_open_cart                  | has (True) / has no (False) cart with status `open`                |
| email_consent / sms_consent    | True, False, "unknown", "no_or_unknown" (below); an unsubscribe is a no |
| night_consent                  | night-time (21:00-08:00) advertising consent, the same four values |
| member_groups                  | member group is one of these                                       |

Consent has three states, and every member is in exactly one of them per channel. A platform that does not
report a member's consent leaves it NULL in the store: *unknown* consent, which no advertising relies on
(docs/design.md) but which is never shown or counted as "no". So:

| value            | matches the members who                                                     |
|------------------|------------------------------------------------------------------------------|
| True             | consented, and have not unsubscribed from that channel in the console        |
| False            | said no: the platform reports no consent, or they unsubscribed (never the unknown ones) |
| "unknown"        | the platform does not report, and they have not unsubscribed                |
| "no_or_unknown"  | everyone advertising may not reach: False and "unknown" together (the negation of True) |

An unsubscribe is a member's own "no", so it wins over an unknown flag.

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
import json
from collections.abc import Mapping
from decimal import Decimal
from pathlib import Path
from typing import Any, Literal

from core import clock
from core.errors import InvalidInput
from core.store import Store

DEFAULT_TZ = clock.DEFAULT_TZ
COUNTED_STATUSES = ("paid", "shipping", "delivered", "confirmed")
COUNTED_SQL = "(" + ", ".join(f"'{s}'" for s in COUNTED_STATUSES) + ")"  # constants, not user values
ITEM_STANDS_SQL = "oi.status NOT IN ('cancelled', 'returned')"
SAMPLE_SIZE = 50
MAX_NAME = 80
MAX_KEYS = 5000

StoreLike = Store | str | Path | None


def open_store(store: StoreLike) -> Store:
    return store if isinstance(store, Store) else Store(store, role="console")


# --------------------------------------------------------------------------- the rule

class RuleError(InvalidInput, ValueError):
    """A rule that cannot be used; `problems` maps each bad field to what is wrong with it (in English, for
    the detail); the console words the error by its key and the fields it names."""

    def __init__(self, problems: Mapping[str, str]) -> None:
        self.problems = dict(problems)
        detail = "; ".join(f"{field}: {why}" for field, why in self.problems.items())
        super().__init__("segments.bad_rule", detail=detail,
                         fields=", ".join(self.problems))


_DATES = ("signed_up_from", "signed_up_to", "last_order_after", "last_order_before")
COUNT_FIELDS = ("orders_min", "orders_max")
AMOUNT_FIELDS = ("spent_min", "spent_max")
_KEY_LISTS = ("product_keys", "category_keys", "member_groups")
CONSENT_FIELDS = ("email_consent", "sms_consent", "night_consent")
_FLAGS = ("has_open_cart",)
FIELDS = _DATES + COUNT_FIELDS + AMOUNT_FIELDS + _KEY_LISTS + _FLAGS + CONSENT_FIELDS
# A consent condition besides True / False (see the module's table).
Consent = bool | Literal["unknown", "no_or_unknown"]
UNKNOWN: Consent = "unknown"
NO_OR_UNKNOWN: Consent = "no_or_unknown"


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
    email_consent: Consent | None = None
    sms_consent: Consent | None = None
    night_consent: Consent | None = None

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


def _consent(raw: Any) -> Consent:
    if isinstance(raw, bool):
        return raw
    if raw == "unknown":
        return "unknown"
    if raw == "no_or_unknown":
        return "no_or_unknown"
    raise ValueError(f"{raw!r} is not true, false, {UNKNOWN!r} or {NO_OR_UNKNOWN!r}")


_PARSERS: dict[str, Any] = {
    **{f: _date for f in _DATES}, **{f: _count for f in COUNT_FIELDS}, **{f: _amount for f in AMOUNT_FIELDS},
    **{f: _keys for f in _KEY_LISTS}, **{f: _flag for f in _FLAGS}, **{f: _consent for f in CONSENT_FIELDS}}


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
