"""Excel imports: a member download of N rows (.xlsx, the columns of Godomall's admin download) imported into
a fresh store, batch by batch (core/csv_import/excel.py -> staging -> swap). Prints rows a second and the peak
memory of the process.

    .venv/bin/python bench/bench_excel.py [--rows 100000]
"""
from __future__ import annotations

import argparse
import datetime as dt
import resource
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from openpyxl import Workbook  # noqa: E402

from core import csv_import  # noqa: E402
from core.store import Store  # noqa: E402

HEADERS = ["번호", "회원번호", "아이디", "이름", "회원등급", "이메일", "휴대폰번호", "가입일", "메일수신여부",
           "SMS수신여부"]


def workbook(rows: int, path: Path) -> None:
    book = Workbook(write_only=True)
    sheet = book.create_sheet()
    sheet.append(HEADERS)
    start = dt.datetime(2024, 1, 1, 9, 0)
    for i in range(rows):
        sheet.append([i + 1, i + 1, f"user{i}", f"회원{i}", ("일반", "우수", "VIP")[i % 3], f"user{i}@example.kr",
                      1000000000 + i, start + dt.timedelta(minutes=i), "y" if i % 2 else "n", "n"])
    book.save(path)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "members.xlsx"
        started = time.perf_counter()
        workbook(args.rows, path)
        print(f"wrote {args.rows:,} rows ({path.stat().st_size / 2**20:.1f} MB .xlsx) in "
              f"{time.perf_counter() - started:.1f} s (openpyxl)")
        store = Store(Path(tmp) / "bench.duckdb", role="bench")
        store.migrate()
        csv_import.create_csv_shop(store, "bench", "bench")
        started = time.perf_counter()
        checked, result = csv_import.import_file(store, "bench", "members", path,
                                                 now=dt.datetime.now(dt.UTC))
        took = time.perf_counter() - started
        assert result.imported == args.rows, result
        print(f"import_file (.xlsx -> staged -> swapped): {took:.1f} s = {args.rows / took:,.0f} rows/s")
    print(f"peak memory of this process: {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:,.0f} MB")


if __name__ == "__main__":
    main()
