"""Normalized member records upserted per second into the store, at 1,000,000 members.

Builds a million normalized member rows (as a platform client would hand them to the sync engine),
then upserts them into a fresh store (all inserts) and again (all updates), each as one unit of work.
"""
from __future__ import annotations

import argparse
import datetime as dt
import resource
import sys
import tempfile
import time
from pathlib import Path

import polars as pl

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from core.store import Store, upsert  # noqa: E402

UTC = dt.UTC


def members(n: int, version: int) -> pl.DataFrame:
    i = pl.int_range(0, n, eager=True)
    start = dt.datetime(2024, 1, 1, tzinfo=UTC)
    return pl.DataFrame({
        "shop_id": pl.repeat("bench", n, eager=True),
        "member_key": ("m" + i.cast(pl.Utf8)),
        "email": ("user" + i.cast(pl.Utf8) + f"+v{version}@example.co.kr"),
        "name": pl.Series(["김민지", "이서준", "박지호", "최수아"] * (n // 4 + 1))[:n],
        "phone": ("010" + (10_000_000 + i).cast(pl.Utf8)),
        "signed_up_at": pl.datetime_range(start, start + dt.timedelta(seconds=30 * (n - 1)), "30s",
                                          eager=True, time_zone="UTC"),
        "email_consent": (i % 3 != 0),
        "sms_consent": (i % 2 == 0),
        "raw": ('{"member_id":"m' + i.cast(pl.Utf8) + '","version":' + str(version) + "}"),
        "synced_at": pl.repeat(start, n, eager=True).dt.replace_time_zone("UTC"),
    })


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--members", type=int, default=1_000_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        store = Store(Path(tmp) / "bench.duckdb")
        store.migrate()
        for label, version in (("insert", 1), ("update", 2)):
            frame = members(args.members, version)
            started = time.perf_counter()
            with store.unit() as con:
                upsert(con, "members", frame, ("shop_id", "member_key"))
            took = time.perf_counter() - started
            print(f"upsert ({label}) {args.members:,} members: {took:.2f} s, {args.members / took:,.0f} rows/s")
        size = (Path(tmp) / "bench.duckdb").stat().st_size
        peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        print(f"store file: {size / 2**20:.0f} MB; peak RSS: {peak_mb:.0f} MB")


if __name__ == "__main__":
    main()
