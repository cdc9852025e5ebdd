"""The Cafe24 fake is the sandbox shop itself (one program, so they cannot drift apart).

Tests start `SandboxServer` in-process on port 0 and flip its `faults`; see `core.sandbox.server`.
"""
from __future__ import annotations

import datetime as dt

from core.sandbox.server import Faults, SandboxServer

__all__ = ["Faults", "SandboxServer", "start"]


def start(members: int = 300, seed: int = 7, *, at: dt.datetime | None = None, rate_limit: bool = False,
          frozen: bool = True) -> SandboxServer:
    """A small, still mall on a free loopback port; call `.stop()` when done."""
    return SandboxServer(members, seed, start=at, rate_limit=rate_limit, frozen=frozen)
