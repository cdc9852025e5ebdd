"""Killing a `python -m core sync` child at a chosen moment, for the crash-and-resume tests."""
from __future__ import annotations

import os
import signal
import subprocess
import threading
from collections.abc import Callable


def kill_after_first_commit(child: subprocess.Popen, entity: str, stall: Callable[[], None],
                            stalled: threading.Event, wait_s: float = 60) -> str:
    """SIGKILL `child` once it has committed a batch and is stalled on a later page; its stderr back.

    `python -m core sync` prints a progress line after each committed batch: the first one arms the stall,
    so the child dies with a checkpoint behind it and fetched-but-unwritten pages in hand, whatever the
    engine's batch size."""
    lines: list[str] = []

    def read() -> None:
        armed = False
        for raw in child.stderr:
            lines.append(raw.decode(errors="replace"))
            if not armed and lines[-1].strip().startswith(f"{entity}:"):
                armed = True
                stall()

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    assert stalled.wait(wait_s), "the child never reached the stalled page: " + "".join(lines)
    os.kill(child.pid, signal.SIGKILL)
    child.wait(10)
    reader.join(5)
    return "".join(lines)
