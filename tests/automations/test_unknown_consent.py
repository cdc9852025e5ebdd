"""Advertising never reaches a member whose consent the platform does not report (unknown, NULL), through the
scheduler (`python -m core scheduler --once`) and a real SMTP server: not when planned, not when the consent
becomes unknown after planning (checked again at dispatch), and not when an audience picks exactly those
members. A service notice, which needs no consent, still reaches them."""
from __future__ import annotations

import collections
import datetime as dt
from pathlib import Path

import pytest

from core import clock
from core.automations import manage
from core.store import Store
from tests.support import automation_world as w
from tests.support.automation_world import SHOP, at

pytestmark = pytest.mark.timeout(180)


def run_tick(store_path: Path, when: dt.datetime) -> None:
    result = w.cli_once(store_path, when)
    assert result.returncode == 0, result.stdout + result.stderr[-2000:]


def arrived(recorder: w.Recorder, store: Store, automation_id: str) -> collections.Counter:
    """Recipient -> how many messages of this automation the SMTP server received for it."""
    rows = {r["message_id"]: r["recipient"] for r in w.outbox(store, automation_id)}
    ids = (mid.strip("<>").split("@")[0] for mid in recorder.message_ids())
    return collections.Counter(rows[i] for i in ids if i in rows)


@pytest.fixture
def shop(store: Store, fixed_clock: clock.FixedClock):
    with w.mailing_shop(store, fixed_clock, at(1, 9)) as recorder:
        yield store, recorder


@pytest.mark.slow
def test_advertising_never_goes_to_unknown_consent(shop, store_path, fixed_clock) -> None:
    store, recorder = shop
    ad = w.automation(store, "signup", delay_minutes=60)
    notice = w.automation(store, "signup", advertising=False)
    t = manage.save_template(store, shop_id=SHOP, name="모름 대상", trigger="signup", subject="안녕하세요",
                             html="<p>hi</p>", now=clock.now())
    # an operator's audience of exactly the members advertising may not reach: still nobody gets the ad
    aimed = manage.create_automation(store, shop_id=SHOP, name="모름 대상", trigger="signup", subject="안녕하세요",
                                     sender_name="하루상점", sender_email="hello@haru-shop.example", template_id=t,
                                     is_advertising=True, start=True,
                                     audience={"rule": {"email_consent": "no_or_unknown"}}, now=clock.now())
    w.write(store, members=[w.member("k1", at(1, 10)), w.member("u1", at(1, 10), consent=None),
                            w.member("n1", at(1, 10), consent=False)])
    with store.unit() as con:
        stored = dict(con.execute("SELECT member_key, email_consent FROM members WHERE shop_id = ?",
                                  [SHOP]).fetchall())
    assert stored == {"k1": True, "u1": None, "n1": False}  # unknown is stored as unknown

    run_tick(store_path, at(1, 10, 30))
    assert w.states(store, ad) == {"k1": ("pending", None), "u1": ("skipped", "no_consent"),
                                   "n1": ("skipped", "no_consent")}
    assert w.states(store, aimed) == {"u1": ("skipped", "no_consent"), "n1": ("skipped", "no_consent")}

    # k1's consent is no longer reported (a later sync): unknown now, so the planned ad is skipped when due
    fixed_clock.set(at(1, 10, 45))
    w.write(store, members=[w.member("k1", at(1, 10), consent=None)])
    run_tick(store_path, at(1, 11, 30))
    assert w.states(store, ad)["k1"] == ("skipped", "no_consent")
    assert arrived(recorder, store, ad) == {} and arrived(recorder, store, aimed) == {}
    assert arrived(recorder, store, notice) == {"k1@example.com": 1, "u1@example.com": 1, "n1@example.com": 1}
