"""The shop owner's notices about abandoned carts, end to end: chosen on the page (or in core.cart_recovery),
planned by the scheduler (`python -m core scheduler --once --now`), sent by the dispatcher to a real SMTP
server on loopback. One e-mail per abandoned cart, or one digest at 09:00 of the previous day's carts (none
on a day without), never twice, never as advertising; switching off stops them."""
from __future__ import annotations

import collections
import datetime as dt

import pytest
from streamlit.testing.v1 import AppTest

from core import clock
from core.automations import manage
from core.carts import recovery as cart_recovery
from core.carts import stats as carts
from core.i18n import t
from core.store import Store
from tests.conftest import ROOT
from tests.support import automation_world as w
from tests.support.automation_world import SHOP, at

pytestmark = pytest.mark.timeout(180)

OWNER = "owner@haru-shop.example"


@pytest.fixture
def shop(store: Store, fixed_clock):
    """Carts of the 5th of January (shop time): k1 abandoned 11:00, k2 11:30, k4 11:00 (a member without
    advertising consent: the owner still hears of it), k6 a guest's at 23:30; k3 ordered within the hour;
    k7 abandoned just after midnight, so on the 6th."""
    with w.mailing_shop(store, fixed_clock, at(5, 9)) as recorder:
        members = [w.member(k, at(1)) for k in ("m1", "m2", "m3")] + [w.member("m4", at(1), consent=False)]
        cart_rows = [w.cart("k1", "m1", at(5, 10), email_="m1@example.com"),
                     w.cart("k2", "m2", at(5, 10, 30), email_="m2@example.com"),
                     w.cart("k3", "m3", at(5, 10), email_="m3@example.com"),
                     w.cart("k4", "m4", at(5, 10), email_="m4@example.com"),
                     w.cart("k6", None, at(5, 22, 30), email_="guest@example.com"),
                     w.cart("k7", "m1", at(5, 23, 45), email_="m1@example.com")]
        items = [{"cart_key": k, "line_no": n, "product_key": f"p{n}", "name": f"{k} 린넨 셔츠 {n}", "quantity": 1,
                  "unit_price": 26400, "image_url": f"https://haru-shop.example/img/{k}-{n}.jpg", "option_text": "M"}
                 for k in ("k1", "k2", "k3", "k4", "k6", "k7") for n in (1, 2)]
        w.write(store, members=members, carts=cart_rows, cart_items=items,
                orders=[w.order("o3", "m3", at(5, 10, 40), cart_key="k3")])
        yield store, recorder


def run(store_path, *whens: dt.datetime) -> None:
    for when in whens:
        out = w.cli_once(store_path, when)
        assert out.returncode == 0, out.stdout + out.stderr[-2000:]


def to_owner(recorder: w.Recorder) -> list:
    return [m for m, (_, rcpts) in zip(recorder.messages, recorder.envelopes, strict=False) if rcpts == [OWNER]]


@pytest.mark.slow
def test_one_notice_per_abandoned_cart_to_the_owner_with_its_items(shop, store_path) -> None:
    store, recorder = shop
    automation_id = cart_recovery.set_owner_notice(store, SHOP, "each", f"  {OWNER} ", now=clock.now())
    assert cart_recovery.owner_notice(store, SHOP)["mode"] == "each"

    # each tick re-scans the last hours: a cart already noticed is found again and not noticed twice
    run(store_path, at(5, 11, 5), at(5, 11, 35), at(5, 23, 40))
    # k1, k4 abandoned at 11:00, k2 at 11:30, k6 at 23:30; k3 was ordered
    assert {r for _, rcpts in recorder.envelopes for r in rcpts} == {OWNER}  # no member hears of it
    noticed = collections.Counter(m["Subject"].split("방치된 카트: ")[1].split(" ·")[0] for m in to_owner(recorder))
    assert noticed == {"m1@example.com": 1, "m4@example.com": 1, "m2@example.com": 1, "guest@example.com": 1}
    assert {r["occurrence_key"]: (r["state"], r["idempotency_key"]) for r in w.outbox(store, automation_id)} == {
        k: ("sent", f"{automation_id}:{k}") for k in ("k1", "k2", "k4", "k6")}

    message = next(m for m in to_owner(recorder) if "m1@example.com" in m["Subject"])
    assert not message["Subject"].startswith("(광고)") and message["List-Unsubscribe"] is None  # information
    html = message.get_body(("html",)).get_content()
    text = message.get_body(("plain",)).get_content()
    for part in (html, text):
        for expected in ("k1 린넨 셔츠 1", "k1 린넨 셔츠 2", "52,800원", "https://haru-shop.example/cart/k1",
                         "회원 m1", "m1@example.com"):
            assert expected in part, expected
    assert "https://haru-shop.example/img/k1-1.jpg" in html and "k2 린넨" not in html
    assert "수신거부" not in text


@pytest.mark.slow
def test_daily_digest_lists_exactly_the_previous_days_carts_at_nine(shop, store_path, fixed_clock) -> None:
    store, recorder = shop
    automation_id = cart_recovery.set_owner_notice(store, SHOP, "digest", OWNER, now=clock.now())
    fixed_clock.set(at(5, 12))  # the console's preview foresees tomorrow's digest, to the owner
    preview = manage.preview_recipients(store, automation_id, days=1, now=clock.now())
    assert preview["by_day"] == [{"day": "2026-01-06", "count": 1}] and preview["sample"][0]["email"] == OWNER

    run(store_path, at(6, 8, 59))
    assert not recorder.messages  # nothing per cart, and not before 09:00
    run(store_path, at(6, 9))
    [digest] = to_owner(recorder)
    assert not digest["Subject"].startswith("(광고)") and "4건" in digest["Subject"]
    text = digest.get_body(("plain",)).get_content()
    html = digest.get_body(("html",)).get_content()
    listed = [k for k in ("k1", "k2", "k3", "k4", "k6", "k7") if f"https://haru-shop.example/cart/{k}" in text]
    assert listed == ["k1", "k2", "k4", "k6"]  # the 5th's carts: not the ordered k3, not k7 (the 6th)
    for expected in ("m2@example.com", "guest@example.com", "k4 린넨 셔츠 2", "52,800원", "211,200원"):
        assert expected in text and expected in html, expected
    assert "https://haru-shop.example/img/k6-1.jpg" in html
    # the page counts the same carts for that day
    by_day = carts.recovery_stats(store, SHOP, days=7, now=at(6, 9))["by_day"]
    assert by_day.filter(by_day["day"] == dt.date(2026, 1, 5))["abandoned"].item() == 4

    run(store_path, at(7, 9, 1), at(8, 9, 1))  # the 6th had k7 (the 5th's is seen again, not resent); the 7th none
    digests = to_owner(recorder)
    assert len(digests) == 2
    later = digests[1].get_body(("plain",)).get_content()
    assert "cart/k7" in later and "cart/k1" not in later and "1건" in digests[1]["Subject"]
    assert {r["occurrence_key"]: r["state"] for r in w.outbox(store, automation_id)} == {
        "2026-01-05": "sent", "2026-01-06": "sent"}


@pytest.mark.slow
def test_switching_modes_and_off(shop, store_path, fixed_clock) -> None:
    store, recorder = shop
    each = cart_recovery.set_owner_notice(store, SHOP, "each", OWNER, now=clock.now())
    run(store_path, at(5, 11, 5))
    assert len(to_owner(recorder)) == 2  # k1 and k4

    fixed_clock.set(at(5, 11, 10))  # the owner prefers the digest: per-cart notices stop
    digest = cart_recovery.set_owner_notice(store, SHOP, "digest", OWNER, now=clock.now())
    assert manage.get_automation(store, each)["status"] == "paused"
    run(store_path, at(5, 12))
    assert len(to_owner(recorder)) == 2  # k2 (11:30) is left to the digest

    fixed_clock.set(at(6, 8))  # and then nothing at all
    assert cart_recovery.set_owner_notice(store, SHOP, "off", now=clock.now()) is None
    assert cart_recovery.owner_notice(store, SHOP) == {"mode": "off", "recipient": OWNER,
                                                       "automations": {"cart_notice": each, "cart_digest": digest}}
    run(store_path, at(7, 9, 1))  # the 5th's and the 6th's digests became true while it was off
    assert len(to_owner(recorder)) == 2 and not w.outbox(store, digest)

    fixed_clock.set(at(7, 10))  # back to each at another address: the same automation, new recipient
    assert cart_recovery.set_owner_notice(store, SHOP, "each", "boss@haru-shop.example", now=clock.now()) == each
    w.write(store, carts=[w.cart("k8", "m2", at(7, 10, 30), email_="m2@example.com")])
    run(store_path, at(7, 11, 35))
    assert (recorder.envelopes[-1][1] == ["boss@haru-shop.example"]
            and "m2@example.com" in recorder.messages[-1]["Subject"])
    assert len(recorder.messages) == 3


def test_bad_input_is_refused_and_changes_nothing(shop, store) -> None:
    with pytest.raises(ValueError, match="not-an-address"):
        cart_recovery.set_owner_notice(store, SHOP, "each", "not-an-address", now=clock.now())
    with pytest.raises(ValueError, match="weekly"):
        cart_recovery.set_owner_notice(store, SHOP, "weekly", OWNER, now=clock.now())
    with store.unit() as con:
        con.execute("DELETE FROM sender_settings")
    with pytest.raises(ValueError) as no_sender:
        cart_recovery.set_owner_notice(store, SHOP, "digest", OWNER, now=clock.now())
    assert "발신자" in t("errors." + no_sender.value.key, "ko", **no_sender.value.params)
    assert cart_recovery.owner_notice(store, SHOP) == {"mode": "off", "recipient": "", "automations": {}}


def test_the_page_offers_the_choice(shop, fixed_clock) -> None:
    store, _ = shop
    fixed_clock.set(at(5, 12))
    page = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
    page.session_state["shop_id"] = SHOP
    page.run()
    page.switch_page("pages/carts.py").run()
    assert not page.exception, page.exception
    radio = page.radio(key="owner_mode")
    assert radio.value == "off" and list(radio.options) == ["받지 않음", "카트마다 바로",
                                                            "하루 한 번 요약 (오전 9시, 전날 카트)"]
    save = [b.label for b in page.button].index("알림 설정 저장")

    radio.set_value("digest")
    page.text_input(key="owner_email").set_value("owner@")
    page.button[save].click().run()
    assert "owner@" in page.error[0].value and cart_recovery.owner_notice(store, SHOP)["mode"] == "off"

    page.text_input(key="owner_email").set_value(OWNER)
    page.button[save].click().run()
    assert not page.exception and page.success
    assert cart_recovery.owner_notice(store, SHOP)["mode"] == "digest"
    assert cart_recovery.owner_notice(store, SHOP)["recipient"] == OWNER

    page.switch_page("pages/automations.py").run()  # listed among the automations, under its own name
    assert not page.exception, page.exception
    assert any("방치된 카트 일일 요약 (운영자)" in c.value and OWNER in c.value for c in page.caption), \
        [c.value for c in page.caption]
