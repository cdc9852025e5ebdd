"""An automation whose audience is a saved segment reaches only the segment's members, re-evaluated each time."""
from __future__ import annotations

import collections

import pytest

from core import clock
from core.automations import manage
from core.segments import saved as saved_segments
from core.store import Store
from tests.support import automation_world as w
from tests.support.automation_world import SHOP, at

pytestmark = pytest.mark.timeout(180)


@pytest.fixture
def shop(store: Store, fixed_clock):
    with w.mailing_shop(store, fixed_clock, at(5, 9)) as recorder:
        yield store, recorder


def member(key: str, when, group: str) -> dict:
    return w.member(key, when) | {"member_group": group}


def arrived(recorder: w.Recorder) -> collections.Counter:
    return collections.Counter(a for _, rcpts in recorder.envelopes for a in rcpts)


def test_only_the_segment_is_reached_and_the_rule_is_read_anew(shop, store_path, fixed_clock) -> None:
    store, recorder = shop
    vip = saved_segments.save_segment(store, SHOP, "VIP", {"member_groups": ["VIP"]}, now=clock.now())
    welcome = w.automation(store, "signup")
    with store.unit() as con:  # the wizard's audience step, as stored
        con.execute("UPDATE automations SET audience = ? WHERE automation_id = ?",
                    [f'{{"segment_id": "{vip["segment_id"]}"}}', welcome])
    w.write(store, members=[member("v1", at(5, 10), "VIP"), member("n1", at(5, 10), "일반")])
    preview = manage.preview_recipients(store, welcome, days=1, now=clock.now())
    assert [r["member_key"] for r in preview["sample"]] == ["v1"]  # the preview keeps to the audience too
    assert w.cli_once(store_path, at(5, 11)).returncode == 0
    assert arrived(recorder) == {"v1@example.com": 1}
    assert set(w.states(store, welcome)) == {"v1"}  # outside the audience: not a recipient at all

    fixed_clock.set(at(5, 12))
    # the segment grows
    saved_segments.save_segment(store, SHOP, "VIP", {"member_groups": ["VIP", "일반"]}, now=clock.now())
    w.write(store, members=[member("n2", at(5, 13), "일반")])
    assert w.cli_once(store_path, at(5, 14)).returncode == 0
    # judged when planned: n1's welcome (10:00) is still within its lateness, so it goes now, once
    assert arrived(recorder) == {"v1@example.com": 1, "n1@example.com": 1, "n2@example.com": 1}


def test_an_audience_is_checked_when_the_automation_is_saved(shop) -> None:
    store, _ = shop
    t = manage.save_template(store, shop_id=SHOP, name="t", trigger="signup", subject="안녕하세요", html="<p>hi</p>",
                             now=clock.now())
    with pytest.raises(manage.AutomationError, match="audience"):
        manage.create_automation(store, shop_id=SHOP, name="x", trigger="signup", subject="s", sender_name="n",
                                 sender_email="a@example.com", template_id=t, audience={"rule": {"orders_min": -1}},
                                 now=clock.now())
    made = manage.create_automation(store, shop_id=SHOP, name="x", trigger="signup", subject="s", sender_name="n",
                                    sender_email="a@example.com", template_id=t,
                                    audience={"rule": {"member_groups": ["VIP"]}}, now=clock.now())
    with store.unit() as con:
        stored = con.execute("SELECT audience FROM automations WHERE automation_id = ?", [made]).fetchall()[0][0]
    assert stored == '{"rule": {"member_groups": ["VIP"]}}'
