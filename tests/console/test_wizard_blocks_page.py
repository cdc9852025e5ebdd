"""The automation wizard's content step under Streamlit's AppTest, over a real store file: a new automation
is made from the trigger's starter blocks (a heading edited, a block moved) and saved with its template's
blocks; opened again with 수정 it comes back into the block editor with those blocks; an automation whose
template has no blocks keeps the raw HTML editor."""
from __future__ import annotations

import base64
import datetime as dt
import re

import pytest
from streamlit.testing.v1 import AppTest

from core.automations import manage
from core.console import automations as views
from core.shops.registry import save_shop
from tests.conftest import ROOT
from tests.support import automation_world as w
from tests.support.apptest_support import rendered_text

pytestmark = [pytest.mark.slow, pytest.mark.timeout(240)]

SHOP_NAME = "바다상회"
APRON = "https://cdn.bada.example/p/apron.jpg"
HEADING = "{{ member.name|default('고객', true) }}님, 바다상회에서 고마워요"


@pytest.fixture
def world(store, fixed_clock):
    save_shop(store, w.SHOP, "csv", SHOP_NAME)
    w.ensure_sender(store)
    w.write(store, members=[w.member("m5", w.at(1) - dt.timedelta(days=60), name="최유나")],
            products=[{"product_key": "p-apron", "name": "리넨 앞치마", "price": 19000, "image_url": APRON}],
            orders=[w.order("o-old", "m5", w.at(1) - dt.timedelta(days=20), total=19000)],
            order_items=[w.item("o-old", 1, "p-apron", 19000)])
    return store


def open_page() -> AppTest:
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=90).run()
    at.switch_page("pages/automations.py").run()
    ok(at)
    return at


def ok(at: AppTest) -> None:
    assert not at.exception, at.exception


def button(at: AppTest, label: str):
    matches = [b for b in at.button if b.label == label]
    assert matches, f"no button {label!r} in {[b.label for b in at.button]}"
    return matches[0]


def kinds(at: AppTest) -> list[str]:
    return [b["type"] for b in at.session_state["wiz_blocks"]]


def preview_html(at: AppTest) -> str:
    match = re.search(r"data:text/html;charset=utf-8;base64,([A-Za-z0-9+/=]+)", rendered_text(at))
    assert match, "no preview"
    return base64.b64decode(match.group(1)).decode()


def raw_editor(at: AppTest) -> bool:
    return any(a.key == "wiz_html" for a in at.text_area)


def test_the_wizard_makes_an_automation_from_blocks_and_edit_reopens_them(world):
    at = open_page()
    at.radio(key="auto_view").set_value("new").run()
    at.text_input(key="wiz_name").input("구매 감사")
    button(at, "다음").click().run()
    assert at.radio(key="wiz_trigger").value == "purchased"
    button(at, "다음").click().run()
    button(at, "다음").click().run()
    ok(at)

    # 4. 내용: the purchase starter as blocks, not a textarea of HTML, previewed in this shop's name and products
    assert kinds(at) == ["heading", "text", "products", "button", "text"]
    assert not raw_editor(at)
    assert any("법적 안내" in c.value for c in at.caption)  # the fixed legal footer
    html = preview_html(at)
    assert SHOP_NAME in html and "하루상점" not in html and APRON in html
    assert at.segmented_control(key="wiz_preview_width").options == ["데스크톱 (600px)", "휴대폰 (375px)"]

    heading = at.session_state["wiz_blocks"][0]["id"]
    at.text_area(key=f"wiz_blk_{heading}_text").input(HEADING).run()
    ok(at)
    assert "바다상회에서 고마워요" in preview_html(at)
    assert "바다상회에서 고마워요" in at.code[0].value  # the text body, made from the blocks
    # a merge field a purchase lacks is named with the block, and the step is not left with it
    at.text_area(key=f"wiz_blk_{heading}_text").input("{{ cart.total }} 안녕").run()
    assert any("1번째 블록(제목)" in m.value and "cart.total" in m.value for m in at.warning)
    button(at, "다음").click().run()
    assert at.session_state["wiz_step"] == 3 and any("cart.total" in e.value for e in at.error)
    at.text_area(key=f"wiz_blk_{heading}_text").input(HEADING).run()

    # the button goes up above the product list
    cta = at.session_state["wiz_blocks"][3]["id"]
    at.button(key=f"wiz_blk_{cta}_up").click().run()
    ok(at)
    assert kinds(at) == ["heading", "text", "button", "products", "text"]

    button(at, "다음").click().run()
    button(at, "시작하기").click().run()
    ok(at)
    assert "시작했습니다" in at.success[0].value

    [row] = views.automation_rows(world, w.SHOP)
    [template] = views.saved_templates(world, w.SHOP)
    assert manage.get_automation(world, row["automation_id"])["template_id"] == template["template_id"]
    assert [b["type"] for b in template["blocks"] or []] == ["heading", "text", "button", "products", "text"]
    assert "바다상회에서 고마워요" in template["html"] and template["text"] is None
    assert template["html"].index("바다상회에서 고마워요") < template["html"].index("{% for")  # compiled in order

    # opened again with 수정, in a fresh session: the same blocks in the block editor
    again = open_page()
    button(again, "수정").click().run()
    for _ in range(3):
        button(again, "다음").click().run()
    ok(again)
    assert kinds(again) == ["heading", "text", "button", "products", "text"]
    assert again.session_state["wiz_blocks"][0]["text"] == HEADING
    assert not raw_editor(again) and "바다상회에서 고마워요" in preview_html(again)
    # left as it was, the saved template is reused rather than copied
    button(again, "다음").click().run()
    button(again, "수정 내용 저장").click().run()
    ok(again)
    assert [t_["template_id"] for t_ in views.saved_templates(world, w.SHOP)] == [template["template_id"]]


def test_an_automation_whose_template_has_no_blocks_keeps_the_raw_html_editor(world):
    w.automation(world, "signup", advertising=False)  # its template saved as HTML, without blocks
    assert views.saved_templates(world, w.SHOP)[0]["blocks"] is None
    at = open_page()
    button(at, "수정").click().run()
    for _ in range(3):
        button(at, "다음").click().run()
    ok(at)
    assert at.session_state["wiz_blocks"] is None and raw_editor(at)
    assert at.text_area(key="wiz_html").value == views.saved_templates(world, w.SHOP)[0]["html"]
