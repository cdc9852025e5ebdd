"""Checking a CSV file's rows and putting them in the store's normal form, column by column.

Every value is normalized exactly as core/integrations/normalize.py does for a platform (e-mail trimmed
and lower-cased, phone as domestic digits, text trimmed, amounts without thousands separators, instants
in UTC with a naive time read in the shop's zone), so a member imported from a CSV file looks the same
in the store as the same member synced from a mall. The work is done by polars expressions over whole
columns (a million rows take about a second); only cells the expressions cannot read (an unusual date
form) are handed to normalize.instant one distinct value at a time, and only bad rows are worded in
Python. tests/test_csv_import.py holds the expressions to normalize.py's answers.

A row is bad (and reported with its line and every reason) when a required value is missing, a value
cannot be read (date, amount, quantity, consent, order status, e-mail address), its key is also on
another line of the file, it has more values than the header has columns, or (order items) its order is
not in the store.
"""
from __future__ import annotations

import dataclasses
import datetime as dt
import re
from typing import Any

import polars as pl

from core.clock import DEFAULT_TZ
from core.csv_import.fields import FLAG_WORDS, KEYS, STATUS_WORDS, Field, fields
from core.csv_import.reading import LINE, CsvFile
from core.i18n import t
from core.integrations import normalize
from core.integrations.base import BadResponse

# An address a mail server could deliver to: something@domain.tld, no spaces, one '@'.
EMAIL_PATTERN = r"^[^@\s]+@[^@\s]+\.[^@\s]+$"
_NO_DATE = ("0000-00-00", "0000-00-00 00:00:00")  # what Korean mall exports write for "never"
_DATE_HEAD = r"^(\d{4})\s*[-./]\s*(\d{1,2})\s*[-./]\s*(\d{1,2})\.?(?:\s*T\s*|\s+)?"
_OFFSET = r"\d:\d{2}(?::\d{2}(?:\.\d+)?)?\s*(?:Z|[+-]\d{2}:?\d{2})$"
_NAIVE_FORMATS = ("%Y-%m-%d %H:%M:%S%.f", "%Y-%m-%d %H:%M", "%Y-%m-%d")
_AWARE_FORMATS = ("%Y-%m-%d %H:%M:%S%.f%z", "%Y-%m-%d %H:%M%z")
_KOREAN_CLOCK = re.compile(r"^(\d{4})\s*[-./]\s*(\d{1,2})\s*[-./]\s*(\d{1,2})\.?\s*(오전|오후|AM|PM)\s*"
                           r"(\d{1,2}):(\d{2})(?::(\d{2}))?$", re.I)
UTC = pl.Datetime("us", "UTC")
MAX_OTHER_LINES = 5


class MappingError(ValueError):
    """The mapping leaves a required field without a column, or names a column the file lacks."""

    def __init__(self, missing: list[str], unknown: list[str]) -> None:
        self.missing, self.unknown = missing, unknown
        super().__init__(self.message("en"))

    def message(self, lang: str | None = None) -> str:
        parts = []
        if self.missing:
            parts.append(t("csv.mapping.missing", lang, fields=", ".join(field_label(f, lang) for f in self.missing)))
        if self.unknown:
            parts.append(t("csv.mapping.unknown", lang, headers=", ".join(self.unknown)))
        return " ".join(parts)


@dataclasses.dataclass(frozen=True)
class BadRow:
    line: int
    reasons: tuple[str, ...]


@dataclasses.dataclass(frozen=True, eq=False)
class Checked:
    kind: str
    rows: int                 # rows with anything in them
    blank: int                # empty lines, skipped
    good: pl.DataFrame        # store columns in normal form (+ raw, + LINE), ready for the store
    bad: tuple[BadRow, ...]   # in line order
    # order items: orders with a bad item line; their stored items are kept rather than replaced by the rest
    partial_orders: frozenset[str] = frozenset()

    @property
    def bad_lines(self) -> list[int]:
        return [b.line for b in self.bad]


def field_label(name: str, lang: str | None = None) -> str:
    return t(f"csv.field.{name}", lang)


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
          orders: pl.DataFrame | None = None, lang: str | None = None) -> Checked:
    """Every row of `csv_file` read through `mapping` (field -> header): the good rows in normal form and
    the bad ones with their line and reasons. For order items, `orders` (order_key, status, delivered_at)
    are the shop's stored orders the items may belong to."""
    chosen = check_mapping(kind, mapping, csv_file.headers)
    frame = csv_file.frame
    present = [_present(pl.col(h)) for h in csv_file.headers]
    nonblank = pl.any_horizontal(present) if present else pl.lit(False)
    frame = frame.filter(nonblank)
    blank = csv_file.frame.height - frame.height

    values: dict[str, pl.Expr] = {}
    problems: list[tuple[pl.Expr, str, str, str | None]] = []  # (is bad, reason key, field, header)
    for field in fields(kind):
        header = chosen.get(field.name)
        if header is None:
            continue
        value, unreadable = _read(field, pl.col(header), tz)
        values[field.name] = value
        if field.required or field.name == KEYS[kind]:  # a mapped key column must fill every row
            problems.append((~_present(pl.col(header)), "csv.reason.missing", field.name, header))
        if unreadable is not None:
            problems.append((unreadable, f"csv.reason.bad_{field.reader}", field.name, header))
        if field.reader == "instant":  # judged after the slow pass over what the formats missed
            problems.append((pl.col(f"p:{field.name}"), "csv.reason.bad_instant", field.name, header))

    frame = frame.with_columns(**{f"v:{k}": v for k, v in values.items()})
    frame = _late_instants(frame, kind, chosen, tz)
    frame = _derived(frame, kind, chosen, orders)
    key = KEYS[kind]
    frame = _duplicates(frame, key)
    problems.append((pl.col("p:duplicate").is_not_null(), "csv.reason.duplicate", key, None))
    if kind == "order_items":
        problems.append((~pl.col("v:order_key").is_null() & pl.col("o:missing"), "csv.reason.unknown_order",
                         "order_key", chosen["order_key"]))
        problems.append((pl.col("v:product_key").is_null() & pl.col("v:product_name").is_null(),
                         "csv.reason.no_product", "product_name", None))
    if csv_file.ragged:
        ragged = pl.DataFrame({LINE: list(csv_file.ragged), "p:ragged": list(csv_file.ragged.values())},
                              schema={LINE: pl.Int64, "p:ragged": pl.Int64})
        frame = frame.join(ragged, on=LINE, how="left", maintain_order="left")
        problems.append((pl.col("p:ragged").is_not_null(), "csv.reason.too_many_values", "", None))

    flags = [p.fill_null(False).alias(f"p{n}") for n, (p, *_rest) in enumerate(problems)]
    frame = frame.with_columns(flags).with_columns(pl.any_horizontal([f"p{n}" for n in range(len(problems))])
                                                   .alias("p:any"))
    bad = _word_bad_rows(frame.filter(pl.col("p:any")), problems, len(csv_file.headers), lang)
    good = frame.filter(~pl.col("p:any"))
    good = good.select(
        *[pl.col(f"v:{c}").alias(c) for c in _store_columns(kind, chosen)],
        pl.struct([pl.col(h) for h in csv_file.headers]).struct.json_encode().alias("raw"),
        pl.col(LINE))
    partial: frozenset[str] = frozenset()
    if kind == "order_items":
        partial = frozenset(frame.filter(pl.col("p:any"))["v:order_key"].drop_nulls().to_list())
    return Checked(kind, frame.height, blank, good, tuple(bad), partial)


# ---- one column at a time --------------------------------------------------------------------------

def _present(col: pl.Expr) -> pl.Expr:
    return col.str.strip_chars().str.len_chars().fill_null(0) > 0


def _clean(col: pl.Expr) -> pl.Expr:
    """A cell trimmed; an empty cell is null, as normalize.text makes it None."""
    stripped = col.str.strip_chars()
    return pl.when(stripped.str.len_chars() > 0).then(stripped)


def _read(field: Field, col: pl.Expr, tz: str) -> tuple[pl.Expr, pl.Expr | None]:
    """(the value in normal form, whether a present value could not be read) for one field's column."""
    clean = _clean(col)
    present = clean.is_not_null()
    reader = field.reader
    if reader in ("key", "text"):
        return clean, None
    if reader == "email":  # normalize.email: strip, lower
        value = clean.str.to_lowercase()
        return value, present & ~value.str.contains(EMAIL_PATTERN).fill_null(False)
    if reader == "phone":  # normalize.phone: digits only, +82 10 ... -> 010 ...
        digits = col.str.replace_all(r"\D", "")
        domestic = (pl.when(digits.str.starts_with("82") & (digits.str.len_chars() >= 11))
                    .then(pl.lit("0") + digits.str.slice(2)).otherwise(digits))
        return pl.when(domestic.str.len_chars() > 0).then(domestic), None
    if reader == "flag":
        value = clean.str.to_lowercase().replace_strict(FLAG_WORDS, default=None, return_dtype=pl.Boolean)
        return value.fill_null(False), present & value.is_null()
    if reader in ("amount", "count"):  # normalize.amount: commas away, then a number
        number = clean.str.replace_all(r"[,\s원₩]", "").cast(pl.Float64, strict=False)
        unreadable = present & (number.is_null() | ~number.is_finite().fill_null(False))
        if reader == "amount":
            return number.fill_null(0.0), unreadable
        unreadable = unreadable | (present & ((number != number.floor()) | (number < 0)).fill_null(True))
        return number.cast(pl.Int64, strict=False).fill_null(1), unreadable
    if reader == "status":
        value = clean.str.to_lowercase().replace_strict(STATUS_WORDS, default=None, return_dtype=pl.Utf8)
        return value, present & value.is_null()
    if reader == "instant":
        return _instant(clean, tz), None  # unreadable cells are judged after the slow pass (_late_instants)
    raise ValueError(f"no reader '{reader}'")


def _instant(clean: pl.Expr, tz: str) -> pl.Expr:
    """normalize.instant over a column: ISO 8601 (or / and . between date parts), an offset if written,
    else the shop's zone. Cells none of these formats read stay null here and go to the slow pass."""
    text = (pl.when(~clean.is_in(_NO_DATE)).then(clean)
            .str.replace(_DATE_HEAD, "${1}-${2}-${3} ").str.strip_chars().str.replace(r"Z$", "+00:00"))
    aware = pl.coalesce([text.str.to_datetime(f, strict=False, time_unit="us") for f in _AWARE_FORMATS])
    naive = pl.coalesce([text.str.to_datetime(f, strict=False, time_unit="us") for f in _NAIVE_FORMATS])
    local = naive.dt.replace_time_zone(tz, ambiguous="earliest", non_existent="null").dt.convert_time_zone("UTC")
    return pl.when(text.str.contains(_OFFSET)).then(aware.dt.convert_time_zone("UTC")).otherwise(local).cast(UTC)


def slow_instant(value: str, tz: str) -> dt.datetime | None:
    """One cell the column formats missed: normalize.instant itself, after reading 오전/오후 (AM/PM) as
    Korean Excel writes them. None if it is no date and time at all."""
    match = _KOREAN_CLOCK.match(value.strip())
    if match:
        y, mo, d, half, h, mi, s = match.groups()
        hour = int(h) % 12 + (12 if half.upper() in ("오후", "PM") else 0)
        value = f"{int(y):04d}-{int(mo):02d}-{int(d):02d}T{hour:02d}:{int(mi):02d}:{int(s or 0):02d}"
    try:
        return normalize.instant(value, tz)
    except (BadResponse, ValueError, OverflowError):
        return None


def _late_instants(frame: pl.DataFrame, kind: str, chosen: dict[str, str], tz: str) -> pl.DataFrame:
    """Give the cells the column formats could not read to slow_instant, one distinct value each;
    what it cannot read either is marked unreadable (column p:<field>)."""
    for field in fields(kind):
        header = chosen.get(field.name)
        if field.reader != "instant" or header is None:
            continue
        clean = _clean(pl.col(header))
        unread = clean.is_not_null() & ~clean.is_in(_NO_DATE) & pl.col(f"v:{field.name}").is_null()
        leftovers = frame.filter(unread).select(clean.alias("cell")).unique()
        if leftovers.height:
            read = pl.DataFrame({"cell": leftovers["cell"],
                                 "late": [slow_instant(c, tz) for c in leftovers["cell"]]},
                                schema={"cell": pl.Utf8, "late": UTC})
            frame = (frame.with_columns(clean.alias("cell")).join(read, on="cell", how="left", maintain_order="left")
                     .with_columns(pl.coalesce(f"v:{field.name}", "late").alias(f"v:{field.name}"))
                     .drop("cell", "late"))
        frame = frame.with_columns((unread & pl.col(f"v:{field.name}").is_null()).alias(f"p:{field.name}"))
    return frame


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
    lines = (frame.filter(pl.col(column).is_not_null()).group_by(column)
             .agg(pl.col(LINE).alias("p:duplicate")).filter(pl.col("p:duplicate").list.len() > 1))
    if lines.is_empty():
        return frame.with_columns(pl.lit(None, pl.List(pl.Int64)).alias("p:duplicate"))
    return frame.join(lines, on=column, how="left", maintain_order="left")


def _store_columns(kind: str, chosen: dict[str, str]) -> list[str]:
    columns = [f.name for f in fields(kind) if f.name in chosen]
    if KEYS[kind] not in columns:
        columns.insert(0, KEYS[kind])
    if kind == "order_items":
        columns += [c for c in ("status", "delivered_at") if c not in columns]
    return columns


# ---- bad rows in words -----------------------------------------------------------------------------

def _word_bad_rows(bad: pl.DataFrame, problems: list[tuple[pl.Expr, str, str, str | None]], width: int,
                   lang: str | None) -> list[BadRow]:
    """Each bad row with every reason, in the console's words (Python, but only over the bad rows)."""
    out = []
    for row in bad.sort(LINE).iter_rows(named=True):
        reasons = []
        for n, (_, key, field, header) in enumerate(problems):
            if not row[f"p{n}"]:
                continue
            reasons.append(_reason(key, field, header, row, width, lang))
        out.append(BadRow(row[LINE], tuple(reasons)))
    return out


def _reason(key: str, field: str, header: str | None, row: dict[str, Any], width: int, lang: str | None) -> str:
    fmt: dict[str, Any] = {"field": field_label(field, lang) if field else "", "header": header or "",
                           "value": (row.get(header) or "").strip() if header else ""}
    if key == "csv.reason.duplicate":
        others = sorted(set(row["p:duplicate"]) - {row[LINE]})
        shown = ", ".join(str(n) for n in others[:MAX_OTHER_LINES]) + (" …" if len(others) > MAX_OTHER_LINES else "")
        fmt.update(value=row.get(f"v:{field}"), lines=shown)
    elif key == "csv.reason.too_many_values":
        fmt.update(count=width + row["p:ragged"], width=width)
    elif key == "csv.reason.unknown_order":
        fmt.update(value=row.get("v:order_key"))
    return t(key, lang, **fmt)
