"""Naver Smartstore: members synced per second through the fake on loopback, and the share of the rate used.

The fake runs as its own process (`python -m tests.support.fakes.naver`, as a platform is another machine).
Smartstore has no member list: members arrive with the orders (the orderer of each), so "N members" here is
an orders sync of N orders by N different buyers. Per order the client makes one call for the order's
product order ids (so no order is ever written with some of its lines missing), plus one changed-orders and
one details call per 300 product orders: the call count, not the bytes, sets the pace.

1. Rate limit off: an orders sync of 10,000 and 1,000,000 members by the real client (8 workers) into a
   fresh store file. A size that would take longer than --cap-seconds is stopped there and its rate and
   projected total time printed (the store keeps everything committed up to then).
2. Rate limit on: Naver publishes no fixed number; each API gets a token bucket whose rate the gateway
   announces in GNCP-GW-RateLimit-Replenish-Rate. The fake announces --limited-rate a second per API; the
   client starts at its default guess and follows the announcement. A sync sized to take ~20 s reports, per
   API, requests a second over the announced rate, and the 429s received.

    /tmp/venv/bin/python bench/bench_naver.py [--sizes 10000 1000000] [--cap-seconds 90] [--limited-rate 10]
"""
from __future__ import annotations

import argparse
import datetime as dt
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from cpu import cpu_self, stop_fake  # noqa: E402 (bench/ is on sys.path)

from core import clock  # noqa: E402
from core.integrations.naver import KST, NaverClient  # noqa: E402
from core.store import Store  # noqa: E402
from core.sync.engine import sync_shop  # noqa: E402
from tests.support.fakes.naver import CLIENT_ID, CLIENT_SECRET, first_item  # noqa: E402

START = dt.datetime(2026, 1, 1, tzinfo=KST)  # the fake's first change


class Enough(Exception):
    """Raised from the progress callback to stop a run at its time cap."""


def start_fake(orders: int, step_s: float, rate: float | None = None) -> tuple[str, subprocess.Popen]:
    cmd = [sys.executable, "-m", "tests.support.fakes.naver", "--orders", str(orders), "--members", str(orders),
           "--step-s", str(step_s)]
    if rate:
        cmd += ["--rate-limit", str(rate)]
    process = subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.PIPE, text=True)
    return process.stdout.readline().strip(), process


def sync_orders(url: str, orders: int, step_s: float, *, rate: float | None, cap_s: float | None) -> dict:
    """An orders sync of the whole fake (or until `cap_s`), with the clock just after its last change."""
    clock.set_clock(clock.FixedClock(START + dt.timedelta(seconds=orders * step_s + 60)))
    with tempfile.TemporaryDirectory() as tmp:
        store = Store(Path(tmp) / "bench.duckdb", role="bench")
        store.migrate()
        client = NaverClient(CLIENT_ID, CLIENT_SECRET, base_url=url + "/external", rate_limit=rate or None,
                             orders_since=START - dt.timedelta(hours=1), workers=8, timeout=60)
        started, cpu = time.perf_counter(), cpu_self()

        def stop_at_cap(entity: str, records: int, pages: int) -> None:
            if cap_s and time.perf_counter() - started > cap_s:
                raise Enough()

        capped = False
        try:
            result = sync_shop(store, "naver", client, entities=["orders"], progress=stop_at_cap)
            if result.status != "succeeded":
                raise SystemExit(f"sync failed: {result.error}")
        except Enough:
            capped = True
        elapsed, cpu = time.perf_counter() - started, cpu_self() - cpu
        client.close()
        with store.unit() as con:
            members, items = (con.execute(f"SELECT count(*) FROM {t}").fetchone()[0]
                              for t in ("members", "order_items"))
    if not capped and (members, items) != (orders, first_item(orders)):
        raise SystemExit(f"stored {members} members and {items} product orders; the fake holds {orders} and "
                         f"{first_item(orders)}")
    return {"elapsed": elapsed, "cpu": cpu, "members": members, "capped": capped, "calls": dict(client.calls),
            "throttled": {n: a.throttled for n, a in client._apis.items()},
            "retries": sum(a.retries for a in client._apis.values())}


def rate_off(n: int, cap_s: float) -> None:
    url, fake = start_fake(n, step_s=1.0)
    try:
        r = sync_orders(url, n, 1.0, rate=None, cap_s=cap_s)
    finally:
        fake_cpu = stop_fake(fake)
    m, s = r["members"], r["elapsed"]
    calls = sum(r["calls"].values())
    line = (f"rate limit off, {n:>9,} members: {m:,} members in {s:.2f} s = {m / s:,.0f} members/s "
            f"({calls:,} requests, {calls / s:,.0f}/s: {', '.join(f'{k} {v:,}' for k, v in r['calls'].items())})")
    if r["capped"]:
        line += f"\n    stopped at the {cap_s:g} s cap: all {n:,} would take ~{n / (m / s) / 60:.0f} min at this rate"
    print(line)
    print(f"    CPU: syncing process {r['cpu']:.2f} s ({m / r['cpu']:,.0f} members per CPU-second), fake Naver "
          f"{fake_cpu:.2f} s; load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")


def rate_on(rate: float, seconds: float) -> None:
    orders = int(rate * 0.95 * seconds)  # one product-order-ids call per order: the busiest API
    url, fake = start_fake(orders, step_s=60.0, rate=rate)
    try:
        r = sync_orders(url, orders, 60.0, rate=2.0, cap_s=None)  # 2/s: the client's default first guess
    finally:
        stop_fake(fake)
    s = r["elapsed"]
    print(f"rate limit on ({rate:g}/s per API, announced by the fake): {r['members']} members in {s:.1f} s")
    for api, n in sorted(r["calls"].items(), key=lambda kv: -kv[1]):
        print(f"    {api:>10}: {n:4} requests = {n / s:5.2f}/s, {n / s / rate:4.0%} of its rate; "
              f"429s: {r['throttled'].get(api, 0)}")
    print(f"    retries: {r['retries']}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="*", default=[10_000, 1_000_000])
    parser.add_argument("--cap-seconds", type=float, default=90.0)
    parser.add_argument("--limited-rate", type=float, default=10.0)
    parser.add_argument("--limited-seconds", type=float, default=20.0)
    args = parser.parse_args()
    for n in args.sizes:
        rate_off(n, args.cap_seconds)
    if args.limited_seconds > 0:
        rate_on(args.limited_rate, args.limited_seconds)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak memory of the syncing process: {peak:.0f} MB")


if __name__ == "__main__":
    main()
