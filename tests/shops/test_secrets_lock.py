"""The secrets file written by several OS processes at once loses nothing: every write is a read-merge-write-
rename under one cross-process lock, and `held` keeps a per-shop section to one process at a time."""
from __future__ import annotations

import multiprocessing
import os
import time
from pathlib import Path
from typing import Any

import pytest

from core.shops import secrets

pytestmark = pytest.mark.timeout(120)


def _writer(path: str, name: str, count: int, barrier: Any) -> None:
    barrier.wait(timeout=30)
    for i in range(count):
        secrets.put("shop-1", Path(path), **{f"{name}_{i}": i})


def _holder(path: str, log: str, barrier: Any) -> None:
    barrier.wait(timeout=30)
    for _ in range(20):
        with secrets.held("shop-1", "cafe24-token", Path(path)):
            with open(log, "a", encoding="utf-8") as out:
                out.write(f"in {os.getpid()}\n")
            time.sleep(0.002)
            with open(log, "a", encoding="utf-8") as out:
                out.write(f"out {os.getpid()}\n")


def _run(target: Any, args: list[tuple[Any, ...]]) -> None:
    ctx = multiprocessing.get_context("spawn")
    barrier = ctx.Barrier(len(args))
    workers = [ctx.Process(target=target, args=(*a, barrier)) for a in args]
    for w in workers:
        w.start()
    for w in workers:
        w.join(timeout=90)
    assert all(w.exitcode == 0 for w in workers)


def test_writes_from_several_processes_at_once_lose_no_key(tmp_path: Path) -> None:
    path = tmp_path / "secrets.json"
    secrets.put("shop-1", path, client_id="cid")
    _run(_writer, [(str(path), "a", 60), (str(path), "b", 60), (str(path), "c", 60)])
    values = secrets.load_all(path)["shop-1"]
    assert values["client_id"] == "cid"
    assert {k for k in values if k != "client_id"} == {f"{n}_{i}" for n in "abc" for i in range(60)}
    assert oct(path.stat().st_mode & 0o777) == "0o600"


def test_a_held_section_runs_in_one_process_at_a_time(tmp_path: Path) -> None:
    path, log = tmp_path / "secrets.json", tmp_path / "log.txt"
    _run(_holder, [(str(path), str(log)), (str(path), str(log))])
    lines = log.read_text(encoding="utf-8").splitlines()
    assert len(lines) == 80
    for enter, leave in zip(lines[::2], lines[1::2], strict=True):  # never two "in"s in a row
        assert enter.startswith("in ") and leave == "out " + enter.split()[1]
