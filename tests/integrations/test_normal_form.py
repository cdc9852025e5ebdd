"""The same person on four platforms looks the same in the store.

The canonical member (김민지, Minji.Kim@Example.com, 010-1234-5678 in each platform's own format,
signed up 2025-03-01 10:00 KST, e-mail consent yes, SMS consent no) is served by the Wix fake and the Cafe24
sandbox in each platform's own shapes and synced through each real client, and comes from Godomall's admin
member download (Godomall's Open API has no member API), all into one real DuckDB file, and read back: the
member rows are identical.

Naver Smartstore shares only the orderer's name and phone with a seller (no e-mail, sign-up date or
marketing consent: see core/integrations/naver.py), so her Naver row must match on those two and leave the
rest empty and her consents unknown (NULL), never invent them.
"""
from __future__ import annotations

import datetime as dt
import io

import pytest
from openpyxl import Workbook

from core.integrations import make_client
from core.sandbox.setup import connect_sandbox
from core.shops import secrets
from core.shops.registry import get_shop, save_shop
from core.store import Store
from core.sync import godomall_book
from core.sync.engine import sync_shop
from tests.conftest import KST
from tests.support.fakes.cafe24 import start as start_sandbox
from tests.support.fakes.godomall import PARTNER_KEY, USER_KEY
from tests.support.fakes.naver import CLIENT_ID, CLIENT_SECRET, NaverFake
from tests.support.fakes.wix import API_KEY, SITE_ID, WixFake

pytestmark = pytest.mark.timeout(60)

SIGNED_UP = dt.datetime(2025, 3, 1, 10, 0, tzinfo=KST)
CANONICAL = ("minji.kim@example.com", "김민지", "01012345678", dt.datetime(2025, 3, 1, 1, 0, tzinfo=dt.UTC),
             True, False)
COLUMNS = "email, name, phone, signed_up_at, email_consent, sms_consent"
NAVER_ORDERER = "500000000"  # the fake's orderer 0 is her, as Naver carries her


def member_row(store: Store, shop_id: str, where: str, *params: str) -> tuple:
    with store.unit() as con:
        rows = con.execute(f"SELECT {COLUMNS} FROM members WHERE shop_id = ? AND {where}", [shop_id, *params]
                           ).fetchall()
    assert len(rows) == 1, (shop_id, rows)
    return rows[0]


def sync(store: Store, shop_id: str, entities: list[str]) -> None:
    client = make_client(get_shop(store, shop_id))
    try:
        result = sync_shop(store, shop_id, client, entities=entities)
    finally:
        client.close()
    assert result.status == "succeeded", result.error


def test_the_canonical_member_is_the_same_row_on_every_platform(store: Store, fixed_clock) -> None:
    rows: dict[str, tuple] = {}

    # Wix: a contact, name split in first/last, phone in E.164 beside the local form, consents per channel.
    wix = WixFake(members=3, orders=0, carts=0, products=0, collections=0, rate_limit=False)
    wix_url = wix.start()
    try:
        wix.add_contact({
            "id": "c0ffee00-0000-4000-8000-00000000beef", "createdDate": "2025-03-01T01:00:00.000Z",
            "info": {"name": {"first": "민지", "last": "김"},
                     "emails": {"items": [{"tag": "MAIN", "email": "Minji.Kim@Example.com", "primary": True}]},
                     "phones": {"items": [{"tag": "MOBILE", "countryCode": "KR", "phone": "010-1234-5678",
                                           "e164Phone": "+821012345678", "primary": True}]}},
            "primaryInfo": {"email": "Minji.Kim@Example.com", "phone": "010-1234-5678"},
            "primaryEmail": {"email": "Minji.Kim@Example.com", "subscriptionStatus": "SUBSCRIBED"},
            "primaryPhone": {"countryCode": "KR", "e164Phone": "+821012345678", "phone": "010-1234-5678",
                             "subscriptionStatus": "UNSUBSCRIBED"}})
        save_shop(store, "wix", "wix", "윅스", settings={"base_url": wix_url, "site_id": SITE_ID, "per_minute": 0})
        secrets.put("wix", api_key=API_KEY)
        sync(store, "wix", ["members"])
        rows["wix"] = member_row(store, "wix", "member_key = ?", "c0ffee00-0000-4000-8000-00000000beef")
    finally:
        wix.stop()

    # Cafe24 (the sandbox shop): her record as Cafe24 answers it, KST sign-up time, T/F flags.
    sandbox = start_sandbox(members=200, at=fixed_clock.now())
    try:
        member_id = sandbox.mall.put_member(SIGNED_UP, name="김민지", email="Minji.Kim@Example.com",
                                            cellphone="010-1234-5678", news_mail="T", sms="F")
        connect_sandbox(store, sandbox.url, shop_id="cafe24")
        sync(store, "cafe24", ["members"])
        rows["cafe24"] = member_row(store, "cafe24", "member_key = ?", member_id)
    finally:
        sandbox.stop()

    # Godomall: no member API, so her row comes from the admin's member download (Excel): 'y'/'n' flags, a
    # naive KST sign-up time, her mobile number as Excel keeps a number (its leading 0 gone).
    book = Workbook()
    book.active.append(["번호", "회원번호", "아이디", "이름", "회원등급", "이메일", "휴대폰번호", "가입일",
                        "메일수신여부", "SMS수신여부"])
    book.active.append([1, 1, "minji", "김민지", "일반회원", "Minji.Kim@Example.com", 1012345678,
                        dt.datetime(2025, 3, 1, 10, 0), "y", "n"])
    download = io.BytesIO()
    book.save(download)
    godomall_book.connect(store, "godo", "고도몰", partner_key=PARTNER_KEY, user_key=USER_KEY)
    result = godomall_book.start_import(store, "godo", download.getvalue(), file_name="회원리스트.xlsx")
    assert result.status == "succeeded", result.error
    rows["godomall"] = member_row(store, "godo", "member_key = '1'")

    assert rows == {platform: CANONICAL for platform in rows}

    # Naver: the orderer of the fake's first orders, her name and phone as the order carries them.
    fixed_clock.set(dt.datetime(2026, 1, 2, 9, tzinfo=KST))
    with NaverFake(orders=6, members=3) as naver:
        assert (naver.member(0)["ordererName"], naver.member(0)["ordererTel"]) == ("김민지", "010-1234-5678")
        save_shop(store, "naver", "naver", "스마트스토어", settings={
            "base_url": naver.url + "/external", "rate_limit": 0, "orders_since": "2025-12-31T00:00:00+09:00"})
        secrets.put("naver", client_id=CLIENT_ID, client_secret=CLIENT_SECRET)
        sync(store, "naver", ["orders"])
    email, name, phone, signed_up_at, email_consent, sms_consent = member_row(
        store, "naver", "member_key = ?", NAVER_ORDERER)
    assert (name, phone) == CANONICAL[1:3]
    assert (email, signed_up_at, email_consent, sms_consent) == (None, None, None, None)
