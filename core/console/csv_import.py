"""What the CSV import page shows: core.csv_import's files, checks and imports, in the operator's words.

core.csv_import raises errors and reports bad rows as keys and parameters; this module puts them in words
(core.i18n) in the run's language, reads the clock for an import (the console is an edge), and gives the
page the same names core.csv_import has, so the page reads like the domain it drives.

The page reads a file as core.csv_import.import_file does, batch by batch, so an upload of any size costs the
memory of a batch: the upload is copied in blocks to a file under the store's folder (`keep_upload`: an
Upload, with the headers and first rows of its first batch for the mapping and the preview), checked without
writing (`check_file`: the counts and every bad row with its line), then imported (`import_file`); `discard`
removes the file when the page is done with it.

Errors reach the page as `Refused` (a ValueError whose text is the words): `CsvError` for a file that cannot
be read, `MappingError` for a mapping that cannot be used, `NotCsvShop` for a shop of another platform, each
keeping the domain error it words as `.error`.
"""
from __future__ import annotations

import dataclasses
import os
import shutil
import tempfile
import time
from pathlib import Path
from typing import Any, BinaryIO

import polars as pl

from core import clock
from core import csv_import as domain
from core.console.common import StoreLike, open_store, store_path
from core.console.integrations import run_error
from core.console.overview import SyncRun, sync_history
from core.csv_import import KINDS, LINE, CsvFile, Field, fields, suggest_mapping
from core.errors import CoreError, ErrorRecord
from core.i18n import has, t
from core.shops.registry import Shop
from core.store import StoreError

__all__ = ["KINDS", "LINE", "Checked", "CsvError", "CsvFile", "Field", "ImportResult", "MappingError",
           "NotCsvShop", "Refused", "WordedBadRow", "check", "check_for_shop", "create_csv_shop", "csv_shops",
           "explain", "field_label", "fields", "first_rows", "import_checked", "import_csv", "read_csv",
           "reason_words", "result_words", "run_words",
           "suggest_mapping", "store_path", "SyncRun", "history", "StoreUnusable", "ShopRefused",
           "Upload", "check_file", "discard", "import_file", "keep_upload", "upload_folder"]

# The store held past its wait: nothing was written, the file is still there to import again.
StoreUnusable = StoreError


class Refused(ValueError):
    """A core error in the operator's words: str() is what the page shows, `.error` the error itself."""

    def __init__(self, error: CoreError) -> None:
        self.error = error
        super().__init__(explain(error))

    def message(self, lang: str | None = None) -> str:
        return explain(self.error, lang)


class CsvError(Refused):
    """A file that cannot be read at all."""


class MappingError(Refused):
    """A mapping that leaves a required field without a column or names a column the file lacks."""


class NotCsvShop(Refused):
    """A shop id a platform shop already uses."""


# A shop id or name refused, or the id of a platform shop.
ShopRefused = Refused


def _refused(error: CoreError) -> Refused:
    if isinstance(error, domain.CsvError):
        return CsvError(error)
    if isinstance(error, domain.MappingError):
        return MappingError(error)
    if isinstance(error, domain.NotCsvShop):
        return NotCsvShop(error)
    return Refused(error)


# ---- words ------------------------------------------------------------------------------------------

def field_label(name: str, lang: str | None = None) -> str:
    return t(f"csv.field.{name}", lang)


def reason_words(key: str, params: dict[str, Any], lang: str | None = None) -> str:
    """One reason a row is bad, in words; the field is named by its label."""
    shown = dict(params)
    if shown.get("field"):
        shown["field"] = field_label(str(shown["field"]), lang)
    return t(key, lang, **shown)


def explain(error: CoreError | ErrorRecord, lang: str | None = None) -> str:
    """An error of core.csv_import (or any core error with words under `errors.<key>`) in words."""
    key, params = error.key, error.params
    if key == "csv.mapping":
        parts = []
        if params.get("missing"):
            parts.append(t("csv.mapping.missing", lang,
                           fields=", ".join(field_label(f, lang) for f in params["missing"])))
        if params.get("unknown"):
            parts.append(t("csv.mapping.unknown", lang, headers=", ".join(params["unknown"])))
        return " ".join(parts)
    if key in ("csv.run.bad_rows", "csv.run.rejected"):
        return _bad_rows_words(params, rejected=key == "csv.run.rejected", lang=lang)
    if key == "csv.run.store_failed":
        return t("csv.run.store_failed", lang, **params)
    if has(f"errors.{key}"):
        return t(f"errors.{key}", lang, **params)
    return error.detail or key


def _bad_rows_words(params: dict[str, Any], *, rejected: bool, lang: str | None) -> str:
    """The bad rows in one line of words, for the sync history (the rejected ones say nothing was imported)."""
    counts = {"file": params.get("file", ""), "bad": params["bad"], "rows": params["rows"]}
    head = t("csv.run.bad_rows", lang, **counts)
    lines = [t("csv.run.line", lang, line=row["line"],
               reasons="; ".join(reason_words(r["key"], r["params"], lang) for r in row["reasons"]))
             for row in params.get("lines", [])]
    more = t("csv.run.more", lang, n=params["more"]) if params.get("more") else ""
    summary = " ".join([head, " / ".join(lines), more]).strip()
    return t("csv.run.rejected", lang, **counts) + " " + summary if rejected else summary


# ---- reading and checking ---------------------------------------------------------------------------

@dataclasses.dataclass(frozen=True)
class WordedBadRow:
    line: int
    reasons: tuple[str, ...]


@dataclasses.dataclass(frozen=True, eq=False)
class Checked:
    """A checked file as the page shows it: the counts, the good rows, the bad rows with their reasons in words."""

    checked: domain.Checked
    bad: tuple[WordedBadRow, ...]

    @property
    def kind(self) -> str:
        return self.checked.kind

    @property
    def rows(self) -> int:
        return self.checked.rows

    @property
    def blank(self) -> int:
        return self.checked.blank

    @property
    def good(self) -> pl.DataFrame:
        """The good rows (none for a file checked batch by batch: they stay in the file until imported)."""
        return self.checked.good

    @property
    def good_rows(self) -> int:
        """How many rows are good: every row with anything in it is good or bad."""
        return self.checked.rows - len(self.checked.bad)


def _worded(checked: domain.Checked, lang: str | None) -> Checked:
    return Checked(checked, tuple(WordedBadRow(b.line, tuple(reason_words(r.key, r.params, lang) for r in b.reasons))
                                  for b in checked.bad))


def read_csv(data: bytes, name: str = "") -> CsvFile:
    try:
        return domain.read_file(data, name)
    except domain.CsvError as exc:
        raise _refused(exc) from exc


def check(kind: str, csv_file: CsvFile, mapping: dict[str, str | None], *, tz: str = clock.DEFAULT_TZ,
          orders: pl.DataFrame | None = None, lang: str | None = None) -> Checked:
    try:
        return _worded(domain.check(kind, csv_file, mapping, tz=tz, orders=orders), lang)
    except domain.MappingError as exc:
        raise _refused(exc) from exc


def check_for_shop(store: StoreLike, shop_id: str, kind: str, csv_file: CsvFile, mapping: dict[str, str | None],
                   lang: str | None = None) -> Checked:
    try:
        return _worded(domain.check_for_shop(open_store(store), shop_id, kind, csv_file, mapping), lang)
    except CoreError as exc:
        raise _refused(exc) from exc


def first_rows(kind: str, csv_file: CsvFile, mapping: dict[str, str | None], n: int = 10,
               lang: str | None = None) -> pl.DataFrame:
    """The file's first `n` rows as mapped, under the words of the line and of each field."""
    frame = domain.first_rows(kind, csv_file, mapping, n)
    return frame.rename({c: t("csv.col.line", lang) if c == LINE else field_label(c, lang) for c in frame.columns})


# ---- shops and imports ------------------------------------------------------------------------------

def csv_shops(store: StoreLike) -> list[Shop]:
    """Every CSV shop."""
    return domain.csv_shops(open_store(store))


def create_csv_shop(store: StoreLike, shop_id: str, name: str) -> Shop:
    """A new CSV shop (or the same one again); ShopRefused says what is wrong with the id or the name."""
    try:
        return domain.create_csv_shop(open_store(store), shop_id, name)
    except CoreError as exc:
        raise _refused(exc) from exc


@dataclasses.dataclass(frozen=True)
class ImportResult:
    """An import as the page reports it; `error` is why rows were not imported, in words."""

    run_id: str
    shop_id: str
    kind: str
    status: str
    rows: int
    imported: int
    bad: int
    all_or_nothing: bool
    error: str | None = None
    record: ErrorRecord | None = None

    @property
    def rejected(self) -> bool:
        """All or nothing was asked and some row was bad, so nothing was imported."""
        return self.all_or_nothing and self.bad > 0 and self.imported == 0


def _result(result: domain.ImportResult) -> ImportResult:
    return ImportResult(result.run_id, result.shop_id, result.kind, result.status, result.rows, result.imported,
                        result.bad, result.all_or_nothing, result.recorded, result.error)


def import_checked(store: StoreLike, shop_id: str, checked: Checked, *, all_or_nothing: bool = False,
                   file_name: str = "", lang: str | None = None) -> ImportResult:
    """Import a checked file now; its sync run keeps why rows were not imported in this run's words."""
    try:
        result = domain.import_checked(open_store(store), shop_id, checked.checked, now=clock.now(),
                                       all_or_nothing=all_or_nothing, file_name=file_name,
                                       words=lambda record: explain(record, lang))
    except CoreError as exc:
        raise _refused(exc) from exc
    return _result(result)


def import_csv(store: StoreLike, shop_id: str, kind: str, data: bytes | CsvFile,
               mapping: dict[str, str | None] | None = None, *, all_or_nothing: bool = False, file_name: str = "",
               lang: str | None = None) -> tuple[Checked, ImportResult]:
    """Read, check and import a file in one call (the mapping defaults to the one suggested)."""
    csv_file = data if isinstance(data, CsvFile) else read_csv(data, file_name)
    mapping = mapping if mapping is not None else suggest_mapping(kind, csv_file.headers)
    checked = check_for_shop(store, shop_id, kind, csv_file, mapping, lang)
    return checked, import_checked(store, shop_id, checked, all_or_nothing=all_or_nothing,
                                   file_name=file_name or csv_file.name, lang=lang)


def history(store: StoreLike, shop_id: str, limit: int = 20) -> list[SyncRun]:
    """The shop's imports, newest first."""
    return sync_history(store, shop_id, limit)


# The text a run or a result keeps was worded in the language of whoever imported; the reader may read
# another, so both are worded again from the error's key and parameters (the kept text is the fallback).

def run_words(run: SyncRun, lang: str | None = None) -> str:
    """Why an import in the history did not take every row, in the reader's language ("" when it did)."""
    record = run_error(run)
    return explain(record, lang) if record else ""


def result_words(result: ImportResult, lang: str | None = None) -> str:
    """Why an import just made did not take every row, in the reader's language ("" when it did)."""
    if result.record is not None:
        return explain(result.record, lang)
    return result.error or ""


# ---- a file read batch by batch ---------------------------------------------------------------------

KEPT_ROWS = 1000             # rows of the first batch an Upload keeps for the preview (blank ones among them)
UPLOADS = "uploads"          # the folder beside the store that holds the files being imported
STALE_SECONDS = 24 * 3600    # a file left behind by a page that was closed before it was done with it
_COPY_BYTES = 1 << 20


@dataclasses.dataclass(frozen=True, eq=False)
class Upload:
    """A file being imported, kept on disk: its name, its encoding, its headers, its first rows (a CsvFile of
    at most KEPT_ROWS rows of the first batch: what the mapping and the preview read), and the batch source
    the check and the import read it through."""

    path: Path
    name: str
    encoding: str
    size: int
    digest: str
    first: CsvFile
    source: domain.BatchSource

    @property
    def headers(self) -> list[str]:
        return self.first.headers


def upload_folder(store: str) -> Path:
    """Where files being imported into `store` (a store file's path) are kept: beside it, so they are on the
    same disk as the store and the operator's data stays in one place."""
    return Path(store).parent / UPLOADS


def keep_upload(stream: BinaryIO, name: str, store: str, *, now: float | None = None) -> Upload:
    """`stream` copied in blocks to a new file under upload_folder(store), opened as a batch source. A file
    that cannot be read is removed and refused as a CsvError. Files older than STALE_SECONDS there (left by a
    page closed mid-way) are removed first."""
    folder = upload_folder(store)
    folder.mkdir(parents=True, exist_ok=True)
    _sweep(folder, time.time() if now is None else now)
    handle, raw = tempfile.mkstemp(prefix="upload-", suffix=Path(name).suffix.lower()[:8], dir=folder)
    path = Path(raw)
    try:
        with os.fdopen(handle, "wb") as out:
            shutil.copyfileobj(stream, out, _COPY_BYTES)
        return _opened(path, name)
    except domain.CsvError as exc:
        path.unlink(missing_ok=True)
        raise _refused(exc) from exc
    except BaseException:
        path.unlink(missing_ok=True)
        raise


def _opened(path: Path, name: str) -> Upload:
    source = domain.open_source(path, name)
    first = next(iter(source.batches()), None)
    if isinstance(source, domain.CsvBatches):
        encoding, delimiter, size, digest = source.encoding, source.delimiter, source.size, source.digest
    elif isinstance(source, domain.ExcelBatches):
        encoding, delimiter, size, digest = "excel", "", source.size, source.digest
    else:
        raise TypeError(f"not a batch source of a file: {type(source).__name__}")
    if first is None:  # a header and no rows
        frame = pl.DataFrame({**{h: pl.Series(h, [], dtype=pl.Utf8) for h in source.headers},
                              LINE: pl.Series(LINE, [], dtype=pl.Int64)})
        first = CsvFile(name, encoding, delimiter, source.headers, frame, {}, size, digest)
    else:
        first = dataclasses.replace(first, name=name, frame=first.frame.head(KEPT_ROWS), size=size, digest=digest)
    return Upload(path, name, encoding, size, digest, first, source)


def _sweep(folder: Path, now: float) -> None:
    for old in folder.glob("upload-*"):
        try:
            if now - old.stat().st_mtime > STALE_SECONDS:
                old.unlink()
        except OSError:
            pass  # another page's file went meanwhile, or cannot be removed now: the next sweep tries again


def discard(upload: Upload | None) -> None:
    """Remove an upload's file (the page is done with it)."""
    if upload is not None:
        upload.path.unlink(missing_ok=True)


def check_file(store: StoreLike, shop_id: str, kind: str, upload: Upload, mapping: dict[str, str | None],
               lang: str | None = None) -> Checked:
    """The upload checked batch by batch, nothing written: the counts and the bad rows in words."""
    try:
        return _worded(domain.check_file(open_store(store), shop_id, kind, upload.source, mapping), lang)
    except CoreError as exc:
        raise _refused(exc) from exc


def import_file(store: StoreLike, shop_id: str, kind: str, upload: Upload, mapping: dict[str, str | None], *,
                all_or_nothing: bool = False, lang: str | None = None) -> ImportResult:
    """Import the upload now, batch by batch (checked again as it goes); its sync run keeps why rows were not
    imported in this run's words."""
    try:
        _, result = domain.import_file(open_store(store), shop_id, kind, upload.source, mapping, now=clock.now(),
                                       all_or_nothing=all_or_nothing, file_name=upload.name,
                                       words=lambda record: explain(record, lang))
    except CoreError as exc:
        raise _refused(exc) from exc
    return _result(result)
