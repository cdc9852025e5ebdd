"""Link signatures: one meaning per signature, links already sent still open, forgeries refused."""
from __future__ import annotations

import json
from pathlib import Path
from urllib.parse import quote, urlencode

import httpx
import pytest

from core.errors import InvalidInput, Kind
from core.public import signing, tracking, unsubscribe
from core.public.app import start_in_thread
from core.public.signing import BadSignature, Purpose
from core.store import Store

pytestmark = pytest.mark.timeout(30)


@pytest.fixture
def public(store: Store):
    server = start_in_thread(store, "127.0.0.1", 0)
    try:
        with httpx.Client(base_url=server.url, follow_redirects=False, timeout=10) as client:
            yield client
    finally:
        server.stop()


def _legacy_unsubscribe_token(shop_id: str, member_key: str) -> str:
    """An unsubscribe token as links already sent carry it: the same payload, the NUL-joined signature."""
    payload = signing.b64url(json.dumps([shop_id, member_key], ensure_ascii=False,
                                        separators=(",", ":")).encode("utf-8"))
    return f"{payload}.{signing.legacy_signature(Purpose.UNSUBSCRIBE, shop_id, member_key)}"


def test_inputs_that_shared_a_nul_joined_signature_now_sign_differently(store_path: Path) -> None:
    first, second = ("m-1\x00https://a.example/", "x"), ("m-1", "https://a.example/\x00x")
    assert signing.legacy_signature(Purpose.CLICK, *first) == signing.legacy_signature(Purpose.CLICK, *second)
    assert signing.sign(Purpose.CLICK, *first) != signing.sign(Purpose.CLICK, *second)
    signing.verify(signing.sign(Purpose.CLICK, *first), Purpose.CLICK, *first)
    with pytest.raises(BadSignature):
        signing.verify(signing.sign(Purpose.CLICK, *first), Purpose.CLICK, *second)
    # The legacy form is not accepted where it is ambiguous, for either reading.
    for parts in (first, second):
        with pytest.raises(BadSignature):
            signing.verify(signing.legacy_signature(Purpose.CLICK, *parts), Purpose.CLICK, *parts)
    # Nor across purposes: an open's signature never passes as a click's or an unsubscribe's.
    opened = signing.sign(Purpose.OPEN, "m-1")
    with pytest.raises(BadSignature):
        signing.verify(opened, Purpose.UNSUBSCRIBE, "m-1")
    assert signing.sign(Purpose.UNSUBSCRIBE, "haru", "m1") != signing.sign(Purpose.CLICK, "haru", "m1")


def test_new_links_are_not_signed_the_legacy_way(store_path: Path) -> None:
    link = httpx.URL(tracking.click_url("m-2", "https://haru-shop.example/"))
    assert link.params["s"] != signing.legacy_signature(Purpose.CLICK, "m-2", "https://haru-shop.example/")
    token = unsubscribe.unsubscribe_token("haru", "m1")
    assert token != _legacy_unsubscribe_token("haru", "m1")


def test_bad_signatures_and_tokens_are_invalid_input_with_a_key(store_path: Path) -> None:
    with pytest.raises(InvalidInput) as caught:
        tracking.verify_open("m-3", "A" * 43)
    assert caught.value.key == "public.bad_signature" and caught.value.kind == Kind.INVALID
    legacy = _legacy_unsubscribe_token("haru", "m1")
    altered = legacy[:-1] + ("B" if legacy[-1] == "A" else "A")
    for token in ("nothing-here", "e30.", altered):
        with pytest.raises(unsubscribe.BadToken) as refused:
            unsubscribe.read_token(token)
        assert refused.value.key == "public.bad_token" and isinstance(refused.value, InvalidInput)
    with pytest.raises(BadSignature):
        tracking.verify_open("m-3", "not ascii: 서명")
    with pytest.raises(BadSignature):
        tracking.verify_open("m-3", None)


def test_links_signed_the_legacy_way_still_open(store: Store, public: httpx.Client) -> None:
    base = signing.public_base_url()
    # An unsubscribe link from a message sent before: the one-click POST still works.
    legacy_token = _legacy_unsubscribe_token("haru", "old01")
    assert unsubscribe.read_token(legacy_token) == ("haru", "old01")
    answer = public.post(f"/u/{legacy_token}", content=b"List-Unsubscribe=One-Click",
                         headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert answer.status_code == 200
    assert unsubscribe.is_unsubscribed(store, "haru", "old01")
    # Its open pixel and its tracked click.
    pixel = public.get(f"/o/old-msg.gif?s={signing.legacy_signature(Purpose.OPEN, 'old-msg')}")
    assert pixel.status_code == 200 and pixel.headers["content-type"] == "image/gif"
    url = "https://haru-shop.example/product/1001?utm=메일"
    query = urlencode({"u": url, "s": signing.legacy_signature(Purpose.CLICK, "old-msg", url)})
    click = public.get(f"/c/{quote('old-msg', safe='')}?{query}")
    assert click.status_code == 302 and httpx.URL(click.headers["location"]) == httpx.URL(url)
    assert base  # links were built on the same base URL

    # A forged legacy signature (another member, another destination) is refused.
    someone_else = _legacy_unsubscribe_token("haru", "old02").split(".")[0]
    forged = f"{someone_else}.{legacy_token.split('.')[1]}"
    assert public.post(f"/u/{forged}", content=b"List-Unsubscribe=One-Click",
                       headers={"Content-Type": "application/x-www-form-urlencoded"}).status_code == 400
    evil = urlencode({"u": "https://evil.example/", "s": signing.legacy_signature(Purpose.CLICK, "old-msg", url)})
    refused = public.get(f"/c/old-msg?{evil}")
    assert refused.status_code == 400 and "location" not in refused.headers
    assert not unsubscribe.is_unsubscribed(store, "haru", "old02")


def test_tracking_and_unsubscribe_do_not_import_each_other() -> None:
    import ast
    import inspect

    for module, other in ((tracking, "unsubscribe"), (unsubscribe, "tracking")):
        tree = ast.parse(inspect.getsource(module))
        imported = {alias.name for node in ast.walk(tree) if isinstance(node, ast.ImportFrom | ast.Import)
                    for alias in node.names} | {node.module or "" for node in ast.walk(tree)
                                                if isinstance(node, ast.ImportFrom)}
        assert not any(name.endswith(other) for name in imported), module.__name__
