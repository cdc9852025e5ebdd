"""The Cafe24 client against what Cafe24 documents, through the sandbox shop (the fake) on loopback:
consent left out is unknown, the documented version header and 3-month windows, bad records fail their
page in words, and tokens that cannot be lost across processes."""
from __future__ import annotations

import dataclasses
import datetime as dt
import multiprocessing
import os
import socket
import threading
from pathlib import Path
from typing import Any

import pytest

from core import clock
from core.console import integrations as console
from core.errors import Kind
from core.i18n import t
from core.integrations import cafe24
from core.integrations.base import AuthError
from core.integrations.cafe24 import Cafe24Client, window_end
from core.sandbox.setup import connect_sandbox
from core.shops import secrets
from core.shops.connect import is_authorized
from core.shops.registry import Shop
from core.store import Store
from core.sync.jobs import run_sync
from tests.support.fakes.cafe24 import SandboxServer, start

pytestmark = pytest.mark.timeout(180)
KST = dt.timezone(dt.timedelta(hours=9))


@pytest.fixture
def sandbox(fixed_clock: clock.FixedClock) -> SandboxServer:
    server = start(members=120, at=fixed_clock.now())
    yield server
    server.stop()


@pytest.fixture
def shop(store: Store, sandbox: SandboxServer) -> Shop:
    return connect_sandbox(store, sandbox.url)


def _failure(store: Store) -> tuple[str, str | None, str | None, str | None]:
    with store.unit() as con:
        return con.execute("SELECT status, error_kind, error_key, error_params FROM sync_runs "
                           "ORDER BY started_at DESC LIMIT 1").fetchone()


# ---------------------------------------------------------------- consent


def test_consent_left_out_of_the_answer_is_stored_unknown_and_never_false(
        store: Store, sandbox: SandboxServer, shop: Shop) -> None:
    sandbox.faults.drop_member_fields = ("sms", "news_mail")  # as the documented customer list sample
    result = run_sync(store, "sandbox", entities=["members"])
    assert result.status == "succeeded", result.error
    with store.unit() as con:
        consents = con.execute("SELECT count(*), count(email_consent), count(sms_consent) FROM members").fetchone()
        advertisable = con.execute("SELECT count(*) FROM members WHERE coalesce(email_consent, FALSE)").fetchone()
    assert consents[0] == 120 and consents[1:] == (0, 0)   # every member, every consent unknown
    assert advertisable == (0,)                              # advertising needs a consent known to be given


def test_consent_reported_is_kept_as_given_and_asked_for_by_name(
        store: Store, sandbox: SandboxServer, shop: Shop) -> None:
    client = Cafe24Client(shop)
    seen: list[Any] = []
    client.http.client.event_hooks["request"].append(seen.append)
    try:
        page = next(client.pages("members", None))
    finally:
        client.close()
    members = page.rows["members"]
    assert {m["email_consent"] for m in members} == {True, False}
    assert {m["sms_consent"] for m in members} <= {True, False}
    lists = [r for r in seen if "customersprivacy" in r.url.path]
    assert lists and all("sms" in r.url.params["fields"].split(",") and "news_mail" in r.url.params["fields"]
                         for r in lists)
    # The version header sent is the one the Versioning guide documents, on every Admin API call.
    admin = [r for r in seen if "/api/v2/admin/" in r.url.path]
    assert admin and {r.headers["X-Cafe24-Api-Version"] for r in admin} == {"2024-09-01"}


# ---------------------------------------------------------------- order windows


@pytest.mark.parametrize(("start", "end"), [
    (dt.datetime(2026, 1, 1, 10, 0, tzinfo=KST), dt.datetime(2026, 4, 1, 9, 59, 59, tzinfo=KST)),
    (dt.datetime(2026, 11, 30, 0, 0, tzinfo=KST), dt.datetime(2027, 2, 27, 23, 59, 59, tzinfo=KST)),
    (dt.datetime(2025, 12, 31, 15, 0, tzinfo=dt.UTC), dt.datetime(2026, 3, 31, 23, 59, 59, tzinfo=KST)),
    (dt.datetime(2026, 7, 1, 0, 0, tzinfo=KST), dt.datetime(2026, 9, 30, 23, 59, 59, tzinfo=KST)),  # 92 days
])
def test_order_windows_are_three_calendar_months_in_korea_time(start: dt.datetime, end: dt.datetime) -> None:
    assert window_end(start) == end


def test_a_history_longer_than_a_window_is_read_in_calendar_month_windows(
        store: Store, sandbox: SandboxServer, shop: Shop) -> None:
    client = Cafe24Client(shop)
    seen: list[Any] = []
    client.http.client.event_hooks["request"].append(seen.append)
    try:
        pages = list(client.pages("orders", None))
    finally:
        client.close()
    assert sum(len(p.rows.get("orders", [])) for p in pages) == sandbox.counts()["orders"]
    windows = {(r.url.params["start_date"], r.url.params["end_date"]) for r in seen
               if r.url.path.endswith("/orders/count")}
    spans = sorted((dt.datetime.fromisoformat(a), dt.datetime.fromisoformat(b)) for a, b in windows)
    assert len(spans) >= 8  # two years of history
    assert all(b <= window_end(a) for a, b in spans)
    assert any(b == window_end(a) for a, b in spans)  # full windows reach the third month, not 90 days


# ---------------------------------------------------------------- bad pages


def test_a_null_record_fails_its_page_with_words_naming_the_record(
        store: Store, sandbox: SandboxServer, shop: Shop) -> None:
    sandbox.faults.bad_record = 1
    result = run_sync(store, "sandbox", entities=["members"])
    assert result.status == "failed"
    status, kind, key, params = _failure(store)
    assert (status, kind, key) == ("failed", Kind.BAD_RESPONSE, "sync.bad_record")
    assert '"record": 1' in params and "customersprivacy" in params
    words = t(f"errors.{key}", "ko", **{"platform": "cafe24", "what": "/api/v2/admin/customersprivacy",
                                        "record": 1, "value": "null"})
    assert "1번째" in words and "저장하지 않았어요" in words
    with store.unit() as con:
        assert con.execute("SELECT count(*) FROM members").fetchone() == (0,)  # nothing of the page landed
    # The next sync, with the mall answering properly, takes every member.
    assert run_sync(store, "sandbox", entities=["members"]).status == "succeeded"


def test_a_wrong_typed_field_fails_its_page_naming_the_record_and_field(
        store: Store, sandbox: SandboxServer, shop: Shop) -> None:
    sandbox.faults.bad_record = 1
    sandbox.faults.bad_record_value = {"member_id": 10001, "created_date": "2025-01-01T00:00:00+09:00"}
    result = run_sync(store, "sandbox", entities=["members"])
    status, kind, key, params = _failure(store)
    assert (result.status, kind, key) == ("failed", Kind.BAD_RESPONSE, "sync.bad_field")
    assert '"field": "member_id"' in params and "record #1" in params
    with store.unit() as con:
        assert con.execute("SELECT count(*) FROM members WHERE member_key = '10001'").fetchone() == (0,)


def test_a_numeric_member_id_is_refused_so_no_phantom_member_appears() -> None:
    assert cafe24.member_id("shopper01", what="m") == "shopper01"
    assert cafe24.member_id(None, what="order", optional=True) is None
    with pytest.raises(cafe24.BadResponse) as caught:
        cafe24.member_id(12345, what="Cafe24 member record #3")
    assert caught.value.key == "sync.bad_field" and caught.value.params["field"] == "member_id"


# ---------------------------------------------------------------- tokens


def _refresher(secrets_path: str, shop: Shop, rounds: int, barrier: Any, out: Any) -> None:
    """One OS process: `rounds` times, wait for the other, then refresh as if the access token was refused."""
    os.environ["CONSOLE_SECRETS"] = secrets_path
    client = Cafe24Client(shop)
    taken = refreshed = 0
    try:
        for _ in range(rounds):
            refused = secrets.get(shop.shop_id)["access_token"]
            barrier.wait(timeout=30)
            before = client.refreshes
            client._refresh("test: the access token was refused", refused=refused)
            refreshed += client.refreshes - before
            taken += client.refreshes == before
            client.test_connection()  # the token in hand works
        out.put(("ok", refreshed, taken))
    except Exception as exc:  # reported to the test, which fails with it
        out.put(("error", repr(exc), 0))
    finally:
        client.close()


@pytest.mark.slow
def test_two_processes_refreshing_the_same_shop_never_send_a_spent_token(
        store: Store, sandbox: SandboxServer, shop: Shop, tmp_path: Path) -> None:
    ctx = multiprocessing.get_context("spawn")
    barrier, out = ctx.Barrier(2), ctx.Queue()
    plain = dataclasses.replace(shop)
    workers = [ctx.Process(target=_refresher, args=(str(tmp_path / "secrets.json"), plain, 50, barrier, out))
               for _ in range(2)]
    for w in workers:
        w.start()
    results = [out.get(timeout=150) for _ in workers]
    for w in workers:
        w.join(timeout=30)
    assert all(r[0] == "ok" for r in results), results
    refreshed = sum(r[1] for r in results)
    assert sandbox.spent_refresh_attempts == 0          # no request ever carried a spent refresh token
    assert refreshed == sandbox.refreshes >= 50          # one refresh per round, the other process took it
    stored = secrets.get("sandbox")["refresh_token"]
    assert set(sandbox.refresh_tokens) == {stored}       # the stored one is the newest, the only live one


class _Silent:
    """A loopback server that takes each request and closes without answering (an answer lost)."""

    def __init__(self) -> None:
        self.sock = socket.create_server(("127.0.0.1", 0))
        self.requests = 0
        threading.Thread(target=self._serve, daemon=True).start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.sock.getsockname()[1]}"

    def _serve(self) -> None:
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            with conn:
                if conn.recv(65536):
                    self.requests += 1

    def close(self) -> None:
        self.sock.close()


def test_a_refresh_whose_answer_was_lost_is_not_sent_again_and_asks_for_a_reconnection(
        store: Store, sandbox: SandboxServer, shop: Shop) -> None:
    silent = _Silent()
    try:
        lost = dataclasses.replace(shop, settings={**shop.settings, "base_url": silent.url})
        secrets.put("sandbox", access_token="")
        client = Cafe24Client(lost)
        try:
            with pytest.raises(AuthError) as first:
                client.test_connection()
            with pytest.raises(AuthError) as second:
                client.test_connection()
        finally:
            client.close()
        assert first.value.key == second.value.key == "sync.reconnect_needed"
        assert silent.requests == 1                        # the possibly spent token went out once, never again
        assert secrets.get("sandbox")["reconnect_needed"] is True
        assert "다시 연결 필요" in t("errors.sync.reconnect_needed", "ko")
        assert not is_authorized("sandbox")
    finally:
        silent.close()
    # Connecting the mall again clears the doubt and the shop syncs.
    connect_sandbox(store, sandbox.url)
    assert secrets.get("sandbox")["reconnect_needed"] is False
    assert run_sync(store, "sandbox", entities=["categories"]).status == "succeeded"


def test_a_spent_refresh_token_is_worded_as_reconnection_needed(
        store: Store, sandbox: SandboxServer, shop: Shop) -> None:
    spent = secrets.get("sandbox")["refresh_token"]
    client = Cafe24Client(shop)
    try:
        client._refresh("test", refused=secrets.get("sandbox")["access_token"])
        secrets.put("sandbox", refresh_token=spent, access_token="")  # an old copy of the file put back
        with pytest.raises(AuthError) as caught:
            client.test_connection()
    finally:
        client.close()
    assert caught.value.key == "sync.reconnect_needed"
    # The console's card says so: the shop needs the Cafe24 approval again, and the failure reads as such.
    words = console.explain_error(caught.value.record(), "members", "ko", "cafe24")
    assert words.startswith("다시 연결 필요") and "다시 연결하세요" in words
    assert not is_authorized("sandbox")
    assert console.shop_state({"platform": "cafe24", "shop_id": "sandbox", "enabled": True}) == "needs_authorization"
