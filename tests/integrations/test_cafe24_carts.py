"""Which members a Cafe24 sync asks about their carts: within the call budget, the active ones first, then the
rest in rotation from a checkpoint; a sync a webhook started asks only about the members it named."""
from __future__ import annotations

import json
from collections.abc import Iterator

import pytest

from core import clock
from core.integrations.base import Page
from core.integrations.cafe24 import _noting_members_of, cart_queue
from core.sandbox.setup import connect_sandbox
from core.shops.registry import get_shop, save_shop
from core.store import Store
from core.sync import cart_plan
from core.sync.jobs import run_sync
from tests.support.fakes.cafe24 import SandboxServer, start

pytestmark = pytest.mark.timeout(120)


@pytest.fixture
def sandbox(fixed_clock: clock.FixedClock) -> Iterator[SandboxServer]:
    server = start(members=300, at=fixed_clock.now())
    yield server
    server.stop()


@pytest.fixture
def shop(store: Store, sandbox: SandboxServer) -> None:
    shop = connect_sandbox(store, sandbox.url)
    # One call (100 member ids) per sync for carts.
    save_shop(store, shop.shop_id, "cafe24", shop.name, settings={**shop.settings, "cart_calls_per_sync": 1})


def _after(store: Store) -> str | None:
    with store.unit() as con:
        (cursor,) = con.execute("SELECT cursor FROM sync_checkpoints WHERE entity = 'carts'").fetchone()
    return json.loads(cursor).get("after")


def _cart_members(store: Store) -> set[str]:
    with store.unit() as con:
        return {r[0] for r in con.execute("SELECT member_key FROM carts").fetchall()}


def _baskets(sandbox: SandboxServer, members: list[str]) -> set[str]:
    return {row["member_id"] for row in sandbox.mall.cart_lines(members, sandbox.mall.clock.now_s())}


def test_the_queue_puts_active_members_first_then_rotates_from_the_checkpoint() -> None:
    members = ["a", "b", "c", "d", "e"]
    assert cart_queue(["d", "x", "d"], members, None) == (["d", "x", "a", "b", "c", "e"], ["a", "b", "c", "e"])
    assert cart_queue([], members, "b") == (["c", "d", "e", "a", "b"], ["c", "d", "e", "a", "b"])
    assert cart_queue(["a"], members, "e") == (["a", "b", "c", "d", "e"], ["b", "c", "d", "e"])
    assert cart_queue([], members, "zz")[0] == members  # past the last member: round again


def test_each_sync_asks_the_next_members_within_its_budget_and_keeps_its_place(
        store: Store, sandbox: SandboxServer, shop: None) -> None:
    assert run_sync(store, "sandbox").status == "succeeded"
    # The first sync: every member just signed up (active), so the budget went to the first 100 of them.
    signed_up = [sandbox.mall.member_key(i) for i in range(300)]  # the order the member pages came in
    with store.unit() as con:
        every = [r[0] for r in con.execute("SELECT member_key FROM members ORDER BY member_key").fetchall()]
    assert sorted(signed_up) == every and _after(store) is None
    asked = set(signed_up[:100])
    assert _cart_members(store) == _baskets(sandbox, sorted(asked)) and _cart_members(store)

    # Nothing happened since: the rotation goes on, 100 members a sync, from where it stopped.
    assert run_sync(store, "sandbox").status == "succeeded"
    assert _after(store) == every[99]
    assert run_sync(store, "sandbox").status == "succeeded"
    assert _after(store) == every[199]
    asked |= set(every[:200])
    assert _cart_members(store) == _baskets(sandbox, sorted(asked))
    with store.unit() as con:  # Cafe24's cart lines carry no e-mail: each is the member's stored one
        assert con.execute("""SELECT count(*) FROM carts c JOIN members m USING (shop_id, member_key)
                              WHERE c.email IS DISTINCT FROM m.email""").fetchall() == [(0,)]


def test_a_webhook_sync_asks_only_about_the_members_it_names(
        store: Store, sandbox: SandboxServer, shop: None) -> None:
    assert run_sync(store, "sandbox").status == "succeeded"
    everyone = [sandbox.mall.member_key(i) for i in range(300)]
    named = sorted(_baskets(sandbox, everyone) - _cart_members(store))[:2]
    assert named, "every basket was already read"
    assert run_sync(store, "sandbox", hinted=named, rotate_carts=False, entities=["carts"]).status == "succeeded"
    assert set(named) <= _cart_members(store)
    assert _after(store) is None  # the rotation did not move
    assert get_shop(store, "sandbox").settings["cart_calls_per_sync"] == 1


def test_a_sync_keeps_only_as_many_active_members_as_its_cart_calls_can_ask_about() -> None:
    seen: dict[str, str | None] = {}
    page = Page({"members": [{"member_key": f"m{i}", "email": f"m{i}@example.com"} for i in range(5)],
                 "orders": [{"member_key": "m1"}, {"member_key": "m9"}]}, {})
    _noting_members_of(page, seen, {}, 3)
    assert seen == {"m0": "m0@example.com", "m1": "m1@example.com", "m2": "m2@example.com"}


def test_the_plan_reads_only_the_members_the_budget_can_reach(store: Store, sandbox: SandboxServer,
                                                              shop: None) -> None:
    assert run_sync(store, "sandbox").status == "succeeded"
    with store.unit() as con:
        every = [r[0] for r in con.execute("SELECT member_key FROM members ORDER BY member_key").fetchall()]
        assert cart_plan.rotation_window(con, "sandbox", None, 100) == every[:100]
        assert cart_plan.rotation_window(con, "sandbox", every[249], 100) == every[:50] + every[250:]
    plan = cart_plan.load(store, "sandbox", hinted=[every[-1]], most=100)
    assert plan.members == every[:100] and plan.hinted == [every[-1]]
    assert set(plan.emails_for(every[-3:])) == set(every[-3:])  # every sandbox member has an e-mail
