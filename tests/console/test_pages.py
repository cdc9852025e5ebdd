"""The console's Overview and Integrations pages and app.py's sidebar, run under Streamlit's AppTest
against a real store file filled through the real sync engine."""
from __future__ import annotations

import datetime as dt
import json
import socket
import subprocess
import sys
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from streamlit.testing.v1 import AppTest

from core import i18n
from core.__main__ import status_report as status_overview
from core.console import integrations as connections
from core.console import overview as ov
from core.errors import ErrorRecord
from core.integrations.base import AuthError, BadResponse, Page
from core.integrations.http import PlatformHTTP
from core.integrations.naver import _json_or_error as naver_json_or_error
from core.scheduler import heartbeat
from core.shops import secrets
from core.shops.registry import save_shop
from core.store import Store
from core.sync.engine import sync_shop
from tests.conftest import ROOT, python_env
from tests.support.apptest_support import rendered_text

pytestmark = pytest.mark.timeout(120)

SHOP = "demo"
NOT_JSON = "the shop answered something that is not JSON (text/html) for /api/v2/admin/customers"


class RecordsClient:
    """A ShopClient handing the sync engine fixed pages: the records a shop would send.

    With `fail_on`, that entity fails the way a platform answering garbage does.
    """

    platform = "cafe24"
    entities = ("members", "orders", "carts")

    def __init__(self, rows: dict[str, dict[str, list[dict[str, Any]]]], fail_on: str | None = None) -> None:
        self.rows, self.fail_on = rows, fail_on

    def pages(self, entity: str, cursor: dict[str, Any] | None) -> Iterator[Page]:
        if entity == self.fail_on:
            raise BadResponse("sync.not_json", platform="cafe24", detail=NOT_JSON)
        yield Page(rows=self.rows[entity], cursor={"done": True})

    def close(self) -> None:
        pass


def shop_records(now: dt.datetime) -> dict[str, dict[str, list[dict[str, Any]]]]:
    """3 members (2 new in 30 days); 5 orders, 4 in 30 days, revenue 90,000 (75,000 in 30 days);
    carts: 1 open (active 10 minutes ago), 2 abandoned, 1 ordered."""
    ago = lambda **kw: now - dt.timedelta(**kw)  # noqa: E731
    members = [
        {"member_key": "m1", "email": "kim@example.kr", "name": "김민지", "signed_up_at": ago(days=3)},
        {"member_key": "m2", "email": "lee@example.kr", "name": "이서준", "signed_up_at": ago(days=12)},
        {"member_key": "m3", "email": "park@example.kr", "name": "박지우", "signed_up_at": ago(days=100)},
    ]

    def order(key: str, status: str, amount: int, days: int) -> dict[str, Any]:
        paid = None if status == "pending" else ago(days=days)
        return {"order_key": key, "member_key": "m1", "status": status, "ordered_at": ago(days=days),
                "paid_at": paid, "total_amount": amount, "currency": "KRW"}

    orders = [order("o1", "paid", 30_000, 2), order("o2", "delivered", 45_000, 5),
              order("o3", "cancelled", 20_000, 3), order("o4", "pending", 10_000, 1),
              order("o5", "confirmed", 15_000, 60)]
    items = [{"item_key": f"{o['order_key']}-1", "order_key": o["order_key"], "product_name": "린넨 셔츠",
              "quantity": 1, "unit_price": o["total_amount"], "status": o["status"]} for o in orders]

    def cart(key: str, status: str, minutes: int, order_key: str | None = None) -> dict[str, Any]:
        return {"cart_key": key, "member_key": "m2", "email": "lee@example.kr", "status": status,
                "total_amount": 39_000, "last_activity_at": ago(minutes=minutes), "order_key": order_key}

    carts = [cart("c1", "open", 10), cart("c2", "open", 180), cart("c3", "open", 2 * 24 * 60),
             cart("c4", "ordered", 24 * 60, "o1")]
    return {"members": {"members": members}, "orders": {"orders": orders, "order_items": items},
            "carts": {"carts": carts}}


def fill_store(store: Store, now: dt.datetime, *, failed_sync: bool = True) -> None:
    """A connected Cafe24 shop with records brought in by a real sync 10 minutes before `now`,
    then (optionally) a sync that failed 5 minutes before `now`."""
    from core import clock
    save_shop(store, SHOP, "cafe24", "데모 쇼핑몰", settings={"mall_id": "demomall", "client_id": "demo-client"})
    rows = shop_records(now)
    previous = clock.get_clock()
    try:
        clock.set_clock(clock.FixedClock(now - dt.timedelta(minutes=10)))
        assert sync_shop(store, SHOP, RecordsClient(rows), started_by="scheduler").status == "succeeded"
        if failed_sync:
            clock.set_clock(clock.FixedClock(now - dt.timedelta(minutes=5)))
            result = sync_shop(store, SHOP, RecordsClient(rows, fail_on="members"), started_by="scheduler")
            assert result.status == "failed"
    finally:
        clock.set_clock(previous)


def app() -> AppTest:
    return AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)


def metric_values(at: AppTest) -> dict[str, str]:
    return {m.label: m.value for m in at.metric}


# ---- the plain functions the pages call ------------------------------------------------------

def test_summary_counts_paid_revenue_and_abandoned_carts(store, fixed_clock):
    fill_store(store, fixed_clock.now())
    s = ov.summary(store, SHOP)
    assert (s["members"], s["members_recent"]) == (3, 2)
    assert (s["orders"], s["orders_recent"]) == (5, 4)
    assert (s["revenue"], s["revenue_recent"]) == (90_000, 75_000)  # cancelled and pending left out
    assert (s["carts_open"], s["carts_abandoned"]) == (1, 2)
    assert ov.summary(store, "another-shop")["members"] == 0

    by_day = ov.orders_by_day(store, SHOP)
    assert by_day.height == 30 and by_day["orders"].sum() == 4
    two_days_ago = (fixed_clock.now() - dt.timedelta(days=2)).astimezone(dt.timezone(dt.timedelta(hours=9))).date()
    assert by_day.filter(by_day["day"] == two_days_ago).row(0, named=True) == {
        "day": two_days_ago, "orders": 1, "revenue": 30_000.0}


def test_runs_errors_and_shops(store, fixed_clock):
    fill_store(store, fixed_clock.now())
    runs = ov.sync_history(store, SHOP)
    assert [r["status"] for r in runs] == ["failed", "succeeded"]
    errors = ov.open_errors(store)
    assert len(errors) == 1 and errors[0]["error"] == NOT_JSON and errors[0]["entity"] == "members"
    [shop] = ov.shops(store)
    assert shop["counts"] == {"members": 3, "orders": 5, "products": 0, "categories": 0, "carts": 4}
    assert shop["last_run"]["status"] == "failed" and shop["last_success_at"] == runs[1]["finished_at"]
    # A later success settles the error.
    sync_shop(store, SHOP, RecordsClient(shop_records(fixed_clock.now())))
    assert ov.open_errors(store) == []

    status = json.loads(json.dumps(status_overview(store), default=str))
    assert status["totals"]["members"] == 3 and status["shops"][0]["shop_id"] == SHOP
    assert status["scheduler"] == {"alive": False, "heartbeat": None}


def test_errors_are_explained_in_plain_words():
    """Each failure is explained by its kind and key as the engine records them, never by its message's words."""
    def explained(exc: BaseException, *args: Any) -> str:
        return connections.explain_error(ErrorRecord.of(exc), *args)

    def raised(call: Any) -> BaseException:
        try:
            call()
        except Exception as exc:
            return exc
        raise AssertionError("nothing was raised")

    bad = BadResponse("sync.not_json", platform="cafe24", detail=NOT_JSON)
    assert explained(bad, None, "ko").startswith("쇼핑몰이 읽을 수 없는 응답을 보냈습니다")
    assert connections.explain_error(ErrorRecord.of(bad), "members", "ko").endswith("회원 단계에서 멈췄습니다.")
    refused_token = AuthError("sync.authorization_spent", platform="cafe24", status=400,
                              detail="the refresh token was refused (invalid_grant)")
    assert explained(refused_token, None, "ko").startswith(i18n.t("error.auth", "ko"))
    # A refused connection and a timeout, as a platform's HTTP raises them: the network words.
    with socket.socket() as closed:
        closed.bind(("127.0.0.1", 0))
        port = closed.getsockname()[1]
    http = PlatformHTTP("cafe24", f"http://127.0.0.1:{port}", max_retries=0)
    refused = raised(lambda: http.request("GET", "/api/v2/admin/store"))
    http.close()
    assert ErrorRecord.of(refused).kind == "unreachable" and ErrorRecord.of(refused).key == "sync.connection_refused"
    assert explained(refused, None, "ko").startswith(i18n.t("error.network", "ko"))
    with socket.socket() as silent:  # accepts, never answers
        silent.bind(("127.0.0.1", 0))
        silent.listen()
        http = PlatformHTTP("cafe24", f"http://127.0.0.1:{silent.getsockname()[1]}", timeout=0.2, max_retries=0)
        timed_out = raised(lambda: http.request("GET", "/api/v2/admin/store"))
        http.close()
    assert ErrorRecord.of(timed_out).key == "sync.timeout"
    assert explained(timed_out, None, "en").startswith(i18n.t("error.network", "en"))
    # A 401, in the platform's own words for refused credentials.
    unauthorized = raised(lambda: naver_json_or_error(httpx.Response(401, json={"code": "GW.AUTHN"}), "/v1/x"))
    assert ErrorRecord.of(unauthorized).kind == "auth"
    assert explained(unauthorized, None, "ko", "naver").startswith(
        "네이버 커머스API가 애플리케이션 ID·시크릿을 거부했습니다")
    interrupted = ErrorRecord("internal", "sync.interrupted", {}, "interrupted: the process running this sync ended")
    assert connections.explain_error(interrupted, None, "ko") == i18n.t("error.interrupted", "ko")
    # A run recorded before kinds were stored: the general words.
    old = {"error": "timed out after 3 tries", "error_kind": None, "error_key": None, "error_params": None}
    assert connections.explain_error(connections.run_error(old), None, "ko") == i18n.t("error.other", "ko")


def test_form_input_is_checked():
    assert connections.validate_url(" http://127.0.0.1:8624/ ") == "http://127.0.0.1:8624"
    for bad in ("127.0.0.1:8624", "ftp://x", "http://"):
        with pytest.raises(connections.InvalidInput) as caught:
            connections.validate_url(bad)
        assert caught.value.key == "shops.invalid_url"
    assert connections.validate_mall_id("MyShop") == "myshop"
    with pytest.raises(connections.InvalidInput):
        connections.validate_mall_id("my shop!")
    assert connections.redirect_uri({"PUBLIC_BASE_URL": "https://crm.example.kr/"}) == \
        "https://crm.example.kr/oauth/cafe24/callback"
    assert connections.redirect_uri({"CONSOLE_PORT": "8600"}) == "http://127.0.0.1:8600/oauth/cafe24/callback"
    with pytest.raises(connections.InvalidInput):
        connections.redirect_uri({"PUBLIC_BASE_URL": "crm.example.kr"})
    returned = "https://crm.example.kr/oauth/cafe24/callback?code=AbC123xyz&state=s1"
    assert connections.parse_code(returned, "s1") == "AbC123xyz"
    assert connections.parse_code("AbC123xyz", "s1") == "AbC123xyz"
    with pytest.raises(connections.InvalidInput) as caught:
        connections.parse_code(returned, "another-state")
    assert caught.value.key == "shops.state_mismatch"
    with pytest.raises(connections.InvalidInput):
        connections.parse_code("https://crm.example.kr/oauth/cafe24/callback?error=access_denied", "s1")


def test_sync_progress_moves_forward_and_never_claims_done():
    progress = connections.SyncProgress()
    seen = [progress.update(entity, records, pages) for entity, records, pages in
            [("categories", 10, 1), ("products", 100, 1), ("products", 200, 2), ("members", 5000, 50),
             ("orders", 3790, 37), ("carts", 100, 1)]]
    assert seen == sorted(seen) and 0 < seen[0] and seen[-1] < 1


def test_every_word_has_both_languages():
    assert i18n.missing_keys() == {}
    assert i18n.t("term.abandoned_cart") == "방치된 카트"
    assert i18n.t("term.abandoned_cart", "en") == "Abandoned cart"
    assert i18n.t("overview.members_new", "en", n=2) == "+2 in 30 days"


# ---- the pages under AppTest -----------------------------------------------------------------

def test_overview_shows_the_shop_in_korean_then_english(store, fixed_clock):
    fill_store(store, fixed_clock.now())
    at = app().run()
    assert not at.exception
    assert at.title[0].value == "개요"
    assert at.sidebar.selectbox[0].value == SHOP
    values = metric_values(at)
    assert values["회원"] == "3"
    assert values["주문"] == "5"
    # a Korean page prints prices as Korean shops do ("90,000원")
    assert values["매출 (결제 완료)"] == "90,000원"
    assert values["방치된 카트"] == "2"
    assert values["진행 중인 장바구니"] == "1"
    assert values["마지막 동기화"] == "5분 전"  # the failed run
    # The standing sync error, in plain words and with its detail.
    [error] = at.error
    assert "읽을 수 없는 응답" in error.value and "회원 단계에서 멈췄습니다" in error.value and NOT_JSON in error.value
    assert len(at.get("vega_lite_chart")) == 1  # orders by day

    at.sidebar.radio(key="language_switch").set_value("en").run()
    assert not at.exception
    assert at.title[0].value == "Overview"
    values = metric_values(at)
    assert values["Members"] == "3" and values["Revenue (paid)"] == "₩90,000"
    assert "cannot read" in at.error[0].value


def test_overview_empty_store_tells_a_newcomer_what_to_do(store):
    at = app().run()
    assert not at.exception
    text = rendered_text(at)
    assert "처음 오셨나요?" in text and "연동 관리" in text and "지금 동기화" in text
    assert not at.metric
    assert "연결된 쇼핑몰이 없습니다" in at.sidebar.caption[0].value


def test_sidebar_warns_when_no_scheduler_runs(store, store_path, fixed_clock):
    fill_store(store, fixed_clock.now(), failed_sync=False)
    at = app().run()
    assert "스케줄러가 아직 한 번도 실행되지 않았습니다" in at.sidebar.warning[0].value

    # A real scheduler run (--once) leaves a heartbeat that says it stopped.
    done = subprocess.run([sys.executable, "-m", "core", "scheduler", "--once"], cwd=ROOT,
                          env=python_env(store_path), capture_output=True, text=True, timeout=60)
    assert heartbeat.read(store_path)["state"] == "stopped", done.stderr
    at = app().run()
    assert "스케줄러가 멈췄습니다" in at.sidebar.warning[0].value

    # A heartbeat written now by a running scheduler: alive, with its next jobs.
    heartbeat.write(store_path, started_at=fixed_clock.now(), now=fixed_clock.now(),
                    next_jobs=[{"job": "sync:demo", "next_due_at": (fixed_clock.now() + dt.timedelta(minutes=12))
                                .isoformat(), "last_status": "ok", "last_error": ""}])
    at = app().run()
    assert not at.sidebar.warning
    assert at.sidebar.success[0].value == "스케줄러 실행 중"
    assert any("demo 동기화 · 12분 뒤" in c.value for c in at.sidebar.caption)


def test_integrations_lists_the_shop_with_its_last_error(store, fixed_clock):
    fill_store(store, fixed_clock.now())
    at = app().run()
    at.switch_page("pages/integrations.py").run()
    assert not at.exception
    assert at.title[0].value == "연동 관리"
    assert at.subheader[0].value == "데모 쇼핑몰 · Cafe24"
    values = metric_values(at)
    assert values["회원"] == "3" and values["주문"] == "5"
    [error] = at.error
    assert error.value.startswith("**마지막 오류** — 쇼핑몰이 읽을 수 없는 응답을 보냈습니다")
    assert NOT_JSON in error.value
    history = at.dataframe[0].value
    assert list(history["상태"]) == ["실패", "성공"] and list(history["건수"]) == [0, 12]


def test_cafe24_secret_is_stored_and_never_shown_back(store, fixed_clock):
    secret = "s3cr3t-Cafe24-client-secret-value"
    at = app().run()
    at.switch_page("pages/integrations.py").run()
    form = {ti.label: ti for ti in at.text_input}
    form["쇼핑몰 ID (mall id)"].input("mymall")
    form["Client ID"].input("my-client-id")
    form["Client Secret"].input(secret)
    [save] = [b for b in at.button if b.label == "저장하고 인증 링크 만들기"]
    save.click().run()
    assert not at.exception

    assert secrets.get("mymall")["client_secret"] == secret  # only in the secrets file
    with store.unit() as con:
        assert secret not in json.dumps(con.execute("SELECT * FROM shops").fetchall(), default=str)
    assert [s["settings"] for s in ov.shops(store)] == [{"mall_id": "mymall", "client_id": "my-client-id"}]
    assert "mymall" in rendered_text(at) and at.sidebar.selectbox[0].value == "mymall"
    assert secret not in rendered_text(at)
    assert at.session_state["cafe24_client_secret"] == ""  # the form was emptied after the save

    # Saving again without a secret keeps the saved one; the field stays empty.
    form = {ti.label: ti for ti in at.text_input}
    form["쇼핑몰 ID (mall id)"].input("mymall")
    form["Client ID"].input("my-client-id-2")
    [save] = [b for b in at.button if b.label == "저장하고 인증 링크 만들기"]
    save.click().run()
    assert secrets.get("mymall") == {"client_id": "my-client-id-2", "client_secret": secret}
    assert secret not in rendered_text(at)


def test_bad_form_input_is_named_and_nothing_is_saved(store):
    at = app().run()
    at.switch_page("pages/integrations.py").run()
    form = {ti.label: ti for ti in at.text_input}
    form["쇼핑몰 ID (mall id)"].input("my shop!")
    form["Client ID"].input("cid")
    form["Client Secret"].input("secret-value-123")
    [save] = [b for b in at.button if b.label == "저장하고 인증 링크 만들기"]
    save.click().run()
    assert "카페24 쇼핑몰 ID는 영문 소문자와 숫자로 된 값이어야 합니다" in at.error[0].value
    assert ov.shops(store) == [] and secrets.load_all() == {}
    assert at.session_state["cafe24_client_id"] == "cid"  # what was typed is kept for the fix

    # The sandbox form refuses an address that is not a URL before trying to reach it.
    form = {ti.label: ti for ti in at.text_input}
    form["샌드박스 주소"].input("127.0.0.1:8624")
    [connect] = [b for b in at.button if b.label == "샌드박스 연결"]
    connect.click().run()
    assert "주소는 http:// 또는 https://로 시작해야 합니다" in at.error[0].value
    assert ov.shops(store) == []
