"""Templates: sandboxed, strict, escaped, validated with line numbers, advertising rules, CSS inlined."""
from __future__ import annotations

import re

import pytest

from core.i18n import t
from core.messaging import templates
from core.messaging.templates import TRIGGERS, TemplateError, render_email, sample_context, starter_template, validate
from tests.messaging.words import explained

SENDER = {"sender_name": "하루상점", "sender_email": "hello@haru-shop.example",
          "sender_contact": "서울특별시 마포구 월드컵북로 12, 02-1234-5678"}

pytestmark = pytest.mark.timeout(30)


def _template(html: str, subject: str = "안녕하세요 {{ member.name }}님", text: str | None = None,
              preheader: str = "") -> dict:
    return {"subject": subject, "preheader": preheader, "html": html, "text": text}


def test_undefined_name_is_refused_naming_the_line() -> None:
    html = "<html><body>\n<p>안녕하세요</p>\n<p>{{ member.nmae }}님</p>\n</body></html>"
    with pytest.raises(TemplateError) as caught:
        validate("제목", html, None, "signup")
    assert caught.value.line == 3
    assert caught.value.part == "html"
    assert "3번째 줄" in explained(caught.value, "ko") and "nmae" in explained(caught.value, "ko")


def test_undefined_top_level_name_in_text_part_names_the_line() -> None:
    with pytest.raises(TemplateError) as caught:
        validate("제목", "<p>{{ member.name }}</p>", "첫 줄\n둘째 줄\n{{ coupon_code }}\n", "signup")
    assert (caught.value.part, caught.value.line) == ("text", 3)
    assert "coupon_code" in explained(caught.value, "ko")


def test_undefined_name_inside_a_loop_names_the_loop_line() -> None:
    html = ("<ul>\n{% for item in cart.items %}\n<li>{{ item.name }}</li>\n<li>{{ item.colour }}</li>\n"
            "{% endfor %}\n</ul>")
    with pytest.raises(TemplateError) as caught:
        validate("제목", html, None, "cart_abandoned")
    assert caught.value.line == 4


def test_syntax_error_is_refused_naming_the_line() -> None:
    html = "<p>하나</p>\n<p>둘</p>\n{% if member.name %}\n<p>셋</p>\n"
    with pytest.raises(TemplateError) as caught:
        validate("제목", html, None, "signup")
    assert caught.value.line is not None and caught.value.line >= 3
    assert f"{caught.value.line}번째 줄" in explained(caught.value, "ko")
    with pytest.raises(TemplateError) as caught:
        validate("제목 {{ member.name", "<p>x</p>", None, "signup")
    assert (caught.value.part, caught.value.line) == ("subject", 1)


def test_merge_field_of_another_trigger_is_refused() -> None:
    # A signup message has no cart: the editor must say so at save time, not at send time.
    with pytest.raises(TemplateError) as caught:
        validate("제목", "<p>{{ cart.total }}</p>", None, "signup")
    assert "cart" in explained(caught.value, "ko")


def test_member_data_is_html_escaped() -> None:
    context = sample_context("signup")
    context["member"] = {**context["member"], "name": '<script>alert("x")</script>&<b>'}
    rendered = render_email(_template("<html><body><p>{{ member.name }}님</p></body></html>"), context,
                            advertising=False, sender=SENDER)
    assert "<script>" not in rendered.html and "<b>" not in rendered.html
    assert "&lt;script&gt;" in rendered.html
    # The subject and the text part are not HTML: they carry the name as written.
    assert '<script>alert("x")</script>' in rendered.subject
    assert '<script>alert("x")</script>&<b>님' in rendered.text


@pytest.mark.parametrize("source", [
    "{{ ''.__class__.__mro__[1].__subclasses__() }}",
    "{{ member.__class__ }}",
    "{{ cycler.__init__.__globals__ }}",
    "{{ (member.name).format.__self__ }}",
])
def test_sandbox_blocks_attribute_tricks(source: str) -> None:
    with pytest.raises(TemplateError) as caught:
        validate("제목", f"<p>ok</p>\n{source}", None, "signup")
    assert caught.value.line == 2


def test_sandbox_keeps_the_context_immutable() -> None:
    with pytest.raises(TemplateError):
        validate("제목", "<p>{{ cart['items'].append(1) }}</p>", None, "cart_abandoned")


def test_dot_access_reads_merge_data_keys_not_dict_methods() -> None:
    # `cart.items` is the cart's item list, not dict.items.
    rendered = render_email(_template("<body>{% for i in cart.items %}<i>{{ i.name }}</i>{% endfor %}</body>"),
                            sample_context("cart_abandoned"), advertising=False, sender=SENDER)
    assert "<i>린넨 오버핏 셔츠</i>" in rendered.html


@pytest.mark.parametrize("trigger", TRIGGERS)
def test_each_starter_template_validates_and_renders(trigger: str) -> None:
    starter = starter_template(trigger)
    assert starter["name"] and starter["subject"] and starter["preheader"] and starter["text"]
    validate(starter["subject"], starter["html"], starter["text"], trigger, preheader=starter["preheader"])
    context = sample_context(trigger)
    rendered = render_email(starter, context, advertising=False, sender=SENDER)
    member = context["member"]["name"]
    assert member in rendered.subject and member in rendered.html and member in rendered.text
    assert rendered.preheader and rendered.preheader in rendered.html
    # Mobile: one column at most 600px wide, a viewport, big tap targets.
    assert 'name="viewport"' in rendered.html
    assert re.search(r"max-width: ?600px", rendered.html)
    assert re.search(r'<a href="[^"]*"[^>]*style="[^"]*padding: 16px', rendered.html)
    assert "{{" not in rendered.html and "{%" not in rendered.text
    # Each renders from the text template too when the HTML is the only part.
    derived = render_email({**starter, "text": None}, context, advertising=False, sender=SENDER)
    assert member in derived.text and "<" not in derived.text


def test_cart_starter_shows_items_with_images_prices_and_a_button_back() -> None:
    context = sample_context("cart_abandoned")
    rendered = render_email(starter_template("cart_abandoned"), context, advertising=False, sender=SENDER)
    for item in context["cart"]["items"]:
        assert f'src="{item["image_url"]}"' in rendered.html
        assert item["name"] in rendered.html
        assert templates._won(item["price"]) in rendered.html
    assert "64,800원" in rendered.html
    button = re.search(r'<a href="([^"]+)"[^>]*padding: 16px[^>]*>([^<]+)</a>', rendered.html)
    assert button and button.group(2) == "장바구니로 돌아가기"
    assert button.group(1).replace("&amp;", "&") == context["cart"]["recovery_url"]


def test_advertising_gets_prefix_and_footer_in_both_parts() -> None:
    context = sample_context("purchased")
    rendered = render_email(starter_template("purchased"), context, advertising=True, sender=SENDER)
    assert rendered.subject.startswith("(광고) ")
    for part in (rendered.html, rendered.text):
        assert SENDER["sender_name"] in part
        assert "02-1234-5678" in part
        assert "수신거부" in part
        assert context["unsubscribe_url"] in part
    assert f'href="{context["unsubscribe_url"]}"' in rendered.html
    # The prefix is never doubled.
    twice = render_email({**starter_template("purchased"), "subject": "(광고) 할인 소식"}, context,
                         advertising=True, sender=SENDER)
    assert twice.subject == "(광고) 할인 소식"


def test_no_prefix_or_footer_when_not_advertising() -> None:
    context = sample_context("delivered")
    rendered = render_email(starter_template("delivered"), context, advertising=False, sender=SENDER)
    assert "(광고)" not in rendered.subject
    for part in (rendered.html, rendered.text):
        assert "수신거부" not in part and context["unsubscribe_url"] not in part
        assert "02-1234-5678" not in part


def test_advertising_without_sender_contact_or_unsubscribe_link_is_refused() -> None:
    context = sample_context("signup")
    with pytest.raises(TemplateError) as caught:
        render_email(starter_template("signup"), context, advertising=True,
                     sender={**SENDER, "sender_contact": " "})
    assert "발신자 연락처" in explained(caught.value, "ko")
    del context["unsubscribe_url"]
    with pytest.raises(TemplateError) as caught:
        render_email(starter_template("signup"), context, advertising=True, sender=SENDER)
    assert "수신거부 링크" in explained(caught.value, "ko")


def test_css_is_inlined_and_media_queries_kept() -> None:
    html = ("<html><head><style>.lead { color: #123456; font-size: 17px; } "
            "@media (max-width: 620px) { .lead { font-size: 15px !important; } }</style></head>"
            "<body><p class=\"lead\">{{ member.name }}</p></body></html>")
    rendered = render_email(_template(html), sample_context("signup"), advertising=False, sender=SENDER)
    assert re.search(r'<p class="lead" style="[^"]*color: #123456;[^"]*font-size: 17px', rendered.html)
    assert "@media (max-width: 620px)" in rendered.html
    assert ".lead { color" not in rendered.html


def test_links_are_tracked_except_the_unsubscribe_link() -> None:
    context = sample_context("cart_abandoned")
    seen = []

    def tracked(url: str) -> str:
        seen.append(url)
        return "https://t.example/c?u=" + url

    context["tracked"] = tracked
    rendered = render_email(starter_template("cart_abandoned"), context, advertising=True, sender=SENDER)
    assert seen == [context["cart"]["recovery_url"]]
    assert 'href="https://t.example/c?u=https://haru-shop.example/order/basket.html?recover=abc123"' in rendered.html
    assert f'href="{context["unsubscribe_url"]}"' in rendered.html


def test_preheader_and_open_pixel_placed_in_the_html() -> None:
    context = sample_context("signup")
    template = _template("<html><body><p>본문</p></body></html>", preheader="{{ member.name }}님 미리보기")
    rendered = render_email(template, context, advertising=False, sender=SENDER)
    body = rendered.html.split("<body>", 1)[1]
    assert body.startswith('<div style="display:none;')
    assert body.index("김하늘님 미리보기") < body.index("본문")
    assert rendered.html.index(f'src="{context["open_pixel_url"]}"') > rendered.html.index("본문")
    assert "미리보기" not in rendered.text  # hidden preview text stays out of the text part


def test_text_part_derived_from_html_reads_well() -> None:
    html = ("<html><head><title>t</title><style>p{color:red}</style></head><body>"
            "<h1>제목</h1><p>첫 문단 <b>굵게</b></p><p><a href=\"https://x.example/a?b=1&amp;c=2\">바로 가기</a></p>"
            "<ul><li>하나</li><li>둘</li></ul></body></html>")
    text = templates.html_to_text(html)
    assert text == "제목\n\n첫 문단 굵게\n\n바로 가기 (https://x.example/a?b=1&c=2)\n\n- 하나\n- 둘\n"


def test_merge_fields_listed_for_every_trigger_exist_in_the_sample() -> None:
    for trigger in TRIGGERS:
        context = sample_context(trigger)
        assert MERGE_FIELD_NAMES(trigger)
        for field in MERGE_FIELD_NAMES(trigger):
            head, _, rest = field.partition(".")
            assert head in context, (trigger, field)
            if rest:
                assert rest in context[head], (trigger, field)


def MERGE_FIELD_NAMES(trigger: str) -> list[str]:
    return [name for name, key, params in templates.merge_fields(trigger) if t(key, "ko", **params) != key]


def test_unknown_trigger_is_a_clear_error() -> None:
    with pytest.raises(ValueError) as caught:
        validate("제목", "<p>x</p>", None, "birthday")
    assert caught.value.key == "messaging.template.unknown_trigger" and "birthday" in explained(caught.value, "ko")


def test_optional_data_used_without_a_guard_is_refused_at_save() -> None:
    # Real members often lack a name, and shops have no storefront URL on record: a template that
    # only works with them would fail at send time, so validation renders a sparse sample too.
    with pytest.raises(TemplateError) as caught:
        validate("제목", '<p>안녕하세요</p>\n<a href="{{ shop.url }}">가기</a>', None, "signup")
    assert "url" in explained(caught.value, "ko")
    assert caught.value.line == 2
    validate("제목", '{% if shop.url is defined %}<a href="{{ shop.url }}">가기</a>{% endif %}', None, "signup")
    sparse = sample_context("purchased", sparse=True)
    rendered = render_email(starter_template("purchased"), sparse, advertising=False, sender=SENDER)
    assert rendered.subject.startswith("고객님,")
    assert 'class="thumb"' not in rendered.html and "님님" not in rendered.html


def test_errors_and_merge_fields_follow_the_console_language() -> None:
    from core import i18n
    def fields(trigger: str, lang: str) -> dict[str, str]:
        return {field: t(key, lang, **params) for field, key, params in templates.merge_fields(trigger)}
    assert fields("cart_abandoned", "en")["cart.recovery_url"] == "link back to the cart"
    assert fields("cart_abandoned", "ko")["cart.recovery_url"] == "장바구니로 돌아가는 링크"
    assert fields("no_repurchase", "ko")["order.total"].startswith("마지막 주문의")
    previous = i18n.language()
    i18n.set_language("en")
    try:
        with pytest.raises(TemplateError) as caught:
            validate("Hello", "<p>\n{{ coupon_code }}</p>", None, "signup")
        assert explained(caught.value) == "HTML body, line 2: 'coupon_code' is not a merge field of this trigger"
    finally:
        i18n.set_language(previous)


# The starters are block documents (starters/<trigger>.blocks.json); their HTML is what the blocks compile to.
@pytest.mark.parametrize("trigger", TRIGGERS)
def test_every_starter_is_its_block_document_compiled(trigger: str) -> None:
    from core.messaging import blocks
    starter = starter_template(trigger)
    assert starter["blocks"] == blocks.starter_document(trigger)
    assert starter["html"] == blocks.compile_html(starter["blocks"], trigger)
    html = starter["html"]
    assert html.startswith("<!doctype html>") and "<mj-" not in html and "{{ shop.name }}" in html
    assert not list(templates.STARTER_DIR.glob("*.html"))  # no second copy of the wording to drift


@pytest.mark.parametrize("tag", ['{% extends "_layout.html" %}', '{% include "_layout.html" %}',
                                 '{% import "purchased.html" as x %}'])
def test_a_saved_template_cannot_load_any_file_not_even_the_layout(tag: str) -> None:
    with pytest.raises(TemplateError) as caught:
        validate("제목", f"<p>안녕하세요</p>\n{tag}", None, "signup")
    assert caught.value.part == "html"
