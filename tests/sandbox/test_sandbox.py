"""The sandbox shop over real HTTP on loopback: Cafe24's OAuth, limits, errors, and a mall that moves with its clock."""
from __future__ import annotations

import base64
import datetime as dt
from urllib.parse import parse_qs, urlparse

import httpx
import pytest

from core.sandbox.mall import Mall
from tests.support.fakes.cafe24 import SandboxServer, start

KST = dt.timezone(dt.timedelta(hours=9))
AT = dt.datetime(2026, 1, 10, 9, 0, tzinfo=KST)
REDIRECT = "http://127.0.0.1/cb"

pytestmark = pytest.mark.timeout(60)


@pytest.fixture
def sandbox() -> SandboxServer:
    server = start(members=300, at=AT)
    yield server
    server.stop()


def _basic(server: SandboxServer, secret: str | None = None) -> dict[str, str]:
    raw = f"{server.client_id}:{secret or server.client_secret}".encode()
    return {"Authorization": "Basic " + base64.b64encode(raw).decode()}


def _tokens(server: SandboxServer) -> dict:
    answer = httpx.get(f"{server.url}/api/v2/oauth/authorize", params={
        "response_type": "code", "client_id": server.client_id, "state": "s1", "redirect_uri": REDIRECT,
        "scope": "mall.read_privacy"})
    assert answer.status_code == 302
    query = parse_qs(urlparse(answer.headers["Location"]).query)
    assert query["state"] == ["s1"]
    token = httpx.post(f"{server.url}/api/v2/oauth/token", headers=_basic(server),
                       data={"grant_type": "authorization_code", "code": query["code"][0], "redirect_uri": REDIRECT})
    assert token.status_code == 200, token.text
    return token.json()


def _get(server: SandboxServer, token: str, path: str, **params) -> httpx.Response:
    return httpx.get(f"{server.url}/api/v2/admin/{path}", params=params, headers={"Authorization": f"Bearer {token}"})


def test_oauth_code_flow_gives_two_hour_tokens_and_refresh_tokens_rotate(sandbox: SandboxServer) -> None:
    tokens = _tokens(sandbox)
    assert {"access_token", "expires_at", "refresh_token", "refresh_token_expires_at", "client_id", "mall_id",
            "user_id", "scopes", "issued_at"} <= set(tokens)
    issued, expires = (dt.datetime.fromisoformat(tokens[k]) for k in ("issued_at", "expires_at"))
    assert expires - issued == dt.timedelta(hours=2)
    assert _get(sandbox, tokens["access_token"], "customersprivacy").status_code == 200

    refreshed = httpx.post(f"{sandbox.url}/api/v2/oauth/token", headers=_basic(sandbox),
                           data={"grant_type": "refresh_token", "refresh_token": tokens["refresh_token"]})
    assert refreshed.status_code == 200
    assert refreshed.json()["refresh_token"] != tokens["refresh_token"]
    again = httpx.post(f"{sandbox.url}/api/v2/oauth/token", headers=_basic(sandbox),
                       data={"grant_type": "refresh_token", "refresh_token": tokens["refresh_token"]})
    assert again.status_code == 400 and again.json()["error"] == "invalid_grant"

    wrong = httpx.post(f"{sandbox.url}/api/v2/oauth/token", headers=_basic(sandbox, "not-the-secret"),
                       data={"grant_type": "refresh_token", "refresh_token": refreshed.json()["refresh_token"]})
    assert wrong.status_code == 401 and wrong.json()["error"] == "invalid_client"


def test_access_tokens_expire_with_the_mall_clock_and_errors_use_cafe24_json(sandbox: SandboxServer) -> None:
    token = _tokens(sandbox)["access_token"]
    sandbox.advance(hours=2, seconds=1)
    expired = _get(sandbox, token, "customersprivacy")
    assert expired.status_code == 401
    assert set(expired.json()["error"]) >= {"code", "message"} and "expired" in expired.json()["error"]["message"]
    assert _get(sandbox, "made-up", "orders").json()["error"]["code"] == 401


def test_documented_maximums_and_parameters_are_enforced(sandbox: SandboxServer) -> None:
    token = _tokens(sandbox)["access_token"]
    assert _get(sandbox, token, "customersprivacy", limit=1000).status_code == 200
    assert _get(sandbox, token, "customersprivacy", limit=1001).status_code == 422
    assert _get(sandbox, token, "customersprivacy", offset=8001).status_code == 422
    assert _get(sandbox, token, "products", limit=101).status_code == 422
    assert _get(sandbox, token, "orders").status_code == 422  # start_date/end_date are required
    too_long = _get(sandbox, token, "orders", start_date="2025-01-01", end_date="2025-06-01")
    assert too_long.status_code == 422 and "3 months" in too_long.json()["error"]["message"]
    assert _get(sandbox, token, "orders", start_date="2025-12-01", end_date="2026-01-10",
                offset=15001).status_code == 422
    keyset = _get(sandbox, token, "customersprivacy", search_type="created_date", created_start_date="2025-01-01",
                  offset=10)
    assert keyset.status_code == 400  # offset cannot be used with the sign-up keyset
    assert _get(sandbox, token, "no-such-thing").status_code == 404


def test_the_call_bucket_is_reported_and_overflows_into_429() -> None:
    server = start(members=50, at=AT, rate_limit=True)
    try:
        token = _tokens(server)["access_token"]
        with httpx.Client() as client:
            answers = [client.get(f"{server.url}/api/v2/admin/categories", headers={"Authorization": f"Bearer {token}"})
                       for _ in range(45)]
        assert answers[0].headers["X-Api-Call-Limit"] == "1/40"
        throttled = [a for a in answers if a.status_code == 429]
        assert throttled, "45 calls at once must overflow a bucket of 40"
        assert throttled[0].headers["X-Api-Call-Limit"] == "40/40" and "Retry-After" in throttled[0].headers
        assert throttled[0].json()["error"]["code"] == 429
    finally:
        server.stop()


def test_orders_carry_items_statuses_and_dates_and_members_page_by_signup(sandbox: SandboxServer) -> None:
    token = _tokens(sandbox)["access_token"]
    orders = _get(sandbox, token, "orders", start_date="2025-11-01", end_date="2026-01-10", limit=1000,
                  embed="items").json()["orders"]
    assert orders and all(o["items"] for o in orders)
    codes = {i["order_status"] for o in orders for i in o["items"]}
    assert {"N40", "N50"} & codes and codes <= {"N00", "N20", "N30", "N40", "N50", "C40", "C48", "R40"}
    delivered = [i for o in orders for i in o["items"] if i["order_status"] == "N40"]
    assert all(dt.datetime.fromisoformat(i["delivered_date"]) > dt.datetime.fromisoformat(i["shipped_date"])
               for i in delivered)
    first = _get(sandbox, token, "customersprivacy", search_type="created_date", created_start_date="2020-01-01",
                 limit=100).json()["customersprivacy"]
    created = [m["created_date"] for m in first]
    assert created == sorted(created) and len(first) == 100
    assert all(m["cellphone"].startswith("010-") and "@" in m["email"] for m in first)
    products = _get(sandbox, token, "products", limit=100).json()["products"]
    assert any(p["product_name"].startswith(("[당일발송]", "[특가할인]", "[예약배송]")) for p in products)
    assert all(p["eng_product_name"] and p["supply_product_name"] and p["model_name"] and len(p["category"]) == 4
               for p in products)
    categories = _get(sandbox, token, "categories", limit=100).json()["categories"]
    assert {c["category_depth"] for c in categories} == {1, 2, 3, 4}


def test_the_mall_is_deterministic_and_moves_forward_with_its_clock() -> None:
    a, b = Mall(400, seed=3, start=AT, frozen=True), Mall(400, seed=3, start=AT, frozen=True)
    assert a.member_rows(a.members_created_from(0, 50, a.clock.now_s())) == \
        b.member_rows(b.members_created_from(0, 50, b.clock.now_s()))
    assert Mall(400, seed=4, start=AT).member_rows([0]) != a.member_rows([0])
    before = a.counts()
    now = a.clock.now_s()
    recent = a.orders_between("order_date", now - 2 * 86400, now, now)
    status_before = a.order_status(recent, now)
    a.clock.advance(days=10)
    after = a.counts()
    assert after["members"] > before["members"] and after["orders"] > before["orders"]
    assert after["carts"] > before["carts"]
    status_after = a.order_status(recent, a.clock.now_s())
    assert (status_before != status_after).any(), "orders placed two days ago must have moved on ten days later"
    assert {"N40", "N50"} & set(status_after.tolist())
