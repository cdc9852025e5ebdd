"""Render limits and save-time sample members: what a template can do to one render, and what saving it checks.

Each hostile template ends quickly with a keyed TemplateError naming the part and line (never a
gigabyte allocated, never a render that runs on), while what real templates do (loops over items,
number formats, joins, macros) still renders. Saving renders against six sample members and names the
one that fails, in Korean and English.
"""
from __future__ import annotations

import resource
import time

import pytest

from core.automations import manage
from core.console import templates as template_views
from core.messaging.render_limits import RenderLimits
from core.messaging.templates import (
    SAMPLE_MEMBERS,
    SAMPLE_SENDER,
    TRIGGERS,
    TemplateError,
    render_email,
    sample_context,
    sample_members,
    starter_template,
    validate,
)
from tests.messaging.words import explained

pytestmark = pytest.mark.timeout(60)

FAST = {"html": RenderLimits(seconds=0.3)}  # a shorter deadline, so the tests that reach it stay quick


def _render(html: str, trigger: str = "cart_abandoned", limits: dict | None = None) -> str:
    return render_email({"subject": "제목", "html": html}, sample_context(trigger), advertising=False,
                        sender=SAMPLE_SENDER, limits=limits or FAST).html


def _refused(html: str) -> tuple[TemplateError, float, int]:
    """The error, how long the render took, and how much the process's peak memory grew (KiB)."""
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    started = time.monotonic()
    with pytest.raises(TemplateError) as caught:
        _render(html)
    return caught.value, time.monotonic() - started, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before


SIZE_BOMBS = {
    "repeat": "{{ 'x' * 10**9 }}",
    "repeat_list": "{{ ([1] * 10**9)|length }}",
    "power": "{{ 10 ** (10 ** 10) }}",
    "big_int_product": "{% set a = 10 ** 19000 %}{{ (a * a * a)|string|length }}",
    "center": "{{ 'x'|center(10**9) }}",
    "indent": "{{ ('\\n' * 100000)|indent(100000) }}",
    "ljust": "{{ 'x'.ljust(10**9) }}",
    "printf_width": "{{ '%1000000000d' % 1 }}",
    "format_filter": "{{ '%*d'|format(10**9, 1) }}",
    "str_format": "{{ '{:>1000000000}'.format(1) }}",
    "replace": "{{ ('x' * 1000)|replace('', 'y' * 100000) }}",
    "join_filter": "{{ range(100000)|join('z' * 100000) }}",
    "join_method": "{{ ('z' * 100000).join(range(20000)|map('string')|list) }}",
    "concat_doubling": "{% set a = 'x' * 900000 %}{% set b = a ~ a %}{{ b }}",
    "set_block": "{% set s %}{% for i in range(100000) %}{{ 'y' * 100000 }}{% endfor %}{% endset %}{{ s|length }}",
    "plus": "{% set a = 'x' * 900000 %}{{ a + a }}",
    "slice": "{{ [1]|slice(10**9)|list|length }}",
    "batch_fill": "{{ [1]|batch(10**9, 0)|list|length }}",
}


@pytest.mark.parametrize("name", list(SIZE_BOMBS))
def test_a_template_that_would_build_something_huge_is_stopped_before_it_does(name: str) -> None:
    error, took, grew = _refused("<p>안녕하세요</p>\n" + SIZE_BOMBS[name])
    assert error.key == "messaging.template.size_limit", error.detail
    assert (error.part, error.line) == ("html", 2)
    assert took < 1.5 and grew < 150 * 1024, (took, grew)
    assert "2번째 줄" in explained(error, "ko") and "1,000,000자" in explained(error, "ko")


@pytest.mark.parametrize("html", [
    "{% for i in range(100000) %}{% for j in range(100000) %}{% endfor %}{% endfor %}",
    "{% macro f(n) %}{% if n %}{{ f(n - 1) }}{{ f(n - 1) }}{% endif %}{% endmacro %}{{ f(30) }}",
    "{% for item in cart.items recursive %}{% for i in range(100000) %}{{ loop.index }}{% endfor %}"
    "{% endfor %}",
])
def test_a_template_that_runs_on_ends_at_the_time_limit(html: str) -> None:
    error, took, _ = _refused(html)
    assert error.key == "messaging.template.time_limit" and error.params["seconds"] == 0.3
    assert 0.3 <= took < 2.0  # the deadline, plus what a loaded machine adds
    assert "0.3초 안에 끝나지 않아" in explained(error, "ko")
    assert "did not finish within 0.3 s" in explained(error, "en")


def test_a_macro_that_calls_itself_ends_at_the_depth_limit_naming_its_line() -> None:
    html = "<p>x</p>\n{% macro deeper(n) %}{{ deeper(n + 1) }}{% endmacro %}\n{{ deeper(0) }}"
    error, took, _ = _refused(html)
    assert (error.key, error.line) == ("messaging.template.depth_limit", 2)
    assert took < 0.5
    assert "자기 자신이나 서로를 불러" in explained(error, "ko")


def test_the_subject_has_its_own_smaller_size_limit() -> None:
    with pytest.raises(TemplateError) as caught:
        render_email({"subject": "{{ 'x' * 20000 }}", "html": "<p>x</p>"}, sample_context("signup"),
                     advertising=False, sender=SAMPLE_SENDER)
    assert (caught.value.key, caught.value.part, caught.value.params["chars"]) == (
        "messaging.template.size_limit", "subject", 10_000)


def test_what_real_templates_do_still_renders() -> None:
    html = ("{% macro price(p) %}{{ p|won }}{% endmacro %}"
            "{% for item in cart.items %}<p>{{ loop.index }}. {{ item.name|upper|truncate(30) }} "
            "{{ price(item.price) }} x{{ item.quantity }}</p>{% else %}<p>없음</p>{% endfor %}"
            "<p>{{ '{:,}'.format(1500000) }} {{ '%05d' % 3 }} {{ cart.items|map(attribute='name')|join(', ') }}"
            " {{ ('-' * 20) ~ '|' ~ member.name|center(12) }} {{ 2 ** 10 }}</p>")
    out = _render(html)
    assert "1. 린넨 오버핏 셔츠 39,000원 x1" in out and "1,500,000 00003" in out
    assert "린넨 오버핏 셔츠, 데일리 코튼 양말 3종 세트" in out and "1024" in out


def test_loops_keep_all_that_jinja_gives_them_under_the_loop_checks() -> None:
    html = ("{% for i in cart.items %}{{ loop.index }}/{{ loop.length }}{% if loop.last %}L{% endif %}"
            "{{ loop.revindex }}{{ loop.cycle('a', 'b') }}{% if loop.changed(i.name) %}c{% endif %} {% endfor %}"
            "|{% for i in [] %}x{% else %}empty{% endfor %}"
            "|{% set ns = namespace(n=0) %}{% for i in range(3) %}{% set ns.n = ns.n + i %}{% endfor %}{{ ns.n }}"
            "|{% for x in [[1, [2]], 3] recursive %}{% if x is iterable %}[{{ loop(x) }}]{% else %}{{ x }}{% endif %}"
            "{% endfor %}|{% for a, b in [(1, 2)] %}{{ a }}{{ b }}{% endfor %}")
    assert "1/22ac 2/2L1bc |empty|3|[1[2]]3|12" in _render(html)


def test_every_starter_renders_for_every_sample_member_under_the_limits() -> None:
    for trigger in TRIGGERS:
        starter = starter_template(trigger)
        validate(starter["subject"], starter["html"], starter["text"], trigger, preheader=starter["preheader"])


def test_the_sample_members_are_the_odd_records_real_shops_have() -> None:
    samples = dict(sample_members("purchased"))
    assert list(samples) == list(SAMPLE_MEMBERS)
    assert samples["no_name"]["member"]["name"] == ""
    assert len(samples["long_name"]["member"]["name"]) > 200
    assert samples["no_orders"]["order"]["items"] == [] and samples["no_orders"]["products"] == []
    assert len(samples["many_items"]["order"]["items"]) == 60
    name = samples["emoji"]["member"]["name"]
    assert any(len(ch.encode("utf-8")) == 4 for ch in name) and "🌸" in name
    assert all("𠮷" in item["name"] for item in samples["emoji"]["order"]["items"])
    digest = dict(sample_members("cart_digest"))["many_items"]["digest"]
    assert all(len(c["items"]) == 60 for c in digest["carts"])


# A template that only one sample member breaks, on line 3 of its HTML body.
ONLY_FOR = {
    "no_name": "{% if not member.name %}{{ member.nickname }}{% endif %}",
    "long_name": "{% if member.name|length > 100 %}{{ member.name[0:10] ~ member.surname }}{% endif %}",
    "no_orders": "{{ order.items[0].name }}",
    "many_items": "{% if order.items|length > 50 %}{{ order.items[50].colour }}{% endif %}",
    "emoji": "{% if '🌸' in member.name %}{{ member.name.encode('ascii') }}{% endif %}",
}


@pytest.mark.parametrize("sample", list(ONLY_FOR))
def test_saving_names_the_sample_member_and_the_line_that_fails(sample: str) -> None:
    html = "<p>안녕하세요</p>\n<p>주문해 주셔서 고마워요</p>\n" + ONLY_FOR[sample] + "\n"
    with pytest.raises(TemplateError) as caught:
        validate("제목", html, None, "purchased")
    error = caught.value
    assert (error.params["sample"], error.part, error.line) == (sample, "html", 3)
    ko, en = explained(error, "ko"), explained(error, "en")
    assert ko.startswith("예시 회원 ‘") and "HTML 본문 3번째 줄" in ko
    assert en.startswith("For the sample member '") and "HTML body, line 3" in en


def test_the_editor_and_the_engine_refuse_it_alike_naming_the_member() -> None:
    html = "<p>안녕하세요</p>\n{% if member.name|length > 100 %}\n{{ 'x' * 10**9 }}\n{% endif %}\n"
    problem = template_views.template_problem("제목", html, None, "signup")
    assert problem is not None and (problem.part, problem.line) == ("html", 3)
    assert problem.source_line == "{{ 'x' * 10**9 }}"
    assert "이름이 아주 긴 회원" in problem.message and "3번째 줄" in problem.message
    with pytest.raises(manage.AutomationError) as caught:
        manage.check_template({"name": "긴 이름", "trigger": "signup", "subject": "제목", "html": html})
    assert caught.value.params["sample"] == "long_name"
    assert "이름이 아주 긴 회원" in explained(caught.value, "ko")


def test_lipsum_is_not_offered_and_nesting_too_deep_for_the_parser_is_a_syntax_error() -> None:
    with pytest.raises(TemplateError) as caught:
        _render("<p>x</p>\n{{ lipsum(100000, False, 1000, 1000) }}")
    assert (caught.value.key, caught.value.params["name"]) == ("messaging.template.undefined", "lipsum")
    with pytest.raises(TemplateError) as caught:
        _render("{{ " + "(" * 3000 + "1" + ")" * 3000 + " }}")
    assert caught.value.key == "messaging.template.syntax" and "RecursionError" in caught.value.params["problem"]
