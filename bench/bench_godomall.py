"""Godomall: products synced per second through the fake on loopback, and the share of the call limit used.

Godomall's Open API documents no member API (members come from the admin's member download:
bench/bench_excel.py measures that import); products are the largest paged listing the client reads.

The fake runs as its own process (`python -m tests.support.fakes.godomall`, as a platform is another machine).
1. Rate limit off: a products-only sync of 10,000 and 100,000 products by the real client into a fresh
   store file (HTTP, XML, normalization, batched upserts with checkpoints). Also shown: how long the
   client alone spent producing pages (fetch + parse + normalize, in the engine's prefetch thread), so
   the engine's share is visible.
2. Rate limit on: the fake enforces Godomall's documented 100 calls a second (token bucket, 429 +
   Retry-After when empty); the client paces itself at its default. A sync sized to take ~20 s reports
   calls a second over the limit, and the 429s received; then the client alone (pages read and
   normalized, no store) over the same products, to separate the pacing from the engine's speed.

CPU seconds are printed beside the wall clock: on a shared 2-core machine the wall clock mostly says how
busy the neighbours were, while CPU µs a product says what the code costs.

    .venv/bin/python bench/bench_godomall.py [--sizes 10000 100000] [--limited-products 95000]
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
from core.integrations.godomall import DEFAULT_RATE, DOCUMENTED_RATE, GodomallClient  # noqa: E402
from core.store import Store  # noqa: E402
from core.sync.engine import sync_shop  # noqa: E402
from tests.support.fakes.godomall import PARTNER_KEY, USER_KEY  # noqa: E402


def start_fake(products: int, rate_limit: float = 0.0) -> tuple[str, subprocess.Popen]:
    process = subprocess.Popen([sys.executable, "-m", "tests.support.fakes.godomall", "--members", "0",
                                "--products", str(products),
                                "--rate-limit", str(rate_limit)], cwd=ROOT, stdin=subprocess.PIPE,
                               stdout=subprocess.PIPE, text=True)
    return process.stdout.readline().strip(), process


def stop_fake(process: subprocess.Popen) -> dict[str, int]:
    process.stdin.close()
    tail = process.stdout.read().split()
    process.wait(timeout=30)
    return {k: int(v) for k, v in (item.split("=") for item in tail if "=" in item)}


class TimedClient:
    """The real client, with the time its page generator runs (in the prefetch thread) added up."""

    def __init__(self, client: GodomallClient) -> None:
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


def cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def child_cpu(process: subprocess.Popen) -> float:
    fields = Path(f"/proc/{process.pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def unlimited(products: int) -> None:
    url, fake = start_fake(products)
    with tempfile.TemporaryDirectory() as tmp:
        store = Store(Path(tmp) / "bench.duckdb", role="bench")
        store.migrate()
        client = TimedClient(GodomallClient(PARTNER_KEY, USER_KEY, base_url=url, rate_limit=None))
        fake_cpu, our_cpu, started = child_cpu(fake), cpu(), time.perf_counter()
        result = sync_shop(store, "godomall-bench", client, started_by="bench", entities=["products"])
        took, our_cpu, fake_cpu = time.perf_counter() - started, cpu() - our_cpu, child_cpu(fake) - fake_cpu
        client.close()
        size = os.path.getsize(Path(tmp) / "bench.duckdb")
    counts = stop_fake(fake)
    assert result.status == "succeeded" and result.records == products, result
    print(f"{products:>9,} products, rate limit off: {took:6.2f} s, {products / took:9,.0f} products/s "
          f"({counts.get('calls', 0):,} calls; the client producing pages {client.busy:.2f} s of it; "
          f"store {size / 2**20:,.0f} MB)\n"
          f"{'':>11}CPU: client + engine {our_cpu:.1f} s = {our_cpu / products * 1e6:.0f} µs a product "
          f"({products / our_cpu:,.0f} products per CPU second); the fake {fake_cpu:.1f} s")


def limited(products: int) -> None:
    url, fake = start_fake(products, DOCUMENTED_RATE)
    with tempfile.TemporaryDirectory() as tmp:
        store = Store(Path(tmp) / "bench.duckdb", role="bench")
        store.migrate()
        client = GodomallClient(PARTNER_KEY, USER_KEY, base_url=url)  # paced at its default
        started = time.perf_counter()
        result = sync_shop(store, "godomall-bench", client, started_by="bench", entities=["products"])
        took = time.perf_counter() - started
        client.close()
        assert result.status == "succeeded" and result.records == products, result
        rate = client.calls / took
        print(f"{products:>9,} products, rate limit on ({DOCUMENTED_RATE:.0f}/s documented, client paced at "
              f"{DEFAULT_RATE:.0f}/s), sync into the store: {took:.1f} s, {client.calls:,} calls = {rate:.1f} "
              f"calls/s = {rate / DOCUMENTED_RATE:.0%} of the allowed rate; EXHAUSTED warnings: "
              f"{client.exhausted}, retries: {client.http.retries}")
        alone = GodomallClient(PARTNER_KEY, USER_KEY, base_url=url)
        time.sleep(1.5)  # let the fake's bucket fill again
        started = time.perf_counter()
        read = sum(len(page.rows["products"]) for page in alone.pages("products", None))
        took = time.perf_counter() - started
        alone.close()
    counts = stop_fake(fake)
    assert read == products
    rate = alone.calls / took
    print(f"{'':>11}the client alone (no store): {took:.1f} s, {alone.calls:,} calls = {rate:.1f} calls/s = "
          f"{rate / DOCUMENTED_RATE:.0%} of the allowed rate; EXHAUSTED warnings: {alone.exhausted}, "
          f"retries: {alone.http.retries}; 429s the fake sent over both runs: {counts.get('throttled', 0)}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="*", default=[10_000, 100_000])
    parser.add_argument("--limited-products", type=int, default=95_000,
                        help="products for the rate-limited run (100 a call: 95,000 is ~10 s at 95 calls/s)")
    args = parser.parse_args()
    for products in args.sizes:
        unlimited(products)
    if args.limited_products:
        limited(args.limited_products)
    print(f"peak memory of this process: {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:,.0f} MB")


if __name__ == "__main__":
    main()
