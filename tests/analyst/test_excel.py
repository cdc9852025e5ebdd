"""The Excel CSV: a BOM, times on the shop's clock, digit codes kept as text, formulas never run."""
from __future__ import annotations

import datetime as dt

import polars as pl

from core.analyst.excel import excel_csv_bytes


def test_excel_reads_korean_keeps_leading_zeros_and_runs_no_formula() -> None:
    frame = pl.DataFrame({
        "name": ["김민지", "=HYPERLINK(\"http://evil\")", "-2+3"],
        "phone": ["01012345678", "+82 10-1234-5678", None],
        "member_key": ["000123", "m-1", "@x"],
        "signed_up_at": [dt.datetime(2026, 1, 1, 15, 30, tzinfo=dt.UTC)] * 3,
        "orders": [1, 2, 3],
    })
    data = excel_csv_bytes(frame, tz="Asia/Seoul")
    assert data.startswith(b"\xef\xbb\xbf")
    rows = [line.split(",", 4) for line in data[3:].decode("utf-8").splitlines()]
    assert rows[0] == ["name", "phone", "member_key", "signed_up_at", "orders"]
    assert rows[1] == ["김민지", '"=""01012345678"""', '"=""000123"""', "2026-01-02 00:30", "1"]
    assert rows[2][1] == '"=""+82 10-1234-5678"""' and rows[2][2] == "m-1"
    assert rows[2][0].startswith("\"'=HYPERLINK(")  # shown as text, never run
    assert rows[3][:3] == ["'-2+3", "", "'@x"]
