"""Quick setup of cart recovery, end to end: the scheduler (`--once --now`) sends one e-mail per abandoned
cart, with the cart's items, to a real SMTP server on loopback; switching it off stops new ones."""
from __future__ import annotations

import collections

import pytest

from core import clock
from core.automations.manage import AutomationError
from core.carts import recovery as cart_recovery
from core.carts import stats as carts
from core.store import Store
from tests.support import automation_world as w
from tests.support.automation_world import SHOP, at

pytestmark = pytest.mark.timeout(180)


@pytest.fixture
def shop(store: Store, fixed_clock):
    # The automations are set up before the carts are abandoned.
    with w.mailing_shop(store, fixed_clock, at(5, 9)) as recorder:
        members = [w.member(k, at(1)) for k in ("m1", "m2", "m3")] + [w.member("m4", at(1), consent=False)]
        cart_rows = [w.cart("k1", "m1", at(5, 10), email_="m1@example.com"),
                     w.cart("k2", "m2", at(5, 10, 30), email_="m2@example.com"),
                     w.cart("k3", "m3", at(5, 10), email_="m3@example.com"),   # m3 orders within the hour
                     w.cart("k4", "m4", at(5, 10), email_="m4@example.com")]   # m4 never consented to advertising
        items = [{"cart_key": k, "line_no": n, "product_key": f"p{n}", "name": f"린넨 셔츠 {n}", "quantity": 1,
                  "unit_price": 26400, "image_url": f"https://haru-shop.example/img/p{n}.jpg", "option_text": "M"}
                 for k in ("k1", "k2", "k3", "k4") for n in (1, 2)]
        w.write(store, members=members, carts=cart_rows, cart_items=items,
                orders=[w.order("o3", "m3", at(5, 10, 40), cart_key="k3")])
        yield store, recorder


def arrived_for(recorder: w.Recorder) -> collections.Counter:
    return collections.Counter(address for _, rcpts in recorder.envelopes for address in rcpts)


@pytest.mark.slow
def test_quick_setup_sends_one_email_per_abandoned_cart_with_its_items(shop, store_path) -> None:
    store, recorder = shop
    [automation_id] = cart_recovery.quick_setup(store, SHOP, sender_name="하루상점",
                                                sender_email="hello@haru-shop.example", now=clock.now())
    [made] = cart_recovery.recovery_automations(store, SHOP)
    assert made["status"] == "running" and made["delay_minutes"] == 60 and made["threshold_minutes"] == 60

    for when in (at(5, 11, 30), at(5, 12), at(5, 12, 5), at(5, 12, 31), at(5, 13), at(5, 14)):
        out = w.cli_once(store_path, when)
        assert out.returncode == 0, out.stdout + out.stderr[-2000:]
        if when == at(5, 11, 30):
            assert not recorder.messages  # abandoned at 11:00, due one hour later
    # k1 abandoned 11:00 → sent 12:00; k2 abandoned 11:30 → 12:30; k3 ordered; m4 has no consent
    assert arrived_for(recorder) == {"m1@example.com": 1, "m2@example.com": 1}
    states = w.states(store, automation_id)
    assert states["k4"] == ("skipped", "no_consent") and "k3" not in states

    message = next(m for m in recorder.messages if m["To"].addresses[0].addr_spec == "m1@example.com")
    assert message["Subject"].startswith("(광고)")
    html = message.get_body(("html",)).get_content()
    for text in ("린넨 셔츠 1", "린넨 셔츠 2", "https://haru-shop.example/img/p1.jpg", "26,400원",
                 "장바구니로 돌아가기"):
        assert text in html
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"

    figures = carts.recovery_stats(store, SHOP, days=7, now=at(5, 14))["totals"]
    assert figures["abandoned"] == 3 and figures["reached"] == 2 and figures["recovered"] == 0


@pytest.mark.slow
def test_switching_it_off_stops_new_reminders_and_a_second_reminder_follows(shop, store_path, fixed_clock) -> None:
    store, recorder = shop
    first, second = cart_recovery.quick_setup(store, SHOP, sender_name="하루상점",
                                              sender_email="hello@haru-shop.example", second_reminder_hours=24,
                                              now=clock.now())
    assert w.cli_once(store_path, at(5, 12, 45)).returncode == 0
    assert arrived_for(recorder) == {"m1@example.com": 1, "m2@example.com": 1}
    assert w.cli_once(store_path, at(6, 12, 45)).returncode == 0  # the second reminder, a day later
    assert arrived_for(recorder) == {"m1@example.com": 2, "m2@example.com": 2}

    fixed_clock.set(at(7, 9))  # the operator switches it off on the 7th at 09:00
    cart_recovery.switch(store, first, on=False, now=clock.now())
    cart_recovery.switch(store, second, on=False, now=clock.now())
    w.write(store, carts=[w.cart("k5", "m1", at(7, 10), email_="m1@example.com")])
    assert w.cli_once(store_path, at(7, 12, 5)).returncode == 0
    assert arrived_for(recorder)["m1@example.com"] == 2  # off: k5 is not reminded
    fixed_clock.set(at(7, 12, 30))
    cart_recovery.switch(store, first, on=True, now=clock.now())
    assert w.cli_once(store_path, at(7, 13)).returncode == 0
    assert arrived_for(recorder)["m1@example.com"] == 2  # back on: what was abandoned meanwhile is not backfilled


def test_quick_setup_refuses_a_bad_sender(shop) -> None:
    store, _ = shop
    with pytest.raises(AutomationError, match="sender_email"):
        cart_recovery.quick_setup(store, SHOP, sender_name="하루상점", sender_email="not-an-address", now=clock.now())
    assert cart_recovery.recovery_automations(store, SHOP) == []


def test_quick_setup_without_sender_settings_is_refused_and_leaves_nothing(store, fixed_clock) -> None:
    fixed_clock.set(at(1, 9))
    w.seed_shop(store)
    with pytest.raises(AutomationError) as refused:
        cart_recovery.quick_setup(store, SHOP, now=clock.now())
    assert refused.value.key == "automations.no_sender"
    assert cart_recovery.recovery_automations(store, SHOP) == []
    assert store.frame("SELECT * FROM templates").is_empty()  # no starter template left behind


def test_quick_setup_keeps_the_starters_blocks_so_the_editor_reopens_it(store: Store, fixed_clock) -> None:
    """The cart starter saved by quick setup carries its block document, like a starter saved on the
    Templates page, so it reopens in the block editor rather than as raw HTML."""
    from core.automations.manage import get_automation
    from core.console.templates import saved_templates
    w.seed_shop(store)
    w.configure_sender(store, 2525)
    [automation_id] = cart_recovery.quick_setup(store, SHOP, sender_name="하루상점",
                                                sender_email="hello@haru-shop.example", now=clock.now())
    template_id = get_automation(store, automation_id)["template_id"]
    [saved] = [t for t in saved_templates(store, SHOP) if t["template_id"] == template_id]
    assert saved["blocks"]
