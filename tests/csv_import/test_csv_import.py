"""CSV import against a real store file: encodings, mapping, bad rows by line, all or nothing, idempotent
re-import, the same normal form as a platform, and a CSV shop the scheduler leaves alone."""
from __future__ import annotations

import datetime as dt
import json
import subprocess
import sys

import polars as pl
import pytest

from core.console import csv_import as ci
from core.integrations import godomall, normalize
from core.integrations.base import BadResponse
from core.shops.registry import list_shops, save_shop
from core.store import Store
from core.sync.engine import write_rows
from tests.conftest import ROOT, python_env

pytestmark = pytest.mark.timeout(120)

SHOP = "offline"
UTC = dt.UTC
KST = dt.timezone(dt.timedelta(hours=9))

# A Korean Excel export saved as "CSV (쉼표로 분리)": CP949, CRLF, Korean headers with spaces.
# Line 1 is the header; line 3's name holds a line break, so every later row starts one line further down.
MEMBERS_KO = (
    "회원번호,이메일 주소,이름,휴대폰 번호,가입일,이메일 수신,SMS 수신,회원등급\r\n"
    "m1, Kim@Example.KR ,김민지,+82 10-1234-5678,2026-01-05 09:00:00,Y,아니오,VIP\r\n"      # 2 good
    'm2,lee@example.kr,"이서준\r\n(주니어)",010-2222-3333,2026/01/06,예,N,\r\n'              # 3-4 good
    "m3,,박지우,010-3333-4444,2026-01-07,N,N,\r\n"                                         # 5 no e-mail
    "m4,choi@example.kr,최수아,,2026-13-45,1,0,\r\n"                                       # 6 bad date
    "m5,jung@example.kr,정하늘,,2026-01-08T10:00:00+09:00,true,maybe,\r\n"                  # 7 bad consent
    "m1,kang@example.kr,강동원,,2026-01-09,N,N,\r\n"                                       # 8 dup of line 2
    "\r\n"                                                                                 # 9 blank
    "m7,yoon@example.kr,윤서연,010.7777.8888,2026. 1. 10. 오후 3:04:05,동의,거부,일반\r\n"  # 10 good
)
GOOD_KEYS = ["m2", "m7"]
BAD_LINES = [2, 5, 6, 7, 8]


def at(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text).astimezone(UTC)


@pytest.fixture
def shop(store: Store, fixed_clock) -> str:
    ci.create_csv_shop(store, SHOP, "오프라인 매장")
    return SHOP


def members(store: Store, shop_id: str = SHOP) -> dict[str, dict]:
    frame = store.frame("SELECT * EXCLUDE (shop_id) FROM members WHERE shop_id = ? ORDER BY member_key", [shop_id])
    return {r["member_key"]: r for r in frame.to_dicts()}


def runs(store: Store) -> list[dict]:
    return store.frame("SELECT * FROM sync_runs ORDER BY started_at, run_id").to_dicts()


def test_cp949_file_with_bad_rows_imports_the_good_rows_and_reports_each_bad_one_by_line(store, shop):
    data = MEMBERS_KO.encode("cp949")
    csv_file = ci.read_csv(data, "회원.csv")
    assert csv_file.encoding == "cp949"
    checked, result = ci.import_csv(store, shop, "members", csv_file)

    reasons = {b.line: b.reasons for b in checked.bad}
    assert list(reasons) == [2, 5, 6, 7, 8]  # line 2 is bad too: its key m1 is also on line 8
    assert reasons[2] == ("회원 번호 ‘m1’이(가) 파일의 8행에도 있습니다",)
    assert reasons[5] == ("이메일 값이 비어 있습니다 (열 ‘이메일 주소’)",)
    assert reasons[6] == ("가입일 ‘2026-13-45’을(를) 날짜·시간으로 읽을 수 없습니다 (예: 2026-01-10 09:30)",)
    assert reasons[7] == ("SMS 수신 동의 ‘maybe’은(는) 동의 값이 아닙니다 (Y/N, 예/아니오, true/false, 1/0)",)
    assert reasons[8] == ("회원 번호 ‘m1’이(가) 파일의 2행에도 있습니다",)
    assert (checked.rows, checked.blank, checked.good.height) == (7, 1, 2)

    stored = members(store)
    assert list(stored) == GOOD_KEYS
    assert stored["m2"]["name"] == "이서준\r\n(주니어)"
    assert stored["m2"]["signed_up_at"] == at("2026-01-06T00:00:00+09:00")
    assert (stored["m2"]["email_consent"], stored["m2"]["sms_consent"]) == (True, False)
    m7 = stored["m7"]
    assert (m7["email"], m7["phone"], m7["member_group"]) == ("yoon@example.kr", "01077778888", "일반")
    assert m7["signed_up_at"] == at("2026-01-10T15:04:05+09:00")  # 오후 3:04:05, naive = Asia/Seoul
    assert (m7["email_consent"], m7["sms_consent"], m7["night_consent"]) == (True, False, False)
    assert json.loads(m7["raw"])["이름"] == "윤서연"

    [run] = runs(store)
    assert (run["shop_id"], run["started_by"], run["status"], run["entity"], run["records"]) == (
        SHOP, "csv", "succeeded", "members", 2)
    assert run["error"].startswith("회원.csv: 7행 중 5행을 가져오지 않았습니다.")
    for line in BAD_LINES:
        assert f"{line}행: " in run["error"]
    assert (result.imported, result.bad, result.status) == (2, 5, "succeeded")


def test_all_or_nothing_imports_nothing_when_a_row_is_bad(store, shop):
    checked, result = ci.import_csv(store, shop, "members", MEMBERS_KO.encode("cp949"), all_or_nothing=True,
                                    file_name="회원.csv")
    assert result.rejected and result.imported == 0 and result.status == "failed"
    assert members(store) == {}
    [run] = runs(store)
    assert (run["status"], run["records"], run["started_by"]) == ("failed", 0, "csv")
    assert "아무것도 가져오지 않았습니다" in run["error"] and "5행: 이메일 값이 비어 있습니다" in run["error"]

    # The same choice with a clean file imports all of it.
    clean = "\r\n".join(MEMBERS_KO.split("\r\n")[:2]) + "\r\n"
    _, result = ci.import_csv(store, shop, "members", clean.encode("cp949"), all_or_nothing=True)
    assert result.status == "succeeded" and list(members(store)) == ["m1"]


def test_utf8_with_bom_and_english_headers(store, shop):
    text = ("email,name,phone,signed_up_at,email_consent,sms_consent\n"
            "Ana@Example.com,Ana,+82-10-5555-6666,2026-01-05T09:00:00Z,true,false\n"
            "bo@example.com,Bo,,2026-01-06 08:30,yes,no\n")
    csv_file = ci.read_csv(b"\xef\xbb\xbf" + text.encode("utf-8"), "members.csv")
    assert csv_file.encoding == "utf-8-sig"
    assert csv_file.headers[0] == "email"  # the BOM is not part of the first header
    assert ci.read_csv(text.encode("utf-8")).encoding == "utf-8"
    _, result = ci.import_csv(store, shop, "members", csv_file)
    assert (result.imported, result.bad) == (2, 0)
    stored = members(store)  # no member number column: the e-mail is the key
    assert list(stored) == ["ana@example.com", "bo@example.com"]
    assert stored["ana@example.com"]["phone"] == "01055556666"
    assert stored["ana@example.com"]["signed_up_at"] == at("2026-01-05T09:00:00+00:00")
    assert stored["bo@example.com"]["signed_up_at"] == at("2026-01-06T08:30:00+09:00")

    # Without a member number the e-mail is the key, so the same address twice (any case) is a duplicate.
    twice = "email,name\nKim@Example.kr,김\n kim@example.kr ,김민지\nnew@example.com,새\n"
    checked, _ = ci.import_csv(store, shop, "members", twice.encode("utf-8"))
    assert [(b.line, b.reasons) for b in checked.bad] == [
        (2, ("이메일 ‘kim@example.kr’이(가) 파일의 3행에도 있습니다",)),
        (3, ("이메일 ‘kim@example.kr’이(가) 파일의 2행에도 있습니다",))]
    assert "kim@example.kr" not in members(store) and "new@example.com" in members(store)


def test_korean_headers_are_mapped_and_the_mapping_can_be_changed(store, shop):
    assert ci.suggest_mapping("members", ["회원 ID", "E-mail", "성명", "핸드폰", "회원가입일", "메일수신여부",
                                          "문자 수신 동의", "등급", "메모"]) == {
        "member_key": "회원 ID", "email": "E-mail", "name": "성명", "phone": "핸드폰",
        "member_group": "등급", "signed_up_at": "회원가입일", "email_consent": "메일수신여부",
        "sms_consent": "문자 수신 동의", "night_consent": None, "updated_at": None}
    assert ci.suggest_mapping("orders", ["주문번호", "주문자 이메일", "주문상태", "주문일시", "결제일시",
                                         "총 결제금액", "아이디"]) == {
        "order_key": "주문번호", "member_key": "아이디", "email": "주문자 이메일", "status": "주문상태",
        "ordered_at": "주문일시", "paid_at": "결제일시", "delivered_at": None, "total_amount": "총 결제금액",
        "currency": None, "updated_at": None}
    assert ci.suggest_mapping("order_items", ["주문번호", "상품코드", "상품명", "옵션정보", "수량", "판매가"]) == {
        "item_key": None, "order_key": "주문번호", "product_key": "상품코드", "product_name": "상품명",
        "option_text": "옵션정보", "quantity": "수량", "unit_price": "판매가", "status": None,
        "delivered_at": None}

    # The operator points 'phone' at a second phone column the names did not reveal.
    text = "이메일,전화1,비상연락처\nkim@example.kr,02-123-4567,010-9999-0000\n"
    csv_file = ci.read_csv(text.encode("cp949"))
    mapping = ci.suggest_mapping("members", csv_file.headers)
    assert mapping["phone"] is None
    mapping["phone"] = "비상연락처"
    ci.import_csv(store, shop, "members", csv_file, mapping)
    assert members(store)["kim@example.kr"]["phone"] == "01099990000"

    mapping["email"] = None
    with pytest.raises(ci.MappingError) as refused:
        ci.check_for_shop(store, shop, "members", csv_file, mapping)
    assert refused.value.message("ko") == "필수 항목에 연결된 열이 없습니다: 이메일."


ORDERS = ("주문번호,회원번호,주문자이메일,주문상태,주문일시,결제일시,결제금액\n"
          "o1,m2,,결제완료,2026-01-07 10:00:00,2026-01-07 10:05:00,\"39,000\"\n"
          "o2,,Yoon@Example.kr,배송완료,2026-01-08 11:00,,\"1,250.50\"\n"
          "o3,,,보류중,2026-01-08 12:00,,1000\n"          # line 4: unknown status
          "o4,,guest@example.kr,cancelled,2026-01-09,,0\n")
ITEMS = ("주문번호,상품코드,상품명,옵션,수량,판매가\n"
         "o1,p1,린넨 셔츠,L,1,\"39,000\"\n"
         "o2,p2,머그컵,,2,500\n"
         "o2,p3,코스터,,1,250.5\n"
         "o9,p1,린넨 셔츠,,1,100\n"      # line 5: an order the shop does not have
         "o4,,,,1,0\n"                   # line 6: no product at all
         "o4,p4,양말,,1.5,3000\n")       # line 7: a quantity that is not whole


def import_all(store: Store, shop: str) -> None:
    ci.import_csv(store, shop, "members", MEMBERS_KO.encode("cp949"), file_name="회원.csv")
    ci.import_csv(store, shop, "orders", ORDERS.encode("cp949"), file_name="주문.csv")
    ci.import_csv(store, shop, "order_items", ITEMS.encode("utf-8"), file_name="주문상품.csv")


def test_orders_and_items_with_korean_statuses_and_bad_rows(store, shop):
    import_all(store, shop)
    orders = {r["order_key"]: r for r in store.frame("SELECT * FROM orders WHERE shop_id = ?", [shop]).to_dicts()}
    assert sorted(orders) == ["o1", "o2", "o4"]
    assert (orders["o1"]["status"], orders["o1"]["member_key"], float(orders["o1"]["total_amount"])) == (
        "paid", "m2", 39000.0)
    assert orders["o1"]["paid_at"] == at("2026-01-07T10:05:00+09:00")
    # No member number: linked to the one member with the order's e-mail.
    assert (orders["o2"]["status"], orders["o2"]["member_key"], orders["o2"]["email"]) == (
        "delivered", "m7", "yoon@example.kr")
    assert float(orders["o2"]["total_amount"]) == 1250.5 and orders["o2"]["paid_at"] is None
    assert orders["o4"]["member_key"] is None and orders["o4"]["status"] == "cancelled"

    items = store.frame("SELECT item_key, order_key, product_name, quantity, unit_price, status FROM order_items "
                        "ORDER BY item_key").to_dicts()
    assert [(i["item_key"], i["product_name"], i["quantity"], float(i["unit_price"]), i["status"]) for i in items] == [
        ("o1#1", "린넨 셔츠", 1, 39000.0, "paid"), ("o2#1", "머그컵", 2, 500.0, "delivered"),
        ("o2#2", "코스터", 1, 250.5, "delivered")]

    by_kind = {r["entity"]: r for r in runs(store)}
    assert by_kind["orders"]["records"] == 3
    assert "4행: 주문 상태 ‘보류중’은(는) 알 수 없는 주문 상태입니다" in by_kind["orders"]["error"]
    items_error = by_kind["order_items"]["error"]
    assert "5행: 주문 ‘o9’이(가) 이 쇼핑몰에 없습니다" in items_error
    assert "6행: 상품 번호와 상품명이 모두 비어 있습니다" in items_error
    assert "7행: 수량 ‘1.5’은(는) 0 이상의 정수가 아닙니다" in items_error


def test_reimporting_the_same_files_is_idempotent(store, shop):
    import_all(store, shop)
    counts = lambda: store.frame(  # noqa: E731
        "SELECT (SELECT count(*) FROM members) m, (SELECT count(*) FROM orders) o, "
        "(SELECT count(*) FROM order_items) i").row(0)
    first = counts()
    before = store.frame("SELECT * EXCLUDE (synced_at) FROM members ORDER BY member_key")
    import_all(store, shop)
    assert counts() == first == (2, 3, 3)
    assert before.equals(store.frame("SELECT * EXCLUDE (synced_at) FROM members ORDER BY member_key"))
    assert [r["started_by"] for r in runs(store)] == ["csv"] * 6

    # An order's items in a new file replace its stored items (an item dropped from the order goes).
    ci.import_csv(store, shop, "order_items", "주문번호,상품명,수량\no2,머그컵,3\n".encode())
    assert store.frame("SELECT item_key, quantity FROM order_items WHERE order_key = 'o2'").rows() == [("o2#1", 3)]


def test_a_csv_member_is_stored_exactly_like_the_same_member_from_a_platform(store, shop, fixed_clock):
    save_shop(store, "godo", "godomall", "고도몰")
    record = {"memNo": "1001", "email": " Kim@Example.KR ", "memNm": "김민지", "cellPhone": "+82 10-1234-5678",
              "groupNm": "VIP", "entryDt": "2026-01-05 09:00:00", "maillingFl": "y", "smsFl": "n"}
    with store.unit() as con:
        write_rows(con, "godo", {"members": [godomall.member_row(record, "Asia/Seoul")]}, fixed_clock.now())
    csv_text = ("회원번호,이메일,이름,휴대폰,회원등급,가입일,메일수신,SMS수신\n"
                "1001, Kim@Example.KR ,김민지,+82 10-1234-5678,VIP,2026-01-05 09:00:00,y,n\n")
    ci.import_csv(store, shop, "members", csv_text.encode("utf-8"))
    columns = "member_key, email, name, phone, member_group, signed_up_at, email_consent, sms_consent, night_consent"
    platform = store.frame(f"SELECT {columns} FROM members WHERE shop_id = 'godo'").to_dicts()
    from_csv = store.frame(f"SELECT {columns} FROM members WHERE shop_id = ?", [shop]).to_dicts()
    assert from_csv == platform


# Cells as exports write them; the columns must read each exactly as normalize.py does.
INSTANTS = ["2026-01-05 09:00:00", "2026-01-05T09:00:00", "2026-01-05T09:00", "2026-01-05",
            "2026-01-05T09:00:00+09:00", "2026-01-05T00:00:00Z", "2026-01-05 09:00:00.250",
            "2026-01-05T09:00:00.123456-05:00", "2026-01-05T09:00:00+0900", "2026-01-05T09:00:00+09",
            " 2026-07-01 23:59:59 ", "0000-00-00 00:00:00", ""]
PHONES = ["+82 10-1234-5678", "010.1234.5678", "82-2-123-4567", "(02) 123-4567", "8210 1234 5678", " ", "없음"]
EMAILS = [" Kim@Example.KR ", "ÉLÈVE@example.fr", "a@b.co"]
AMOUNTS = ["12,345", "1,000.50", "-3,000", "0", "", " 7 ", "1e3"]
FLAGS = ["y", "Y", "yes", "t", "TRUE", "1", "on", "n", "N", "no", "false", "0", "off", ""]


def test_column_readers_agree_with_normalize_cell_by_cell(store, shop):
    n = max(map(len, (INSTANTS, PHONES, EMAILS, AMOUNTS, FLAGS)))
    pick = lambda values, i: values[i % len(values)]  # noqa: E731
    rows = [{"회원번호": f"k{i}", "이메일": f"u{i}." + pick(EMAILS, i).strip(), "휴대폰": pick(PHONES, i),
             "가입일": pick(INSTANTS, i), "이메일수신": pick(FLAGS, i)} for i in range(n)]
    frame = pl.DataFrame(rows)
    csv_file = ci.read_csv(frame.write_csv().encode("utf-8"))
    checked = ci.check("members", csv_file, ci.suggest_mapping("members", csv_file.headers), tz="Asia/Seoul")
    assert not checked.bad
    got = {r["member_key"]: r for r in checked.good.to_dicts()}
    for row in rows:
        mine = got[row["회원번호"]]
        assert mine["email"] == normalize.email(row["이메일"])
        assert mine["phone"] == normalize.phone(row["휴대폰"]), row["휴대폰"]
        assert mine["signed_up_at"] == normalize.instant(row["가입일"].strip() or None), row["가입일"]
        assert mine["email_consent"] == normalize.consent(row["이메일수신"]), row["이메일수신"]

    orders = "주문번호,주문상태,주문일,결제금액\n" + "".join(
        f'o{i},paid,2026-01-05,"{a}"\n' for i, a in enumerate(AMOUNTS))
    checked = ci.check("orders", ci.read_csv(orders.encode()), ci.suggest_mapping(
        "orders", ["주문번호", "주문상태", "주문일", "결제금액"]))
    assert checked.good["total_amount"].to_list() == [normalize.amount(a) for a in AMOUNTS]
    with pytest.raises(BadResponse):
        normalize.amount("12원x")
    checked = ci.check("orders", ci.read_csv("주문번호,주문상태,주문일,결제금액\no1,paid,2026-01-05,12원x\n"
                                             .encode()), ci.suggest_mapping("orders", ["주문번호", "주문상태",
                                                                                       "주문일", "결제금액"]))
    assert [b.line for b in checked.bad] == [2]  # what normalize refuses, the import refuses


def test_files_that_cannot_be_read_are_refused_in_words(store, shop):
    with pytest.raises(ci.CsvError) as refused:
        ci.read_csv("이메일\nkim@example.kr\n".encode("utf-16"))
    assert "UTF-16" in refused.value.message("ko")
    with pytest.raises(ci.CsvError) as refused:  # line 3 holds a byte neither encoding has
        ci.read_csv("이메일\nkim@example.kr\n".encode() + b"\xff\xfe\xff\n")
    assert refused.value.message("ko").startswith("3행에 UTF-8로도 CP949(엑셀 한글)로도 읽을 수 없는 글자가")
    with pytest.raises(ci.CsvError):
        ci.read_csv(b"  \r\n")

    # A row with more values than the header has columns is a bad row, named by its line.
    text = "이메일,이름\na@example.kr,가\nb@example.kr,나,다,라\nc@example.kr,다\n"
    checked, result = ci.import_csv(store, shop, "members", text.encode("utf-8"))
    assert [(b.line, b.reasons) for b in checked.bad] == [(3, ("값이 4개로, 헤더의 열 2개보다 많습니다",))]
    assert result.imported == 2


def test_a_csv_shop_is_never_synced_by_the_scheduler(store, shop):
    from core.scheduler import jobs
    assert [job.name for job in jobs.sync_jobs(list_shops(store))] == []
    out = subprocess.run([sys.executable, "-m", "core", "scheduler", "--once", "--now", "2026-01-10T09:00:00+09:00"],
                         cwd=ROOT, env=python_env(store.path), capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert store.frame("SELECT job FROM scheduler_jobs WHERE job LIKE 'sync:%'").is_empty()
    assert store.frame("SELECT * FROM sync_runs").is_empty()


def test_a_platform_shop_id_cannot_become_a_csv_shop(store, fixed_clock):
    save_shop(store, "mall", "cafe24", "카페24 몰")
    with pytest.raises(ci.NotCsvShop):
        ci.create_csv_shop(store, "mall", "덮어쓰기")
    with pytest.raises(ci.NotCsvShop):
        ci.import_csv(store, "mall", "members", b"email\na@example.kr\n")
    assert store.frame("SELECT platform FROM shops").rows() == [("cafe24",)]


def test_the_examples_in_the_format_document_import_as_it_says(store, shop):
    text = (ROOT / "docs" / "csv-format.md").read_text(encoding="utf-8")
    blocks = [block.split("```", 1)[0] for block in text.split("```csv\n")[1:]]
    assert len(blocks) == 3
    results = [ci.import_csv(store, shop, kind, block.encode("utf-8"))
               for kind, block in zip(("members", "orders", "order_items"), blocks, strict=True)]
    [(members_checked, _), (orders_checked, _), (items_checked, _)] = results
    assert [(b.line, b.reasons) for b in members_checked.bad] == [(4, ("이메일 값이 비어 있습니다 (열 ‘이메일’)",))]
    assert not orders_checked.bad and not items_checked.bad
    assert store.frame("SELECT count(*) AS n FROM order_items")["n"][0] == 2
