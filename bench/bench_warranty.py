"""Warranties issued per second: 100,000 delivered order items in one scheduler pass.

Builds a store with one shop, 2,000 products in a four-depth category tree (names full of promotional
copy to strip, detail fields to show), 30,000 members and 50,000 delivered orders of two items each,
switches warranties on (all products, immediately) and times `loyalty:issue` for the shop: finding the
due items, working out names / details / masked holders / periods, minting codes, inserting the rows,
and, in the second run, planning an Alimtalk notice per warranty as well.

    /tmp/venv/bin/python bench/bench_warranty.py [--items 100000]
"""
from __future__ import annotations

import argparse
import datetime as dt
import os
import sys
import tempfile
import time
from pathlib import Path

import polars as pl

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from core import clock  # noqa: E402
from core.loyalty import settings as ls  # noqa: E402
from core.loyalty import warranty  # noqa: E402
from core.shops.registry import save_shop  # noqa: E402
from core.store import Store, upsert  # noqa: E402

KST = dt.timezone(dt.timedelta(hours=9))
SHOP = "bench"
PREFIXES = ["[당일발송] ", "특가할인 ", "", "예약배송 ", "", "아이유착용 "]
WORDS = ["린넨", "코튼", "울", "캐시미어", "데님", "레더", "실크", "니트"]
KINDS = ["셔츠", "티셔츠", "자켓", "팬츠", "머플러", "토트백", "원피스", "코트"]


def build(store: Store, n_items: int) -> None:
    now = clock.now()
    save_shop(store, SHOP, "csv", "벤치상점")
    n_products, n_members, n_orders = 2000, 30000, n_items // 2
    cats = [{"category_key": f"c{d}-{i}", "name": f"분류{d}-{i}", "depth": d,
             "parent_key": None if d == 1 else f"c{d - 1}-{i // 4}", "path": f"분류{d}-{i}"}
            for d in range(1, 5) for i in range(4 ** d)]
    products = pl.DataFrame({
        "product_key": [f"p{i}" for i in range(n_products)],
        "name": [f"{PREFIXES[i % 6]}{WORDS[i % 8]} {KINDS[(i // 8) % 8]} {i} 특가할인" for i in range(n_products)],
        "name_en": [f"Item {i}" for i in range(n_products)],
        "model_name": [f"M-{i:05d}" for i in range(n_products)],
        "image_url": [f"https://img.example/p{i}.jpg" for i in range(n_products)],
        "category_keys": [[f"c4-{i % 256}"] for i in range(n_products)],
        "detail": [f'{{"소재": "면 100%", "원산지": "대한민국", "세탁": "손세탁 {i % 7}"}}'
                   for i in range(n_products)],
    }).with_columns(pl.lit(SHOP).alias("shop_id"), pl.lit(now).alias("synced_at"))
    members = pl.DataFrame({"member_key": [f"m{i}" for i in range(n_members)],
                            "name": [f"{'김이박최정'[i % 5]}{'민서지하도'[i % 5]}{'준윤우영'[i % 4]}"
                                     for i in range(n_members)],
                            "phone": [f"010{i:08d}" for i in range(n_members)]}).with_columns(
        pl.lit(SHOP).alias("shop_id"), pl.lit(now).alias("synced_at"))
    delivered = [now - dt.timedelta(minutes=1 + i % 600) for i in range(n_orders)]
    orders = pl.DataFrame({"order_key": [f"o{i}" for i in range(n_orders)],
                           "member_key": [f"m{i % n_members}" for i in range(n_orders)],
                           "status": ["delivered"] * n_orders,
                           "ordered_at": [d - dt.timedelta(days=2) for d in delivered],
                           "delivered_at": delivered}).with_columns(
        pl.lit(SHOP).alias("shop_id"), pl.lit(now).alias("synced_at"))
    items = pl.DataFrame({"item_key": [f"o{i // 2}-{i % 2}" for i in range(n_items)],
                          "order_key": [f"o{i // 2}" for i in range(n_items)],
                          "product_key": [f"p{(i * 7) % n_products}" for i in range(n_items)],
                          "product_name": ["주문 상품명"] * n_items,
                          "option_text": [f"사이즈={'SML'[i % 3]}" for i in range(n_items)],
                          "status": ["delivered"] * n_items}).with_columns(
        pl.lit(SHOP).alias("shop_id"), pl.lit(now).alias("synced_at"))
    with store.unit() as con:
        upsert(con, "categories", pl.DataFrame(cats).with_columns(pl.lit(SHOP).alias("shop_id"),
                                                                  pl.lit(now).alias("synced_at")),
               ("shop_id", "category_key"))
        upsert(con, "products", products, ("shop_id", "product_key"))
        upsert(con, "members", members, ("shop_id", "member_key"))
        upsert(con, "orders", orders, ("shop_id", "order_key"))
        upsert(con, "order_items", items, ("shop_id", "item_key"))


def run(n_items: int, notices: bool) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        os.environ["CONSOLE_SECRETS"] = str(Path(tmp) / "secrets.json")
        store = Store(Path(tmp) / "bench.duckdb", role="bench", timeout=120)
        store.migrate()
        start = dt.datetime(2026, 1, 10, 9, tzinfo=KST)
        c = clock.FixedClock(start - dt.timedelta(days=1))
        clock.set_clock(c)
        save_shop(store, SHOP, "csv", "벤치상점")
        ls.save(store, SHOP, ls.WarrantySettings(enabled=True, detail_fields=[{"key": "소재", "label": "소재"}],
                                                 extra_fields=[{"label": "A/S", "value": "1588-0000"}]),
                now=clock.now())
        if notices:
            ls.save(store, SHOP, ls.AlimtalkSettings(enabled=True, templates={"warranty": "WARRANTY01"}),
                    now=clock.now())
        c.set(start)
        t0 = time.perf_counter()
        build(store, n_items)
        built = time.perf_counter() - t0
        c.set(start + dt.timedelta(minutes=1))
        t0 = time.perf_counter()
        with store.unit() as con:
            result = warranty.issue_due(con, SHOP, clock.now())
        took = time.perf_counter() - t0
        with store.unit() as con:
            rows, codes = con.execute("SELECT count(*), count(DISTINCT code) FROM warranties").fetchall()[0]
            planned = con.execute("SELECT count(*) FROM outbox").fetchall()[0][0]
            sample = con.execute("SELECT product_name, holder_name, valid_until FROM warranties LIMIT 1").fetchall()
        size_mb = Path(store.path).stat().st_size / 1e6
        label = "with Alimtalk notices" if notices else "warranties only"
        print(f"{label}: {result['issued']:,} issued in {took:.2f} s = {result['issued'] / took:,.0f} warranties/s "
              f"(store built in {built:.1f} s; {rows:,} rows, {codes:,} distinct codes, {planned:,} notices planned; "
              f"store {size_mb:.0f} MB; e.g. {sample[0]})")
        t0 = time.perf_counter()
        with store.unit() as con:
            again = warranty.issue_due(con, SHOP, clock.now())
        print(f"  a second pass finds nothing due: {again['issued']} issued in {time.perf_counter() - t0:.2f} s")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--items", type=int, default=100_000)
    args = parser.parse_args()
    run(args.items, notices=False)
    run(args.items, notices=True)


if __name__ == "__main__":
    main()
