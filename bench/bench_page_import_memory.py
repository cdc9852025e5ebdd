"""Peak memory of the CSV import page's flow, through the console functions the page calls, by file size.

Each import runs in a child process of its own (this script again, with --child) that prints its RSS
high-water mark (VmHWM, bench/memory.py) after each step, so one size's peak is not another's:
the upload copied beside the store (keep_upload, from an open file as Streamlit's UploadedFile is read), the
check the page shows before the operator chooses a mode (check_file: nothing written), then the import of the
good rows (import_file). The file is bench_csv.py's members export (Korean headers, 0.1% bad rows). With
--whole, the page's former path (console read_csv + check_for_shop + import_checked, the file held whole) for
the sizes up to ROWS, to compare. Run:

    .venv/bin/python bench/bench_page_import_memory.py [--rows 100000 --rows 1000000 ...] [--whole 1000000]
"""
from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))
from memory import peak_mb, run_child  # noqa: E402

from core import clock  # noqa: E402
from core.console import csv_import as ci  # noqa: E402
from core.store import Store  # noqa: E402

SHOP = "bench-csv"
NOW = dt.datetime(2026, 1, 10, tzinfo=dt.UTC)


def child(path: Path, store_path: Path, whole: bool) -> dict:
    clock.set_clock(clock.FixedClock(NOW))
    store = Store(store_path, role="bench")
    store.migrate()
    ci.create_csv_shop(store, SHOP, "bench")
    peaks: dict[str, float] = {"start": peak_mb()}
    started = time.perf_counter()
    if whole:
        csv_file = ci.read_csv(path.read_bytes(), path.name)
        peaks["kept"] = peak_mb()
        checked = ci.check_for_shop(store, SHOP, "members", csv_file, ci.suggest_mapping("members", csv_file.headers))
        peaks["checked"] = peak_mb()
        result = ci.import_checked(store, SHOP, checked, file_name=path.name)
    else:
        with path.open("rb") as stream:
            upload = ci.keep_upload(stream, path.name, str(store_path))
        peaks["kept"] = peak_mb()
        mapping = ci.suggest_mapping("members", upload.headers)
        checked = ci.check_file(store, SHOP, "members", upload, mapping)
        peaks["checked"] = peak_mb()
        result = ci.import_file(store, SHOP, "members", upload, mapping)
        ci.discard(upload)
    took = time.perf_counter() - started
    peaks["imported"] = peak_mb()
    assert result.status == "succeeded", result.error
    stored = store.frame("SELECT count(*) AS n FROM members")["n"][0]
    assert stored == result.imported == checked.rows - len(checked.bad), (stored, result.imported, checked.rows)
    return {"rows": checked.rows, "bad": len(checked.bad), "seconds": took, "peaks": peaks}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, action="append", help="sizes (default 100,000 and 1,000,000)")
    parser.add_argument("--whole", type=int, default=0, metavar="ROWS",
                        help="also the former whole-file path for sizes up to ROWS (it takes GBs)")
    parser.add_argument("--child", nargs="+", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        what, path, store = args.child
        print(json.dumps(child(Path(path), Path(store), what == "whole")))
        return

    import bench_csv  # noqa: PLC0415

    print(f"load average {os.getloadavg()[0]:.1f} / {os.getloadavg()[1]:.1f} on {os.cpu_count()} cores")
    print(f"{'page import':<14} {'rows':>10} {'file MB':>8} {'seconds':>8} "
          f"{'peak MB: kept':>14} {'checked':>8} {'imported':>9}")
    for n in args.rows or [100_000, 1_000_000]:
        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / "members.csv"
            bench_csv.build(n).write_csv(path)
            size = path.stat().st_size / 1e6
            for mode in ["streamed"] + (["whole"] if n <= args.whole else []):
                folder = Path(tmp) / mode
                folder.mkdir()
                f = run_child(__file__, [mode, str(path), str(folder / "console.duckdb")])
                p = f["peaks"]
                print(f"{mode:<14} {f['rows']:>10,} {size:>8.0f} {f['seconds']:>8.1f} "
                      f"{p['kept']:>14,.0f} {p['checked']:>8,.0f} {p['imported']:>9,.0f}", flush=True)
    print(f"load average {os.getloadavg()[0]:.1f} at the end")


if __name__ == "__main__":
    main()
