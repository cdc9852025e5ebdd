"""What the Segments explorer shows and does: its form values <-> a segment rule, the members a rule
matches (count, share, sample), the charts, saving and exporting segments, and who each automation
would reach in the week ahead.

Tri-state choices ('any' / 'yes' / 'no') become None / True / False; a consent field has two more,
'unknown' and 'no_or_unknown', which the rule keeps as they are (core.segments.rules says what each means:
'no' never takes in the members whose consent is unknown). Dates become ISO dates. A rule
crosses the page's cache as its JSON text, which is also what makes two equal rules one cache key.
"""
from __future__ import annotations

import datetime as dt
from typing import Any, TypedDict

import polars as pl

from core import i18n
from core.console import automations
from core.console.common import StoreLike, now, store_path
from core.console.overview import ShopRow, shop
from core.i18n import t
from core.segments import charts as segment_charts
from core.segments import explorer, rules
from core.segments import saved as saved_rules

__all__ = ["ShopRow", "shop", "store_path"]

Exploration = explorer.Exploration
Frame = pl.DataFrame
MAX_NAME = rules.MAX_NAME
# What a page catches when a rule or a segment's name is refused; it names the fields.
RuleError = rules.RuleError
WeekAhead = automations.WeekAhead

TRI_STATE = ("any", "yes", "no")
CONSENT_CHOICES = ("any", "yes", "no", "unknown", "no_or_unknown")
FLAG_FIELDS = ("has_open_cart", "email_consent", "sms_consent", "night_consent")
CONSENT_FIELDS = rules.CONSENT_FIELDS
CONSENT_STATES = explorer.CONSENT_STATES
# A choice of the form <-> the rule's value (True / False / the words the rule keeps).
_CHOICE_VALUE: dict[str, Any] = {"yes": True, "no": False, "unknown": "unknown", "no_or_unknown": "no_or_unknown"}
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
            rule[field] = _CHOICE_VALUE[choice]
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
            form[field] = next(c for c, v in _CHOICE_VALUE.items() if v is rule[field] or v == rule[field])
    return form


def rule_json(rule: dict[str, Any]) -> str:
    """The rule checked and in its one JSON form; RuleError names the fields it refuses."""
    return rules.as_rule(rule).to_json()


def filter_options(store: StoreLike, shop_id: str) -> dict[str, Any]:
    """The shop's products, categories and member groups (with the name each group is shown by), for the
    form's pickers."""
    options = explorer.filter_options(store, shop_id)
    return options | {"group_names": group_names(store, shop_id, options["groups"])}


def group_names(store: StoreLike, shop_id: str, groups: list[str] | None = None,
                lang: str | None = None) -> dict[str, str]:
    """Each member group (회원 등급) of the shop -> the name to show it by.

    A platform that reports a grade by its name (Godomall's groupNm, a CSV's 회원등급) stores the name, shown as
    it is. Cafe24 reports only the grade's number (group_no); the shop's settings may name its numbers
    (`member_groups`: {"1": "일반회원", ...}), else a number reads "등급 1", never a bare number.
    """
    if groups is None:
        groups = explorer.filter_options(store, shop_id)["groups"]
    current = shop(store, shop_id)
    settings: dict[str, Any] = current["settings"] if current else {}
    known = {str(k): str(v) for k, v in (settings.get("member_groups") or {}).items()}
    return {g: known.get(g) or (t("segments.group_number", lang, n=g) if g.isdecimal() else g) for g in groups}


def named_groups(sample: pl.DataFrame, names: dict[str, str]) -> pl.DataFrame:
    """A members frame with each member group replaced by its name."""
    return sample.with_columns(pl.col("member_group").replace(names)) if names else sample


def explore(store: StoreLike, shop_id: str, rule: str) -> explorer.Exploration:
    """How many members the rule matches, out of how many, a sample, and their consent figures."""
    return explorer.explore(store, rule, shop_id)


def consent_words(lang: str | None = None) -> dict[str, str]:
    """Each consent state (yes / no / unknown) in words; unknown reads 알 수 없음, never as no or blank."""
    return {state: t(f"consent.{state}", lang) for state in CONSENT_STATES}


def sample_view(sample: pl.DataFrame, names: dict[str, str], lang: str | None = None) -> pl.DataFrame:
    """A members frame as a table shows it: groups by their names, each consent column in words."""
    words = consent_words(lang)
    return named_groups(sample, names).with_columns(
        explorer.consent_text(pl.col(c), words).alias(c) for c in CONSENT_FIELDS if c in sample.columns)


def consent_table(consent: dict[str, dict[str, int]], lang: str | None = None) -> list[dict[str, str]]:
    """The consent figures as rows of a table: one per channel, a column per state (yes / no / unknown)."""
    return [{t("consent.channel", lang): t(f"consent.field.{field}", lang),
             **{t(f"consent.{state}", lang): i18n.count(figures[state], lang) for state in CONSENT_STATES}}
            for field, figures in consent.items()]


class Charts(TypedDict):
    rf: pl.DataFrame       # members by recency x frequency
    cohorts: pl.DataFrame  # repurchase share by signup month x months since


def charts(store: StoreLike, shop_id: str, rule: str) -> Charts:
    moment = now()
    return Charts(rf=segment_charts.recency_frequency(store, rule, shop_id, moment),
                  cohorts=segment_charts.cohort_repurchase(store, rule, shop_id, moment)["matrix"])


class SavedSegment(TypedDict):
    segment_id: str
    shop_id: str
    name: str
    rule: dict[str, Any]
    created_at: dt.datetime
    updated_at: dt.datetime


def saved_segments(store: StoreLike, shop_id: str) -> list[SavedSegment]:
    """The shop's saved segments, most recently changed first."""
    return [SavedSegment(segment_id=s["segment_id"], shop_id=s["shop_id"], name=s["name"], rule=s["rule"],
                         created_at=s["created_at"], updated_at=s["updated_at"])
            for s in saved_rules.list_segments(store, shop_id)]


class SaveResult(TypedDict):
    name: str
    created: bool  # False when a segment of that name was updated


def save_segment(store: StoreLike, shop_id: str, name: str, rule: dict[str, Any]) -> SaveResult:
    saved = saved_rules.save_segment(store, shop_id, name, rule, now=now())
    return SaveResult(name=saved["name"], created=bool(saved["created"]))


def delete_segment(store: StoreLike, segment_id: str) -> None:
    saved_rules.delete_segment(store, segment_id)


def export_csv(store: StoreLike, shop_id: str, rule: dict[str, Any], lang: str) -> bytes:
    """The rule's members now, as CSV bytes, with headers in `lang`."""
    headers = {c: t(f"segments.csv.{c}", lang) for c in explorer.CSV_COLUMNS}
    return explorer.export_csv(store, rule, shop_id, headers, group_names(store, shop_id, lang=lang),
                               consent_words(lang))


def week_ahead(store: StoreLike, shop_id: str, tz: str) -> list[automations.WeekAhead]:
    """Who each automation of the shop would reach today and on each of the next 7 days."""
    return automations.week_ahead(store, shop_id, tz)
