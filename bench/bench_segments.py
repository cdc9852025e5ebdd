"""The analyst's screens at 1,000,000 members, 10,000,000 orders and 500,000 carts: the segment explorer's
count + sample and charts, and the cart recovery statistics.

Builds the store with DuckDB SQL (range()), then times what the explorer page asks for when the
analyst combines four conditions: signed up in a year, at least 2 orders, spent 100,000 or more,
e-mail consent; and one with a category condition (a product of a depth-1 category or below it).
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
from sender import save_bench_sender  # noqa: E402 (bench/ is on sys.path)

from core import clock
from core.automations import manage  # noqa: E402
from core.carts import stats as carts  # noqa: E402
from core.console import overview  # noqa: E402
from core.messaging import templates
from core.segments import charts as segment_charts
from core.segments import explorer
from core.shops.registry import save_shop  # noqa: E402
from core.store import Store  # noqa: E402

SHOP = "bench"
NOW = dt.datetime(2026, 11, 23, 9, 0, tzinfo=dt.UTC)


def build(store: Store, members: int, orders: int, carts: int) -> None:
    save_shop(store, SHOP, "csv", "bench")
    save_bench_sender(store, SHOP, clock.now())
    with store.unit() as con:
        con.execute(f"""INSERT INTO categories (shop_id, category_key, name, depth, parent_key, path, synced_at)
            SELECT '{SHOP}', 'c' || i, 'category ' || i, 1 + (i % 4),
                   CASE WHEN i % 4 = 0 THEN NULL ELSE 'c' || (i - 1) END, 'path ' || i, now() FROM range(400) r(i)""")
        con.execute(f"""INSERT INTO products (shop_id, product_key, name, price, category_keys, synced_at)
            SELECT '{SHOP}', 'p' || i, 'product ' || i, 10000 + i * 100, ['c' || (i % 400)], now()
            FROM range(5000) r(i)""")
        con.execute(f"""INSERT INTO members (shop_id, member_key, email, name, member_group, signed_up_at,
                            email_consent, sms_consent, night_consent, synced_at)
            SELECT '{SHOP}', 'm' || i, 'user' || i || '@example.com', '회원' || i,
                   CASE WHEN i % 10 = 0 THEN 'VIP' ELSE '일반' END,
                   TIMESTAMPTZ '2021-11-23 09:00:00+00' + to_seconds(i * (5 * 365 * 86400) // {members}),
                   -- one member in 7 has e-mail and SMS consent the platform does not report (NULL: unknown)
                   CASE WHEN i % 7 = 0 THEN NULL ELSE i % 3 <> 0 END, CASE WHEN i % 7 = 0 THEN NULL ELSE i % 2 = 0 END,
                   i % 5 = 0, now()
            FROM range({members}) r(i)""")
        con.execute(f"""INSERT INTO orders (shop_id, order_key, member_key, status, ordered_at, total_amount,
                            currency, synced_at)
            SELECT '{SHOP}', 'o' || i, 'm' || ((i * 7919) % {members}),
                   (['paid', 'shipping', 'delivered', 'confirmed', 'cancelled'])[1 + i % 5],
                   TIMESTAMPTZ '2022-05-23 00:00:00+00'
                       + to_seconds(((i * 7919) % {members}) * (4 * 365 * 86400) // {members} + (i % 97) * 86400),
                   10000 + (i % 50) * 3000, 'KRW', now()
            FROM range({orders}) r(i)""")
        con.execute(f"""INSERT INTO order_items (shop_id, order_key, item_key, product_key, quantity, unit_price,
                            status, synced_at)
            SELECT '{SHOP}', 'o' || i, 'o' || i || '-1', 'p' || (i % 5000), 1, 10000, 'delivered', now()
            FROM range({orders}) r(i)""")
        con.execute(f"""INSERT INTO carts (shop_id, cart_key, member_key, email, status, total_amount, created_at,
                            last_activity_at, synced_at)
            SELECT '{SHOP}', 'k' || i, 'm' || ((i * 104729) % {members}), 'user' || i || '@example.com',
                   (['open', 'ordered', 'recovered'])[1 + i % 3], 30000,
                   TIMESTAMPTZ '2026-10-24 09:00:00+00' + to_seconds(i * (30 * 86400) // {carts}),
                   TIMESTAMPTZ '2026-10-24 09:00:00+00' + to_seconds(i * (30 * 86400) // {carts} + 600), now()
            FROM range({carts}) r(i)""")


def automation(store: Store, trigger: str, params: dict) -> str:
    starter = templates.starter_template(trigger)
    template_id = manage.save_template(store, shop_id=SHOP, name=starter["name"], trigger=trigger,
                                       subject=starter["subject"], html=starter["html"], text=starter["text"],
                                       now=clock.now())
    return manage.create_automation(store, shop_id=SHOP, name=trigger, trigger=trigger, trigger_params=params,
                                    subject=starter["subject"], sender_name="bench", sender_email="bench@example.com",
                                    template_id=template_id, start=True, now=clock.now())


def timed(label: str, fn, runs: int = 3):
    best, result = None, None
    for _ in range(runs):
        started = time.perf_counter()
        result = fn()
        took = time.perf_counter() - started
        best = took if best is None else min(best, took)
    print(f"{label}: {best * 1000:,.0f} ms (best of {runs})")
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--members", type=int, default=1_000_000)
    parser.add_argument("--orders", type=int, default=10_000_000)
    parser.add_argument("--carts", type=int, default=500_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "bench.duckdb"
        store = Store(path)
        started = time.perf_counter()
        build(store, args.members, args.orders, args.carts)
        print(f"built {args.members:,} members, {args.orders:,} orders, {args.carts:,} carts in "
              f"{time.perf_counter() - started:.1f} s; store {path.stat().st_size / 2**20:,.0f} MB")
        four = {"signed_up_from": "2025-01-01", "signed_up_to": "2025-12-31", "orders_min": 2,
                "spent_min": 100_000, "email_consent": True}
        found = timed("explorer count + sample, four conditions", lambda: explorer.explore(store, four, SHOP))
        print(f"  {found.count:,} of {found.total:,} members match")
        with_category = {"category_keys": ["c0"], "orders_min": 1, "email_consent": True, "member_groups": ["VIP"]}
        found = timed("explorer count + sample, category + three conditions",
                      lambda: explorer.explore(store, with_category, SHOP))
        print(f"  {found.count:,} members match")
        found = timed("explorer count + sample + consent figures, no condition",
                      lambda: explorer.explore(store, {}, SHOP))
        print(f"  e-mail consent of every member: {found.consent['email_consent']}")
        found = timed("explorer, e-mail consent unknown + VIP",
                      lambda: explorer.explore(store, {"email_consent": "unknown", "member_groups": ["VIP"]}, SHOP))
        print(f"  {found.count:,} members match")
        timed("overview summary (with consent yes / no / unknown)", lambda: overview.summary(store, SHOP, NOW))
        timed("recency x frequency grid, four conditions",
              lambda: segment_charts.recency_frequency(store, four, SHOP, NOW))
        timed("cohort repurchase (12 months), no condition",
              lambda: segment_charts.cohort_repurchase(store, {}, SHOP, NOW))
        stats = timed("cart recovery statistics, 90 days", lambda: carts.recovery_stats(store, SHOP, 90, NOW))
        print(f"  {stats['totals']['abandoned']:,} abandoned, {stats['totals']['recovered']:,} recovered")
        timed("carts list (all, newest 500)", lambda: carts.list_carts(store, SHOP, "all", NOW))
        clock.set_clock(clock.FixedClock(NOW))
        for trigger, params in (("no_first_purchase", {"days": 7}), ("no_repurchase", {"days": 90}),
                                ("cart_abandoned", {})):
            aid = automation(store, trigger, params)
            preview = timed(f"7-day preview, {trigger}",
                            lambda aid=aid: manage.preview_recipients(store, aid, days=7, now=clock.now()))
            print(f"  {preview['total']:,} recipients over {len(preview['by_day'])} days")
        print(f"peak RSS: {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:,.0f} MB")


if __name__ == "__main__":
    main()
