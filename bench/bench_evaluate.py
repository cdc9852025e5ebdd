"""One evaluation tick of all six triggers over 1,000,000 members and 10,000,000 orders, and the
scheduler's peak memory at that size.

    /tmp/venv/bin/python bench/bench_evaluate.py [--members 1000000] [--orders 10000000] [--keep DIR]

The data is made with DuckDB's range() straight into a store file (members signed up, and orders
placed, evenly over two years ending now; one item per order; 300,000 carts over the last 30 days),
written in time order as incremental syncs would. One automation per trigger runs since 60 days ago.

Printed: the first tick (it plans what became true within each trigger's maximum lateness, i.e. up to
three days of occurrences at once), a steady tick one minute later (what the scheduler does every
minute), and the peak RSS of a `python -m core scheduler --once` child doing a full steady tick
(evaluate, dispatch, attribution, cart purge). Aims: tick < 1 s, RSS < 500 MB.
"""
from __future__ import annotations

import argparse
import datetime as dt
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from memory import scheduler_once  # noqa: E402 (bench/ is on sys.path)
from sender import save_bench_sender  # noqa: E402 (bench/ is on sys.path)

from core import clock  # noqa: E402
from core.store import Store  # noqa: E402

KST = dt.timezone(dt.timedelta(hours=9))
NOW = dt.datetime(2026, 1, 10, 9, 0, tzinfo=KST)
SHOP = "bench"


def build(store: Store, members: int, orders: int, carts: int) -> None:
    span = 730 * 86400  # two years, in seconds
    with store.unit() as con:
        con.execute("SET preserve_insertion_order = true")
        p = {"now": NOW, "span": span, "m": members, "o": orders, "c": carts}
        from core.automations.triggers import bind
        run = con.execute

        class Bound:  # DuckDB refuses parameters a statement does not use: pass each only its own
            @staticmethod
            def execute(sql: str, params: dict) -> None:
                run(sql, bind(sql, params))
        con = Bound()
        con.execute("""
            INSERT INTO members (shop_id, member_key, email, name, signed_up_at, email_consent, synced_at)
            SELECT 'bench', 'm' || i, 'm' || i || '@example.com', '회원' || i,
                   $now - to_seconds(CAST($span * (1 - i / $m) AS BIGINT)), i % 10 < 7, $now
            FROM range($m) t(i)""", p)
        con.execute("""
            INSERT INTO orders (shop_id, order_key, member_key, status, ordered_at, paid_at, delivered_at,
                                total_amount, synced_at)
            SELECT 'bench', 'o' || i, 'm' || (hash(i) % $m), status, at_, at_,
                   CASE WHEN status = 'delivered' THEN at_ + INTERVAL 3 DAY END, 10000 + hash(i) % 90000, $now
            FROM (SELECT i, $now - to_seconds(CAST($span * (1 - i / $o) AS BIGINT)) AS at_,
                         CASE WHEN i % 50 = 0 THEN 'cancelled'
                              WHEN i < $o * (1 - 3.0 / 730) THEN 'delivered' ELSE 'paid' END AS status
                  FROM range($o) t(i))""", p)
        con.execute("""
            INSERT INTO order_items (shop_id, item_key, order_key, product_key, product_name, quantity, unit_price,
                                     status, synced_at)
            SELECT 'bench', 'o' || i || '-1', 'o' || i, 'p' || (hash(i * 7) % 5000), '상품', 1, 10000, 'paid', $now
            FROM range($o) t(i)""", p)
        con.execute("""
            INSERT INTO products (shop_id, product_key, name, price, category_keys, synced_at)
            SELECT 'bench', 'p' || j, '상품 ' || j, 10000, ['c' || (j % 50)], $now FROM range(5000) t(j)""", p)
        con.execute("""
            INSERT INTO carts (shop_id, cart_key, member_key, status, total_amount, created_at, last_activity_at,
                               synced_at)
            SELECT 'bench', 'c' || i, 'm' || (hash(i * 13) % $m), CASE WHEN i % 5 = 0 THEN 'ordered' ELSE 'open' END,
                   50000, at_, at_, $now
            FROM (SELECT i, $now - to_seconds(CAST(30 * 86400 * (1 - i / $c) AS BIGINT)) AS at_ FROM range($c) t(i))""",
                    p)


def automations(store: Store) -> None:
    from core.automations import manage
    from core.messaging.templates import starter_template
    from core.shops.registry import save_shop
    save_shop(store, SHOP, "csv", "벤치 상점")
    save_bench_sender(store, SHOP, clock.now())
    params = {"purchased": {"category_keys": ["c1", "c2"]}, "no_first_purchase": {"days": 14},
              "no_repurchase": {"days": 30}, "signup": {}, "cart_abandoned": {}, "delivered": {}}
    for trigger, p in params.items():
        t = starter_template(trigger)
        tid = manage.save_template(store, shop_id=SHOP, name=t["name"], trigger=trigger, subject=t["subject"],
                                   html=t["html"], text=t["text"], preheader=t["preheader"], now=clock.now())
        manage.create_automation(store, shop_id=SHOP, name=trigger, trigger=trigger, trigger_params=p,
                                 subject=t["subject"], sender_name="벤치", sender_email="hello@bench.example",
                                 template_id=tid, start=True, now=clock.now())



def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--members", type=int, default=1_000_000)
    ap.add_argument("--orders", type=int, default=10_000_000)
    ap.add_argument("--carts", type=int, default=300_000)
    ap.add_argument("--keep", help="build in this folder and keep it")
    args = ap.parse_args()
    folder = Path(args.keep or tempfile.mkdtemp(prefix="bench-evaluate-"))
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "console.duckdb"
    os.environ["CONSOLE_DB"] = str(path)
    os.environ["CONSOLE_SECRETS"] = str(folder / "secrets.json")
    store = Store(path, role="bench", timeout=120)
    fixed = clock.FixedClock(NOW - dt.timedelta(days=60))
    clock.set_clock(fixed)

    if not path.exists():
        t = time.perf_counter()
        store.migrate()
        build(store, args.members, args.orders, args.carts)
        automations(store)
        print(f"built {args.members:,} members, {args.orders:,} orders (+ as many items), {args.carts:,} carts "
              f"in {time.perf_counter() - t:.1f} s; file {path.stat().st_size / 1e6:.0f} MB")
    from core.automations.evaluate import evaluate_all

    with store.unit() as con:  # the automations have been running, and were evaluated, until a minute ago
        con.execute("UPDATE automations SET evaluated_until = $t", {"t": NOW - dt.timedelta(minutes=1)})
        con.execute("DELETE FROM outbox")
    fixed.set(NOW)
    t = time.perf_counter()
    first = evaluate_all(store, NOW)
    first_s = time.perf_counter() - t
    print(f"first tick (plans up to each trigger's lateness back): {first_s * 1000:.0f} ms, "
          f"{first['planned']:,} planned, {first['cancelled']:,} cancelled")
    with store.unit() as con:  # as if dispatch had sent them
        con.execute("UPDATE outbox SET state = 'sent', sent_at = $t WHERE state = 'pending'", {"t": NOW})
    steady = []
    for minute in (1, 2, 3):
        fixed.set(NOW + dt.timedelta(minutes=minute))
        t = time.perf_counter()
        r = evaluate_all(store, NOW + dt.timedelta(minutes=minute))
        steady.append(time.perf_counter() - t)
    print(f"steady tick (one minute later), all six triggers: best {min(steady) * 1000:.0f} ms, "
          f"median {sorted(steady)[1] * 1000:.0f} ms; {r['planned']} planned")

    with store.unit() as con:
        con.execute("UPDATE outbox SET state = 'sent', sent_at = $t WHERE state = 'pending'", {"t": NOW})
        con.execute("DELETE FROM scheduler_jobs")  # every job due: the heaviest minute there is
    wall, rss_mb, printed, code = scheduler_once(NOW + dt.timedelta(minutes=5), ROOT)
    print(printed)
    if code:
        print(f"the scheduler child exited with {code} (a job failed; see above)")
    print(f"scheduler --once child (evaluate + dispatch + attribution + purge): {wall:.1f} s wall, "
          f"peak RSS {rss_mb:.0f} MB")
    if args.keep:
        print(f"(store kept in {folder})")
    else:
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
