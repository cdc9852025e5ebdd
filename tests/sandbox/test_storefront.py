"""The sandbox storefront over real HTTP: the recovery links the product keeps for sandbox carts, tracked
clicks through the public endpoints, product pages, "주문하기", and a Korean 404 page."""
from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import httpx
import pytest

from core import clock
from core.public import tracking
from core.public.app import start_in_thread
from core.sandbox.server import SandboxServer
from core.sandbox.setup import connect_sandbox
from core.store import Store
from core.sync.jobs import run_sync
from tests.support.browser_support import chromium, launched  # noqa: F401 (fixture)

pytestmark = pytest.mark.timeout(120)

SHOTS = Path("/tmp/sandbox")


@pytest.fixture
def sandbox(fixed_clock: clock.FixedClock) -> SandboxServer:
    server = SandboxServer(400, 7, start=fixed_clock.now(), rate_limit=False, frozen=True, pace="lively")
    yield server
    server.stop()


@pytest.fixture
def synced(store: Store, sandbox: SandboxServer) -> Store:
    """The sandbox connected and synced, three hours into its lively life (carts left behind by then)."""
    sandbox.advance(hours=3)
    connect_sandbox(store, sandbox.url)
    assert run_sync(store, "sandbox").status == "succeeded"
    return store


def _open_cart(store: Store) -> tuple[str, str, list[tuple[str, int]]]:
    with store.unit() as con:
        key, url = con.execute("""SELECT cart_key, recovery_url FROM carts WHERE order_key IS NULL
                                  ORDER BY last_activity_at DESC LIMIT 1""").fetchone()
        items = con.execute("SELECT name, quantity FROM cart_items WHERE cart_key = ? ORDER BY line_no",
                            [key]).fetchall()
    return key, url, items


def _won(amount: float) -> str:
    return f"{int(round(amount)):,}원"


def test_a_stored_recovery_link_opens_the_cart_with_its_items_and_an_order_button(synced: Store) -> None:
    _, url, items = _open_cart(synced)
    page = httpx.get(url)
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    assert '<html lang="ko">' in page.text and "님의 장바구니" in page.text
    for name, quantity in items:
        assert name in page.text.replace("&amp;", "&") and f"{quantity}개" in page.text
    assert "주문하기" in page.text
    for src in re.findall(r'<img src="([^"]+)"', page.text):
        assert httpx.get(src).status_code == 200   # the item images load too


def test_a_tracked_click_on_the_recovery_link_lands_on_the_cart_page(
        synced: Store, monkeypatch: pytest.MonkeyPatch) -> None:
    public = start_in_thread(synced, port=0)
    try:
        monkeypatch.setenv("PUBLIC_BASE_URL", public.url)
        _, url, _ = _open_cart(synced)
        page = httpx.get(tracking.click_url("msg-cart-1", url), follow_redirects=True)
        assert page.status_code == 200 and str(page.url) == url and "주문하기" in page.text
        with synced.unit() as con:
            assert con.execute("SELECT url FROM tracking_events WHERE kind = 'click'").fetchall() == [(url,)]
    finally:
        public.stop()


def test_a_product_page_shows_its_name_price_image_and_category(synced: Store, sandbox: SandboxServer) -> None:
    with synced.unit() as con:
        key, name, price, image = con.execute("""SELECT product_key, name, price, image_url FROM products
                                                 ORDER BY product_key LIMIT 1""").fetchone()
    page = httpx.get(f"{sandbox.url}/product/detail.html", params={"product_no": key})
    assert page.status_code == 200
    text = page.text.replace("&amp;", "&")
    assert name in text and _won(float(price)) in text and f'src="{image}"' in text
    assert "품질보증기간" in text and " › " in text   # the details, and the category path
    assert httpx.get(image).headers["content-type"] == "image/svg+xml"
    home = httpx.get(f"{sandbox.url}/")
    links = re.findall(r'href="(/product/detail\.html\?product_no=\d+)"', home.text)
    assert home.status_code == 200 and len(links) == 24     # the newest products, each a page that opens
    assert all(httpx.get(sandbox.url + link).status_code == 200 for link in links[:3])


@pytest.mark.parametrize("path", ["/no/such/page", "/product/detail.html?product_no=999999",
                                  "/product/detail.html?product_no=abc", "/order/basket.html?cart_no=999999",
                                  "/order/order_result.html?order_id=20260101-0000001"])
def test_what_does_not_exist_answers_a_korean_404_page(sandbox: SandboxServer, path: str) -> None:
    page = httpx.get(sandbox.url + path)
    assert page.status_code == 404 and page.headers["content-type"].startswith("text/html")
    assert "페이지를 찾을 수 없어요" in page.text and 'href="/"' in page.text


def test_the_admin_api_keeps_its_json_errors(sandbox: SandboxServer) -> None:
    answer = httpx.get(f"{sandbox.url}/api/v2/no-such-thing")
    assert answer.status_code == 404 and answer.json()["error"]["code"] == 404


def test_ordering_a_cart_places_an_order_the_next_sync_brings_in(synced: Store, sandbox: SandboxServer) -> None:
    key, url, items = _open_cart(synced)
    placed = httpx.post(url, follow_redirects=False)
    assert placed.status_code == 303
    done = httpx.get(sandbox.url + placed.headers["Location"])
    assert done.status_code == 200 and "주문이 완료됐어요" in done.text
    order_id = re.search(r"주문번호 <strong>([0-9-]+)</strong>", done.text).group(1)
    again = httpx.get(url)
    assert "이미 주문한 장바구니예요" in again.text and order_id in again.text and "<form" not in again.text
    assert httpx.post(url, follow_redirects=False).headers["Location"] == placed.headers["Location"]

    sandbox.advance(minutes=1)
    assert run_sync(synced, "sandbox").status == "succeeded"
    with synced.unit() as con:
        # Cafe24's carts name no order: the order is the cart's member's, placed after its last activity
        # (what the abandoned-cart trigger and the carts page read as recovered).
        (member, last), = con.execute("SELECT member_key, last_activity_at FROM carts WHERE cart_key = ?",
                                      [key]).fetchall()
        (buyer, ordered), = con.execute("SELECT member_key, ordered_at FROM orders WHERE order_key = ?",
                                        [order_id]).fetchall()
        lines = con.execute("SELECT count(*) FROM order_items WHERE order_key = ?", [order_id]).fetchone()[0]
    assert buyer == member and ordered >= last and lines == len(items)


@pytest.mark.browser
def test_the_storefront_pages_in_chromium(chromium, synced: Store, sandbox: SandboxServer) -> None:  # noqa: F811
    from playwright.sync_api import expect

    SHOTS.mkdir(parents=True, exist_ok=True)
    _, url, items = _open_cart(synced)
    with synced.unit() as con:
        (product,) = con.execute("SELECT product_key FROM products ORDER BY product_key LIMIT 1").fetchone()
    with launched(chromium) as browser:
        for label, viewport in (("desktop", {"width": 1280, "height": 900}),
                                ("phone", {"width": 390, "height": 844})):
            page = browser.new_page(viewport=viewport, locale="ko-KR")
            page.goto(f"{sandbox.url}/product/detail.html?product_no={product}")
            expect(page.get_by_role("heading", level=1)).to_be_visible()
            page.screenshot(path=str(SHOTS / f"product-{label}.png"), full_page=True)
            page.goto(url)
            expect(page.get_by_text("님의 장바구니")).to_be_visible()
            expect(page.get_by_text(items[0][0], exact=True).first).to_be_visible()
            page.screenshot(path=str(SHOTS / f"cart-{label}.png"), full_page=True)
            if label == "phone":
                page.get_by_role("button", name="주문하기").click()
                expect(page.get_by_role("heading", name="주문이 완료됐어요")).to_be_visible()
                page.screenshot(path=str(SHOTS / "ordered-phone.png"), full_page=True)
                page.goto(f"{sandbox.url}/no/such/page")
                expect(page.get_by_role("heading", name="페이지를 찾을 수 없어요")).to_be_visible()
                page.screenshot(path=str(SHOTS / "missing-phone.png"), full_page=True)
            else:
                page.goto(f"{sandbox.url}/")
                expect(page.get_by_role("heading", name="지금 판매 중인 상품")).to_be_visible()
                page.screenshot(path=str(SHOTS / "home-desktop.png"))
            page.close()
    assert dt.datetime.now(dt.UTC)  # the screenshots are looked at by people; the checks above are the test
