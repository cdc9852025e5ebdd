"""Evaluation after the first judges only what became true since the last one and what a sync wrote since:
it must plan exactly what judging each automation's whole lateness window again would plan.

Two stores live through the same hours. In one, evaluation works since its last run; in the other, every
automation's whole window is judged again each tick (as if each had just been edited). Between the ticks a
sync brings what the bounded evaluation could miss if it only looked at the new minutes: a member who
signed up days ago, a delivery hours ago, and orders cancelled after the fact, which lift the reason that
had kept a "no first purchase", a "no repurchase" and an abandoned cart from becoming true. For a purchase
follow-up limited to a category: the items of an order paid earlier arrive late, and later a product moves
into the category, which makes an order paid before the change match.
"""
from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from core import clock
from core.automations import evaluate
from core.store import Store
from tests.support import automation_world as w

pytestmark = pytest.mark.timeout(120)

T1 = w.at(20, 9)
TRIGGERS = [("no_first_purchase", {"days": 7}), ("no_repurchase", {"days": 14}), ("cart_abandoned", {}),
            ("signup", {}), ("delivered", {}), ("purchased", {}), ("purchased", {"category_keys": ["c9"]})]
LONG_AGO = w.at(1) - dt.timedelta(days=60)


def before_first_tick(store: Store) -> None:
    """Each reason kept from becoming true at T1 by an order that is live at T1."""
    w.write(store, members=[w.member("m2", T1 - dt.timedelta(days=7, hours=20)),
                            w.member("m3", LONG_AGO), w.member("m4", LONG_AGO), w.member("m6", LONG_AGO)],
            orders=[w.order("o2", "m2", T1 - dt.timedelta(days=7, hours=10)),
                    w.order("o3r", "m3", T1 - dt.timedelta(days=14, hours=20)),
                    w.order("o3l", "m3", T1 - dt.timedelta(days=14, hours=10)),
                    w.order("o4", "m4", T1 - dt.timedelta(hours=3, minutes=30)),
                    w.order("o7", "m7", T1 - dt.timedelta(minutes=30)),
                    w.order("o8", "m7", T1 - dt.timedelta(minutes=20))],
            order_items=[w.item("o7", 1, "p-moved")],
            products=[w.product("p-moved", ["c1"]), w.product("p-in", ["c9"])],
            carts=[w.cart("k4", "m4", T1 - dt.timedelta(hours=4))])


def late_sync(store: Store) -> None:
    w.write(store, members=[w.member("m5", T1 - dt.timedelta(days=7, hours=10))],
            orders=[w.order("o2", "m2", T1 - dt.timedelta(days=7, hours=10), status="cancelled"),
                    w.order("o3l", "m3", T1 - dt.timedelta(days=14, hours=10), status="cancelled"),
                    w.order("o4", "m4", T1 - dt.timedelta(hours=3, minutes=30), status="cancelled"),
                    w.order("o6", "m6", T1 - dt.timedelta(days=1), status="delivered",
                            delivered_at=T1 - dt.timedelta(hours=5))],
            order_items=[w.item("o8", 1, "p-in")])


def products_sync(store: Store) -> None:
    w.write(store, products=[w.product("p-moved", ["c9"])])


def live_through(path: Path, c: clock.FixedClock, whole: bool,
                 monkeypatch: pytest.MonkeyPatch) -> list[set[tuple]]:
    """The same hours in a store of its own; returns, after each evaluation, (trigger, its parameters,
    occurrence, state, reason) of every outbox row."""
    store = Store(path, role="test")
    store.migrate()
    with monkeypatch.context() as patch:
        if whole:
            patch.setattr(evaluate, "rescanned_whole",
                          lambda con, autos, now, with_audience: {a.automation_id for a in autos})
        return live(store, c, whole)


def evaluated(store: Store, when: dt.datetime) -> set[tuple]:
    evaluate.evaluate_all(store, when)
    frame = store.frame("""SELECT a.trigger, a.trigger_params::VARCHAR, ob.occurrence_key, ob.state, ob.reason
                           FROM outbox ob JOIN automations a USING (automation_id)""")
    return set(frame.iter_rows())


def live(store: Store, c: clock.FixedClock, whole: bool) -> list[set[tuple]]:
    c.set(w.at(1))
    w.seed_shop(store)
    for trigger, params in TRIGGERS:
        w.automation(store, trigger, params)
    c.set(T1 - dt.timedelta(hours=1))
    before_first_tick(store)
    c.set(T1)
    seen = [evaluated(store, T1)]
    c.set(T1 + dt.timedelta(minutes=30))
    late_sync(store)
    t2 = T1 + dt.timedelta(hours=1)
    if not whole:  # the bounded evaluation is the one at work here: nothing was edited since the last tick
        with store.unit() as con:
            autos = evaluate.running_automations(con)
            assert evaluate.rescanned_whole(con, autos, t2, set()) == set()
    c.set(t2)
    seen.append(evaluated(store, t2))
    c.set(t2 + dt.timedelta(hours=3))
    products_sync(store)
    t3 = t2 + dt.timedelta(hours=4)
    if not whole:  # only the filtered purchase follow-up, whose shop's products changed, is judged whole
        with store.unit() as con:
            autos = evaluate.running_automations(con)
            assert [a.params for a in autos if a.automation_id in evaluate.rescanned_whole(con, autos, t3, set())] \
                == [{"category_keys": ["c9"]}]
    c.set(t3)
    seen.append(evaluated(store, t3))
    return seen


def test_evaluation_since_the_last_one_plans_what_the_whole_window_would(tmp_path, fixed_clock,
                                                                          monkeypatch) -> None:
    monkeypatch.setenv("CONSOLE_SECRETS", str(tmp_path / "secrets.json"))
    since = live_through(tmp_path / "since.duckdb", fixed_clock, False, monkeypatch)
    whole = live_through(tmp_path / "whole.duckdb", fixed_clock, True, monkeypatch)
    assert since == whole
    planned = {(t, k) for t, _, k, _, _ in since[-1]}
    assert {("no_first_purchase", "m2"), ("no_first_purchase", "m5"), ("no_repurchase", "o3r"),
            ("cart_abandoned", "k4"), ("delivered", "o6"), ("purchased", "o6")} <= planned, planned
    filtered = [{k for t, params, k, _, _ in outbox if t == "purchased" and "c9" in params} for outbox in since]
    assert filtered == [set(), {"o8"}, {"o7", "o8"}], filtered
