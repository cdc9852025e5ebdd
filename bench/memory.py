"""Peak memory of a benchmark's processes, and its children run one size each.

VmHWM, not getrusage's ru_maxrss: Linux keeps ru_maxrss across exec, so a child would report the peak of the
parent it was forked from (a parent that built a large file or store)."""
from __future__ import annotations

import json
import subprocess
import sys


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
