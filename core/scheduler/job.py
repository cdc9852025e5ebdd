"""A scheduler job: a name, how often it runs, what it does, and how it can tell it has nothing to do."""
from __future__ import annotations

import dataclasses
import datetime as dt
import threading
from collections.abc import Callable

import duckdb

from core.store import Store

# Does the work at `now` (the tick's instant), noticing `stop` between items; returns a one-line summary.
JobRun = Callable[[Store, dt.datetime, threading.Event], str]

# Whether a run at `now` would find nothing to do, asked in the unit of work the tick already holds (one
# cheap query): the jobs due every few seconds are idle most of the time, and an idle job then costs no
# unit of work of its own (opening the store costs a DuckDB instance, about 10-15 ms, each time).
JobIdle = Callable[[Store, duckdb.DuckDBPyConnection, dt.datetime], bool]


@dataclasses.dataclass(frozen=True)
class Job:
    name: str
    every: dt.timedelta
    run: JobRun
    idle: JobIdle | None = None
    idle_summary: str = "nothing due"  # what the job's record says for a run its idle answer skipped
