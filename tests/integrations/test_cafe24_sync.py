"""The real Cafe24 client syncing the sandbox shop over loopback into a real DuckDB file."""
from __future__ import annotations

import datetime as dt
import json
import os
import signal
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from core import clock
from core.integrations.cafe24 import Cafe24Client
from core.sandbox.setup import connect_sandbox
from core.shops import secrets
from core.shops.registry import get_shop, save_shop
from core.store import Store
from core.sync.engine import sync_shop
from core.sync.jobs import run_sync
from tests.conftest import ROOT, python_env
from tests.support.fakes.cafe24 import SandboxServer, start

pytestmark = pytest.mark.timeout(120)

TABLES = ("members", "orders", "order_items", "products", "categories")


def _baskets(sandbox: SandboxServer) -> set[tuple[str, str, int]]:
    """Every member's basket as Cafe24's carts endpoint shows it now: (member, oldest line's time, lines)."""
    mall = sandbox.mall
    now = mall.clock.now_s()
    ids = [mall.member_key(i) for i in range(mall.member_count(now))]
    lines: dict[tuple[str, str], int] = {}
    for row in mall.cart_lines(ids, now):
        key = (row["member_id"], row["created_date"])
        lines[key] = lines.get(key, 0) + 1
    return {(m, c, n) for (m, c), n in lines.items()}


def _stored_baskets(store: Store) -> set[tuple[str, str, int]]:
    with store.unit() as con:
        rows = con.execute("""SELECT c.member_key, c.created_at, count(i.line_no) FROM carts c
                              JOIN cart_items i USING (shop_id, cart_key) WHERE c.status = 'open'
                              GROUP BY ALL""").fetchall()
    return {(m, at.astimezone(dt.timezone(dt.timedelta(hours=9))).isoformat(), n) for m, at, n in rows}


@pytest.fixture
def sandbox(fixed_clock: clock.FixedClock) -> SandboxServer:
    server = start(members=300, at=fixed_clock.now())
    yield server
    server.stop()


@pytest.fixture
def shop(store: Store, sandbox: SandboxServer):
    return connect_sandbox(store, sandbox.url)


def _counts(store: Store) -> dict[str, int]:
    with store.unit() as con:
        return {t: con.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in TABLES}


def _snapshot(store: Store, table: str) -> list[tuple]:
    with store.unit() as con:
        return con.execute(f"SELECT COLUMNS(lambda c: c <> 'raw') FROM {table} ORDER BY ALL").fetchall()


def _last_run(store: Store) -> tuple:
    with store.unit() as con:
        return con.execute("SELECT status, entity, error, records FROM sync_runs ORDER BY started_at DESC, "
                           "finished_at DESC LIMIT 1").fetchone()


def _checkpoints(store: Store) -> dict[str, str]:
    with store.unit() as con:
        return dict(con.execute("SELECT entity, cursor FROM sync_checkpoints").fetchall())


def test_full_then_incremental_sync_lands_exactly_what_the_mall_holds(
        store: Store, sandbox: SandboxServer, shop, fixed_clock: clock.FixedClock) -> None:
    result = run_sync(store, "sandbox")
    assert result.status == "succeeded", result.error
    assert _counts(store) == {k: v for k, v in sandbox.counts().items() if k in TABLES}
    assert _stored_baskets(store) == _baskets(sandbox) and _baskets(sandbox)  # every member was asked about
    with store.unit() as con:
        statuses = dict(con.execute("SELECT status, count(*) FROM orders GROUP BY 1").fetchall())
        sample = con.execute("SELECT email, phone, signed_up_at FROM members LIMIT 1").fetchone()
        paths = {r[0] for r in con.execute("SELECT path FROM categories WHERE depth = 4").fetchall()}
    assert {"delivered", "confirmed", "cancelled"} <= set(statuses)
    assert sample[1].startswith("010") and "@" in sample[0] and sample[2].tzinfo is not None
    assert all(p.count(" > ") == 3 for p in paths)
    first_orders = {r[1]: r[2:-1] for r in _snapshot(store, "orders")}  # without shop_id, synced_at
    first_members = {r[1] for r in _snapshot(store, "members")}

    # Three days pass: members sign up, orders arrive, ship and get delivered.
    sandbox.advance(days=3)
    fixed_clock.advance(days=3)
    second = run_sync(store, "sandbox")
    assert second.status == "succeeded", second.error
    assert _counts(store) == {k: v for k, v in sandbox.counts().items() if k in TABLES}
    assert _baskets(sandbox) <= _stored_baskets(store)  # a basket filled since is there too
    now = fixed_clock.now()
    with store.unit() as con:
        landed_members = {r[0] for r in
                          con.execute("SELECT member_key FROM members WHERE synced_at = ?", [now]).fetchall()}
        landed_orders = [r[0] for r in
                         con.execute("SELECT order_key FROM orders WHERE synced_at = ?", [now]).fetchall()]
        categories_touched = con.execute("SELECT count(*) FROM categories WHERE synced_at = ?", [now]).fetchone()[0]
    all_members = {r[1] for r in _snapshot(store, "members")}
    assert landed_members == all_members - first_members and landed_members
    orders_now = {r[1]: r[2:-1] for r in _snapshot(store, "orders")}
    changed = {k for k, v in orders_now.items() if first_orders.get(k) != v}
    # Exactly the new and changed orders came again; an unchanged one keeps its first synced_at.
    assert set(landed_orders) == changed and changed
    assert categories_touched == 0


def test_an_access_token_expiring_mid_sync_is_refreshed_and_the_rotated_refresh_token_kept(
        store: Store, sandbox: SandboxServer, shop) -> None:
    before = secrets.get("sandbox")["refresh_token"]
    sandbox.faults.expire_token_after = 4
    client = Cafe24Client(get_shop(store, "sandbox"))
    try:
        result = sync_shop(store, "sandbox", client)
    finally:
        client.close()
    assert result.status == "succeeded", result.error
    assert client.refreshes == 1 and sandbox.refreshes == 1
    kept = secrets.get("sandbox")["refresh_token"]
    assert kept != before
    assert before in sandbox.spent_refresh_tokens and kept in sandbox.refresh_tokens
    assert _counts(store) == {k: v for k, v in sandbox.counts().items() if k in TABLES}


def test_429_with_retry_after_is_waited_out_and_nothing_is_lost(store: Store, sandbox: SandboxServer, shop) -> None:
    sandbox.faults.throttle, sandbox.faults.retry_after = 2, 1
    sandbox.faults.server_error = 1
    client = Cafe24Client(get_shop(store, "sandbox"))
    try:
        result = sync_shop(store, "sandbox", client, entities=["members", "orders"])
    finally:
        client.close()
    assert result.status == "succeeded", result.error
    assert client.http.throttled == 2 and client.http.retries == 3
    counts = _counts(store)
    assert counts["members"] == sandbox.counts()["members"] and counts["orders"] == sandbox.counts()["orders"]


@pytest.mark.slow
def test_the_client_slows_down_before_the_call_bucket_fills(store: Store, fixed_clock: clock.FixedClock) -> None:
    server = start(members=170, at=fixed_clock.now(), rate_limit=True)
    try:
        connect_sandbox(store, server.url)
        shop = get_shop(store, "sandbox")
        save_shop(store, "sandbox", "cafe24", shop.name, settings={**shop.settings, "page_size": 5})
        client = Cafe24Client(get_shop(store, "sandbox"))
        try:
            result = sync_shop(store, "sandbox", client, entities=["members"])
        finally:
            client.close()
        assert result.status == "succeeded", result.error
        assert client.calls > 30 and client.paused > 0 and client.http.throttled == 0
        assert _counts(store)["members"] == server.counts()["members"]
    finally:
        server.stop()


def test_a_page_that_changes_while_read_is_read_again(store: Store, sandbox: SandboxServer, shop) -> None:
    sandbox.faults.late_order_after = 1
    result = run_sync(store, "sandbox", entities=["orders"])
    assert result.status == "succeeded", result.error
    counts = _counts(store)
    assert counts["orders"] == sandbox.counts()["orders"] and counts["order_items"] == sandbox.counts()["order_items"]


@pytest.mark.slow
def test_a_sync_killed_midway_resumes_from_its_checkpoint(store: Store, store_path: Path,
                                                           fixed_clock: clock.FixedClock) -> None:
    server = start(members=25_000, at=dt.datetime.now(dt.UTC))
    try:
        connect_sandbox(store, server.url)
        server.faults.delay = 0.3  # slow pages: the engine lands a batch every couple of seconds
        child = subprocess.Popen([sys.executable, "-m", "core", "sync", "--entity", "members"], cwd=ROOT,
                                 env=python_env(store_path), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        killed = threading.Event()

        def watch() -> None:
            for line in child.stderr:
                if line.strip().startswith("members:"):
                    os.kill(child.pid, signal.SIGKILL)
                    killed.set()
                    return
        watcher = threading.Thread(target=watch, daemon=True)
        watcher.start()
        child.wait(timeout=90)
        watcher.join(timeout=5)
        assert killed.is_set() and child.returncode == -signal.SIGKILL
        committed = _counts(store)["members"]
        cursor = json.loads(_checkpoints(store)["members"])
        assert 0 < committed < server.counts()["members"] and cursor["created_from"]

        server.faults.delay = 0
        clock.set_clock(clock.Clock())
        resumed = run_sync(store, "sandbox", entities=["members"])
        assert resumed.status == "succeeded", resumed.error
        total = server.counts()["members"]
        assert _counts(store)["members"] == total
        assert resumed.records == total - committed  # nothing fetched twice, nothing skipped
        with store.unit() as con:
            runs = con.execute("SELECT status, error FROM sync_runs ORDER BY started_at").fetchall()
        assert runs[0][0] == "failed" and "interrupted" in runs[0][1]
    finally:
        server.stop()


def _synced_then_broken(store: Store, sandbox: SandboxServer, fixed_clock: clock.FixedClock) -> dict:
    assert run_sync(store, "sandbox").status == "succeeded"
    sandbox.advance(days=2)
    fixed_clock.advance(days=2)
    return {t: _snapshot(store, t) for t in TABLES} | {"checkpoints": _checkpoints(store)}


@pytest.mark.parametrize("fault, entity, words", [
    ("not_json", "orders", ["not JSON", "text/html"]),
    ("missing_field", "members", ["member record #1", "'member_id'"]),
    ("unknown_status", "orders", ["order_status 'Z99'", "item"]),
])
def test_bad_answers_fail_the_run_with_a_clear_message_and_leave_the_store_as_it_was(
        store: Store, sandbox: SandboxServer, shop, fixed_clock: clock.FixedClock,
        fault: str, entity: str, words: list[str]) -> None:
    before = _synced_then_broken(store, sandbox, fixed_clock)
    setattr(sandbox.faults, fault, 1)
    result = run_sync(store, "sandbox", entities=[entity])
    assert result.status == "failed"
    status, failed_entity, error, _ = _last_run(store)
    assert status == "failed" and failed_entity == entity
    assert all(w in error for w in words), error
    tables = {"orders": ("orders", "order_items"), "members": ("members",)}[entity]
    assert all(_snapshot(store, t) == before[t] for t in tables)
    assert _checkpoints(store)[entity] == before["checkpoints"][entity]
    # The fault gone, the next run lands everything.
    assert run_sync(store, "sandbox").status == "succeeded"
    assert _counts(store) == {k: v for k, v in sandbox.counts().items() if k in TABLES}


def test_a_wrong_client_secret_fails_the_run_with_a_clear_message(
        store: Store, sandbox: SandboxServer, shop, fixed_clock: clock.FixedClock) -> None:
    before = _synced_then_broken(store, sandbox, fixed_clock)
    secrets.put("sandbox", client_secret="not-the-secret")
    sandbox.faults.expire_token_after = 0
    result = run_sync(store, "sandbox")
    assert result.status == "failed"
    status, _, error, _ = _last_run(store)
    assert "client secret" in error and "invalid_client" in error
    assert "not-the-secret" not in error and secrets.get("sandbox")["refresh_token"] not in error
    assert all(_snapshot(store, t) == before[t] for t in TABLES)


@pytest.mark.slow
def test_the_scheduler_syncs_the_sandbox_when_due_and_not_again_before_its_interval(
        store: Store, store_path: Path, sandbox: SandboxServer, shop, fixed_clock: clock.FixedClock) -> None:
    def tick(at: dt.datetime) -> str:
        out = subprocess.run([sys.executable, "-m", "core", "scheduler", "--once", "--now", at.isoformat()],
                             cwd=ROOT, env=python_env(store_path), capture_output=True, text=True, timeout=120)
        assert out.returncode == 0, out.stdout + out.stderr
        return out.stdout

    def synced() -> dict[str, int]:
        # The same tick purges carts idle for over 30 days, so carts are checked apart.
        return {k: v for k, v in _counts(store).items() if not k.startswith("cart")}

    first = fixed_clock.now()
    assert "sync:sandbox: ok" in tick(first)
    assert synced() == {k: v for k, v in sandbox.counts().items() if k in TABLES and not k.startswith("cart")}
    assert 0 < len(_stored_baskets(store)) <= len(_baskets(sandbox))  # the purge may drop the oldest
    assert "sync:sandbox" not in tick(first + dt.timedelta(seconds=30))  # the sandbox's interval is a minute

    sandbox.advance(days=1)
    assert "sync:sandbox: ok" in tick(first + dt.timedelta(days=1))
    assert synced() == {k: v for k, v in sandbox.counts().items() if k in TABLES and not k.startswith("cart")}
    with store.unit() as con:
        runs = con.execute("SELECT started_by, status FROM sync_runs ORDER BY started_at").fetchall()
    assert runs == [("scheduler", "succeeded"), ("scheduler", "succeeded")]
