"""The scheduler killed with SIGKILL at random moments during dispatch, twenty times, restarted each time.

What must hold (docs/design.md "Automations"): a customer gets a message once or not at all. The loopback
SMTP server must never receive a Message-ID twice; after the restarts every message is `sent`, still
`pending`, or `unknown` (a crash with the message in an SMTP connection's hands: at most one per open
connection per crash; dispatch opens up to SMTP_CONNECTIONS per shop), and an `unknown` is never re-sent.
"""
from __future__ import annotations

import collections
import os
import random
import signal
import subprocess
import sys
import time

import pytest

from core import clock
from core.automations.evaluate import evaluate_all
from core.messaging.dispatch import recover
from core.messaging.email import SMTP_CONNECTIONS, EmailChannel
from core.scheduler import lock as scheduler_lock
from tests.conftest import python_env
from tests.support import automation_world as w
from tests.support.automation_world import at

pytestmark = pytest.mark.timeout(180)

MEMBERS = 600
CRASHES = 20
NOW = at(1, 11)


def _launch(store_path) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "core", "scheduler", "--once", "--now", NOW.isoformat()],
                            env=python_env(store_path), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)


def _arrived(recorder: w.Recorder) -> int:
    with recorder.lock:
        return len(recorder.messages)


@pytest.mark.slow
def test_sigkill_during_dispatch_never_sends_twice(store, store_path, fixed_clock) -> None:
    rng = random.Random(int(os.environ.get("CRASH_SEED", "4")))
    recorder = w.Recorder(delay=0.002)
    controller = w.smtp_server(recorder)
    try:
        fixed_clock.set(at(1, 9))
        w.seed_shop(store)
        w.configure_sender(store, w.smtp_port(controller))
        aid = w.automation(store, "signup", advertising=False)
        w.write(store, members=[w.member(f"m{i:04d}", at(1, 10)) for i in range(MEMBERS)])
        fixed_clock.set(NOW)
        assert evaluate_all(store, clock.now())["planned"] == MEMBERS
        assert evaluate_all(store, clock.now())["planned"] == 0  # planned once

        kills, states_after_restart, topped_up = 0, [], 0
        while kills < CRASHES:
            if sum(s == "pending" for s, _ in w.states(store, aid).values()) < 150:  # keep the child busy
                w.write(store, members=[w.member(f"n{topped_up + i:04d}", at(1, 10)) for i in range(150)])
                topped_up += 150
                evaluate_all(store, clock.now())
            before = _arrived(recorder)
            child = _launch(store_path)
            deadline = time.monotonic() + 30
            while _arrived(recorder) == before and child.poll() is None and time.monotonic() < deadline:
                time.sleep(0.005)  # wait until this child is dispatching
            assert child.poll() is None, "the child finished before it could be killed: " + \
                child.stderr.read().decode()[-1500:]
            time.sleep(rng.uniform(0, 0.3))  # somewhere in sending, flushing, claiming the next batch
            child.send_signal(signal.SIGKILL)
            child.wait(10)
            child.stderr.close()
            kills += 1
            # what a restart sees once it has reconciled the journal (done here in-process, as it would)
            recover(store.unit, EmailChannel.for_store(store_path), now=clock.now())
            states_after_restart.append(collections.Counter(s for s, _ in w.states(store, aid).values()))

        final = w.cli_once(store_path, NOW, timeout=120)  # the last restart runs to the end
        assert final.returncode == 0, final.stderr[-2000:]
    finally:
        controller.stop()

    unknown_before = 0
    for counts in states_after_restart:
        assert set(counts) <= {"sent", "pending", "unknown"}, counts
        assert counts["unknown"] - unknown_before <= SMTP_CONNECTIONS  # this crash's share
        unknown_before = counts["unknown"]
    received = collections.Counter(mid.strip("<>").split("@")[0] for mid in recorder.message_ids())
    assert received and max(received.values()) == 1, "a message reached the SMTP server twice"

    rows = w.outbox(store, aid)
    by_state = collections.defaultdict(set)
    for r in rows:
        by_state[r["state"]].add(r["message_id"])
    assert set(by_state) <= {"sent", "unknown"}, {k: len(v) for k, v in by_state.items()}
    assert len(by_state["unknown"]) <= CRASHES * SMTP_CONNECTIONS  # at most one per open connection per crash
    assert by_state["sent"] <= set(received)                     # every `sent` really arrived, once
    assert set(received) <= by_state["sent"] | by_state["unknown"]
    assert all(r["reason"] == "crashed_during_send" for r in rows if r["state"] == "unknown")
    assert len(rows) == MEMBERS + topped_up
    print(f"\n{kills} kills: {len(by_state['sent'])} sent, {len(by_state['unknown'])} unknown "
          f"({len(by_state['unknown'] & set(received))} of them had arrived)")


def test_sigterm_finishes_the_messages_in_hand_and_exits_cleanly(store, store_path, fixed_clock) -> None:
    recorder = w.Recorder(delay=0.03)
    controller = w.smtp_server(recorder)
    try:
        fixed_clock.set(at(1, 9))
        w.seed_shop(store)
        w.configure_sender(store, w.smtp_port(controller))
        aid = w.automation(store, "signup", advertising=False)
        w.write(store, members=[w.member(f"t{i:03d}", at(1, 10)) for i in range(300)])
        fixed_clock.set(NOW)
        evaluate_all(store, clock.now())
        child = subprocess.Popen([sys.executable, "-m", "core", "scheduler", "--now", NOW.isoformat(),
                                  "--tick-seconds", "1"], env=python_env(store_path),
                                 stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        deadline = time.monotonic() + 30
        while _arrived(recorder) < 10 and time.monotonic() < deadline:
            time.sleep(0.01)
        child.send_signal(signal.SIGTERM)
        assert child.wait(20) == 0
        stderr = child.stderr.read().decode()
        child.stderr.close()
    finally:
        controller.stop()
    assert '"event": "scheduler_stopped"' in stderr
    rows = w.outbox(store, aid)
    states = collections.Counter(r["state"] for r in rows)
    assert set(states) == {"sent", "pending"}, states          # nothing left sending, nothing unknown
    received = collections.Counter(mid.strip("<>").split("@")[0] for mid in recorder.message_ids())
    assert {r["message_id"] for r in rows if r["state"] == "sent"} == set(received)
    assert all(r["attempts"] == 0 for r in rows if r["state"] == "pending")  # released, not counted as tries
    assert not scheduler_lock.is_held(store.path)  # the scheduler lock went with the process
