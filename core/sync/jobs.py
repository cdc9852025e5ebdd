"""The scheduler's sync jobs: one per shop on its interval, and the one that follows the shops' webhooks."""
from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Callable
from typing import Any

from core.errors import CoreError, UpstreamFailed
from core.integrations import make_client
from core.integrations.cafe24 import Cafe24Client
from core.shops.registry import get_shop
from core.store import Store
from core.sync import cart_plan, webhooks
from core.sync.engine import SyncResult, sync_shop


class SyncFailed(UpstreamFailed):
    """A scheduled sync ended failed; the sync run it recorded says why."""


def run_sync(store: Store, shop_id: str, started_by: str = "cli", hinted: list[str] | None = None,
             rotate_carts: bool = True, **kwargs: Any) -> SyncResult:
    """Sync one shop; `hinted` names members a webhook announced (their carts are asked about first), and
    `rotate_carts=False` asks about no other member's cart (a quick sync a webhook started)."""
    client = make_client(get_shop(store, shop_id))
    if isinstance(client, Cafe24Client):
        client.cart_plan = cart_plan.load(store, shop_id, hinted, rotate_carts, client.cart_members_per_sync())
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


WEBHOOKS_EVERY = dt.timedelta(seconds=3)  # a received event is followed within a scheduler tick or two
NO_EVENTS = "no events"


def run_webhooks(store: Store, now: dt.datetime, stop: threading.Event) -> str:
    """Each shop with received events: an incremental sync of what they name (and the carts of the members
    they name), then the events are marked done; a failed sync leaves them to be tried again."""
    with store.unit() as con:
        waiting = webhooks.pending(con)
    synced = []
    for p in waiting:
        if stop.is_set():
            break
        try:
            result = run_sync(store, p.shop_id, started_by="webhook", hinted=p.members, rotate_carts=False,
                              entities=[*p.entities, "carts"])
            status = result.status
            error = None if status == "succeeded" else (result.error or "the sync failed")
        except CoreError as exc:  # the shop was removed, or its client cannot be made: leave it to polling
            status, error = "failed", exc.detail or str(exc)
        with store.unit() as con:
            webhooks.finished(con, p.shop_id, p.event_ids, now, error)
        synced.append(f"{p.shop_id}: {len(p.event_ids)} events, {status}")
    return "; ".join(synced) or NO_EVENTS
