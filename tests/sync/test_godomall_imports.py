"""The Godomall address book rules ("고도몰에서 불러오기") on the path admins really have: the member download of
Godomall's admin (an Excel file), imported into a real store."""
from __future__ import annotations

import datetime as dt
import io
import re
import uuid
from typing import Any

import duckdb
import pytest
from openpyxl import Workbook

from core import clock
from core.console.integrations import error_words, godomall_stale_warning, godomall_warning, import_godomall
from core.integrations.godomall import account_fingerprint
from core.shops import secrets
from core.shops.registry import get_shop, save_shop
from core.store import Store
from core.sync import engine
from core.sync import godomall_book as gi
from tests.conftest import KST
from tests.support.fakes.godomall import PARTNER_KEY, USER_KEY, generated_member

pytestmark = pytest.mark.timeout(60)

SHOP = "godo-1"
NOW = dt.datetime(2026, 1, 10, 9, 0, tzinfo=KST)
BASE_URL = "http://127.0.0.1:9/godomall5"  # never called: members come from the file
SETTINGS = {"rate_limit": 0, "page_size": 10, "timeout": 2, "max_retries": 1, "backoff": 0.01}
# The member download of Godomall's admin (회원 > 회원 리스트 > 엑셀 다운로드), as its admin names the columns.
HEADERS = ["번호", "회원번호", "아이디", "이름", "회원등급", "이메일", "휴대폰번호", "가입일", "메일수신여부",
           "SMS수신여부"]
FIELDS = ["memNo", "memId", "memNm", "groupNm", "email", "cellPhone", "entryDt", "maillingFl", "smsFl"]


def members(n: int) -> list[dict[str, str]]:
    return [generated_member(i) for i in range(n)]


def download(rows: list[dict[str, Any]], headers: list[str] = HEADERS) -> bytes:
    """An .xlsx as Godomall's admin writes it: a row number, then the member's columns."""
    book = Workbook()
    sheet = book.active
    sheet.append(headers)
    for n, member in enumerate(rows, start=1):
        values = dict(zip(HEADERS[1:], (member.get(f) for f in FIELDS), strict=True))
        sheet.append([n if h == "번호" else values.get(h) for h in headers])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def expected(rows: list[dict[str, str]]) -> dict[str, tuple]:
    seoul = dt.timezone(dt.timedelta(hours=9))
    return {m["memNo"]: (m["email"].lower(), m["memNm"], re.sub(r"\D", "", m["cellPhone"]), m["groupNm"],
                         dt.datetime.fromisoformat(m["entryDt"]).replace(tzinfo=seoul).astimezone(dt.UTC),
                         m["maillingFl"] == "y", m["smsFl"] == "y") for m in rows}


def stored(store: Store) -> dict[str, tuple]:
    with store.unit() as con:
        rows = con.execute("SELECT member_key, email, name, phone, member_group, signed_up_at, email_consent, "
                           "sms_consent FROM members WHERE shop_id = ?", [SHOP]).fetchall()
    return {r[0]: tuple(r[1:]) for r in rows}


def connect(store: Store, shop_id: str = SHOP, name: str = "고도몰 A", *, user_key: str = USER_KEY):
    return gi.connect(store, shop_id, name, partner_key=PARTNER_KEY, user_key=user_key, base_url=BASE_URL,
                      settings=SETTINGS)


def import_rows(store: Store) -> list[tuple]:
    with store.unit() as con:
        return con.execute("SELECT status, records, removed, error FROM godomall_imports "
                           "ORDER BY started_at").fetchall()


def test_one_address_book_per_godomall_account(store, fixed_clock):
    if True:
        connect(store)
        with pytest.raises(gi.DuplicateGodomallAccount) as refused:
            connect(store, "godo-2", "고도몰 B")
        assert "‘고도몰 A’" in error_words(refused.value, "ko") and "계정당 1개" in error_words(refused.value, "ko")
        assert "‘고도몰 A’" in error_words(refused.value, "en") and "one Godomall address book per account" in \
            error_words(refused.value, "en")
        with pytest.raises(KeyError):
            get_shop(store, "godo-2")  # nothing of the refused shop was saved
        assert "godo-2" not in secrets.load_all()

        connect(store)  # the same shop may be saved again (a renamed shop, re-entered keys)
        assert connect(store, "godo-3", "다른 계정", user_key="another-user-key").shop_id == "godo-3"
        with pytest.raises(gi.MissingKeys):
            gi.connect(store, "godo-4", "키 없음", partner_key=PARTNER_KEY, user_key="  ")

        # keys saved by another path than connect() are caught when the import starts
        save_shop(store, "godo-5", "godomall", "고도몰 C", settings={"base_url": BASE_URL, **SETTINGS})
        secrets.put("godo-5", partner_key=PARTNER_KEY, user_key=USER_KEY)
        with pytest.raises(gi.DuplicateGodomallAccount):
            gi.start_import(store, "godo-5", download(members(3)), file_name="member.xlsx")
    assert import_rows(store) == []
    assert account_fingerprint(PARTNER_KEY, USER_KEY) != account_fingerprint(PARTNER_KEY, "another-user-key")


@pytest.mark.slow
def test_twenty_imports_a_day_then_the_21st_is_refused_until_midnight_in_korea(store, fixed_clock):
    data = download(members(5))
    if True:
        connect(store)
        assert gi.imports_left(store, SHOP) == 20
        for n in range(20):
            fixed_clock.advance(minutes=10)
            assert gi.start_import(store, SHOP, data).status == "succeeded"
            if n in (0, 18):
                assert gi.imports_left(store, SHOP) == 19 - n
        assert gi.imports_left(store, SHOP) == 0
        with pytest.raises(gi.ImportQuotaExceeded) as refused:
            gi.start_import(store, SHOP, data)
        assert "하루 20회" in error_words(refused.value, "ko") and "20 a day" in error_words(refused.value, "en")
        assert len(import_rows(store)) == 20  # the refused one left no trace

        fixed_clock.set(dt.datetime(2026, 1, 10, 23, 59, 59, tzinfo=KST))
        with pytest.raises(gi.ImportQuotaExceeded):
            gi.start_import(store, SHOP, data)
        # midnight in Korea is 15:00 UTC of the same UTC day: the quota is back
        fixed_clock.set(dt.datetime(2026, 1, 11, 0, 0, tzinfo=KST))
        assert clock.now().date() == dt.date(2026, 1, 10)
        assert gi.imports_left(store, SHOP) == 20
        assert gi.start_import(store, SHOP, data).status == "succeeded"
        assert gi.imports_left(store, SHOP) == 19


def test_an_import_replaces_the_address_book_and_resets_its_groups(store, fixed_clock):
    connect(store)
    first = members(40)
    result = gi.start_import(store, SHOP, download(first), file_name="회원리스트.xlsx")
    assert result.status == "succeeded", result.error
    assert stored(store) == expected(first)

    now = [dict(m) for m in first if int(m["memNo"]) not in range(5, 10)]  # five left the shop
    for m in now:
        if m["memNo"] == "10":
            m["groupNm"] = "골드회원"
        if m["groupNm"] == "우수회원":  # the shop folded one of its old groups into another
            m["groupNm"] = "일반회원"
    now.append({**generated_member(40), "memNm": "새회원", "groupNm": "골드회원"})

    warning = godomall_warning(store, SHOP, "ko")
    assert "회원 40명" in warning and "그룹 3개" in warning and "19/20" in warning
    assert "40 members" in godomall_warning(store, SHOP, "en")

    result = gi.start_import(store, SHOP, download(now), file_name="회원리스트.xlsx")
    assert result.status == "succeeded", result.error
    assert (result.records, result.removed) == (36, 5)
    got = stored(store)
    assert got == expected(now)  # exactly what the file holds: the five who left are gone
    assert {m[3] for m in got.values()} == {"일반회원", "VIP", "골드회원"}
    assert import_rows(store) == [("succeeded", 40, 0, None), ("succeeded", 36, 5, None)]
    with store.unit() as con:
        assert con.execute("SELECT count(*) FROM godomall_import_seen").fetchone()[0] == 0
    assert "36" in godomall_warning(store, SHOP, "en") and "18/20" in godomall_warning(store, SHOP, "en")


def test_a_download_without_consent_columns_leaves_consent_unknown(store, fixed_clock):
    connect(store)
    headers = [h for h in HEADERS if "수신" not in h]
    assert gi.start_import(store, SHOP, download(members(3), headers), file_name="m.xlsx").status == "succeeded"
    assert {(m[5], m[6]) for m in stored(store).values()} == {(None, None)}


def test_a_file_that_cannot_fill_the_address_book_is_refused_by_line_and_does_not_count(store, fixed_clock):
    connect(store)
    gi.start_import(store, SHOP, download(members(10)))
    before = stored(store)
    rows = members(12)
    rows[3] = {**rows[3], "email": "no-address"}          # Excel row 5
    rows[7] = {**rows[7], "entryDt": "2026-13-45"}        # Excel row 9
    outcome = import_godomall(store, SHOP, download(rows), "회원리스트.xlsx")
    assert outcome.status == "refused"
    words = outcome.refusal or ""
    assert words.startswith("회원 파일에 잘못된 행이 2개 있어서 주소록을 바꾸지 않았어요.")
    assert "5행: " in words and "9행: " in words and "no-address" in words and "2026-13-45" in words
    assert stored(store) == before and gi.imports_left(store, SHOP) == 19  # nothing imported, nothing counted

    without_number = [h for h in HEADERS if h != "회원번호"]
    outcome = import_godomall(store, SHOP, download(members(3), without_number), "회원리스트.xlsx")
    assert outcome.status == "refused" and "회원번호" in (outcome.refusal or "") and "아이디" in outcome.refusal
    broken = import_godomall(store, SHOP, b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 64, "회원리스트.xls")
    assert broken.status == "refused" and broken.refusal
    assert stored(store) == before and gi.imports_left(store, SHOP) == 19

    done = import_godomall(store, SHOP, download(members(12)), "회원리스트.xlsx")  # the fixed file
    assert (done.status, done.records, done.removed) == ("succeeded", 12, 0)


def test_a_failed_import_removes_nothing_and_still_counts(store, fixed_clock, monkeypatch):
    connect(store)
    gi.start_import(store, SHOP, download(members(40)))
    real = engine.write_rows
    calls = []

    def failing(con, shop_id, tables, now):  # the store fails on the second batch
        calls.append(1)
        if len(calls) == 2:
            raise duckdb.IOException("disk full")
        real(con, shop_id, tables, now)

    monkeypatch.setattr(gi, "write_rows", failing)
    result = gi.start_import(store, SHOP, download(members(39)), batch_rows=10)
    assert result.status == "failed" and "disk full" in result.error
    assert len(stored(store)) == 40  # nobody was removed by a half-written address book
    assert gi.imports_left(store, SHOP) == 18
    with store.unit() as con:
        assert con.execute("SELECT count(*) FROM godomall_import_seen").fetchone()[0] == 0

    monkeypatch.setattr(gi, "write_rows", real)
    result = gi.start_import(store, SHOP, download(members(39)), batch_rows=10)
    assert result.status == "succeeded" and result.removed == 1
    assert stored(store) == expected(members(39))
    assert [r[0] for r in import_rows(store)] == ["succeeded", "failed", "succeeded"]
    assert all(PARTNER_KEY not in (r[3] or "") and USER_KEY not in (r[3] or "") for r in import_rows(store))


def test_one_import_at_a_time_and_a_dead_one_is_closed(store, fixed_clock):
    data = download(members(5))
    if True:
        connect(store)
        account = account_fingerprint(PARTNER_KEY, USER_KEY)
        with store.unit() as con:
            con.execute("INSERT INTO godomall_imports (import_id, shop_id, account, started_at, status) "
                        "VALUES (?, ?, ?, ?, 'running')", [str(uuid.uuid4()), SHOP, account,
                                                          NOW - dt.timedelta(minutes=5)])
        with pytest.raises(gi.ImportAlreadyRunning) as refused:
            gi.start_import(store, SHOP, data)
        assert "08:55" in error_words(refused.value, "ko")
        fixed_clock.advance(hours=3)  # the process running it must have died
        assert gi.start_import(store, SHOP, data).status == "succeeded"
        rows = import_rows(store)
        assert rows[0][0] == "failed" and "interrupted" in rows[0][3] and rows[1][0] == "succeeded"


def test_last_updated_and_the_suggestion_to_re_import(store, fixed_clock):
    if True:
        connect(store)
        assert gi.last_updated(store, SHOP) is None and gi.is_stale(store, SHOP)
        assert godomall_stale_warning(store, SHOP, "ko") == (
            "이 주소록은 아직 고도몰에서 불러온 적이 없습니다. 보내기 전에 고도몰에서 불러오세요.")
        gi.start_import(store, SHOP, download(members(5)))
        assert gi.last_updated(store, SHOP) == NOW
        assert not gi.is_stale(store, SHOP) and godomall_stale_warning(store, SHOP) is None

        fixed_clock.set(NOW + dt.timedelta(days=7))
        assert not gi.is_stale(store, SHOP)  # a week old is still fresh
        fixed_clock.set(NOW + dt.timedelta(days=7, minutes=1))
        assert gi.is_stale(store, SHOP)
        assert "7일이 지났습니다" in godomall_stale_warning(store, SHOP, "ko")
        assert "7 days ago" in godomall_stale_warning(store, SHOP, "en")
        assert not gi.is_stale(store, SHOP, days=30)
