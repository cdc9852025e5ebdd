"""Wix: contacts synced per second through the fake on loopback, and the share of the rate limit used.

The fake runs as its own process (`python -m tests.support.fakes.wix`, as a platform is another machine).
1. Rate limit off: a members-only sync of 10,000 and 1,000,000 contacts by the real client (Query Contacts
   v4, pages of 1,000, the documented maximum) into a fresh store file: HTTP, JSON, normalization, batched
   upserts with checkpoints. Also shown: the time the client alone spent producing pages (fetch + parse +
   normalize, in the engine's prefetch thread), so the engine's share is visible.
2. Rate limit on: the fake enforces Wix's documented 200 requests a minute per site (token bucket, 429 when
   empty); the client paces itself at its default (95% of that). A sync sized to take ~20 s reports requests
   a minute over the limit, and the 429s received.

    /tmp/venv/bin/python bench/bench_wix.py [--sizes 10000 1000000] [--limited-seconds 20]
"""
from __future__ import annotations

import argparse
import os
import resource
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from cpu import cpu_self, stop_fake  # noqa: E402 (bench/ is on sys.path)

from core.integrations.wix import DOCUMENTED_PER_MINUTE, PACE_SHARE, WixClient  # noqa: E402
from core.store import Store  # noqa: E402
from core.sync.engine import sync_shop  # noqa: E402
from tests.support.fakes.wix import API_KEY, SITE_ID  # noqa: E402


def start_fake(members: int, per_minute: float | None = None) -> tuple[str, subprocess.Popen]:
    cmd = [sys.executable, "-m", "tests.support.fakes.wix", "--members", str(members)]
    if per_minute:
        cmd += ["--per-minute", str(per_minute)]
    process = subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.PIPE, text=True)
    return process.stdout.readline().strip(), process


class TimedClient:
    """The real client, with the time its page generator runs (in the prefetch thread) added up."""

    def __init__(self, client: WixClient) -> None:
        self.client, self.busy = client, 0.0
        self.platform, self.entities = client.platform, client.entities

    def pages(self, entity: str, cursor: Any) -> Iterator:
        pages = self.client.pages(entity, cursor)
        while True:
            started = time.perf_counter()
            try:
                page = next(pages)
            except StopIteration:
                self.busy += time.perf_counter() - started
                return
            self.busy += time.perf_counter() - started
            yield page

    def close(self) -> None:
        self.client.close()


def sync_members(url: str, expected: int, *, per_minute: float | None, limit: int) -> dict[str, float]:
    with tempfile.TemporaryDirectory() as tmp:
        store = Store(Path(tmp) / "bench.duckdb", role="bench")
        store.migrate()
        client = TimedClient(WixClient(API_KEY, SITE_ID, base_url=url, per_minute=per_minute,
                                       contacts_limit=limit, timeout=60))
        started, cpu = time.perf_counter(), cpu_self()
        result = sync_shop(store, "wix", client, entities=["members"])
        elapsed, cpu = time.perf_counter() - started, cpu_self() - cpu
        client.close()
        if result.status != "succeeded":
            raise SystemExit(f"sync failed: {result.error}")
        with store.unit() as con:
            stored = con.execute("SELECT count(*) FROM members").fetchone()[0]
        if stored != expected:
            raise SystemExit(f"stored {stored} members, the fake holds {expected}")
        size_mb = (Path(tmp) / "bench.duckdb").stat().st_size / 1e6
    http = client.client.http
    return {"elapsed": elapsed, "cpu": cpu, "client": client.busy, "requests": client.client.requests,
            "throttled": http.throttled, "retries": http.retries, "db_mb": size_mb}


def rate_off(n: int) -> None:
    url, fake = start_fake(n)
    try:
        r = sync_members(url, n, per_minute=None, limit=1000)
    finally:
        fake_cpu = stop_fake(fake)
    print(f"rate limit off, {n:>9,} members: {r['elapsed']:7.2f} s, {n / r['elapsed']:9,.0f} members/s "
          f"({r['requests']} requests; client producing pages {r['client']:.2f} s, store file {r['db_mb']:.0f} MB)")
    # On a shared machine the wall clock counts other people's work too; CPU seconds do not.
    print(f"    CPU: syncing process {r['cpu']:.2f} s = {r['cpu'] / n * 1e6:.1f} µs a member "
          f"({n / r['cpu']:,.0f} members per CPU-second), "
          f"fake Wix {fake_cpu:.2f} s; load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")


def rate_on(seconds: float) -> None:
    limit = 50  # small pages, so ~20 s of the documented rate is many requests
    per_second = DOCUMENTED_PER_MINUTE / 60.0
    members = int(seconds * per_second * PACE_SHARE) * limit
    url, fake = start_fake(members, per_minute=DOCUMENTED_PER_MINUTE)
    try:
        r = sync_members(url, members, per_minute=DOCUMENTED_PER_MINUTE, limit=limit)
    finally:
        stop_fake(fake)
    used = r["requests"] / r["elapsed"]
    print(f"rate limit on ({DOCUMENTED_PER_MINUTE:g}/min): {r['requests']} requests in {r['elapsed']:.1f} s = "
          f"{used * 60:.1f}/min, {used / per_second:.0%} of the allowed rate; "
          f"429s received: {r['throttled']}, retries: {r['retries']}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="*", default=[10_000, 1_000_000])
    parser.add_argument("--limited-seconds", type=float, default=20.0)
    args = parser.parse_args()
    for n in args.sizes:
        rate_off(n)
    if args.limited_seconds > 0:
        rate_on(args.limited_seconds)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak memory of the syncing process: {peak:.0f} MB")


if __name__ == "__main__":
    main()
