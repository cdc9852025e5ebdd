"""A frame as a CSV file that Korean Excel opens as it is: UTF-8 with a BOM, times on the shop's clock, and
phone numbers and codes kept as text.

Excel reads a CSV without a BOM as the system's code page (CP949 on Korean Windows) and garbles Hangul;
with the BOM it reads UTF-8. It also turns a cell of digits into a number, so 01012345678 becomes
1012345678: such a cell is written as the formula `="01012345678"`, which Excel shows as that very text.
Any other text cell that starts with = + - @ (a formula Excel would run: CSV injection) is quoted with a
leading apostrophe: the BOM, the local times and that guard are core/spreadsheet.py, as in the console's exports.
"""
from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

import polars as pl

from core import clock
from core.spreadsheet import csv_bytes, formula_guarded, local_minutes

TEXT_COLUMNS = ("phone", "member_key", "order_key", "cart_key", "zip_code")
_NUMERIC_TEXT = r"^\+?[0-9][0-9 \-]*$"


def excel_frame(frame: pl.DataFrame, *, tz: str = clock.DEFAULT_TZ,
                text_columns: Iterable[str] = TEXT_COLUMNS) -> pl.DataFrame:
    """The frame as Excel should see it: instants as local 'YYYY-MM-DD HH:MM', digit codes as ="…" text."""
    keep_text = set(text_columns)
    changes = []
    for name, kind in frame.schema.items():
        if isinstance(kind, pl.Datetime):
            column = pl.col(name).dt.replace_time_zone("UTC") if kind.time_zone is None else pl.col(name)
            changes.append(local_minutes(column, tz).alias(name))
        elif kind == pl.String:
            text = pl.col(name)
            guarded = formula_guarded(text)
            if name in keep_text:
                guarded = pl.when(text.str.contains(_NUMERIC_TEXT)).then(pl.lit('="') + text + pl.lit('"')) \
                    .otherwise(guarded)
            changes.append(guarded.alias(name))
    return frame.with_columns(changes) if changes else frame


def excel_csv_bytes(frame: pl.DataFrame, *, tz: str = clock.DEFAULT_TZ,
                    text_columns: Iterable[str] = TEXT_COLUMNS) -> bytes:
    return csv_bytes(excel_frame(frame, tz=tz, text_columns=text_columns))


def write_excel_csv(frame: pl.DataFrame, path: Path | str, *, tz: str = clock.DEFAULT_TZ,
                    text_columns: Iterable[str] = TEXT_COLUMNS) -> Path:
    """Write the frame to `path` for Excel (see the module); returns the path."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(excel_csv_bytes(frame, tz=tz, text_columns=text_columns))
    return path
