"""The explorer's form values <-> a segment rule, so the page only lays out widgets.

Tri-state choices ('any' / 'yes' / 'no') become None / True / False; dates become ISO dates.
"""
from __future__ import annotations

import datetime as dt
from typing import Any

TRI_STATE = ("any", "yes", "no")
FLAG_FIELDS = ("has_open_cart", "email_consent", "sms_consent", "night_consent")
DATE_FIELDS = ("signed_up_from", "signed_up_to", "last_order_after", "last_order_before")
NUMBER_FIELDS = ("orders_min", "orders_max", "spent_min", "spent_max")
LIST_FIELDS = ("product_keys", "category_keys", "member_groups")


def empty_form() -> dict[str, Any]:
    return {**{f: None for f in DATE_FIELDS + NUMBER_FIELDS}, **{f: [] for f in LIST_FIELDS},
            **{f: "any" for f in FLAG_FIELDS}}


def rule_from_form(form: dict[str, Any]) -> dict[str, Any]:
    """The rule a filled-in form asks for (only the conditions that filter)."""
    rule: dict[str, Any] = {}
    for field in DATE_FIELDS + NUMBER_FIELDS + LIST_FIELDS:
        value = form.get(field)
        if value is None or value == []:
            continue
        rule[field] = value.isoformat() if isinstance(value, dt.date) else value
    for field in FLAG_FIELDS:
        choice = form.get(field) or "any"
        if choice != "any":
            rule[field] = choice == "yes"
    return rule


def form_from_rule(rule: dict[str, Any]) -> dict[str, Any]:
    """A saved rule back as form values (to open a saved segment in the explorer)."""
    form = empty_form()
    for field in DATE_FIELDS:
        if rule.get(field):
            form[field] = dt.date.fromisoformat(rule[field])
    for field in NUMBER_FIELDS + LIST_FIELDS:
        if field in rule:
            form[field] = rule[field]
    for field in FLAG_FIELDS:
        if field in rule:
            form[field] = "yes" if rule[field] else "no"
    return form
