"""The scheduler's sync job for one shop."""
from __future__ import annotations

from collections.abc import Callable

from core.integrations import make_client
from core.shops.registry import get_shop
from core.store import Store
from core.sync.engine import SyncResult, sync_shop


def run_sync(store: Store, shop_id: str, started_by: str = "cli", **kwargs) -> SyncResult:
    client = make_client(get_shop(store, shop_id))
    try:
        return sync_shop(store, shop_id, client, started_by=started_by, **kwargs)
    finally:
        client.close()


def sync_job(shop_id: str) -> Callable[[Store], str]:
    def run(store: Store) -> str:
        result = run_sync(store, shop_id, started_by="scheduler")
        if result.status != "succeeded":
            raise RuntimeError(f"sync of {shop_id} failed: {result.error}")
        return f"{result.records} records in {result.pages} pages"
    return run
