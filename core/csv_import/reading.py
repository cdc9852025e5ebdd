"""A CSV file's bytes as rows: its encoding (detected), its header, and the physical line each row starts on.

Encodings: UTF-8 with or without a byte-order mark, and CP949 (the superset of EUC-KR that Korean Excel
writes when it saves "CSV (쉼표로 분리)"). UTF-8 is tried first because a CP949 file with Korean text
is practically never valid UTF-8, while ASCII is both.

Line numbers are the file's physical lines with the header as line 1, as an editor shows them. Polars
reads the file fast; when the file's line count does not match its rows (a quoted cell holding a line
break) or a row has more values than the header, Python's csv module reads it again, row by row, to learn
where each row starts.
"""
from __future__ import annotations

import csv
import dataclasses
import hashlib
import io

import polars as pl

from core.errors import InvalidInput

LINE = "__line__"  # the column holding each row's physical line
_BOM = b"\xef\xbb\xbf"


class CsvError(InvalidInput):
    """A file that cannot be read at all: `key` says why ("csv.utf16", "csv.encoding", "csv.empty",
    "csv.unreadable"), `params` where (line) and what (problem)."""


@dataclasses.dataclass(frozen=True, eq=False)
class CsvFile:
    name: str
    encoding: str                 # utf-8 | utf-8-sig (with BOM) | cp949
    delimiter: str
    headers: list[str]
    frame: pl.DataFrame           # one text column per header, and LINE
    ragged: dict[int, int]        # line -> how many values a row had beyond the header's columns
    size: int                     # bytes
    digest: str                   # sha256 of the bytes: the same file read twice is the same file

    @property
    def rows(self) -> int:
        return self.frame.height


def decode(data: bytes) -> tuple[str, str]:
    """(encoding, text) of a file's bytes; a file in neither UTF-8 nor CP949 is refused, naming the line."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise CsvError("csv.utf16", detail="UTF-16 byte-order mark")
    if data.startswith(_BOM):
        try:
            return "utf-8-sig", data[len(_BOM):].decode("utf-8")
        except UnicodeDecodeError as exc:
            line = data[:exc.start + len(_BOM)].count(b"\n") + 1
            raise CsvError("csv.encoding", detail=f"not UTF-8 after its BOM at line {line}", line=line) from None
    try:
        return "utf-8", data.decode("utf-8")
    except UnicodeDecodeError as exc:
        utf8_stop = exc.start
    try:
        return "cp949", data.decode("cp949")
    except UnicodeDecodeError as exc:
        # The encoding that read further is the file's; where it stopped is the line to fix.
        stop = max(utf8_stop, exc.start)
        line = data[:stop].count(b"\n") + 1
        raise CsvError("csv.encoding", detail=f"neither UTF-8 nor CP949 at line {line}", line=line) from None


def read_csv(data: bytes, name: str = "") -> CsvFile:
    """Read a CSV file's bytes: every cell as text, every row with its physical line."""
    encoding, text = decode(data)
    if "\n" not in text and "\r" in text:  # classic Mac line ends, as old Mac Excel writes them
        text = text.replace("\r", "\n")
    if not text or text.isspace():  # (no strip: that would copy a 100 MB text)
        raise CsvError("csv.empty", detail="no header line")
    first = text[:text.find("\n")] if "\n" in text[:1_000_000] else text[:1_000_000]
    delimiter = "\t" if "," not in first and "\t" in first else ","
    utf8 = data[len(_BOM):] if encoding == "utf-8-sig" else data if encoding == "utf-8" else text.encode("utf-8")
    frame = _fast(utf8, text, delimiter)
    ragged: dict[int, int] = {}
    if frame is None:
        frame, ragged = _careful(text, delimiter)
    headers = _headers(_header_row(text, delimiter))
    frame = frame.rename(dict(zip(frame.columns[:-1], headers, strict=False)))
    return CsvFile(name, encoding, delimiter, headers, frame, ragged, len(data), hashlib.sha256(data).hexdigest())


def _fast(utf8: bytes, text: str, delimiter: str) -> pl.DataFrame | None:
    """Polars' reader, if every row is one physical line (else None)."""
    try:
        frame = pl.read_csv(io.BytesIO(utf8), separator=delimiter, infer_schema=False, has_header=True,
                            raise_if_empty=False, truncate_ragged_lines=False)
    except (pl.exceptions.ComputeError, pl.exceptions.NoDataError):
        return None
    lines = text.count("\n") + (0 if text.endswith("\n") else 1)
    if lines != frame.height + 1:
        return None
    frame.columns = [f"column_{i}" for i in range(frame.width)]  # the caller names them after the header
    return frame.with_columns(pl.int_range(2, frame.height + 2, dtype=pl.Int64).alias(LINE))


def _careful(text: str, delimiter: str) -> tuple[pl.DataFrame, dict[int, int]]:
    """Python's csv reader: slower, but it knows where a row with a line break inside a cell starts."""
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        header = next(reader)
    except StopIteration:
        raise CsvError("csv.empty", detail="no header line") from None
    except csv.Error as exc:
        raise CsvError("csv.unreadable", detail=str(exc), line=reader.line_num, problem=str(exc)) from None
    width = len(header)
    rows: list[list[str | None]] = []
    lines: list[int] = []
    ragged: dict[int, int] = {}
    start = reader.line_num + 1
    while True:
        try:
            row = next(reader)
        except StopIteration:
            break
        except csv.Error as exc:
            raise CsvError("csv.unreadable", detail=str(exc), line=start, problem=str(exc)) from None
        if len(row) > width:
            ragged[start] = len(row) - width
        rows.append([c if c != "" else None for c in row[:width]] + [None] * (width - len(row)))
        lines.append(start)
        start = reader.line_num + 1
    names = [f"column_{i}" for i in range(width)]  # the caller names them after the header
    columns = list(zip(*rows, strict=True)) if rows else [()] * width
    frame = pl.DataFrame({n: pl.Series(n, list(c), dtype=pl.Utf8) for n, c in zip(names, columns, strict=True)})
    return frame.with_columns(pl.Series(LINE, lines, dtype=pl.Int64)), ragged


def _header_row(text: str, delimiter: str) -> list[str]:
    """The header's cells as written (polars renames repeated names its own way)."""
    try:  # a header is far shorter than a megabyte; StringIO of the whole text would copy it
        return next(csv.reader(io.StringIO(text[:1_000_000], newline=""), delimiter=delimiter))
    except (StopIteration, csv.Error) as exc:
        raise CsvError("csv.unreadable", detail=str(exc), line=1, problem=str(exc)) from None


def _headers(raw: list[str]) -> list[str]:
    """Header names trimmed, blanks named by their position, repeats numbered: every column reachable."""
    out: list[str] = []
    for n, name in enumerate(raw, 1):
        base = name.strip() or f"column_{n}"
        candidate, k = base, 2
        while candidate in out or candidate == LINE:
            candidate, k = f"{base} ({k})", k + 1
        out.append(candidate)
    return out
