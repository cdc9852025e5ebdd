"""Managing automations on the Automations page under AppTest, over a real store and a loopback SMTP server:
the queue (send now, remove, test send), edit applied forward with the choice to re-render the queue,
duplicate, delete to the archive (보관함) and restore, and the wizard's advertising choice, review preview
and test send."""
from __future__ import annotations

import pytest
from streamlit.testing.v1 import AppTest

from core.automations import manage
from core.automations.evaluate import evaluate_all
from core.console import activity as outbox_views
from tests.conftest import ROOT
from tests.support import automation_world as w
from tests.support.apptest_support import button

pytestmark = pytest.mark.timeout(180)


@pytest.fixture
def world(store, fixed_clock):
    """하루상점, a welcome e-mail sent a day after signup, and three members waiting for it."""
    fixed_clock.set(w.at(10, 7))
    w.seed_shop(store)
    recorder = w.Recorder()
    controller = w.smtp_server(recorder)
    w.configure_sender(store, w.smtp_port(controller))
    aid = w.automation(store, "signup", delay_minutes=24 * 60, advertising=False)
    w.write(store, members=[w.member("m1", w.at(10, 8), name="김민지"), w.member("m2", w.at(10, 8, 10), name="이서준"),
                            w.member("m3", w.at(10, 8, 20), name="박지우")])
    fixed_clock.set(w.at(10, 9))
    assert evaluate_all(store, w.at(10, 9))["planned"] == 3
    yield store, aid, recorder
    controller.stop()


def open_page() -> AppTest:
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=90).run()
    at.switch_page("pages/automations.py").run()
    assert not at.exception, at.exception
    return at


def flash(at: AppTest) -> str:
    return " ".join(m.value for m in [*at.success, *at.error])


def test_the_queue_shows_who_when_and_why_and_sends_now_or_removes(world, fixed_clock) -> None:
    store, aid, recorder = world
    at = open_page()
    assert "받는 사람: 주소록 전체" in [c.value for c in at.caption]
    assert "발송 대기 3건" in [e.label for e in at.expander]
    queue = at.dataframe[0].value
    assert list(queue["받는 사람"]) == ["김민지", "이서준", "박지우"]
    assert list(queue["대기 이유"]) == ["회원 가입"] * 3
    assert list(queue["발송 예정"])[0].startswith("2026-01-11 08:00")
    ids = {r["member_key"]: r["message_id"] for r in manage.queue(store, aid).to_dicts()}

    at.multiselect(key=f"queue_pick:{aid}").select(ids["m1"]).run()
    button(at, "지금 보내기").click().run()
    assert "다음 발송 때 바로 보내요" in flash(at)
    at.multiselect(key=f"queue_pick:{aid}").select(ids["m2"]).run()
    button(at, "대기에서 빼기").click().run()
    assert "대기에서 뺐어요" in flash(at)
    assert "발송 대기 2건" in [e.label for e in at.expander]

    w.tick(store, fixed_clock, w.at(10, 9, 1))  # the next dispatch
    assert w.states(store, aid) == {"m1": ("sent", None), "m2": ("skipped", "operator_removed"),
                                    "m3": ("pending", None)}
    removed = {r["member_key"]: r for r in outbox_views.activity(store, w.SHOP)}["m2"]
    assert removed["reason_label"] == "운영자가 대기에서 뺌"  # worded on the Activity page

    # a test send of m3's queued message, to an address typed in, through the sender settings
    at = open_page()
    at.text_input(key=f"test_to:{aid}").input("me@haru-shop.example")
    at.selectbox(key=f"test_member:{aid}").set_value("m3")
    button(at, "테스트 발송").click().run()
    assert "me@haru-shop.example(으)로 테스트 메일을 보냈어요" in flash(at)
    test_mail = recorder.messages[-1]
    assert str(test_mail["To"]) == "me@haru-shop.example" and "박지우" in str(test_mail["Subject"])
    assert w.states(store, aid)["m3"] == ("pending", None)  # a test send writes nothing to the outbox

    at.sidebar.radio(key="language_switch").set_value("en").run()
    assert not at.exception, at.exception
    assert "Waiting to send: 1" in [e.label for e in at.expander]
    assert "Recipients: the whole address book" in [c.value for c in at.caption]


def test_edit_applies_forward_unless_the_queue_is_re_rendered(world) -> None:
    store, aid, _ = world
    at = open_page()
    button(at, "수정").click().run()
    assert at.radio(key="auto_view").value == "new" and at.text_input(key="wiz_name").value == "signup 자동 이메일"
    at.text_input(key="wiz_name").input("가입 환영 메일")
    button(at, "다음").click().run()
    button(at, "다음").click().run()
    at.text_input(key="wiz_subject").input("{{ member.name }}님, 반가워요")
    button(at, "다음").click().run()
    button(at, "다음").click().run()
    assert not at.exception, at.exception
    # the review shows both sides of the preview for the edited automation
    labels = {m.label for m in at.metric}
    assert {"받을 회원", "건너뛸 회원"} <= labels
    assert at.checkbox(key="wiz_rerender").label == "발송 대기 중인 3건도 새 내용으로 보내기"
    button(at, "수정 내용 저장").click().run()
    assert not at.exception, at.exception
    assert "수정 내용을 저장했어요" in flash(at) and "3건은 이전 내용으로 나가요" in flash(at)
    saved = manage.get_automation(store, aid)
    assert (saved["name"], saved["subject"]) == ("가입 환영 메일", "{{ member.name }}님, 반가워요")
    assert all(r["content"] is not None for r in w.outbox(store, aid))  # queued: the content they had

    button(at, "수정").click().run()
    for _ in range(4):
        button(at, "다음").click().run()
    at.checkbox(key="wiz_rerender").check().run()
    button(at, "수정 내용 저장").click().run()
    assert "3건도 새 내용으로 나가요" in flash(at)
    assert all(r["content"] is None for r in w.outbox(store, aid))


def test_duplicate_delete_to_the_archive_and_restore(world) -> None:
    store, aid, _ = world
    at = open_page()
    button(at, "복제").click().run()
    assert "사본은 작성 중 상태예요" in flash(at)
    names = [s.value for s in at.subheader]
    assert "signup 자동 이메일 (사본)" in names

    button(at, "보관함으로 옮기기").click().run()  # the first card's, inside its confirmation
    assert "보관함으로 옮겼어요" in flash(at)
    assert "signup 자동 이메일" not in [s.value for s in at.subheader]
    assert manage.get_automation(store, aid)["status"] == "archived"

    at.radio(key="auto_view").set_value("archive").run()
    assert not at.exception, at.exception
    assert [s.value for s in at.subheader] == ["signup 자동 이메일"]
    assert any(c.value.startswith("보관됨 · 회원 가입함") for c in at.caption)
    button(at, "되살리기").click().run()
    assert manage.get_automation(store, aid)["status"] == "paused"
    assert len(w.outbox(store, aid)) == 3  # its history was never touched


def test_the_wizard_defaults_advertising_per_trigger_previews_skips_and_test_sends(world) -> None:
    store, _, recorder = world
    # two members who will sign up later today: the draft's preview foresees them
    w.write(store, members=[w.member("m4", w.at(10, 12), consent=False, name="정하늘"),
                            w.member("m5", w.at(10, 12), name="한가을")])
    at = open_page()
    at.radio(key="auto_view").set_value("new").run()
    at.text_input(key="wiz_name").input("첫 구매 유도")
    button(at, "다음").click().run()
    at.radio(key="wiz_trigger").set_value("signup").run()
    button(at, "다음").click().run()
    assert at.radio(key="wiz_advertising").value is False  # a welcome without an offer informs
    button(at, "이전").click().run()
    at.radio(key="wiz_trigger").set_value("cart_abandoned").run()
    button(at, "다음").click().run()
    assert at.radio(key="wiz_advertising").value is True  # a cart reminder advertises
    assert "광고 수신에 동의한 회원에게만 보내고" in " ".join(c.value for c in at.caption)
    button(at, "이전").click().run()
    at.radio(key="wiz_trigger").set_value("signup").run()
    button(at, "다음").click().run()
    at.radio(key="wiz_advertising").set_value(True).run()
    button(at, "다음").click().run()

    at.text_input(key="wiz_test_to").input("me@haru-shop.example")
    button(at, "테스트 발송").click().run()
    assert any("테스트 메일을 보냈어요" in s.value for s in at.success)
    assert str(recorder.messages[-1]["To"]) == "me@haru-shop.example"
    button(at, "다음").click().run()
    assert not at.exception, at.exception
    # as advertising, m4 (no consent) is skipped; who joined before now is not the draft's (no backfill)
    metrics = {m.label: m.value for m in at.metric}
    assert (metrics["받을 회원"], metrics["건너뛸 회원"]) == ("1", "1")
    assert "광고 수신 미동의 1명" in [e.label for e in at.expander]
    assert "시작하기" in [b.label for b in at.button]


def test_an_edit_keeps_an_audience_given_as_a_rule(world) -> None:
    from core.console import automations as views
    store, aid, _ = world
    manage.edit_automation(store, aid, audience={"rule": {"member_groups": ["VIP"]}}, now=w.clock.now())
    draft = views.draft_of(store, aid)
    views.save_edit(store, {**draft, "name": "VIP 환영 메일"})
    saved = manage.get_automation(store, aid)
    assert saved["name"] == "VIP 환영 메일" and '"member_groups"' in saved["audience"]
    assert views.automation_rows(store, w.SHOP)[0]["audience_label"] == "조건으로 고른 회원"
