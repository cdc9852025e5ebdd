"""Structured logs: one JSON line per event, with secrets scrubbed."""
from __future__ import annotations

import json
import logging
import re
import sys
from typing import Any

from core import clock

# Keys whose values are never written, whatever the caller passes.
_SECRET_KEYS = re.compile(r"(secret|token|password|passwd|authorization|api_?key|partner_?key|user_?key)", re.I)


def scrub(fields: dict[str, Any]) -> dict[str, Any]:
    return {k: ("***" if _SECRET_KEYS.search(k) else v) for k, v in fields.items()}


def event(logger: logging.Logger, name: str, level: int = logging.INFO, **fields: Any) -> None:
    logger.log(level, json.dumps({"at": clock.now().isoformat(), "event": name, **scrub(fields)},
                                 ensure_ascii=False, default=str))


def configure(level: int = logging.INFO) -> None:
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(message)s"))
    root = logging.getLogger("core")
    root.handlers[:] = [handler]
    root.setLevel(level)
    root.propagate = False
