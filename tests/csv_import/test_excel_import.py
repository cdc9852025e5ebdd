"""Excel imports (.xlsx and the old binary .xls) against a real store file: the member downloads of
Cafe24's and Godomall's admins (their column names), Excel's own cell types (numbers, dates, serials), bad
rows by Excel row number, all or nothing, and unknown consent when a file does not say."""
from __future__ import annotations

import datetime as dt
import io

import pytest
import xlwt
from openpyxl import Workbook

from core import csv_import as domain
from core.console import csv_import as ci
from core.store import Store

pytestmark = pytest.mark.timeout(120)

SHOP = "offline"
UTC = dt.UTC

# Cafe24's admin member download (고객 > 고객 조회 > 엑셀 다운로드), as its admin screens name the columns.
CAFE24_HEADERS = ["아이디", "이름", "휴대폰번호", "이메일", "회원등급", "회원가입일", "이메일 수신여부", "SMS 수신여부"]
# Godomall's admin member download (회원 > 회원 리스트 > 엑셀 다운로드), likewise.
GODOMALL_HEADERS = ["번호", "아이디", "이름", "회원등급", "이메일", "휴대폰번호", "가입일", "메일수신여부",
                    "SMS수신여부"]


def xlsx(headers: list[str], rows: list[list], *, blank_rows_above: int = 0) -> bytes:
    book = Workbook()
    sheet = book.active
    for _ in range(blank_rows_above):
        sheet.append([])
    sheet.append(headers)
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


@pytest.fixture
def shop(store: Store, fixed_clock) -> str:
    ci.create_csv_shop(store, SHOP, "오프라인 매장")
    return SHOP


def members(store: Store) -> dict[str, dict]:
    frame = store.frame("SELECT * EXCLUDE (shop_id) FROM members WHERE shop_id = ? ORDER BY member_key", [SHOP])
    return {r["member_key"]: r for r in frame.to_dicts()}


def cafe24_download() -> bytes:
    return xlsx(CAFE24_HEADERS, [
        # row 2: a phone typed as a number (its 0 gone), a date cell, consent words
        ["kim01", "김민지", 1012345678, "kim@example.kr", "VIP", dt.datetime(2026, 1, 5, 9, 0), "수신", "수신거부"],
        # row 3: the date left as an Excel serial (2026-01-06 12:00), consent not answered (empty cells)
        ["lee02", "이서준", "010-2222-3333", "lee@example.kr", "일반", 46028.5, None, None],
        # row 4: an e-mail that is no address, a consent that is no consent
        ["park03", "박지우", "010-3333-4444", "park-at-example", "일반", "2026-01-07", "Y", "maybe"],
        [],  # row 5: blank
        # row 6: good, a text date as exports write it
        ["choi04", "최수아", 1099998888.0, "choi@example.kr", "일반", "2026-01-08 10:00:00", "Y", "N"],
    ])


def test_a_cafe24_member_download_imports_its_good_rows_and_names_each_bad_excel_row(store, shop):
    data = cafe24_download()
    checked, result = domain.import_file(store, SHOP, "members", data, file_name="회원.xlsx",
                                         now=dt.datetime(2026, 2, 1, tzinfo=UTC))
    assert [b.line for b in checked.bad] == [4]
    reasons = {r.key for r in checked.bad[0].reasons}
    assert reasons == {"csv.reason.bad_email", "csv.reason.bad_consent"}
    assert (result.rows, result.imported, result.bad) == (4, 3, 1)
    stored = members(store)
    assert sorted(stored) == ["choi04", "kim01", "lee02"]
    kim, lee, choi = stored["kim01"], stored["lee02"], stored["choi04"]
    assert (kim["phone"], kim["email_consent"], kim["sms_consent"]) == ("01012345678", True, False)
    assert kim["signed_up_at"] == dt.datetime(2026, 1, 5, 0, 0, tzinfo=UTC)  # 09:00 in Seoul
    assert lee["signed_up_at"] == dt.datetime(2026, 1, 6, 3, 0, tzinfo=UTC)  # the serial's 12:00 in Seoul
    assert (lee["email_consent"], lee["sms_consent"]) == (None, None)        # not answered: unknown, not False
    assert choi["phone"] == "01099998888"
    # The console words the bad row by the row number Excel shows.
    worded = ci.check_for_shop(store, SHOP, "members", ci.read_csv(data, "회원.xlsx"),
                               ci.suggest_mapping("members", CAFE24_HEADERS))
    assert [b.line for b in worded.bad] == [4]
    assert any("park-at-example" in reason for reason in worded.bad[0].reasons)


def test_all_or_nothing_rejects_the_whole_excel_file_and_says_which_rows(store, shop):
    checked, result = domain.import_file(store, SHOP, "members", cafe24_download(), file_name="회원.xlsx",
                                         now=dt.datetime(2026, 2, 1, tzinfo=UTC), all_or_nothing=True)
    assert result.rejected and result.imported == 0
    assert result.error is not None and result.error.key == "csv.run.rejected"
    assert [line["line"] for line in result.error.params["lines"]] == [4]
    assert members(store) == {}


def test_a_godomall_member_download_without_consent_columns_stores_consent_as_unknown(store, shop):
    headers = [h for h in GODOMALL_HEADERS if "수신" not in h]
    data = xlsx(headers, [[1, "hong", "홍길동", "골드", "Hong@Example.KR", "01055556666", "2025-12-31"],
                          [2, "sung", "성춘향", "일반", "sung@example.kr", 1077778888, dt.date(2026, 1, 2)]],
                blank_rows_above=2)
    csv_file = ci.read_csv(data, "member.xlsx")
    assert csv_file.headers == headers and csv_file.encoding == "excel"
    assert csv_file.frame["__line__"].to_list() == [4, 5]  # two blank rows above the header
    checked, result = ci.import_csv(store, SHOP, "members", csv_file, file_name="member.xlsx")
    assert (result.imported, result.bad) == (2, 0)
    stored = members(store)
    assert stored["hong"]["email"] == "hong@example.kr" and stored["hong"]["member_group"] == "골드"
    assert stored["sung"]["phone"] == "01077778888"
    assert {(m["email_consent"], m["sms_consent"]) for m in stored.values()} == {(None, None)}


def test_godomall_consent_columns_are_read(store, shop):
    data = xlsx(GODOMALL_HEADERS, [[1, "hong", "홍길동", "골드", "hong@example.kr", "01055556666", "2025-12-31",
                                    "y", "n"]])
    domain.import_file(store, SHOP, "members", data, file_name="member.xls", now=dt.datetime(2026, 2, 1, tzinfo=UTC))
    hong = members(store)["hong"]
    assert (hong["email_consent"], hong["sms_consent"]) == (True, False)


def test_excel_orders_and_items_read_whole_won_floats_and_serial_dates(store, shop):
    orders = xlsx(["주문번호", "아이디", "주문상태", "주문일시", "결제금액"],
                  [[20260105001, "kim01", "배송완료", 46027.375, 39000.0],   # 2026-01-05 09:00 as a serial
                   ["20260105002", None, "결제완료", dt.datetime(2026, 1, 5, 10, 0), "12,500"],
                   ["20260105003", None, "결제완료", "not a date", 1000]])
    checked, result = domain.import_file(store, SHOP, "orders", orders, file_name="주문.xlsx",
                                         now=dt.datetime(2026, 2, 1, tzinfo=UTC))
    assert [b.line for b in checked.bad] == [4]
    rows = store.frame("SELECT order_key, total_amount, ordered_at, status FROM orders WHERE shop_id = ? "
                       "ORDER BY order_key", [SHOP]).rows()
    assert rows == [("20260105001", 39000.0, dt.datetime(2026, 1, 5, 0, 0, tzinfo=UTC), "delivered"),
                    ("20260105002", 12500.0, dt.datetime(2026, 1, 5, 1, 0, tzinfo=UTC), "paid")]
    items = xlsx(["주문번호", "상품명", "수량", "판매가"], [[20260105001, "머그컵", 2.0, 19500.0]])
    domain.import_file(store, SHOP, "order_items", items, file_name="품목.xlsx",
                       now=dt.datetime(2026, 2, 1, tzinfo=UTC))
    assert store.frame("SELECT order_key, quantity, unit_price FROM order_items WHERE shop_id = ?",
                       [SHOP]).rows() == [("20260105001", 2, 19500.0)]


def test_an_excel_file_that_cannot_be_read_is_refused_in_words(store, shop):
    broken = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 200  # an .xls header and nothing behind it
    with pytest.raises(ci.Refused) as refused:
        ci.read_csv(broken, "회원.xls")
    assert refused.value.error.key == "csv.unreadable"
    empty = xlsx([], [])
    with pytest.raises(domain.CsvError) as nothing:
        domain.open_excel(empty, "empty.xlsx")
    assert nothing.value.key == "csv.empty"


def test_an_old_xls_download_reads_like_an_xlsx(store, shop):
    # Godomall's admin still writes some downloads as the binary .xls (BIFF8): the same reader, the same rows.
    book = xlwt.Workbook(encoding="utf-8")
    sheet = book.add_sheet("회원")
    for column, header in enumerate(GODOMALL_HEADERS):
        sheet.write(0, column, header)
    when = xlwt.easyxf(num_format_str="YYYY-MM-DD HH:MM:SS")
    rows = [[1, "hong", "홍길동", "골드", "hong@example.kr", 1055556666, dt.datetime(2025, 12, 31, 18, 0), "y", "n"],
            [2, "sung", "성춘향", "일반", "sung@", "010-7777-8888", dt.datetime(2026, 1, 2), "n", ""]]
    for r, row in enumerate(rows, start=1):
        for column, value in enumerate(row):
            sheet.write(r, column, value, when) if isinstance(value, dt.datetime) else sheet.write(r, column, value)
    out = io.BytesIO()
    book.save(out)
    assert out.getvalue().startswith(b"\xd0\xcf\x11\xe0")
    checked, result = domain.import_file(store, SHOP, "members", out.getvalue(), file_name="회원리스트.xls",
                                         now=dt.datetime(2026, 2, 1, tzinfo=UTC))
    assert [b.line for b in checked.bad] == [3] and result.imported == 1  # 'sung@' is no address
    hong = members(store)["hong"]
    assert (hong["phone"], hong["member_group"], hong["email_consent"], hong["sms_consent"]) == \
        ("01055556666", "골드", True, False)
    assert hong["signed_up_at"] == dt.datetime(2025, 12, 31, 9, 0, tzinfo=UTC)
