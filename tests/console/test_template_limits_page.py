"""The Templates page refuses a template that only an odd member breaks, naming that sample member and the
line, in Korean and English (AppTest over a real store file)."""
from __future__ import annotations

import pytest
from streamlit.testing.v1 import AppTest

from core import i18n
from core.console import templates as views
from tests.conftest import ROOT
from tests.support import automation_world as w

pytestmark = pytest.mark.timeout(120)

# Fine for a typical member; a name of 201 characters takes the branch whose merge field does not exist.
HTML = ("<p>{{ member.name|default('고객', true) }}님, 안녕하세요</p>\n"
        "{% if member.name|length > 100 %}\n"
        "<p>{{ member.nickname }}</p>\n"
        "{% endif %}\n")


def _save(lang: str) -> str:
    """Open the Templates page in `lang`, type the template, save: the error shown. The test's own thread
    reads widgets in the same language (AppTest formats a selectbox's options with the page's format_func)."""
    i18n.set_language(lang)
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
    at.session_state["lang"] = lang
    at.run()
    at.switch_page("pages/templates.py").run()
    at.selectbox(key="tpl_choice").set_value("new:signup").run()
    [to_html] = [b for b in at.button if b.key == "tpl_to_html"]  # a starter opens as blocks; this is raw HTML
    to_html.click().run()
    at.text_input(key="tpl_name").input("긴 이름에 약한 템플릿")
    at.text_area(key="tpl_html").input(HTML)
    [save] = [b for b in at.button if b.key == "tpl_save"]
    save.click().run()
    assert not at.exception, at.exception
    [error] = at.error
    return str(error.value)


def test_saving_names_the_sample_member_and_line_that_fail(store, fixed_clock) -> None:
    w.seed_shop(store)
    ko = _save("ko")
    assert "예시 회원 ‘이름이 아주 긴 회원 (201자)’에게 보내 보면 HTML 본문 3번째 줄" in ko
    assert "'nickname'" in ko and "{{ member.nickname }}" in ko
    assert views.saved_templates(store, w.SHOP) == []
    try:
        en = _save("en")
    finally:
        i18n.set_language("ko")
    assert "For the sample member 'a member with a very long name (201 characters)': HTML body, line 3" in en
