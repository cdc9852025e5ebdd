"""The CSV import page in headless Chromium: a real upload (through Streamlit's file uploader) of a file larger
than one batch is kept on disk beside the store, checked batch by batch with a late bad row at its exact line,
imported, read again in English, and its file removed with the upload. Photographed in both languages (under
/tmp/csvpage/) for a person to look at."""
from __future__ import annotations

from pathlib import Path

import pytest

from core import csv_import as ci
from core.console.csv_import import upload_folder
from tests.csv_import.test_csv_batches import members_file
from tests.csv_import.test_csv_import import SHOP
from tests.support.browser_support import chromium, launched, metric, served_console  # noqa: F401 (fixture)

pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.timeout(300)]

SHOTS = Path("/tmp/csvpage")


def shot(page, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.wait_for_timeout(1500)  # let the data grids finish their first paint
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


def test_an_upload_beyond_one_batch_is_checked_imported_and_removed(chromium, store, store_path, tmp_path):  # noqa: F811
    from playwright.sync_api import expect

    ci.create_csv_shop(store, SHOP, "오프라인 매장")
    text, _ = members_file(90_000, multi_line_at=40, bad_date_at=88_000, repeat=(5, 89_500))
    path = tmp_path / "회원.csv"
    path.write_bytes(text.encode("cp949"))
    assert path.stat().st_size > ci.BATCH_BYTES
    expect.set_options(timeout=60_000)
    with served_console(store_path, tmp_path) as url, launched(chromium) as browser:
        page = browser.new_page(viewport={"width": 1400, "height": 1400}, locale="ko-KR")
        page.goto(url)
        sidebar = page.get_by_test_id("stSidebar")
        sidebar.get_by_role("link", name="CSV 가져오기").click()
        expect(page.get_by_role("heading", name="CSV 가져오기", exact=True)).to_be_visible()
        page.get_by_test_id("stFileUploaderDropzoneInput").set_input_files(str(path))
        expect(page.get_by_text("‘회원.csv’ · 인코딩 CP949 (엑셀 한글) · 90,000행")).to_be_visible()
        expect(metric(page, "잘못된 행").get_by_test_id("stMetricValue")).to_have_text("3")
        assert [f.name for f in upload_folder(str(store_path)).iterdir()][0].startswith("upload-")
        shot(page, "checked-ko")

        page.get_by_role("button", name="가져오기").click()
        expect(page.get_by_text("89,997행을 가져왔고, 잘못된 행 3개는 가져오지 않았습니다.")).to_be_visible()
        assert store.frame("SELECT count(*) AS n FROM members")["n"][0] == 89_997
        page.get_by_text("가져오기 기록").click()
        shot(page, "imported-ko")

        sidebar.get_by_text("English", exact=True).click()
        expect(page.get_by_role("heading", name="CSV import", exact=True)).to_be_visible()
        expect(page.get_by_text("'회원.csv' · encoding CP949 (Korean Excel) · 90,000 rows")).to_be_visible()
        expect(metric(page, "Bad rows").get_by_test_id("stMetricValue")).to_have_text("3")
        # The keyed radios show their choice in the new words (not none at all).
        expect(page.get_by_role("radio", name="Members", exact=True)).to_be_checked()
        expect(page.get_by_role("radio", name="Import the good rows", exact=True)).to_be_checked()
        shot(page, "checked-en")

        page.get_by_test_id("stFileChipDeleteBtn").click()
        expect(page.get_by_text("'회원.csv' · encoding CP949 (Korean Excel) · 90,000 rows")).to_have_count(0)
        page.wait_for_timeout(500)
        assert list(upload_folder(str(store_path)).iterdir()) == []
