"""`python -m core status`: the store's counts, syncs and the scheduler's heartbeat, as one dict."""
from __future__ import annotations

from typing import Any

from core.console import overview as ov
from core.scheduler import heartbeat
from core.store import Store


def scheduler_state(store: Store) -> dict[str, Any]:
    """The scheduler's last heartbeat (read from its file, off the store's lock) and whether it is alive."""
    beat = heartbeat.read(store.path)
    return {"alive": heartbeat.is_alive(beat), "heartbeat": beat}


def overview(store: Store | None = None) -> dict[str, Any]:
    store = store or Store(role="cli")
    with store.unit() as con:
        version = con.execute("SELECT max(version) FROM schema_migrations").fetchone()[0]
    return {
        "store": str(store.path),
        "schema_version": version,
        "totals": ov.summary(store),
        "shops": ov.shops(store),
        "open_sync_errors": ov.open_errors(store),
        "recent_syncs": ov.recent_runs(store, limit=5),
        "scheduler": scheduler_state(store),
    }
