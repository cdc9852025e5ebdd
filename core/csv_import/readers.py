"""Reading one column of a CSV file into the store's normal form, the way core/integrations/normalize.py
reads one platform value, but a whole column at a time.

Each reader takes the column's cells already trimmed (empty = null, as normalize.text makes them) and
returns (values in normal form, which present cells could not be read). Readers are tiered: the form
nearly every export writes (2026-01-10 09:30:00, 010-1234-5678, 39000) is read over the whole column
first, and only the cells it misses go through the general expressions, then (dates only) through
normalize.instant itself, one distinct value at a time. tests/test_csv_import.py holds every reader to
normalize.py's answer cell by cell.
"""
from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable

import polars as pl

from core.csv_import.fields import FLAG_WORDS, STATUS_WORDS
from core.integrations import normalize
from core.integrations.base import BadResponse

UTC = pl.Datetime("us", "UTC")
# An address a mail server could deliver to: something@domain.tld, no spaces, one '@'.
EMAIL_PATTERN = r"^[^@\s]+@[^@\s]+\.[^@\s]+$"
NO_DATE = ("0000-00-00", "0000-00-00 00:00:00")  # what Korean mall exports write for "never"
_COMMON_FORMAT = "%Y-%m-%d %H:%M:%S"
_DATE_HEAD = r"^(\d{4})\s*[-./]\s*(\d{1,2})\s*[-./]\s*(\d{1,2})\.?(?:\s*T\s*|\s+)?"
_OFFSET = r"\d:\d{2}(?::\d{2}(?:\.\d+)?)?\s*(?:Z|[+-]\d{2}:?\d{2})$"
_NAIVE_FORMATS = ("%Y-%m-%d %H:%M:%S%.f", "%Y-%m-%d %H:%M", "%Y-%m-%d")
_AWARE_FORMATS = ("%Y-%m-%d %H:%M:%S%.f%z", "%Y-%m-%d %H:%M%z")
_KOREAN_CLOCK = re.compile(r"^(\d{4})\s*[-./]\s*(\d{1,2})\s*[-./]\s*(\d{1,2})\.?\s*(오전|오후|AM|PM)\s*"
                           r"(\d{1,2}):(\d{2})(?::(\d{2}))?$", re.I)

Reader = Callable[[pl.Series, str], "tuple[pl.Series, pl.Series | None]"]


def clean(cells: pl.Series) -> pl.Series:
    """Cells trimmed; an empty cell is null."""
    stripped = cells.str.strip_chars()
    return stripped.set(stripped.str.len_bytes() == 0, None)


def _retry(first: pl.Series, cells: pl.Series, again: Callable[[pl.Series], pl.Series]) -> pl.Series:
    """`first`, with the present cells it left null read again by `again` (on those cells only)."""
    missed = (first.is_null() & cells.is_not_null()).arg_true()
    if missed.len() == 0:
        return first
    return first.scatter(missed, again(cells.gather(missed)).cast(first.dtype))


def text(cells: pl.Series, tz: str) -> tuple[pl.Series, None]:
    return cells, None


def email(cells: pl.Series, tz: str) -> tuple[pl.Series, pl.Series]:
    """normalize.email: trimmed, lower case; a present value must look like an address."""
    value = cells.str.to_lowercase()
    return value, cells.is_not_null() & ~value.str.contains(EMAIL_PATTERN).fill_null(False)


def phone(cells: pl.Series, tz: str) -> tuple[pl.Series, None]:
    """normalize.phone: digits only; a number written +82 10 ... becomes 010 ...; a 10-digit 10xxxxxxxx (a
    mobile number Excel stored as a number, its leading 0 gone) becomes 010xxxxxxxx."""
    dashed = cells.str.replace_all("-", "", literal=True)
    digits = dashed.set(~dashed.str.contains(r"^[0-9]*$").fill_null(True), None)
    digits = _retry(digits, cells, lambda rest: rest.str.replace_all(r"\D", ""))
    domestic = pl.select(pl.when(digits.str.starts_with("82") & (digits.str.len_chars() >= 11))
                         .then(pl.lit("0") + digits.str.slice(2))
                         # A mobile number typed into Excel as a number loses its leading 0: 1012345678.
                         .when(digits.str.starts_with("10") & (digits.str.len_chars() == 10))
                         .then(pl.lit("0") + digits).otherwise(digits)).to_series()
    return domestic.set(domestic.str.len_bytes() == 0, None).alias(cells.name), None


def consent(cells: pl.Series, tz: str) -> tuple[pl.Series, pl.Series]:
    """normalize.consent: yes and no (and the Korean words exports write); an empty cell is unknown (null), as
    a consent the platform does not report is (a missing answer is no refusal); anything else is unreadable."""
    value = cells.str.to_lowercase().replace_strict(FLAG_WORDS, default=None, return_dtype=pl.Boolean)
    return value, cells.is_not_null() & value.is_null()


def flag(cells: pl.Series, tz: str) -> tuple[pl.Series, pl.Series]:
    """normalize.flag's yes and no, and the Korean words exports write (an empty cell is no); anything else is
    unreadable."""
    value, unreadable = consent(cells, tz)
    return value.fill_null(False), unreadable


def _number(cells: pl.Series) -> pl.Series:
    """normalize.amount's number: thousands commas (and spaces, 원, ₩) away."""
    first = cells.cast(pl.Float64, strict=False)
    return _retry(first, cells, lambda rest: rest.str.replace_all(r"[,\s원₩]", "").cast(pl.Float64, strict=False))


def amount(cells: pl.Series, tz: str) -> tuple[pl.Series, pl.Series]:
    number = _number(cells)
    unreadable = cells.is_not_null() & (number.is_null() | ~number.is_finite().fill_null(False))
    return number.fill_null(0.0), unreadable


def count(cells: pl.Series, tz: str) -> tuple[pl.Series, pl.Series]:
    """A whole number of 0 or more (an empty cell is 1, as the store's default quantity)."""
    number = _number(cells)
    whole = number.is_finite() & (number == number.floor()) & (number >= 0)
    unreadable = cells.is_not_null() & ~whole.fill_null(False)
    return number.set(unreadable, None).cast(pl.Int64, strict=False).fill_null(1), unreadable


def status(cells: pl.Series, tz: str) -> tuple[pl.Series, pl.Series]:
    value = cells.str.to_lowercase().replace_strict(STATUS_WORDS, default=None, return_dtype=pl.Utf8)
    return value, cells.is_not_null() & value.is_null()


def instant(cells: pl.Series, tz: str) -> tuple[pl.Series, pl.Series]:
    """normalize.instant: an offset if the cell has one, else the shop's zone; to UTC."""
    cells = cells.set(cells.is_in(NO_DATE), None)
    first = _localize(cells.str.to_datetime(_COMMON_FORMAT, strict=False, time_unit="us"), tz)
    value = _retry(first, cells, lambda rest: _instant_forms(rest, tz))
    value = _retry(value, cells, lambda rest: _excel_serial(rest, tz))
    value = _retry(value, cells, lambda rest: _slowly(rest, tz))
    return value, cells.is_not_null() & value.is_null()


# Excel stores a date as days since 1899-12-30 (the 1900 date system, its leap-year slip included); a date
# cell formatted as a number shows that serial. 20000..80000 is 1954..2119: a serial, not an amount or a year.
_EXCEL_EPOCH = dt.datetime(1899, 12, 30)
_SERIAL = r"^\d{5}(?:\.\d+)?$"


def _excel_serial(cells: pl.Series, tz: str) -> pl.Series:
    """An Excel date serial (45000, 45000.5) as the local date and time it stands for, in the shop's zone."""
    days = cells.set(~cells.str.contains(_SERIAL).fill_null(False), None).cast(pl.Float64, strict=False)
    days = days.set((days < 20000) | (days > 80000), None)
    micros = (days * 86_400_000_000).round(0).cast(pl.Int64).alias("micros")
    naive = micros.to_frame().select(pl.lit(_EXCEL_EPOCH) + pl.duration(microseconds=pl.col("micros"))).to_series()
    naive = naive.cast(pl.Datetime("us"))
    return _localize(naive, tz)


def _localize(naive: pl.Series, tz: str) -> pl.Series:
    return naive.dt.replace_time_zone(tz, ambiguous="earliest", non_existent="null").dt.convert_time_zone("UTC")


def _instant_forms(cells: pl.Series, tz: str) -> pl.Series:
    """ISO 8601 with or without 'T', seconds, fractions or an offset; '/' or '.' between the date parts."""
    text = cells.str.replace(_DATE_HEAD, "${1}-${2}-${3} ").str.strip_chars().str.replace(r"Z$", "+00:00")
    local = _localize(_first_form(text, _NAIVE_FORMATS), tz)
    aware = _first_form(text, _AWARE_FORMATS)
    zoned = isinstance(aware.dtype, pl.Datetime) and aware.dtype.time_zone is not None
    aware = aware.dt.convert_time_zone("UTC") if zoned else aware.dt.replace_time_zone("UTC")
    return local.zip_with(~text.str.contains(_OFFSET).fill_null(False), aware.cast(UTC))


def _first_form(text: pl.Series, formats: tuple[str, ...]) -> pl.Series:
    out = text.str.to_datetime(formats[0], strict=False, time_unit="us")
    for form in formats[1:]:
        out = out.fill_null(text.str.to_datetime(form, strict=False, time_unit="us"))
    return out


def slow_instant(value: str, tz: str) -> dt.datetime | None:
    """One cell no column form read: normalize.instant itself, after reading 오전/오후 (AM/PM) as
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


def _slowly(cells: pl.Series, tz: str) -> pl.Series:
    distinct = cells.unique()
    read = pl.DataFrame({"cell": distinct, "at": [slow_instant(c, tz) for c in distinct]},
                        schema={"cell": pl.Utf8, "at": UTC})
    return cells.to_frame("cell").join(read, on="cell", how="left", maintain_order="left")["at"]


READERS: dict[str, Reader] = {"key": text, "text": text, "email": email, "phone": phone, "flag": flag,
                              "consent": consent,
                              "amount": amount, "count": count, "status": status, "instant": instant}
