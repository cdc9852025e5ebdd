"""The NHN Cloud Alimtalk client against its v2.3 guide, through the fake on loopback: the guide's API domain
by default (the former one only as a setting), -1005 reconciled through the message list before a message is
called sent, and only Korean mobile numbers as recipients, by the one normaliser."""
from __future__ import annotations

import datetime as dt
import threading

import pytest

from core import clock, config
from core.integrations import normalize
from core.loyalty import jobs, notify
from core.loyalty import settings as ls
from core.messaging import alimtalk as api
from core.messaging import dispatch as loop
from core.messaging.outbox import State
from core.store import Store
from tests.support import loyalty_world as lw
from tests.support.fakes.alimtalk import FakeAlimtalk

pytestmark = pytest.mark.timeout(120)

TEMPLATES = {"VC_STAMP": "[#{쇼핑몰명}] #{고객명}님, 주문 #{주문번호} 스탬프 #{적립스탬프}개 "
                         "(#{현재스탬프}/#{스탬프판}) #{보상}"}
PARAMS = {v: "x" for v in notify.VARIABLES["stamp"]}
NOW = dt.datetime(2026, 3, 2, 10, 0, tzinfo=dt.UTC)


@pytest.fixture
def fake():
    with FakeAlimtalk(app_key="appkey-haru", secret_key="secret-haru", sender_key=lw.SENDER_KEY,
                      templates=TEMPLATES) as server:
        yield server


def _client(fake: FakeAlimtalk) -> api.NhnAlimtalkClient:
    return api.NhnAlimtalkClient("appkey-haru", "secret-haru", lw.SENDER_KEY, fake.url, now=NOW)


# ---------------------------------------------------------------- the host


def test_the_guides_domain_is_the_default_and_the_former_one_only_a_setting(
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("ALIMTALK_BASE_URL", raising=False)
    expected = "https://kakaotalk-bizmessage.api.nhncloudservice.com/alimtalk/v2.3/appkeys/k/messages"
    assert api.NhnAlimtalkClient("k", "s", lw.SENDER_KEY, None, now=NOW).url == expected
    assert ls.AlimtalkSettings().base_url == config.ALIMTALK_BASE_URL
    # Settings saved with the former default follow the configuration instead of pinning the old domain.
    assert api.NhnAlimtalkClient("k", "s", lw.SENDER_KEY, config.ALIMTALK_LEGACY_BASE_URL, now=NOW).url == expected
    monkeypatch.setenv("ALIMTALK_BASE_URL", config.ALIMTALK_LEGACY_BASE_URL)
    assert api.NhnAlimtalkClient("k", "s", lw.SENDER_KEY, "", now=NOW).url.startswith(
        "https://api-alimtalk.cloud.toast.com/alimtalk/v2.3/")
    # A shop's own address (a proxy, a test server) is kept as it is.
    assert api.NhnAlimtalkClient("k", "s", lw.SENDER_KEY, "http://127.0.0.1:9/", now=NOW).url.startswith(
        "http://127.0.0.1:9/alimtalk/")


# ---------------------------------------------------------------- -1005


def test_a_duplicate_key_whose_first_request_landed_is_sent_with_the_first_requests_id(fake: FakeAlimtalk) -> None:
    message = api.AlimtalkMessage("msg-1", "VC_STAMP", "01012345678", PARAMS)
    client = _client(fake)
    try:
        first = client.send(message)
        again = client.send(message)
    finally:
        client.close()
    assert (first.result_code, again.result_code) == (0, api.ALREADY_RECEIVED)
    assert again.request_id == first.request_id and len(fake.accepted) == 1
    lookup = fake.lookups[-1]
    assert lookup["recipientGroupingKey"] == "msg-1"
    start, end = (dt.datetime.strptime(lookup[k], "%Y-%m-%d %H:%M") for k in ("startRequestDate", "endRequestDate"))
    assert start <= dt.datetime(2026, 3, 2, 19, 0) <= end and end - start <= dt.timedelta(days=30)  # KST minutes


def test_a_duplicate_key_whose_first_request_never_landed_is_not_called_sent(fake: FakeAlimtalk) -> None:
    message = api.AlimtalkMessage("msg-2", "VC_STAMP", "01012345678", PARAMS)
    fake.drop_next(1)  # the provider took the key, then failed before sending anything
    lane = api._AlimtalkLane(_client(fake), ls.AlimtalkSettings())
    try:
        assert lane.send(message).state == State.FAILED              # HTTP 500: retried later
        retried = lane.send(message)                                  # -1005, and the message list is empty
        assert (retried.state, retried.reason) == (State.FAILED, "temporary_failure")
        assert "never landed" in (retried.error or "")
        assert fake.accepted == []
        fake.expire_keys()                                            # ten minutes later the key is free
        assert lane.send(message).state == State.SENT
    finally:
        lane.close()
    assert [a["recipientGroupingKey"] for a in fake.accepted] == ["msg-2"]


def test_a_duplicate_key_that_cannot_be_looked_up_is_unknown_never_sent_blindly() -> None:
    with pytest.raises(api.DeliveryUnknown):
        api.interpret_lookup(503, "<html>busy</html>", "msg-3")
    with pytest.raises(api.DeliveryUnknown):
        api.interpret_lookup(200, '{"header": {"resultCode": -1001, "isSuccessful": false}}', "msg-3")
    failed = ('{"header": {"resultCode": 0, "isSuccessful": true}, "messageSearchResultResponse": {"messages": '
              '[{"requestId": "r", "recipientGroupingKey": "msg-3", "messageStatus": "FAILED", "resultCode": "MRC02"}'
              '], "totalCount": 1}}')
    with pytest.raises(api.PermanentAlimtalkError):
        api.interpret_lookup(200, failed, "msg-3")


# ---------------------------------------------------------------- recipients


@pytest.mark.parametrize(("phone", "number"), [
    ("010-1234-5678", "01012345678"), ("+82 10-9876-5432", "01098765432"), ("011-234-5678", "0112345678"),
    ("016 1234 5678", "01612345678"), ("019-123-4567", "0191234567"),
    ("02-123-4567", None), ("031-123-4567", None), ("070-1234-5678", None), ("1588-1234", None),
    ("010-123-456", None), (None, None), ("", None),
])
def test_only_korean_mobile_numbers_are_recipients_by_the_one_normaliser(phone: str | None,
                                                                          number: str | None) -> None:
    assert api.recipient_number(phone) == normalize.mobile(phone) == number


def test_a_member_with_a_landline_is_skipped_as_having_no_mobile_number(
        store: Store, fixed_clock: clock.FixedClock, fake: FakeAlimtalk) -> None:
    lw.seed(store)
    fixed_clock.set(lw.at(5))
    ls.save_alimtalk_secret(lw.SHOP, "secret-haru")
    lw.configure(store, stamps={"card_size": 10},
                 alimtalk={"provider": "nhn", "app_key": "appkey-haru", "sender_key": lw.SENDER_KEY,
                           "base_url": fake.url, "templates": {"stamp": "VC_STAMP"}})
    with store.unit() as con:  # the member's number is a Seoul landline
        con.execute("UPDATE members SET phone = '02-345-6789' WHERE member_key = 'm1'")
    lw.order(store, "o1", "m1", ["p-tee"], delivered_at=lw.at(10, 10))
    lw.order(store, "o3", "m3", ["p-tee"], delivered_at=lw.at(10, 10))
    fixed_clock.set(lw.at(10, 11))
    jobs.issue_all(store, clock.now())
    loop.dispatch(store.unit, notify.channel(store), now=clock.now(), stop=threading.Event())
    rows = {r["member_key"]: r for r in lw.rows(store, "SELECT * FROM outbox")}
    assert (rows["m1"]["state"], rows["m1"]["reason"], rows["m1"]["recipient"]) == ("skipped", "no_phone", None)
    assert (rows["m3"]["state"], rows["m3"]["recipient"]) == ("sent", "01098765432")
    assert [a["recipientNo"] for a in fake.accepted] == ["01098765432"]


def test_a_row_planned_for_a_landline_is_never_handed_to_the_provider(fake: FakeAlimtalk) -> None:
    lane = api._AlimtalkLane(_client(fake), ls.AlimtalkSettings())
    try:
        landline = lane.send(api.AlimtalkMessage("msg-5", "VC_STAMP", "0234567890", PARAMS))
        mobile = lane.send(api.AlimtalkMessage("msg-6", "VC_STAMP", "01098765432", PARAMS))
    finally:
        lane.close()
    assert (landline.state, landline.reason) == (State.DEAD, "no_phone")
    assert mobile.state == State.SENT
    assert [r["body"]["recipientList"][0]["recipientNo"] for r in fake.requests] == ["01098765432"]
