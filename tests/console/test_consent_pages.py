"""Unknown consent on the pages, under AppTest in Korean then English: the segment explorer filters on it and
counts it apart, and the overview shows members' consent as yes / no / unknown, never unknown as no."""
from __future__ import annotations

import pytest
from streamlit.testing.v1 import AppTest

from core.store import Store
from tests.conftest import ROOT
from tests.support.segment_world import SHOP, at, mall  # noqa: F401 (mall is a fixture)

pytestmark = pytest.mark.timeout(180)


@pytest.fixture
def mixed(mall: Store, fixed_clock) -> Store:  # noqa: F811
    """The small mall (e-mail: 4 yes, m3 no, m6 unsubscribed) plus u1 and u2, whose e-mail and SMS consent the
    platform does not report."""
    with mall.unit() as con:
        for key in ("u1", "u2"):
            con.execute("""INSERT INTO members (shop_id, member_key, email, name, signed_up_at, email_consent,
                               sms_consent, night_consent, synced_at)
                           VALUES (?, ?, ?, ?, ?, NULL, NULL, FALSE, ?)""",
                        [SHOP, key, f"{key}@example.com", f"회원 {key}", at("2025-12-01"), fixed_clock.now()])
    return mall


def open_page(page: str) -> AppTest:
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
    at.session_state["shop_id"] = SHOP
    at.run()
    at.switch_page(page).run()
    assert not at.exception, at.exception
    return at


def english(at: AppTest) -> None:
    at.sidebar.radio(key="language_switch").set_value("en").run()
    assert not at.exception, at.exception


def metrics(at: AppTest) -> dict[str, str]:
    return {m.label: m.value for m in at.metric}


def test_the_explorer_filters_on_unknown_consent_and_counts_it_apart(mixed: Store) -> None:
    at = open_page("pages/segments.py")
    consent = at.selectbox(key="segment_form.email_consent")
    assert consent.options == ["상관없음", "동의", "동의 안 함", "알 수 없음", "동의 안 함 또는 알 수 없음"]
    figures = at.dataframe[0].value
    email = figures[figures["수신 채널"] == "이메일"].iloc[0]
    assert (email["동의"], email["동의 안 함"], email["알 수 없음"]) == ("4", "2", "2")

    consent.set_value("unknown").run()
    assert metrics(at)["해당 회원"] == "2"
    sample = at.dataframe[1].value
    assert set(sample["member_key"]) == {"u1", "u2"} and set(sample["email_consent"]) == {"알 수 없음"}

    at.selectbox(key="segment_form.email_consent").set_value("no").run()
    assert metrics(at)["해당 회원"] == "2"  # m3 and m6: never the unknown ones
    assert set(at.dataframe[1].value["email_consent"]) == {"동의 안 함"}
    at.selectbox(key="segment_form.email_consent").set_value("no_or_unknown").run()
    assert metrics(at)["해당 회원"] == "4"

    english(at)
    assert at.title[0].value == "Segments"
    assert metrics(at)["Members"] == "4"
    assert at.selectbox(key="segment_form.email_consent").options == ["Any", "Yes", "No", "Unknown",
                                                                     "No or unknown"]
    figures = at.dataframe[0].value
    email = figures[figures["Channel"] == "E-mail"].iloc[0]
    assert (email["Yes"], email["No"], email["Unknown"]) == ("0", "2", "2")  # of the 4 matching
    assert set(at.dataframe[1].value["email_consent"]) == {"No", "Unknown"}


def test_the_overview_shows_members_consent_yes_no_unknown(mixed: Store) -> None:
    at = open_page("pages/overview.py")
    values = metrics(at)
    assert values["회원"] == "8"
    assert (values["이메일 수신 동의"], values["이메일 수신 동의 안 함"], values["이메일 수신 동의 알 수 없음"]) == \
        ("4", "2", "2")
    captions = "\n".join(c.value for c in at.caption)
    assert "SMS · 동의 4명 · 동의 안 함 2명 · 알 수 없음 2명" in captions

    english(at)
    values = metrics(at)
    assert (values["E-mail consent: yes"], values["E-mail consent: no"], values["E-mail consent: unknown"]) == \
        ("4", "2", "2")
    assert "SMS · yes 4 · no 2 · unknown 2" in "\n".join(c.value for c in at.caption)
