"""A block e-mail as a member gets it, opened in headless Chromium at a phone's width (375 px) and at
desktop width (600 px): nothing overflows sideways on the phone, the images load and the button fits.
Screenshots go to /tmp/blocks/ for a person to look at."""
from __future__ import annotations

import struct
import zlib
from pathlib import Path

import pytest

from core.messaging import blocks
from core.messaging.templates import render_email, sample_context
from tests.support.browser_support import chromium, launched  # noqa: F401

pytestmark = [pytest.mark.slow, pytest.mark.timeout(120)]
SHOTS = Path("/tmp/blocks")
SENDER = {"sender_name": "하루상점", "sender_email": "hello@haru-shop.example",
          "sender_contact": "서울특별시 마포구 월드컵북로 12, 02-1234-5678"}


def png(width: int, height: int, rgb: tuple[int, int, int]) -> bytes:
    """A solid-colour PNG, so the mail's image addresses answer with a real image offline."""
    row = b"\x00" + bytes(rgb) * width
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(row * height)) + chunk(b"IEND", b""))


def mail_html() -> str:
    document = blocks.starter_document("purchased")
    document["blocks"][2:2] = [
        {"type": "image", "src": "https://images.haru-shop.example/banner.png", "alt": "봄 신상품"},
        {"type": "coupon", "code": "WELCOME-2026-SPRING", "text": "다음 주문에 쓸 수 있는 10% 할인 쿠폰이에요."},
        {"type": "products", "source": "chosen", "title": "함께 보면 좋은 상품", "products": [
            {"name": "아주 긴 상품 이름이 들어가도 화면 밖으로 넘치지 않아야 하는 리넨 앞치마 "
                     "(내추럴 베이지, 프리사이즈)",
             "price": 19000, "image_url": "https://images.haru-shop.example/p9.png"}]},
    ]
    context = sample_context("purchased")
    context["member"]["name"] = "<script>document.title='pwned'</script>김하늘"
    for item in context["order"]["items"]:
        item["image_url"] = item["image_url"].replace(".jpg", ".png")
    html = blocks.compile_html(document, "purchased")
    rendered = render_email({"subject": "주문 감사", "html": html}, context, advertising=True, sender=SENDER)
    return rendered.html


def test_the_block_mail_fits_a_phone_and_a_desktop(chromium, tmp_path):  # noqa: F811
    SHOTS.mkdir(parents=True, exist_ok=True)
    html = mail_html()
    image = png(120, 120, (205, 180, 150))
    with launched(chromium) as browser:
        for width in (375, 600):
            page = browser.new_page(viewport={"width": width, "height": 900})
            page.route("https://images.haru-shop.example/**",
                       lambda route: route.fulfill(status=200, content_type="image/png", body=image))
            page.route("https://crm.haru-shop.example/**", lambda route: route.fulfill(status=204))
            page.set_content(html, wait_until="load")
            page.screenshot(path=str(SHOTS / f"purchased-{width}.png"), full_page=True)
            overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
            assert overflow <= 0, f"{overflow}px sideways overflow at {width}px"
            assert page.title() != "pwned" and "<script>document.title" in page.inner_text("body")
            broken = page.evaluate("[...document.images].filter(i => i.naturalWidth === 0 && i.width > 1)"
                                   ".map(i => i.src)")
            assert broken == []
            button = page.get_by_role("link", name="쇼핑 계속하기").bounding_box()
            assert button and button["x"] >= 0 and button["x"] + button["width"] <= width
            assert page.get_by_text("WELCOME-2026-SPRING").is_visible()
            assert page.get_by_role("link", name="수신거부").is_visible()
            page.close()
