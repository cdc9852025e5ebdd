"""A file's rows as a stream of batches, each a CsvFile of a few megabytes with its exact physical lines.

A batch source (`BatchSource`) is what the streamed import (core/csv_import/staging.py) reads: a name, the
headers, and `batches()`, an iterator of CsvFile whose frames hold one batch of rows and their lines. A CSV
file is one source (`CsvBatches`); an Excel sheet can be another (python-calamine/fastexcel read a sheet in
row ranges), as long as it yields the same text columns and LINE.

Why this reader and not polars' batched reader or pyarrow.csv.open_csv: neither says which physical line
a row starts on, and a bad row must be reported by the line an editor shows, also after a quoted cell that
holds a line break. So the bytes are decoded incrementally (codecs' incremental decoder: UTF-8, UTF-8 with
a BOM, CP949), cut into blocks at a line break outside quotes (an even number of '"' before it, as RFC 4180
quoting keeps them paired), and each block is parsed as core/csv_import/reading.py parses a whole file
(polars' reader, or Python's csv module when a cell holds a line break), its lines shifted by the lines
before it. Memory is one block of bytes, its text and its frame, whatever the file's size.

The encoding is decided before any row is read, as for a whole file: a first pass over the bytes decodes
them as UTF-8 (then, if that fails, as CP949) without keeping the text, and hashes them.
"""
from __future__ import annotations

import codecs
import dataclasses
import hashlib
import io
from collections.abc import Callable, Generator, Iterator
from pathlib import Path
from typing import BinaryIO, Protocol

import polars as pl

from core.csv_import.reading import _BOM, LINE, CsvError, CsvFile, _careful, _fast, _header_row, _headers

BATCH_BYTES = 4 << 20   # about 47,000 rows of a member export: about 150 MB in flight, whatever the file
_READ_BYTES = 1 << 20   # the block the encoding pass reads
_PROBE_CHARS = 1_000_000  # the header line and the delimiter are found within the first million characters


class BatchSource(Protocol):
    """Rows from a file, batch by batch: what the streamed import reads."""

    @property
    def name(self) -> str: ...

    @property
    def headers(self) -> list[str]: ...

    def batches(self) -> Iterator[CsvFile]: ...


@dataclasses.dataclass(frozen=True)
class CsvBatches:
    """A CSV file read batch by batch (open one with `open_csv`)."""

    name: str
    encoding: str              # utf-8 | utf-8-sig | cp949
    delimiter: str
    headers: list[str]
    size: int
    digest: str
    opener: Callable[[], BinaryIO]
    batch_bytes: int = BATCH_BYTES
    mac_line_ends: bool = False  # only '\r' ends lines (old Mac Excel)

    def batches(self) -> Iterator[CsvFile]:
        """Each batch as a CsvFile: the headers, a frame of one batch's rows with LINE, its ragged rows."""
        header_text: str | None = None
        header_lines = 0
        lines_before = 0      # physical lines of the file before the current block, the header's among them
        for block in self._blocks():
            if header_text is None:
                cut = _record_end(block, 0)
                header_text, block = block[:cut], block[cut:]
                header_lines = lines_before = _line_count(header_text)
                if not header_text.endswith("\n"):
                    header_text += "\n"
            if not block:
                continue
            yield self._parse(header_text, header_lines, block, lines_before)
            lines_before += block.count("\n")

    def _parse(self, header_text: str, header_lines: int, block: str, lines_before: int) -> CsvFile:
        text = header_text + block
        shift = lines_before - header_lines  # the block's lines as the file's (the header is its first lines)
        frame = _fast(text.encode("utf-8"), text, self.delimiter)
        ragged: dict[int, int] = {}
        if frame is None:
            try:
                frame, ragged = _careful(text, self.delimiter)
            except CsvError as exc:  # where it stopped, as a line of the file
                line = exc.params.get("line")
                raise CsvError(exc.key, detail=exc.detail, **{**exc.params, "line": line + shift if line else line}
                               ) from None
        if shift:
            frame = frame.with_columns(pl.col(LINE) + shift)
            ragged = {line + shift: extra for line, extra in ragged.items()}
        frame = frame.rename(dict(zip(frame.columns[:-1], self.headers, strict=False)))
        return CsvFile(self.name, self.encoding, self.delimiter, self.headers, frame, ragged, len(block), "")

    def _blocks(self) -> Generator[str]:
        """The decoded text in blocks that end at a line break outside quotes (the last: where the file ends)."""
        decoder = codecs.getincrementaldecoder("utf-8" if self.encoding.startswith("utf-8") else "cp949")()
        pending = ""
        with self.opener() as stream:
            if self.encoding == "utf-8-sig":
                stream.read(len(_BOM))
            while True:
                data = stream.read(self.batch_bytes)
                text = decoder.decode(data, final=not data)
                if self.mac_line_ends:
                    text = text.replace("\r", "\n")
                pending += text
                if not data:
                    break
                cut = _last_record_end(pending)
                if cut:
                    yield pending[:cut]
                    pending = pending[cut:]
        if pending:
            yield pending


def _line_count(text: str) -> int:
    return text.count("\n") + (0 if text.endswith("\n") else 1)


def _record_end(text: str, start: int) -> int:
    """Where the first record from `start` ends (after its line break outside quotes); len(text) if none."""
    quotes = 0
    position = start
    while True:
        newline = text.find("\n", position)
        if newline < 0:
            return len(text)
        quotes += text.count('"', position, newline)
        if quotes % 2 == 0:
            return newline + 1
        position = newline + 1


def _last_record_end(text: str) -> int:
    """The end of the last whole record in `text` (0: none yet): after the last line break with an even
    number of quotes before it."""
    quotes = text.count('"')
    newline = text.rfind("\n")
    tries = 0
    while newline >= 0 and tries < 10_000:
        if (quotes - text.count('"', newline)) % 2 == 0:
            return newline + 1
        newline = text.rfind("\n", 0, newline)
        tries += 1
    return 0


def open_csv(data: bytes | Path | str, name: str = "", *, batch_bytes: int = BATCH_BYTES) -> CsvBatches:
    """A CSV file (its bytes, or a path) ready to be read batch by batch: its encoding, delimiter and headers
    are read now; a file that cannot be read is a CsvError, as read_csv refuses it."""
    if isinstance(data, bytes | bytearray):
        content = bytes(data)

        def opener() -> BinaryIO:
            return io.BytesIO(content)
    else:
        path = Path(data)
        name = name or path.name

        def opener() -> BinaryIO:
            return path.open("rb")
    with opener() as stream:
        head = stream.read(4)
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise CsvError("csv.utf16", detail="UTF-16 byte-order mark")
    encoding, size, digest, mac = _encoding(opener, bom=head.startswith(_BOM))
    probe = CsvBatches(name, encoding, ",", [], size, digest, opener, _PROBE_CHARS, mac)._blocks()
    first = next(probe, "")
    probe.close()
    if not first or first.isspace():
        raise CsvError("csv.empty", detail="no header line")
    line = first[:first.find("\n")] if "\n" in first else first
    delimiter = "\t" if "," not in line and "\t" in line else ","
    headers = _headers(_header_row(first, delimiter))
    return CsvBatches(name, encoding, delimiter, headers, size, digest, opener, batch_bytes, mac)


def _encoding(opener: Callable[[], BinaryIO], *, bom: bool) -> tuple[str, int, str, bool]:
    """(encoding, size, sha256, only '\\r' line ends) of the file, read once per encoding tried, nothing kept.
    As read_csv: after a BOM only UTF-8; else UTF-8, then CP949; neither names the line where the encoding
    that read further stopped."""
    utf8 = _decodes(opener, "utf-8", len(_BOM) if bom else 0)
    if utf8.stop is None:
        return ("utf-8-sig" if bom else "utf-8"), utf8.size, utf8.digest, utf8.mac
    if bom:
        raise CsvError("csv.encoding", detail=f"not UTF-8 after its BOM at line {utf8.line}", line=utf8.line)
    cp949 = _decodes(opener, "cp949", 0)
    if cp949.stop is None:
        return "cp949", cp949.size, cp949.digest, cp949.mac
    line = utf8.line if utf8.stop >= cp949.stop else cp949.line
    raise CsvError("csv.encoding", detail=f"neither UTF-8 nor CP949 at line {line}", line=line)


@dataclasses.dataclass
class _Pass:
    size: int = 0
    digest: str = ""
    stop: int | None = None  # the byte where decoding failed
    line: int = 0            # its line
    mac: bool = False


def _decodes(opener: Callable[[], BinaryIO], encoding: str, skip: int) -> _Pass:
    decoder = codecs.getincrementaldecoder(encoding)()
    sha = hashlib.sha256()
    result = _Pass()
    newlines, has_lf, has_cr, offset = 0, False, False, 0
    with opener() as stream:
        while True:
            data = stream.read(_READ_BYTES)
            sha.update(data)
            body = data[skip:] if offset == 0 else data
            try:
                decoder.decode(body, final=not data)
            except UnicodeDecodeError as exc:
                start = min(max(exc.start, 0), len(body))
                result.stop = offset + (skip if offset == 0 else 0) + start
                result.line = newlines + body[:start].count(b"\n") + 1
                return result
            newlines += data.count(b"\n")
            has_lf = has_lf or b"\n" in data
            has_cr = has_cr or b"\r" in data
            offset += len(data)
            if not data:
                break
    result.size, result.digest, result.mac = offset, sha.hexdigest(), has_cr and not has_lf
    return result
