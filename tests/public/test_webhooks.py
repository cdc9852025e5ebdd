"""Cafe24 webhooks at the public endpoint: the sandbox posts its events to the shop's address, an accepted
event starts a sync that fetches what it names, forged or unknown requests are refused with a clear 4xx,
and duplicate or out-of-order deliveries change nothing."""
from __future__ import annotations

import threading
import time
from collections.abc import Iterator

import httpx
import pytest

from core import clock
from core.public.app import PublicServer, start_in_thread
from core.sandbox.server import SandboxServer
from core.sandbox.setup import connect_sandbox
from core.store import Store, StoreBusy
from core.sync import jobs
from core.sync.jobs import run_sync

pytestmark = pytest.mark.timeout(180)


@pytest.fixture
def sandbox(fixed_clock: clock.FixedClock) -> Iterator[SandboxServer]:
    server = SandboxServer(300, 7, start=fixed_clock.now(), rate_limit=False, frozen=True, pace="lively")
    yield server
    server.stop()


@pytest.fixture
def public(store: Store, monkeypatch: pytest.MonkeyPatch) -> Iterator[PublicServer]:
    server = start_in_thread(store, port=0)
    monkeypatch.setenv("PUBLIC_BASE_URL", server.url)
    yield server
    server.stop()


@pytest.fixture
def address(store: Store, sandbox: SandboxServer, public: PublicServer) -> str:
    """The shop connected (which tells the sandbox its webhook address) and synced once."""
    connect_sandbox(store, sandbox.url)
    assert run_sync(store, "sandbox").status == "succeeded"
    assert sandbox.webhooks.url is not None and sandbox.webhooks.url.startswith(public.url + "/hooks/cafe24/")
    return sandbox.webhooks.url


def _events(store: Store) -> list[tuple]:
    with store.unit() as con:
        return con.execute("""SELECT event_no, entity, member_key, order_key, processed_at IS NOT NULL
                              FROM webhook_events ORDER BY received_at, event_no""").fetchall()


def _order(store: Store, order_id: str) -> tuple | None:
    with store.unit() as con:
        return con.execute("SELECT member_key, status FROM orders WHERE order_key = ?", [order_id]).fetchone()


def _wait_sent(sandbox: SandboxServer, order_id: str, event_no: int) -> int | None:
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        for event, status in list(sandbox.webhooks.sent):
            if event["event_no"] == event_no and event["resource"].get("order_id") == order_id:
                return status
        time.sleep(0.1)
    return None


def _place_order(sandbox: SandboxServer) -> tuple[str, str]:
    """A member with a basket checks out on the storefront: (member, order id)."""
    mall = sandbox.mall
    now = mall.clock.now_s()
    ids = [mall.member_key(i) for i in range(mall.member_count(now))]
    member = next(row["member_id"] for row in mall.cart_lines(ids, now))
    placed = httpx.post(f"{sandbox.url}/order/basket.html", params={"member_id": member}, follow_redirects=False)
    assert placed.status_code == 303
    return member, placed.headers["Location"].rsplit("=", 1)[1]


def test_an_order_placed_in_the_sandbox_is_posted_and_its_sync_brings_the_order_in(
        store: Store, sandbox: SandboxServer, address: str, fixed_clock: clock.FixedClock) -> None:
    sandbox.advance(seconds=5)
    member, order_id = _place_order(sandbox)
    sandbox.advance(seconds=2)  # the sandbox announces each second once it is over
    assert _wait_sent(sandbox, order_id, 90023) == 202      # posted by the sandbox, accepted by the endpoint
    assert _order(store, order_id) is None                  # nothing is taken from the payload itself
    assert (90023, "orders", member, order_id, False) in _events(store)

    summary = jobs.run_webhooks(store, fixed_clock.now(), threading.Event())
    assert "succeeded" in summary
    assert _order(store, order_id) == (member, "pending")
    with store.unit() as con:
        started = con.execute("SELECT started_by, status, entity FROM sync_runs ORDER BY started_at").fetchall()
    assert started[-1] == ("webhook", "succeeded", None)
    assert all(done for *_, done in _events(store))
    assert jobs.run_webhooks(store, fixed_clock.now(), threading.Event()) == "no events"   # nothing left


def test_forged_unknown_and_malformed_requests_are_refused_and_nothing_is_kept(
        store: Store, address: str, public: PublicServer) -> None:
    good = {"event_no": 90023, "resource": {"mall_id": "sandbox", "event_shop_no": "1", "order_id": "20260110-0000001",
                                            "member_id": "kim1"}}
    cases = [
        (f"{public.url}/hooks/cafe24/not-the-token", good, 404, "등록되지 않은 웹훅 주소예요"),
        (address, {**good, "resource": {**good["resource"], "mall_id": "another"}}, 403, "different mall"),
        (address, {"event_no": 90001, "resource": {"mall_id": "sandbox"}}, 422, "90001"),
        (address, {"event_no": "90023", "resource": good["resource"]}, 422, "따르지 않는"),
        (address, {"event_no": 90023, "resource": {"mall_id": "sandbox"}}, 422, "order_id"),
        (address, {"event_no": 90023}, 400, "event_no와 resource"),
    ]
    for url, body, status, says in cases:
        answer = httpx.post(url, json=body)
        assert answer.status_code == status and says in answer.text, (body, answer.text)
    not_json = httpx.post(address, content=b"<xml/>", headers={"Content-Type": "text/xml"})
    assert not_json.status_code == 400
    assert httpx.get(address).status_code == 405
    assert _events(store) == []


def test_duplicate_and_out_of_order_deliveries_change_nothing(
        store: Store, sandbox: SandboxServer, address: str, fixed_clock: clock.FixedClock) -> None:
    # An order of the mall's history that was delivered: its events arrive late, twice, and backwards.
    with store.unit() as con:
        order_id, member, status = con.execute("""SELECT order_key, member_key, status FROM orders
                                                  WHERE status = 'delivered' AND member_key IS NOT NULL
                                                  ORDER BY order_key LIMIT 1""").fetchone()
    resource = {"mall_id": "sandbox", "event_shop_no": "1", "order_id": order_id, "member_id": member}
    delivered = {"event_no": 90024, "resource": {**resource, "event_code": "shipping_complete"}}
    placed = {"event_no": 90023, "resource": resource}
    answers = [httpx.post(address, json=e).status_code for e in (delivered, delivered, placed, delivered)]
    assert answers == [202, 200, 202, 200]
    assert len(_events(store)) == 2

    jobs.run_webhooks(store, fixed_clock.now(), threading.Event())
    assert _order(store, order_id) == (member, status)      # as the mall holds it now, whatever the order
    assert httpx.post(address, json=placed).status_code == 200   # even after its sync, a repeat is a repeat
    assert len(_events(store)) == 2 and all(done for *_, done in _events(store))


def test_a_store_held_elsewhere_answers_503_with_retry_after(store: Store, address: str,
                                                             monkeypatch: pytest.MonkeyPatch) -> None:
    def busy(*args: object, **kwargs: object) -> None:
        raise StoreBusy("held past the bounded wait", key="store.busy")

    monkeypatch.setattr(store, "unit", busy)  # the sender tries again later; nothing is lost
    answer = httpx.post(address, json={"event_no": 90023, "resource": {"mall_id": "sandbox", "order_id": "x"}})
    assert answer.status_code == 503 and answer.headers["Retry-After"] == "5"
