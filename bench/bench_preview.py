"""The honest preview's cost: how long the console holds the store to judge who an automation reaches
(and skips) over the next 24 hours and 7 days, by running the scheduler's ticks in a rolled-back unit.

    .venv/bin/python bench/bench_preview.py [--members 5000] [--orders 20000] [--carts 2000]

The world is bench_evaluate's (members and orders over two years ending now, one automation per trigger
running since 60 days ago, evaluated until a minute ago); the default size is the sandbox shop's.
Printed per trigger: the 24-hour preview (24 ticks) and the 7-day one (28 ticks), with what each finds.
"""
from __future__ import annotations

import argparse
import datetime as dt
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from bench_evaluate import NOW, automations, build  # noqa: E402

from core import clock  # noqa: E402
from core.store import Store  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--members", type=int, default=5_000)
    ap.add_argument("--orders", type=int, default=20_000)
    ap.add_argument("--carts", type=int, default=2_000)
    args = ap.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="bench-preview-"))
    path = folder / "console.duckdb"
    os.environ["CONSOLE_DB"] = str(path)
    os.environ["CONSOLE_SECRETS"] = str(folder / "secrets.json")
    try:
        store = Store(path, role="bench", timeout=120)
        fixed = clock.FixedClock(NOW - dt.timedelta(days=60))
        clock.set_clock(fixed)
        store.migrate()
        build(store, args.members, args.orders, args.carts)
        from core.automations import manage
        from core.shops.registry import save_shop
        save_shop(store, "bench", "csv", "벤치 상점")  # a sender first: a running automation needs one
        manage.save_sender_settings(store, "bench", sender_name="벤치", sender_email="hello@bench.example",
                                    sender_contact="02-000-0000", smtp_host="127.0.0.1", now=clock.now())
        automations(store)
        with store.unit() as con:
            con.execute("UPDATE automations SET evaluated_until = $t", {"t": NOW - dt.timedelta(minutes=1)})
        fixed.set(NOW)
        from core.automations.preview import preview
        rows = store.frame("SELECT automation_id, trigger FROM automations ORDER BY trigger").to_dicts()
        print(f"{args.members:,} members, {args.orders:,} orders, {args.carts:,} carts; load {os.getloadavg()}")
        for r in rows:
            for days in (1, 7):
                t = time.perf_counter()
                p = preview(store, r["automation_id"], now=NOW, days=days)
                took = time.perf_counter() - t
                print(f"{r['trigger']:<18} {days} day(s): {took * 1000:6.0f} ms, {len(p.ticks)} ticks, "
                      f"{p.receivers.height:,} receive, {p.skipped.height:,} skipped {p.skipped_by_reason()}")
    finally:
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
