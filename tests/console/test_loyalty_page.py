"""The 스탬프·보증서 page under Streamlit's AppTest over a real store: the issuance history with its filters,
issuing pending items and revoking with a reason, the warranty settings with a live preview of a real
order's certificate, stamp settings and cards."""
from __future__ import annotations

from collections.abc import Iterator

import pytest
from streamlit.testing.v1 import AppTest

from core import clock
from core.loyalty import jobs
from core.loyalty import settings as ls
from tests.conftest import ROOT
from tests.support import loyalty_world as lw

pytestmark = pytest.mark.timeout(180)
PAGE = "pages/loyalty.py"


@pytest.fixture
def mall(store, fixed_clock):
    lw.seed(store)
    fixed_clock.set(lw.at(5))
    lw.configure(store, stamps={"card_size": 5}, warranty={"timing": "manual"})
    lw.order(store, "o1", "m1", ["p-linen", "p-bag"], delivered_at=lw.at(10, 10))
    lw.order(store, "o2", "m3", ["p-tee"], delivered_at=lw.at(11, 10))
    fixed_clock.set(lw.at(11, 12))
    jobs.issue_all(store, clock.now())
    return store


def open_page() -> AppTest:
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=90).run()
    at.switch_page(PAGE).run()
    assert not at.exception, at.exception
    return at


def text_of(at: AppTest) -> str:
    def walk(node) -> Iterator:
        yield node
        for child in getattr(node, "children", {}).values():
            yield from walk(child)
    return "\n".join(str(n.proto) for n in walk(at._tree) if getattr(n, "proto", None) is not None)


def button(at: AppTest, key: str):
    return next(b for b in at.button if b.key == key)


def test_history_issue_pending_by_hand_then_revoke_with_a_reason(mall):
    at = open_page()
    assert "신청대기 3 · 발급 0 · 취소 0" in text_of(at)
    at.selectbox(key="lw_status").set_value("pending").run()
    at.multiselect(key="lw_issue_pick").set_value(["o1-1"]).run()
    button(at, "lw_issue").click().run()
    assert not at.exception, at.exception
    assert "보증서 1건을 발급했습니다." in text_of(at)
    states = {r["item_key"]: r["status"] for r in lw.rows(mall, "SELECT item_key, status FROM warranties")}
    assert states == {"o1-1": "issued", "o1-2": "pending", "o2-1": "pending"}

    at.text_input(key="lw_member").set_value("홍길동").run()          # filter by member: only o1's items remain
    button(at, "lw_issue_all").click().run()
    states = {r["item_key"]: r["status"] for r in lw.rows(mall, "SELECT item_key, status FROM warranties")}
    assert states == {"o1-1": "issued", "o1-2": "issued", "o2-1": "pending"}

    at.selectbox(key="lw_status").set_value("issued").run()
    at.multiselect(key="lw_revoke_pick").set_value(["o1-2"]).run()
    button(at, "lw_revoke").click().run()                             # no reason: refused, nothing revoked
    assert "취소 사유를 입력하세요." in text_of(at)
    at.text_input(key="lw_revoke_reason").set_value("오배송 후 회수").run()
    button(at, "lw_revoke").click().run()
    revoked = lw.rows(mall, "SELECT item_key, revoked_reason FROM warranties WHERE status = 'revoked'")
    assert revoked == [{"item_key": "o1-2", "revoked_reason": "오배송 후 회수"}]


def test_warranty_settings_preview_a_real_order_live_and_save(mall):
    at = open_page()
    k = f"lw_{lw.SHOP}_"
    assert "오버핏 코튼 티셔츠" in text_of(at)                         # the latest delivery, stripped of 아이유착용
    at.radio(key=k + "source").set_value("model_name").run()
    assert "CT-22" in text_of(at)                                     # the preview follows the unsaved choice
    assert ls.load(mall, lw.SHOP, "warranty").name_source == "name"
    at.radio(key=k + "timing").set_value("delivery_complete").run()
    at.radio(key=k + "when").set_value("later").run()
    at.number_input(key=k + "delay").set_value(7).run()
    at.radio(key=k + "scope").set_value("categories").run()
    at.multiselect(key=k + "cats").set_value(["c-top"]).run()
    at.text_area(key=k + "extra").set_value("A/S 문의: 02-1234-5678").run()
    button(at, k + "save").click().run()
    assert not at.exception, at.exception
    saved = ls.load(mall, lw.SHOP, "warranty")
    assert (saved.timing, saved.delay_days, saved.scope, saved.category_keys, saved.name_source) == \
        ("delivery_complete", 7, "categories", ["c-top"], "model_name")
    assert saved.extra_fields == [{"label": "A/S 문의", "value": "02-1234-5678"}]


def test_stamp_cards_ledger_and_settings(mall):
    at = open_page()
    text = text_of(at)
    assert "스탬프 2개 · 회원 2명 · 보상 0건" in text and "1 / 5" in text
    k = f"ls_{lw.SHOP}_"
    at.number_input(key=k + "size").set_value(8).run()
    at.text_input(key=k + "reward").set_value("").run()
    button(at, k + "save").click().run()                              # stamps on without a reward: refused, named
    assert "보상: 스탬프를 켜려면" in text_of(at) and "reward:" not in text_of(at)  # the setting by its label
    assert ls.load(mall, lw.SHOP, "stamp").card_size == 5
    at.text_input(key=k + "reward").set_value("WELCOME-10").run()
    button(at, k + "save").click().run()
    saved = ls.load(mall, lw.SHOP, "stamp")
    assert (saved.card_size, saved.reward) == (8, "WELCOME-10")


def open_tab(at: AppTest) -> int:
    """The index of the tab the page tells the browser to show."""
    def walk(node) -> Iterator:
        yield node
        for child in getattr(node, "children", {}).values():
            yield from walk(child)
    [index] = [n.proto.tab_container.default_tab_index for n in walk(at._tree)
               if getattr(n, "proto", None) is not None and n.proto.DESCRIPTOR.name == "Block"
               and n.proto.HasField("tab_container")]
    return index


def test_the_chosen_tab_stays_open_after_a_save_and_a_change_of_language(mall):
    at = open_page()
    assert open_tab(at) == 0
    at.session_state["loyalty_tab"] = "스탬프"                          # what the browser sends on a tab click
    at.run()
    assert open_tab(at) == 2
    k = f"ls_{lw.SHOP}_"
    at.text_input(key=k + "reward").set_value("WELCOME-10").run()
    button(at, k + "save").click().run()                              # saved: a message above the tabs, a rerun
    assert not at.exception, at.exception
    assert at.success[0].value == "설정을 저장했습니다."
    assert open_tab(at) == 2
    at.sidebar.radio(key="language_switch").set_value("en").run()     # the labels change; the section stays
    assert open_tab(at) == 2 and at.session_state["loyalty_tab"] == "Stamps"


def preview(at: AppTest) -> str:
    """The certificate the preview column shows, as HTML ("" when it shows none)."""
    frames = at.get("iframe")
    return frames[0].proto.srcdoc if frames else ""


def test_the_preview_shows_only_a_product_the_chosen_categories_cover(mall):
    at = open_page()
    k = f"lw_{lw.SHOP}_"
    assert "오버핏 코튼 티셔츠" in preview(at)                         # all products: the latest delivery (o2)
    at.radio(key=k + "scope").set_value("categories").run()
    at.multiselect(key=k + "cats").set_value(["c-goods"]).run()       # 잡화 only: the tote bag of o1, not o2's tee
    assert "레더 토트백" in preview(at) and "오버핏 코튼 티셔츠" not in preview(at)
    at.multiselect(key=k + "cats").set_value(["c-wear"]).run()        # 의류 and below: the tee (티셔츠 < 상의 < 의류)
    assert "오버핏 코튼 티셔츠" in preview(at)
    at.multiselect(key=k + "cats").set_value(["c-bottom"]).run()      # nothing delivered in 하의: no preview at all
    assert preview(at) == "" and "미리 볼 배송완료 주문이 아직 없습니다." in text_of(at)
