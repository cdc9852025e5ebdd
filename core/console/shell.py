"""What app.py's sidebar shows on every page: the shops to choose from, the scheduler's heartbeat, and
where the store is.

The heartbeat is read from its file beside the store, never from the store, so every open tab can show
it without queuing on the store's lock.
"""
from __future__ import annotations

import dataclasses
import datetime as dt
import enum
from pathlib import Path
from typing import Any

from core import i18n
from core.console.common import store_path
from core.console.overview import ShopRow, shops
from core.i18n import t
from core.scheduler import heartbeat

__all__ = ["ShopRow", "shops", "store_path"]

JOBS_SHOWN = 5


class SchedulerState(enum.StrEnum):
    NEVER = "never"      # no heartbeat file: the scheduler never ran against this store
    STOPPED = "stopped"  # it said it stopped, or its heartbeat is stale
    ALIVE = "alive"


@dataclasses.dataclass(frozen=True)
class SchedulerStatus:
    state: SchedulerState
    last_seen: str = ""  # when it last wrote its heartbeat, in words ("3분 전")
    jobs: list[str] = dataclasses.field(default_factory=list)  # its next jobs, in words


def _job_line(job: dict[str, Any], scheduler_now: dt.datetime) -> str:
    if job.get("last_status") == "failed":
        return t("sidebar.job_failed", job=i18n.job_name(job["job"]))
    return t("sidebar.job_due", job=i18n.job_name(job["job"]), when=i18n.until(job["next_due_at"], scheduler_now))


def scheduler_status(db: str, wall: dt.datetime | None = None) -> SchedulerStatus:
    """The scheduler as the sidebar shows it, in this run's language. `wall` is the wall time (the
    heartbeat file is stamped in wall time, not on the scheduler's settable clock)."""
    wall = wall or dt.datetime.now(dt.UTC)
    beat = heartbeat.read(Path(db))
    if beat is None:
        return SchedulerStatus(SchedulerState.NEVER)
    if not heartbeat.is_alive(beat, wall):
        return SchedulerStatus(SchedulerState.STOPPED, i18n.ago(beat.get("written_at"), wall))
    # Due times are on the scheduler's clock; move its last tick forward by the wall time since.
    scheduler_now = dt.datetime.fromisoformat(beat["last_tick_at"]) + (
        wall - dt.datetime.fromisoformat(beat["written_at"]))
    jobs = beat.get("next_jobs") or []
    return SchedulerStatus(SchedulerState.ALIVE, i18n.ago(beat["written_at"], wall),
                           [_job_line(j, scheduler_now) for j in jobs[:JOBS_SHOWN]])
