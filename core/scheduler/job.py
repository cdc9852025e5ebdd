"""A scheduler job: a name, how often it runs, and what it does."""
from __future__ import annotations

import dataclasses
import datetime as dt
import threading
from collections.abc import Callable

from core.store import Store

# Does the work at `now` (the tick's instant), noticing `stop` between items; returns a one-line summary.
JobRun = Callable[[Store, dt.datetime, threading.Event], str]


@dataclasses.dataclass(frozen=True)
class Job:
    name: str
    every: dt.timedelta
    run: JobRun
