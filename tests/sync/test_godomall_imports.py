"""The Godomall address book rules ("고도몰에서 불러오기") through the fake on loopback and a real store."""
from __future__ import annotations

import datetime as dt
import uuid

import pytest

from core import clock
from core.console.integrations import error_words, godomall_stale_warning, godomall_warning
from core.integrations.godomall import account_fingerprint, client_for
from core.shops import secrets
from core.shops.registry import get_shop, save_shop
from core.store import Store
from core.sync import godomall_book as gi
from core.sync.engine import sync_shop
from tests.conftest import KST
from tests.integrations.test_godomall import expected, member_cursor, stored
from tests.support.fakes.godomall import PARTNER_KEY, USER_KEY, FakeGodomall

pytestmark = pytest.mark.timeout(60)

SHOP = "godo-1"  # the shop tests.integrations.test_godomall's helpers read
NOW = dt.datetime(2026, 1, 10, 9, 0, tzinfo=KST)
SETTINGS = {"rate_limit": 0, "page_size": 10, "timeout": 2, "max_retries": 1, "backoff": 0.01}


def connect(store: Store, fake: FakeGodomall, shop_id: str = SHOP, name: str = "고도몰 A", *,
            user_key: str = USER_KEY):
    return gi.connect(store, shop_id, name, partner_key=PARTNER_KEY, user_key=user_key, base_url=fake.base_url,
                      settings=SETTINGS)


def import_rows(store: Store) -> list[tuple]:
    with store.unit() as con:
        return con.execute("SELECT status, records, removed, error FROM godomall_imports "
                           "ORDER BY started_at").fetchall()


def test_one_address_book_per_godomall_account(store, fixed_clock):
    with FakeGodomall(members=5, orders=0, products=0) as fake:
        connect(store, fake)
        with pytest.raises(gi.DuplicateGodomallAccount) as refused:
            connect(store, fake, "godo-2", "고도몰 B")
        assert "‘고도몰 A’" in error_words(refused.value, "ko") and "계정당 1개" in error_words(refused.value, "ko")
        assert "‘고도몰 A’" in error_words(refused.value, "en") and "one Godomall address book per account" in \
            error_words(refused.value, "en")
        with pytest.raises(KeyError):
            get_shop(store, "godo-2")  # nothing of the refused shop was saved
        assert "godo-2" not in secrets.load_all()

        connect(store, fake)  # the same shop may be saved again (a renamed shop, re-entered keys)
        assert connect(store, fake, "godo-3", "다른 계정", user_key="another-user-key").shop_id == "godo-3"
        with pytest.raises(gi.MissingKeys):
            gi.connect(store, "godo-4", "키 없음", partner_key=PARTNER_KEY, user_key="  ")

        # keys saved by another path than connect() are caught when the import starts
        save_shop(store, "godo-5", "godomall", "고도몰 C", settings={"base_url": fake.base_url, **SETTINGS})
        secrets.put("godo-5", partner_key=PARTNER_KEY, user_key=USER_KEY)
        with pytest.raises(gi.DuplicateGodomallAccount):
            gi.start_import(store, "godo-5")
    assert import_rows(store) == []
    assert account_fingerprint(PARTNER_KEY, USER_KEY) != account_fingerprint(PARTNER_KEY, "another-user-key")


@pytest.mark.slow
def test_twenty_imports_a_day_then_the_21st_is_refused_until_midnight_in_korea(store, fixed_clock):
    with FakeGodomall(members=5, orders=0, products=0) as fake:
        connect(store, fake)
        assert gi.imports_left(store, SHOP) == 20
        for n in range(20):
            fixed_clock.advance(minutes=10)
            assert gi.start_import(store, SHOP).status == "succeeded"
            if n in (0, 18):
                assert gi.imports_left(store, SHOP) == 19 - n
        assert gi.imports_left(store, SHOP) == 0
        with pytest.raises(gi.ImportQuotaExceeded) as refused:
            gi.start_import(store, SHOP)
        assert "하루 20회" in error_words(refused.value, "ko") and "20 a day" in error_words(refused.value, "en")
        assert len(import_rows(store)) == 20  # the refused one left no trace and read nothing
        served = fake.served

        fixed_clock.set(dt.datetime(2026, 1, 10, 23, 59, 59, tzinfo=KST))
        with pytest.raises(gi.ImportQuotaExceeded):
            gi.start_import(store, SHOP)
        # midnight in Korea is 15:00 UTC of the same UTC day: the quota is back
        fixed_clock.set(dt.datetime(2026, 1, 11, 0, 0, tzinfo=KST))
        assert clock.now().date() == dt.date(2026, 1, 10)
        assert gi.imports_left(store, SHOP) == 20
        assert gi.start_import(store, SHOP).status == "succeeded"
        assert gi.imports_left(store, SHOP) == 19
        assert fake.served == served + 1


def test_an_import_replaces_the_address_book_and_resets_its_groups(store, fixed_clock):
    with FakeGodomall(members=40, orders=0, products=0) as fake:
        shop = connect(store, fake)
        c = client_for(shop)
        assert sync_shop(store, SHOP, c, entities=["members"]).status == "succeeded"
        c.close()
        assert len(stored(store)["members"]) == 40

        for no in range(5, 10):
            fake.delete_member(no)  # they left the shop
        fake.upsert_member(10, groupNm="골드회원")
        fake.upsert_member(41, memNm="새회원", groupNm="골드회원")
        for no in fake.member_keys():  # the shop folded one of its old groups into another
            if fake.member(no)["groupNm"] == "우수회원":
                fake.upsert_member(no, groupNm="일반회원")

        warning = godomall_warning(store, SHOP, "ko")
        assert "회원 40명" in warning and "그룹 3개" in warning and "20/20" in warning
        assert "40 members" in godomall_warning(store, SHOP, "en")

        result = gi.start_import(store, SHOP)
        assert result.status == "succeeded", result.error
        assert (result.records, result.removed) == (36, 5)
        got, want = stored(store)["members"], expected(fake)["members"]
        assert got == want  # exactly what Godomall holds: the five who left are gone
        groups = {m[3] for m in got.values()}
        assert groups == {m["groupNm"] for m in fake.all_members()} == {"일반회원", "VIP", "골드회원"}
        assert import_rows(store) == [("succeeded", 36, 5, None)]
        with store.unit() as con:
            assert con.execute("SELECT count(*) FROM godomall_import_seen").fetchone()[0] == 0
        assert member_cursor(store)["done"] is True  # the scheduled sync carries on incrementally from here
        assert "36" in godomall_warning(store, SHOP, "en") and "19/20" in godomall_warning(store, SHOP, "en")


def test_a_failed_import_removes_nothing_and_still_counts(store, fixed_clock):
    with FakeGodomall(members=40, orders=0, products=0) as fake:
        shop = connect(store, fake)
        c = client_for(shop)
        sync_shop(store, SHOP, c, entities=["members"])
        c.close()
        fake.delete_member(2)
        fake.fail("garbage", path="Member_Search", after=1, times=-1)
        result = gi.start_import(store, SHOP)
        assert result.status == "failed" and "not XML" in result.error
        assert len(stored(store)["members"]) == 40  # nobody was removed by a half-read address book
        assert gi.imports_left(store, SHOP) == 19
        with store.unit() as con:
            assert con.execute("SELECT count(*) FROM godomall_import_seen").fetchone()[0] == 0
        assert gi.last_updated(store, SHOP) is None

        fake.clear_faults()
        result = gi.start_import(store, SHOP)
        assert result.status == "succeeded" and result.removed == 1
        assert stored(store)["members"] == expected(fake)["members"]
        statuses = [r[0] for r in import_rows(store)]
        assert statuses == ["failed", "succeeded"]
        assert all(PARTNER_KEY not in (r[3] or "") and USER_KEY not in (r[3] or "") for r in import_rows(store))


def test_one_import_at_a_time_and_a_dead_one_is_closed(store, fixed_clock):
    with FakeGodomall(members=5, orders=0, products=0) as fake:
        connect(store, fake)
        account = account_fingerprint(PARTNER_KEY, USER_KEY)
        with store.unit() as con:
            con.execute("INSERT INTO godomall_imports (import_id, shop_id, account, started_at, status) "
                        "VALUES (?, ?, ?, ?, 'running')", [str(uuid.uuid4()), SHOP, account,
                                                          NOW - dt.timedelta(minutes=5)])
        with pytest.raises(gi.ImportAlreadyRunning) as refused:
            gi.start_import(store, SHOP)
        assert "08:55" in error_words(refused.value, "ko")
        fixed_clock.advance(hours=3)  # the process running it must have died
        assert gi.start_import(store, SHOP).status == "succeeded"
        rows = import_rows(store)
        assert rows[0][0] == "failed" and "interrupted" in rows[0][3] and rows[1][0] == "succeeded"


def test_last_updated_and_the_suggestion_to_re_import(store, fixed_clock):
    with FakeGodomall(members=5, orders=0, products=0) as fake:
        connect(store, fake)
        assert gi.last_updated(store, SHOP) is None and gi.is_stale(store, SHOP)
        assert godomall_stale_warning(store, SHOP, "ko") == (
            "이 주소록은 아직 고도몰에서 불러온 적이 없습니다. 보내기 전에 고도몰에서 불러오세요.")
        gi.start_import(store, SHOP)
        assert gi.last_updated(store, SHOP) == NOW
        assert not gi.is_stale(store, SHOP) and godomall_stale_warning(store, SHOP) is None

        fixed_clock.set(NOW + dt.timedelta(days=7))
        assert not gi.is_stale(store, SHOP)  # a week old is still fresh
        fixed_clock.set(NOW + dt.timedelta(days=7, minutes=1))
        assert gi.is_stale(store, SHOP)
        assert "7일이 지났습니다" in godomall_stale_warning(store, SHOP, "ko")
        assert "7 days ago" in godomall_stale_warning(store, SHOP, "en")
        assert not gi.is_stale(store, SHOP, days=30)
