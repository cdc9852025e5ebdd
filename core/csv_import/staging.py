"""A file imported batch by batch in bounded memory: each batch checked and its good rows staged on disk,
then the staged rows swapped into the store.

The file (a BatchSource: core/csv_import/batches.py) is read one batch at a time; each batch is checked as a
whole file is (core/csv_import/validate.py), its bad rows kept (with their exact lines), its good rows
written to a Parquet file in a temporary directory beside every row's line and key. Two checks need the
whole file and are made at the end over those staged files by DuckDB (out of core, not in Python): a key on
more than one line (each of those lines is bad, naming the others, as for a whole file), and an order
item's place among its order's lines (its key when the file has no item-key column).

Then the staged rows reach the store (core/csv_import/importer.py write_staged, the module that writes the
tables):
- all or nothing: with any bad row, nothing (a failed run says why); else one unit of work loads the staged
  rows into a TEMP table and swaps them into the real table (an UPDATE of the known keys and an INSERT of
  the rest, as core.store.upsert does), with the sync run, so a failure leaves the store as it was;
- the good rows: one unit per staged batch (the memory a unit needs stays that of a batch), the run
  recorded with the last one.
The staged files live only while the import runs (a temporary directory, removed whatever happens).
"""
from __future__ import annotations

import dataclasses
import tempfile
from collections.abc import Callable
from pathlib import Path

import duckdb
import polars as pl

from core.csv_import.batches import BatchSource
from core.csv_import.reading import LINE
from core.csv_import.validate import BadRow, Checked, Reason, check, check_mapping, key_field, other_lines
from core.errors import ErrorRecord, Kind
from core.store import StoreError

# How much memory DuckDB may take for the checks over the staged files and for the swap (it spills to disk
# beyond): left to its default (80% of the machine) a million-row swap alone took 500 MB more; at 128 MB
# it takes about 30 MB more than the batches do, and runs 1.5x longer (it spills).
MEMORY_LIMIT = "128MB"


@dataclasses.dataclass
class Staged:
    """What checking a file batch by batch left: the counts, the bad rows, and the staged files."""

    kind: str
    directory: Path
    batches: list[Path] = dataclasses.field(default_factory=list)   # good rows, one Parquet file a batch
    keys: list[Path] = dataclasses.field(default_factory=list)      # every row's LINE, key, order_key
    rows: int = 0
    blank: int = 0
    bad: dict[int, BadRow] = dataclasses.field(default_factory=dict)
    partial_orders: set[str] = dataclasses.field(default_factory=set)
    repeated: list[int] = dataclasses.field(default_factory=list)   # lines of good rows whose key repeats
    good: int = 0

    def checked(self, columns: pl.DataFrame) -> Checked:
        """As a Checked: the counts and bad rows (the good rows are on disk, not in `good`, which holds
        only the columns)."""
        return Checked(self.kind, self.rows, self.blank, columns, tuple(self.bad[line] for line in sorted(self.bad)),
                       frozenset(self.partial_orders))


def stage(source: BatchSource, kind: str, mapping: dict[str, str | None], directory: Path, *, tz: str,
          orders_for: Callable[[pl.Series], pl.DataFrame] | None = None) -> tuple[Staged, pl.DataFrame]:
    """Check `source` batch by batch into `directory`; `orders_for(order_keys)` gives the stored orders an
    order-items batch may name. Returns what was staged and the good rows' columns (no rows)."""
    chosen = check_mapping(kind, mapping, source.headers)
    staged = Staged(kind, directory)
    columns = pl.DataFrame()
    for number, batch in enumerate(source.batches()):
        orders = None
        if kind == "order_items" and orders_for is not None:
            orders = orders_for(batch.frame[chosen["order_key"]].str.strip_chars())
        checked = check(kind, batch, mapping, tz=tz, orders=orders, duplicates=False)
        staged.rows += checked.rows
        staged.blank += checked.blank
        staged.bad.update((row.line, row) for row in checked.bad)
        staged.partial_orders |= checked.partial_orders
        columns = checked.good.clear()
        if checked.good.height:
            path = directory / f"good-{number:06d}.parquet"
            checked.good.write_parquet(path)
            staged.batches.append(path)
        if checked.keys is not None and checked.keys.height:
            path = directory / f"keys-{number:06d}.parquet"
            checked.keys.write_parquet(path)
            staged.keys.append(path)
        del batch, checked
    _repeated_keys(staged, key_field(kind, chosen), "item_key" not in chosen if kind == "order_items" else False)
    staged.good = _count_good(staged)
    return staged, columns


def _repeated_keys(staged: Staged, field: str, positional: bool) -> None:
    """Every line whose key is also on another line of the file becomes bad (a row already bad gets the
    reason after its cells' reasons, where a whole-file check puts it). Positional item keys (an order's
    n-th line) cannot repeat: they are numbered at the swap instead."""
    if positional or not staged.keys:
        return
    with _engine() as con:
        repeated = con.execute(f"""
            SELECT key, list(line ORDER BY line), list(order_key ORDER BY line)
            FROM (SELECT "{LINE}" AS line, key, order_key FROM read_parquet(?))
            WHERE key IS NOT NULL GROUP BY key HAVING count(*) > 1""", [[str(p) for p in staged.keys]]).fetchall()
    for key, lines, order_keys in repeated:
        for line, order_key in zip(lines, order_keys, strict=True):
            reason = Reason("csv.reason.duplicate", {"field": field, "header": "", "value": key,
                                                     "lines": other_lines(lines, line)})
            row = staged.bad.get(line)
            if row is None:
                staged.bad[line] = BadRow(line, (reason,))
                staged.repeated.append(line)
            else:
                cells = sum(1 for r in row.reasons
                            if r.key == "csv.reason.missing" or r.key.startswith("csv.reason.bad_"))
                staged.bad[line] = BadRow(line, (*row.reasons[:cells], reason, *row.reasons[cells:]))
            if order_key is not None:
                staged.partial_orders.add(order_key)


def _count_good(staged: Staged) -> int:
    if not staged.batches:
        return 0
    with _engine() as con:
        row = con.execute("SELECT count(*) FROM read_parquet(?)", [[str(p) for p in staged.batches]]).fetchone()
    return int(row[0]) - len(staged.repeated) if row else 0


class _engine:
    """An in-memory DuckDB for the checks over the staged files, with a memory limit (it spills beyond)."""

    def __enter__(self) -> duckdb.DuckDBPyConnection:
        self.con = duckdb.connect()
        self.con.execute(f"SET memory_limit = '{MEMORY_LIMIT}'")
        return self.con

    def __exit__(self, *_: object) -> None:
        self.con.close()


# ---- the units that write the staged rows ----------------------------------------------------------

def slices(staged: Staged, all_at_once: bool) -> list[list[Path]]:
    """The staged batches as the units write them: all in one, or one a unit (at least one unit, which
    records the run)."""
    if all_at_once or not staged.batches:
        return [list(staged.batches)]
    return [[path] for path in staged.batches]


def store_failure(exc: Exception) -> ErrorRecord:
    return ErrorRecord(Kind.BUSY if isinstance(exc, StoreError) else Kind.INTERNAL, "csv.run.store_failed",
                       {"problem": str(exc)}, f"the store refused the import: {exc}")


def staging_directory() -> tempfile.TemporaryDirectory[str]:
    return tempfile.TemporaryDirectory(prefix="csv-import-")
