"""The scheduler's tick over an agency's store: N shops, each of 5,000 members, 20,000 orders and 500 carts,
six running automations, stamps and warranties on; and one big shop beside its six trigger queries.

    .venv/bin/python bench/bench_tick.py [--shops 1,10,50,200,400] [--big] [--members 1000000] [--orders 10000000]

The data is made with DuckDB's range() straight into a store file, as bench_evaluate.py does, with the
rows of all shops interleaved in time order (members by signup, orders by order time, one item per
order, carts over the last 30 days) and each row's `synced_at` at the moment a sync would have written
it, so the file's row groups are laid out the way incremental syncs lay them out. The products were last
written when the shops were connected (a product synced within the last hour or two makes the purchase
follow-up, whose filter reads the products' categories, judge its whole window). The automations (one
per trigger), stamps (10 per card) and warranties (all products, at delivery) have been on for 60 days.

Printed per size: the first tick (the automations evaluated until a minute ago, nothing issued yet since
switching on, every fixed job due), then a steady tick one minute later (the jobs due every minute), each
run by the scheduler's own `tick`, with the time per job and of the tick's own units of work (what is due at
its start, the records at its end: "units"), and the peak RSS of a `python -m core scheduler --once` child
doing a steady tick. In the first and the steady ticks what evaluation planned is marked sent before
dispatch runs: the steady tick is what a minute costs when sending keeps up (dispatch finds nothing due), so
it follows what changed in the data; sending is per message and bench_dispatch.py's subject. One more minute
then dispatches what it planned for real (no SMTP settings: each send fails at once and waits its backoff),
printed as "+ sending". Aims: steady tick under 5 s at 400 shops; at one shop of 1M members / 10M orders
(--big), the steady tick under 2x the six trigger queries run on their own.
"""
from __future__ import annotations

import argparse
import dataclasses
import datetime as dt
import os
import shutil
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from memory import scheduler_once  # noqa: E402 (bench/ is on sys.path)
from sender import save_bench_sender  # noqa: E402 (bench/ is on sys.path)

from core import clock  # noqa: E402
from core.scheduler.job import Job  # noqa: E402
from core.store import Store  # noqa: E402

KST = dt.timezone(dt.timedelta(hours=9))
NOW = dt.datetime(2026, 1, 10, 9, 0, tzinfo=KST)
ON_SINCE = NOW - dt.timedelta(days=60)
TRIGGER_PARAMS = {"purchased": {"category_keys": ["c1", "c2"]}, "no_first_purchase": {"days": 14},
                  "no_repurchase": {"days": 30}, "signup": {}, "cart_abandoned": {}, "delivered": {}}


def shop_id(i: int) -> str:
    return f"s{i:04d}"


def build(store: Store, shops: int, members: int, orders: int, carts: int) -> None:
    """Rows of every shop interleaved in time order: row i belongs to shop i % shops."""
    from core.automations.triggers import bind
    span = 730 * 86400  # two years, in seconds
    p = {"now": NOW, "span": span, "n": shops, "m": members * shops, "o": orders * shops, "c": carts * shops,
         "pm": members, "since": ON_SINCE}
    with store.unit() as con:
        con.execute("SET preserve_insertion_order = true")

        def run(sql: str) -> None:  # DuckDB refuses parameters a statement does not use
            con.execute(sql, bind(sql, p))
        run("""
            INSERT INTO members (shop_id, member_key, email, name, signed_up_at, email_consent, synced_at)
            SELECT 's' || lpad((i % $n)::VARCHAR, 4, '0'), 'm' || (i // $n), 'm' || i || '@example.com',
                   '회원' || i, at_, i % 10 < 7, at_
            FROM (SELECT i, $now - to_seconds(CAST($span * (1 - i / $m) AS BIGINT)) AS at_ FROM range($m) t(i))""")
        run("""
            INSERT INTO orders (shop_id, order_key, member_key, status, ordered_at, paid_at, delivered_at,
                                total_amount, synced_at)
            SELECT 's' || lpad((i % $n)::VARCHAR, 4, '0'), 'o' || (i // $n), 'm' || (hash(i) % $pm), status, at_, at_,
                   CASE WHEN status = 'delivered' THEN at_ + INTERVAL 3 DAY END, 10000 + hash(i) % 90000,
                   CASE WHEN status = 'delivered' THEN at_ + INTERVAL 3 DAY ELSE at_ END
            FROM (SELECT i, $now - to_seconds(CAST($span * (1 - i / $o) AS BIGINT)) AS at_,
                         CASE WHEN i % 50 = 0 THEN 'cancelled'
                              WHEN i < $o * (1 - 3.0 / 730) THEN 'delivered' ELSE 'paid' END AS status
                  FROM range($o) t(i))""")
        run("""
            INSERT INTO order_items (shop_id, item_key, order_key, product_key, product_name, quantity, unit_price,
                                     status, synced_at)
            SELECT 's' || lpad((i % $n)::VARCHAR, 4, '0'), 'o' || (i // $n) || '-1', 'o' || (i // $n),
                   'p' || (hash(i * 7) % 500), '상품', 1, 10000, 'paid',
                   $now - to_seconds(CAST($span * (1 - i / $o) AS BIGINT))
            FROM range($o) t(i)""")
        run("""
            INSERT INTO products (shop_id, product_key, name, price, category_keys, synced_at)
            SELECT 's' || lpad(s::VARCHAR, 4, '0'), 'p' || j, '상품 ' || j, 10000, ['c' || (j % 50)], $since
            FROM range($n) a(s), range(500) t(j)""")
        run("""
            INSERT INTO carts (shop_id, cart_key, member_key, status, total_amount, created_at, last_activity_at,
                               synced_at)
            SELECT 's' || lpad((i % $n)::VARCHAR, 4, '0'), 'c' || (i // $n), 'm' || (hash(i * 13) % $pm),
                   CASE WHEN i % 5 = 0 THEN 'ordered' ELSE 'open' END, 50000, at_, at_, at_
            FROM (SELECT i, $now - to_seconds(CAST(30 * 86400 * (1 - i / $c) AS BIGINT)) AS at_ FROM range($c) t(i))""")


def switch_on(store: Store, shops: int, loyalty_since: dt.datetime = ON_SINCE) -> None:
    """Shop 0 is set up through the product's own functions; the others are copies of its rows."""
    from core.automations import manage
    from core.loyalty import settings as ls
    from core.messaging.templates import starter_template
    from core.shops.registry import save_shop
    first = shop_id(0)
    for i in range(shops):
        save_shop(store, shop_id(i), "csv", f"벤치 상점 {i}")
    save_bench_sender(store, first, ON_SINCE)
    for trigger, params in TRIGGER_PARAMS.items():
        t = starter_template(trigger)
        tid = manage.save_template(store, shop_id=first, name=t["name"], trigger=trigger, subject=t["subject"],
                                   html=t["html"], text=t["text"], preheader=t["preheader"], now=ON_SINCE)
        manage.create_automation(store, shop_id=first, name=trigger, trigger=trigger, trigger_params=params,
                                 subject=t["subject"], sender_name="벤치", sender_email="hello@bench.example",
                                 template_id=tid, start=True, now=ON_SINCE)
    ls.save(store, first, ls.StampSettings(enabled=True, card_size=10, reward="쿠폰"), now=loyalty_since)
    ls.save(store, first, ls.WarrantySettings(enabled=True), now=loyalty_since)
    with store.unit() as con:
        for table, key in (("templates", "template_id"), ("automations", "automation_id")):
            cols = [r[0] for r in con.execute("SELECT column_name FROM information_schema.columns "
                                              "WHERE table_name = ? ORDER BY ordinal_position", [table]).fetchall()]
            values = ", ".join(
                f"{c} || '-' || sid" if c in (key, "template_id") else "sid" if c == "shop_id" else c for c in cols)
            con.execute(f"INSERT INTO {table} SELECT {values} FROM {table}, range(1, $n) r(s), "
                        f"LATERAL (SELECT 's' || lpad(s::VARCHAR, 4, '0') AS sid) WHERE shop_id = $first",
                        {"n": shops, "first": first})
        con.execute("""INSERT INTO automation_status_log
                       SELECT l.automation_id || '-' || x.sid, l.* EXCLUDE (automation_id)
                       FROM automation_status_log l, range(1, $n) r(s),
                            LATERAL (SELECT 's' || lpad(s::VARCHAR, 4, '0') AS sid) x""", {"n": shops})
        cols = [r[0] for r in con.execute("SELECT column_name FROM information_schema.columns "
                                          "WHERE table_name = 'loyalty_settings' ORDER BY ordinal_position").fetchall()]
        values = ", ".join("sid" if c == "shop_id" else c for c in cols)
        con.execute(f"INSERT INTO loyalty_settings SELECT {values} FROM loyalty_settings, range(1, $n) r(s), "
                    f"LATERAL (SELECT 's' || lpad(s::VARCHAR, 4, '0') AS sid) WHERE shop_id = $first",
                    {"n": shops, "first": first})



def run_tick(store: Store, now: dt.datetime, mark_sent: bool) -> dict[str, float]:
    """The scheduler's own tick at `now` (core.scheduler.loop.tick: what is due and the idle answers in one
    unit, each job that works in its own, the records in one at the end); seconds per job, and the tick's
    own units as "units". With `mark_sent`, what evaluation planned is marked sent as dispatch starts (the
    minute's sends went out), in a unit whose time is left out."""
    from core.scheduler import jobs, loop
    settling: list[float] = []
    planned = jobs.planned

    def settled(job: Job) -> Job:
        def run(store: Store, at: dt.datetime, stop: threading.Event) -> str:
            t = time.perf_counter()
            with store.unit() as con:
                con.execute("UPDATE outbox SET state = 'sent', sent_at = $t WHERE state = 'pending'", {"t": at})
            settling.append(time.perf_counter() - t)
            return job.run(store, at, stop)
        return dataclasses.replace(job, run=run)

    if mark_sent:
        jobs.planned = lambda con: [settled(j) if j.name == "automations:dispatch" else j for j in planned(con)]
    try:
        t = time.perf_counter()
        result = loop.tick(store, now, threading.Event())
        wall = time.perf_counter() - t - sum(settling)
    finally:
        jobs.planned = planned
    times = {o.job: o.seconds - (sum(settling) if o.job == "automations:dispatch" else 0) for o in result.outcomes}
    for o in result.outcomes:
        if o.status != "ok":
            print(f"    {o.job} failed: {o.summary}")
    return times | {"tick:units": wall - sum(times.values())}


def show(label: str, times: dict[str, float]) -> str:
    parts = ", ".join(f"{name.split(':', 1)[1]} {s:.2f}" for name, s in times.items())
    return f"{label} {sum(times.values()):6.2f} s  ({parts})"


def one_size(shops: int, members: int, orders: int, carts: int, folder: Path,
             loyalty_since: dt.datetime = ON_SINCE) -> None:
    path = folder / f"tick-{shops}.duckdb"
    for stale in folder.glob(f"tick-{shops}.duckdb*"):
        stale.unlink()
    os.environ["CONSOLE_DB"] = str(path)
    os.environ["CONSOLE_SECRETS"] = str(folder / "secrets.json")
    store = Store(path, role="bench", timeout=600)
    fixed = clock.FixedClock(ON_SINCE)
    clock.set_clock(fixed)
    t = time.perf_counter()
    store.migrate()
    build(store, shops, members, orders, carts)
    switch_on(store, shops, loyalty_since)
    with store.unit() as con:  # evaluated until a minute ago; the scheduler's own records start empty
        con.execute("UPDATE automations SET evaluated_until = $t", {"t": NOW - dt.timedelta(minutes=1)})
        con.execute("DELETE FROM scheduler_jobs")
    built = time.perf_counter() - t
    print(f"{shops:4d} shop(s): built {shops * members:,} members, {shops * orders:,} orders (+ items), "
          f"{shops * carts:,} carts in {built:.0f} s; file {path.stat().st_size / 1e6:.0f} MB")
    fixed.set(NOW)
    print("   " + show("first tick ", run_tick(store, NOW, mark_sent=True)))
    steady = []
    for minute in (1, 2, 3):
        at = NOW + dt.timedelta(minutes=minute)
        fixed.set(at)
        steady.append(run_tick(store, at, mark_sent=True))
    best = min(steady, key=lambda x: sum(x.values()))
    median = sorted(sum(s.values()) for s in steady)[1]
    print("   " + show("steady tick", best) + f"  (best of 3; median {median:.2f} s; the minute's sends went out)")
    at = NOW + dt.timedelta(minutes=4)  # the same minute with dispatch sending what evaluation planned
    fixed.set(at)
    print("   " + show("  + sending", run_tick(store, at, mark_sent=False))
          + "  (each send fails at once: no SMTP settings)")
    with store.unit() as con:  # the child's tick: only the minute's jobs are due
        con.execute("UPDATE scheduler_jobs SET next_due_at = $t WHERE job IN ('automations:evaluate', "
                    "'automations:dispatch', 'loyalty:issue', 'loyalty:alimtalk')",
                    {"t": NOW + dt.timedelta(minutes=5)})
    wall, rss, _, _ = scheduler_once(NOW + dt.timedelta(minutes=5), ROOT)
    print(f"   scheduler --once child, a steady tick: {wall:.2f} s wall (with interpreter start), "
          f"peak RSS {rss:.0f} MB")
    sys.stdout.flush()


def big(members: int, orders: int, folder: Path) -> None:
    """One shop at bench_evaluate's size (300,000 carts): the steady tick beside the six trigger queries."""
    from core.automations import evaluate, triggers
    # Loyalty switched on an hour ago: 60 days of a 10M-order shop would be 800,000 first-tick stamps and
    # warranties, bench_warranty.py's subject, not this one's.
    one_size(1, members, orders, 300_000, folder, loyalty_since=NOW - dt.timedelta(hours=1))
    store = Store(folder / "tick-1.duckdb", role="bench", timeout=600)
    at = NOW + dt.timedelta(minutes=6)
    best = float("inf")
    for _ in range(3):
        t = time.perf_counter()
        with store.unit() as con:
            for a in evaluate.running_automations(con):
                start = a.evaluated_until - a.max_lateness if a.evaluated_until else at - a.max_lateness
                sql, params = triggers.candidates_sql(a, start, at)
                con.execute(f"SELECT count(*) FROM ({sql})", triggers.bind(sql, params)).fetchall()
        best = min(best, time.perf_counter() - t)
    print(f"   the six trigger queries alone (one unit, counted): {best:.2f} s (best of 3); "
          f"aim: steady tick under {2 * best:.2f} s")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--shops", default="1,10,50,200,400")
    ap.add_argument("--members", type=int, default=5_000)
    ap.add_argument("--orders", type=int, default=20_000)
    ap.add_argument("--carts", type=int, default=500)
    ap.add_argument("--big", action="store_true", help="one shop of --big-members / --big-orders instead")
    ap.add_argument("--big-members", type=int, default=1_000_000)
    ap.add_argument("--big-orders", type=int, default=10_000_000)
    ap.add_argument("--dir", help="build in this folder (default: a temporary one, removed after)")
    args = ap.parse_args()
    folder = Path(args.dir or tempfile.mkdtemp(prefix="bench-tick-"))
    folder.mkdir(parents=True, exist_ok=True)
    print(f"load: {os.getloadavg()[0]:.2f} {os.getloadavg()[1]:.2f} {os.getloadavg()[2]:.2f} (1/5/15 min)")
    try:
        if args.big:
            big(args.big_members, args.big_orders, folder)
        else:
            for n in (int(x) for x in args.shops.split(",")):
                one_size(n, args.members, args.orders, args.carts, folder)
                for stale in folder.glob(f"tick-{n}.duckdb*"):
                    stale.unlink()
    finally:
        if not args.dir:
            shutil.rmtree(folder, ignore_errors=True)
    print(f"load: {os.getloadavg()[0]:.2f} {os.getloadavg()[1]:.2f} {os.getloadavg()[2]:.2f} (1/5/15 min)")


if __name__ == "__main__":
    main()
