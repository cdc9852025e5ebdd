"""The Integrations page shows a Cafe24 shop's webhook address, to paste into Cafe24's developer center: the
same address every time, at the public base URL, and one that the public endpoint takes."""
from __future__ import annotations

import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from core.public import webhooks
from core.shops.registry import save_shop
from core.store import Store
from tests.conftest import ROOT
from tests.support.apptest_support import rendered_text

pytestmark = pytest.mark.timeout(120)


def _page() -> AppTest:
    st.cache_data.clear()
    at = AppTest.from_file(str(ROOT / "pages" / "integrations.py"), default_timeout=60).run()
    assert not at.exception, at.exception
    return at


@pytest.mark.parametrize("lang, title, help_starts", [("ko", "웹훅 주소", "카페24 개발자센터"),
                                                      ("en", "Webhook address", "Paste this address")])
def test_a_cafe24_card_shows_its_webhook_address(store: Store, monkeypatch: pytest.MonkeyPatch, lang: str,
                                                 title: str, help_starts: str) -> None:
    monkeypatch.setenv("PUBLIC_BASE_URL", "https://crm.haru-shop.example")
    monkeypatch.setenv("CONSOLE_LANG", lang)
    save_shop(store, "haru", "cafe24", "하루상점", settings={"mall_id": "harushop"})
    save_shop(store, "wixshop", "wix", "윅스상점", settings={"site_id": "s1"})
    at = _page()
    text = rendered_text(at)
    assert title in text and help_starts in text
    [shown] = [c.value for c in at.code if "/hooks/cafe24/" in c.value]  # only the Cafe24 card has one
    assert shown == webhooks.address(store, "haru")                       # the same address every time
    assert shown.startswith("https://crm.haru-shop.example/hooks/cafe24/") and len(shown.rsplit("/", 1)[1]) >= 40
    assert webhooks.address(store, "wixshop") != shown                    # each shop its own
