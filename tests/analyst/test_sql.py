"""`analyst.sql`: one read-only SELECT over the store, anything that would write refused before the store
is opened, and the store's bounded wait and StoreBusy like every other unit of work."""
from __future__ import annotations

import threading

import pytest

from core import analyst
from core.analyst.sql import BadQuery, ReadOnly
from core.errors import Kind
from core.store import Store, StoreBusy
from tests.support import analyst_world as world


@pytest.fixture
def mall(store: Store) -> Store:
    return world.build(store)


def test_a_select_with_parameters_returns_a_polars_frame(mall: Store) -> None:
    frame = analyst.sql("""WITH buyers AS (SELECT member_key, count(*) AS n FROM orders
                                          WHERE shop_id = $shop AND member_key IS NOT NULL GROUP BY ALL)
                           SELECT count(*) FILTER (WHERE n >= 2) AS repurchasers FROM buyers""",
                        {"shop": world.SHOP}, source=mall)
    assert frame.to_dicts() == [{"repurchasers": world.REPURCHASERS}]
    assert analyst.sql("FROM members SELECT count(*) AS n WHERE shop_id = ?", [world.SHOP],
                       source=mall).item() == world.MEMBERS


@pytest.mark.parametrize("query", [
    "DELETE FROM members",
    "UPDATE members SET email_consent = TRUE",
    "INSERT INTO unsubscribes VALUES ('mall', 'm001', 'email', 'x', now())",
    "SELECT 1; DELETE FROM members",
    "/* SELECT */ DROP TABLE members",
    "CREATE TABLE copy AS SELECT * FROM members",
    "COPY members TO '/tmp/members.csv'",
    "ATTACH '/tmp/other.duckdb'",
    "SET threads = 1",
])
def test_anything_but_one_select_is_refused_and_nothing_changes(mall: Store, query: str) -> None:
    with pytest.raises(ReadOnly) as refused:
        analyst.sql(query, source=mall)
    assert refused.value.key == "analyst.read_only" and refused.value.kind is Kind.INVALID
    assert "SELECT" in refused.value.detail
    assert analyst.sql("SELECT count(*) FROM members", source=mall).item() == world.MEMBERS
    assert analyst.sql("SELECT count(*) FROM unsubscribes", source=mall).item() == 0


def test_a_refused_query_never_opens_the_store(store: Store) -> None:
    with store.unit():  # held: a query that got as far as opening the store would wait here
        with pytest.raises(ReadOnly):
            analyst.sql("DELETE FROM members", source=Store(store.path, timeout=0.2))


def test_a_query_that_cannot_parse_or_run_says_so(mall: Store) -> None:
    with pytest.raises(BadQuery) as unparsable:
        analyst.sql("SELEC 1", source=mall)
    assert unparsable.value.key == "analyst.bad_sql" and "syntax" in unparsable.value.detail.lower()
    with pytest.raises(BadQuery) as unknown:
        analyst.sql("SELECT * FROM no_such_table", source=mall)
    assert "no_such_table" in unknown.value.detail


def test_a_held_store_ends_in_store_busy_after_the_bounded_wait(mall: Store) -> None:
    holding, release = threading.Event(), threading.Event()

    def hold() -> None:
        with Store(mall.path, role="scheduler").unit():
            holding.set()
            release.wait(10)

    holder = threading.Thread(target=hold)
    holder.start()
    try:
        assert holding.wait(10)
        with pytest.raises(StoreBusy) as busy:
            analyst.sql("SELECT 1", source=Store(mall.path, role="analyst", timeout=0.3))
        assert busy.value.key == "store.busy" and "scheduler" in busy.value.params["holder"]
    finally:
        release.set()
        holder.join()
