"""HTTP for platform clients: timeouts, pacing, retries with backoff, Retry-After.

Every platform client talks through `PlatformHTTP`, so each external call has a
timeout, nothing retries forever, and errors are worded for an operator without
the request's query string or headers (where the keys and tokens travel).
"""
from __future__ import annotations

import socket
import threading
import time
from collections.abc import Callable
from typing import Any

import httpx

from core.integrations.base import PlatformFailed, PlatformUnreachable, RateLimited, TransientError

MAX_RETRY_AFTER_S = 60.0


class RateLimiter:
    """A token bucket: at most `rate` requests a second on average, `burst` at once.

    Pacing slightly under a platform's documented limit keeps the client off its 429s.
    """

    def __init__(self, rate: float, burst: int = 1, *, monotonic: Callable[[], float] = time.monotonic,
                 sleep: Callable[[float], None] = time.sleep) -> None:
        if rate <= 0:
            raise ValueError("rate must be positive")
        self.rate, self.burst = rate, max(1, burst)
        self._tokens = float(self.burst)
        self._last = monotonic()
        self._monotonic, self._sleep = monotonic, sleep
        self._guard = threading.Lock()

    def acquire(self) -> None:
        with self._guard:
            now = self._monotonic()
            self._tokens = min(self.burst, self._tokens + (now - self._last) * self.rate)
            self._last = now
            wait = 0.0 if self._tokens >= 1 else (1 - self._tokens) / self.rate
            self._tokens -= 1
        if wait > 0:
            self._sleep(wait)

    def hold(self, seconds: float) -> None:
        """Spend the bucket for `seconds` (after a 429 or a platform saying it is nearly full)."""
        with self._guard:
            self._tokens = min(self._tokens, 0.0) - seconds * self.rate


def retry_after_seconds(response: httpx.Response, default: float) -> float:
    value = response.headers.get("Retry-After")
    try:
        return min(MAX_RETRY_AFTER_S, max(0.0, float(value))) if value else default
    except ValueError:  # an HTTP date; rare from these platforms, so wait the default
        return default


def network_cause(exc: httpx.TransportError) -> str:
    """Why a request found no one to answer it: `connection_refused`, `host_unknown` or `network_failed`.

    httpx raises one ConnectError for all of them; the OS error beneath it (a refused socket, a failed name
    lookup) names the cause without reading any message.
    """
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        if isinstance(current, ConnectionRefusedError):
            return "connection_refused"
        if isinstance(current, socket.gaierror):
            return "host_unknown"
        current = current.__cause__ or current.__context__
    return "network_failed"


class PlatformHTTP:
    """One platform's HTTP session with the retry and pacing rules every client shares."""

    def __init__(self, platform: str, base_url: str, *, timeout: float = 10.0, max_retries: int = 4,
                 backoff: float = 0.5, limiter: RateLimiter | None = None,
                 sleep: Callable[[float], None] = time.sleep,
                 on_response: Callable[[httpx.Response], None] | None = None) -> None:
        self.platform = platform
        self.max_retries = max_retries
        self.backoff = backoff
        self.limiter = limiter
        self.sleep = sleep
        self.on_response = on_response
        self.retries = 0       # transient failures retried, for the benchmarks and the run log
        self.throttled = 0     # 429s received
        self.timeout_seconds = timeout
        self.client = httpx.Client(base_url=base_url, timeout=timeout)

    def request(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        """Send, retrying timeouts, connection errors, 429 and 5xx; other answers go back to the caller."""
        attempt = 0
        while True:
            wait = self.backoff * 2 ** attempt
            if self.limiter:
                self.limiter.acquire()
            try:
                response = self.client.request(method, path, **kwargs)
            except httpx.TimeoutException:
                failure: type[TransientError] = PlatformUnreachable
                key, status = "sync.timeout", None
                problem = f"{self.platform} did not answer {path} within {self.timeout_seconds:g} s"
            except httpx.TransportError as exc:
                failure, key, status = PlatformUnreachable, f"sync.{network_cause(exc)}", None
                problem = f"could not reach {self.platform} for {path}: {type(exc).__name__}"
            else:
                if self.on_response:
                    self.on_response(response)
                if response.status_code == 429:
                    self.throttled += 1
                    failure, key, status = RateLimited, "sync.rate_limited", 429
                    problem = f"{self.platform} said too many requests (429) for {path}"
                    wait = retry_after_seconds(response, wait)
                elif response.status_code >= 500:
                    failure, key, status = PlatformFailed, "sync.platform_failed", response.status_code
                    problem = f"{self.platform} failed with HTTP {response.status_code} for {path}"
                else:
                    return response
            attempt += 1
            if attempt > self.max_retries:
                params: dict[str, Any] = {"platform": self.platform, "what": path, "tries": attempt}
                if status is not None:
                    params["status"] = status
                if key == "sync.timeout":
                    params["seconds"] = self.timeout_seconds
                raise failure(key, detail=f"{problem}; gave up after {attempt} tries, will resume from the last "
                                          "checkpoint", **params)
            self.retries += 1
            if self.limiter:
                self.limiter.hold(wait)  # the next acquire waits it out, for every caller of the bucket
            else:
                self.sleep(wait)

    def close(self) -> None:
        self.client.close()
