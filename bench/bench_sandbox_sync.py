"""How long an incremental sync of the lively sandbox takes, against the one-minute interval it runs at.

The sandbox shop is synced every minute (core.sandbox.setup), so one incremental sync of a minute of the
lively mall's life must take well under a minute. Serves the 5,000-member sandbox at the lively pace with
Cafe24's call limit on (as `./start` does), in this process with its clock held still and moved on by
hand, so a minute of the mall's life costs no minute of waiting. The mall answering from a thread of the
same process makes the figures a little pessimistic.
"""
from __future__ import annotations

import argparse
import datetime as dt
import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from core import clock  # noqa: E402
from core.sandbox.server import SandboxServer  # noqa: E402
from core.sandbox.setup import connect_sandbox  # noqa: E402
from core.store import Store  # noqa: E402
from core.sync.jobs import run_sync  # noqa: E402


def bench(members: int, minutes: list[int]) -> None:
    start = dt.datetime.now(dt.UTC).replace(microsecond=0)
    with tempfile.TemporaryDirectory() as tmp:
        os.environ["CONSOLE_SECRETS"] = str(Path(tmp) / "secrets.json")
        sandbox = SandboxServer(members, 7, start=start, rate_limit=True, frozen=True, pace="lively")
        fixed = clock.FixedClock(start)
        clock.set_clock(fixed)
        try:
            store = Store(Path(tmp) / "bench.duckdb")
            store.migrate()
            connect_sandbox(store, sandbox.url)
            began = time.perf_counter()
            first = run_sync(store, "sandbox", started_by="bench")
            print(f"{members:,} members: first sync {first.records:,} records in {time.perf_counter() - began:.1f} s")
            for step in minutes:
                before = sandbox.mall.clock.now_s()
                sandbox.advance(minutes=step)
                fixed.advance(minutes=step)
                life = sandbox.mall.life(before, sandbox.mall.clock.now_s())
                began = time.perf_counter()
                result = run_sync(store, "sandbox", started_by="bench")
                took = time.perf_counter() - began
                print(f"after {step:>3} lively minute(s) ({life['signups']} sign-ups, {life['orders']} orders, "
                      f"{life['deliveries']} deliveries, {life['carts']} carts): incremental sync "
                      f"{result.status}, {result.records} records in {result.pages} pages, {took:.1f} s")
        finally:
            sandbox.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--members", type=int, default=5000)
    parser.add_argument("--minutes", type=int, nargs="+", default=[1, 1, 1, 10, 60])
    args = parser.parse_args()
    print(f"load: {os.getloadavg()[0]:.2f} {os.getloadavg()[1]:.2f} {os.getloadavg()[2]:.2f}")
    bench(args.members, args.minutes)


if __name__ == "__main__":
    main()
