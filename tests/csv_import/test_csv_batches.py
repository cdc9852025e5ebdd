"""A file imported batch by batch (import_file) against a real store: the same bad rows, lines and stored rows
as the whole-file import, with batches small enough that every file spans many of them; exact lines after a
multi-line cell in a late batch; a key repeated across batches; all or nothing by a swap at the end."""
from __future__ import annotations

import datetime as dt
from pathlib import Path

import polars as pl
import pytest

from core import csv_import as ci
from core.store import Store
from tests.csv_import.test_csv_import import ITEMS, MEMBERS_KO, ORDERS, SHOP

pytestmark = pytest.mark.timeout(120)
NOW = dt.datetime(2026, 1, 10, 0, 0, tzinfo=dt.UTC)
TABLES = {"members": "member_key", "orders": "order_key", "order_items": "item_key"}


def new_store(path: Path) -> Store:
    store = Store(path, role="test")
    store.migrate()
    ci.create_csv_shop(store, SHOP, "오프라인 매장")
    return store


def stored(store: Store, table: str) -> pl.DataFrame:
    return store.frame(f"SELECT * EXCLUDE (synced_at) FROM {table} ORDER BY {TABLES[table]}")


def bad_rows(checked: ci.Checked) -> list[tuple[int, list[tuple[str, dict]]]]:
    return [(b.line, [(r.key, r.params) for r in b.reasons]) for b in checked.bad]


FILES = [("members", MEMBERS_KO.encode("cp949")), ("orders", ORDERS.encode("cp949")),
         ("order_items", ITEMS.encode("utf-8")),
         ("members", b"\xef\xbb\xbfemail,name\nKim@Example.kr,\xea\xb9\x80\n kim@example.kr ,x\nnew@example.com,y\n"),
         ("order_items", "주문번호,상품명,수량\no2,머그컵,3\n".encode())]


@pytest.mark.parametrize("batch_bytes", [pytest.param(7, marks=pytest.mark.slow), 64, 1 << 20])
@pytest.mark.parametrize("all_or_nothing", [False, True])
def test_batch_by_batch_imports_exactly_what_the_whole_file_import_does(tmp_path, batch_bytes, all_or_nothing):
    whole, streamed = new_store(tmp_path / "whole.duckdb"), new_store(tmp_path / "streamed.duckdb")
    for kind, data in FILES:
        checked, result = ci.import_csv(whole, SHOP, kind, data, now=NOW, all_or_nothing=all_or_nothing,
                                        file_name="f.csv")
        source = ci.open_csv(data, "f.csv", batch_bytes=batch_bytes)
        checked_b, result_b = ci.import_file(streamed, SHOP, kind, source, now=NOW, all_or_nothing=all_or_nothing)
        assert bad_rows(checked_b) == bad_rows(checked)
        assert (checked_b.rows, checked_b.blank, checked_b.partial_orders) == (
            checked.rows, checked.blank, checked.partial_orders)
        assert (result_b.status, result_b.imported, result_b.bad, result_b.error) == (
            result.status, result.imported, result.bad, result.error)
        for table in TABLES:
            assert stored(streamed, table).equals(stored(whole, table)), (kind, table)
    runs = "SELECT status, entity, records, error, error_key, error_params FROM sync_runs ORDER BY entity, records"
    assert streamed.frame(runs).equals(whole.frame(runs))


def members_file(n: int, *, multi_line_at: int, bad_date_at: int, repeat: tuple[int, int]) -> tuple[str, dict]:
    """n members, row i (0-based) on line 2 + i, one more after the row with a line break in its name."""
    rows, lines, line = ["회원번호,이메일,이름,가입일"], {}, 2
    for i in range(n):
        key = f"m{repeat[0]}" if i == repeat[1] else f"m{i}"
        name = '"김\n민지"' if i == multi_line_at else f"회원{i}"
        date = "2026-13-45" if i == bad_date_at else "2026-01-05 09:00:00"
        rows.append(f"{key},user{i}@example.kr,{name},{date}")
        lines[i] = line
        line += 2 if i == multi_line_at else 1
    return "\r\n".join(rows) + "\r\n", lines


def test_lines_stay_exact_in_a_late_batch_after_a_multi_line_cell_and_a_key_repeated_across_batches(store):
    ci.create_csv_shop(store, SHOP, "오프라인 매장")
    text, lines = members_file(1200, multi_line_at=40, bad_date_at=1100, repeat=(5, 1150))
    source = ci.open_csv(text.encode("cp949"), "회원.csv", batch_bytes=4096)
    assert sum(1 for _ in source.batches()) > 8  # the rows really are read in many batches
    checked, result = ci.import_file(store, SHOP, "members", source, now=NOW)

    assert [b.line for b in checked.bad] == [lines[5], lines[1100], lines[1150]] == [7, 1103, 1153]
    assert bad_rows(checked)[1] == (1103, [("csv.reason.bad_instant", {"field": "signed_up_at", "header": "가입일",
                                                                      "value": "2026-13-45"})])
    assert bad_rows(checked)[0] == (7, [("csv.reason.duplicate", {"field": "member_key", "header": "",
                                                                  "value": "m5", "lines": "1153"})])
    assert (checked.rows, result.imported, result.bad, result.status) == (1200, 1197, 3, "succeeded")
    assert store.frame("SELECT name FROM members WHERE member_key = 'm40'")["name"][0] == "김\n민지"
    assert store.frame("SELECT count(*) AS n FROM members WHERE member_key IN ('m5', 'm1100')")["n"][0] == 0
    [params] = store.frame("SELECT error_params FROM sync_runs")["error_params"]
    assert '"line": 1103' in params and '"line": 7' in params


def test_all_or_nothing_swaps_in_every_batch_or_none(store, tmp_path):
    ci.create_csv_shop(store, SHOP, "오프라인 매장")
    text, _ = members_file(2000, multi_line_at=10, bad_date_at=1990, repeat=(1, 1))
    path = tmp_path / "회원.csv"
    path.write_bytes(text.encode("utf-8"))
    checked, result = ci.import_file(store, SHOP, "members", ci.open_csv(path, batch_bytes=2048), now=NOW,
                                     all_or_nothing=True)
    assert result.rejected and [b.line for b in checked.bad] == [1993]
    assert store.frame("SELECT count(*) AS n FROM members")["n"][0] == 0

    clean = text.replace("2026-13-45", "2026-01-05")
    path.write_bytes(clean.encode("utf-8"))
    _, result = ci.import_file(store, SHOP, "members", ci.open_csv(path, batch_bytes=2048), now=NOW,
                               all_or_nothing=True)
    assert (result.status, result.imported) == ("succeeded", 2000)
    assert store.frame("SELECT count(*) AS n FROM members")["n"][0] == 2000
    assert store.frame("SELECT status, records FROM sync_runs ORDER BY records").rows() == [
        ("failed", 0), ("succeeded", 2000)]


def test_an_orders_items_are_numbered_over_the_whole_file_across_batches(store):
    ci.create_csv_shop(store, SHOP, "오프라인 매장")
    ci.import_file(store, SHOP, "orders", "주문번호,주문상태,주문일\no1,paid,2026-01-05\n".encode(), now=NOW)
    items = "주문번호,상품명,수량\n" + "".join(f"o1,상품{i},1\n" for i in range(300))
    _, result = ci.import_file(store, SHOP, "order_items", ci.open_csv(items.encode(), batch_bytes=256), now=NOW)
    assert result.imported == 300
    keys = store.frame("SELECT item_key, product_name FROM order_items ORDER BY quantity, item_key").rows()
    assert sorted(keys) == sorted((f"o1#{i + 1}", f"상품{i}") for i in range(300))


def test_encoding_errors_name_the_line_in_a_late_block(tmp_path):
    head = "이메일,이름\n" + "".join(f"user{i}@example.kr,김민지\n" for i in range(120_000))
    data = head.encode("cp949") + b"\xff\xfe\xff\n"
    with pytest.raises(ci.CsvError) as refused:
        ci.open_csv(data)
    assert (refused.value.key, refused.value.params["line"]) == ("csv.encoding", 120_002)
    with pytest.raises(ci.CsvError) as refused:
        ci.open_csv(b"  \r\n")
    assert refused.value.key == "csv.empty"


@pytest.mark.parametrize("batch_bytes", [64, 1 << 20])
def test_check_file_finds_what_the_import_finds_and_writes_nothing(store, batch_bytes):
    ci.create_csv_shop(store, SHOP, "오프라인 매장")
    for kind, data in FILES:
        whole = ci.check_for_shop(store, SHOP, kind, ci.read_csv(data, "f.csv"),
                                  ci.suggest_mapping(kind, ci.read_csv(data, "f.csv").headers))
        checked = ci.check_file(store, SHOP, kind, ci.open_csv(data, "f.csv", batch_bytes=batch_bytes))
        assert bad_rows(checked) == bad_rows(whole)
        assert (checked.rows, checked.blank, checked.partial_orders) == (whole.rows, whole.blank, whole.partial_orders)
        assert checked.good.is_empty()
    for table in [*TABLES, "sync_runs"]:
        assert store.frame(f"SELECT count(*) AS n FROM {table}")["n"][0] == 0, table


def test_check_file_reads_a_path_and_open_source_refuses_a_broken_workbook(store, tmp_path):
    ci.create_csv_shop(store, SHOP, "오프라인 매장")
    text, lines = members_file(300, multi_line_at=10, bad_date_at=250, repeat=(3, 290))
    path = tmp_path / "회원.csv"
    path.write_bytes(text.encode("cp949"))
    checked = ci.check_file(store, SHOP, "members", path)
    assert [b.line for b in checked.bad] == [lines[3], lines[250], lines[290]]
    assert isinstance(ci.open_source(path), ci.CsvBatches)
    with pytest.raises(ci.CsvError):
        ci.open_source(b"PK\x03\x04 not really a workbook", "x.xlsx")
