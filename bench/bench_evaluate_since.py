"""The evaluation job bounded by what changed since its last run, beside the same job judging every
automation's whole lateness window again (as it did before), on two copies of one store, alternating.

    .venv/bin/python bench/bench_tick.py --big --dir /tmp/tick     # builds /tmp/tick/tick-1.duckdb
    .venv/bin/python bench/bench_evaluate_since.py /tmp/tick/tick-1.duckdb [--minutes 12]

Each minute both copies are evaluated (in alternating order, so the machine's load falls on both alike)
and the minute's sends are then marked sent in both, so neither pays for what dispatch would do. Printed:
the occurrences planned per minute by each (they must be equal) and the median and best time per tick.
The first minute is left out of the times: bench_tick marks its automations evaluated without planning
what its data made true before, so the first whole re-scan plans all of that.
"""
from __future__ import annotations

import argparse
import datetime as dt
import os
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from core import clock  # noqa: E402
from core.automations import evaluate  # noqa: E402
from core.store import Store  # noqa: E402

KST = dt.timezone(dt.timedelta(hours=9))
NOW = dt.datetime(2026, 1, 10, 9, 0, tzinfo=KST)  # bench_tick's NOW; its own ticks ran a few minutes past it
BOUNDED = evaluate.rescanned_whole


def whole(con: object, automations: list, now: dt.datetime, with_audience: set[str]) -> set[str]:
    return {a.automation_id for a in automations}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("store", help="a store bench_tick.py --big --dir built (tick-1.duckdb)")
    ap.add_argument("--minutes", type=int, default=12)
    args = ap.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="bench-since-"))
    os.environ["CONSOLE_SECRETS"] = str(Path(args.store).parent / "secrets.json")
    print(f"load: {os.getloadavg()[0]:.2f} {os.getloadavg()[1]:.2f} {os.getloadavg()[2]:.2f} (1/5/15 min)")
    try:
        stores = {}
        for name in ("bounded", "whole"):
            shutil.copy(args.store, folder / f"{name}.duckdb")
            stores[name] = Store(folder / f"{name}.duckdb", role="bench", timeout=600)
        times: dict[str, list[float]] = {"bounded": [], "whole": []}
        planned: dict[str, list[int]] = {"bounded": [], "whole": []}
        for minute in range(10, 10 + args.minutes):
            at = NOW + dt.timedelta(minutes=minute)
            clock.set_clock(clock.FixedClock(at))
            for name in ("bounded", "whole") if minute % 2 else ("whole", "bounded"):
                evaluate.rescanned_whole = BOUNDED if name == "bounded" else whole  # type: ignore[assignment]
                t = time.perf_counter()
                planned[name].append(evaluate.evaluate_all(stores[name], at)["planned"])
                times[name].append(time.perf_counter() - t)
                with stores[name].unit() as con:
                    con.execute("UPDATE outbox SET state = 'sent', sent_at = $t WHERE state IN ('pending', 'failed')",
                                {"t": at})
        print(f"planned per minute: {planned}")
        for name, ts in times.items():
            print(f"{name:8s} evaluate: median {statistics.median(ts[1:]):.3f} s, best {min(ts[1:]):.3f} s "
                  f"over {len(ts) - 1} minutes; {sum(planned[name][1:])} planned after the first minute")
    finally:
        evaluate.rescanned_whole = BOUNDED  # type: ignore[assignment]
        shutil.rmtree(folder, ignore_errors=True)
    print(f"load: {os.getloadavg()[0]:.2f} {os.getloadavg()[1]:.2f} {os.getloadavg()[2]:.2f} (1/5/15 min)")


if __name__ == "__main__":
    main()
