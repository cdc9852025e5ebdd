"""The segment explorer: how many members a rule matches, a sample of them, their export, and what the
filters can name."""
from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Mapping
from typing import Any

import duckdb
import polars as pl

from core.segments.charts import grid_cell_sql, grid_frame
from core.segments.compiler import (
    EMAIL_CONSENT_SQL,
    SMS_CONSENT_SQL,
    compile_rule,
    consent_state_sql,
    needs_stats,
    shop_timezone,
)
from core.segments.rules import (
    CONSENT_FIELDS,
    COUNTED_SQL,
    DEFAULT_TZ,
    MAX_KEYS,
    SAMPLE_SIZE,
    Rule,
    StoreLike,
    as_rule,
    open_store,
)
from core.spreadsheet import csv_bytes as spreadsheet_bytes
from core.spreadsheet import formula_guarded, local_minutes

# --------------------------------------------------------------------------- evaluating

MEMBER_COLUMNS = ("shop_id", "member_key", "name", "email", "phone", "member_group", "signed_up_at",
                  "last_order_at", "orders", "spent", "email_consent", "sms_consent", "night_consent")


CONSENT_STATES = ("yes", "no", "unknown")
# The consent columns as a frame shows them (see member_select): NULL where the platform does not report it.
CONSENT_SELECT = f"{EMAIL_CONSENT_SQL} AS email_consent, {SMS_CONSENT_SQL} AS sms_consent, m.night_consent"
_IS = {"yes": "TRUE", "no": "FALSE", "unknown": "NULL"}  # each state of a consent column, judged without a NULL


def member_select(stats: str = "s") -> str:
    return (f"m.shop_id, m.member_key, m.name, m.email, m.phone, m.member_group, m.signed_up_at, "
            f"{stats}.last_order_at, coalesce({stats}.orders, 0)::BIGINT AS orders, "
            f"coalesce({stats}.spent, 0)::DECIMAL(18, 2) AS spent, "
            f"{CONSENT_SELECT}")


@dataclasses.dataclass(frozen=True)
class Exploration:
    """What the explorer shows for a rule: how many match, out of how many, a sample, and how many of the
    matched members consent per field (email_consent, sms_consent, night_consent -> yes / no / unknown)."""

    count: int
    total: int
    sample: pl.DataFrame
    grid: pl.DataFrame | None = None  # members by recency x frequency (charts.recency_frequency), if asked
    consent: dict[str, dict[str, int]] = dataclasses.field(default_factory=dict)

    @property
    def share(self) -> float:
        return self.count / self.total if self.total else 0.0


def explore(store: StoreLike, rule: Rule | Mapping[str, Any] | str, shop_id: str | None,
            sample_size: int = SAMPLE_SIZE, *, grid_at: dt.datetime | None = None) -> Exploration:
    """Count the members the rule matches and fetch a sample (newest sign-ups first) with their order figures.

    One pass over the rule's members gives both: DuckDB counts them and keeps the first `sample_size`
    in the sample's order as it goes (min_by with n), so nothing is materialized or sorted but the sample.
    A rule on order figures computes them for its members anyway, so the sample carries them from the same
    pass; a rule on the member alone leaves them to one lookup for the sample's members only.

    With `grid_at`, the recency x frequency grid at that moment (charts.recency_frequency's frame) comes from
    the same pass too: it needs every member's figures, so the pass computes them whatever the rule.
    """
    rule = as_rule(rule)
    with open_store(store).unit() as con:
        tz = shop_timezone(con, shop_id)
        shop, shop_params = ("WHERE shop_id = ?", [shop_id]) if shop_id else ("", [])
        total = con.execute(f"SELECT count(*) FROM members {shop}", shop_params).fetchall()[0][0]
        grid = None
        if grid_at is not None or needs_stats(rule):
            sql, params = compile_rule(rule, shop_id, tz, with_stats=True).render(member_select())
            cells = None if grid_at is None else grid_cell_sql(grid_at, "r.last_order_at", "r.orders")
            count, sample, counted, consent = _count_and_first(con, sql, params, MEMBER_COLUMNS, sample_size,
                                                               cells)
            grid = None if grid_at is None else grid_frame(counted)
        else:
            sql, params = compile_rule(rule, shop_id, tz).render(
                f"m.shop_id, m.member_key, m.signed_up_at, {CONSENT_SELECT}")
            count, picked, _, consent = _count_and_first(con, sql, params,
                                                         ("shop_id", "member_key", "signed_up_at"), sample_size)
            sample = _with_figures(con, picked)
    return Exploration(int(count), int(total), sample, grid, consent)


def _count_and_first(con: duckdb.DuckDBPyConnection, sql: str, params: list[Any], columns: tuple[str, ...],
                     n: int, cells: str | None = None
                     ) -> tuple[int, pl.DataFrame, dict[int, int], dict[str, dict[str, int]]]:
    """How many rows `sql` gives, and the first `n` of them by newest sign-up (then key), in one pass; with
    `cells` (an expression over the rows), how many rows fall in each cell too. The rows carry the consent
    columns (CONSENT_SELECT), so the same pass counts yes / no / unknown per consent field."""
    fields = ", ".join(f'"{c}" := r."{c}"' for c in columns)
    # the sample's order as one key that min_by can compare: no sign-up date last, then newest, then key
    order = "(r.signed_up_at IS NULL, coalesce(-epoch_us(r.signed_up_at), 0), r.member_key)"
    histogram = f"histogram({cells})" if cells else "NULL::MAP(INTEGER, UBIGINT)"
    figures = ", ".join(f'count(*) FILTER (WHERE r.{f} IS {_IS[state]}) AS "{f}.{state}"'
                        for f in CONSENT_FIELDS for state in CONSENT_STATES)
    found = pl.from_arrow(con.sql(f"""SELECT count(*) AS n, min_by(struct_pack({fields}), {order}, {max(int(n), 1)})
                                      AS pick, {histogram} AS cells, {figures} FROM ({sql}) r""",
                                  params=params).arrow())
    assert isinstance(found, pl.DataFrame)
    count = int(found["n"][0])
    counted = {int(k): int(v) for k, v in (found["cells"][0] or {}).items()}  # polars reads a MAP as a dict
    picked = found.select(pl.col("pick").head(1)).explode("pick").drop_nulls().unnest("pick")
    if count == 0 or int(n) <= 0:
        picked = picked.clear()
    picked = picked.sort(["signed_up_at", "member_key"], descending=[True, False], nulls_last=True)
    consent = {f: {state: int(found[f"{f}.{state}"][0]) for state in CONSENT_STATES} for f in CONSENT_FIELDS}
    return count, picked, counted, consent


def _with_figures(con: duckdb.DuckDBPyConnection, picked: pl.DataFrame) -> pl.DataFrame:
    """The picked members (shop_id, member_key) with their columns and order figures, in their order."""
    con.register("_explorer_pick", picked.select("shop_id", "member_key").to_arrow())
    try:
        return con.sql(f"""
            WITH stats AS (SELECT o.shop_id, o.member_key, count(*) AS orders, sum(o.total_amount) AS spent,
                                  max(o.ordered_at) AS last_order_at
                           FROM orders o SEMI JOIN _explorer_pick p
                                ON p.shop_id = o.shop_id AND p.member_key = o.member_key
                           WHERE o.status IN {COUNTED_SQL} GROUP BY o.shop_id, o.member_key)
            SELECT {member_select()}
            FROM _explorer_pick pick JOIN members m ON m.shop_id = pick.shop_id AND m.member_key = pick.member_key
            LEFT JOIN stats s ON s.shop_id = m.shop_id AND s.member_key = m.member_key
            ORDER BY m.signed_up_at DESC NULLS LAST, m.member_key""").pl()
    finally:
        con.unregister("_explorer_pick")


def consent_counts(con: duckdb.DuckDBPyConnection, members_sql: str = "", params: list[Any] | None = None
                   ) -> dict[str, dict[str, int]]:
    """Per consent field, how many of the members `members_sql` selects (shop_id, member_key; every member when
    empty) consent: yes, no, unknown. Unknown is its own figure: it is never counted as no."""
    picked = (f"SEMI JOIN ({members_sql}) p ON p.shop_id = m.shop_id AND p.member_key = m.member_key"
              if members_sql else "")
    states = ", ".join(f"{consent_state_sql(f)} AS {f}" for f in CONSENT_FIELDS)
    figures = ", ".join(f"count(*) FILTER (WHERE {f} = '{state}')"
                        for f in CONSENT_FIELDS for state in CONSENT_STATES)
    row = con.execute(f"SELECT {figures} FROM (SELECT {states} FROM members m {picked})",
                      params or []).fetchall()[0]  # an aggregate: always one row
    values = iter(row)
    return {f: {state: int(next(values)) for state in CONSENT_STATES} for f in CONSENT_FIELDS}


def members_frame(store: StoreLike, rule: Rule | Mapping[str, Any] | str, shop_id: str | None) -> pl.DataFrame:
    """Every member the rule matches now, with their order figures (columns: MEMBER_COLUMNS)."""
    rule = as_rule(rule)
    with open_store(store).unit() as con:
        return matching_members(con, rule, shop_id)


def matching_members(con: duckdb.DuckDBPyConnection, rule: Rule, shop_id: str | None) -> pl.DataFrame:
    sql, params = compile_rule(rule, shop_id, shop_timezone(con, shop_id), with_stats=True).render(member_select())
    return con.sql(sql + "\nORDER BY m.shop_id, m.signed_up_at DESC NULLS LAST, m.member_key", params=params).pl()


# The columns of the export, in order; their headers are console words the caller passes (`headers`).
CSV_COLUMNS = ("shop_id", "member_key", "name", "email", "phone", "member_group", "signed_up_at", "last_order_at",
               "orders", "spent", "email_consent", "sms_consent", "night_consent")
_TEXT_COLUMNS = ("member_key", "name", "email", "phone", "member_group")


# A Korean telephone number's digits -> its usual written form. The dashes keep the number text in Excel
# (a bare 01012345678 opens as the number 1012345678). Seoul's area code is 02; other area codes, mobile
# (010, 011, ...), 070 and 050 are three digits; 15xx/16xx/18xx numbers are eight digits in two groups.
_PHONE_FORMS = (
    (r"^(02)(\d{3,4})(\d{4})$", "${1}-${2}-${3}"),
    (r"^(050\d)(\d{4})(\d{4})$", "${1}-${2}-${3}"),
    (r"^(0\d{2})(\d{3,4})(\d{4})$", "${1}-${2}-${3}"),
    (r"^(1[5-9]\d{2})(\d{4})$", "${1}-${2}"),
)


def phone_text(column: pl.Expr) -> pl.Expr:
    """Stored phone digits in their written Korean form; a number of another shape is left as stored.

    The forms apply in order: each pattern matches digits only, so a number once written with dashes is
    left alone by the ones after it."""
    for pattern, form in _PHONE_FORMS:
        column = column.str.replace(pattern, form)
    return column


def csv_bytes(frame: pl.DataFrame, headers: Mapping[str, str], tz: str = DEFAULT_TZ,
              groups: Mapping[str, str] | None = None, consent: Mapping[str, str] | None = None) -> bytes:
    """A members frame as CSV in UTF-8 with a BOM (Excel then reads Korean correctly), local times.

    Made for Excel: phone numbers keep their leading 0 (written with dashes), money is whole won, and a member
    group is shown by the name in `groups` (group -> name) where it has one. `headers` names each of CSV_COLUMNS
    in the reader's language (the console's words); a column it does not name keeps its field name. `consent`
    words each consent state (yes / no / unknown) in the reader's language; without it they read Y / N / ?:
    an unknown consent is never written as N, nor left empty.
    """
    words = {"yes": "Y", "no": "N", "unknown": "?"} | dict(consent or {})
    named = frame.with_columns(pl.col("member_group").replace(dict(groups or {})), phone_text(pl.col("phone")))
    out = named.with_columns(
        *[local_minutes(pl.col(c), tz) for c in ("signed_up_at", "last_order_at")],
        *[consent_text(pl.col(c), words).alias(c) for c in CONSENT_FIELDS],
        *[formula_guarded(pl.col(c)).alias(c) for c in _TEXT_COLUMNS],
        pl.col("spent").round(0).cast(pl.Int64),
    ).rename({c: headers[c] for c in frame.columns if c in headers})
    return spreadsheet_bytes(out)


def consent_text(column: pl.Expr, words: Mapping[str, str]) -> pl.Expr:
    """A consent column (True / False / null) as words: `words` names 'yes', 'no' and 'unknown' (the null)."""
    return (pl.when(column.is_null()).then(pl.lit(words["unknown"]))
            .when(column).then(pl.lit(words["yes"])).otherwise(pl.lit(words["no"])))


def export_csv(store: StoreLike, rule: Rule | Mapping[str, Any] | str, shop_id: str | None,
               headers: Mapping[str, str], groups: Mapping[str, str] | None = None,
               consent: Mapping[str, str] | None = None) -> bytes:
    """The rule's members now, as CSV bytes (UTF-8 with BOM), times in the shop's time zone, groups named
    by `groups`, consent in the words `consent` gives (see csv_bytes)."""
    rule = as_rule(rule)
    with open_store(store).unit() as con:
        tz = shop_timezone(con, shop_id)
        frame = matching_members(con, rule, shop_id)
    return csv_bytes(frame, headers, tz, groups, consent)


# --------------------------------------------------------------------------- what the filters offer

def filter_options(store: StoreLike, shop_id: str | None, limit: int = MAX_KEYS) -> dict[str, Any]:
    """Products, categories (with their path and depth) and member groups a rule can name, for pickers."""
    shop, params = ("WHERE shop_id = ?", [shop_id]) if shop_id else ("", [])
    with open_store(store).unit() as con:
        products = con.execute(f"SELECT product_key, name FROM products {shop} ORDER BY name, product_key LIMIT ?",
                               params + [limit]).fetchall()
        categories = con.execute(f"""SELECT category_key, coalesce(path, name), depth FROM categories {shop}
                                     ORDER BY coalesce(path, name), category_key LIMIT ?""",
                                 params + [limit]).fetchall()
        groups = con.execute(f"""SELECT DISTINCT member_group FROM members {shop}
                                 {'AND' if shop else 'WHERE'} member_group IS NOT NULL ORDER BY 1 LIMIT ?""",
                             params + [limit]).fetchall()
    return {"products": {k: n for k, n in products},
            "categories": {k: {"path": p, "depth": d} for k, p, d in categories},
            "groups": [g for (g,) in groups]}
