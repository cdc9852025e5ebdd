"""The Naver Smartstore client against its fake on loopback, through a real DuckDB store."""
from __future__ import annotations

import base64
import datetime as dt
import inspect
import subprocess
import sys
import time

import httpx
import pytest

import core.sync.engine
from core.integrations.base import AuthError
from core.integrations.naver import NaverClient, order_status, sign
from core.shops import secrets
from core.shops.registry import save_shop
from core.store import Store
from core.sync.engine import sync_shop
from core.sync.jobs import run_sync
from tests.conftest import KST, python_env
from tests.support.fakes.naver import CLIENT_ID, CLIENT_SECRET, NaverFake
from tests.support.kill_support import kill_after_first_commit

pytestmark = pytest.mark.timeout(60)

SINCE = dt.datetime(2025, 12, 31, tzinfo=KST)
AFTER_DATA = dt.datetime(2026, 1, 2, 9, 0, tzinfo=KST)  # the fake's orders change on 2026-01-01
SHOP = "naver-1"
# Rows the engine writes per transaction by default (what `python -m core sync` uses).
ENGINE_BATCH_ROWS = inspect.signature(sync_shop).parameters["batch_rows"].default
ENGINE_BATCH_SECONDS = getattr(core.sync, "BATCH_SECONDS", None)  # or sooner, when pages come slowly

# What each product order status means in the console (the spec the client follows, restated here).
STATUS = {"PAYMENT_WAITING": "pending", "PAYED": "paid", "DELIVERING": "shipping", "DELIVERED": "delivered",
          "PURCHASE_DECIDED": "confirmed", "EXCHANGED": "delivered", "CANCELED": "cancelled",
          "CANCELED_BY_NOPAYMENT": "cancelled", "RETURNED": "returned"}
RANK = ("pending", "paid", "shipping", "delivered", "confirmed")


def client(fake: NaverFake, **kw) -> NaverClient:
    opts = dict(base_url=fake.url + "/external", rate_limit=None, orders_since=SINCE, max_retries=1,
                backoff=0.01, timeout=0.5, workers=4)
    opts.update(kw)
    return NaverClient(kw.pop("client_id", CLIENT_ID), kw.pop("client_secret", CLIENT_SECRET),
                       **{k: v for k, v in opts.items() if k not in ("client_id", "client_secret")})


def expected(fake: NaverFake) -> dict[str, dict]:
    items = {fake.pid(k): STATUS[fake.status(k)] for k in range(fake.n_items)}
    orders = {}
    for j in range(fake.n_orders):
        statuses = [items[fake.pid(k)] for k in fake.items_of(j)]
        live = [s for s in statuses if s not in ("cancelled", "returned")]
        orders[fake.oid(j)] = (RANK[min(RANK.index(s) for s in live)] if live else
                               "returned" if "returned" in statuses else "cancelled")
    members = {}
    for j in range(fake.n_orders):
        m = fake.member(j % fake.n_members)
        members[m["ordererNo"]] = (m["ordererName"], "".join(ch for ch in m["ordererTel"] if ch.isdigit()))
    return {"order_items": items, "orders": orders, "members": members,
            "products": {str(5000000000 + p): f"테스트 상품 {p}" for p in range(fake.n_products)},
            "categories": {c["id"]: c["wholeCategoryName"].count(">") + 1 for c in fake.categories}}


def stored(store: Store, shop_id: str = SHOP) -> dict[str, dict]:
    queries = {"order_items": "SELECT item_key, status FROM order_items",
               "orders": "SELECT order_key, status FROM orders",
               "members": "SELECT member_key, name, phone FROM members",
               "products": "SELECT product_key, name FROM products",
               "categories": "SELECT category_key, depth FROM categories"}
    out = {}
    with store.unit() as con:
        for table, q in queries.items():
            rows = con.execute(q + " WHERE shop_id = ?", [shop_id]).fetchall()
            out[table] = {r[0]: (r[1:] if len(r) > 2 else r[1]) for r in rows}
    return out


def assert_orders_whole(store: Store, fake: NaverFake) -> None:
    """Every stored order has all its product orders: a failed sync never leaves an order half-written."""
    with store.unit() as con:
        counts = con.execute("""SELECT o.order_key, count(i.item_key) FROM orders o
                                LEFT JOIN order_items i USING (shop_id, order_key) GROUP BY 1""").fetchall()
    for order_key, n in counts:
        assert n == len(fake.items_of(int(order_key) - 2026010150000000)), order_key


ORDERS = ["orders"]  # the fault tests sync only the entity their faults hit


def of_orders(tables: dict[str, dict]) -> dict[str, dict]:
    return {t: tables[t] for t in ("orders", "order_items", "members")}


def run_errors(store: Store) -> list[str]:
    with store.unit() as con:
        return [r[0] for r in con.execute("SELECT error FROM sync_runs WHERE error IS NOT NULL").fetchall()]


def test_full_then_incremental_sync_lands_exactly_the_fake_records(store, fixed_clock):
    fixed_clock.set(AFTER_DATA)
    with NaverFake(orders=40, members=15) as fake:
        c = client(fake)
        result = sync_shop(store, SHOP, c)
        assert result.status == "succeeded", result.error
        want = expected(fake)
        got = stored(store)
        assert got["order_items"] == want["order_items"]
        assert got["orders"] == want["orders"]
        assert got["members"] == want["members"]
        assert got["products"] == want["products"]
        assert got["categories"] == want["categories"]
        assert fake.requests["token"] == 1  # one token, reused for every call

        # Later: two product orders change; the next sync only reads the time since the last one.
        fake.change_item(1, "PURCHASE_DECIDED", dt.datetime(2026, 1, 3, 10, tzinfo=KST))
        fake.change_item(4, "CANCELED", dt.datetime(2026, 1, 3, 11, tzinfo=KST))
        fixed_clock.set(dt.datetime(2026, 1, 4, 9, tzinfo=KST))
        before = dict(fake.requests)
        result = sync_shop(store, SHOP, c)
        assert result.status == "succeeded", result.error
        assert fake.requests["changes"] - before["changes"] == 2  # two 24-hour windows since the checkpoint
        assert stored(store) == expected(fake)
        assert stored(store)["order_items"][fake.pid(1)] == "confirmed"
        c.close()


def test_the_canonical_member_as_naver_carries_her(store, fixed_clock):
    # Naver shares only the orderer's name and phone: no e-mail, no signup date, no marketing consent
    # (see core/integrations/naver.py). Those fields stay empty, the consents unknown (NULL, never a refusal
    # or an agreement), the rest is the shared normal form.
    fixed_clock.set(AFTER_DATA)
    with NaverFake(orders=6, members=3) as fake:
        assert fake.member(0)["ordererTel"] == "010-1234-5678" and fake.member(0)["ordererName"] == "김민지"
        c = client(fake)
        assert sync_shop(store, SHOP, c, entities=["orders"]).status == "succeeded"
        c.close()
    with store.unit() as con:
        row = con.execute("""SELECT name, phone, email, signed_up_at, email_consent, sms_consent, night_consent
                             FROM members WHERE member_key = '500000000'""").fetchone()
    assert row == ("김민지", "01012345678", None, None, None, None, False)


def test_order_status_comes_from_its_items():
    assert order_status(["delivered", "shipping"]) == "shipping"
    assert order_status(["confirmed", "cancelled"]) == "confirmed"
    assert order_status(["cancelled", "returned"]) == "returned"
    assert order_status(["cancelled"]) == "cancelled"


def test_an_unknown_status_names_the_product_order(store, fixed_clock):
    fixed_clock.set(dt.datetime(2026, 1, 4, tzinfo=KST))
    with NaverFake(orders=5) as fake:
        fake.change_item(2, "SOMETHING_NEW", dt.datetime(2026, 1, 3, tzinfo=KST))
        c = client(fake)
        result = sync_shop(store, SHOP, c, entities=["orders"])
        c.close()
    assert result.status == "failed"
    assert fake.pid(2) in result.error and "SOMETHING_NEW" in result.error


def test_the_signature_is_real_and_a_wrong_secret_is_refused(store, fixed_clock):
    with NaverFake(orders=3) as fake:
        # The fake checks the bcrypt signature: the right one gets a token, a wrong secret the 401 body.
        ts = int(time.time() * 1000)
        form = {"client_id": CLIENT_ID, "timestamp": str(ts), "grant_type": "client_credentials", "type": "SELF"}
        ok = httpx.post(fake.url + "/external/v1/oauth2/token",
                        data={**form, "client_secret_sign": sign(CLIENT_ID, CLIENT_SECRET, ts)})
        assert ok.status_code == 200 and ok.json()["expires_in"] == 10800 and ok.json()["token_type"] == "Bearer"
        wrong_secret = "$2a$04$zzzzzzzzzzzzzzzzzzzzzu"
        bad = httpx.post(fake.url + "/external/v1/oauth2/token",
                         data={**form, "client_secret_sign": sign(CLIENT_ID, wrong_secret, ts)})
        assert bad.status_code == 401 and bad.json()["code"] == "GW.AUTHN" and bad.json()["traceId"]
        assert base64.standard_b64decode(sign(CLIENT_ID, CLIENT_SECRET, ts)).startswith(CLIENT_SECRET[:7].encode())

        c = client(fake, client_secret=wrong_secret)
        result = sync_shop(store, SHOP, c)
        c.close()
        assert result.status == "failed" and "refused the client id and secret" in result.error
        assert wrong_secret not in result.error
        with pytest.raises(AuthError) as err:
            sign(CLIENT_ID, "not-a-bcrypt-salt-secret", ts)
        assert "not-a-bcrypt-salt-secret" not in str(err.value)


def test_tokens_are_reused_until_they_expire(fixed_clock):
    with NaverFake(orders=3, token_ttl=1.0) as fake:
        c = client(fake)
        for _ in range(3):
            c._call("categories", "GET", "/v1/categories")
        assert fake.requests["token"] == 1
        time.sleep(1.1)  # the fake has expired it; the client knew from expires_in and asks again first
        c._call("categories", "GET", "/v1/categories")
        assert fake.requests["token"] == 2 and fake.requests.get("unknown", 0) == 0
        c.close()


def test_pacing_follows_the_rate_naver_announces(fixed_clock):
    with NaverFake(orders=3, rate_limit=20) as fake:
        c = client(fake, rate_limit=100)  # too fast a guess; the first answer's header corrects it
        for _ in range(25):
            c._call("categories", "GET", "/v1/categories")
        assert fake.rejected_429 == 0
        assert c.api("categories").limiter.rate == pytest.approx(19.0)
        c.close()


# Each fault hits part-way through the orders walk: 60 orders six hours apart fill 16 daily windows of the
# feed (a page each), and the engine commits every ~3 pages.
FAULTS = {
    "500": dict(kind=500, times=5, path="order-ids", after=30),
    "503": dict(kind=503, times=5, path="product-orders/query", after=8),
    "429 with Retry-After": dict(kind=429, times=5, path="order-ids", after=30, retry_after=0.05),
    "slow past the timeout": dict(kind="slow", times=3, path="last-changed", after=8, seconds=0.8),
    "not JSON": dict(kind="garbage", times=1, path="last-changed", after=8),
}
FAULT_WORDS = {"500": "failed with HTTP 500", "503": "failed with HTTP 503",
               "429 with Retry-After": "too many requests", "slow past the timeout": "did not answer",
               "not JSON": "not JSON"}


@pytest.mark.parametrize("name", FAULTS)
def test_a_fault_fails_the_sync_in_plain_words_and_the_next_one_completes(store, fixed_clock, name):
    fixed_clock.set(dt.datetime(2026, 1, 17, tzinfo=KST))
    with NaverFake(orders=60, members=20, step_s=6 * 3600) as fake:
        fake.fault(**FAULTS[name])
        c = client(fake, timeout=0.3)
        first = sync_shop(store, SHOP, c, entities=ORDERS, batch_rows=40)
        assert first.status == "failed"
        assert "Naver" in first.error and FAULT_WORDS[name] in first.error and CLIENT_SECRET not in first.error
        assert 0 < first.pages  # it failed part-way, after committing pages
        assert_orders_whole(store, fake)
        with store.unit() as con:
            committed = con.execute("SELECT count(*) FROM orders").fetchone()[0]
        assert 0 < committed < 60
        fake.clear_faults()
        second = sync_shop(store, SHOP, c, entities=ORDERS, batch_rows=40)
        c.close()
        assert second.status == "succeeded", second.error
        assert of_orders(stored(store)) == of_orders(expected(fake))
    assert all(CLIENT_SECRET not in e for e in run_errors(store))


def test_a_429_with_retry_after_is_waited_out_and_the_sync_completes(store, fixed_clock):
    fixed_clock.set(AFTER_DATA)
    with NaverFake(orders=12, members=5) as fake:
        fake.fault(429, times=1, path="order-ids", after=3, retry_after=0.2)
        c = client(fake, max_retries=2)
        result = sync_shop(store, SHOP, c, entities=ORDERS)
        c.close()
        assert result.status == "succeeded", result.error
        assert c.api("order_ids").throttled == 1 and c.api("order_ids").retries == 1
        assert of_orders(stored(store)) == of_orders(expected(fake))


def test_an_expired_token_mid_sync_is_renewed(store, fixed_clock):
    fixed_clock.set(AFTER_DATA)
    with NaverFake(orders=60, members=20) as fake:
        fake.expire_tokens_after(25)
        c = client(fake)
        result = sync_shop(store, SHOP, c, entities=ORDERS, batch_rows=60)
        c.close()
        assert result.status == "succeeded", result.error
        assert fake.requests["token"] == 2
        assert of_orders(stored(store)) == of_orders(expected(fake))


def test_a_page_that_changes_between_calls(store, fixed_clock):
    fixed_clock.set(AFTER_DATA)
    with NaverFake(orders=60, members=20) as fake:
        changed_at = dt.datetime(2026, 1, 1, 12, tzinfo=KST)  # after the generated changes, before the clock

        def change(n: int) -> None:
            if n == 2:  # product order 0 moves on while the client is between the feed and the details
                fake.change_item(0, "PURCHASE_DECIDED", changed_at)

        fake.after_feed(change)
        c = client(fake)
        result = sync_shop(store, SHOP, c, entities=ORDERS, batch_rows=60)
        c.close()
        assert result.status == "succeeded", result.error
        got = stored(store)
        assert of_orders(got) == of_orders(expected(fake))
        assert got["order_items"][fake.pid(0)] == "confirmed"


@pytest.mark.timeout(90)
@pytest.mark.slow
def test_a_sync_killed_mid_page_resumes(store, store_path, fixed_clock):
    fixed_clock.set(AFTER_DATA)
    # The engine commits every ENGINE_BATCH_ROWS rows or, when pages come slowly, every
    # ENGINE_BATCH_SECONDS: one feed page answered slower than that makes the first commit come early, so
    # 18 feed pages suffice. Orders of 50-100 lines keep the per-order calls few; all change on 2026-01-01,
    # before the child's --now.
    rows_per_order = 50 * 4 / 3 + 2  # lines + the order + its member
    rows = 18 * 310 if ENGINE_BATCH_SECONDS else ENGINE_BATCH_ROWS + 18 * 310
    orders = int(rows / rows_per_order) + 1
    with NaverFake(orders=orders, members=orders, wide=50, step_s=10) as fake:
        assert fake.end_ms < AFTER_DATA.timestamp() * 1000
        if ENGINE_BATCH_SECONDS:
            fake.fault("slow", times=1, path="last-changed", after=4, seconds=ENGINE_BATCH_SECONDS + 0.3)
        save_shop(store, SHOP, "naver", "스마트스토어", settings={
            "base_url": fake.url + "/external", "rate_limit": 0, "orders_since": SINCE.isoformat(),
            "timeout": 5, "max_retries": 1, "workers": 8})
        secrets.put(SHOP, store_path.with_name("secrets.json"), client_id=CLIENT_ID, client_secret=CLIENT_SECRET)
        cmd = [sys.executable, "-m", "core", "sync", "--shop", SHOP, "--entity", "orders",
               "--now", AFTER_DATA.isoformat()]
        child = subprocess.Popen(cmd, env=python_env(store_path), stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        err = kill_after_first_commit(child, "orders", fake.hang_feed_next, fake.hung)
        with store.unit() as con:
            committed = con.execute("SELECT count(*) FROM order_items").fetchone()[0]
            cursor = con.execute("SELECT cursor FROM sync_checkpoints WHERE entity = 'orders'").fetchone()
        assert 0 < committed < fake.n_items and cursor is not None  # killed part-way, after real commits
        assert_orders_whole(store, fake)

        fake.clear_faults()
        # The next sync (the shop as saved, through make_client) resumes from the checkpoint.
        resumed = run_sync(store, SHOP, entities=["orders"])
        assert resumed.status == "succeeded", resumed.error
        got, want = stored(store), expected(fake)
        assert got["order_items"] == want["order_items"] and got["orders"] == want["orders"]
        assert got["members"] == want["members"]
        with store.unit() as con:
            runs = con.execute("SELECT status, error, records FROM sync_runs ORDER BY started_at").fetchall()
        assert runs[0][0] == "failed" and "interrupted" in runs[0][1] and runs[-1][0] == "succeeded"
        assert runs[0][2] > 0 and runs[-1][2] < len(want["orders"]) + len(want["members"])  # not all again
        assert CLIENT_SECRET not in err and all(CLIENT_SECRET not in (e or "") for _, e, _ in runs)


def test_the_selling_price_is_the_discounted_one_and_the_list_price_is_kept_beside_it(store, fixed_clock):
    fixed_clock.set(AFTER_DATA)
    with NaverFake(orders=5, members=3) as fake:
        c = client(fake)
        result = sync_shop(store, SHOP, c, entities=["categories", "products"])
        c.close()
        assert result.status == "succeeded", result.error
        with store.unit() as con:
            rows = {k: (float(price), raw) for k, price, raw in con.execute(
                "SELECT product_key, price, raw->>'salePrice' FROM products").fetchall()}
        for p in range(fake.n_products):
            listed = fake.product(p)["salePrice"]
            price, raw_list_price = rows[str(5000000000 + p)]
            assert float(raw_list_price) == listed                       # the list price, beside it in raw
            assert price == fake.product(p)["discountedPrice"]           # what a buyer pays
            assert price == (listed * 0.9 if p % 3 == 0 else listed)
