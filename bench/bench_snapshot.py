"""The analysts' snapshot of a 1,000,000-member store: how long the one unit of work holds the store (the time
the scheduler would wait), how big the Parquet files are, and reading them back with polars.

Builds the store as bench_segments.py does (DuckDB SQL over range()), then runs `write_snapshot` (what
`python -m core snapshot --out DIR` calls), reads members and orders back with polars and answers one
question on the copy, and the same question through the API pointed at the snapshot.
"""
from __future__ import annotations

import argparse
import datetime as dt
import resource
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))
import polars as pl  # noqa: E402
from bench_segments import SHOP, build  # noqa: E402

from core import analyst  # noqa: E402
from core.analyst.snapshot import size_bytes, write_snapshot  # noqa: E402
from core.store import Store  # noqa: E402

NOW = dt.datetime(2026, 11, 23, 9, 0, tzinfo=dt.UTC)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--members", type=int, default=1_000_000)
    parser.add_argument("--orders", type=int, default=3_000_000)
    parser.add_argument("--carts", type=int, default=200_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        store = Store(Path(tmp) / "bench.duckdb", role="bench")
        store.migrate()
        began = time.perf_counter()
        build(store, args.members, args.orders, args.carts)
        print(f"store: {args.members:,} members, {args.orders:,} orders (+ items), {args.carts:,} carts "
              f"built in {time.perf_counter() - began:.1f} s, file {store.path.stat().st_size / 1e6:.0f} MB")

        out = Path(tmp) / "snapshot"
        began = time.perf_counter()
        manifest = write_snapshot(store, out, now=NOW)
        took = time.perf_counter() - began
        rows = sum(t["rows"] for t in manifest["tables"].values())
        print(f"snapshot: {len(manifest['tables'])} tables, {rows:,} rows in {took:.1f} s "
              f"(the store is held for one unit of this length), {size_bytes(out) / 1e6:.0f} MB of Parquet")
        for table in ("members", "orders", "order_items", "carts"):
            print(f"  {table}: {manifest['tables'][table]['rows']:,} rows, "
                  f"{(out / manifest['tables'][table]['file']).stat().st_size / 1e6:.1f} MB")

        began = time.perf_counter()
        members = pl.read_parquet(out / "members.parquet")
        orders = pl.read_parquet(out / "orders.parquet")
        read = time.perf_counter() - began
        print(f"polars read_parquet: members {members.height:,} + orders {orders.height:,} rows in {read:.2f} s")

        began = time.perf_counter()
        repeat = (pl.scan_parquet(out / "orders.parquet")
                  .filter(pl.col("status") != "cancelled")
                  .group_by("member_key").agg(pl.len().alias("orders"))
                  .filter(pl.col("orders") >= 2).select(pl.len()).collect().item())
        print(f"polars lazy scan: {repeat:,} members with 2+ standing orders in {time.perf_counter() - began:.2f} s")

        began = time.perf_counter()
        via_api = analyst.segment({"orders_min": 2}, SHOP, source=out).height
        print(f"analyst.segment on the snapshot: {via_api:,} members with 2+ counted orders "
              f"in {time.perf_counter() - began:.2f} s (no lock taken)")
        print(f"peak memory: {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB")


if __name__ == "__main__":
    main()
