"""The sandbox's carts endpoint follows Cafe24's documented `GET /api/v2/admin/carts` (by member ids, its
limits enforced with 422), and a cart synced from it is one the abandoned-cart automation plans an e-mail for."""
from __future__ import annotations

import datetime as dt

import httpx
import pytest

from core import clock
from core.automations.evaluate import evaluate_all
from core.carts import recovery as cart_recovery
from core.sandbox.server import SandboxServer
from core.sandbox.setup import connect_sandbox
from core.shops import secrets
from core.store import Store
from core.sync.jobs import run_sync

pytestmark = pytest.mark.timeout(180)

# The row fields of developers.cafe24.com/docs/ko/api/admin/#retrieve-a-shopping-cart
DOCUMENTED = {"shop_no", "basket_product_no", "member_id", "created_date", "product_no", "additional_option_values",
              "variant_code", "quantity", "product_price", "option_price", "product_bundle", "shipping_type",
              "category_no"}


@pytest.fixture
def sandbox(fixed_clock: clock.FixedClock) -> SandboxServer:
    server = SandboxServer(300, 7, start=fixed_clock.now(), rate_limit=False, frozen=True, pace="lively")
    yield server
    server.stop()


@pytest.fixture
def token(store: Store, sandbox: SandboxServer) -> str:
    connect_sandbox(store, sandbox.url)
    return str(secrets.get("sandbox")["access_token"])


def _carts(sandbox: SandboxServer, token: str, **params: object) -> httpx.Response:
    return httpx.get(f"{sandbox.url}/api/v2/admin/carts", params=params,
                     headers={"Authorization": f"Bearer {token}"})


def _with_baskets(sandbox: SandboxServer) -> list[str]:
    mall = sandbox.mall
    now = mall.clock.now_s()
    ids = [mall.member_key(i) for i in range(mall.member_count(now))]
    return sorted({row["member_id"] for row in mall.cart_lines(ids, now)})


def test_carts_are_read_by_comma_separated_member_ids_in_the_documented_shape(
        sandbox: SandboxServer, token: str) -> None:
    members = _with_baskets(sandbox)[:3]
    answer = _carts(sandbox, token, member_id=",".join([*members, "nobody1"]), limit=100)
    assert answer.status_code == 200
    rows = answer.json()["carts"]
    assert rows and {r["member_id"] for r in rows} == set(members)
    assert all(set(r) == DOCUMENTED for r in rows)
    assert len({r["basket_product_no"] for r in rows}) == len(rows)
    assert all(len(r["variant_code"]) == 12 and float(r["product_price"]) > 0 for r in rows)
    # paged by limit and offset
    first = _carts(sandbox, token, member_id=",".join(members), limit=1).json()["carts"]
    second = _carts(sandbox, token, member_id=",".join(members), limit=1, offset=1).json()["carts"]
    assert first == rows[:1] and second == rows[1:2]
    assert _carts(sandbox, token, member_id=members[0]).status_code == 200  # limit defaults to 10


@pytest.mark.parametrize("params, says", [
    ({}, "[member_id] is required"),
    ({"member_id": ",".join(f"kim{i}" for i in range(101))}, "at most 100"),
    ({"member_id": "kim1", "limit": 101}, "[limit] must be between 1 and 100"),
    ({"member_id": "kim1", "limit": 0}, "[limit] must be between 1 and 100"),
    ({"member_id": "kim1", "offset": 10001}, "[offset] must be between 0 and 10000"),
])
def test_the_documented_limits_are_refused_with_422(sandbox: SandboxServer, token: str, params: dict,
                                                    says: str) -> None:
    answer = _carts(sandbox, token, **params)
    assert answer.status_code == 422 and says in answer.json()["error"]["message"]


def test_an_unknown_parameter_is_refused_and_there_is_no_private_listing(sandbox: SandboxServer, token: str) -> None:
    assert _carts(sandbox, token, member_id="kim1", updated_start_date="2026-01-01").status_code == 400
    gone = httpx.get(f"{sandbox.url}/api/v2/admin/sandbox/carts", headers={"Authorization": f"Bearer {token}"})
    assert gone.status_code == 404


@pytest.mark.slow
def test_a_cart_synced_from_the_cart_api_gets_an_abandoned_cart_email_planned(
        store: Store, sandbox: SandboxServer, token: str, fixed_clock: clock.FixedClock) -> None:
    assert run_sync(store, "sandbox").status == "succeeded"
    start = fixed_clock.now()
    [automation_id] = cart_recovery.quick_setup(store, "sandbox", now=start)
    # The lively mall fills and leaves carts; the next sync asks every member about their basket.
    sandbox.advance(minutes=40)
    fixed_clock.advance(minutes=40)
    assert run_sync(store, "sandbox").status == "succeeded"
    with store.unit() as con:
        fresh = con.execute("""SELECT cart_key, member_key, recovery_url FROM carts
                               WHERE status = 'open' AND last_activity_at > ?""", [start]).fetchall()
    assert fresh, "the lively mall left no cart in 40 minutes"
    for key, member, url in fresh:
        assert key.startswith(member + ":") and url.endswith(f"/order/basket.html?member_id={member}")
        assert "님의 장바구니" in httpx.get(url).text  # the recovery link opens the member's basket

    later = fixed_clock.now() + dt.timedelta(hours=2)
    evaluate_all(store, later)
    with store.unit() as con:
        reasons = {(state, reason) for state, reason in con.execute(
            "SELECT state, reason FROM outbox WHERE automation_id = ?", [automation_id]).fetchall()}
        planned = dict(con.execute("SELECT occurrence_key, state FROM outbox WHERE automation_id = ?",
                                   [automation_id]).fetchall())
    assert {key for key, _, _ in fresh} <= set(planned)
    # Pending to send; skipped for a member without advertising consent; cancelled when the member ordered.
    assert ("pending", None) in reasons
    assert reasons <= {("pending", None), ("skipped", "no_consent"), ("cancelled", "member_ordered")}
