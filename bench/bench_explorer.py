"""The segment explorer's 4-condition count + sample beside the most direct DuckDB SQL for the same answer.

The store is bench_segments.py's (1,000,000 members, 10,000,000 orders by default); the rule is its four
conditions (signed up in 2025, at least 2 orders, spent 100,000 or more, e-mail consent). Each round runs
the explorer and then the direct SQL (one statement: the order figures of the shop's counted orders, the
members that pass, their count, the shop's total and the newest 50), alternating, so both see the same
machine; the best and median of each and their ratio are printed, and the answers are compared.
`--before REF` times the explorer of a git revision too (e.g. main), in the same rounds. Run:

    .venv/bin/python bench/bench_explorer.py [--members 1000000 --orders 10000000] [--rounds 7] [--before main]
"""
from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
import types
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))
import bench_segments  # noqa: E402

from core.segments import explorer  # noqa: E402
from core.segments.rules import COUNTED_SQL  # noqa: E402
from core.store import Store  # noqa: E402

FOUR = {"signed_up_from": "2025-01-01", "signed_up_to": "2025-12-31", "orders_min": 2, "spent_min": 100_000,
        "email_consent": True}
SHOP = bench_segments.SHOP

# The same answer written straight: Asia/Seoul days (the shop's zone) as UTC bounds, the consent as the
# explorer reads it (the flag, unless unsubscribed in the console).
DIRECT = f"""
WITH stats AS (
    SELECT member_key, count(*) AS orders, sum(total_amount) AS spent, max(ordered_at) AS last_order_at
    FROM orders WHERE shop_id = $shop AND member_key IS NOT NULL AND status IN {COUNTED_SQL} GROUP BY member_key),
hit AS (
    SELECT m.*, s.orders, s.spent, s.last_order_at FROM members m JOIN stats s USING (member_key)
    WHERE m.shop_id = $shop AND m.signed_up_at >= TIMESTAMPTZ '2024-12-31 15:00:00+00'
      AND m.signed_up_at < TIMESTAMPTZ '2025-12-31 15:00:00+00' AND s.orders >= 2 AND s.spent >= 100000
      AND m.email_consent AND NOT EXISTS (SELECT 1 FROM unsubscribes u WHERE u.shop_id = m.shop_id
          AND u.member_key = m.member_key AND u.channel IN ('email', 'all')))
SELECT (SELECT count(*) FROM hit) AS count, (SELECT count(*) FROM members WHERE shop_id = $shop) AS total,
       member_key FROM hit ORDER BY signed_up_at DESC NULLS LAST, member_key LIMIT 50"""


def direct(store: Store) -> tuple[int, int, list[str]]:
    with store.unit() as con:
        rows = con.execute(DIRECT, {"shop": SHOP}).fetchall()
    return rows[0][0], rows[0][1], [r[2] for r in rows]


def explorer_of(ref: str) -> types.ModuleType:
    """core/segments/explorer.py as it is at git revision `ref`, loaded beside this one."""
    root = Path(__file__).resolve().parent.parent
    source = subprocess.run(["git", "show", f"{ref}:core/segments/explorer.py"], cwd=root, check=True,
                            capture_output=True, text=True).stdout
    module = types.ModuleType(f"explorer_{ref}")
    sys.modules[module.__name__] = module  # dataclasses look their module up there
    exec(compile(source, f"{ref}:core/segments/explorer.py", "exec"), module.__dict__)  # noqa: S102
    return module


def answer(module: Any, store: Store) -> tuple[int, int, list[str]]:
    found = module.explore(store, FOUR, SHOP)
    return found.count, found.total, found.sample["member_key"].to_list()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--members", type=int, default=1_000_000)
    parser.add_argument("--orders", type=int, default=10_000_000)
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--before", help="a git revision whose explorer to time too (e.g. main)")
    args = parser.parse_args()
    contenders: dict[str, Callable[[Store], tuple[int, int, list[str]]]] = {}
    if args.before:
        before = explorer_of(args.before)
        contenders[f"explorer ({args.before})"] = lambda store: answer(before, store)
    contenders["explorer"] = lambda store: answer(explorer, store)
    contenders["direct SQL"] = direct
    with tempfile.TemporaryDirectory() as tmp:
        store = Store(Path(tmp) / "bench.duckdb")
        started = time.perf_counter()
        bench_segments.build(store, args.members, args.orders, carts=1000)
        print(f"built {args.members:,} members, {args.orders:,} orders in {time.perf_counter() - started:.1f} s; "
              f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
        answers = {name: run(store) for name, run in contenders.items()}  # warm, and the answers to compare
        assert len(set(map(repr, answers.values()))) == 1, answers
        count, total, _ = answers["direct SQL"]
        print(f"{count:,} of {total:,} members match; every contender gives the same count, total and sample")
        took: dict[str, list[float]] = {name: [] for name in contenders}
        for _ in range(args.rounds):
            for name, run in contenders.items():
                t0 = time.perf_counter()
                run(store)
                took[name].append(time.perf_counter() - t0)
    base = min(took["direct SQL"])
    for name, times in took.items():
        print(f"{name:<20} best {min(times) * 1000:7,.0f} ms  median {statistics.median(times) * 1000:7,.0f} ms  "
              f"{min(times) / base:5.2f}x the direct SQL (best to best)")
    print(f"load average {os.getloadavg()[0]:.1f} at the end")


if __name__ == "__main__":
    main()
