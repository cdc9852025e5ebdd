"""Evaluation after the first judges only what became true since the last one and what a sync wrote since:
it must plan exactly what judging each automation's whole lateness window again would plan.

Two stores live through the same hours. In one, evaluation works since its last run; in the other, every
automation's whole window is judged again each tick (as if each had just been edited). Between the ticks a
sync brings what the bounded evaluation could miss if it only looked at the new minutes: a member who
signed up days ago, a delivery hours ago, and orders cancelled after the fact, which lift the reason that
had kept a "no first purchase", a "no repurchase" and an abandoned cart from becoming true.
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
            ("signup", {}), ("delivered", {}), ("purchased", {})]
LONG_AGO = w.at(1) - dt.timedelta(days=60)


def before_first_tick(store: Store) -> None:
    """Each reason kept from becoming true at T1 by an order that is live at T1."""
    w.write(store, members=[w.member("m2", T1 - dt.timedelta(days=7, hours=20)),
                            w.member("m3", LONG_AGO), w.member("m4", LONG_AGO), w.member("m6", LONG_AGO)],
            orders=[w.order("o2", "m2", T1 - dt.timedelta(days=7, hours=10)),
                    w.order("o3r", "m3", T1 - dt.timedelta(days=14, hours=20)),
                    w.order("o3l", "m3", T1 - dt.timedelta(days=14, hours=10)),
                    w.order("o4", "m4", T1 - dt.timedelta(hours=3, minutes=30))],
            carts=[w.cart("k4", "m4", T1 - dt.timedelta(hours=4))])


def late_sync(store: Store) -> None:
    w.write(store, members=[w.member("m5", T1 - dt.timedelta(days=7, hours=10))],
            orders=[w.order("o2", "m2", T1 - dt.timedelta(days=7, hours=10), status="cancelled"),
                    w.order("o3l", "m3", T1 - dt.timedelta(days=14, hours=10), status="cancelled"),
                    w.order("o4", "m4", T1 - dt.timedelta(hours=3, minutes=30), status="cancelled"),
                    w.order("o6", "m6", T1 - dt.timedelta(days=1), status="delivered",
                            delivered_at=T1 - dt.timedelta(hours=5))])


def live_through(path: Path, c: clock.FixedClock, whole: bool, monkeypatch: pytest.MonkeyPatch) -> set[tuple]:
    """The same hours in a store of its own; returns (trigger, occurrence, state, reason) of every outbox row."""
    store = Store(path, role="test")
    store.migrate()
    with monkeypatch.context() as patch:
        if whole:
            patch.setattr(evaluate, "rescanned_whole",
                          lambda con, autos, now, with_audience: {a.automation_id for a in autos})
        live(store, c, whole)
    frame = store.frame("""SELECT a.trigger, ob.occurrence_key, ob.state, ob.reason FROM outbox ob
                           JOIN automations a USING (automation_id)""")
    return set(frame.iter_rows())


def live(store: Store, c: clock.FixedClock, whole: bool) -> None:
    c.set(w.at(1))
    w.seed_shop(store)
    for trigger, params in TRIGGERS:
        w.automation(store, trigger, params)
    c.set(T1 - dt.timedelta(hours=1))
    before_first_tick(store)
    c.set(T1)
    evaluate.evaluate_all(store, T1)
    c.set(T1 + dt.timedelta(minutes=30))
    late_sync(store)
    t2 = T1 + dt.timedelta(hours=1)
    if not whole:  # the bounded evaluation is the one at work here: nothing was edited since the last tick
        with store.unit() as con:
            autos = evaluate.running_automations(con)
            assert evaluate.rescanned_whole(con, autos, t2, set()) == set()
    for when in (t2, t2 + dt.timedelta(hours=2)):
        c.set(when)
        evaluate.evaluate_all(store, when)


def test_evaluation_since_the_last_one_plans_what_the_whole_window_would(tmp_path, fixed_clock,
                                                                          monkeypatch) -> None:
    monkeypatch.setenv("CONSOLE_SECRETS", str(tmp_path / "secrets.json"))
    since = live_through(tmp_path / "since.duckdb", fixed_clock, False, monkeypatch)
    whole = live_through(tmp_path / "whole.duckdb", fixed_clock, True, monkeypatch)
    assert since == whole
    planned = {(t, k) for t, k, _, _ in since}
    assert {("no_first_purchase", "m2"), ("no_first_purchase", "m5"), ("no_repurchase", "o3r"),
            ("cart_abandoned", "k4"), ("delivered", "o6"), ("purchased", "o6")} <= planned, planned
