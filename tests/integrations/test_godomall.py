"""The Godomall client against its fake on loopback, through a real DuckDB store."""
from __future__ import annotations

import datetime as dt
import json
import logging
import os
import signal
import subprocess
import sys
import time
from zoneinfo import ZoneInfo

import pytest

from core.i18n import t
from core.integrations import godomall, make_client
from core.integrations.base import AuthError
from core.integrations.godomall import GodomallClient
from core.shops import secrets
from core.shops.registry import get_shop, save_shop
from core.store import Store
from core.sync.engine import sync_shop
from tests.conftest import KST, python_env
from tests.support.fakes.godomall import (
    CANONICAL,
    CATEGORIES,
    PARTNER_KEY,
    USER_KEY,
    FakeGodomall,
    generated_order,
)

pytestmark = pytest.mark.timeout(60)

SHOP = "godo-1"
NOW = dt.datetime(2026, 1, 10, 9, 0, tzinfo=KST)  # the fixed_clock's instant
SEOUL = ZoneInfo("Asia/Seoul")
HISTORY_DAYS = 240  # the fake's orders start 2025-06-01: eight 30-day windows back from NOW reach them

# What each Godomall order status code means in the console (the code table, restated here): exchanges
# (e1-e5) are no returns, and requests (c4, b1-b3, r1-r2) leave the order where it stood.
STATUS = {"o1": "pending", "f1": "pending", "f4": "pending", "f2": "cancelled", "f3": "cancelled",
          "p1": "paid", "g1": "paid", "g2": "paid", "g3": "paid", "g4": "paid", "d1": "shipping",
          "d2": "delivered", "s1": "confirmed", "c1": "cancelled", "c2": "cancelled", "c3": "cancelled",
          "c4": "paid", "b1": "delivered", "b2": "delivered", "b3": "delivered", "b4": "returned",
          "e1": "delivered", "e2": "delivered", "e3": "shipping", "e4": "delivered", "e5": "delivered",
          "r1": "paid", "r2": "paid", "r3": "returned", "z1": "pending", "z2": "paid",
          "z3": "shipping", "z4": "delivered", "z5": "delivered"}


def client(fake: FakeGodomall, **kw) -> GodomallClient:
    # one member page at a time unless told: faults and changes then land on a known call
    opts = dict(base_url=fake.base_url, rate_limit=None, page_size=20, timeout=0.5, max_retries=1, backoff=0.01,
                history_days=HISTORY_DAYS, workers=1)
    opts.update(kw)
    return GodomallClient(opts.pop("partner_key", PARTNER_KEY), opts.pop("user_key", USER_KEY), **opts)


def seoul(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text).replace(tzinfo=SEOUL).astimezone(dt.UTC)


def expected(fake: FakeGodomall) -> dict[str, dict]:
    orders, items = {}, {}
    for o in fake.orders.values():
        orders[o["orderNo"]] = (STATUS[o["orderStatus"]], None if o["memNo"] == "0" else o["memNo"],
                                float(o["settlePrice"]), seoul(o["orderDate"]))
        for g in o["orderGoodsData"]:
            items[g["sno"]] = (o["orderNo"], STATUS[g["orderStatus"]], int(g["goodsCnt"]), g["goodsNo"])
    return {"orders": orders, "order_items": items,
            "products": {p["goodsNo"]: p["goodsNm"] for p in fake.products},
            "categories": {c: (len(c) // 3, c[:-3] or None) for c, _ in CATEGORIES}}


def stored(store: Store, shop_id: str = SHOP) -> dict[str, dict]:
    queries = {"orders": "SELECT order_key, status, member_key, total_amount, ordered_at FROM orders",
               "order_items": "SELECT item_key, order_key, status, quantity, product_key FROM order_items",
               "products": "SELECT product_key, name FROM products",
               "categories": "SELECT category_key, depth, parent_key FROM categories"}
    out = {}
    with store.unit() as con:
        for table, q in queries.items():
            rows = con.execute(q + " WHERE shop_id = ?", [shop_id]).fetchall()
            out[table] = {r[0]: (tuple(float(v) if table == "orders" and i == 2 else v for i, v in enumerate(r[1:]))
                                 if len(r) > 2 else r[1]) for r in rows}
    return out


def product_cursor(store: Store) -> dict:
    with store.unit() as con:
        row = con.execute("SELECT cursor FROM sync_checkpoints WHERE shop_id = ? AND entity = 'products'",
                          [SHOP]).fetchone()
    return json.loads(row[0]) if row else {}


def run_errors(store: Store) -> list[str]:
    with store.unit() as con:
        return [r[0] for r in con.execute("SELECT error FROM sync_runs WHERE error IS NOT NULL").fetchall()]


def test_full_then_incremental_sync_lands_exactly_the_fake_records(store, fixed_clock):
    with FakeGodomall(members=45, orders=40, products=25) as fake:
        c = client(fake, workers=4)
        result = sync_shop(store, SHOP, c)
        assert result.status == "succeeded", result.error
        assert stored(store) == expected(fake)
        # only documented APIs: no member API is called
        assert {n for n, _ in fake.requests} == {"Category_Search", "Goods_Search", "Order_Search"}
        # Order_Search is asked in windows of at most 30 days, by modification date, newest first
        windows = [p for n, p in fake.requests if n == "Order_Search"]
        assert all(p["dateType"] == "modify" and p["sort"] == "orderNo desc" for p in windows)
        assert max((dt.date.fromisoformat(p["endDate"]) - dt.date.fromisoformat(p["startDate"])).days
                   for p in windows) == 29

        # Two days later: an order is delivered, a new order arrives.
        first_order = next(iter(fake.orders))
        fake.change_order(first_order, "d2", "2026-01-11")
        new = generated_order(40, 46)
        new.update(orderNo="2601111200000001", orderDate="2026-01-11 12:00:00")
        fake.put_order(new)
        fixed_clock.set(dt.datetime(2026, 1, 12, 9, 0, tzinfo=KST))
        seen = len(fake.requests)
        result = sync_shop(store, SHOP, c)
        c.close()
        assert result.status == "succeeded", result.error
        assert stored(store) == expected(fake)
        assert stored(store)["orders"][first_order][0] == "delivered"
        later = fake.requests[seen:]
        # only what changed since the last pass: one order window
        assert [(p["startDate"], p["endDate"]) for n, p in later if n == "Order_Search"] \
            == [("2026-01-10", "2026-01-12")]
        assert result.records == 2 + 25 + len(CATEGORIES)  # orders + products + categories


def test_the_canonical_member_normalizes_like_on_every_platform():
    row = godomall.member_row(dict(CANONICAL), "Asia/Seoul")
    assert (row["email"], row["name"], row["phone"]) == ("minji.kim@example.com", "김민지", "01012345678")
    assert row["signed_up_at"] == dt.datetime(2025, 3, 1, 1, 0, tzinfo=dt.UTC)
    assert row["email_consent"] is True and row["sms_consent"] is False
    assert row["raw"]["cellPhone"] == "010-1234-5678"  # Godomall's own record is kept beside it


FAULTS = {  # kind -> words the operator reads in the failed run
    "429": "too many requests (429)",
    "500": "HTTP 500",
    "503": "HTTP 503",
    "slow": "did not answer",
    "garbage": "not XML",
    "bomb": "refused XML",
    "expired": "expired",
}


@pytest.mark.parametrize("kind", sorted(FAULTS))
def test_each_fault_leaves_the_sync_resumable_from_its_checkpoint(store, fixed_clock, kind, caplog):
    caplog.set_level(logging.DEBUG)
    with FakeGodomall(members=0, orders=0, products=60, slow_seconds=0.8) as fake:
        c = client(fake, timeout=0.3)
        fake.fail(kind, path="Goods_Search", after=2, times=-1, retry_after="0.05")
        result = sync_shop(store, SHOP, c, entities=["products"], batch_rows=20)
        assert result.status == "failed"
        assert FAULTS[kind] in result.error
        # the two pages read before the fault are committed with their checkpoint, nothing of the third
        assert len(stored(store)["products"]) == 40
        assert product_cursor(store)["page"] == 3

        fake.clear_faults()
        assert fake.wait_idle()  # a slow answer the client gave up on finishes before the next sync starts
        seen = len(fake.requests)
        result = sync_shop(store, SHOP, c, entities=["products"], batch_rows=20)
        c.close()
        assert result.status == "succeeded", result.error
        assert stored(store)["products"] == expected(fake)["products"]
        # resumed where it stopped: page 3 on, nothing read twice
        assert [p["page"] for n, p in fake.requests[seen:]] == ["3"]
        assert result.records == 20
    errors = run_errors(store)
    assert len(errors) == 1 and FAULTS[kind] in errors[0]
    for text in errors + [caplog.text]:
        assert PARTNER_KEY not in text and USER_KEY not in text


def test_transient_faults_heal_within_the_retries(store, fixed_clock):
    with FakeGodomall(members=0, orders=0, products=60) as fake:
        c = client(fake, max_retries=3)
        fake.fail("503", path="Goods_Search", after=1, times=1)
        fake.fail("429", path="Goods_Search", after=1, times=1, retry_after="0.05")
        result = sync_shop(store, SHOP, c, entities=["products"])
        assert result.status == "succeeded", result.error
        assert c.http.retries == 2 and c.http.throttled == 1
        assert stored(store)["products"] == expected(fake)["products"]
        c.close()


@pytest.mark.parametrize("header", [False, True])
def test_order_pages_go_on_while_full_when_the_answer_has_no_last_order(store, fixed_clock, header):
    # 40 orders five hours apart: one 30-day window, two full pages of 20. Live answers carry no lastOrder
    # header: the client asks again after a full page and stops on the empty one; with the header, it stops
    # when the header says false.
    with FakeGodomall(members=10, orders=40, products=0, last_order_header=header) as fake:
        c = client(fake)
        result = sync_shop(store, SHOP, c, entities=["orders"])
        c.close()
        assert result.status == "succeeded", result.error
        assert stored(store)["orders"] == expected(fake)["orders"]
        newest_first = sorted(fake.orders, key=int, reverse=True)
        asked = [p.get("lastOrder") for n, p in fake.requests if n == "Order_Search" and p["startDate"] <= "2025-06-10"
                 <= p["endDate"]]
        assert asked == ([None, newest_first[19]] if header else [None, newest_first[19], newest_first[39]])


def test_exchanges_stand_and_requests_do_not_end_an_order(store, fixed_clock):
    with FakeGodomall(members=10, orders=6, products=0) as fake:
        nos = sorted(fake.orders)
        for no, code in zip(nos, ("e1", "e5", "c4", "b1", "r1", "c3"), strict=True):
            fake.change_order(no, code, "2026-01-09")
        # A cancel request on a line that was being prepared (g1): the order stands as paid.
        line = fake.orders[nos[2]]["orderGoodsData"][0]
        line["claimData"] = {"beforeStatus": "g1", "handleMode": "c"}
        # A return request on a delivered line: the order stands as delivered.
        fake.orders[nos[3]]["orderGoodsData"][0]["claimData"] = {"beforeStatus": "d2", "handleMode": "b"}
        c = client(fake)
        result = sync_shop(store, SHOP, c, entities=["orders"])
        c.close()
        assert result.status == "succeeded", result.error
        orders = stored(store)["orders"]
        assert [orders[no][0] for no in nos] == ["delivered", "delivered", "paid", "delivered", "paid", "cancelled"]
        items = stored(store)["order_items"]
        assert items[line["sno"]][1] == "paid"


def test_an_order_without_order_date_falls_back_to_a_documented_date_or_says_which_are_missing(store, fixed_clock):
    with FakeGodomall(members=10, orders=3, products=0) as fake:
        nos = sorted(fake.orders)
        first, second = fake.orders[nos[0]], fake.orders[nos[1]]
        first["regDt"] = first.pop("orderDate")           # regDt instead of orderDate
        paid = second["paymentDt"] = "2025-06-01 20:00:00"
        second.pop("orderDate")                           # only the documented paymentDt is left
        c = client(fake)
        result = sync_shop(store, SHOP, c, entities=["orders"])
        assert result.status == "succeeded", result.error
        orders = stored(store)["orders"]
        assert orders[nos[0]][3] == seoul(first["regDt"]) and orders[nos[1]][3] == seoul(paid)

        fake.orders[nos[1]].pop("paymentDt")
        fake.orders[nos[1]]["paymentDt"] = ""
        fixed_clock.set(dt.datetime(2026, 1, 11, 9, 0, tzinfo=KST))
        fake.change_order(nos[1], "p1", "2026-01-11")
        fake.orders[nos[1]].pop("orderDate", None)
        result = sync_shop(store, SHOP, c, entities=["orders"])
        c.close()
        assert result.status == "failed"
        assert f"order {nos[1]}" in result.error and "orderDate, regDt, paymentDt" in result.error


def test_orders_that_change_between_pages_land_as_they_end_up(store, fixed_clock):
    with FakeGodomall(members=20, orders=60, products=0) as fake:
        newest_first = sorted(fake.orders, key=int, reverse=True)
        newest = fake.orders[newest_first[0]]
        # windows of 30 days from two years back, one call each until the newest order's window
        first_day = NOW.date() - dt.timedelta(days=HISTORY_DAYS)
        window = (dt.date.fromisoformat(newest["orderDate"][:10]) - first_day).days // 30

        def change(f: FakeGodomall) -> None:
            f.change_order(newest_first[0], "s1", "2026-01-10")   # read on the window's first page
            f.change_order(newest_first[45], "c3", "2026-01-10")  # not read yet: leaves the window for today's
            extra = generated_order(60, 20)
            extra.update(orderNo="2601100800000001", orderDate="2026-01-10 08:00:00")
            f.put_order(extra)

        fake.after_calls(window + 1, change)  # just after the first page of the newest orders' window
        c = client(fake)
        result = sync_shop(store, SHOP, c, entities=["orders"])
        c.close()
        assert result.status == "succeeded", result.error
        calls = [p for n, p in fake.requests]
        assert calls[window + 1].get("lastOrder") == newest_first[19]  # the change came between two pages
        got, want = stored(store), expected(fake)
        assert got["orders"] == want["orders"] and got["order_items"] == want["order_items"]
        assert got["orders"][newest_first[45]][0] == "cancelled" and "2601100800000001" in got["orders"]


def test_a_status_outside_the_code_table_fails_in_plain_words_and_resumes(store, fixed_clock):
    with FakeGodomall(members=10, orders=12, products=0) as fake:
        bad = sorted(fake.orders)[3]
        fake.orders[bad]["orderStatus"] = "x9"
        c = client(fake)
        result = sync_shop(store, SHOP, c, entities=["orders"])
        assert result.status == "failed"
        assert f"order {bad}" in result.error and "'x9'" in result.error and "status table" in result.error
        fake.orders[bad]["orderStatus"] = "p1"
        result = sync_shop(store, SHOP, c, entities=["orders"])
        c.close()
        assert result.status == "succeeded", result.error
        assert stored(store)["orders"] == expected(fake)["orders"]
        assert stored(store)["order_items"] == expected(fake)["order_items"]


def test_the_bucket_warning_slows_the_client_before_any_429(store, fixed_clock):
    # A small bucket here (3 calls, 3 a second): an unpaced client empties it, sees EXHAUSTED, and waits.
    with FakeGodomall(members=0, orders=0, products=140, rate_limit=3, burst=3) as fake:
        c = client(fake)
        result = sync_shop(store, SHOP, c, entities=["products"])
        c.close()
        assert result.status == "succeeded", result.error
        assert c.exhausted >= 1 and fake.throttled == 0 and c.http.throttled == 0
        assert stored(store)["products"] == expected(fake)["products"]


@pytest.mark.timeout(120)
@pytest.mark.slow
def test_a_sync_killed_mid_page_resumes(store, store_path, fixed_clock):
    with FakeGodomall(members=0, orders=0, products=12_000) as fake:
        save_shop(store, SHOP, "godomall", "고도몰 샵", settings={
            "base_url": fake.base_url, "rate_limit": 0, "page_size": 50, "timeout": 5, "max_retries": 1})
        secrets.put(SHOP, store_path.with_name("secrets.json"), partner_key=PARTNER_KEY, user_key=USER_KEY)
        fake.delay = 0.08  # 240 pages, 4 at once, take the child at least ~5 s: time to see it commit, then stall it
        cmd = [sys.executable, "-m", "core", "sync", "--shop", SHOP, "--entity", "products", "--now", NOW.isoformat()]
        child = subprocess.Popen(cmd, env=python_env(store_path), stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        while not product_cursor(store):  # the engine lands what it fetched every couple of seconds
            assert child.poll() is None, "the child finished before it could be killed"
            time.sleep(0.3)
        fake.fail("hang", path="Goods_Search", times=1)
        assert fake.hung.wait(60), "the child never reached the stalled page"
        os.kill(child.pid, signal.SIGKILL)
        out, err = child.communicate(timeout=10)
        assert child.returncode == -signal.SIGKILL
        committed, cursor = len(stored(store)["products"]), product_cursor(store)
        assert 0 < committed < 12_000 and committed % 50 == 0 and cursor["page"] == committed // 50 + 1

        fake.clear_faults()
        fake.delay = 0.0
        assert fake.wait_idle()
        seen = len(fake.requests)
        done = subprocess.run(cmd, env=python_env(store_path), capture_output=True, text=True, timeout=90)
        assert done.returncode == 0, done.stdout + done.stderr
        assert stored(store)["products"] == expected(fake)["products"]
        # resumed from the checkpoint, not page 1: no page before it asked again
        assert min(int(p["page"]) for _, p in fake.requests[seen:]) == cursor["page"]
        with store.unit() as con:
            runs = con.execute("SELECT status, error FROM sync_runs ORDER BY started_at").fetchall()
        assert runs[0][0] == "failed" and "interrupted" in runs[0][1] and runs[-1] == ("succeeded", None)
        logs = out.decode() + err.decode() + done.stdout + done.stderr
        for key in (PARTNER_KEY, USER_KEY):
            assert key not in logs and all(key not in (e or "") for _, e in runs)
        assert isinstance(make_client(get_shop(store, SHOP)), GodomallClient)  # wired through _MODULES


def test_test_connection_names_what_godomall_holds_or_what_is_wrong(store, store_path):
    with FakeGodomall(members=1234, orders=0, products=7) as fake:
        shop = save_shop(store, SHOP, "godomall", "고도몰 샵", settings={"base_url": fake.base_url, "rate_limit": 0})
        secrets.put(SHOP, partner_key=PARTNER_KEY, user_key=USER_KEY)
        said = godomall.test_connection(shop)  # a key and the counts; the console words them
        assert t(said.key, "ko", **said.params) == f"고도몰에 연결되었어요: 상품 7개, 분류 {len(CATEGORIES)}개"
        assert t(said.key, "en", **said.params) == f"Connected to Godomall: 7 products, {len(CATEGORIES)} categories"
        assert {n for n, _ in fake.requests} == {"Goods_Search", "Category_Search"}  # documented APIs only

        refused = []
        for keys, words in (({"user_key": "wrong-user-key"}, "user key"),
                            ({"partner_key": "wrong-partner-key"}, "partner key")):
            secrets.put(SHOP, **{"partner_key": PARTNER_KEY, "user_key": USER_KEY, **keys})
            with pytest.raises(AuthError) as caught:
                godomall.test_connection(shop)
            assert words in str(caught.value) and "not valid" in str(caught.value)
            refused.append(str(caught.value))
        secrets.put(SHOP, partner_key=PARTNER_KEY, user_key="")
        with pytest.raises(AuthError, match="credential missing"):
            godomall.test_connection(shop)
        fake.fail("expired", times=1)
        secrets.put(SHOP, partner_key=PARTNER_KEY, user_key=USER_KEY)
        with pytest.raises(AuthError, match="expired"):
            godomall.test_connection(shop)
    for text in refused:
        assert "wrong-user-key" not in text and "wrong-partner-key" not in text and PARTNER_KEY not in text
