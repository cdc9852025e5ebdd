"""CSV that Korean Excel opens as it is: the one format of every export (segments, carts, analysts' frames).

- UTF-8 with a BOM: without it Excel reads the file in the system's code page (CP949 on Korean Windows) and
  garbles Hangul.
- Instants as 'YYYY-MM-DD HH:MM' on the shop's clock: Excel has no time zones.
- A text cell starting with = + - @ (or a tab or carriage return) is a formula Excel would run (CSV
  injection): it is written behind an apostrophe, which Excel shows as text.
"""
from __future__ import annotations

import io

import polars as pl

BOM = b"\xef\xbb\xbf"
FORMULA_START = r"^[=+\-@\t\r]"


def local_minutes(column: pl.Expr, tz: str) -> pl.Expr:
    """An instant column as 'YYYY-MM-DD HH:MM' in `tz`."""
    return column.dt.convert_time_zone(tz).dt.strftime("%Y-%m-%d %H:%M")


def formula_guarded(column: pl.Expr) -> pl.Expr:
    """A text column whose cells Excel will never run as formulas."""
    return pl.when(column.str.contains(FORMULA_START)).then(pl.lit("'") + column).otherwise(column)


def csv_bytes(frame: pl.DataFrame) -> bytes:
    """The frame, already shaped for Excel, as CSV bytes with the BOM."""
    buffer = io.BytesIO()
    frame.write_csv(buffer)
    return BOM + buffer.getvalue()
