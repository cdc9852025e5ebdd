"""CSV member import: rows per second from a 1,000,000-row file to the store, by phase.

Builds a members CSV as a Korean Excel export would hold it (Korean headers, phones with dashes, dates
without offset, Y/N consent, 0.1% bad rows), then times, each in turn: reading it (encoding detection and
polars' reader), checking it (the column-wise normalization and the bad rows), and importing it into a
fresh store (one unit of work: inserts), then the same import again (updates). Run:

    /tmp/venv/bin/python bench/bench_csv.py [--rows 1000000] [--encoding utf-8|cp949]
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
from core import clock  # noqa: E402
from core import csv_import as ci  # noqa: E402
from core.store import Store  # noqa: E402

SHOP = "bench-csv"


def build(n: int, bad_every: int = 1000) -> pl.DataFrame:
    i = pl.int_range(0, n, eager=True).alias("i")
    start = dt.datetime(2020, 1, 1)
    signed_up = pl.datetime_range(start, start + dt.timedelta(minutes=2 * (n - 1)), "2m", eager=True)
    frame = pl.DataFrame({"i": i, "signed_up": signed_up}).with_columns(
        names=pl.Series(["김민지", "이서준", "박지호", "최수아"] * (n // 4 + 1))[:n],
        groups=pl.Series(["일반", "VIP", "골드"] * (n // 3 + 1))[:n])
    k = pl.col("i")
    # Every bad_every-th row is bad: one with a missing e-mail, the next with a date that does not exist.
    return frame.select(
        ("m" + k.cast(pl.Utf8)).alias("회원번호"),
        pl.when(k % bad_every == 1).then(None).otherwise("User" + k.cast(pl.Utf8) + "@Example.co.kr").alias("이메일"),
        pl.col("names").alias("이름"),
        ("010-" + (1000 + k % 9000).cast(pl.Utf8) + "-" + (1000 + k // 9000 % 9000).cast(pl.Utf8)).alias("휴대폰"),
        pl.when(k % bad_every == 2).then(pl.lit("2026-13-45"))
        .otherwise(pl.col("signed_up").dt.strftime("%Y-%m-%d %H:%M:%S")).alias("가입일"),
        pl.when(k % 3 == 0).then(pl.lit("N")).otherwise(pl.lit("Y")).alias("이메일수신"),
        pl.when(k % 2 == 0).then(pl.lit("예")).otherwise(pl.lit("아니오")).alias("SMS수신"),
        pl.col("groups").alias("회원등급"))


def timed(label: str, rows: int, fn):
    t0 = time.perf_counter()
    out = fn()
    seconds = time.perf_counter() - t0
    print(f"  {label:<28} {seconds:7.2f} s  {rows / seconds:>12,.0f} rows/s")
    return out, seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--encoding", choices=("utf-8", "cp949"), default="utf-8")
    args = parser.parse_args()
    n = args.rows
    clock.set_clock(clock.FixedClock(dt.datetime(2026, 1, 10, tzinfo=dt.UTC)))

    data = build(n).write_csv().encode(args.encoding)
    print(f"CSV members import: {n:,} rows, {len(data) / 1e6:.1f} MB, {args.encoding}")
    with tempfile.TemporaryDirectory() as tmp:
        store = Store(Path(tmp) / "bench.duckdb", role="bench")
        store.migrate()
        ci.create_csv_shop(store, SHOP, "bench")
        csv_file, t_read = timed("read (decode + parse)", n, lambda: ci.read_csv(data, "members.csv"))
        mapping = ci.suggest_mapping("members", csv_file.headers)
        checked, t_check = timed("check (normalize + bad rows)", n,
                                 lambda: ci.check_for_shop(store, SHOP, "members", csv_file, mapping))
        result, t_insert = timed("import into empty store", n,
                                 lambda: ci.import_checked(store, SHOP, checked, now=clock.now(),
                                                           file_name="members.csv"))
        again, t_update = timed("import again (updates)", n,
                                lambda: ci.import_checked(store, SHOP, checked, now=clock.now(),
                                                          file_name="members.csv"))
        stored = store.frame("SELECT count(*) AS n FROM members")["n"][0]
        size = (Path(tmp) / "bench.duckdb").stat().st_size
    total = t_read + t_check + t_insert
    print(f"  good {checked.good.height:,}, bad {len(checked.bad):,}, stored {stored:,}; "
          f"imported {result.imported:,} then {again.imported:,}")
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"  end to end (read + check + import): {total:.2f} s = {n / total:,.0f} rows/s; "
          f"store file {size / 1e6:.0f} MB; peak RSS {rss:.0f} MB")


if __name__ == "__main__":
    main()
