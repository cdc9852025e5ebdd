"""Pages fetched in a thread ahead of the one writing them, so the store is never open during a fetch.

The sync engine and the Godomall address book read a platform's pages through `Prefetch`: while a batch is
written (a second or more, mostly outside the GIL), the platform's next pages are already being read.
"""
from __future__ import annotations

import collections
import threading
import time
from collections.abc import Callable, Iterator
from typing import Any

from core.errors import CoreError, Kind
from core.integrations.base import Page

CHUNK_SECONDS = 0.5  # pages held for one chunk at most this long (see Prefetch)


class PrefetchStopped(CoreError):
    """The fetching thread ended without handing on a result or an error: a fault of ours."""

    kind = Kind.INTERNAL


def prefetched(pages: Iterator[Any], depth: int = 2) -> Iterator[Any]:
    """Fetch the next pages while the current one is written (the store is never open during a fetch)."""
    return iter(Prefetch(pages, depth))


class Prefetch:
    """Pages fetched in a thread ahead of their consumer: `depth` of them, or while a batch is being written
    (`allow(rows)`), pages holding up to `rows` rows. Writing a batch takes DuckDB a second or more, mostly
    outside the GIL; the platform's next pages are read meanwhile instead of waiting for it.

    With `chunk`, consecutive pages are handed as `chunk(pages)`, up to `chunk_rows` rows or CHUNK_SECONDS
    a chunk, in the fetching thread; pages held for a chunk count as fetched ahead, and when the platform
    fails, those held are handed on before the failure.
    """

    def __init__(self, pages: Iterator[Any], depth: int = 2, *, chunk: Callable[[list], Any] | None = None,
                 chunk_rows: int = 0) -> None:
        self.pages, self.depth, self.chunk, self.chunk_rows = pages, depth, chunk, chunk_rows
        self.ready: collections.deque = collections.deque()
        self.waiting = 0   # rows in `ready`
        self.rows = 0      # rows allowed ahead while a batch is written; 0: `depth` items
        self.changed = threading.Condition()
        self.stop = threading.Event()

    def allow(self, rows: int) -> None:
        with self.changed:
            self.rows = rows
            self.changed.notify_all()

    def _full(self) -> bool:
        if not self.ready:
            return False
        return len(self.ready) >= self.depth and (not self.rows or self.waiting >= self.rows)

    def _hand(self, item: Any, size: int = 0) -> bool:
        with self.changed:
            while self._full() and not self.stop.is_set():
                self.changed.wait(0.2)
            if self.stop.is_set():
                return False
            self.ready.append((item, size))
            self.waiting += size
            self.changed.notify_all()
            return True

    def _ahead(self, held: int) -> bool:
        """Whether `held` rows more would pass what may be fetched ahead of a batch being written."""
        with self.changed:
            return bool(self.rows) and self.waiting + held >= self.rows

    def _produce(self, done: object) -> None:
        held: list[Any] = []
        size, started = 0, 0.0
        try:
            for page in self.pages:
                if self.chunk is None:
                    if not self._hand(page, page.size if isinstance(page, Page) else 0):
                        return
                    continue
                if not held:
                    started = time.monotonic()
                held.append(page)
                size += page.size
                if (size >= self.chunk_rows or time.monotonic() - started >= CHUNK_SECONDS
                        or self._ahead(size)):
                    chunk, held, size = self.chunk(held), [], 0
                    if not self._hand(chunk, chunk.size):
                        return
            if held and self.chunk is not None:
                chunk, held = self.chunk(held), []
                if not self._hand(chunk, chunk.size):
                    return
            self._hand(done)
        except BaseException as failure:  # handed to the consumer, which re-raises it
            self._hand_failure(failure, held)

    def _hand_failure(self, failure: BaseException, held: list[Any]) -> None:
        """Pages already fetched go on before the failure (or a failure to frame them, instead of it)."""
        if held and self.chunk is not None:
            try:
                chunk = self.chunk(held)
            except BaseException as framing:
                failure = framing
            else:
                if not self._hand(chunk, chunk.size):
                    return
        self._hand(failure)

    def __iter__(self) -> Iterator[Any]:
        done = object()
        producer = threading.Thread(target=self._produce, args=(done,), name="sync-prefetch", daemon=True)
        producer.start()
        try:
            while True:
                with self.changed:
                    while not self.ready:
                        # A producer that died without handing anything on must not leave the sync waiting forever.
                        if not producer.is_alive() and not self.ready:
                            raise PrefetchStopped("sync.prefetch_stopped", detail="the page-fetching thread "
                                                  "stopped without a result or an error")
                        self.changed.wait(0.5)
                    item, size = self.ready.popleft()
                    self.waiting -= size
                    self.changed.notify_all()
                if item is done:
                    return
                if isinstance(item, BaseException):
                    raise item
                yield item
        finally:
            self.stop.set()
            with self.changed:
                self.changed.notify_all()
