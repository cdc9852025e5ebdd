"""The scheduler's heartbeat, in a small file beside the store.

Every open browser tab shows it; reading a file keeps them off the store's lock. It carries the next
jobs the tick read anyway, so writing it costs no unit of work. `last_tick_at` is the business clock's
instant of the tick; `written_at` is wall time, which is what says whether the scheduler is alive.
"""
from __future__ import annotations

import datetime as dt
import json
import os
import socket
from pathlib import Path
from typing import Any, TypedDict

STALE_AFTER = dt.timedelta(minutes=2)


class NextJob(TypedDict):
    job: str
    next_due_at: str
    last_status: str
    last_error: str


def path_for(store_path: Path) -> Path:
    return store_path.with_name(store_path.name + ".heartbeat.json")


def write(store_path: Path, *, started_at: dt.datetime, now: dt.datetime, next_jobs: list[NextJob],
          state: str = "running") -> dict[str, Any]:
    beat = {
        "pid": os.getpid(),
        "host": socket.gethostname(),
        "state": state,
        "started_at": started_at.isoformat(),
        "last_tick_at": now.isoformat(),
        "written_at": dt.datetime.now(dt.UTC).isoformat(),
        "next_jobs": next_jobs,
    }
    target = path_for(store_path)
    tmp = target.with_name(target.name + f".{os.getpid()}.tmp")
    tmp.write_text(json.dumps(beat, ensure_ascii=False), encoding="utf-8")
    os.replace(tmp, target)
    return beat


def read(store_path: Path) -> dict[str, Any] | None:
    try:
        beat = json.loads(path_for(store_path).read_text(encoding="utf-8"))
    except (FileNotFoundError, ValueError):
        return None
    return beat if isinstance(beat, dict) else None


def is_alive(beat: dict[str, Any] | None, wall: dt.datetime) -> bool:
    """Alive when it wrote within STALE_AFTER of `wall` (wall time) and did not say it stopped."""
    if not beat or beat.get("state") == "stopped":
        return False
    written = dt.datetime.fromisoformat(beat["written_at"])
    return wall - written <= STALE_AFTER
