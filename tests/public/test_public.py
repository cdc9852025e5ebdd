"""The public endpoints over a real store and a real HTTP server on loopback."""
from __future__ import annotations

import datetime as dt
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from core import clock
from core.public import signing, tracking, unsubscribe
from core.public.app import PIXEL_GIF, start_in_thread
from core.public.links import tracking_context
from core.shops import registry as shops
from core.store import Store
from tests.conftest import python_env

pytestmark = pytest.mark.timeout(30)


@pytest.fixture
def public(store: Store):
    server = start_in_thread(store, "127.0.0.1", 0)
    try:
        with httpx.Client(base_url=server.url, follow_redirects=False, timeout=10) as client:
            yield client
    finally:
        server.stop()


def _path(url: str) -> str:
    """The path and query of a link built on PUBLIC_BASE_URL, to send to the test server."""
    return url[len(signing.public_base_url()):]


def _unsubscribes(store: Store) -> list[tuple]:
    with store.unit() as con:
        return con.execute("SELECT shop_id, member_key, channel, source FROM unsubscribes "
                           "ORDER BY member_key").fetchall()


def _events(store: Store) -> list[tuple]:
    with store.unit() as con:
        return con.execute("SELECT message_id, kind, url, user_agent FROM tracking_events "
                           "ORDER BY occurred_at, kind").fetchall()


def test_unsubscribe_page_then_confirm_writes_at_once(store: Store, public: httpx.Client, fixed_clock) -> None:
    shops.save_shop(store, "haru", "cafe24", "하루상점")
    link = unsubscribe.unsubscribe_url("haru", "haneul01")
    page = public.get(_path(link))
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    assert "수신거부" in page.text and "하루상점" in page.text and '<form method="post">' in page.text
    # Showing the page changes nothing: link scanners fetch links (RFC 8058).
    assert _unsubscribes(store) == []
    done = public.post(_path(link), data={"confirm": "1"})
    assert done.status_code == 200 and "수신거부가 완료되었습니다" in done.text
    assert _unsubscribes(store) == [("haru", "haneul01", "email", "link")]
    with store.unit() as con:
        assert con.execute("SELECT unsubscribed_at FROM unsubscribes").fetchone()[0] == fixed_clock.now()
    assert "이미 수신거부" in public.get(_path(link)).text


def test_one_click_post_unsubscribes_at_once_and_answers_200(store: Store, public: httpx.Client) -> None:
    link = unsubscribe.unsubscribe_url("haru", "minsu02")
    answer = public.post(_path(link), content=b"List-Unsubscribe=One-Click",
                         headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert answer.status_code == 200 and "location" not in answer.headers
    assert _unsubscribes(store) == [("haru", "minsu02", "email", "one-click")]
    # Multipart form data is allowed by RFC 8058 too; asking again keeps one row.
    again = public.post(_path(link), files={"List-Unsubscribe": (None, "One-Click")})
    assert again.status_code == 200
    assert _unsubscribes(store) == [("haru", "minsu02", "email", "one-click")]
    other = unsubscribe.unsubscribe_url("haru", "jiwoo03")
    assert public.post(_path(other), files={"List-Unsubscribe": (None, "One-Click")}).status_code == 200
    assert ("haru", "jiwoo03", "email", "one-click") in _unsubscribes(store)


def test_forged_or_tampered_unsubscribe_tokens_are_refused(store: Store, public: httpx.Client) -> None:
    token = unsubscribe.unsubscribe_token("haru", "haneul01")
    payload, signature = token.split(".")
    someone_else = unsubscribe.unsubscribe_token("haru", "admin").split(".")[0]
    flipped = signature[:-2] + ("AA" if signature[-2:] != "AA" else "BB")
    for bad in (f"{someone_else}.{signature}", f"{payload}.{flipped}", payload, "nothing-here", f"{payload}."):
        for answer in (public.get(f"/u/{bad}"),
                       public.post(f"/u/{bad}", content=b"List-Unsubscribe=One-Click",
                                   headers={"Content-Type": "application/x-www-form-urlencoded"})):
            assert answer.status_code == 400, bad
            assert answer.headers["content-type"].startswith("text/plain")
            assert "올바르지 않습니다" in answer.text
    assert _unsubscribes(store) == []


def test_open_pixel_records_an_open(store: Store, public: httpx.Client) -> None:
    links = tracking_context("msg-001", "haru", "haneul01")
    answer = public.get(_path(links["open_pixel_url"]), headers={"User-Agent": "TestMail/1.0"})
    assert answer.status_code == 200 and answer.headers["content-type"] == "image/gif"
    assert answer.content == PIXEL_GIF and "no-store" in answer.headers["cache-control"]
    assert _events(store) == [("msg-001", "open", None, "TestMail/1.0")]
    forged = _path(tracking.open_pixel_url("msg-002")).replace("msg-002", "msg-003")
    assert public.get(forged).status_code == 400
    assert public.get("/o/msg-001.gif").status_code == 400
    assert len(_events(store)) == 1


def test_click_is_recorded_and_redirected_only_where_the_message_pointed(store: Store, public: httpx.Client) -> None:
    url = "https://haru-shop.example/order/basket.html?recover=abc123&utm=메일"
    links = tracking_context("msg-010", "haru", "haneul01")
    tracked = links["tracked"](url)
    assert tracked.startswith(f"{signing.public_base_url()}/c/msg-010?")
    answer = public.get(_path(tracked))
    assert answer.status_code == 302
    assert httpx.URL(answer.headers["location"]) == httpx.URL(url)
    assert [e[:3] for e in _events(store)] == [("msg-010", "click", url)]

    # The same signature with another destination, or under another message: refused, no redirect.
    evil = httpx.URL(tracked).copy_set_param("u", "https://evil.example/")
    other_message = tracked.replace("/c/msg-010?", "/c/msg-011?")
    unsigned = httpx.URL(tracked).copy_remove_param("s")
    for bad in (evil, httpx.URL(other_message), unsigned):
        refused = public.get(_path(str(bad)))
        assert refused.status_code == 400 and "location" not in refused.headers
    assert len(_events(store)) == 1


def test_tracked_links_leave_our_own_links_alone(store_path: Path) -> None:
    links = tracking_context("msg-020", "haru", "haneul01")
    assert links["tracked"](links["unsubscribe_url"]) == links["unsubscribe_url"]
    once = links["tracked"]("https://haru-shop.example/")
    assert links["tracked"](once) == once
    assert links["tracked"]("mailto:help@haru-shop.example") == "mailto:help@haru-shop.example"


def test_signing_key_is_kept_in_the_secrets_file_under_console(store_path: Path) -> None:
    from core.shops import secrets
    url = unsubscribe.unsubscribe_url("haru", "haneul01")
    key = secrets.get("_console")["link_signing_key"]
    assert len(bytes.fromhex(key)) == 32
    assert key not in url
    assert oct(os.stat(store_path.with_name("secrets.json")).st_mode & 0o777) == "0o600"


def test_route_table_answers_unknown_paths_and_methods(public: httpx.Client) -> None:
    assert public.get("/").status_code == 404
    wrong = public.post("/o/msg.gif")
    assert wrong.status_code == 405 and wrong.headers["allow"] == "GET"


def test_public_command_serves(store_path: Path, store: Store) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    process = subprocess.Popen([sys.executable, "-m", "core", "public", "--port", str(port)],
                               env=python_env(store_path), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        link = unsubscribe.unsubscribe_url("haru", "cli01")
        deadline = time.monotonic() + 20
        while True:
            try:
                answer = httpx.post(f"http://127.0.0.1:{port}{_path(link)}", content=b"List-Unsubscribe=One-Click",
                                    headers={"Content-Type": "application/x-www-form-urlencoded"}, timeout=5)
                break
            except httpx.TransportError:
                if time.monotonic() > deadline or process.poll() is not None:
                    raise
                time.sleep(0.1)
        assert answer.status_code == 200
        assert _unsubscribes(store) == [("haru", "cli01", "email", "one-click")]
    finally:
        process.terminate()
        process.wait(timeout=10)


# ------------------------------------------------ attribution: clicks through the endpoint, orders in the store

def _sent(store: Store, message_id: str, automation_id: str, member_key: str | None, recipient: str,
          occurrence_key: str, sent_at: dt.datetime) -> None:
    with store.unit() as con:
        con.execute("""INSERT INTO outbox (message_id, idempotency_key, automation_id, shop_id, member_key,
                           occurrence_key, channel, recipient, state, became_true_at, due_at, attempts,
                           created_at, updated_at, sent_at)
                       VALUES (?, ?, ?, 'haru', ?, ?, 'email', ?, 'sent', ?, ?, 1, ?, ?, ?)""",
                    [message_id, f"{automation_id}:{occurrence_key}", automation_id, member_key, occurrence_key,
                     recipient] + [sent_at] * 5)


def _automation(store: Store, automation_id: str, trigger: str, now: dt.datetime) -> None:
    with store.unit() as con:
        con.execute("INSERT INTO automations (automation_id, shop_id, name, trigger, status, created_at, "
                    "updated_at) VALUES (?, 'haru', ?, ?, 'running', ?, ?)",
                    [automation_id, automation_id, trigger, now, now])


def _orders(store: Store, *rows: dict) -> None:
    from core.sync.engine import write_rows
    base = {"member_key": None, "email": None, "status": "paid", "cart_key": None}
    with store.unit() as con:
        write_rows(con, "haru", {"orders": [{**base, **r, "paid_at": r["ordered_at"]} for r in rows]}, clock.now())


def _click(public: httpx.Client, message_id: str, member_key: str | None) -> None:
    tracked = tracking_context(message_id, "haru", member_key or "guest")["tracked"](
        "https://haru-shop.example/product/1001")
    assert public.get(_path(tracked)).status_code == 302


def _credits(store: Store) -> dict[str, tuple[str, float]]:
    with store.unit() as con:
        return {o: (m, float(r)) for o, m, r in con.execute(
            "SELECT order_key, message_id, revenue FROM attributions ORDER BY order_key").fetchall()}


def test_orders_within_five_days_after_a_click_are_credited_once_to_the_last_clicked_message(
        store: Store, public: httpx.Client, fixed_clock) -> None:
    from core.automations import jobs
    from core.automations.attribution import attribute
    day = fixed_clock.now()  # 2026-01-10 09:00 KST
    shops.save_shop(store, "haru", "csv", "하루상점")
    _automation(store, "a-repurchase", "no_repurchase", day)
    _automation(store, "a-cart", "cart_abandoned", day)
    _sent(store, "m1", "a-repurchase", "haneul01", "haneul@example.com", "o-prev", day)
    _sent(store, "m2", "a-repurchase", "minsu02", "minsu@example.com", "o-prev2", day)
    _sent(store, "m3", "a-cart", None, "guest@example.com", "cart-9", day)
    _sent(store, "m4", "a-repurchase", "jiwoo03", "jiwoo@example.com", "o-prev3", day)  # sent, never clicked

    _click(public, "m1", "haneul01")          # day 0 09:00
    _click(public, "m3", None)
    fixed_clock.advance(days=3)
    _click(public, "m2", "minsu02")           # day 3 09:00
    _orders(store,
            {"order_key": "o-before", "member_key": "haneul01", "ordered_at": day - dt.timedelta(hours=1),
             "total_amount": 11000},                                            # before the click
            {"order_key": "o-in", "member_key": "haneul01", "ordered_at": day + dt.timedelta(days=2),
             "total_amount": 39000},                                            # 2 days after m1's click
            {"order_key": "o-cart", "email": "Guest@example.com", "cart_key": "cart-9",
             "ordered_at": day + dt.timedelta(hours=2), "total_amount": 64800},  # the guest's recovered cart
            {"order_key": "o-noclick", "member_key": "jiwoo03", "ordered_at": day + dt.timedelta(days=1),
             "total_amount": 5000})                                             # got m4, never clicked
    assert attribute(store, clock.now()) == 2
    assert _credits(store) == {"o-in": ("m1", 39000.0), "o-cart": ("m3", 64800.0)}

    # Day 3: haneul clicks a later message; then orders arrive, one at the window's very edge.
    _sent(store, "m5", "a-repurchase", "haneul01", "haneul@example.com", "o-in", day + dt.timedelta(days=3))
    _click(public, "m5", "haneul01")          # day 3 09:00
    fixed_clock.advance(days=3)  # day 6 09:00
    _orders(store,
            {"order_key": "o-late", "member_key": "haneul01", "ordered_at": day + dt.timedelta(days=5, hours=1),
             "total_amount": 25000},           # 5 d 1 h after m1 but 2 d 1 h after m5: the last click wins
            {"order_key": "o-edge", "member_key": "minsu02", "ordered_at": day + dt.timedelta(days=8),
             "total_amount": 7000})            # exactly 5 days after m2's click: still inside
    fixed_clock.advance(days=3)  # day 9: both orders have happened
    assert jobs.attribute(store, clock.now()) == 2          # the scheduler's job is the same function
    assert _credits(store)["o-late"] == ("m5", 25000.0) and _credits(store)["o-edge"] == ("m2", 7000.0)

    # Once: running again, or another click later, never credits an order twice or moves it.
    _click(public, "m2", "minsu02")
    assert attribute(store, clock.now()) == 0 and len(_credits(store)) == 4

    # Outside the window: 5 days and a minute after minsu's first click, with no click since day 9.
    _orders(store, {"order_key": "o-out", "member_key": "minsu02",
                    "ordered_at": fixed_clock.now() + dt.timedelta(days=5, minutes=1), "total_amount": 1000})
    fixed_clock.advance(days=6)
    assert attribute(store, clock.now()) == 0 and "o-out" not in _credits(store)

    # A cancelled order loses its credit: revenue is what the shop kept.
    _orders(store, {"order_key": "o-in", "member_key": "haneul01", "ordered_at": day + dt.timedelta(days=2),
                    "total_amount": 39000, "status": "cancelled"})
    attribute(store, clock.now())
    assert set(_credits(store)) == {"o-cart", "o-late", "o-edge"}
