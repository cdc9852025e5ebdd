"""Peak memory of a benchmark's processes, its children run one size each, and a `scheduler --once` child.

VmHWM, not getrusage's ru_maxrss: Linux keeps ru_maxrss across exec, so a child would report the peak of the
parent it was forked from (a parent that built a large file or store)."""
from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
import sys
import time
from pathlib import Path


def peak_mb(pid: int | str = "self") -> float:
    """A process's RSS high-water mark in MB (VmHWM); 0 once it is gone."""
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


def run_child(script: str, args: list[str]) -> dict:
    """`script --child ARGS` in a process of its own; the JSON object its last line prints."""
    out = subprocess.run([sys.executable, script, "--child", *args], capture_output=True, text=True)
    if out.returncode:
        raise SystemExit(f"the child {args[0]} failed:\n{out.stderr[-3000:]}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def scheduler_once(now: dt.datetime, root: Path) -> tuple[float, float, str, int]:
    """`python -m core scheduler --once --now NOW` over the store CONSOLE_DB names: its wall time (interpreter
    start included), its own peak RSS in MB (read until it exits), what it printed and its exit code."""
    t = time.perf_counter()
    child = subprocess.Popen([sys.executable, "-m", "core", "scheduler", "--once", "--now", now.isoformat()],
                             env={**os.environ, "PYTHONPATH": str(root)}, stdout=subprocess.PIPE,
                             stderr=subprocess.DEVNULL, text=True)
    rss = 0.0
    while child.poll() is None:
        rss = max(rss, peak_mb(child.pid))
        time.sleep(0.05)
    out = child.stdout.read().strip() if child.stdout else ""
    return time.perf_counter() - t, rss, out, child.returncode
