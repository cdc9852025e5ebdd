"""What the CSV import page shows and does: the CSV shops, reading an uploaded file, the suggested
column mapping, checking the file (good rows, bad rows with their lines and reasons), importing it,
and the shop's import history. Reading, checking and writing are core.csv_import's; this module opens
the store for each of them."""
from __future__ import annotations

import polars as pl

from core import csv_import as ci
from core.console.common import StoreLike, open_store, store_path
from core.console.overview import SyncRun, sync_history
from core.errors import CoreError
from core.store import StoreError

__all__ = ["SyncRun", "store_path"]

KINDS = ci.KINDS
CsvFile = ci.CsvFile
Checked = ci.Checked
ImportResult = ci.ImportResult
Field = ci.Field
# What a page catches: a file that cannot be read, a mapping that leaves a required field out, the store
# held past its wait (nothing was written, the file is still there), a shop id or name refused.
CsvError = ci.CsvError
MappingError = ci.MappingError
StoreUnusable = StoreError
ShopRefused = (ValueError, CoreError)  # a shop id or name refused, or a platform shop's id


def csv_shops(store: StoreLike) -> list[tuple[str, str]]:
    """(shop id, name) of every CSV shop."""
    return [(s.shop_id, s.name) for s in ci.csv_shops(open_store(store))]


def create_csv_shop(store: StoreLike, shop_id: str, name: str) -> tuple[str, str]:
    """A new CSV shop; (its id, its name). ShopRefused names what is wrong with the id or the name."""
    shop = ci.create_csv_shop(open_store(store), shop_id, name)
    return shop.shop_id, shop.name


def read_csv(data: bytes, name: str) -> ci.CsvFile:
    """The uploaded file read once: its encoding, headers and rows; CsvError when it is not a CSV."""
    return ci.read_csv(data, name)


def fields(kind: str) -> tuple[ci.Field, ...]:
    return ci.fields(kind)


def field_label(name: str) -> str:
    return ci.field_label(name)


def suggest_mapping(kind: str, headers: list[str]) -> dict[str, str | None]:
    return ci.suggest_mapping(kind, headers)


def check(store: StoreLike, shop_id: str, kind: str, csv_file: ci.CsvFile,
          mapping: dict[str, str | None]) -> ci.Checked:
    """The file under this mapping: good rows in normal form, bad rows with their reasons."""
    return ci.check_for_shop(open_store(store), shop_id, kind, csv_file, mapping)


def first_rows(kind: str, csv_file: ci.CsvFile, mapping: dict[str, str | None], n: int) -> pl.DataFrame:
    return ci.first_rows(kind, csv_file, mapping, n)


def import_checked(store: StoreLike, shop_id: str, checked: ci.Checked, *, all_or_nothing: bool,
                   file_name: str) -> ci.ImportResult:
    """Write the checked rows in one unit of work, recorded as a sync run of the shop."""
    return ci.import_checked(open_store(store), shop_id, checked, all_or_nothing=all_or_nothing,
                             file_name=file_name)


def history(store: StoreLike, shop_id: str, limit: int = 20) -> list[SyncRun]:
    """The shop's imports, newest first."""
    return sync_history(store, shop_id, limit)
