"""The block editor on the Templates page under Streamlit's AppTest, over a real store file: a starter
opens as blocks; a block is added, edited, moved and removed; the template is saved with its blocks and
reopens in the editor; the preview carries the shop's real name and its products' real images."""
from __future__ import annotations

import base64
import datetime as dt
import re

import pytest
from streamlit.testing.v1 import AppTest

from core.automations import manage
from core.console import templates as views
from core.shops.registry import save_shop
from tests.conftest import ROOT
from tests.support import automation_world as w
from tests.support.apptest_support import rendered_text

pytestmark = [pytest.mark.slow, pytest.mark.timeout(180)]

SHOP_NAME = "바다상회"
APRON = "https://cdn.bada.example/p/apron.jpg"


@pytest.fixture
def world(store, fixed_clock):
    save_shop(store, w.SHOP, "csv", SHOP_NAME)
    w.write(store, members=[w.member("m5", w.at(1) - dt.timedelta(days=60), name="최유나")],
            products=[{"product_key": "p-apron", "name": "리넨 앞치마", "price": 19000, "image_url": APRON},
                      {"product_key": "p-mug", "name": "바다 머그컵", "price": 12000,
                       "image_url": "https://cdn.bada.example/p/mug.jpg"}],
            orders=[w.order("o-old", "m5", w.at(1) - dt.timedelta(days=20), total=19000)],
            order_items=[w.item("o-old", 1, "p-apron", 19000)])
    return store


def open_templates() -> AppTest:
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60).run()
    at.switch_page("pages/templates.py").run()
    assert not at.exception, at.exception
    return at


def preview_html(at: AppTest) -> str:
    match = re.search(r"data:text/html;charset=utf-8;base64,([A-Za-z0-9+/=]+)", rendered_text(at))
    assert match, "no preview"
    return base64.b64decode(match.group(1)).decode()


def kinds(at: AppTest) -> list[str]:
    return [b["type"] for b in at.session_state["tpl_blocks"]]


def ok(at: AppTest) -> None:
    assert not at.exception, at.exception


def test_add_edit_reorder_remove_save_and_reopen(world):
    at = open_templates()
    at.selectbox(key="tpl_choice").set_value("new:purchased").run()
    ok(at)
    assert kinds(at) == ["heading", "text", "products", "button", "text"]
    assert not [a for a in at.text_area if a.key == "tpl_html"]  # blocks, not raw HTML
    assert any("법적 안내" in c.value for c in at.caption)  # the fixed legal footer

    # the preview is this shop's, with its products' images, not the sample shop's
    html = preview_html(at)
    assert SHOP_NAME in html and "하루상점" not in html and APRON in html

    # add a coupon and fill in its form
    at.selectbox(key="blk_add_kind").set_value("coupon").run()
    at.button(key="blk_add").click().run()
    ok(at)
    assert kinds(at)[-1] == "coupon"
    coupon = at.session_state["tpl_blocks"][-1]["id"]
    at.text_input(key=f"blk_{coupon}_code").input("BADA-10").run()
    at.text_area(key=f"blk_{coupon}_text").input("{{ member.name }}님만을 위한 10% 할인").run()
    ok(at)
    assert "BADA-10" in preview_html(at)

    # edit the heading
    heading = at.session_state["tpl_blocks"][0]["id"]
    at.text_area(key=f"blk_{heading}_text").input("{{ member.name|default('고객', true) }}님, 고마워요").run()
    assert "고마워요" in preview_html(at)

    # a merge field this trigger lacks is named with the block and the field
    at.text_area(key=f"blk_{heading}_text").input("{{ cart.total }} 안녕").run()
    assert any("1번째 블록(제목) 내용" in m.value and "cart.total" in m.value for m in at.warning)
    at.text_area(key=f"blk_{heading}_text").input("{{ member.name|default('고객', true) }}님, 고마워요").run()

    # move the coupon up twice: it now comes before the button and the note
    at.button(key=f"blk_{coupon}_up").click().run()
    at.button(key=f"blk_{coupon}_up").click().run()
    ok(at)
    assert kinds(at) == ["heading", "text", "products", "coupon", "button", "text"]
    at.button(key=f"blk_{coupon}_down").click().run()
    assert kinds(at) == ["heading", "text", "products", "button", "coupon", "text"]

    # remove the closing note
    note = at.session_state["tpl_blocks"][-1]["id"]
    at.button(key=f"blk_{note}_remove").click().run()
    ok(at)
    assert kinds(at) == ["heading", "text", "products", "button", "coupon"]

    at.text_input(key="tpl_name").input("구매 감사 (블록)")
    [save] = [b for b in at.button if b.key == "tpl_save"]
    save.click().run()
    ok(at)
    assert not at.error and "저장했습니다" in at.success[0].value
    [saved] = views.saved_templates(world, w.SHOP)
    assert [b["type"] for b in saved["blocks"] or []] == ["heading", "text", "products", "button", "coupon"]
    assert "BADA-10" in saved["html"] and "고마워요" in saved["html"]
    assert saved["text"] is None  # the text part is made from the blocks when sent, never stale

    # reopened in a fresh session: the blocks come back into the editor
    again = open_templates()
    again.selectbox(key="tpl_choice").set_value(saved["template_id"]).run()
    ok(again)
    assert kinds(again) == ["heading", "text", "products", "button", "coupon"]
    assert again.session_state["tpl_blocks"][-1]["code"] == "BADA-10"


def test_chosen_products_come_from_the_store_and_raw_html_stays_for_experts(world):
    at = open_templates()
    at.selectbox(key="tpl_choice").set_value("new:signup").run()
    at.selectbox(key="blk_add_kind").set_value("products").run()
    at.button(key="blk_add").click().run()
    block = at.session_state["tpl_blocks"][-1]["id"]
    assert at.selectbox(key=f"blk_{block}_source").options == ["직접 고른 상품"]  # a welcome has no order
    at.multiselect(key=f"blk_{block}_products").set_value(["p-mug"]).run()
    ok(at)
    html = preview_html(at)
    assert "바다 머그컵" in html and "https://cdn.bada.example/p/mug.jpg" in html

    # an expert leaves the blocks for HTML: the HTML starts as what the blocks compiled to
    [to_html] = [b for b in at.button if b.key == "tpl_to_html"]
    to_html.click().run()
    ok(at)
    assert at.session_state["tpl_blocks"] is None and "바다 머그컵" in at.text_area(key="tpl_html").value
    at.text_input(key="tpl_name").input("환영 (HTML)")
    [save] = [b for b in at.button if b.key == "tpl_save"]
    save.click().run()
    [saved] = views.saved_templates(world, w.SHOP)
    assert saved["blocks"] is None and "바다 머그컵" in saved["html"]


def test_the_engine_compiles_the_html_from_the_blocks_it_stores(world, fixed_clock):
    """manage.save_template is the one writer: given blocks, the HTML it keeps is theirs, whatever HTML came."""
    document = {"version": 1, "blocks": [{"type": "heading", "text": "{{ shop.name }} 소식"}]}
    template_id = manage.save_template(world, shop_id=w.SHOP, name="소식", trigger="signup", subject="소식",
                                       html="<p>stale</p>", now=w.at(1), blocks=document)
    [saved] = views.saved_templates(world, w.SHOP)
    assert saved["template_id"] == template_id and "stale" not in saved["html"] and "소식</h1>" in saved["html"]
    with pytest.raises(manage.AutomationError) as caught:
        manage.save_template(world, shop_id=w.SHOP, name="소식", trigger="signup", subject="소식", html="x",
                             now=w.at(1), blocks={"version": 1, "blocks": [{"type": "heading", "text": " "}]})
    assert caught.value.key == "blocks.error.empty" and caught.value.params["index"] == 1


def test_a_block_template_survives_export_and_apply(world, fixed_clock):
    """Config as code carries the block document: applied to the same store it is unchanged, applied to a
    fresh store it reopens as the same blocks with the same HTML."""
    from core.automations import config_io
    document = {"version": 1, "blocks": [{"type": "heading", "text": "{{ shop.name }} 소식"},
                                         {"type": "coupon", "code": "BADA-10", "text": ""}]}
    template_id = manage.save_template(world, shop_id=w.SHOP, name="소식", trigger="signup", subject="소식",
                                       html="", now=w.at(1), blocks=document)
    text = config_io.dumps(config_io.export_config(world, w.SHOP))
    assert "BADA-10" in text
    report = config_io.apply_config(world, text, now=w.at(2))
    assert report.unchanged["template"] == [template_id]
    with world.unit() as con:
        con.execute("DELETE FROM templates")
    config_io.apply_config(world, text, now=w.at(3))
    [saved] = views.saved_templates(world, w.SHOP)
    assert [b["type"] for b in saved["blocks"] or []] == ["heading", "coupon"] and "BADA-10" in saved["html"]
