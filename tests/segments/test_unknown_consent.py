"""Unknown consent (NULL: the platform does not report it) in segment rules, counts, frames and exports.

Every member is in exactly one of yes / no / unknown per consent field; `False` ("no") is a member's own no
(the platform's false, or an unsubscribe) and never takes in the unknown ones; "no_or_unknown" is the
negation of "yes" and takes in both.
"""
from __future__ import annotations

import csv
import io

import pytest

from core import analyst
from core.console import overview
from core.console import segments as views
from core.i18n.words import engine as engine_words
from core.segments import explorer
from core.segments.rules import Rule, RuleError
from core.store import Store
from tests.support.segment_world import SHOP, at

EVERYONE = {"m1", "m2", "m3", "m4", "m5", "m6", "u1", "u2", "u3"}


@pytest.fixture
def mixed(mall: Store, fixed_clock) -> Store:
    """The small mall plus three members whose consent the platform does not report (NULL): u1 reports
    neither, u2 reports only SMS consent and unsubscribed from e-mail, u3 reports only e-mail (no). Night-time
    consent is never NULL in the store (the console asks for it itself), so it is no for all three."""
    now = fixed_clock.now()
    with mall.unit() as con:
        for key, email, sms, night in (("u1", None, None, False), ("u2", None, True, False),
                                       ("u3", False, None, False)):
            con.execute("""INSERT INTO members (shop_id, member_key, email, name, member_group, signed_up_at,
                               email_consent, sms_consent, night_consent, synced_at)
                           VALUES (?, ?, ?, ?, '일반', ?, ?, ?, ?, ?)""",
                        [SHOP, key, f"{key}@example.com", f"회원 {key}", at("2025-06-01"), email, sms, night, now])
        con.execute("INSERT INTO unsubscribes (shop_id, member_key, channel, source, unsubscribed_at) "
                    "VALUES (?, 'u2', 'email', 'link', ?)", [SHOP, now])
    return mall


def keys(store: Store, rule: dict) -> set[str]:
    return set(explorer.members_frame(store, rule, SHOP)["member_key"])


@pytest.mark.parametrize("rule, expected", [
    ({"email_consent": True}, {"m1", "m2", "m4", "m5"}),
    ({"email_consent": False}, {"m3", "m6", "u2", "u3"}),        # u2's unsubscribe is a no, whatever the flag
    ({"email_consent": "unknown"}, {"u1"}),
    ({"email_consent": "no_or_unknown"}, {"m3", "m6", "u1", "u2", "u3"}),
    ({"sms_consent": True}, {"m1", "m3", "m4", "m6", "u2"}),
    ({"sms_consent": False}, {"m2", "m5"}),
    ({"sms_consent": "unknown"}, {"u1", "u3"}),
    ({"night_consent": False}, {"m1", "m2", "m5", "m6", "u1", "u2", "u3"}),
    ({"night_consent": "unknown"}, set()),
    ({"night_consent": "no_or_unknown"}, {"m1", "m2", "m5", "m6", "u1", "u2", "u3"}),
    # with other conditions, and two consent conditions at once
    ({"member_groups": ["일반"], "email_consent": "unknown"}, {"u1"}),
    ({"email_consent": "no_or_unknown", "sms_consent": "unknown"}, {"u1", "u3"}),
    ({"email_consent": False, "orders_max": 0}, {"m3", "m6", "u2", "u3"}),  # the order figures' path too
])
def test_consent_rules_with_nulls_pick_exactly_the_expected_members(mixed: Store, rule: dict,
                                                                      expected: set[str]) -> None:
    assert keys(mixed, rule) == expected
    assert explorer.explore(mixed, rule, SHOP).count == len(expected)


@pytest.mark.parametrize("field", ["email_consent", "sms_consent", "night_consent"])
def test_yes_no_and_unknown_split_every_member_once_and_not_yes_is_no_or_unknown(mixed: Store, field: str) -> None:
    yes, no, unknown = (keys(mixed, {field: value}) for value in (True, False, "unknown"))
    assert yes | no | unknown == EVERYONE
    assert not (yes & no) and not (yes & unknown) and not (no & unknown)
    assert keys(mixed, {field: "no_or_unknown"}) == EVERYONE - yes == no | unknown


def test_the_explorer_counts_unknown_consent_apart_from_no(mixed: Store) -> None:
    found = explorer.explore(mixed, {}, SHOP)
    assert found.consent == {"email_consent": {"yes": 4, "no": 4, "unknown": 1},
                             "sms_consent": {"yes": 5, "no": 2, "unknown": 2},
                             "night_consent": {"yes": 2, "no": 7, "unknown": 0}}
    only_general = explorer.explore(mixed, {"member_groups": ["일반"]}, SHOP)  # m2, m3, m5, u1, u2, u3
    assert only_general.consent["email_consent"] == {"yes": 2, "no": 3, "unknown": 1}
    summary = overview.summary(mixed, SHOP)
    assert summary["consent"] == found.consent and summary["members"] == len(EVERYONE)


def test_a_consent_value_that_is_none_of_the_four_is_named() -> None:
    with pytest.raises(RuleError) as refused:
        Rule.from_dict({"email_consent": "maybe"})
    assert set(refused.value.problems) == {"email_consent"}
    assert "'unknown'" in refused.value.problems["email_consent"]
    rule = Rule.from_dict({"sms_consent": "unknown", "night_consent": "no_or_unknown", "email_consent": False})
    assert Rule.from_dict(rule.to_dict()) == rule  # saved and read back unchanged


def test_the_form_offers_unknown_and_round_trips_it() -> None:
    form = views.empty_form() | {"email_consent": "unknown", "sms_consent": "no_or_unknown", "night_consent": "no"}
    rule = views.rule_from_form(form)
    assert rule == {"email_consent": "unknown", "sms_consent": "no_or_unknown", "night_consent": False}
    assert views.form_from_rule(rule) == form


def test_frames_keep_unknown_as_null_and_tables_show_it_in_words(mixed: Store) -> None:
    frame = explorer.members_frame(mixed, {}, SHOP)
    by_key = {r["member_key"]: r for r in frame.iter_rows(named=True)}
    assert by_key["u1"]["email_consent"] is None and by_key["u1"]["sms_consent"] is None
    assert by_key["u2"]["email_consent"] is False and by_key["u2"]["sms_consent"] is True  # the unsubscribe
    assert by_key["u3"]["email_consent"] is False
    # the analyst API's members frame: NULL stays NULL for pandas/polars users to judge
    members = analyst.members(SHOP, source=mixed)
    assert members.filter(members["member_key"] == "u1")["email_consent"].to_list() == [None]
    assert members["email_consent"].null_count() == 1

    for lang, unknown, no in (("ko", "알 수 없음", "동의 안 함"), ("en", "Unknown", "No")):
        shown = {r["member_key"]: r for r in views.sample_view(frame, {}, lang).iter_rows(named=True)}
        assert shown["u1"]["email_consent"] == unknown and shown["u3"]["email_consent"] == no
        assert shown["u3"]["sms_consent"] == unknown and shown["m1"]["email_consent"] != unknown


@pytest.mark.parametrize("lang, unknown, no, yes", [("ko", "알 수 없음", "동의 안 함", "동의"),
                                                   ("en", "Unknown", "No", "Yes")])
def test_the_export_writes_unknown_in_words_never_no_or_blank(mixed: Store, lang: str, unknown: str, no: str,
                                                              yes: str) -> None:
    data = views.export_csv(mixed, SHOP, {}, lang)
    rows = list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"))))
    header = engine_words.WORDS["segments.csv.email_consent"][0 if lang == "ko" else 1]
    sms = engine_words.WORDS["segments.csv.sms_consent"][0 if lang == "ko" else 1]
    by_key = {r[engine_words.WORDS["segments.csv.member_key"][0 if lang == "ko" else 1]]: r for r in rows}
    assert by_key["u1"][header] == unknown and by_key["u1"][sms] == unknown
    assert by_key["u2"][header] == no and by_key["u2"][sms] == yes
    assert by_key["u3"][header] == no and by_key["m1"][header] == yes
    assert all(r[header] in {yes, no, unknown} for r in rows)


def test_the_export_without_words_still_marks_unknown(mixed: Store) -> None:
    headers = {c: c for c in explorer.CSV_COLUMNS}
    rows = list(csv.DictReader(io.StringIO(explorer.export_csv(mixed, {}, SHOP, headers).decode("utf-8-sig"))))
    assert {r["member_key"]: r["email_consent"] for r in rows}["u1"] == "?"
