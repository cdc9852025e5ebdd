"""Block documents: validation with keyed errors, compiling to a template that the sandboxed Jinja
environment renders with member data escaped, the compliance parts of an advertising e-mail, and every
starter as a block document."""
from __future__ import annotations

import datetime as dt
import email
import re
from email import policy

import pytest

from core.messaging import blocks, templates
from core.messaging.email import build_message, flatten
from core.messaging.templates import TRIGGERS, render_email, sample_context, validate

SENDER = {"sender_name": "하루상점", "sender_email": "hello@haru-shop.example",
          "sender_contact": "서울특별시 마포구 월드컵북로 12, 02-1234-5678"}


def doc(*items: dict) -> dict:
    return {"version": 1, "blocks": list(items)}


def every_kind() -> dict:
    return doc(
        {"type": "heading", "text": "{{ member.name|default('고객', true) }}님, 새 소식이에요"},
        {"type": "text", "text": "{{ shop.name }}에서 전해요.\n둘째 줄 {not a field} & <b>굵게</b>"},
        {"type": "image", "src": "https://images.example/banner.jpg", "alt": "봄 신상품", "link": "{{ shop.url }}"},
        {"type": "button", "label": "구경하기", "link": "https://shop.example/new?a=1&b=2"},
        {"type": "products", "source": "order", "title": "주문하신 상품", "show_total": True},
        {"type": "products", "source": "chosen", "title": "함께 보면 좋은 상품",
         "products": [{"product_key": "P9", "name": "리넨 앞치마 <한정>", "price": 19000,
                       "image_url": "https://images.example/p9.jpg"}]},
        {"type": "coupon", "code": "SPRING-10", "text": "{{ days }}일 안에 쓰면 10% 할인"},
        {"type": "divider"},
        {"type": "spacer", "height": 32},
        {"type": "text", "text": "작은 안내", "style": "note", "show_if": "shop.url"},
    )


def test_a_document_of_every_kind_checks_and_keeps_its_data() -> None:
    checked = blocks.check(every_kind(), "no_repurchase")
    assert [b["type"] for b in checked["blocks"]] == ["heading", "text", "image", "button", "products", "products",
                                                      "coupon", "divider", "spacer", "text"]
    assert checked["blocks"][4]["products"] == []
    assert checked["blocks"][5]["products"][0]["name"] == "리넨 앞치마 <한정>"
    assert blocks.loads(blocks.dumps(checked)) == checked  # plain JSON data, round trip


@pytest.mark.parametrize(("block", "key", "index", "field", "param"), [
    ({"type": "heading", "text": "  "}, "empty", 2, "text", None),
    ({"type": "text", "text": "{{ member.nmae }}님"}, "unknown_field", 2, "text", ("name", "member.nmae")),
    ({"type": "text", "text": "{{ member.name.__class__ }}"}, "unknown_field", 2, "text", None),
    ({"type": "text", "text": "{{ member.name|upper }}"}, "unknown_filter", 2, "text", ("name", "upper")),
    ({"type": "text", "text": "{{ range(10**9) }}"}, "bad_field", 2, "text", None),
    ({"type": "button", "label": "가기", "link": "javascript:alert(1)"}, "bad_url", 2, "link", None),
    ({"type": "button", "label": "가기", "link": "{{ cart.recovery_url }}"}, "unknown_field", 2, "link", None),
    ({"type": "products", "source": "cart"}, "source_not_here", 2, "source", ("name", "cart.items")),
    ({"type": "products", "source": "chosen", "products": []}, "no_products", 2, "products", None),
    ({"type": "spacer", "height": 500}, "out_of_range", 2, "height", ("high", 120)),
    ({"type": "coupon", "code": "{{ x }}"}, "bad_code", 2, "code", None),
    ({"type": "video", "src": "x"}, "unknown_type", 2, "type", None),
    ({"type": "divider", "colour": "red"}, "unknown_setting", 2, "colour", None),
    ({"type": "text", "text": "안녕", "show_if": "order.total"}, "unknown_field", 2, "show_if", None),
])
def test_a_faulty_block_is_refused_with_a_key_naming_the_block_and_field(block, key, index, field, param) -> None:
    with pytest.raises(blocks.BlockError) as caught:
        blocks.check(doc({"type": "heading", "text": "안녕하세요"}, block), "signup")
    err = caught.value
    assert err.key == f"blocks.error.{key}"
    assert (err.index, err.field, err.params["index"], err.params["field"]) == (index, field, index, field)
    if param:
        assert err.params[param[0]] == param[1]


def test_an_empty_document_is_refused() -> None:
    with pytest.raises(blocks.BlockError) as caught:
        blocks.check(doc(), "signup")
    assert caught.value.key == "blocks.error.no_blocks" and caught.value.index is None


def render(document: dict, trigger: str, context: dict, *, advertising: bool) -> templates.RenderedEmail:
    html = blocks.compile_html(document, trigger)
    validate("{{ shop.name }} 소식", html, None, trigger)  # the save-time check of templates.py
    return render_email({"subject": "{{ member.name }}님께 드리는 소식", "html": html}, context,
                        advertising=advertising, sender=SENDER)


def test_compiled_blocks_render_for_a_member_with_their_data_escaped() -> None:
    context = sample_context("no_repurchase")
    context["member"]["name"] = '<script>alert("x")</script>'
    context["order"]["items"][0]["name"] = "<img src=x onerror=alert(1)>"
    rendered = render(every_kind(), "no_repurchase", context, advertising=False)
    html = rendered.html
    assert "<script>" not in html and not re.search(r"(?<!alt=\")<img src=x", html)
    assert "&lt;script&gt;alert(" in html and "&lt;img src=x onerror=alert(1)&gt;" in html
    # in a quoted attribute the inliner writes < and > as they are, which HTML reads as text, not a tag
    assert 'alt="<img src=x onerror=alert(1)>"' in html
    # typed text is data: its markup is shown, its braces never reach Jinja
    assert "&lt;b&gt;굵게&lt;/b&gt;" in html and "<b>굵게" not in html and "{not a field}" in rendered.text
    assert "둘째 줄" in html and "<br>둘째 줄" in html
    assert "리넨 앞치마 &lt;한정&gt;" in html and "19,000원" in html
    assert 'href="https://shop.example/new?a=1&amp;b=2"' in html
    assert "SPRING-10" in html and "30일 안에 쓰면" in html
    assert "린넨 오버핏 셔츠" not in html  # the item was renamed in this member's data
    assert "64,800원" in html  # the order's total
    assert "<mj-" not in html and "{{" not in html and "{%" not in html


def test_a_block_shown_only_when_its_field_has_a_value() -> None:
    document = doc({"type": "heading", "text": "안녕하세요"},
                   {"type": "button", "label": "쇼핑몰로", "link": "{{ shop.url }}"},
                   {"type": "text", "text": "작은 안내", "style": "note", "show_if": "shop.url"})
    full = render(document, "signup", sample_context("signup"), advertising=False).html
    sparse = render(document, "signup", sample_context("signup", sparse=True), advertising=False).html
    assert "쇼핑몰로" in full and "작은 안내" in full
    assert "쇼핑몰로" not in sparse and "작은 안내" not in sparse


def test_an_advertising_block_mail_passes_the_compliance_checks() -> None:
    context = sample_context("cart_abandoned")
    rendered = render(blocks.starter_document("cart_abandoned"), "cart_abandoned", context, advertising=True)
    assert rendered.subject.startswith("(광고) ")
    footer = rendered.html.rindex("수신거부")
    assert footer > rendered.html.rindex("장바구니로 돌아가기")  # the legal footer comes after the last block
    assert f'href="{context["unsubscribe_url"]}"' in rendered.html
    assert "보낸 사람: 하루상점 · 서울특별시 마포구" in rendered.html
    assert f"수신거부(Unsubscribe): {context['unsubscribe_url']}" in rendered.text
    message = build_message(to="haneul.kim@example.com", from_name=SENDER["sender_name"],
                            from_email=SENDER["sender_email"], rendered=rendered, message_id="blocks-1",
                            date=dt.datetime(2026, 1, 10, 9, 0, tzinfo=dt.UTC),
                            list_unsubscribe_url=context["unsubscribe_url"])
    parsed = email.message_from_bytes(flatten(message), policy=policy.default)
    assert parsed["Subject"].startswith("(광고)")
    assert parsed["List-Unsubscribe"] == f"<{context['unsubscribe_url']}>"
    assert parsed["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    html_part = parsed.get_body(("html",)).get_content()
    assert "수신거부" in html_part and context["unsubscribe_url"] in html_part


def test_an_information_mail_has_no_ad_prefix_nor_ad_footer() -> None:
    rendered = render(blocks.starter_document("delivered"), "delivered", sample_context("delivered"),
                      advertising=False)
    assert not rendered.subject.startswith("(광고)") and "수신거부" not in rendered.html


@pytest.mark.parametrize("trigger", TRIGGERS)
def test_every_starter_is_a_block_document_that_compiles_and_renders(trigger: str) -> None:
    starter = blocks.starter(trigger)
    assert starter["blocks"]["blocks"] and starter["subject"] and starter["text"] is None
    validate(starter["subject"], starter["html"], starter["text"], trigger, preheader=starter["preheader"])
    for sparse in (False, True):
        rendered = render_email(starter, sample_context(trigger, sparse=sparse), advertising=False, sender=SENDER)
        assert "{{" not in rendered.html and "<mj-" not in rendered.html
        assert "님" in rendered.text.split("\n\n")[1]  # the text part is made from the blocks: the heading
    # the wording of the old starter: its heading text is the first block's
    old = templates.starter_template(trigger)["html"]
    heading = starter["blocks"]["blocks"][0]["text"]
    assert heading in old


def test_the_compiled_html_holds_no_stray_jinja_from_mjml() -> None:
    """MRML's own CSS and Outlook comments must never open a Jinja tag ({# or {{ or {%)."""
    html = blocks.compile_html(every_kind(), "no_repurchase")
    ours = len(re.findall(r"\{\{|\{%", html))
    assert "{#" not in html
    assert ours == len(re.findall(r"\{\{ [^}]+ \}\}|\{% [^%]+ %\}", html))
