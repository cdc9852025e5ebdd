"""The certificate page fetched over HTTP from the public endpoints on loopback: a valid, a revoked, an
expired and a made-up code, and product data that tries to inject HTML."""
from __future__ import annotations

import httpx
import pytest

from core import clock
from core.loyalty import jobs, warranty
from core.public import app as public
from tests.support import loyalty_world as lw

pytestmark = pytest.mark.timeout(60)


@pytest.fixture
def issued(store, fixed_clock):
    lw.seed(store)
    fixed_clock.set(lw.at(5))
    lw.configure(store, warranty={"detail_fields": [{"key": "소재", "label": "소재"}], "brand": "HARU",
                                  "extra_fields": [{"label": "A/S 문의", "value": "02-1234-5678"}]})
    lw.order(store, "o1", "m1", ["p-linen", "p-bag"], delivered_at=lw.at(10, 10))
    lw.order(store, "o2", "m3", ["p-tee"], delivered_at=lw.at(10, 10), options='<script>alert("x")</script>')
    fixed_clock.set(lw.at(10, 11))
    jobs.issue_all(store, clock.now())
    codes = {r["item_key"]: r["code"] for r in lw.rows(store, "SELECT item_key, code FROM warranties")}
    return store, codes


@pytest.fixture
def server(issued):
    store, _ = issued
    srv = public.start_in_thread(store, "127.0.0.1", 0)
    yield srv
    srv.stop()


def get(server, path: str) -> httpx.Response:
    return httpx.get(server.url + path, timeout=10)


def test_a_valid_certificate_shows_the_product_dates_period_and_masked_holder(issued, server):
    _, codes = issued
    page = get(server, f"/w/{codes['o1-1']}")
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    assert page.headers["cache-control"] == "no-store"
    body = page.text
    assert 'name="viewport" content="width=device-width, initial-scale=1"' in body
    for shown in ("HARU", "정품 보증서", "유효한 보증서", "프렌치 린넨 셔츠", "색상=아이보리, 사이즈=M",
                  "https://img.haru-shop.example/p-linen.jpg", "구매일", "2026.01.08", "배송완료일", "2026.01.10",
                  "2026.01.10 ~ 2027.01.09", "홍*동", "린넨 100%", "A/S 문의", "02-1234-5678", codes["o1-1"]):
        assert shown in body, shown
    assert "홍길동" not in body and "[당일발송]" not in body


def test_a_revoked_certificate_says_so_plainly(issued, server, fixed_clock):
    store, codes = issued
    fixed_clock.set(lw.at(12, 15))
    assert warranty.revoke(store, lw.SHOP, ["o1-2"], "반품 완료", now=clock.now()) == 1
    page = get(server, f"/w/{codes['o1-2']}")
    assert page.status_code == 200
    assert "취소된 보증서" in page.text and "2026.01.12에 발급이 취소되었습니다" in page.text
    assert "유효한 보증서" not in page.text
    assert "유효한 보증서" in get(server, f"/w/{codes['o1-1']}").text     # the other item of the order is intact


def test_made_up_and_malformed_codes_cannot_be_verified(server):
    for path in ("/w/Zm9yZ2VkLWNlcnRpZmljYXRl", "/w/short", "/w/..%2F..%2Fetc", "/w/" + "A" * 80):
        page = get(server, path)
        assert page.status_code == 404, path
        assert "확인할 수 없는 보증서" in page.text
    assert get(server, "/w/").status_code == 404


def test_customer_data_is_escaped_and_an_old_certificate_shows_expired(issued, server, fixed_clock):
    _, codes = issued
    body = get(server, f"/w/{codes['o2-1']}").text
    assert "<script>alert" not in body and "&lt;script&gt;alert" in body
    assert "남**수" in body
    fixed_clock.set(lw.at(10, 10).replace(year=2027, month=1, day=10))
    assert "보증기간이 끝난 보증서" in get(server, f"/w/{codes['o2-1']}").text


def test_the_page_is_judged_at_the_instant_it_is_given(issued):
    from core.public import certificates as certificate
    store, codes = issued
    row = warranty.find(store, codes["o1-1"])
    assert "유효한 보증서" in certificate.render(row, now=lw.at(11))
    assert "보증기간이 끝난 보증서" in certificate.render(row, now=lw.at(11).replace(year=2027, month=2))
    assert "미리보기" in certificate.render({**row, "code": certificate.PREVIEW_CODE}, now=lw.at(11))
