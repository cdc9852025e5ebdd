"""Managing automations: an edit applies forward only, duplicate and delete (archive) keep history and
figures, the queue's "send now" and "remove" show in the outbox, and the honest preview equals what the
scheduler then sends and skips, member by member.

Every send goes to a real SMTP server on loopback; the scheduler runs as `python -m core scheduler --once`
where the comparison with the preview is made.
"""
from __future__ import annotations

import datetime as dt

import pytest

from core import clock
from core.automations import manage
from core.automations.evaluate import evaluate_all
from core.automations.preview import preview
from core.public.unsubscribe import unsubscribe
from core.segments import saved as saved_segments
from core.shops import registry
from core.shops.registry import save_shop
from core.store import Store
from tests.support import automation_world as w
from tests.support.automation_world import SHOP, at

pytestmark = pytest.mark.timeout(240)


@pytest.fixture
def shop(store: Store, fixed_clock):
    with w.mailing_shop(store, fixed_clock, at(5, 9)) as recorder:
        yield store, recorder


def subjects_by_rcpt(recorder: w.Recorder) -> dict[str, str]:
    return {str(m["To"]): str(m["Subject"]) for m in recorder.messages}


def test_an_edit_applies_forward_only_unless_the_queue_is_re_rendered(shop, fixed_clock) -> None:
    store, recorder = shop
    aid = w.automation(store, "signup", delay_minutes=60, advertising=False)
    manage.edit_automation(store, aid, subject="처음 제목", now=clock.now())
    w.write(store, members=[w.member("old1", at(5, 9, 10)), w.member("old2", at(5, 9, 20))])
    w.tick(store, fixed_clock, at(5, 9, 30))  # both queued for 10:10 and 10:20 with the first subject
    queued = {r["occurrence_key"]: r["due_at"] for r in w.outbox(store, aid)}
    assert set(queued) == {"old1", "old2"}

    fixed_clock.set(at(5, 9, 40))
    kept = manage.edit_automation(store, aid, subject="바뀐 제목", delay_minutes=120, name="환영 메일 v2",
                                  now=clock.now())
    assert kept == {"kept": 2, "rerendered": 0}
    w.write(store, members=[w.member("new1", at(5, 9, 50))])
    w.tick(store, fixed_clock, at(5, 10, 30))   # old1 (10:10) and old2 (10:20) are due, still as they were
    after = {r["occurrence_key"]: r for r in w.outbox(store, aid)}
    assert after["old1"]["due_at"] == queued["old1"] and after["old2"]["due_at"] == queued["old2"]
    assert after["new1"]["due_at"] == at(5, 11, 50)  # the new delay: planned after the edit
    w.tick(store, fixed_clock, at(5, 11, 50))
    got = subjects_by_rcpt(recorder)
    assert got["old1@example.com"].endswith("처음 제목") and got["old2@example.com"].endswith("처음 제목")
    assert got["new1@example.com"].endswith("바뀐 제목")
    assert manage.get_automation(store, aid)["name"] == "환영 메일 v2"

    # re-rendering: what is queued takes the content of the edit
    w.write(store, members=[w.member("q1", at(5, 12))])
    w.tick(store, fixed_clock, at(5, 12, 5))
    assert manage.edit_automation(store, aid, subject="세 번째 제목", now=clock.now()) == {"kept": 1, "rerendered": 0}
    assert manage.edit_automation(store, aid, subject="네 번째 제목", rerender=True, now=clock.now()) == \
        {"kept": 0, "rerendered": 1}
    w.tick(store, fixed_clock, at(5, 14))
    assert subjects_by_rcpt(recorder)["q1@example.com"].endswith("네 번째 제목")


def test_a_change_of_audience_judges_only_what_becomes_true_after_it(shop, fixed_clock) -> None:
    store, recorder = shop
    vip = saved_segments.save_segment(store, SHOP, "VIP", {"member_groups": ["VIP"]}, now=clock.now())
    aid = w.automation(store, "signup", advertising=False)
    manage.edit_automation(store, aid, audience={"segment_id": vip["segment_id"]}, now=clock.now())
    w.write(store, members=[w.member("v1", at(5, 9, 10)) | {"member_group": "VIP"},
                            w.member("n1", at(5, 9, 20)) | {"member_group": "일반"}])
    fixed_clock.set(at(5, 9, 30))
    w.write(store, members=[w.member("v2", at(5, 9, 25)) | {"member_group": "VIP"}])  # not ticked yet
    # everyone from now on: v2 became true before the edit and is judged by the old rule (it is VIP);
    # n1 was outside the audience when it signed up and stays so, within the trigger's lateness or not
    manage.edit_automation(store, aid, audience=None, now=clock.now())
    w.write(store, members=[w.member("n2", at(5, 9, 40)) | {"member_group": "일반"}])
    w.tick(store, fixed_clock, at(5, 9, 50))
    assert {k: s for k, (s, _) in w.states(store, aid).items()} == {"v1": "sent", "v2": "sent", "n2": "sent"}
    assert sorted(str(m["To"]) for m in recorder.messages) == ["n2@example.com", "v1@example.com",
                                                                "v2@example.com"]


def test_an_edit_is_checked_like_a_new_automation(shop) -> None:
    store, _ = shop
    aid = w.automation(store, "signup", advertising=False)
    with pytest.raises(manage.AutomationError) as refused:
        manage.edit_automation(store, aid, name="  ", now=clock.now())
    assert refused.value.field == "name"
    assert manage.get_automation(store, aid)["name"] == "signup 자동 이메일"  # nothing lost


def test_duplicate_and_delete_keep_history_and_figures(shop, fixed_clock) -> None:
    store, recorder = shop
    aid = w.automation(store, "signup", advertising=False)
    w.write(store, members=[w.member("a1", at(5, 9, 10)), w.member("a2", at(5, 9, 20))])
    w.tick(store, fixed_clock, at(5, 9, 30))
    assert len(recorder.messages) == 2

    copy = manage.duplicate_automation(store, aid, name="환영 메일 사본", now=clock.now())
    original, duplicate = manage.get_automation(store, aid), manage.get_automation(store, copy)
    assert duplicate["status"] == "draft" and duplicate["name"] == "환영 메일 사본"
    for field in ("trigger", "trigger_params", "template_id", "subject", "delay_minutes", "is_advertising"):
        assert duplicate[field] == original[field]
    assert w.outbox(store, copy) == []  # a copy starts without history

    w.write(store, members=[w.member("a3", at(5, 9, 40))])
    fixed_clock.set(at(5, 9, 35))
    manage.archive_automation(store, aid, now=clock.now())
    w.tick(store, fixed_clock, at(5, 10))
    assert len(recorder.messages) == 2  # archived: it never acts again
    listed = manage.list_automations(store, SHOP, archived=False)
    assert aid not in listed["automation_id"].to_list() and copy in listed["automation_id"].to_list()
    archived = manage.list_automations(store, SHOP, archived=True).to_dicts()
    assert [(r["automation_id"], r["status"], r["sent"]) for r in archived] == [(aid, "archived", 2)]
    figures = manage.daily_figures(store, SHOP, since=at(5, 0), tz="Asia/Seoul").to_dicts()
    assert [(f["automation_id"], f["sent"]) for f in figures] == [(aid, 2)]
    assert sorted(r["state"] for r in w.outbox(store, aid)) == ["sent", "sent"]
    with pytest.raises(manage.AutomationError):
        manage.set_status(store, aid, "running", now=clock.now())  # restore first
    manage.restore_automation(store, aid, now=clock.now())
    assert manage.get_automation(store, aid)["status"] == "paused"


def test_send_now_and_remove_show_in_the_outbox_states(shop, fixed_clock) -> None:
    store, recorder = shop
    aid = w.automation(store, "signup", delay_minutes=24 * 60, advertising=False)
    w.write(store, members=[w.member(k, at(5, 9, 10)) for k in ("s1", "s2", "s3")])
    w.tick(store, fixed_clock, at(5, 9, 30))
    queue = manage.queue(store, aid).to_dicts()
    assert [(q["member_key"], q["trigger"], q["occurrence_key"]) for q in queue] == \
        [("s1", "signup", "s1"), ("s2", "signup", "s2"), ("s3", "signup", "s3")]
    ids = {q["member_key"]: q["message_id"] for q in queue}
    fixed_clock.set(at(5, 9, 40))
    assert manage.send_queued_now(store, aid, [ids["s1"]], now=clock.now()) == 1
    assert manage.remove_queued(store, aid, [ids["s2"]], now=clock.now()) == 1
    assert manage.remove_queued(store, "a-other", [ids["s3"]], now=clock.now()) == 0  # not this automation's
    w.tick(store, fixed_clock, at(5, 9, 41))
    assert w.states(store, aid) == {"s1": ("sent", None), "s2": ("skipped", "operator_removed"),
                                    "s3": ("pending", None)}
    assert [str(m["To"]) for m in recorder.messages] == ["s1@example.com"]
    assert [q["member_key"] for q in manage.queue(store, aid).to_dicts()] == ["s3"]


def _judged(p) -> dict[str, tuple[str, str | None]]:
    return {r["occurrence_key"]: (r["outcome"], r["reason"]) for r in p.judged.to_dicts()}


@pytest.mark.slow
def test_the_preview_equals_what_the_scheduler_then_sends_and_skips(shop, store_path, fixed_clock) -> None:
    store, recorder = shop
    w.automation(store, "purchased")  # advertising: it takes the cap first for 'capped'
    welcome = w.automation(store, "signup", delay_minutes=120)  # advertising
    w.write(store, members=[
        w.member("yes", at(5, 10)), w.member("no", at(5, 10), consent=False),
        w.member("unknown", at(5, 10), consent=None), w.member("gone", at(5, 10)),
        w.member("noaddr", at(5, 10), email_=None), w.member("capped", at(5, 10)),
        w.member("late", at(6, 8))])  # signs up tomorrow at 08:00, due at 10:00: outside the window
    w.write(store, orders=[w.order("o-capped", "capped", at(5, 10, 30))])
    unsubscribe(store, SHOP, "gone", "console", now=clock.now())

    p = preview(store, welcome, now=clock.now(), days=1, step=dt.timedelta(hours=12))
    expected = {"yes": ("send", None), "no": ("skip", "no_consent"), "unknown": ("skip", "unknown_consent"),
                "gone": ("skip", "unsubscribed"), "noaddr": ("skip", "no_email"),
                "capped": ("skip", "frequency_cap")}
    assert _judged(p) == expected
    assert p.skipped_by_reason() == {"frequency_cap": 1, "no_consent": 1, "no_email": 1, "unknown_consent": 1,
                                     "unsubscribed": 1}
    assert w.outbox(store) == [] and recorder.messages == []  # nothing of the preview was kept

    for tick_at in p.ticks:
        done = w.cli_once(store_path, tick_at)
        assert done.returncode == 0, done.stderr
    scheduled = {r["occurrence_key"]: ("send" if r["state"] == "sent" else "skip", r["reason"])
                 for r in w.outbox(store, welcome) if r["state"] != "pending"}
    # the scheduler words an unknown consent as no consent; the preview tells them apart
    assert scheduled == {k: (o, "no_consent" if r == "unknown_consent" else r) for k, (o, r) in expected.items()}
    welcome_rcpts = {rcpts[0] for _, rcpts in recorder.envelopes} - {"capped@example.com"}
    assert welcome_rcpts == {"yes@example.com"}
    assert w.states(store, welcome)["late"] == ("pending", None)  # planned, due after the window


def test_a_draft_is_previewed_as_if_it_ran_from_now(shop) -> None:
    store, _ = shop
    w.write(store, members=[w.member("d1", at(5, 10)), w.member("d2", at(5, 10), consent=False)])
    draft = {"shop_id": SHOP, "name": "새 환영 메일", "trigger": "signup", "trigger_params": {},
             "subject": "반가워요", "is_advertising": True, "delay_minutes": 0}
    p = preview(store, None, now=clock.now(), days=1, draft=draft)
    assert _judged(p) == {"d1": ("send", None), "d2": ("skip", "no_consent")}
    as_information = preview(store, None, now=clock.now(), days=1, draft={**draft, "is_advertising": False})
    assert _judged(as_information) == {"d1": ("send", None), "d2": ("send", None)}
    assert manage.list_automations(store).height == 0 and w.outbox(store) == []
    assert evaluate_all(store, clock.now())["planned"] == 0


def test_consent_a_platform_does_not_report_is_shown_as_unknown(store, fixed_clock) -> None:
    fixed_clock.set(at(5, 9))
    save_shop(store, "naver-1", "naver", "하루 스마트스토어")
    with store.unit() as con:
        registry.set_enabled(con, "naver-1", False)
    # Naver Commerce knows its members as orderers, without a consent (stored as unknown, NULL)
    w.write(store, "naver-1", members=[w.member("n1", at(5, 10), consent=None),
                                       w.member("n2", at(5, 10), consent=False)])
    draft = {"shop_id": "naver-1", "name": "가입 축하", "trigger": "signup", "trigger_params": {},
             "subject": "반가워요", "is_advertising": True}
    p = preview(store, None, now=clock.now(), days=1, draft=draft)
    assert _judged(p) == {"n1": ("skip", "unknown_consent"), "n2": ("skip", "no_consent")}
