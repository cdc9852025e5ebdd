"""The scheduler's sync job for one shop."""
from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Callable
from typing import Any

from core.errors import UpstreamFailed
from core.integrations import make_client
from core.shops.registry import get_shop
from core.store import Store
from core.sync.engine import SyncResult, sync_shop


class SyncFailed(UpstreamFailed):
    """A scheduled sync ended failed; the sync run it recorded says why."""


def run_sync(store: Store, shop_id: str, started_by: str = "cli", **kwargs: Any) -> SyncResult:
    client = make_client(get_shop(store, shop_id))
    try:
        return sync_shop(store, shop_id, client, started_by=started_by, **kwargs)
    finally:
        client.close()


def sync_job(shop_id: str) -> Callable[[Store, dt.datetime, threading.Event], str]:
    """The job that syncs `shop_id` from its checkpoints. The sync engine stamps its runs itself, as an I/O edge."""
    def run(store: Store, now: dt.datetime, stop: threading.Event) -> str:
        result = run_sync(store, shop_id, started_by="scheduler")
        if result.status != "succeeded":
            raise SyncFailed("sync.failed", detail=f"sync of {shop_id} failed: {result.error}", shop_id=shop_id)
        return f"{result.records} records in {result.pages} pages"
    return run
