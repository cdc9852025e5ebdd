"""The one clock every rule asks for the time.

Rules never read the wall clock: tests and `--now` replace the clock, so the
same code runs at any instant.
"""
from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

DEFAULT_TZ = "Asia/Seoul"
UTC = dt.UTC


class Clock:
    """Wall-clock time, always timezone-aware UTC."""

    def now(self) -> dt.datetime:
        return dt.datetime.now(UTC)


class FixedClock(Clock):
    """A clock that stands still until moved; for tests and `--now`."""

    def __init__(self, at: dt.datetime) -> None:
        self._at = require_aware(at).astimezone(UTC)

    def now(self) -> dt.datetime:
        return self._at

    def set(self, at: dt.datetime) -> None:
        self._at = require_aware(at).astimezone(UTC)

    def advance(self, **delta: float) -> dt.datetime:
        self._at += dt.timedelta(**delta)
        return self._at


class OffsetClock(Clock):
    """Runs at wall-clock speed from a chosen start (a scheduler started with `--now` and no `--once`)."""

    def __init__(self, start: dt.datetime) -> None:
        self._offset = require_aware(start) - dt.datetime.now(UTC)

    def now(self) -> dt.datetime:
        return dt.datetime.now(UTC) + self._offset


_clock: Clock = Clock()


def get_clock() -> Clock:
    return _clock


def set_clock(clock: Clock) -> None:
    global _clock
    _clock = clock


def now() -> dt.datetime:
    return _clock.now()


def require_aware(at: dt.datetime) -> dt.datetime:
    if at.tzinfo is None or at.tzinfo.utcoffset(at) is None:
        raise ValueError(f"timestamp {at.isoformat()} has no time zone; every instant must be timezone-aware")
    return at


def parse_instant(text: str) -> dt.datetime:
    """Parse an ISO 8601 instant; it must carry its offset (e.g. 2026-01-10T09:00:00+09:00)."""
    try:
        at = dt.datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    except ValueError as exc:
        raise ValueError(f"'{text}' is not an ISO 8601 timestamp like 2026-01-10T09:00:00+09:00") from exc
    return require_aware(at).astimezone(UTC)


def local(at: dt.datetime, tz: str = DEFAULT_TZ) -> dt.datetime:
    """The same instant on the shop's wall clock."""
    return require_aware(at).astimezone(ZoneInfo(tz))
