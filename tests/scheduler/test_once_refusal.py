"""`scheduler --once` while another scheduler process holds the store: refused, saying how to run it."""
from __future__ import annotations

import signal
import subprocess
import sys
import time

import pytest

from core.scheduler.lock import is_held
from core.store import Store
from tests.conftest import ROOT, python_env

pytestmark = [pytest.mark.slow, pytest.mark.timeout(120)]


def test_once_beside_a_running_scheduler_says_to_stop_it_or_use_another_store(store: Store) -> None:
    running = subprocess.Popen([sys.executable, "-m", "core", "scheduler", "--tick-seconds", "30"], cwd=ROOT,
                               env=python_env(store.path), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 60
        while not is_held(store.path):
            assert running.poll() is None and time.monotonic() < deadline, "the scheduler did not start"
            time.sleep(0.2)
        out = subprocess.run([sys.executable, "-m", "core", "scheduler", "--once", "--now",
                              "2026-01-10T09:00:00+09:00"], cwd=ROOT, env=python_env(store.path),
                             capture_output=True, text=True, timeout=60)
    finally:
        running.send_signal(signal.SIGTERM)
        running.wait(timeout=30)
    assert out.returncode == 3 and out.stdout == ""
    said = out.stderr
    assert f":{running.pid} " in said                       # names the scheduler in the way
    assert "stop the running scheduler" in said and "Ctrl-C on ./start" in said
    assert "CONSOLE_DB" in said and "another store" in said
    assert "Traceback" not in said
