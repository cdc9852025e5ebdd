"""Wix against its fake on loopback, through a real DuckDB file: exact record sets, the canonical member,
faults that leave a resumable checkpoint, a SIGKILL mid-walk, and no secret in errors or logs."""
from __future__ import annotations

import datetime as dt
import inspect
import json
import logging
import subprocess
import sys
from pathlib import Path

import pytest

import core.sync.engine
from core.i18n import t
from core.integrations import make_client
from core.integrations.base import AuthError
from core.integrations.wix import WixClient, client_for
from core.integrations.wix import test_connection as wix_test_connection
from core.shops import secrets
from core.shops.registry import get_shop, save_shop
from core.store import Store
from core.sync.engine import sync_shop
from tests.conftest import python_env
from tests.support.fakes.wix import API_KEY, SITE_ID, WixFake
from tests.support.kill_support import kill_after_first_commit

UTC = dt.UTC
CONTACTS = "/contacts/v4/contacts/query"
# Rows the engine writes per transaction by default (what `python -m core sync` uses), or sooner when pages
# come slowly.
ENGINE_BATCH_ROWS = inspect.signature(sync_shop).parameters["batch_rows"].default
ENGINE_BATCH_SECONDS = getattr(core.sync, "BATCH_SECONDS", None)
pytestmark = pytest.mark.timeout(60)


@pytest.fixture
def fake():
    f = WixFake(members=130, orders=130, carts=7, products=120, collections=3, rate_limit=False)
    f.url = f.start()
    yield f
    f.stop()


def client(fake: WixFake, **kw) -> WixClient:
    options = dict(base_url=fake.url, per_minute=None, contacts_limit=40, backoff=0.01, max_retries=1, timeout=2.0)
    options.update(kw)
    return WixClient(API_KEY, SITE_ID, **options)


def consent(status: str) -> bool | None:
    """Wix's subscriptionStatus as a consent: NOT_SET is unknown (NULL), not a refusal."""
    return None if status == "NOT_SET" else status == "SUBSCRIBED"


def stored(store: Store) -> dict[str, set]:
    with store.unit() as con:
        def q(sql: str) -> set:
            return set(con.execute(sql).fetchall())
        return {
            "members": q("SELECT member_key, email, name, phone, email_consent, sms_consent FROM members"),
            "orders": q("SELECT order_key, status, total_amount::DOUBLE, member_key, cart_key FROM orders"),
            "order_items": q("SELECT item_key, order_key, quantity FROM order_items"),
            "carts": q("SELECT cart_key, status, email, recovery_url FROM carts"),
            "cart_items": q("SELECT cart_key, line_no, name, image_url FROM cart_items"),
            "products": q("SELECT product_key, name FROM products"),
            "categories": q("SELECT category_key, name, depth FROM categories"),
        }


def expected(fake: WixFake) -> dict[str, set]:
    """What the fake holds, written independently of the client's mapping where the mapping is simple."""
    status = {("CANCELED", "NOT_PAID", "NOT_FULFILLED"): "cancelled",
              ("APPROVED", "NOT_PAID", "NOT_FULFILLED"): "pending",
              ("APPROVED", "PAID", "NOT_FULFILLED"): "paid", ("APPROVED", "PAID", "PARTIALLY_FULFILLED"): "shipping",
              ("APPROVED", "PAID", "FULFILLED"): "delivered", ("APPROVED", "FULLY_REFUNDED", "FULFILLED"): "returned"}
    members = set()
    for c in fake.live_contacts():
        n = c["info"]["name"]
        members.add((c["id"], c["primaryInfo"]["email"].lower(), n["last"] + n["first"],
                     "0" + c["primaryPhone"]["e164Phone"][3:], consent(c["primaryEmail"]["subscriptionStatus"]),
                     consent(c["primaryPhone"]["subscriptionStatus"])))
    orders = {(o["id"], status[(o["status"], o["paymentStatus"], o["fulfillmentStatus"])],
               float(o["priceSummary"]["total"]["amount"]), o["buyerInfo"]["contactId"], o["checkoutId"])
              for o in fake.orders.values()}
    items = {(f"{o['id']}:{line['id']}", o["id"], line["quantity"])
             for o in fake.orders.values() for line in o["lineItems"]}
    carts = {(a["checkoutId"], "recovered" if a["status"] == "RECOVERED" else "open", a["buyerInfo"]["email"].lower(),
              a["checkoutUrl"]) for a in fake.abandoned.values()}
    cart_items = {(cid, n, line["productName"]["original"], line["media"]["url"])
                  for cid, ch in fake.checkouts.items() for n, line in enumerate(ch["lineItems"], start=1)}
    return {"members": members, "orders": orders, "order_items": items, "carts": carts, "cart_items": cart_items,
            "products": {(p["id"], p["name"]) for p in fake.products},
            "categories": {(c["id"], c["name"], 1) for c in fake.collections}}


def test_full_then_incremental_sync_land_exactly_what_wix_holds(store: Store, fake: WixFake) -> None:
    result = sync_shop(store, "wix1", client(fake))
    assert result.status == "succeeded", result.error
    assert stored(store) == expected(fake)
    first_pass = dict(fake.requests)
    # A cart whose abandoned checkout carries its lines needs no call for its checkout.
    own_lines = [a["checkoutId"] for a in fake.abandoned.values() if a.get("lineItems")]
    assert own_lines and not any(f"/ecom/v1/checkouts/{c}" in fake.requests for c in own_lines)

    fake.update_contact(3, info__name__first="수정", primaryEmail__subscriptionStatus="UNSUBSCRIBED")
    order_id = sorted(fake.orders)[4]
    fake.update_order(order_id, fulfillmentStatus="FULFILLED", paymentStatus="PAID", status="APPROVED")
    ac_id = sorted(fake.abandoned)[0]
    fake.update_abandoned(ac_id, status="RECOVERED")
    result = sync_shop(store, "wix1", client(fake))
    assert result.status == "succeeded", result.error
    assert stored(store) == expected(fake)
    # Incremental: only the changed contact, order and cart came back (products and collections are re-walked).
    assert result.records == 1 + 1 + 1 + len(fake.products) + len(fake.collections)
    assert fake.requests["/contacts/v4/contacts/query"] - first_pass["/contacts/v4/contacts/query"] == 1


def test_the_canonical_member_normalizes_like_every_platform(store: Store, fake: WixFake) -> None:
    fake.add_contact({
        "id": "c0ffee00-0000-4000-8000-00000000beef", "createdDate": "2025-03-01T01:00:00.000Z",
        "info": {"name": {"first": "민지", "last": "김"},
                 "emails": {"items": [{"tag": "MAIN", "email": "Minji.Kim@Example.com", "primary": True}]},
                 "phones": {"items": [{"tag": "MOBILE", "countryCode": "KR", "phone": "010-1234-5678",
                                       "e164Phone": "+821012345678", "primary": True}]}},
        "primaryInfo": {"email": "Minji.Kim@Example.com", "phone": "010-1234-5678"},
        "primaryEmail": {"email": "Minji.Kim@Example.com", "subscriptionStatus": "SUBSCRIBED"},
        "primaryPhone": {"countryCode": "KR", "e164Phone": "+821012345678", "phone": "010-1234-5678",
                         "subscriptionStatus": "UNSUBSCRIBED"}})
    assert sync_shop(store, "wix1", client(fake), entities=["members"]).status == "succeeded"
    with store.unit() as con:
        row = con.execute("""SELECT email, name, phone, signed_up_at, email_consent, sms_consent FROM members
                             WHERE member_key = 'c0ffee00-0000-4000-8000-00000000beef'""").fetchone()
    assert row == ("minji.kim@example.com", "김민지", "01012345678", dt.datetime(2025, 3, 1, 1, 0, tzinfo=UTC),
                   True, False)


@pytest.mark.parametrize("kind, words", [("500", "HTTP 500"), ("503", "HTTP 503"), ("429", "too many requests"),
                                         ("garbage", "not JSON"), ("slow", "did not answer")])
def test_a_fault_fails_the_run_in_plain_words_and_the_next_sync_resumes(store: Store, fake: WixFake,
                                                                       kind: str, words: str) -> None:
    # The fault hits the 3rd contacts page, after two pages were committed.
    fake.fault(kind, times=5, path="/contacts/", after=2, retry_after=0, seconds=1.0)
    result = sync_shop(store, "wix1", client(fake, timeout=0.3), entities=["members"], batch_rows=1)
    assert result.status == "failed" and words in result.error
    with store.unit() as con:
        assert con.execute("SELECT count(*) FROM members").fetchone()[0] == 80
        cursor = json.loads(con.execute("SELECT cursor FROM sync_checkpoints WHERE entity='members'").fetchone()[0])
        run = con.execute("SELECT status, error FROM sync_runs WHERE run_id = ?", [result.run_id]).fetchone()
    assert cursor["skip"] == 1 and run == ("failed", result.error)
    fake.clear_faults()
    calls_before = fake.requests["/contacts/v4/contacts/query"]
    result = sync_shop(store, "wix1", client(fake), entities=["members"])
    assert result.status == "succeeded" and result.records == 130 - 80
    assert fake.requests["/contacts/v4/contacts/query"] - calls_before == 2  # pages 3 and 4, nothing again
    assert stored(store)["members"] == expected(fake)["members"]


def test_a_429_with_retry_after_is_waited_out_and_the_sync_completes(store: Store, fake: WixFake) -> None:
    fake.fault(429, times=1, path="/ecom/v1/orders/", retry_after=0.2)
    c = client(fake, max_retries=3)
    result = sync_shop(store, "wix1", c, entities=["orders"])
    assert result.status == "succeeded" and c.http.throttled == 1
    assert stored(store)["orders"] == expected(fake)["orders"]


def test_a_key_revoked_mid_sync_fails_as_auth_and_resumes_once_restored(store: Store, fake: WixFake) -> None:
    fake.revoke_key_after(4)  # catalog version, categories, products (2 pages) pass; the contacts walk is refused
    result = sync_shop(store, "wix1", client(fake))
    assert result.status == "failed" and result.entity == "members"
    assert "refused the API key" in result.error and API_KEY not in result.error
    fake.restore_key()
    assert sync_shop(store, "wix1", client(fake)).status == "succeeded"
    assert stored(store) == expected(fake)


def test_a_page_that_changes_between_calls_loses_nothing(store: Store, fake: WixFake) -> None:
    calls = {"n": 0}

    def change() -> None:
        calls["n"] += 1
        if calls["n"] == 1:  # after the first page: delete a seen contact, update a seen and an unseen one
            fake.delete_contact(1)
            fake.update_contact(2, info__name__first="변경")
            fake.update_contact(100, info__name__first="나중")
            fresh = {k: v for k, v in fake.contact(0).items() if k not in ("createdDate", "updatedDate")}
            fake.add_contact({**fresh, "id": "feed0000-0000-4000-8000-000000000001"})

    fake.after("/contacts/v4/contacts/query", change)
    assert sync_shop(store, "wix1", client(fake), entities=["members"]).status == "succeeded"
    members = stored(store)["members"]
    live = expected(fake)["members"]
    # An offset walk would have skipped one contact when contact 1 disappeared; the keyset walk skips none.
    assert {m[0] for m in live} <= {m[0] for m in members}
    assert {m for m in members if m[0] == fake.contact(100)["id"]} <= live
    assert sync_shop(store, "wix1", client(fake), entities=["members"]).status == "succeeded"
    members = stored(store)["members"]
    assert members - live == {m for m in members if m[0] == fake.contact(1)["id"]}  # deleted on Wix, kept here
    assert live <= members


@pytest.mark.timeout(90)
@pytest.mark.slow
def test_a_sync_killed_mid_page_resumes_exactly(store: Store, store_path: Path) -> None:
    # The engine commits every ENGINE_BATCH_ROWS rows or, when pages come slowly, every ENGINE_BATCH_SECONDS:
    # one contacts page answered slower than that makes the first commit come early (20 pages of 100 do).
    limit = 100 if ENGINE_BATCH_SECONDS else 1000
    members = 20 * limit if ENGINE_BATCH_SECONDS else ENGINE_BATCH_ROWS + 10 * limit
    fake = WixFake(members=members, orders=0, carts=0, products=0, collections=0, rate_limit=False)
    fake.url = fake.start()
    try:
        save_shop(store, "wixk", "wix", "킬 테스트", settings={
            "base_url": fake.url, "site_id": SITE_ID, "per_minute": 0, "contacts_limit": limit, "backoff": 0.01,
            "timeout": 5})
        secrets.put("wixk", store_path.with_name("secrets.json"), api_key=API_KEY)
        if ENGINE_BATCH_SECONDS:
            fake.fault("slow", times=1, path="/contacts/", after=3, seconds=ENGINE_BATCH_SECONDS + 0.3)
        child = subprocess.Popen([sys.executable, "-m", "core", "sync", "--shop", "wixk", "--entity", "members"],
                                 env=python_env(store_path), stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        err = kill_after_first_commit(child, "members", lambda: fake.stall_next("/contacts/"), fake.stalled)
        asked = fake.requests[CONTACTS]
        with store.unit() as con:
            partial = con.execute("SELECT count(*) FROM members WHERE shop_id='wixk'").fetchone()[0]
            cursor = json.loads(con.execute("SELECT cursor FROM sync_checkpoints WHERE shop_id='wixk' "
                                            "AND entity='members'").fetchone()[0])
        # Killed part-way: whole pages committed, with more fetched (and one stalled) that were not.
        assert 0 < partial < members and partial % limit == 0 and asked > partial // limit
        assert cursor["created"] and cursor["skip"] == 1
        fake.clear_faults()

        c = make_client(get_shop(store, "wixk"))
        result = sync_shop(store, "wixk", c, entities=["members"])
        c.close()
        assert result.status == "succeeded"
        # Exactly the pages not yet written were asked for, and every contact is there once.
        assert fake.requests[CONTACTS] - asked == members // limit - partial // limit
        with store.unit() as con:
            keys = con.execute("SELECT member_key FROM members WHERE shop_id='wixk'").fetchall()
            runs = con.execute("SELECT status, error FROM sync_runs WHERE shop_id='wixk' ORDER BY started_at"
                               ).fetchall()
        assert sorted(k for k, in keys) == sorted(c["id"] for c in fake.live_contacts())
        assert runs[0][0] == "failed" and "interrupted" in runs[0][1] and runs[-1] == ("succeeded", None)
        assert API_KEY not in err
    finally:
        fake.stop()


def test_no_secret_in_run_errors_logs_or_connection_messages(store: Store, store_path: Path, fake: WixFake,
                                                             caplog: pytest.LogCaptureFixture) -> None:
    save_shop(store, "wixs", "wix", "비밀", settings={"base_url": fake.url, "site_id": SITE_ID, "per_minute": 0})
    secrets.put("wixs", store_path.with_name("secrets.json"), api_key=API_KEY)
    shop = get_shop(store, "wixs")
    said = wix_test_connection(shop)
    assert "연결되었습니다" in t(said.key, "ko", **said.params)
    caplog.set_level(logging.DEBUG)
    fake.api_key = "a-different-key"  # the saved key no longer works
    with pytest.raises(AuthError) as refused:
        wix_test_connection(shop)
    result = sync_shop(store, "wixs", client_for(shop))
    fake.api_key, fake.site_id = API_KEY, "another-site"
    forbidden = sync_shop(store, "wixs", client_for(shop))
    with store.unit() as con:
        errors = [e for e, in con.execute("SELECT error FROM sync_runs WHERE shop_id='wixs'").fetchall()]
    assert result.status == forbidden.status == "failed" and "permissions" in forbidden.error
    for text in errors + [str(refused.value), caplog.text]:
        assert API_KEY not in text and "IST." not in text


# ---- Catalog V1 and V3 -------------------------------------------------------------------------------------


def test_a_v3_site_is_read_through_catalog_v3_products_and_categories(store: Store) -> None:
    fake = WixFake(members=5, orders=3, carts=1, products=130, collections=3, rate_limit=False,
                   catalog_version="V3_CATALOG")
    fake.url = fake.start()
    try:
        result = sync_shop(store, "wix1", client(fake))
        assert result.status == "succeeded", result.error
        assert fake.requests["/stores/v3/provision/version"] == 1          # asked once, before the catalog
        assert "/stores/v1/products/query" not in fake.requests             # V1 is never called on a V3 site
        assert fake.requests["/stores/v3/products/query"] == 2              # 130 products, 100 a page
        with store.unit() as con:
            products = {k: (float(price), cats, raw) for k, price, cats, raw in con.execute(
                "SELECT product_key, price, category_keys, raw->'compareAtPriceRange'->'minValue'->>'amount' "
                "FROM products").fetchall()}
            categories = set(con.execute("SELECT category_key, name, depth, parent_key, path FROM categories")
                             .fetchall())
        assert len(products) == 130
        for p in fake.products_v3:
            price, cats, listed = products[p["id"]]
            assert price == float(p["actualPriceRange"]["minValue"]["amount"])   # the selling price
            assert listed == p["compareAtPriceRange"]["minValue"]["amount"]      # the list price, kept in raw
            assert cats == p["_directCategoryIds"]
        assert sum(1 for p in fake.products_v3 if products[p["id"]][0] < float(products[p["id"]][2])) == 44
        tops = {(c["id"], c["name"], 1, None, c["name"]) for c in fake.categories if not c["parentCategory"]}
        subs = {(c["id"], c["name"], 2, c["parentCategory"]["id"],
                 f"분류 {c['name'].split()[-1]} > {c['name']}") for c in fake.categories if c["parentCategory"]}
        assert categories == tops | subs
    finally:
        fake.stop()


def test_a_v1_site_keeps_stores_v1_and_a_site_without_stores_syncs_no_catalog(store: Store, fake: WixFake) -> None:
    result = sync_shop(store, "wix1", client(fake), entities=["categories", "products"])
    assert result.status == "succeeded", result.error
    assert fake.requests["/stores/v3/provision/version"] == 1
    assert "/stores/v3/products/query" not in fake.requests and "/categories/v1/categories/query" not in fake.requests
    assert stored(store)["products"] == expected(fake)["products"]

    bare = WixFake(members=1, orders=0, carts=0, products=5, collections=2, rate_limit=False,
                   catalog_version="STORES_NOT_INSTALLED")
    bare.url = bare.start()
    try:
        c = client(bare)
        assert [p.rows for p in c.pages("products", None)] == [{}]
        assert [p.rows for p in c.pages("categories", None)] == [{}]
        assert bare.requests == {"/stores/v3/provision/version": 1}
        c.close()
    finally:
        bare.stop()


def test_an_unknown_catalog_version_fails_in_words(store: Store) -> None:
    fake = WixFake(members=1, orders=0, carts=0, products=1, collections=1, rate_limit=False, catalog_version="V9")
    fake.url = fake.start()
    try:
        result = sync_shop(store, "wix1", client(fake), entities=["products"])
        assert result.status == "failed" and result.failure.key == "sync.bad_field"
        assert result.failure.params["field"] == "catalogVersion"
    finally:
        fake.stop()


def test_a_null_record_fails_its_page_in_words_naming_the_record(store: Store, fake: WixFake) -> None:
    fake.orders[sorted(fake.orders)[0]] = None  # type: ignore[assignment]  # a null in the list Wix returns
    fake._cursor_query = lambda query, records: (list(records.values())[:3], {"count": 3, "hasNext": False,
                                                                            "cursors": {}})
    result = sync_shop(store, "wix1", client(fake), entities=["orders"])
    assert result.status == "failed" and result.failure.key == "sync.bad_record"
    assert result.failure.params["record"] == 1 and result.failure.params["value"] == "null"
