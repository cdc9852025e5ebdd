"""The sync engine's promises, independent of any platform: a page and its checkpoint land together,
a failure leaves the store as it was before the failed batch, and children are replaced whole."""
from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator
from typing import Any

from core import clock
from core.errors import ErrorRecord
from core.integrations.base import BadResponse, Page
from core.store import Store
from core.sync.engine import sync_shop

UTC = dt.UTC
T0 = dt.datetime(2026, 1, 1, tzinfo=UTC)


class ListClient:
    """A platform that serves cart pages from a list; `fail_at` makes page N answer garbage."""

    platform = "test"
    entities = ("carts",)

    def __init__(self, carts: list[dict[str, Any]], page_size: int = 2, fail_at: int | None = None) -> None:
        self.carts, self.page_size, self.fail_at = carts, page_size, fail_at
        self.served: list[int] = []

    def pages(self, entity: str, cursor: dict | None) -> Iterator[Page]:
        start = (cursor or {}).get("offset", 0)
        for offset in range(start, len(self.carts), self.page_size):
            if self.fail_at is not None and offset // self.page_size == self.fail_at:
                raise BadResponse("sync.not_json", platform="sandbox", what="carts", offset=offset,
                                  detail=f"cart page at offset {offset} was not JSON")
            self.served.append(offset)
            chunk = self.carts[offset:offset + self.page_size]
            yield Page(rows={"carts": [c["cart"] for c in chunk],
                             "cart_items": [i for c in chunk for i in c["items"]]},
                       cursor={"offset": offset + len(chunk)})

    def close(self) -> None:
        pass


def cart(key: str, items: int, email: str = "a@x.kr") -> dict[str, Any]:
    return {"cart": {"cart_key": key, "email": email, "status": "open", "total_amount": 1000 * items,
                     "last_activity_at": T0, "raw": {"id": key}},
            "items": [{"cart_key": key, "line_no": n, "name": f"상품 {n}", "quantity": 1, "unit_price": 1000}
                      for n in range(1, items + 1)]}


def _state(store: Store) -> tuple:
    with store.unit() as con:
        carts = con.execute("SELECT cart_key, total_amount FROM carts ORDER BY 1").fetchall()
        items = con.execute("SELECT cart_key, count(*) FROM cart_items GROUP BY 1 ORDER BY 1").fetchall()
        cursor = con.execute("SELECT cursor FROM sync_checkpoints").fetchall()
    return carts, items, cursor


def test_pages_land_with_their_checkpoint_and_a_run_record(store: Store, fixed_clock) -> None:
    result = sync_shop(store, "s1", ListClient([cart(f"c{i}", i) for i in range(1, 6)]), batch_rows=1)
    assert (result.status, result.records, result.pages) == ("succeeded", 5, 3)
    carts, items, cursor = _state(store)
    assert [c[0] for c in carts] == ["c1", "c2", "c3", "c4", "c5"]
    assert dict(items) == {f"c{i}": i for i in range(1, 6)}
    assert [json.loads(c[0]) for c in cursor] == [{"offset": 5}]
    with store.unit() as con:
        run = con.execute("SELECT status, records, pages, started_at, finished_at FROM sync_runs").fetchone()
    assert run[:3] == ("succeeded", 5, 3) and run[3] == run[4] == fixed_clock.now()


def test_a_failed_page_leaves_what_was_committed_and_the_next_run_resumes(store: Store, fixed_clock) -> None:
    carts = [cart(f"c{i}", 1) for i in range(1, 7)]
    failed = sync_shop(store, "s1", ListClient(carts, fail_at=2), batch_rows=1)
    assert failed.status == "failed" and "cart page at offset 4 was not JSON" in failed.error
    assert [c[0] for c in _state(store)[0]] == ["c1", "c2", "c3", "c4"]
    with store.unit() as con:
        assert con.execute("SELECT status, error FROM sync_runs").fetchone() == ("failed", failed.error)
        # Beside the message, the error as the console explains it: its kind, key and params.
        stored = con.execute("SELECT error_kind, error_key, error_params FROM sync_runs").fetchone()
    assert stored[:2] == ("bad_response", "sync.not_json")
    assert json.loads(stored[2]) == {"platform": "sandbox", "what": "carts", "offset": 4}
    assert failed.failure == ErrorRecord("bad_response", "sync.not_json",
                                         {"platform": "sandbox", "what": "carts", "offset": 4}, failed.error)

    client = ListClient(carts)
    resumed = sync_shop(store, "s1", client, batch_rows=1)
    assert resumed.status == "succeeded" and client.served == [4]  # nothing fetched twice
    assert [c[0] for c in _state(store)[0]] == [f"c{i}" for i in range(1, 7)]


def test_a_batch_is_all_or_nothing(store: Store, fixed_clock) -> None:
    # With a large batch, pages 0 and 1 are fetched but not yet written when page 2 fails: none of them land.
    result = sync_shop(store, "s1", ListClient([cart(f"c{i}", 1) for i in range(1, 7)], fail_at=2),
                       batch_rows=100)
    assert result.status == "failed"
    assert _state(store) == ([], [], [])


def test_children_of_a_parent_that_arrives_again_are_replaced(store: Store, fixed_clock) -> None:
    sync_shop(store, "s1", ListClient([cart("c1", 3)]))
    with store.unit() as con:
        con.execute("DELETE FROM sync_checkpoints")
    sync_shop(store, "s1", ListClient([cart("c1", 1)]))
    assert _state(store)[1] == [("c1", 1)]


def test_a_run_left_running_by_a_dead_process_is_closed_as_interrupted(store: Store, fixed_clock) -> None:
    with store.unit() as con:
        con.execute("""INSERT INTO sync_runs (run_id, shop_id, started_by, status, started_at)
                       VALUES ('dead', 's1', 'scheduler', 'running', ?)""", [clock.now()])
    sync_shop(store, "s1", ListClient([cart("c1", 1)]))
    with store.unit() as con:
        status, error = con.execute("SELECT status, error FROM sync_runs WHERE run_id = 'dead'").fetchone()
    assert status == "failed" and "interrupted" in error
    with store.unit() as con:
        kind, key = con.execute("SELECT error_kind, error_key FROM sync_runs WHERE run_id = 'dead'").fetchone()
    assert (kind, key) == ("internal", "sync.interrupted")


def test_a_fault_of_ours_is_stored_as_internal_with_its_message(store: Store, fixed_clock) -> None:
    class Broken(ListClient):
        def pages(self, entity: str, cursor: dict[str, Any] | None) -> Iterator[Page]:
            raise TypeError("a bug in the client")

    result = sync_shop(store, "s1", Broken([]))
    assert result.error == "unexpected TypeError while syncing carts: a bug in the client"
    with store.unit() as con:
        row = con.execute("SELECT error, error_kind, error_key, error_params FROM sync_runs").fetchone()
    assert row[:3] == (result.error, "internal", "internal") and json.loads(row[3]) == {"error": "TypeError"}
