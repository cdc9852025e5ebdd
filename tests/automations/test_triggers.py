"""Time travel: every trigger driven through `python -m core scheduler --once --now ISO` (a child process)
over a store built for the test, delivering to a real SMTP server on loopback.

The first part builds one shop where six automations (one per trigger) run side by side over a week,
each with its own members (so the cross-automation frequency cap stays out of the way), and ticks the
scheduler at chosen instants; data is written only once it "has happened" (an order never exists before
its time), except one order synced late on purpose. One test per trigger then checks the exact set of
recipients, and that each got exactly one message across all the ticks.

The second part checks one rule per test: pause/resume, catch-up with maximum lateness, cancellation,
consent and unsubscribe, the frequency cap, a broken template refused at save, the preview.
"""
from __future__ import annotations

import collections
import datetime as dt
import re
from pathlib import Path
from typing import Any

import pytest

from core import clock
from core.automations import manage
from core.console.errors import describe
from core.store import Store
from tests.support import automation_world as w
from tests.support.automation_world import at

pytestmark = pytest.mark.timeout(120)


def run_tick(store_path: Path, when: dt.datetime) -> str:
    result = w.cli_once(store_path, when)
    assert result.returncode == 0, result.stdout + result.stderr[-2000:]
    return result.stdout


def received(recorder: w.Recorder) -> collections.Counter:
    """Message-ID local part (= outbox.message_id) → how many times the SMTP server received it."""
    return collections.Counter(mid.strip("<>").split("@")[0] for mid in recorder.message_ids())


def sent_to(store: Store, recorder: w.Recorder, automation_id: str) -> collections.Counter:
    """Recipient address → how many messages of this automation the SMTP server received for it."""
    rows = {r["message_id"]: r for r in w.outbox(store, automation_id)}
    counts: collections.Counter = collections.Counter()
    for message_id, n in received(recorder).items():
        if message_id in rows:
            counts[rows[message_id]["recipient"]] += n
    return counts


def product(key: str, *categories: str) -> dict[str, Any]:
    return {"product_key": key, "name": f"상품 {key}", "price": 39000, "category_keys": list(categories)}


def addr(key: str) -> str:
    return f"{key}@example.com"


# ---------------------------------------------------------------- one shop, six triggers, a week of ticks

START = at(1, 9)
TICKS = [at(2, 9), at(3, 9), at(4, 12), at(5, 9), at(7, 20)]

# (written before the tick at or after this instant, table, row)
EVENTS: list[tuple[dt.datetime, str, dict[str, Any]]] = [
    # purchased, only product P1 or category shoes
    (at(1, 10), "orders", w.order("o-pa1", "pa", at(1, 10))),
    (at(1, 10), "order_items", w.item("o-pa1", 1, "P1")),
    (at(1, 11), "orders", w.order("o-pb1", "pb", at(1, 11))),
    (at(1, 11), "order_items", w.item("o-pb1", 1, "P9")),            # in category shoes
    (at(1, 12), "orders", w.order("o-pc1", "pc", at(1, 12))),
    (at(1, 12), "order_items", w.item("o-pc1", 1, "P5")),            # neither
    (at(1, 13), "orders", w.order("o-pd1", "pd", at(1, 13), paid=False, status="pending")),
    (at(1, 13), "order_items", w.item("o-pd1", 1, "P1")),            # not paid
    (at(1, 14), "orders", {**w.order("o-g1", None, at(1, 14)), "email": "guest1@example.com"}),
    (at(1, 14), "order_items", w.item("o-g1", 1, "P1")),             # a guest order
    (at(2, 10), "orders", w.order("o-pa2", "pa", at(2, 10))),
    (at(2, 10), "order_items", w.item("o-pa2", 1, "P1")),            # pa again: another occurrence
    (at(2, 11), "orders", w.order("o-pe1", "pe", at(2, 11), status="cancelled")),
    (at(2, 11), "order_items", w.item("o-pe1", 1, "P1")),
    # no first purchase within 7 days (signups before the automation started still count once N days pass)
    (at(1, 9), "members", w.member("nf0", at(1, 9) - dt.timedelta(days=12))),  # Dec 20: true Dec 27
    (at(1, 9), "members", w.member("nf1", at(1, 9) - dt.timedelta(days=4, hours=-1))),  # Dec 28 10:00
    (at(1, 9), "members", w.member("nf2", at(1, 9) - dt.timedelta(days=4, hours=-1))),
    (at(1, 9), "members", w.member("nf3", at(1, 9) - dt.timedelta(days=4, hours=-1))),
    (at(1, 9), "members", w.member("nf4", at(1, 9) - dt.timedelta(days=4, hours=-14))),  # Dec 28 23:00
    (at(2, 12), "orders", w.order("o-nf2", "nf2", at(2, 12))),       # ordered before day 7: no nudge
    (at(6, 8), "orders", w.order("o-nf3", "nf3", at(6, 8))),         # ordered after the nudge went
    # no repurchase within 14 days of the last order
    (at(1, 9), "members", w.member("r1", at(1, 9) - dt.timedelta(days=60))),
    (at(1, 9), "members", w.member("r2", at(1, 9) - dt.timedelta(days=60))),
    (at(1, 9), "members", w.member("r3", at(1, 9) - dt.timedelta(days=60))),
    (at(1, 9), "orders", w.order("o-r1", "r1", at(1, 10) - dt.timedelta(days=12))),   # Dec 20 → Jan 3 10:00
    (at(1, 9), "orders", w.order("o-r2a", "r2", at(1, 10) - dt.timedelta(days=12))),
    (at(1, 9), "orders", w.order("o-r2b", "r2", at(1, 10) - dt.timedelta(days=2))),   # newer: Jan 13
    (at(1, 9), "orders", w.order("o-r3", "r3", at(1, 10) - dt.timedelta(days=11))),   # Dec 21 → Jan 4 10:00
    (at(1, 9), "orders", w.order("o-r3x", "r3", at(1, 10) - dt.timedelta(days=7), status="cancelled")),
    # signup (welcome)
    (at(1, 9), "members", w.member("s0", at(1, 8))),                 # before the automation started
    (at(1, 12), "members", w.member("s1", at(1, 12))),
    (at(1, 13), "members", w.member("s2", at(1, 13), consent=False)),  # advertising needs consent
    (at(2, 15), "members", w.member("s4", at(2, 15))),
    # cart abandoned (60 minutes)
    (at(4, 10), "members", w.member("ca1", at(1, 8) - dt.timedelta(days=40))),
    (at(4, 10), "carts", w.cart("c1", "ca1", at(4, 10))),
    (at(4, 10), "carts", w.cart("c2", None, at(4, 10, 30), email_="cartguest@example.com")),
    (at(4, 10), "carts", w.cart("c3", None, at(4, 10, 30))),          # a guest without e-mail
    (at(4, 10), "carts", w.cart("c4", "ca1", at(4, 10, 5), status="ordered", order_key="o-x")),
    (at(4, 11, 50), "carts", w.cart("c5", "ca1", at(4, 11, 50))),    # true only at 12:50, after the tick
    # delivery complete
    (at(1, 9), "members", w.member("d1", at(1, 8) - dt.timedelta(days=40))),
    (at(1, 9), "members", w.member("d2", at(1, 8) - dt.timedelta(days=40))),
    (at(2, 15), "orders", w.order("o-d1", "d1", at(1, 15), status="delivered", delivered_at=at(2, 15))),
    (at(2, 15), "orders", w.order("o-d2", "d2", at(1, 15), status="shipping")),
    (at(3, 16), "orders", w.order("o-d3", "d2", at(2, 15), status="delivered", delivered_at=at(3, 16))),
]
LATE_ORDER = (at(1, 15), [w.order("o-pf1", "pf", at(1, 15))], [w.item("o-pf1", 1, "P1")])  # synced at tick 2

PURCHASE_MEMBERS = ["pa", "pb", "pc", "pd", "pe", "pf"]


@pytest.fixture(scope="module")
def week(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    folder = tmp_path_factory.mktemp("week")
    store_path = folder / "console.duckdb"
    mp = pytest.MonkeyPatch()
    mp.setenv("CONSOLE_DB", str(store_path))
    mp.setenv("CONSOLE_SECRETS", str(folder / "secrets.json"))
    previous = clock.get_clock()
    fixed = clock.FixedClock(START)
    clock.set_clock(fixed)
    recorder = w.Recorder()
    controller = w.smtp_server(recorder)
    try:
        store = Store(store_path, role="test")
        store.migrate()
        w.seed_shop(store)
        w.configure_sender(store, w.smtp_port(controller))
        w.write(store, products=[product("P1"), product("P5", "bags"), product("P9", "shoes", "sale")],
                members=[w.member(m, at(1, 8) - dt.timedelta(days=40)) for m in PURCHASE_MEMBERS])
        ids = {
            "purchased": w.automation(store, "purchased", {"product_keys": ["P1"], "category_keys": ["shoes"]},
                                      advertising=False),
            "no_first_purchase": w.automation(store, "no_first_purchase", {"days": 7}),
            "no_repurchase": w.automation(store, "no_repurchase", {"days": 14}),
            "signup": w.automation(store, "signup"),
            "cart_abandoned": w.automation(store, "cart_abandoned", {"threshold_minutes": 60}),
            "delivered": w.automation(store, "delivered", advertising=False),
        }
        pending = sorted(EVENTS, key=lambda e: e[0])
        snapshots = []
        for n, tick_at in enumerate(TICKS):
            due = [e for e in pending if e[0] <= tick_at]
            pending = [e for e in pending if e[0] > tick_at]
            tables: dict[str, list] = collections.defaultdict(list)
            for _, table, row in due:
                tables[table].append(row)
            if n == 1:  # an order paid on day 1, synced only now
                tables["orders"] += LATE_ORDER[1]
                tables["order_items"] += LATE_ORDER[2]
            fixed.set(tick_at)
            for table in ("members", "orders", "order_items", "carts"):  # parents before children
                if tables.get(table):
                    w.write(store, **{table: tables[table]})
            run_tick(store_path, tick_at)
            snapshots.append({name: sent_to(store, recorder, aid) for name, aid in ids.items()})
        yield {"store": store, "ids": ids, "recorder": recorder, "snapshots": snapshots}
    finally:
        controller.stop()
        clock.set_clock(previous)
        mp.undo()


def _after(week: dict, trigger: str, tick: dt.datetime) -> dict[str, int]:
    return dict(week["snapshots"][TICKS.index(tick)][trigger])


@pytest.mark.slow
def test_no_message_arrives_twice(week) -> None:
    counts = received(week["recorder"])
    assert counts and max(counts.values()) == 1
    sent = {r["message_id"] for r in w.outbox(week["store"]) if r["state"] == "sent"}
    assert sent == set(counts), "every message the server received is recorded sent, and only those"


def test_purchased_only_chosen_products_or_categories(week) -> None:
    assert _after(week, "purchased", at(2, 9)) == {addr("pa"): 1, addr("pb"): 1, "guest1@example.com": 1}
    # the late-synced order is still caught (its payment is within the lookback), and pa's second order
    assert _after(week, "purchased", at(3, 9)) == {addr("pa"): 2, addr("pb"): 1, "guest1@example.com": 1,
                                                   addr("pf"): 1}
    assert _after(week, "purchased", at(7, 20)) == _after(week, "purchased", at(3, 9))
    keys = {r["occurrence_key"] for r in w.outbox(week["store"], week["ids"]["purchased"])}
    assert keys == {"o-pa1", "o-pa2", "o-pb1", "o-g1", "o-pf1"}  # one occurrence per order; pc/pd/pe never


def test_no_first_purchase_within_7_days(week) -> None:
    assert _after(week, "no_first_purchase", at(3, 9)) == {}
    assert _after(week, "no_first_purchase", at(4, 12)) == {addr("nf1"): 1, addr("nf3"): 1}
    assert _after(week, "no_first_purchase", at(7, 20)) == {addr("nf1"): 1, addr("nf3"): 1, addr("nf4"): 1}
    keys = {r["occurrence_key"] for r in w.outbox(week["store"], week["ids"]["no_first_purchase"])}
    assert "nf0" not in keys and "nf2" not in keys  # true before the automation ran / ordered in time


def test_no_repurchase_within_14_days(week) -> None:
    assert _after(week, "no_repurchase", at(3, 9)) == {}
    assert _after(week, "no_repurchase", at(4, 12)) == {addr("r1"): 1, addr("r3"): 1}
    assert _after(week, "no_repurchase", at(7, 20)) == {addr("r1"): 1, addr("r3"): 1}
    keys = {r["occurrence_key"] for r in w.outbox(week["store"], week["ids"]["no_repurchase"])}
    assert keys == {"o-r1", "o-r3"}  # o-r2a was followed by o-r2b; a cancelled order is not a purchase


def test_signup_welcome(week) -> None:
    assert _after(week, "signup", at(2, 9)) == {addr("s1"): 1}
    assert _after(week, "signup", at(7, 20)) == {addr("s1"): 1, addr("s4"): 1}
    st = w.states(week["store"], week["ids"]["signup"])
    assert st["s2"] == ("skipped", "no_consent") and "s0" not in st


def test_cart_abandoned(week) -> None:
    assert _after(week, "cart_abandoned", at(4, 12)) == {addr("ca1"): 1}
    # c5 became true at 12:50 and the next tick is the next morning, past the 6-hour lateness
    assert _after(week, "cart_abandoned", at(7, 20)) == {addr("ca1"): 1}
    st = w.states(week["store"], week["ids"]["cart_abandoned"])
    assert st["c5"] == ("skipped", "too_late")
    assert st["c2"] == ("skipped", "no_consent")  # a guest never consented to advertising
    assert "c3" not in st and "c4" not in st


def test_delivery_complete(week) -> None:
    assert _after(week, "delivered", at(3, 9)) == {addr("d1"): 1}
    assert _after(week, "delivered", at(7, 20)) == {addr("d1"): 1, addr("d2"): 1}
    keys = {r["occurrence_key"] for r in w.outbox(week["store"], week["ids"]["delivered"])}
    assert keys == {"o-d1", "o-d3"}


def test_what_arrived_is_the_rendered_starter(week) -> None:
    by_to = {m["To"].addresses[0].addr_spec: m for m in week["recorder"].messages}
    welcome = by_to[addr("s1")]
    assert welcome["Subject"].startswith("(광고)")
    assert "List-Unsubscribe" in welcome and welcome["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    thanks = by_to["guest1@example.com"]  # not advertising: no prefix, no unsubscribe header
    assert not thanks["Subject"].startswith("(광고)") and "List-Unsubscribe" not in thanks
    html = thanks.get_body(("html",)).get_content()
    assert "상품 P1" in html


# ---------------------------------------------------------------- one rule per test

@pytest.fixture
def smtp():
    recorder = w.Recorder()
    controller = w.smtp_server(recorder)
    yield recorder, w.smtp_port(controller)
    controller.stop()


@pytest.fixture
def shop(store: Store, fixed_clock: clock.FixedClock, smtp) -> tuple[Store, w.Recorder]:
    fixed_clock.set(START)
    w.seed_shop(store)
    w.configure_sender(store, smtp[1])
    return store, smtp[0]


@pytest.mark.slow
def test_pause_skips_what_became_true_meanwhile_and_resume_does_not_backfill(shop, store_path, fixed_clock) -> None:
    store, recorder = shop
    aid = w.automation(store, "signup", delay_minutes=60)
    w.write(store, members=[w.member("s1", at(1, 10)), w.member("s2", at(1, 11, 30))])
    run_tick(store_path, at(1, 12))
    assert w.states(store, aid) == {"s1": ("sent", None), "s2": ("pending", None)}  # s2 is due at 12:30
    fixed_clock.set(at(1, 12, 10))
    manage.pause_automation(store, aid, now=clock.now())
    w.write(store, members=[w.member("s3", at(1, 13))])               # becomes true while paused
    run_tick(store_path, at(1, 14))
    assert w.states(store, aid) == {"s1": ("sent", None), "s2": ("cancelled", "automation_not_running")}
    fixed_clock.set(at(1, 15))
    manage.resume_automation(store, aid, now=clock.now())
    w.write(store, members=[w.member("s4", at(1, 16))])
    run_tick(store_path, at(1, 18))
    assert w.states(store, aid) == {"s1": ("sent", None), "s2": ("cancelled", "automation_not_running"),
                                    "s4": ("sent", None)}               # s3 is never planned
    assert sent_to(store, recorder, aid) == {addr("s1"): 1, addr("s4"): 1}


@pytest.mark.slow
def test_catch_up_after_downtime_within_the_maximum_lateness(shop, store_path) -> None:
    store, recorder = shop
    carts = w.automation(store, "cart_abandoned")                      # default lateness 6 h
    later = w.automation(store, "cart_abandoned", delay_minutes=120)   # due two hours after it became true
    welcome = w.automation(store, "signup")                            # default lateness 24 h
    strict = w.automation(store, "signup", max_lateness_minutes=60)    # an operator's own limit
    w.write(store, members=[w.member(k, at(1, 8) - dt.timedelta(days=30)) for k in ("ca0", "ca1", "ca2")],
            carts=[w.cart("c0", "ca0", at(1, 9, 10))])                 # true at 10:10
    run_tick(store_path, at(1, 11))
    assert w.states(store, carts) == {"c0": ("sent", None)}
    assert w.states(store, later) == {"c0": ("pending", None)}         # due at 12:10
    # the scheduler is down from 11:00 to 03:00 the next day; meanwhile:
    w.write(store, members=[w.member("s1", at(1, 11, 30))],
            carts=[w.cart("c1", "ca1", at(1, 11, 30)), w.cart("c2", "ca2", at(1, 22))])
    out = run_tick(store_path, at(2, 3))
    assert "automations:evaluate: ok" in out
    assert w.states(store, carts) == {"c0": ("sent", None),
                                      "c1": ("skipped", "too_late"),     # true at 12:30, 14.5 h late
                                      "c2": ("sent", None)}                # true at 23:00, 4 h late
    assert w.states(store, later) == {"c0": ("skipped", "too_late"),     # planned in time, due while down
                                      "c1": ("skipped", "too_late"),
                                      "c2": ("skipped", "frequency_cap")}  # ca2 got the first reminder now
    assert w.states(store, welcome) == {"s1": ("sent", None)}             # 15.5 h late, within a day
    assert w.states(store, strict) == {"s1": ("skipped", "too_late")}
    assert sent_to(store, recorder, carts) == {addr("ca0"): 1, addr("ca2"): 1}
    assert sent_to(store, recorder, later) == {} and sent_to(store, recorder, strict) == {}


@pytest.mark.slow
def test_cancelled_when_the_reason_is_gone_before_it_is_due(shop, store_path) -> None:
    store, recorder = shop
    nudge = w.automation(store, "no_first_purchase", {"days": 7}, delay_minutes=24 * 60)
    carts = w.automation(store, "cart_abandoned", delay_minutes=180)
    w.write(store, members=[w.member("m1", at(1, 10) - dt.timedelta(days=7)),   # true Jan 1 10:00, due Jan 2
                            w.member("m2", at(1, 10) - dt.timedelta(days=7))]
            + [w.member(k, at(1, 8) - dt.timedelta(days=30)) for k in ("ca1", "ca2", "ca3")],
            carts=[w.cart(k, f"ca{k[1]}", at(1, 9, 30)) for k in ("c1", "c2", "c3")])  # due 13:30
    run_tick(store_path, at(1, 12))
    assert {s for s, _ in w.states(store).values()} == {"pending"} and len(w.outbox(store)) == 5
    w.write(store, orders=[w.order("o-c1", "ca1", at(1, 12, 20), cart_key="c1"),     # the cart became an order
                           w.order("o-ca2", "ca2", at(1, 12, 30))],                  # ca2 bought something else
            carts=[w.cart("c1", "ca1", at(1, 9, 30), status="ordered", order_key="o-c1")])
    run_tick(store_path, at(1, 14))
    assert w.states(store, carts) == {"c1": ("cancelled", "cart_recovered"), "c2": ("cancelled", "member_ordered"),
                                      "c3": ("sent", None)}
    w.write(store, orders=[w.order("o-m1", "m1", at(2, 8))])
    run_tick(store_path, at(2, 11))
    assert w.states(store, nudge) == {"m1": ("cancelled", "member_ordered"), "m2": ("sent", None)}
    assert sent_to(store, recorder, carts) == {addr("ca3"): 1}
    assert sent_to(store, recorder, nudge) == {addr("m2"): 1}


def test_consent_and_unsubscribe(shop, store_path, fixed_clock) -> None:
    from core.public.unsubscribe import unsubscribe
    store, recorder = shop
    ad = w.automation(store, "signup", delay_minutes=60)
    notice = w.automation(store, "signup", advertising=False)          # a service notice: no consent needed
    fixed_clock.set(at(1, 9, 30))
    unsubscribe(store, w.SHOP, "m4", "console", now=fixed_clock.now())
    w.write(store, members=[w.member("m1", at(1, 10)), w.member("m2", at(1, 10), consent=False),
                            w.member("m3", at(1, 10)), w.member("m4", at(1, 10))])
    run_tick(store_path, at(1, 10, 30))
    assert w.states(store, ad) == {"m1": ("pending", None), "m2": ("skipped", "no_consent"),
                                   "m3": ("pending", None), "m4": ("skipped", "unsubscribed")}
    assert w.states(store, notice) == {"m1": ("sent", None), "m2": ("sent", None), "m3": ("sent", None),
                                       "m4": ("skipped", "unsubscribed")}
    fixed_clock.set(at(1, 10, 40))
    unsubscribe(store, w.SHOP, "m3", "one-click", now=fixed_clock.now())  # after planning, before due
    run_tick(store_path, at(1, 11, 30))
    assert w.states(store, ad) == {"m1": ("sent", None), "m2": ("skipped", "no_consent"),
                                   "m3": ("skipped", "unsubscribed"), "m4": ("skipped", "unsubscribed")}
    assert sent_to(store, recorder, ad) == {addr("m1"): 1}
    assert sent_to(store, recorder, notice) == {addr("m1"): 1, addr("m2"): 1, addr("m3"): 1}


@pytest.mark.slow
def test_frequency_cap_across_automations(shop, store_path) -> None:
    store, recorder = shop
    welcome_a = w.automation(store, "signup")
    welcome_b = w.automation(store, "signup")
    notice = w.automation(store, "signup", advertising=False)           # never capped
    nudge_1 = w.automation(store, "no_first_purchase", {"days": 1})     # 23.5 h after the welcome: capped
    nudge_2 = w.automation(store, "no_first_purchase", {"days": 2})     # 47.5 h after: sent
    w.write(store, members=[w.member("f1", at(1, 10))])
    run_tick(store_path, at(1, 10, 30))
    firsts = [w.states(store, a)["f1"] for a in (welcome_a, welcome_b)]
    assert sorted(firsts) == [("sent", None), ("skipped", "frequency_cap")]
    assert w.states(store, notice)["f1"] == ("sent", None)
    run_tick(store_path, at(2, 10, 5))
    assert w.states(store, nudge_1)["f1"] == ("skipped", "frequency_cap")
    run_tick(store_path, at(3, 10, 5))
    assert w.states(store, nudge_2)["f1"] == ("sent", None)
    assert sum(received(recorder).values()) == 3


def test_a_broken_template_is_refused_at_save(store, fixed_clock) -> None:
    w.seed_shop(store)
    good = w.automation(store, "signup", start=False)
    with pytest.raises(manage.AutomationError) as bad_name:
        manage.save_template(store, shop_id=w.SHOP, name="환영", trigger="signup", subject="안녕하세요",
                             html="<html><body>\n<p>환영합니다</p>\n<p>{{ member.nmae }}님</p>\n</body></html>",
                             now=clock.now())
    assert "3번째 줄" in describe(bad_name.value, "ko")  # the console's words name the line
    assert "nmae" in str(bad_name.value)
    with pytest.raises(manage.AutomationError) as unclosed:
        manage.save_template(store, shop_id=w.SHOP, name="환영", trigger="signup", subject="안녕하세요",
                             html="<p>안녕</p>\n{% if member.name %}<p>{{ member.name }}</p>\n", now=clock.now())
    assert re.search("[23]번째 줄", describe(unclosed.value, "ko"))
    with pytest.raises(manage.AutomationError) as no_order:
        manage.save_template(store, shop_id=w.SHOP, name="환영", trigger="signup", subject="{{ order.total }}",
                             html="<p>안녕</p>", now=clock.now())                          # a signup has no order
    assert "제목" in describe(no_order.value, "ko")
    assert store.frame("SELECT count(*) AS n FROM templates")["n"][0] == 1  # only the good one was saved
    assert manage.get_automation(store, good)["status"] == "draft"


def test_preview_counts_by_day_and_sample(store, fixed_clock) -> None:
    from core.automations.evaluate import evaluate_all
    from core.public.unsubscribe import unsubscribe
    w.seed_shop(store)
    fixed_clock.set(at(1, 9))
    aid = w.automation(store, "no_first_purchase", {"days": 7})
    signups = {  # signed up → becomes true 7 days later
        "p-past": at(3, 8), "p-late": at(3, 8, 45), "p1": at(3, 10), "p2": at(3, 20), "p3": at(4, 8),
        "p4": at(5, 12), "p5": at(8, 23, 30), "p6": at(10, 9), "p-out": at(10, 9, 30),
        "x-ordered": at(3, 11), "x-consent": at(3, 12), "x-unsub": at(4, 12),
    }
    w.write(store, members=[w.member(k, v, consent=k != "x-consent") for k, v in signups.items()],
            orders=[w.order("o-x", "x-ordered", at(5, 9))])
    unsubscribe(store, w.SHOP, "x-unsub", "link", now=fixed_clock.now())
    fixed_clock.set(at(10, 8, 30))
    evaluate_all(store, clock.now())                                                  # plans p-past (due 08:00)
    assert w.states(store, aid) == {"p-past": ("pending", None)}
    fixed_clock.set(at(10, 9))
    day = manage.preview_recipients(store, aid, days=1, now=clock.now())
    assert day["total"] == 5
    assert day["by_day"] == [{"day": "2026-01-10", "count": 4}, {"day": "2026-01-11", "count": 1}]
    assert [r["member_key"] for r in day["sample"]] == ["p-late", "p-past", "p1", "p2", "p3"]
    assert {r["source"] for r in day["sample"]} == {"planned", "predicted"}
    week_ = manage.preview_recipients(store, aid, days=7, sample_size=3, now=clock.now())
    assert week_["total"] == 8  # p6 becomes true exactly at the end of the window; p-out just after it
    assert week_["by_day"] == [{"day": "2026-01-10", "count": 4}, {"day": "2026-01-11", "count": 1},
                               {"day": "2026-01-12", "count": 1}, {"day": "2026-01-15", "count": 1},
                               {"day": "2026-01-17", "count": 1}]
    assert len(week_["sample"]) == 3
    first = week_["sample"][0]
    assert first["email"] == addr(first["member_key"]) and first["name"] == f"회원 {first['member_key']}"
    # a paused automation would only send what becomes true after it is resumed
    manage.pause_automation(store, aid, now=clock.now())
    paused = manage.preview_recipients(store, aid, days=1, now=clock.now())
    assert [r["member_key"] for r in paused["sample"]] == ["p-past", "p1", "p2", "p3"]
