"""Stamps and warranties issued by the scheduler, driven by `python -m core scheduler --once --now ISO`
over a real store: once per order / order item across ticks and restarts, N days after, manual pending,
category scope at every depth, the certificate's product name, a full card's reward once."""
from __future__ import annotations

import datetime as dt
import json

import pytest

from core import clock
from core.loyalty import jobs, stamps, warranty
from core.loyalty import settings as ls
from core.loyalty.product_names import strip_phrases
from core.loyalty.settings import DEFAULT_STRIP_PHRASES
from tests.support import loyalty_world as lw

pytestmark = pytest.mark.timeout(180)


@pytest.fixture
def mall(store, fixed_clock):
    lw.seed(store)
    fixed_clock.set(lw.at(5))
    return store


@pytest.mark.slow
def test_a_delivery_issues_one_stamp_and_one_warranty_per_item_exactly_once(mall, store_path, fixed_clock):
    lw.configure(mall, stamps={"card_size": 10}, warranty={}, alimtalk={})
    lw.order(mall, "o-before", "m1", ["p-tee"], delivered_at=lw.at(4))        # before switching on: never counts
    lw.order(mall, "o1", "m1", ["p-linen", "p-tee"], delivered_at=lw.at(10, 10))
    lw.order(mall, "o2", "m3", ["p-bag"], delivered_at=None)                   # still shipping
    lw.order(mall, "o3", "m1", ["p-pants"], delivered_at=lw.at(10, 11), status="cancelled")

    for when in (lw.at(10, 12), lw.at(10, 12), lw.at(10, 12, 5)):             # ticks, and a restart at the same time
        lw.cli_once(store_path, when)
    lw.order(mall, "o2", "m3", ["p-bag"], delivered_at=lw.at(11, 15))          # the sync brings the delivery later
    lw.cli_once(store_path, lw.at(11, 16))

    given = lw.rows(mall, "SELECT order_key, member_key, stamps, total_after FROM stamps ORDER BY order_key")
    assert given == [{"order_key": "o1", "member_key": "m1", "stamps": 1, "total_after": 1},
                     {"order_key": "o2", "member_key": "m3", "stamps": 1, "total_after": 1}]
    issued = lw.rows(mall, "SELECT item_key, status, code, product_name, holder_name FROM warranties ORDER BY item_key")
    assert [r["item_key"] for r in issued] == ["o1-1", "o1-2", "o2-1"]
    assert all(r["status"] == "issued" and len(r["code"]) >= 22 for r in issued)
    assert len({r["code"] for r in issued}) == 3
    assert [r["product_name"] for r in issued] == ["프렌치 린넨 셔츠", "오버핏 코튼 티셔츠", "레더 토트백"]
    assert [r["holder_name"] for r in issued] == ["홍*동", "홍*동", "남**수"]

    # One notice per stamp and per warranty, each sent once to the sandbox provider.
    outbox = lw.rows(mall, "SELECT idempotency_key, state, channel, is_advertising, recipient FROM outbox "
                           "ORDER BY idempotency_key")
    assert [r["idempotency_key"] for r in outbox] == [
        "loyalty:stamp:shop-1:o1", "loyalty:stamp:shop-1:o2",
        "loyalty:warranty:shop-1:o1-1", "loyalty:warranty:shop-1:o1-2", "loyalty:warranty:shop-1:o2-1"]
    assert {(r["state"], r["channel"], r["is_advertising"]) for r in outbox} == {("sent", "alimtalk", False)}
    assert {r["recipient"] for r in outbox} == {"01012345678", "01098765432"}
    sent = lw.sandbox_lines(store_path)
    assert len(sent) == 5 and len({s["message_id"] for s in sent}) == 5
    stamp = next(s["request"] for s in sent if s["request"]["templateCode"] == "VC_STAMP"
                 and s["request"]["recipientList"][0]["templateParameter"]["주문번호"] == "o1")
    assert stamp["recipientList"][0]["templateParameter"] | {} == {
        "주문번호": "o1", "적립스탬프": "1", "현재스탬프": "1", "스탬프판": "10", "보상": "STAMP-5000",
        "고객명": "홍길동", "쇼핑몰명": "하루상점"}


def test_n_days_after_issues_on_day_n(mall, store_path, fixed_clock):
    lw.configure(mall, warranty={"delay_days": 3})
    lw.order(mall, "o1", "m1", ["p-linen"], delivered_at=lw.at(10, 10))
    lw.cli_once(store_path, lw.at(13, 9, 59))         # day 3, a minute before: not yet
    assert lw.rows(mall, "SELECT * FROM warranties") == []
    lw.cli_once(store_path, lw.at(13, 10, 0))         # day 3 at the delivery's hour
    issued = lw.rows(mall, "SELECT status, issued_at, valid_until FROM warranties")
    assert [(r["status"], r["issued_at"]) for r in issued] == [("issued", lw.at(13, 10))]
    assert issued[0]["valid_until"] == dt.date(2027, 1, 9)   # 12 months from the delivery day, inclusive


def test_manual_mode_leaves_items_pending_until_issued_by_hand(mall, store_path, fixed_clock):
    lw.configure(mall, warranty={"timing": "manual"}, alimtalk={})
    lw.order(mall, "o1", "m1", ["p-linen", "p-bag"], delivered_at=lw.at(10, 10))
    lw.run_jobs(mall, fixed_clock, lw.at(10, 12))
    lw.run_jobs(mall, fixed_clock, lw.at(12, 12))
    pending = lw.rows(mall, "SELECT item_key, status, code FROM warranties ORDER BY item_key")
    assert pending == [{"item_key": "o1-1", "status": "pending", "code": None},
                       {"item_key": "o1-2", "status": "pending", "code": None}]
    assert lw.rows(mall, "SELECT * FROM outbox") == []
    assert warranty.history(mall, lw.SHOP, status="pending")["item_key"].to_list() == ["o1-1", "o1-2"]

    fixed_clock.set(lw.at(12, 13))
    assert warranty.issue_pending(mall, lw.SHOP, ["o1-2"], now=clock.now()) == 1
    # already issued: nothing twice
    assert warranty.issue_pending(mall, lw.SHOP, ["o1-2"], now=clock.now()) == 0
    lw.run_jobs(mall, fixed_clock, lw.at(12, 14))
    after = lw.rows(mall, "SELECT item_key, status, issued_by, product_name FROM warranties ORDER BY item_key")
    assert after == [{"item_key": "o1-1", "status": "pending", "issued_by": None, "product_name": None},
                     {"item_key": "o1-2", "status": "issued", "issued_by": "console", "product_name": "레더 토트백"}]
    assert [s["request"]["templateCode"] for s in lw.sandbox_lines(store_path)] == ["VC_WARRANTY"]

    assert warranty.revoke(mall, lw.SHOP, ["o1-2"], "반품 접수", now=clock.now()) == 1
    assert warranty.history(mall, lw.SHOP, status="revoked")["revoked_reason"].to_list() == ["반품 접수"]
    with pytest.raises(ls.SettingsError, match="reason"):
        warranty.revoke(mall, lw.SHOP, ["o1-1"], "  ", now=clock.now())


SCOPES = [  # (chosen categories, the products whose items get a warranty)
    (["c-wear"], {"p-linen", "p-tee", "p-pants"}),        # 대분류: everything below it
    (["c-top"], {"p-linen", "p-tee"}),                    # 대분류 > 중분류
    (["c-shirt"], {"p-linen"}),                           # … > 소분류
    (["c-linen"], {"p-linen"}),                           # … > 세분류
    (["c-tee", "c-goods"], {"p-tee", "p-bag"}),           # two branches at different depths
    (["c-bottom", "c-wear"], {"p-linen", "p-tee", "p-pants"}),   # a category and its own parent
]


def test_category_scope_at_each_depth(mall, fixed_clock):
    lw.order(mall, "o1", "m1", list(lw.PRODUCTS), delivered_at=lw.at(10, 10))
    for chosen, expected in SCOPES:
        ws = ls.WarrantySettings(enabled=True, scope="categories", category_keys=chosen, active_from=lw.at(5))
        with mall.unit() as con:
            due = warranty.due_items(con, lw.SHOP, ws.validate(), lw.at(10, 11))
        assert set(due["product_key"]) == expected, chosen
    # And through the job: the chosen scope is what gets issued.
    lw.configure(mall, warranty={"scope": "categories", "category_keys": ["c-top"]})
    fixed_clock.set(lw.at(10, 11))
    jobs.issue_all(mall, clock.now())
    assert {r["product_key"] for r in lw.rows(mall, "SELECT product_key FROM warranties")} == {"p-linen", "p-tee"}


NAMES = [  # (name as the mall lists it, the phrases, what the certificate shows)
    ("[당일발송] 프렌치 린넨 셔츠 특가할인", DEFAULT_STRIP_PHRASES, "프렌치 린넨 셔츠"),
    ("아이유착용 오버핏 코튼 티셔츠", DEFAULT_STRIP_PHRASES, "오버핏 코튼 티셔츠"),
    ("예약배송 와이드 데님 팬츠 (특가할인)", DEFAULT_STRIP_PHRASES, "와이드 데님 팬츠"),
    ("제니착용/트위드 자켓 [예약배송]", DEFAULT_STRIP_PHRASES, "트위드 자켓"),
    ("[당일발송][특가할인] 캐시미어 머플러 - 수지착용", DEFAULT_STRIP_PHRASES, "캐시미어 머플러"),
    ("아이유 착용 니트", DEFAULT_STRIP_PHRASES, "아이유 착용 니트"),        # not one word: kept as written
    ("특가할인 예약배송", DEFAULT_STRIP_PHRASES, "특가할인 예약배송"),        # nothing left: kept rather than emptied
    ("[무료배송] [신상] 울 코트", ("[OOO]",), "울 코트"),                   # [OOO] removes every bracketed tag
    ("울 코트 1+1 이벤트", ("1+1 이벤트",), "울 코트"),                     # phrases are literal, not regexes
]


@pytest.mark.parametrize("name, phrases, shown", NAMES)
def test_promotional_phrases_are_stripped(name, phrases, shown):
    assert strip_phrases(name, phrases) == shown


SOURCES = [("name", "프렌치 린넨 셔츠"), ("name_en", "French Linen Shirt"),
           ("supplier_name", "린넨셔츠(공급) LS-01"), ("model_name", "LS-01")]


def test_name_source_reaches_the_certificate(mall, fixed_clock):
    lw.order(mall, "o1", "m1", ["p-linen", "p-pants"], delivered_at=lw.at(10, 10))
    for source, shown in SOURCES:
        ws = ls.WarrantySettings(enabled=True, name_source=source, active_from=lw.at(5))
        with mall.unit() as con:
            shown_as = warranty.snapshot(con, lw.SHOP, ws, warranty.due_items(con, lw.SHOP, ws, lw.at(10, 11)))
        names = dict(zip(shown_as["item_key"], shown_as["product_name"], strict=True))
        assert names["o1-1"] == shown, source
        # The pants have no supplier name: the product name stands in, stripped of 예약배송 and (특가할인).
        assert names["o1-2"] == {"name_en": "Wide Denim Pants", "model_name": "DP-7"}.get(source, "와이드 데님 팬츠")

    lw.configure(mall, warranty={"name_source": "model_name", "show_image": False,
                                 "detail_fields": [{"key": "소재", "label": "소재 (Material)"}],
                                 "extra_fields": [{"label": "A/S 문의", "value": "02-1234-5678"}]})
    fixed_clock.set(lw.at(10, 11))
    jobs.issue_all(mall, clock.now())
    got = lw.rows(mall, "SELECT item_key, product_name, image_url, details::VARCHAR AS details FROM warranties "
                        "ORDER BY item_key")
    assert [(r["product_name"], r["image_url"]) for r in got] == [("LS-01", None), ("DP-7", None)]
    assert json.loads(got[0]["details"]) == [["소재 (Material)", "린넨 100%"], ["A/S 문의", "02-1234-5678"]]
    assert json.loads(got[1]["details"]) == [["A/S 문의", "02-1234-5678"]]      # no 소재 on the pants: left out


def test_a_full_card_issues_its_reward_once(mall, store_path, fixed_clock):
    lw.configure(mall, stamps={"card_size": 3, "stamps_per_order": 1}, alimtalk={})
    for n, day in enumerate((10, 11), 1):
        lw.order(mall, f"o{n}", "m1", ["p-tee"], delivered_at=lw.at(day, 10))
    lw.run_jobs(mall, fixed_clock, lw.at(11, 12))
    assert lw.rows(mall, "SELECT * FROM stamp_rewards") == []
    # the third fills the card, the fourth starts one
    for n, day in ((3, 12), (4, 13)):
        lw.order(mall, f"o{n}", "m1", ["p-tee"], delivered_at=lw.at(day, 10))
    lw.cli_once(store_path, lw.at(13, 12))                              # a restarted scheduler fills the card
    lw.run_jobs(mall, fixed_clock, lw.at(14, 12))
    fixed_clock.set(lw.at(14, 13))
    jobs.issue_all(mall, clock.now())                                                # and the job once more, directly
    rewards = lw.rows(mall, "SELECT member_key, card_no, reward, order_key FROM stamp_rewards")
    assert rewards == [{"member_key": "m1", "card_no": 1, "reward": "STAMP-5000", "order_key": "o3"}]
    card = stamps.cards(mall, lw.SHOP).to_dicts()[0]
    assert (card["stamps"], card["on_card"], card["full_cards"], card["rewards"]) == (4, 1, 1, 1)
    ledger = stamps.ledger(mall, lw.SHOP, "m1").to_dicts()
    assert [(e["kind"], e["order_key"], e["total"]) for e in ledger] == [
        ("stamp", "o1", 1), ("stamp", "o2", 2), ("stamp", "o3", 3), ("reward", "o3", None), ("stamp", "o4", 4)]
    notices = [s["request"] for s in lw.sandbox_lines(store_path)]
    positions = [n["recipientList"][0]["templateParameter"].get("현재스탬프") for n in notices
                 if n["templateCode"] == "VC_STAMP"]
    assert sorted(positions) == ["1", "1", "2", "3"]                     # "3 of 3", then "1 of 3" on the next card
    assert [n["recipientList"][0]["templateParameter"]["보상"] for n in notices
            if n["templateCode"] == "VC_REWARD"] == ["STAMP-5000"]


def test_settings_refuse_bad_values_with_the_field_named(mall):
    with pytest.raises(ls.SettingsError, match="card_size"):
        ls.save(mall, lw.SHOP, ls.StampSettings(enabled=True, card_size=0, reward="X"), now=clock.now())
    with pytest.raises(ls.SettingsError, match="category_keys"):
        ls.save(mall, lw.SHOP, ls.WarrantySettings(enabled=True, scope="categories"), now=clock.now())
    with pytest.raises(ls.SettingsError, match="sender_key"):
        ls.save(mall, lw.SHOP, ls.AlimtalkSettings(enabled=True, provider="nhn", app_key="k", sender_key="short"),
                now=clock.now())
    with pytest.raises(ls.SettingsError, match="moment"):
        ls.save(mall, lw.SHOP, ls.StampSettings(moment="purchase"), now=clock.now())
    assert ls.load(mall, lw.SHOP, "stamp").enabled is False             # nothing half-saved
