"""The overview's first-run guide under AppTest over a real store: each step is ticked as the shop, its
sender, a running automation and stamps appear, every step links to its page, and the guide folds away
once all four are done."""
from __future__ import annotations

import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from core import clock
from core.automations import manage
from core.console import overview as ov
from core.loyalty import settings as ls
from tests.conftest import ROOT
from tests.console.test_pages import SHOP, fill_store
from tests.support import automation_world as w
from tests.support.apptest_support import rendered_text

pytestmark = pytest.mark.timeout(180)

TICKED, OPEN = ":material/check_circle:", ":material/radio_button_unchecked:"


def overview() -> AppTest:
    st.cache_data.clear()  # the shop list is cached across runs in this process; a new visit sees the store
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=90).run()
    assert not at.exception, at.exception
    return at


def ticks(at: AppTest) -> list[bool]:
    return [m.value == TICKED for m in at.markdown if m.value in (TICKED, OPEN)]


def test_guide_ticks_each_step_as_it_is_done_then_folds(store, fixed_clock):
    at = overview()                                    # nothing connected: every step open, the shop step links
    assert ticks(at) == [False, False, False, False]
    assert "시작 가이드" in rendered_text(at) and "0/4단계 완료" in rendered_text(at)

    fill_store(store, fixed_clock.now(), failed_sync=False)
    assert [s["done"] for s in ov.guide(store, SHOP)] == [True, False, False, False]
    at = overview()
    assert ticks(at) == [True, False, False, False]
    text = rendered_text(at)
    assert "1/4단계 완료" in text and "1. 쇼핑몰 연결하기" in text and "3. 첫 자동 이메일 시작하기" in text
    links = {link.proto.label: link.proto.page for link in at.get("page_link")}
    assert links["1. 쇼핑몰 연결하기"] == "connections" and links["4. 스탬프·보증서 켜기"] == "stamps-warranties"
    assert links["3. 첫 자동 이메일 시작하기"] == "auto-emails"
    if "2. 발신 설정하기" in links:                     # the sender page is in this build's navigation
        assert links["2. 발신 설정하기"] == "sender-settings"
    else:                                              # a build without it says so instead of linking
        assert "발신 설정 화면이 아직 이 버전에 없어요." in text

    w.configure_sender(store, 2525, shop_id=SHOP)      # a sender with an SMTP host
    assert [s["done"] for s in ov.guide(store, SHOP)] == [True, True, False, False]
    draft = w.automation(store, "signup", shop_id=SHOP, start=False)
    assert [s["done"] for s in ov.guide(store, SHOP)][2] is False   # a draft sends nothing: not yet
    manage.start_automation(store, draft, now=clock.now())
    assert [s["done"] for s in ov.guide(store, SHOP)] == [True, True, True, False]
    ls.save(store, SHOP, ls.StampSettings(enabled=True, card_size=5, reward="WELCOME-10"), now=clock.now())
    assert [s["done"] for s in ov.guide(store, SHOP)] == [True, True, True, True]

    at = overview()
    assert ticks(at) == [True, True, True, True]
    [folded] = at.expander
    assert folded.label == "시작 가이드: 네 단계를 모두 마쳤어요"
    assert "시작 가이드" not in [h.value for h in at.subheader]

    at.sidebar.radio(key="language_switch").set_value("en").run()
    assert at.expander[0].label == "Getting started: all four steps are done"
    assert "1. Connect a shop" in rendered_text(at)


def test_guide_in_english_counts_the_steps(store, fixed_clock):
    fill_store(store, fixed_clock.now(), failed_sync=False)
    at = overview()
    at.sidebar.radio(key="language_switch").set_value("en").run()
    text = rendered_text(at)
    assert "Getting started" in text and "1 of 4 steps done" in text and "Set up the sender" in text

