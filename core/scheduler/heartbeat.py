"""The scheduler's heartbeat, in a small file beside the store.

Every open browser tab shows it; reading a file keeps them off the store's lock.
"""
from __future__ import annotations

import datetime as dt
import json
import os
import socket
from pathlib import Path
from typing import Any

from core import clock

STALE_AFTER = dt.timedelta(minutes=2)


def path_for(store_path: Path) -> Path:
    return store_path.with_name(store_path.name + ".heartbeat.json")


def write(store_path: Path, *, started_at: dt.datetime, next_jobs: list[dict[str, Any]],
          state: str = "running") -> dict[str, Any]:
    beat = {
        "pid": os.getpid(),
        "host": socket.gethostname(),
        "state": state,
        "started_at": started_at.isoformat(),
        "last_tick_at": clock.now().isoformat(),
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
        return json.loads(path_for(store_path).read_text(encoding="utf-8"))
    except (FileNotFoundError, ValueError):
        return None


def is_alive(beat: dict[str, Any] | None, now: dt.datetime | None = None) -> bool:
    """Alive when it wrote within STALE_AFTER of wall time and did not say it stopped."""
    if not beat or beat.get("state") == "stopped":
        return False
    written = dt.datetime.fromisoformat(beat["written_at"])
    return (now or dt.datetime.now(dt.UTC)) - written <= STALE_AFTER
