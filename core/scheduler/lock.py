"""One scheduler per store: an exclusive `flock` on `<store>.scheduler.lock`, held for the process's life.

The kernel drops the lock when the process ends, however it ends, so a killed scheduler never leaves a
lock to wait out, and holding it costs the store nothing. The file names its holder (host, pid, since)
for the error a second scheduler gives.
"""
from __future__ import annotations

import datetime as dt
import fcntl
import json
import logging
import os
import socket
import threading
from pathlib import Path
from types import TracebackType

from core.errors import Conflict
from core.log import event

log = logging.getLogger("core.scheduler.lock")


class SchedulerRunning(Conflict):
    """Another scheduler holds the store's scheduler lock."""

    def __init__(self, holder: str) -> None:
        super().__init__("scheduler.already_running", holder=holder,
                         detail=f"another scheduler holds this store ({holder}), so --once cannot run now. "
                                "To run it: stop the running scheduler (Ctrl-C on ./start stops it with "
                                "everything else), or point CONSOLE_DB (or --db) at another store. "
                                "Run the scheduler without --once to wait for it and take over")


def path_for(store_path: Path) -> Path:
    return store_path.with_name(store_path.name + ".scheduler.lock")


class SchedulerLock:
    """The scheduler lock of one store; `acquire` or `wait`, then `release` (or use it as a context manager)."""

    def __init__(self, store_path: Path) -> None:
        self.path = path_for(store_path)
        self._fd: int | None = None

    @property
    def held(self) -> bool:
        return self._fd is not None

    def acquire(self) -> None:
        """Take the lock now, or raise SchedulerRunning naming who holds it."""
        if not self.try_acquire():
            raise SchedulerRunning(self.holder())

    def try_acquire(self) -> bool:
        if self._fd is not None:
            return True
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            return False
        os.ftruncate(fd, 0)
        os.pwrite(fd, json.dumps({"host": socket.gethostname(), "pid": os.getpid(),
                                  "since": dt.datetime.now(dt.UTC).isoformat(timespec="seconds")}).encode(), 0)
        self._fd = fd
        return True

    def wait(self, stop: threading.Event, poll_seconds: float = 1.0) -> bool:
        """Wait for the lock until `stop` is set; True once held. Says once who it waits for."""
        said = None
        while not stop.is_set():
            if self.try_acquire():
                return True
            holder = self.holder()
            if holder != said:
                event(log, "lock_wait", holder=holder, message="another scheduler is running; waiting for it")
                said = holder
            stop.wait(poll_seconds)
        return False

    def holder(self) -> str:
        """Who holds the lock, as its file says (host:pid since ...)."""
        try:
            info = json.loads(self.path.read_text(encoding="utf-8") or "{}")
        except (OSError, ValueError):
            return "another process"
        return f"{info.get('host', '?')}:{info.get('pid', '?')} (since {info.get('since', '?')})"

    def release(self) -> None:
        if self._fd is not None:
            fcntl.flock(self._fd, fcntl.LOCK_UN)
            os.close(self._fd)
            self._fd = None

    def __enter__(self) -> SchedulerLock:
        self.acquire()
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.release()


def is_held(store_path: Path) -> bool:
    """Whether some scheduler holds the store's lock now."""
    probe = SchedulerLock(store_path)
    if probe.try_acquire():
        probe.release()
        return False
    return True
