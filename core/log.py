"""Structured logs: one JSON line per event, with secrets scrubbed.

Lines are stamped with wall time (when the line was written, whatever clock the rules run on); a caller
that runs at a business instant (the scheduler's tick, `--now`) passes it as `clock=`.
"""
from __future__ import annotations

import datetime as dt
import json
import logging
import re
import sys
from typing import Any

# Keys whose values are never written, whatever the caller passes.
_SECRET_KEYS = re.compile(r"(secret|token|password|passwd|authorization|api_?key|partner_?key|user_?key)", re.I)


def scrub(fields: dict[str, Any]) -> dict[str, Any]:
    return {k: ("***" if _SECRET_KEYS.search(k) else v) for k, v in fields.items()}


def event(logger: logging.Logger, name: str, level: int = logging.INFO, *, clock: dt.datetime | None = None,
          **fields: Any) -> None:
    line: dict[str, Any] = {"at": dt.datetime.now(dt.UTC).isoformat(), "event": name}
    if clock is not None:
        line["clock"] = clock.isoformat()
    logger.log(level, json.dumps({**line, **scrub(fields)}, ensure_ascii=False, default=str))


def configure(level: int = logging.INFO) -> None:
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(message)s"))
    root = logging.getLogger("core")
    root.handlers[:] = [handler]
    root.setLevel(level)
    root.propagate = False
