"""The command line's shared options: --db and --now mean the same before or after the command."""
from __future__ import annotations

import datetime as dt

import pytest

from core.__main__ import build_parser, main

WHEN = dt.datetime(2026, 1, 10, 0, 0, tzinfo=dt.UTC)


@pytest.mark.parametrize("argv", [["--now", "2026-01-10T09:00:00+09:00", "--db", "x.duckdb", "status"],
                                  ["status", "--now", "2026-01-10T09:00:00+09:00", "--db", "x.duckdb"]])
def test_shared_options_before_or_after_the_command(argv: list[str]) -> None:
    args = build_parser().parse_args(argv)
    assert args.now == WHEN
    assert args.db == "x.duckdb"


def test_status_before_the_command_reads_the_store_it_names(tmp_path, capsys) -> None:
    db = tmp_path / "named.duckdb"
    assert main(["--db", str(db), "status"]) == 0
    assert db.exists()
    assert capsys.readouterr().out.strip().startswith("{")
