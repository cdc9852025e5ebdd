"""Alimtalk notices sent to a fake NHN Cloud KakaoTalk Bizmessage server on loopback: the request as the API
guide documents it (path, X-Secret-Key, senderKey, templateCode, recipientList with templateParameter and
resendParameter), failures retried with backoff then dead and visible in Activity, refusals dead at once,
and the sandbox provider recording locally."""
from __future__ import annotations

import datetime as dt
import threading
import time

import pytest

from core import clock
from core.console import activity as automation_views
from core.loyalty import jobs, notify
from core.loyalty import settings as ls
from core.messaging import alimtalk as api
from core.messaging import dispatch as loop
from core.messaging import outbox as ob
from core.messaging.outbox import MAX_ATTEMPTS, backoff
from core.store import Store
from tests.support import loyalty_world as lw
from tests.support.fakes.alimtalk import FakeAlimtalk

pytestmark = pytest.mark.timeout(120)


def dispatch(store: Store) -> loop.DispatchReport:
    """One run of the scheduler's Alimtalk dispatch job at the test's clock."""
    return loop.dispatch(store.unit, notify.channel(store), now=clock.now(), stop=threading.Event())

TEMPLATES = {
    "VC_STAMP": "[#{쇼핑몰명}] #{고객명}님, 주문 #{주문번호} 배송완료로 스탬프 #{적립스탬프}개가 적립되었습니다. "
                "(#{현재스탬프}/#{스탬프판}) 다 모으면 #{보상}을 드려요.",
    "VC_WARRANTY": "[#{쇼핑몰명}] #{고객명}님, 주문 #{주문번호}의 #{상품명} 보증서가 발급되었습니다. "
                   "보증기간: #{보증기간} #{보증서링크}",
}


@pytest.fixture
def fake():
    with FakeAlimtalk(app_key="appkey-haru", secret_key="secret-haru", sender_key=lw.SENDER_KEY,
                      templates=TEMPLATES) as server:
        yield server


@pytest.fixture
def mall(store, fixed_clock, fake):
    lw.seed(store)
    fixed_clock.set(lw.at(5))
    ls.save_alimtalk_secret(lw.SHOP, "secret-haru")
    lw.configure(store, stamps={"card_size": 10}, warranty={},
                 alimtalk={"provider": "nhn", "app_key": "appkey-haru", "sender_key": lw.SENDER_KEY,
                           "base_url": fake.url, "sms_fallback": True, "fallback_send_no": "0212345678",
                           "templates": {"stamp": "VC_STAMP", "warranty": "VC_WARRANTY"}})
    return store


def outbox(store) -> dict[str, dict]:
    return {r["idempotency_key"]: r for r in lw.rows(store, "SELECT * FROM outbox")}


def test_requests_carry_the_template_code_variables_and_recipient_as_documented(mall, fixed_clock, fake):
    lw.order(mall, "o1", "m1", ["p-linen"], delivered_at=lw.at(10, 10))
    lw.order(mall, "o2", "m2", ["p-bag"], delivered_at=lw.at(10, 10))          # 김철수 has no phone number
    lw.run_jobs(mall, fixed_clock, lw.at(10, 11))

    assert len(fake.requests) == 2 and len(fake.accepted) == 2
    for request in fake.requests:
        assert request["path"] == "/alimtalk/v2.3/appkeys/appkey-haru/messages"
        assert request["headers"]["x-secret-key"] == "secret-haru"
        assert request["headers"]["content-type"].startswith("application/json")
        assert request["body"]["senderKey"] == lw.SENDER_KEY
        recipient = request["body"]["recipientList"][0]
        assert recipient["recipientNo"] == "01012345678"
        assert recipient["resendParameter"] == {"isResend": True, "resendSendNo": "0212345678"}
        assert request["headers"]["x-nc-api-idempotency-key"] == recipient["recipientGroupingKey"]
    by_code = {a["templateCode"]: a for a in fake.accepted}
    code = lw.rows(mall, "SELECT code FROM warranties WHERE item_key = 'o1-1'")[0]["code"]
    assert by_code["VC_WARRANTY"]["templateParameter"] == {
        "고객명": "홍길동", "쇼핑몰명": "하루상점", "주문번호": "o1", "상품명": "프렌치 린넨 셔츠",
        "보증기간": "2027-01-09까지", "보증서링크": f"http://127.0.0.1:8625/w/{code}"}
    assert by_code["VC_STAMP"]["content"] == ("[하루상점] 홍길동님, 주문 o1 배송완료로 스탬프 1개가 적립되었습니다. "
                                              "(1/10) 다 모으면 STAMP-5000을 드려요.")
    rows = outbox(mall)
    assert rows["loyalty:stamp:shop-1:o1"]["state"] == "sent"
    assert (rows["loyalty:stamp:shop-1:o2"]["state"], rows["loyalty:stamp:shop-1:o2"]["reason"]) == \
        ("skipped", "no_phone")
    assert not any(r["is_advertising"] for r in rows.values())
    # No reward template is set: a full card would file its reward but plan no reward notice.
    assert not any(k.startswith("loyalty:reward") for k in rows)


def test_a_provider_failure_is_retried_with_backoff_then_dead_and_shown_in_activity(mall, fixed_clock, fake):
    lw.order(mall, "o1", "m1", ["p-linen"], delivered_at=lw.at(10, 10))
    fake.fail_next(2 * MAX_ATTEMPTS, status=503)
    now = lw.at(10, 11)
    lw.run_jobs(mall, fixed_clock, now)
    first = outbox(mall)["loyalty:stamp:shop-1:o1"]
    assert (first["state"], first["attempts"], first["reason"]) == ("failed", 1, "temporary_failure")
    assert "HTTP 503" in first["last_error"]
    assert first["next_attempt_at"] == now + backoff(1)

    fixed_clock.set(now + backoff(1) - dt.timedelta(seconds=1))     # not due yet: nothing is tried
    tried = len(fake.requests)
    dispatch(mall)
    assert len(fake.requests) == tried
    for attempt in range(1, MAX_ATTEMPTS):
        now += backoff(attempt)
        fixed_clock.set(now)
        dispatch(mall)
    row = outbox(mall)["loyalty:stamp:shop-1:o1"]
    assert (row["state"], row["attempts"]) == ("dead", MAX_ATTEMPTS)
    assert row["reason"] == "gave_up_after_retries" and "HTTP 503" in row["last_error"]
    shown = {r["occurrence_key"]: r for r in automation_views.activity(mall, lw.SHOP, state="dead")}
    assert shown["o1"]["state_label"] and shown["o1"]["automation_id"] == "loyalty:stamp"


def test_a_refusal_is_dead_at_once_and_a_duplicate_request_counts_as_received(mall, fixed_clock, fake):
    fake.templates.pop("VC_WARRANTY")                                   # the template was deleted at the provider
    lw.order(mall, "o1", "m1", ["p-linen"], delivered_at=lw.at(10, 10))
    lw.run_jobs(mall, fixed_clock, lw.at(10, 11))
    rows = outbox(mall)
    warranty = rows["loyalty:warranty:shop-1:o1-1"]
    assert (warranty["state"], warranty["reason"], warranty["attempts"]) == ("dead", "provider_refused", 1)
    assert "-3003" in warranty["last_error"]
    assert rows["loyalty:stamp:shop-1:o1"]["state"] == "sent"

    # The same idempotency key within 10 minutes: NHN refuses with -1005; its message list holds the first
    # request, so the message counts as received.
    message = api.AlimtalkMessage("m-1", "VC_STAMP", "01012345678", {v: "x" for v in notify.VARIABLES["stamp"]})
    client = api.NhnAlimtalkClient("appkey-haru", "secret-haru", lw.SENDER_KEY, fake.url, now=fixed_clock.now())
    try:
        assert client.send(message).result_code == 0
        assert client.send(message).result_code == api.ALREADY_RECEIVED
        fake.refuse_next(1, -1001)
        with pytest.raises(api.TransientAlimtalkError, match="-1001"):
            client.send(api.AlimtalkMessage("m-2", "VC_STAMP", "01012345678", message.params))
    finally:
        client.close()


def test_an_unreachable_provider_fails_the_batch_without_waiting_on_each(mall, fixed_clock, fake):
    lw.order(mall, "o1", "m1", ["p-linen", "p-tee"], delivered_at=lw.at(10, 10))
    fake.stop()
    lw.run_jobs(mall, fixed_clock, lw.at(10, 11))
    states = {(r["state"], r["reason"]) for r in outbox(mall).values()}
    assert states == {("failed", "temporary_failure")}


def test_the_sandbox_provider_records_locally_and_switching_alimtalk_off_cancels(store, store_path, fixed_clock):
    lw.seed(store)
    fixed_clock.set(lw.at(5))
    lw.configure(store, stamps={}, alimtalk={})
    lw.order(store, "o1", "m1", ["p-tee"], delivered_at=lw.at(10, 10))
    lw.order(store, "o2", "m3", ["p-tee"], delivered_at=lw.at(10, 10))
    fixed_clock.set(lw.at(10, 11))
    jobs.issue_all(store, clock.now())
    ls.save(store, lw.SHOP, ls.AlimtalkSettings(enabled=False, templates={"stamp": "VC_STAMP"}), now=clock.now())
    dispatch(store)
    assert {r["state"] for r in lw.rows(store, "SELECT state FROM outbox")} == {"cancelled"}
    assert lw.sandbox_lines(store_path) == []

    ls.save(store, lw.SHOP, ls.AlimtalkSettings(enabled=True, templates={"stamp": "VC_STAMP"}), now=clock.now())
    lw.order(store, "o3", "m3", ["p-tee"], delivered_at=lw.at(10, 12))
    fixed_clock.set(lw.at(10, 13))
    jobs.issue_all(store, clock.now())
    dispatch(store)
    lines = lw.sandbox_lines(store_path)
    assert [(x["request"]["templateCode"], x["request"]["recipientList"][0]["recipientNo"]) for x in lines] == \
        [("VC_STAMP", "01098765432")]
    assert lines[0]["request"]["recipientList"][0]["templateParameter"]["현재스탬프"] == "2"


def test_no_answer_after_sending_is_unknown_and_a_crash_mid_batch_is_settled_from_the_journal(mall, fixed_clock, fake):
    # The request reached the provider but the answer never came: the customer may have it.
    client = api.NhnAlimtalkClient("appkey-haru", "secret-haru", lw.SENDER_KEY, fake.url, timeout=0.3,
                                   now=fixed_clock.now())
    fake.hang_next(1, seconds=1.0)
    try:
        with pytest.raises(api.DeliveryUnknown):
            client.send(api.AlimtalkMessage("m-9", "VC_STAMP", "01012345678",
                                            {v: "x" for v in notify.VARIABLES["stamp"]}))
    finally:
        client.close()

    # A dispatcher killed mid-batch: one message handed over (journal A), one accepted (A, S), one never tried.
    lw.order(mall, "o1", "m1", ["p-linen", "p-tee"], delivered_at=lw.at(10, 10))
    fixed_clock.set(lw.at(10, 11))
    jobs.issue_all(mall, clock.now())
    with mall.unit() as con:
        claimed = ob.claim(con, notify.CHANNEL, fixed_clock.now(), 10)
    assert len(claimed) == 3
    journal = notify.journal_for(mall)
    journal.attempt(claimed[0].message_id)
    journal.attempt(claimed[1].message_id)
    journal.accepted(claimed[1].message_id)
    journal.close()
    report = dispatch(mall)
    assert report.reconciled == {"unknown": 1, "sent": 1, "pending": 1}
    states = {r["message_id"]: (r["state"], r["reason"]) for r in lw.rows(mall, "SELECT * FROM outbox")}
    assert states[claimed[0].message_id] == ("unknown", "crashed_during_send")   # never re-sent automatically
    assert states[claimed[1].message_id][0] == "sent"
    assert states[claimed[2].message_id][0] == "sent"                            # released, then sent now
    # The provider did take the unanswered request (why it is "unknown", not "failed"), then only the released one.
    # (compared as a set: the hung request is recorded when the fake wakes, maybe after the released one)
    deadline = time.monotonic() + 5
    while len(fake.accepted) < 2 and time.monotonic() < deadline:
        time.sleep(0.05)
    assert sorted(a["recipientGroupingKey"] for a in fake.accepted) == sorted(["m-9", claimed[2].message_id])
