"""Checking a CSV file's rows and putting them in the store's normal form, column by column.

Every value is normalized exactly as core/integrations/normalize.py does for a platform (e-mail trimmed
and lower-cased, phone as domestic digits, text trimmed, amounts without thousands separators, instants
in UTC with a naive time read in the shop's zone), so a member imported from a CSV file looks the same
in the store as the same member synced from a mall. Columns are read whole by core/csv_import/readers.py
(polars, no Python loop over rows); only bad rows are worded in Python.

A row is bad (and reported with its line and every reason) when a required value is missing, a value
cannot be read (date, amount, quantity, consent, order status, e-mail address), its key is also on
another line of the file, it has more values than the header has columns, or (order items) its order is
not in the store. Each reason is a key and its parameters (the field by its name, the header, the value as
written); the console puts them in words.
"""
from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from typing import Any, NamedTuple

import polars as pl

from core.clock import DEFAULT_TZ
from core.csv_import import readers
from core.csv_import.fields import KEYS, fields
from core.csv_import.reading import LINE, CsvFile
from core.errors import InvalidInput

UTC = readers.UTC
MAX_OTHER_LINES = 5
Problem = tuple[str, str, str, "str | None"]  # (flag column, reason key, field, header)


class MappingError(InvalidInput):
    """The mapping leaves required fields without a column (`missing`, field names), or names columns the
    file lacks (`unknown`, headers)."""

    def __init__(self, missing: list[str], unknown: list[str]) -> None:
        super().__init__("csv.mapping", detail=f"unmapped required fields {missing}, unknown columns {unknown}",
                         missing=list(missing), unknown=list(unknown))
        self.missing, self.unknown = list(missing), list(unknown)


class Reason(NamedTuple):
    """Why a row is bad: a key ("csv.reason.missing", ...) and its parameters (field: the field's name,
    header: the column, value: the cell as written; lines, count, width for some keys)."""

    key: str
    params: dict[str, Any]


@dataclasses.dataclass(frozen=True)
class BadRow:
    line: int
    reasons: tuple[Reason, ...]


@dataclasses.dataclass(frozen=True, eq=False)
class Checked:
    kind: str
    rows: int                 # rows with anything in them
    blank: int                # empty lines, skipped
    good: pl.DataFrame        # store columns in normal form (+ raw, + LINE), ready for the store
    bad: tuple[BadRow, ...]   # in line order
    # order items: orders with a bad item line; their stored items are kept rather than replaced by the rest
    partial_orders: frozenset[str] = frozenset()
    # one batch of a larger file (check(duplicates=False)): every row's LINE, key and (items) order_key
    keys: pl.DataFrame | None = None

    def problems(self) -> Iterator[tuple[int, str, dict[str, Any]]]:
        """Every reason of every bad row as (line, key, params), in line order."""
        for row in self.bad:
            for reason in row.reasons:
                yield row.line, reason.key, reason.params


def check_mapping(kind: str, mapping: dict[str, str | None], headers: list[str]) -> dict[str, str]:
    """The mapping without its empty choices; a required field left unmapped or a header the file lacks is
    a MappingError naming them."""
    chosen = {f: h for f, h in mapping.items() if h}
    known = {f.name for f in fields(kind)}
    missing = [f.name for f in fields(kind) if f.required and f.name not in chosen]
    if kind == "order_items" and not ({"product_key", "product_name"} & set(chosen)):
        missing.append("product_name")
    unknown = sorted({h for f, h in chosen.items() if h not in headers} | {f for f in chosen if f not in known})
    if missing or unknown:
        raise MappingError(missing, unknown)
    return chosen


def check(kind: str, csv_file: CsvFile, mapping: dict[str, str | None], *, tz: str = DEFAULT_TZ,
          orders: pl.DataFrame | None = None, duplicates: bool = True) -> Checked:
    """Every row of `csv_file` read through `mapping` (field -> header): the good rows in normal form and
    the bad ones with their line and reasons. For order items, `orders` (order_key, status, delivered_at)
    are the shop's stored orders the items may belong to.

    `duplicates=False` is for one batch of a larger file: keys repeated on other lines are then not looked
    for here (the file's other batches may hold them); `keys` gives every row's line and key instead, for
    the caller to look for them over the whole file."""
    chosen = check_mapping(kind, mapping, csv_file.headers)
    cleaned = {h: readers.clean(csv_file.frame[h]) for h in set(chosen.values())}
    keep = ~_blank(csv_file.frame, cleaned)
    frame = csv_file.frame.filter(keep)
    cleaned = {h: c.filter(keep) for h, c in cleaned.items()}

    columns: list[pl.Series] = []
    problems: list[Problem] = []

    def problem(flags: pl.Series, key: str, field: str, header: str | None) -> None:
        name = f"p{len(problems)}"
        columns.append(flags.fill_null(False).alias(name))
        problems.append((name, key, field, header))

    for field in fields(kind):
        header = chosen.get(field.name)
        if header is None:
            continue
        cells = cleaned[header]
        value, unreadable = readers.READERS[field.reader](cells, tz)
        columns.append(value.alias(f"v:{field.name}"))
        if field.required or field.name == KEYS[kind]:  # a mapped key column must fill every row
            problem(cells.is_null(), "csv.reason.missing", field.name, header)
        if unreadable is not None:
            problem(unreadable, f"csv.reason.bad_{field.reader}", field.name, header)
    frame = frame.with_columns(columns)
    columns = []

    frame = _derived(frame, kind, chosen, orders)
    key = KEYS[kind]
    keys = None
    if duplicates:
        frame = _duplicates(frame, key)
        problem(frame["p:duplicate"].is_not_null(), "csv.reason.duplicate", key_field(kind, chosen), None)
    else:
        keys = frame.select(pl.col(LINE), pl.col(f"v:{key}").alias("key"),
                            (pl.col("v:order_key") if kind == "order_items" else pl.lit(None, pl.Utf8))
                            .alias("order_key"))
    if kind == "order_items":
        problem(frame["v:order_key"].is_not_null() & frame["o:missing"], "csv.reason.unknown_order",
                "order_key", chosen["order_key"])
        problem(frame["v:product_key"].is_null() & frame["v:product_name"].is_null(), "csv.reason.no_product",
                "product_name", None)
    if csv_file.ragged:
        ragged = pl.DataFrame({LINE: list(csv_file.ragged), "p:ragged": list(csv_file.ragged.values())},
                              schema={LINE: pl.Int64, "p:ragged": pl.Int64})
        frame = frame.join(ragged, on=LINE, how="left", maintain_order="left")
        problem(frame["p:ragged"].is_not_null(), "csv.reason.too_many_values", "", None)
    frame = frame.with_columns(columns).with_columns(pl.any_horizontal([p[0] for p in problems]).alias("p:any"))

    bad_frame = frame.filter(pl.col("p:any"))
    bad = _bad_rows(bad_frame, problems, len(csv_file.headers))
    good = frame.filter(~pl.col("p:any")).select(
        *[pl.col(f"v:{c}").alias(c) for c in _store_columns(kind, chosen)],
        pl.struct([pl.col(h) for h in csv_file.headers]).struct.json_encode().alias("raw"),
        pl.col(LINE))
    partial = frozenset(bad_frame["v:order_key"].drop_nulls().to_list()) if kind == "order_items" else frozenset()
    return Checked(kind, frame.height, csv_file.frame.height - frame.height, good, tuple(bad), partial, keys)


def key_field(kind: str, chosen: dict[str, str]) -> str:
    """The field a repeated key is named by: what the operator sees (a member keyed by e-mail: the e-mail)."""
    return "email" if kind == "members" and "member_key" not in chosen else KEYS[kind]


def _blank(frame: pl.DataFrame, cleaned: dict[str, pl.Series]) -> pl.Series:
    """Rows with nothing in any cell (an empty line, or a line of separators and spaces)."""
    mapped_empty = pl.DataFrame(list(cleaned.values())).select(
        pl.all_horizontal(pl.all().is_null())).to_series() if cleaned else pl.Series([True] * frame.height)
    candidates = mapped_empty.arg_true()
    if candidates.len() == 0:
        return mapped_empty
    rest = frame[candidates].select(pl.all_horizontal(
        [pl.col(c).str.strip_chars().str.len_bytes().fill_null(0) == 0 for c in frame.columns if c != LINE]))
    return mapped_empty.scatter(candidates, rest.to_series())


def _derived(frame: pl.DataFrame, kind: str, chosen: dict[str, str], orders: pl.DataFrame | None) -> pl.DataFrame:
    """Values a kind fills from others: a member's key from the e-mail, an item's key, status and delivery
    from its order."""
    if kind == "members" and "member_key" not in chosen:
        frame = frame.with_columns(pl.col("v:email").alias("v:member_key"))
    if kind == "order_items":
        for column in ("product_key", "product_name", "status", "delivered_at"):
            if f"v:{column}" not in frame.columns:
                frame = frame.with_columns(pl.lit(None, UTC if column == "delivered_at" else pl.Utf8)
                                           .alias(f"v:{column}"))
        if "item_key" not in chosen:  # the n-th line of an order in the file is its n-th item
            position = pl.col(LINE).rank("ordinal").over("v:order_key")
            frame = frame.with_columns(pl.when(pl.col("v:order_key").is_not_null())
                                       .then(pl.col("v:order_key") + "#" + position.cast(pl.Utf8))
                                       .alias("v:item_key"))
        stored = orders if orders is not None else pl.DataFrame(
            schema={"order_key": pl.Utf8, "status": pl.Utf8, "delivered_at": UTC})
        stored = stored.select(pl.col("order_key").alias("v:order_key"), pl.col("status").alias("o:status"),
                               pl.col("delivered_at").cast(UTC).alias("o:delivered_at"),
                               pl.lit(True).alias("o:found"))
        frame = (frame.join(stored, on="v:order_key", how="left", maintain_order="left")
                 .with_columns(pl.coalesce("v:status", "o:status").alias("v:status"),
                               pl.coalesce("v:delivered_at", "o:delivered_at").alias("v:delivered_at"),
                               pl.col("o:found").is_null().alias("o:missing")))
    return frame


def _duplicates(frame: pl.DataFrame, key: str) -> pl.DataFrame:
    """Column p:duplicate: for a key on more than one line, every line holding it (else null)."""
    column = f"v:{key}"
    keys = frame[column].drop_nulls()
    if keys.n_unique() == keys.len():  # the usual file: counting distinct keys is far cheaper than marking
        return frame.with_columns(pl.lit(None, pl.List(pl.Int64)).alias("p:duplicate"))
    repeated = frame[column].is_duplicated() & frame[column].is_not_null()
    if not repeated.any():
        return frame.with_columns(pl.lit(None, pl.List(pl.Int64)).alias("p:duplicate"))
    lines = frame.filter(repeated).group_by(column).agg(pl.col(LINE).alias("p:duplicate"))
    return frame.join(lines, on=column, how="left", maintain_order="left")


def _store_columns(kind: str, chosen: dict[str, str]) -> list[str]:
    columns = [f.name for f in fields(kind) if f.name in chosen]
    if KEYS[kind] not in columns:
        columns.insert(0, KEYS[kind])
    if kind == "order_items":
        columns += [c for c in ("status", "delivered_at") if c not in columns]
    return columns


# ---- bad rows and their reasons ---------------------------------------------------------------------

def _bad_rows(bad: pl.DataFrame, problems: list[Problem], width: int) -> list[BadRow]:
    """Each bad row with every reason (Python, but only over the bad rows)."""
    return [BadRow(row[LINE], tuple(_reason(key, field, header, row, width)
                                    for flag, key, field, header in problems if row[flag]))
            for row in bad.sort(LINE).iter_rows(named=True)]


def other_lines(lines: list[int], line: int) -> str:
    """The other lines holding a repeated key, as a duplicate reason names them (the first few)."""
    others = sorted(set(lines) - {line})
    return ", ".join(str(n) for n in others[:MAX_OTHER_LINES]) + (" …" if len(others) > MAX_OTHER_LINES else "")


def _reason(key: str, field: str, header: str | None, row: dict[str, Any], width: int) -> Reason:
    fmt: dict[str, Any] = {"field": field, "header": header or "",
                           "value": (row.get(header) or "").strip() if header else ""}
    if key == "csv.reason.duplicate":
        # the key as stored (trimmed, e-mail lower-cased)
        fmt.update(value=row.get(f"v:{field}"), lines=other_lines(row["p:duplicate"], row[LINE]))
    elif key == "csv.reason.too_many_values":
        fmt.update(count=width + row["p:ragged"], width=width)
    elif key == "csv.reason.unknown_order":
        fmt.update(value=row.get("v:order_key"))
    return Reason(key, fmt)


def first_rows(kind: str, csv_file: CsvFile, mapping: dict[str, str | None], n: int = 10) -> pl.DataFrame:
    """The file's first `n` rows as mapped: LINE, then each mapped field's cells under the field's name."""
    return csv_file.frame.head(n).select(
        pl.col(LINE),
        *[pl.col(h).alias(f.name) for f in fields(kind) if (h := mapping.get(f.name)) in csv_file.headers])
