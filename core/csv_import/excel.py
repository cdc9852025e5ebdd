"""An Excel workbook's first sheet as a batch source of the streamed import (core/csv_import/staging.py).

Admins of Cafe24 and Godomall download members and orders from their admin as Excel files (.xlsx, and the
older .xls that Godomall's 엑셀 다운로드 still writes for some forms); this reads them as the streamed import
reads a CSV file: the same headers, the same text columns and the same checks, with each row's LINE the row
number Excel shows, so an error names the row an operator sees in Excel.

Why python-calamine: it is a maintained binding of calamine (Rust), reads both .xlsx and the binary .xls
(BIFF) with one API, returns each cell as its Python value (str, float, int, bool, date, datetime, time,
timedelta) and walks a sheet row by row (`iter_rows`) without building a table of objects first. fastexcel
wraps the same calamine but answers in Arrow columns with types it infers per column, which turns a
phone-number column or a mixed date column into the wrong type before we see it; openpyxl reads only .xlsx
and is several times slower. (Both python-calamine and fastexcel install here; python-calamine was chosen
for the reasons above.)

Memory: calamine holds the sheet's cells while it is read (an .xlsx is a zip of XML, not a stream of rows), so
an Excel file costs about its cells' size in memory, unlike a CSV file; the rows become frames, checked and
staged, one batch at a time as a CSV file's do.

Cells become the text a CSV export of the same sheet would hold:
- a whole number as Excel stores it (a float: 39000.0, 1012345678.0) without its '.0', so amounts are
  whole won and a phone number typed as a number keeps its digits (readers.phone then puts back the leading
  0 Excel dropped from a 10-digit 10xxxxxxxx mobile number);
- a date or date-time cell as 2026-01-10 09:30:00 (read in the shop's zone, like every naive CSV time); a
  date left as a serial number (45000.5) is read by readers.instant as an Excel serial;
- TRUE/FALSE as true/false; an empty cell as null.

The header is the first row with anything in it (a hand-edited sheet may have empty rows above it); the rows
below it are the rows, each numbered as Excel numbers it.
No public material shows the exact columns of Cafe24's or Godomall's member/order Excel downloads; the header
aliases (core/csv_import/fields.py) follow what their admin screens call the columns (아이디, 이름, 이메일,
휴대폰번호, 회원등급, 가입일, 메일수신여부 / 이메일 수신, SMS수신여부, ...).
"""
from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import io
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import polars as pl
import python_calamine

from core.csv_import.reading import LINE, CsvError, CsvFile, _headers

BATCH_ROWS = 50_000
XLSX_MAGIC = b"PK\x03\x04"                       # an .xlsx is a zip archive
XLS_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # an .xls is an OLE2 compound file
EXCEL_SUFFIXES = (".xlsx", ".xlsm", ".xls")


def is_excel(data: bytes | Path | str, name: str = "") -> bool:
    """Whether a file is an Excel workbook: by its first bytes, else by its name."""
    if isinstance(data, bytes | bytearray):
        head = bytes(data[:8])
    else:
        path = Path(data)
        name = name or path.name
        with path.open("rb") as stream:
            head = stream.read(8)
    return head.startswith((XLSX_MAGIC, XLS_MAGIC)) or name.lower().endswith(EXCEL_SUFFIXES)


def cell_text(value: Any) -> str | None:
    """One cell as the text a CSV export would hold (see the module's docstring); None for an empty cell."""
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        if value != value or value in (float("inf"), float("-inf")):
            return str(value)
        return str(int(value)) if value.is_integer() else repr(value)
    if isinstance(value, dt.datetime):
        return value.strftime("%Y-%m-%d %H:%M:%S") if value.microsecond == 0 else value.isoformat(sep=" ")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, dt.time):
        return value.strftime("%H:%M:%S")
    text = str(value)
    return text if text.strip() else None


@dataclasses.dataclass(frozen=True)
class ExcelBatches:
    """The first sheet of a workbook, read batch by batch (open one with `open_excel`)."""

    name: str
    headers: list[str]
    size: int
    digest: str
    content: bytes
    header_row: int            # the header's row number as Excel shows it (1-based)
    batch_rows: int = BATCH_ROWS

    def batches(self) -> Iterator[CsvFile]:
        sheet = _first_sheet(self.content)
        width = len(self.headers)
        rows: list[list[str | None]] = []
        lines: list[int] = []
        # iter_rows starts at the sheet's first row (row 1), and at the first column that holds anything.
        for number, row in enumerate(_rows(sheet), start=1):
            if number <= self.header_row:
                continue
            cells = [cell_text(v) for v in row[:width]]
            rows.append(cells + [None] * (width - len(cells)))
            lines.append(number)
            if len(rows) >= self.batch_rows:
                yield self._batch(rows, lines)
                rows, lines = [], []
        if rows:
            yield self._batch(rows, lines)

    def _batch(self, rows: list[list[str | None]], lines: list[int]) -> CsvFile:
        columns = list(zip(*rows, strict=True))
        frame = pl.DataFrame({h: pl.Series(h, list(c), dtype=pl.Utf8) for h, c in zip(self.headers, columns,
                                                                                         strict=True)})
        frame = frame.with_columns(pl.Series(LINE, lines, dtype=pl.Int64))
        return CsvFile(self.name, "excel", "", self.headers, frame, {}, 0, "")


def _rows(sheet: Any) -> Iterator[list[Any]]:
    """The sheet's rows; none for an empty sheet (calamine's iter_rows panics on one: no used range)."""
    if sheet.start is None or sheet.height == 0:
        return iter(())
    return iter(sheet.iter_rows())


def _first_sheet(content: bytes) -> Any:
    try:
        book = python_calamine.CalamineWorkbook.from_filelike(io.BytesIO(content))
        if not book.sheet_names:
            raise CsvError("csv.empty", detail="the workbook has no sheet")
        return book.get_sheet_by_index(0)
    except CsvError:
        raise
    except Exception as exc:  # calamine's own errors (not a workbook, encrypted, broken zip) are no Python types
        raise CsvError("csv.unreadable", detail=f"not a readable Excel workbook: {exc}", line=1,
                       problem=str(exc)) from None


def open_excel(data: bytes | Path | str, name: str = "", *, batch_rows: int = BATCH_ROWS) -> ExcelBatches:
    """A workbook (its bytes or a path) ready to be read batch by batch: the first sheet's header is read now;
    a workbook that cannot be read, or a sheet with nothing in it, is a CsvError as a CSV file's would be."""
    if isinstance(data, bytes | bytearray):
        content = bytes(data)
    else:
        path = Path(data)
        name = name or path.name
        content = path.read_bytes()
    sheet = _first_sheet(content)
    for number, row in enumerate(_rows(sheet), start=1):
        cells = [cell_text(v) for v in row]
        if any(c is not None for c in cells):
            while cells and cells[-1] is None:
                cells.pop()
            headers = _headers([c or "" for c in cells])
            return ExcelBatches(name, headers, len(content), hashlib.sha256(content).hexdigest(), content, number,
                                batch_rows)
    raise CsvError("csv.empty", detail="no header line")


def read_excel(data: bytes, name: str = "") -> CsvFile:
    """A whole workbook's first sheet as one CsvFile (the console's check and preview read a file whole)."""
    source = open_excel(data, name, batch_rows=1 << 62)
    batches = list(source.batches())
    if batches:
        file = batches[0]
    else:
        file = CsvFile(name, "excel", "", source.headers,
                       pl.DataFrame({**{h: pl.Series(h, [], dtype=pl.Utf8) for h in source.headers},
                                     LINE: pl.Series(LINE, [], dtype=pl.Int64)}), {}, 0, "")
    return dataclasses.replace(file, size=source.size, digest=source.digest)


def read_file(data: bytes, name: str = "") -> CsvFile:
    """A CSV or Excel file's bytes as one CsvFile (Excel by its first bytes or its name)."""
    from core.csv_import.reading import read_csv
    return read_excel(data, name) if is_excel(data, name) else read_csv(data, name)
