"""The 샌드박스 메일함 page under Streamlit's AppTest over a real store and a real mailbox: what the scheduler
sent through the mailbox server is listed with its automation, opens at desktop and phone width with its
text part and headers; the Alimtalk sandbox's notices list beside it; an empty mailbox says what will come."""
from __future__ import annotations

import datetime as dt

import pytest
from streamlit.testing.v1 import AppTest

from core import clock
from core.console import mailbox as views
from core.loyalty import notify
from core.messaging.alimtalk import AlimtalkMessage, SandboxProvider
from core.sandbox import mailbox
from core.sandbox.mailbox import MailboxServer
from tests.conftest import ROOT
from tests.support import automation_world as w
from tests.support.apptest_support import rendered_text

pytestmark = pytest.mark.timeout(180)
PAGE = "pages/mailbox.py"


def open_page(lang: str | None = None) -> AppTest:
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=90)
    if lang:
        at.session_state["lang"] = lang
    at.run()
    at.switch_page(PAGE).run()
    assert not at.exception, at.exception
    return at


@pytest.fixture
def sent(store, store_path, fixed_clock, monkeypatch):
    """A welcome e-mail to a new member, sent by the scheduler through the mailbox server on loopback."""
    monkeypatch.setenv("PUBLIC_BASE_URL", "http://127.0.0.1:21250")
    w.seed_shop(store)
    with MailboxServer(mailbox.directory_for(store_path), port=0) as server:
        w.configure_sender(store, server.port)
        fixed_clock.set(w.at(10, 8))
        automation_id = w.automation(store, "signup")
        w.write(store, members=[w.member("m1", w.at(10, 9), name="김민지")])
        w.tick(store, fixed_clock, w.at(10, 9, 5))
    assert w.states(store, automation_id) == {"m1": ("sent", None)}
    return store


def test_an_empty_mailbox_says_what_will_arrive_and_how(store, fixed_clock):
    text = rendered_text(open_page())
    assert "아직 도착한 메일이 없어요." in text
    assert "127.0.0.1:8626" in text and "python -m core mailbox" in text
    assert "아직 기록된 알림톡이 없어요." in text


def test_a_sent_welcome_is_listed_with_its_automation_and_opens_as_the_recipient_sees_it(sent):
    at = open_page()
    [listing, headers] = at.dataframe
    rows = listing.value.to_dict("records")
    assert len(rows) == 1
    assert rows[0]["받는 사람"] == "m1@example.com"
    assert rows[0]["자동 이메일"] == "signup 자동 이메일"
    subject = rows[0]["제목"]
    assert subject.startswith("(광고)") and "=?utf-8?" not in subject       # RFC 2047 words decoded
    # received in the shop's time zone, to the second
    assert dt.datetime.strptime(rows[0]["받은 시각"], "%Y-%m-%d %H:%M:%S")

    text = rendered_text(at)
    # the HTML at desktop and phone width, each in a sandboxed frame that runs no script
    assert "PC 화면 (640px)" in text and "휴대폰 화면 (375px)" in text
    assert text.count('sandbox=\\"allow-popups allow-popups-to-escape-sandbox\\"') == 2
    assert "width:640px" in text and "width:375px" in text
    assert "김민지" in text                                                     # the merge field, filled
    assert "http://127.0.0.1:21250/" in text                                   # links to the public endpoints
    shown = dict(headers.value.itertuples(index=False, name=None))
    assert shown["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert shown["List-Unsubscribe"].startswith("<http://127.0.0.1:21250/")
    assert shown["Subject"] == subject
    assert at.code[0].value.strip()                                            # the text part


def test_the_newest_message_comes_first_and_another_one_opens_when_picked(sent, store_path):
    folder = mailbox.directory_for(store_path)
    mailbox.keep(folder, b"Subject: =?utf-8?b?7JWI64WV?=\r\nTo: b@example.com\r\n\r\nplain body\r\n",
                 mail_from="x@example.com", rcpt_tos=["b@example.com"], arrived_at=dt.datetime.now(dt.UTC))
    mailbox.keep(folder, b"\x00\xff garbage without headers", mail_from="", rcpt_tos=["c@example.com"],
                 arrived_at=dt.datetime.now(dt.UTC))
    at = open_page()
    rows = at.dataframe[0].value.to_dict("records")
    assert [r["받는 사람"] for r in rows][:2] == ["", "b@example.com"]           # newest first; garbage still lists
    picked = at.selectbox(key="mailbox_pick")
    assert picked.value == mailbox.names(folder)[0]
    picked.set_value(mailbox.names(folder)[1]).run()
    assert not at.exception, at.exception
    text = rendered_text(at)
    assert "안녕" in text and "이 메일에는 HTML 본문이 없어요." in text
    assert at.code[0].value.strip() == "plain body"


def test_alimtalk_notices_the_sandbox_recorded_are_listed(store, fixed_clock):
    provider = SandboxProvider(notify.sandbox_path(store), clock.now())
    provider.send(AlimtalkMessage("n-1", "WARRANTY01", "01012345678",
                                  {"고객명": "김민지", "상품명": "린넨 셔츠", "보증서링크": "http://127.0.0.1:21250/w/abc"}))
    at = open_page()
    rows = at.dataframe[0].value.to_dict("records")
    assert rows == [{"받은 시각": "2026-01-10 09:00:00", "받는 사람": "010-****-5678", "템플릿 코드": "WARRANTY01",
                     "내용 (템플릿 변수)": "고객명: 김민지 · 상품명: 린넨 셔츠 · 보증서링크: http://127.0.0.1:21250/w/abc",
                     "링크": "http://127.0.0.1:21250/w/abc"}]
    assert "아직 도착한 메일이 없어요." in rendered_text(at)


def test_in_english(sent):
    text = rendered_text(open_page("en"))
    assert "Sandbox mailbox" in text and "Desktop (640px)" in text and "Phone (375px)" in text
    assert "No Alimtalk notice has been recorded yet." in text


def test_masked_phone_numbers():
    assert views.masked_phone("010-1234-5678") == "010-****-5678"
    assert views.masked_phone("0212345678") == "021-***-5678"
    assert views.masked_phone("123") == "***"


def test_subjects_and_addresses_show_as_written_not_as_markdown():
    assert views.plain("하루상점 <hello@haru.example> *특가* [링크](x)") == \
        "하루상점 \\<hello@haru\\.example\\> \\*특가\\* \\[링크\\]\\(x\\)"
