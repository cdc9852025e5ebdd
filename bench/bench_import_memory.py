"""Peak memory of an import by its size: a CSV member import, and a Cafe24 member sync from the sandbox.

Each import runs in a child process of its own (this script again, with --child), which prints its RSS
high-water mark (VmHWM) and its rows per second, so one size's peak is not another's. The CSV file is
bench_csv.py's members export (Korean headers, 0.1% bad rows), written to a temporary file first; the child
imports it from the path batch by batch (core.csv_import.import_file), or, with --whole, as the console's
page does it today (read_csv + check + import_checked, the file held whole). The sync child is
bench_sync.py's (the sandbox is its own process; its memory is not counted). Run:

    .venv/bin/python bench/bench_import_memory.py [--rows 100000 --rows 1000000 ...] [--whole 1000000] [--no-sync]
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
from memory import peak_mb, run_child  # noqa: E402 (bench/ is on sys.path)

from core import clock  # noqa: E402
from core import csv_import as ci  # noqa: E402
from core.store import Store  # noqa: E402

SHOP = "bench-csv"
NOW = dt.datetime(2026, 1, 10, tzinfo=dt.UTC)


def child_csv(path: Path, store_path: Path, whole: bool) -> dict:
    clock.set_clock(clock.FixedClock(NOW))
    store = Store(store_path, role="bench")
    store.migrate()
    ci.create_csv_shop(store, SHOP, "bench")
    started = time.perf_counter()
    if whole:
        csv_file = ci.read_csv(path.read_bytes(), path.name)
        mapping = ci.suggest_mapping("members", csv_file.headers)
        checked = ci.check_for_shop(store, SHOP, "members", csv_file, mapping)
        result = ci.import_checked(store, SHOP, checked, now=NOW, file_name=path.name)
        rows, bad = checked.rows, len(checked.bad)
    else:
        checked, result = ci.import_file(store, SHOP, "members", path, now=NOW)
        rows, bad = checked.rows, len(checked.bad)
    took = time.perf_counter() - started
    assert result.status == "succeeded", result.error
    stored = store.frame("SELECT count(*) AS n FROM members")["n"][0]
    assert stored == result.imported == rows - bad, (stored, result.imported, rows, bad)
    return {"rows": rows, "bad": bad, "seconds": took, "peak_mb": peak_mb()}


def child_sync(members: int, tmp: Path) -> dict:
    import bench_sync  # noqa: PLC0415 (bench/ is on sys.path; only the sync child needs the sandbox)

    from core.sandbox.setup import connect_sandbox  # noqa: PLC0415
    from core.sync.jobs import run_sync  # noqa: PLC0415

    os.environ["CONSOLE_SECRETS"] = str(tmp / "secrets.json")
    url, sandbox = bench_sync.start_sandbox(members)
    try:
        store = Store(tmp / "sync.duckdb")
        connect_sandbox(store, url)
        started = time.perf_counter()
        result = run_sync(store, "sandbox", started_by="bench", entities=["members"])
        took = time.perf_counter() - started
    finally:
        sandbox.terminate()
        sandbox.wait()
    assert result.status == "succeeded", result.error
    return {"rows": members, "bad": 0, "seconds": took, "peak_mb": peak_mb()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, action="append", help="sizes (default 100,000, 1,000,000, 3,000,000)")
    parser.add_argument("--whole", type=int, default=0, metavar="ROWS",
                        help="also the whole-file import (the page's path) for sizes up to ROWS (it takes GBs)")
    parser.add_argument("--no-sync", action="store_true", help="CSV imports only")
    parser.add_argument("--child", nargs="+", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        what, *rest = args.child
        if what == "sync":
            figures = child_sync(int(rest[0]), Path(rest[1]))
        else:
            figures = child_csv(Path(rest[0]), Path(rest[1]), what == "whole")
        print(json.dumps(figures))
        return

    import bench_csv  # noqa: PLC0415

    print(f"load average {os.getloadavg()[0]:.1f} / {os.getloadavg()[1]:.1f} on {os.cpu_count()} cores")
    print(f"{'import':<22} {'rows':>10} {'file MB':>8} {'seconds':>8} {'rows/s':>10} {'peak RSS MB':>12}")
    for n in args.rows or [100_000, 1_000_000, 3_000_000]:
        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / "members.csv"
            bench_csv.build(n).write_csv(path)
            size = path.stat().st_size / 1e6
            modes = ["streamed"] + (["whole"] if n <= args.whole else [])
            for mode in modes:
                store = Path(tmp) / f"{mode}.duckdb"
                f = run_child(__file__, [mode, str(path), str(store)])
                print(f"{'CSV ' + mode:<22} {f['rows']:>10,} {size:>8.0f} {f['seconds']:>8.1f} "
                      f"{f['rows'] / f['seconds']:>10,.0f} {f['peak_mb']:>12,.0f}", flush=True)
            path.unlink()
            if not args.no_sync:
                f = run_child(__file__, ["sync", str(n), tmp])
                print(f"{'Cafe24 sync (sandbox)':<22} {f['rows']:>10,} {'':>8} {f['seconds']:>8.1f} "
                      f"{f['rows'] / f['seconds']:>10,.0f} {f['peak_mb']:>12,.0f}", flush=True)
    print(f"load average {os.getloadavg()[0]:.1f} at the end")


if __name__ == "__main__":
    main()
