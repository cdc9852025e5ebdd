"""The CSV import page under Streamlit's AppTest, inside app.py's navigation, against a real store file.

AppTest cannot drive the upload widget, so each test keeps the file as the page keeps an upload (copied beside
the store by core.console.csv_import.keep_upload) and puts it where the page holds it (session_state[FILE]);
everything after that (the detected encoding, the mapping selectboxes, the preview, the bad rows, the check and
the import, both batch by batch) is the page's own doing."""
from __future__ import annotations

import io
import os

import pytest
from streamlit.testing.v1 import AppTest

from core import csv_import as ci
from core.console import csv_import as console
from core.shops.registry import list_shops
from tests.conftest import ROOT
from tests.csv_import.test_csv_import import MEMBERS_KO, SHOP, members, runs

pytestmark = pytest.mark.timeout(180)
FILE = "csv.file"


def page() -> AppTest:
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60).run()
    at.switch_page("pages/csv_import.py").run()
    assert not at.exception, at.exception
    return at


def with_file(at: AppTest, data: bytes, name: str) -> AppTest:
    at.session_state[FILE] = console.keep_upload(io.BytesIO(data), name, console.store_path())
    at.run()
    assert not at.exception, at.exception
    return at


def selectboxes(at: AppTest) -> dict[str, object]:
    return {s.label: s for s in at.selectbox}


def button(at: AppTest, label: str):
    [found] = [b for b in at.button if b.label == label]
    return found


def test_a_cp949_file_shows_its_encoding_mapping_and_bad_rows_then_imports_the_good_rows(store, fixed_clock):
    ci.create_csv_shop(store, SHOP, "오프라인 매장")
    at = with_file(page(), MEMBERS_KO.encode("cp949"), "회원.csv")

    assert at.title[0].value == "CSV 가져오기"
    assert any("‘회원.csv’ · 인코딩 CP949 (엑셀 한글) · 8행" == c.value for c in at.caption)
    boxes = selectboxes(at)
    assert boxes["CSV 쇼핑몰"].value == SHOP
    assert boxes["이메일 *"].value == "이메일 주소" and boxes["휴대폰"].value == "휴대폰 번호"
    assert boxes["회원 번호"].value == "회원번호" and boxes["야간 수신 동의"].value == ""
    assert [m.value for m in at.metric] == ["7", "2", "5"]
    preview, bad = at.dataframe[0].value, at.dataframe[1].value
    assert list(preview["행"])[:3] == [2, 3, 5] and list(preview["이메일"])[:1] == [" Kim@Example.KR "]
    assert list(bad["행"]) == [2, 5, 6, 7, 8]
    assert bad["이유"][1] == "이메일 값이 비어 있습니다 (열 ‘이메일 주소’)"
    assert "2026-13-45" in bad["이유"][2]

    button(at, "가져오기").click().run()
    assert not at.exception
    assert at.warning[0].value == "2행을 가져왔고, 잘못된 행 5개는 가져오지 않았습니다."
    assert list(members(store)) == ["m2", "m7"]
    history = at.dataframe[-1].value
    assert list(history["실행"]) == ["CSV 가져오기"] and list(history["건수"]) == [2]
    assert "5행: 이메일 값이 비어 있습니다" in history["오류"][0]


def test_changing_the_mapping_rechecks_and_all_or_nothing_imports_nothing(store, fixed_clock):
    ci.create_csv_shop(store, SHOP, "오프라인 매장")
    at = with_file(page(), MEMBERS_KO.encode("cp949"), "회원.csv")

    # Unmapping the consent columns drops their bad values from the check: lines 2, 5, 6, 8 remain.
    selectboxes(at)["SMS 수신 동의"].select("").run()
    assert list(at.dataframe[1].value["행"]) == [2, 5, 6, 8]
    # Unmapping the e-mail is refused in words, and nothing can be imported.
    selectboxes(at)["이메일 *"].select("").run()
    assert at.error[0].value == "필수 항목에 연결된 열이 없습니다: 이메일."
    assert not [b for b in at.button if b.label == "가져오기"]
    selectboxes(at)["이메일 *"].select("이메일 주소").run()

    at.radio(key="csv.mode").set_value("all_or_nothing").run()
    button(at, "가져오기").click().run()
    assert at.error[0].value == "잘못된 행이 4개 있어 아무것도 가져오지 않았습니다. 파일을 고친 뒤 다시 올리세요."
    assert members(store) == {}
    [run] = runs(store)
    assert (run["status"], run["started_by"], run["records"]) == ("failed", "csv", 0)


def test_a_csv_shop_is_created_on_the_page(store, fixed_clock):
    at = page()
    assert at.info[0].value == "아직 CSV 쇼핑몰이 없습니다. 아래에서 만드세요."
    fields = {t.label: t for t in at.text_input}
    fields["쇼핑몰 ID"].input("Bad Id!")
    fields["쇼핑몰 이름"].input("매장")
    button(at, "만들기").click().run()
    assert at.error[0].value == "쇼핑몰 ID는 영문 소문자, 숫자, -, _ 로 1~40자여야 합니다" and list_shops(store) == []

    fields = {t.label: t for t in at.text_input}
    fields["쇼핑몰 ID"].input("store-1")
    fields["쇼핑몰 이름"].input("오프라인 매장")
    button(at, "만들기").click().run()
    assert not at.exception
    assert [(s.shop_id, s.platform) for s in list_shops(store)] == [("store-1", "csv")]
    assert selectboxes(at)["CSV 쇼핑몰"].value == "store-1"
    assert at.radio(key="csv.kind").options == ["회원", "주문", "주문 상품"]


def test_an_import_made_in_korean_reads_in_english_after_switching(store, fixed_clock):
    ci.create_csv_shop(store, SHOP, "오프라인 매장")
    at = with_file(page(), MEMBERS_KO.encode("cp949"), "회원.csv")
    at.radio(key="csv.mode").set_value("all_or_nothing").run()
    button(at, "가져오기").click().run()                    # rejected: the run keeps its reasons in Korean
    assert "5행: 이메일 값이 비어 있습니다" in at.dataframe[-1].value["오류"][0]

    at.sidebar.radio(key="language_switch").set_value("en").run()
    assert not at.exception, at.exception
    error = at.dataframe[-1].value["Error"][0]              # worded again from its key, in the reader's language
    assert error.startswith("'All or nothing' was chosen and 5 row(s) were bad, so nothing was imported.")
    assert "line 5: E-mail is empty (column '이메일 주소')" in error  # the file's own header stays as it is
    assert "행" not in error and "비어" not in error


def test_a_file_larger_than_a_batch_shows_a_late_bad_row_at_its_exact_line_and_imports_batch_by_batch(store,
                                                                                                       fixed_clock):
    from tests.csv_import.test_csv_batches import members_file  # noqa: PLC0415 (the batch tests' file)

    ci.create_csv_shop(store, SHOP, "오프라인 매장")
    n = 90_000
    text, lines = members_file(n, multi_line_at=40, bad_date_at=88_000, repeat=(5, 89_500))
    data = text.encode("cp949")
    assert len(data) > ci.BATCH_BYTES  # the check and the import read it in more than one batch
    at = with_file(page(), data, "회원.csv")

    assert any("‘회원.csv’ · 인코딩 CP949 (엑셀 한글) · 90,000행" == c.value for c in at.caption)
    assert [m.value for m in at.metric] == ["90,000", "89,997", "3"]
    bad = at.dataframe[1].value
    assert list(bad["행"]) == [lines[5], lines[88_000], lines[89_500]] == [7, 88_003, 89_503]
    assert "2026-13-45" in bad["이유"][1] and "88,003" not in bad["이유"][1]
    assert "89503" in bad["이유"][0]  # the key's other line, named on line 7

    button(at, "가져오기").click().run()
    assert not at.exception, at.exception
    assert at.warning[0].value == "89,997행을 가져왔고, 잘못된 행 3개는 가져오지 않았습니다."
    assert store.frame("SELECT count(*) AS n FROM members")["n"][0] == 89_997
    assert store.frame("SELECT name FROM members WHERE member_key = 'm40'")["name"][0] == "김\n민지"
    assert "88003행" in at.dataframe[-1].value["오류"][0]


def test_an_upload_is_kept_beside_the_store_and_an_unreadable_one_leaves_nothing(store_path):
    folder = console.upload_folder(str(store_path))
    upload = console.keep_upload(io.BytesIO(MEMBERS_KO.encode("cp949")), "회원.csv", str(store_path))
    assert upload.path.parent == folder and upload.path.read_bytes() == MEMBERS_KO.encode("cp949")
    assert (upload.encoding, upload.headers[:2], upload.first.rows) == ("cp949", ["회원번호", "이메일 주소"], 8)

    with pytest.raises(console.CsvError):
        console.keep_upload(io.BytesIO(b"\x80"), "x.csv", str(store_path))  # neither UTF-8 nor CP949
    assert list(folder.iterdir()) == [upload.path]
    console.discard(upload)
    assert list(folder.iterdir()) == []


def test_a_file_left_behind_by_a_closed_page_is_removed_a_day_later(store_path):
    left = console.keep_upload(io.BytesIO(b"email\na@example.kr\n"), "a.csv", str(store_path))
    recent = console.keep_upload(io.BytesIO(b"email\nb@example.kr\n"), "b.csv", str(store_path))
    now = left.path.stat().st_mtime
    os.utime(left.path, (now - console.STALE_SECONDS - 60,) * 2)     # a day and a minute old
    os.utime(recent.path, (now - console.STALE_SECONDS + 60,) * 2)   # a minute short of a day old
    new = console.keep_upload(io.BytesIO(b"email\nc@example.kr\n"), "c.csv", str(store_path), now=now)
    assert not left.path.exists() and recent.path.exists() and new.path.exists()
