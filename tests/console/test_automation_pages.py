"""The Automations, Templates and Activity pages under Streamlit's AppTest, over a real store file
with members and orders, the real engine (core.automations) and, for Activity, messages really
dispatched to a loopback SMTP server (one refused with a 4xx) and one left `unknown` the way a
crash leaves it (claimed, journalled as handed over, never recorded)."""
from __future__ import annotations

import datetime as dt

import pytest
from streamlit.testing.v1 import AppTest

from core import i18n
from core.automations import manage
from core.automations.attribution import attribute
from core.automations.evaluate import evaluate_all
from core.console import activity as outbox_views
from core.console import automations as views
from core.console import templates as template_views
from core.messaging.dispatch import recover
from core.messaging.email import EmailChannel
from core.messaging.outbox import Journal, claim
from core.public import tracking
from tests.conftest import ROOT
from tests.support import automation_world as w
from tests.support.apptest_support import button, rendered_text

pytestmark = pytest.mark.timeout(120)

NOW = dt.datetime(2026, 1, 10, 9, 0, tzinfo=w.KST)


@pytest.fixture
def world(store, fixed_clock):
    """하루상점 with five members: m1-m3 joined 3-5 days ago and never ordered, m4 refused advertising,
    m5 ordered once a month ago."""
    w.seed_shop(store)
    w.ensure_sender(store)  # saved once on the sender settings page; the wizard prefills it
    w.write(store, members=[w.member("m1", w.at(5), name="김민지"), w.member("m2", w.at(6), name="이서준"),
                            w.member("m3", w.at(7), name="박지우"), w.member("m4", w.at(6), consent=False),
                            w.member("m5", w.at(1, 10) - dt.timedelta(days=60), name="최유나")],
            orders=[w.order("o-old", "m5", w.at(1) - dt.timedelta(days=20), total=52000)],
            order_items=[w.item("o-old", 1, "p-shirt", 52000)])
    return store


def app() -> AppTest:
    return AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)


def open_page(page: str) -> AppTest:
    at = app().run()
    at.switch_page(page).run()
    assert not at.exception, at.exception
    return at


# ---- the plain functions behind the pages ---------------------------------------------------

def test_labels_and_trigger_summaries_are_plain_korean():
    i18n.set_language("ko")
    assert outbox_views.state_label("unknown") == "확인 필요"
    assert outbox_views.reason_label("no_consent") == "광고 수신 미동의"
    assert outbox_views.reason_label("gave up after 5 tries") == "gave up after 5 tries"  # no word: shown as written
    assert views.trigger_detail("no_first_purchase", {"days": 14}, 0) == \
        "가입 후 14일 이내 구매 없음 · 조건 충족 즉시 발송"
    assert views.trigger_detail("purchased", {"category_keys": ["c1", "c2"]}, 120) == \
        "카테고리 2개 · 조건 충족 2시간 뒤 발송"
    assert views.trigger_params("no_repurchase", days=45, product_keys=["x"]) == {"days": 45}
    assert views.trigger_params("purchased", product_keys=["p1"], category_keys=[]) == {"product_keys": ["p1"]}


def test_template_problem_names_the_part_and_line():
    html = "<p>안녕하세요</p>\n<p>반가워요</p>\n<p>{{ member.nmae }}님</p>\n"
    problem = template_views.template_problem("제목", html, None, "signup")
    assert problem is not None and problem.part == "html" and problem.line == 3
    assert problem.source_line == "<p>{{ member.nmae }}님</p>"
    assert template_views.template_problem("제목", "<p>{{ member.name }}</p>", None, "signup") is None


def test_member_preview_uses_the_members_real_order(world):
    context, from_sample = template_views.member_context(world, w.SHOP, "m5", "purchased")
    assert context["member"]["name"] == "최유나" and context["order"]["order_key"] == "o-old"
    assert from_sample == []
    rendered, problem = template_views.render_preview(w.starter_template("purchased"), "purchased", context,
                                             advertising=True, sender=template_views.preview_sender(world, w.SHOP))
    assert problem is None and "최유나" in rendered.subject and "o-old" in rendered.html
    # m1 never ordered: the order part comes from the sample, and the page says so.
    context, from_sample = template_views.member_context(world, w.SHOP, "m1", "purchased")
    assert context["member"]["name"] == "김민지" and from_sample == ["order"]


def test_wizard_checks_every_step_and_reuses_an_unchanged_saved_template(world):
    starter = w.starter_template("signup")
    draft = {"shop_id": w.SHOP, "name": "가입 환영", "trigger": "signup", "trigger_params": {},
             "delay_minutes": 0, "subject": starter["subject"], "preheader": starter["preheader"],
             "sender_name": "하루상점", "sender_email": "hello@haru-shop.example", "is_advertising": False,
             "template_source": "starter", "html": starter["html"], "text": starter["text"]}
    with pytest.raises(views.WizardProblem) as caught:
        views.create_from_wizard(world, {**draft, "trigger": "no_repurchase", "trigger_params": {"days": 400}})
    assert caught.value.step == 1 and str(caught.value) == "발송 조건: 일수는 1~365 사이의 정수여야 해요 (400)."
    with pytest.raises(views.WizardProblem) as caught:
        views.create_from_wizard(world, {**draft, "html": "<p>{{ cart.total }}</p>"})  # no cart in a welcome
    assert caught.value.step == 3 and "HTML 본문 1번째 줄" in str(caught.value)
    assert views.automation_rows(world, w.SHOP) == [] and views.saved_templates(world, w.SHOP) == []

    views.create_from_wizard(world, draft)
    [saved] = views.saved_templates(world, w.SHOP)
    views.create_from_wizard(world, {**draft, "name": "가입 환영 2", "template_source": saved["template_id"]})
    assert len(views.saved_templates(world, w.SHOP)) == 1  # left as it was: reused
    views.create_from_wizard(world, {**draft, "name": "가입 환영 3", "template_source": saved["template_id"],
                                     "html": starter["html"].replace("환영", "반가워요", 1)})
    assert len(views.saved_templates(world, w.SHOP)) == 2  # edited: saved as its own template
    assert [r["status"] for r in views.automation_rows(world, w.SHOP)] == ["running"] * 3


# ---- Automations ----------------------------------------------------------------------------

def test_wizard_creates_a_running_automation_in_the_order_users_know(world):
    at = open_page("pages/automations.py")
    assert at.title[0].value == "자동 이메일"
    assert "아직 자동 이메일이 없습니다" in at.info[0].value
    at.radio(key="auto_view").set_value("new").run()

    # 1. 주소록
    assert "회원 5명 · 이메일 있음 5명 · 광고 수신 동의 4명" in [c.value for c in at.caption]
    assert at.selectbox(key="wiz_shop").value == w.SHOP
    button(at, "다음").click().run()
    assert "자동 이메일 이름을 입력하세요" in at.error[0].value  # a step is not left with a hole in it
    at.text_input(key="wiz_name").input("가입 후 첫 구매 유도")
    button(at, "다음").click().run()

    # 2. 발송 조건: 첫 구매 안 함, 7 days
    assert not at.exception, at.exception
    at.radio(key="wiz_trigger").set_value("no_first_purchase").run()
    assert at.radio(key="wiz_days_choice").options == ["7일", "14일", "30일", "직접 입력"]
    at.radio(key="wiz_days_choice").set_value(7).run()
    button(at, "다음").click().run()

    # 3. 발송 정보: the starter's subject and preview text are filled in; the sender is the saved one
    assert "아직 둘러보는 중이신가요" in at.text_input(key="wiz_subject").value
    assert at.text_input(key="wiz_sender_name").value == "하루상점"
    assert at.text_input(key="wiz_sender_email").value == "hello@haru-shop.example"
    at.text_input(key="wiz_sender_email").input("not-an-address")
    button(at, "다음").click().run()
    # the field by its label, never its name
    assert "발신자 이메일: 올바른 이메일 주소가 아니에요 (‘not-an-address’)" in at.error[0].value
    assert "sender_email" not in at.error[0].value
    at.text_input(key="wiz_sender_email").input("hello@haru-shop.example")
    subject = at.text_input(key="wiz_subject").value
    at.text_input(key="wiz_subject").input("{{ member.nmae }}님, 아직 둘러보는 중이신가요?")
    button(at, "다음").click().run()
    assert "제목" in at.error[0].value and "nmae" in at.error[0].value  # a misspelt merge field, caught here
    at.text_input(key="wiz_subject").input(subject)
    button(at, "다음").click().run()

    # 4. 내용: the starter template in the block editor; an expert edits it as HTML, with a live preview
    assert [b["type"] for b in at.session_state["wiz_blocks"]][0] == "heading"
    button(at, "HTML로 직접 편집").click().run()
    html = at.text_area(key="wiz_html").value
    assert html == w.starter_template("no_first_purchase")["html"]
    at.text_area(key="wiz_html").input(html.replace("아직 둘러보는 중이신가요?", "첫 구매 혜택을 챙기세요!", 1)).run()
    assert any("(광고)" in m.value for m in at.markdown)  # the preview's subject carries the ad prefix
    button(at, "다음").click().run()

    # 5. 시작하기
    assert any("가입 후 7일 이내 구매 없음" in m.value for m in at.markdown)
    button(at, "시작하기").click().run()
    assert not at.exception, at.exception
    assert "시작했습니다" in at.success[0].value
    assert at.radio(key="auto_view").value == "list"

    [row] = views.automation_rows(world, w.SHOP)
    assert (row["name"], row["status"], row["trigger"], row["trigger_params"]) == (
        "가입 후 첫 구매 유도", "running", "no_first_purchase", {"days": 7})
    saved = manage.get_automation(world, row["automation_id"])
    # the saved sender, left as prefilled, is followed rather than copied
    assert saved["sender_email"] is None and saved["sender_name"] is None and saved["is_advertising"]
    [template] = views.saved_templates(world, w.SHOP)
    assert "첫 구매 혜택을 챙기세요!" in template["html"] and template["used_by"] == ["가입 후 첫 구매 유도"]
    assert "가입 후 첫 구매 유도" in at.subheader[0].value
    assert "실행 중 · 첫 구매 안 함 · 가입 후 7일 이내 구매 없음 · 조건 충족 즉시 발송 · 광고성" in \
        [c.value for c in at.caption]

    # Who would receive it: m1 (joined Jan 5), m2 (Jan 6), m3 (Jan 7) reach 7 days within the week;
    # m4 refused advertising, m5 joined long ago. None within 24 hours.
    totals = {m.label: m.value for m in at.metric}
    assert totals["받을 회원"] == "0"
    at.radio(key="preview_days").set_value(7).run()
    totals = {m.label: m.value for m in at.metric}
    assert totals["받을 회원"] == "3"
    sample = at.dataframe[0].value
    assert list(sample["이름"]) == ["김민지", "이서준", "박지우"]
    # beside them, who is skipped and why: the preview runs the scheduler's own rules
    assert totals["받을 회원"] == "3" and {m.label: m.value for m in at.metric}["건너뛸 회원"] == "1"
    assert "광고 수신 미동의 1명" in [e.label for e in at.expander]  # m4 refused advertising


def test_wizard_purchase_filter_saved_as_draft_then_started(world):
    w.write(world, categories=[{"category_key": "c-top", "name": "상의", "depth": 1, "path": "상의"}],
            products=[{"product_key": "p-shirt", "name": "린넨 셔츠", "category_keys": ["c-top"]},
                      {"product_key": "p-socks", "name": "코튼 양말", "category_keys": []}])
    at = open_page("pages/automations.py")
    at.radio(key="auto_view").set_value("new").run()
    at.text_input(key="wiz_name").input("셔츠 구매 후기 요청")
    button(at, "다음").click().run()
    assert at.radio(key="wiz_trigger").value == "purchased"
    assert at.multiselect(key="wiz_products").options == ["린넨 셔츠", "코튼 양말"]
    at.multiselect(key="wiz_products").select("p-shirt")
    at.multiselect(key="wiz_categories").select("c-top")
    at.number_input(key="wiz_delay").set_value(72).run()
    button(at, "다음").click().run()
    at.text_input(key="wiz_sender_name").input("하루상점")
    at.text_input(key="wiz_sender_email").input("hello@haru-shop.example")
    assert at.radio(key="wiz_advertising").value is False  # a purchase follow-up informs by default
    assert "광고 수신 동의 없이도 보내요" in " ".join(c.value for c in at.caption)
    button(at, "다음").click().run()
    # Back to the trigger step and forward again: what was chosen is still there.
    button(at, "이전").click().run()
    button(at, "이전").click().run()
    assert at.multiselect(key="wiz_products").value == ["p-shirt"] and at.number_input(key="wiz_delay").value == 72
    button(at, "다음").click().run()
    assert at.radio(key="wiz_advertising").value is False
    button(at, "다음").click().run()
    button(at, "다음").click().run()
    button(at, "시작하지 않고 저장").click().run()
    assert not at.exception, at.exception
    assert "작성 중" in at.success[0].value
    [row] = views.automation_rows(world, w.SHOP)
    assert (row["status"], row["trigger_params"], row["delay_minutes"], row["is_advertising"]) == (
        "draft", {"product_keys": ["p-shirt"], "category_keys": ["c-top"]}, 72 * 60, False)
    assert any("작성 중 · 상품 구매함 · 상품 1개 · 카테고리 1개 · 조건 충족 72시간 뒤 발송 · 정보성" == c.value
               for c in at.caption)
    button(at, "시작하기").click().run()
    assert manage.get_automation(world, row["automation_id"])["status"] == "running"


def test_pause_and_resume_from_the_list(world):
    aid = w.automation(world, "signup")
    at = open_page("pages/automations.py")
    button(at, "일시 중지").click().run()
    assert not at.exception, at.exception
    assert manage.get_automation(world, aid)["status"] == "paused"
    assert any("일시 중지" in s.value for s in at.success)
    assert any(c.value.startswith("일시 중지 · 회원 가입함") for c in at.caption)
    button(at, "다시 시작").click().run()
    assert manage.get_automation(world, aid)["status"] == "running"
    assert any(c.value.startswith("실행 중 · 회원 가입함") for c in at.caption)

    # The same list in English, through the sidebar's language switch.
    at.sidebar.radio(key="language_switch").set_value("en").run()
    assert not at.exception, at.exception
    assert at.title[0].value == "Automated emails" and button(at, "Pause")
    assert any(c.value.startswith("Running · Signed up") for c in at.caption)


def test_a_start_without_a_sender_is_refused_with_a_link_to_the_sender_settings(world):
    aid = w.automation(world, "signup", start=False)
    with world.unit() as con:  # the shop's sender (and its SMTP server) is gone
        con.execute("DELETE FROM sender_settings")
    at = open_page("pages/automations.py")
    at.button(key=f"start:{aid}").click().run()
    assert not at.exception, at.exception
    assert manage.get_automation(world, aid)["status"] == "draft"
    assert at.error[0].value == ("바꾸지 못했습니다: 발신 설정(메일 서버)이 없어서 시작할 수 없어요. "
                                 "발신 설정에서 먼저 저장해 주세요.")
    [link] = [n for n in at.main if n.type == "page_link"]
    assert link.value == "발신 설정으로 가기" and link.proto.page == "sender-settings"

    # the wizard says so at its sender step, with the same link
    at.radio(key="auto_view").set_value("new").run()
    at.text_input(key="wiz_name").input("가입 환영")
    button(at, "다음").click().run()
    button(at, "다음").click().run()
    assert "아직 발신 설정(메일 서버)이 없어요" in at.warning[0].value
    assert [n.value for n in at.main if n.type == "page_link"] == ["발신 설정으로 가기"]


# ---- Templates ------------------------------------------------------------------------------

def test_broken_template_shows_its_line_and_is_not_saved(world):
    at = open_page("pages/templates.py")
    assert at.title[0].value == "템플릿"
    at.selectbox(key="tpl_choice").set_value("new:signup").run()
    button(at, "HTML로 직접 편집").click().run()  # a starter opens in the block editor; experts write HTML
    at.text_input(key="tpl_name").input("환영 인사")
    at.text_area(key="tpl_html").input("<p>안녕하세요</p>\n<p>반가워요</p>\n<p>{% if member.name %}</p>\n")
    button(at, "저장").click().run()
    assert not at.exception, at.exception
    [error] = at.error
    assert "HTML 본문 3번째 줄" in error.value
    assert views.saved_templates(world, w.SHOP) == []
    assert at.text_input(key="tpl_name").value == "환영 인사"  # what was typed is kept for the fix

    at.text_area(key="tpl_html").input("<p>{{ member.name }}님, {{ shop.name }}에 오신 것을 환영해요</p>\n")
    button(at, "저장").click().run()
    assert not at.error and "저장했습니다" in at.success[0].value
    [saved] = views.saved_templates(world, w.SHOP)
    assert saved["name"] == "환영 인사" and at.selectbox(key="tpl_choice").value == saved["template_id"]


def test_preview_for_a_chosen_member_uses_their_data(world):
    at = open_page("pages/templates.py")
    at.selectbox(key="tpl_choice").set_value("new:purchased").run()
    assert any("order.order_key" in m.value for m in at.markdown)  # the merge fields of this trigger
    at.selectbox(key="tpl_preview_member").set_value("m5").run()
    assert not at.exception, at.exception
    assert any("최유나" in m.value and "(광고)" in m.value for m in at.markdown)
    at.selectbox(key="tpl_preview_member").set_value("m1").run()
    assert any("예시로 채웠습니다: order" in c.value for c in at.caption)


# ---- Activity -------------------------------------------------------------------------------

class PickyRecorder(w.Recorder):
    """Accepts every message but m2's, which it turns away for now (451)."""

    async def handle_DATA(self, server, session, envelope):  # noqa: N802
        if "m2@example.com" in envelope.rcpt_tos:
            return "451 4.3.0 mailbox busy, try again later"
        return await super().handle_DATA(server, session, envelope)


@pytest.fixture
def sent_world(world, store_path, fixed_clock):
    """A purchase follow-up: m1, m3 sent; m2 failed (451); m4 skipped (no consent); m5 unknown
    (claimed and handed over when the scheduler died)."""
    recorder = PickyRecorder()
    smtp = w.smtp_server(recorder)
    try:
        w.configure_sender(world, w.smtp_port(smtp))
        aid = w.automation(world, "purchased")
        w.write(world, orders=[w.order(f"o{n}", f"m{n}", w.at(10, 9, 5)) for n in (1, 2, 3, 4)])
        w.tick(world, fixed_clock, w.at(10, 9, 10))
        assert len(recorder.messages) == 2
    finally:
        smtp.stop()
    # m5 orders right after; m2's retry (due 09:11) is not yet due when this one is claimed.
    w.write(world, orders=[w.order("o5", "m5", w.at(10, 9, 10) + dt.timedelta(seconds=20))])
    fixed_clock.set(w.at(10, 9, 10) + dt.timedelta(seconds=30))
    evaluate_all(world, fixed_clock.now())
    journal = Journal.for_store(store_path)
    with world.unit() as con:
        [claimed] = claim(con, EmailChannel.name, fixed_clock.now(), 10)
    assert claimed.member_key == "m5"
    journal.attempt(claimed.message_id)  # handed to SMTP... and the process died here
    journal.close()
    recover(world.unit, EmailChannel.for_store(store_path), now=fixed_clock.now())
    return aid


def test_activity_filters_retries_and_resolves(sent_world, world):
    states = {r["member_key"]: r["state"] for r in outbox_views.activity(world, w.SHOP)}
    assert states == {"m1": "sent", "m2": "failed", "m3": "sent", "m4": "skipped", "m5": "unknown"}

    at = open_page("pages/activity.py")
    assert at.title[0].value == "발송 내역"
    assert len(at.dataframe[-1].value) == 5
    assert at.selectbox(key="activity_state").options == [
        "전체", "발송 완료 (2)", "실패 (다시 시도 예정) (1)", "건너뜀 (1)", "확인 필요 (1)"]
    at.selectbox(key="activity_state").set_value("skipped").run()
    table = at.dataframe[-1].value
    assert list(table["이메일"]) == ["m4@example.com"] and list(table["이유"]) == ["광고 수신 미동의"]
    assert at.selectbox(key="activity_reason").options == ["전체", "광고 수신 미동의 (1)"]
    at.selectbox(key="activity_state").set_value("sent").run()
    assert sorted(at.dataframe[-1].value["이메일"]) == ["m1@example.com", "m3@example.com"]

    # Retry the failed one: back to waiting, a fresh set of tries.
    [failed] = outbox_views.activity(world, w.SHOP, state="failed")
    at.multiselect(key="activity_retry_pick").select(failed["message_id"]).run()
    button(at, "다시 보내기").click().run()
    assert not at.exception, at.exception
    assert "1건을 다시 보내도록 했습니다" in at.success[0].value
    retried = {r["member_key"]: r for r in outbox_views.activity(world, w.SHOP)}["m2"]
    assert (retried["state"], retried["attempts"]) == ("pending", 0)

    # Resolve the unknown one as not sent: it stays unsent and is never sent again.
    assert "확인이 필요한 메시지" in rendered_text(at) and "m5@example.com" in rendered_text(at)
    button(at, "보내지 않음으로 표시").click().run()
    assert "보내지 않은 것으로 표시했습니다" in at.success[0].value
    settled = {r["member_key"]: r for r in outbox_views.activity(world, w.SHOP)}["m5"]
    assert (settled["state"], settled["reason_label"]) == ("cancelled", "운영자 확인: 보내지 않음")
    assert not any(b.label == "보내지 않음으로 표시" for b in at.button)


def test_list_shows_results_from_outbox_opens_clicks_and_attributed_orders(sent_world, world, fixed_clock):
    sent = {r["member_key"]: r["message_id"] for r in outbox_views.activity(world, w.SHOP, state="sent")}
    tracking.record_open(world, sent["m1"], now=w.at(10, 9, 20))
    tracking.record_open(world, sent["m1"], now=w.at(10, 9, 21))  # opened twice: one message opened
    tracking.record_open(world, sent["m3"], now=w.at(10, 9, 22))
    tracking.record_click(world, sent["m1"], "https://haru-shop.example/product/1001", now=w.at(10, 9, 23))
    w.write(world, orders=[w.order("o1-again", "m1", w.at(10, 11), total=45000)])
    fixed_clock.set(w.at(10, 11, 5))
    assert attribute(world, fixed_clock.now()) == 1

    at = open_page("pages/automations.py")
    values = {m.label: m.value for m in at.metric}
    assert (values["발송"], values["건너뜀·취소"], values["실패"]) == ("2", "1", "1")
    # a Korean page prints prices as Korean shops do ("45,000원")
    assert (values["열람"], values["클릭"], values["구매 전환"], values["전환 매출"]) == ("2", "1", "1", "45,000원")
    assert "확인 필요 1건 · 건너뛴 이유: 광고 수신 미동의 1" in [c.value for c in at.caption]


def test_the_pages_work_on_the_sidebars_shop_or_else_the_first(world):
    books = views.address_books(world)
    assert views.chosen_book(books, w.SHOP)["shop_id"] == w.SHOP
    assert views.chosen_book(books, "gone")["shop_id"] == books[0]["shop_id"]
    assert views.chosen_book([], w.SHOP) is None
