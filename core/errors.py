"""The one error tree of the core.

Every error the core raises on purpose is a `CoreError`: it carries a `kind`
(what sort of failure, which decides whether trying again can help), a `key`
(which words the console shows for it) and `params` (the values those words
name). The core never words an error for a person: the console looks the key
up in `core.i18n` and fills in the parameters, in the reader's language.

`detail` is the technical account of what happened (an HTTP status, the
platform's own error text, the line of a template), in English, for logs and
for the console's "details" line. It never carries a secret.

Errors cross a process boundary as (kind, key, params, detail), e.g. in
`sync_runs`, so the console can explain a failure the scheduler recorded
without matching words in a message.
"""
from __future__ import annotations

import enum
import json
from collections.abc import Mapping
from typing import Any


class Kind(enum.StrEnum):
    """What sort of failure; decides whether a retry can help."""

    INVALID = "invalid"            # the input is wrong: a field, a file, a template, a rule
    NOT_FOUND = "not_found"        # what was named does not exist
    CONFLICT = "conflict"          # the current state forbids it: already running, quota used, duplicate
    AUTH = "auth"                  # credentials missing, refused or expired
    UNREACHABLE = "unreachable"    # no connection: refused, name not found, timed out
    RATE_LIMITED = "rate_limited"  # the other side asked us to slow down, past our retries
    UPSTREAM = "upstream"          # the other side failed (5xx) or refused the request
    BAD_RESPONSE = "bad_response"  # the other side answered something that cannot be read
    BUSY = "busy"                  # the store was held past the bounded wait
    UNKNOWN_OUTCOME = "unknown_outcome"  # it may or may not have happened; never retried blindly
    INTERNAL = "internal"          # a fault of ours


RETRYABLE_KINDS = frozenset({Kind.UNREACHABLE, Kind.RATE_LIMITED, Kind.UPSTREAM, Kind.BUSY})


class CoreError(Exception):
    """An error with a kind, a key for the console's words, and the parameters those words name."""

    kind: Kind = Kind.INTERNAL

    def __init__(self, key: str, /, *, detail: str = "", kind: Kind | None = None, **params: Any) -> None:
        self.key = key
        self.params: dict[str, Any] = params
        self.detail = detail
        if kind is not None:
            self.kind = kind
        super().__init__(self._log_text())

    @property
    def retryable(self) -> bool:
        """Whether the same call, made again later, can succeed."""
        return self.kind in RETRYABLE_KINDS

    def _log_text(self) -> str:
        shown = ", ".join(f"{k}={v!r}" for k, v in self.params.items())
        head = f"{self.key}({shown})" if shown else self.key
        return f"{head}: {self.detail}" if self.detail else head

    def record(self) -> ErrorRecord:
        return ErrorRecord(self.kind, self.key, self.params, self.detail)


class ErrorRecord:
    """An error as it is stored (kind, key, params, detail): what the console needs to explain it later."""

    __slots__ = ("kind", "key", "params", "detail")

    def __init__(self, kind: Kind | str, key: str, params: Mapping[str, Any] | None = None,
                 detail: str = "") -> None:
        self.kind = Kind(kind)
        self.key = key
        self.params = dict(params or {})
        self.detail = detail

    def params_json(self) -> str:
        return json.dumps(self.params, ensure_ascii=False, default=str)

    @classmethod
    def of(cls, exc: BaseException) -> ErrorRecord:
        """Any exception as a record; one that is not a CoreError is an internal fault, named by its type."""
        if isinstance(exc, CoreError):
            return exc.record()
        return cls(Kind.INTERNAL, "internal", {"error": type(exc).__name__}, str(exc))

    @classmethod
    def load(cls, kind: str | None, key: str | None, params: str | None, detail: str | None) -> ErrorRecord | None:
        if not key:
            return None
        return cls(kind or Kind.INTERNAL, key, json.loads(params) if params else {}, detail or "")

    def __eq__(self, other: object) -> bool:
        return isinstance(other, ErrorRecord) and (self.kind, self.key, self.params, self.detail) == (
            other.kind, other.key, other.params, other.detail)

    def __repr__(self) -> str:
        return f"ErrorRecord({self.kind!s}, {self.key!r}, {self.params!r}, {self.detail!r})"


# Families the packages raise or subclass. A package's own errors subclass the family that fits,
# so `except InvalidInput` works across the core and the kind follows from the family.

class InvalidInput(CoreError):
    kind = Kind.INVALID


class NotFound(CoreError):
    kind = Kind.NOT_FOUND


class Conflict(CoreError):
    kind = Kind.CONFLICT


class AuthFailed(CoreError):
    kind = Kind.AUTH


class Unreachable(CoreError):
    kind = Kind.UNREACHABLE


class UpstreamFailed(CoreError):
    kind = Kind.UPSTREAM


class BadAnswer(CoreError):
    kind = Kind.BAD_RESPONSE


class OutcomeUnknown(CoreError):
    kind = Kind.UNKNOWN_OUTCOME
