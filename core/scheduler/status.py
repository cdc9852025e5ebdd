"""Whether the scheduler runs, from its heartbeat file (off the store's lock)."""
from __future__ import annotations

import datetime as dt
from typing import Any

from core.scheduler import heartbeat
from core.store import Store


def scheduler_state(store: Store) -> dict[str, Any]:
    """The scheduler's last heartbeat and whether it is alive (judged on wall time, as the file is stamped)."""
    beat = heartbeat.read(store.path)
    return {"alive": heartbeat.is_alive(beat, dt.datetime.now(dt.UTC)), "heartbeat": beat}
