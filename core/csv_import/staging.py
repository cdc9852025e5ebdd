"""A file imported batch by batch in bounded memory: each batch checked and its good rows staged on disk,
then the staged rows swapped into the store.

The file (a BatchSource: core/csv_import/batches.py) is read one batch at a time; each batch is checked as a
whole file is (core/csv_import/validate.py), its bad rows kept (with their exact lines), its good rows
written to a Parquet file in a temporary directory beside every row's line and key. Two checks need the
whole file and are made at the end: a key on more than one line (each of those lines is bad, naming the
others, as for a whole file; the keys' 8-byte hashes, kept per row, find the few keys to compare), and an
order item's place among its order's lines (its key when the file has no item-key column: DuckDB numbers
them over the staged files at the swap).

Then the staged rows reach the store (core/csv_import/importer.py write_staged, the module that writes the
tables):
- all or nothing: with any bad row, nothing (a failed run says why); else one unit of work loads the staged
  rows, batch by batch, into a TEMP table and swaps them into the real table (an UPDATE of the known keys
  and an INSERT of the rest, as core.store.upsert does), with the sync run, so a failure leaves the store as
  it was;
- the good rows: batch by batch, committed every BATCHES_A_UNIT batches (the memory a unit needs stays
  that of a few batches), the run recorded with the last unit.
The staged files live only while the import runs (a temporary directory, removed whatever happens).
"""
from __future__ import annotations

import dataclasses
import tempfile
from collections.abc import Callable
from pathlib import Path

import polars as pl

from core.csv_import.batches import BatchSource
from core.csv_import.reading import LINE
from core.csv_import.validate import BadRow, Checked, Reason, check, check_mapping, key_field, other_lines
from core.errors import ErrorRecord, Kind
from core.store import StoreError

# How much memory DuckDB may take for the swap (it spills to disk beyond): left to its default (80% of the
# machine) a million-row swap alone took 500 MB more; a unit a batch needs little (3M rows in 128 MB units
# peaked at 490 MB in all, at 256 MB at 850 MB). All or nothing inserts every row in one transaction, whose
# new keys' index stays in memory until the commit: 3M member rows need more than 128 MB and fit in 256 MB
# (beyond, the store refuses the import and nothing is imported).
MEMORY_LIMIT = "128MB"
MEMORY_LIMIT_ONE_UNIT = "256MB"
# The good-rows mode commits every few batches: a unit costs an open, a commit and a pass over the table's
# keys, so a unit a batch took 26 s for 1M rows, five batches a unit (about 235,000 rows) 15 s, at the same
# peak memory.
BATCHES_A_UNIT = 5


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
    hashes: list[pl.Series] = []  # the hash of every row's key: 8 bytes a row
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
            staged.good += checked.good.height
            staged.batches.append(_write(checked.good, directory / f"good-{number:06d}.parquet"))
        if checked.keys is not None and checked.keys.height:
            staged.keys.append(_write(checked.keys, directory / f"keys-{number:06d}.parquet"))
            hashes.append(checked.keys["key"].drop_nulls().hash())
        del batch, checked
    if kind != "order_items" or "item_key" in chosen:  # positional item keys cannot repeat
        _repeated_keys(staged, key_field(kind, chosen), hashes)
    staged.good -= len(staged.repeated)
    return staged, columns


def _write(frame: pl.DataFrame, path: Path) -> Path:
    """A staged frame on disk: read back once, soon, so fast (LZ4) beats small."""
    frame.write_parquet(path, compression="lz4", statistics=False)
    return path


def _repeated_keys(staged: Staged, field: str, hashes: list[pl.Series]) -> None:
    """Every line whose key is also on another line of the file becomes bad (a row already bad gets the
    reason after its cells' reasons, where a whole-file check puts it).

    The keys' hashes say which few hashes repeat (the same key, the same hash); only the keys with those
    hashes are read back from the staged files and compared."""
    if not hashes:
        return
    # Sorted, a repeated hash sits beside its twin: 33 MB more at 3M rows, where is_duplicated's hash table
    # took 210 MB.
    every = pl.concat(hashes).sort()
    hashes.clear()
    repeated = every.filter(every == every.shift(1)).unique()
    del every
    if repeated.is_empty():
        return
    # One staged file at a time, so reading the keys back takes the memory of one batch whatever the file.
    wanted = repeated.implode()
    candidates = pl.concat([pl.read_parquet(path).filter(pl.col("key").hash().is_in(wanted)) for path in staged.keys])
    keyed = (candidates.filter(pl.col("key").is_duplicated()).sort(LINE)
             .group_by("key", maintain_order=True).agg(pl.col(LINE), pl.col("order_key")))
    for key, lines, order_keys in keyed.iter_rows():
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


# ---- the units that write the staged rows ----------------------------------------------------------

def slices(staged: Staged, all_at_once: bool) -> list[list[Path]]:
    """The staged batches by the unit that writes them (each batch by its own statements): all in one, or
    BATCHES_A_UNIT a unit (at least one unit, which records the run)."""
    if all_at_once or not staged.batches:
        return [list(staged.batches)]
    return [staged.batches[at:at + BATCHES_A_UNIT] for at in range(0, len(staged.batches), BATCHES_A_UNIT)]


def store_failure(exc: Exception) -> ErrorRecord:
    return ErrorRecord(Kind.BUSY if isinstance(exc, StoreError) else Kind.INTERNAL, "csv.run.store_failed",
                       {"problem": str(exc)}, f"the store refused the import: {exc}")


def staging_directory() -> tempfile.TemporaryDirectory[str]:
    return tempfile.TemporaryDirectory(prefix="csv-import-")
