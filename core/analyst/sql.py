"""Any question the frames do not answer: one read-only SQL query, one unit of work, a polars frame.

Read-only is decided by DuckDB's own parser, not by looking at the text: `duckdb.extract_statements`
parses the query into statements and each carries its `type` (StatementType: SELECT, INSERT, UPDATE,
DELETE, COPY, CREATE, ATTACH, SET, PRAGMA, ...; https://duckdb.org/docs/stable/clients/python/reference/).
Only a single SELECT passes (that covers WITH ... SELECT, FROM-first queries, DESCRIBE and SUMMARIZE,
which DuckDB parses as SELECT). A pattern over the text would be fooled by comments, string literals, a
second statement after a `;`, or a CTE in front of an INSERT; the parser is not, because it is the very
parser that would run the query. Writes belong to the module that owns each table (docs/design.md); a
notebook that could write would bypass every rule those modules keep.
"""
from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import duckdb
import polars as pl

from core.analyst.source import SourceLike, open_source
from core.errors import InvalidInput

Params = Sequence[Any] | Mapping[str, Any] | None


class ReadOnly(InvalidInput):
    """A query that would change the store (or is not one SELECT)."""


class BadQuery(InvalidInput):
    """A query DuckDB cannot parse or run; the detail is DuckDB's own account."""


def statement_types(query: str) -> list[str]:
    """The type of each statement of `query` as DuckDB parses it, e.g. ['SELECT'] or ['SELECT', 'DELETE']."""
    try:
        return [statement.type.name for statement in duckdb.extract_statements(query)]
    except duckdb.Error as exc:
        raise BadQuery("analyst.bad_sql", detail=str(exc), error=type(exc).__name__) from None


def check_read_only(query: str) -> None:
    """Refuse anything but exactly one SELECT, naming what was found."""
    if not isinstance(query, str) or not query.strip():
        raise BadQuery("analyst.bad_sql", detail="the query is empty", error="empty")
    types = statement_types(query)
    if types != ["SELECT"]:
        found = ", ".join(types) or "nothing"
        raise ReadOnly("analyst.read_only",
                       detail=f"only one SELECT query is allowed here (the store is read-only from a notebook); "
                              f"found: {found}", statements=found)


def sql(query: str, params: Params = None, *, source: SourceLike = None) -> pl.DataFrame:
    """Run one read-only query (`?` or `$name` placeholders, values in `params`) and return its rows.

    Refuses writes with `ReadOnly` before the store is opened; waits for the store like everything else
    (at most the store's bounded wait, then StoreBusy naming who holds it)."""
    check_read_only(query)
    with open_source(source).unit() as con:
        try:
            return con.sql(query, params=params).pl() if params else con.sql(query).pl()
        except duckdb.Error as exc:
            raise BadQuery("analyst.bad_sql", detail=str(exc), error=type(exc).__name__) from None
