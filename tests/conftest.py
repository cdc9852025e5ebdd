"""Shared fixtures: a real DuckDB file in a temp dir, a secrets file beside it, a settable clock."""
from __future__ import annotations

import datetime as dt
import importlib
import os
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from core import clock  # noqa: E402
from core.store import Store  # noqa: E402

KST = dt.timezone(dt.timedelta(hours=9))


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """A browser test is a slow test: `-m "not slow"` skips it with the rest."""
    for item in items:
        if item.get_closest_marker("browser"):
            item.add_marker(pytest.mark.slow)


@pytest.fixture
def store_path(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    path = tmp_path / "console.duckdb"
    monkeypatch.setenv("CONSOLE_DB", str(path))
    monkeypatch.setenv("CONSOLE_SECRETS", str(tmp_path / "secrets.json"))
    return path


@pytest.fixture
def store(store_path: Path) -> Store:
    s = Store(store_path, role="test")
    s.migrate()
    return s


@pytest.fixture
def fixed_clock() -> clock.FixedClock:
    c = clock.FixedClock(dt.datetime(2026, 1, 10, 9, 0, tzinfo=KST))
    previous = clock.get_clock()
    clock.set_clock(c)
    yield c
    clock.set_clock(previous)


def python_env(store_path: Path) -> dict[str, str]:
    """The environment a child `python -m core` process runs with."""
    env = dict(os.environ)
    env["CONSOLE_DB"] = str(store_path)
    env["CONSOLE_SECRETS"] = str(store_path.with_name("secrets.json"))
    env["PYTHONPATH"] = str(ROOT)
    return env


@pytest.fixture(autouse=True)
def _language_of_the_test_thread_forgotten() -> Iterator[None]:
    """A test that sets the language of pytest's own thread (`i18n.set_language`) must not pin it for the tests
    after it: those read CONSOLE_LANG or Korean, as a fresh process does."""
    yield
    # The module, not core.i18n's `language` function of the same name.
    importlib.import_module("core.i18n.language")._current.__dict__.pop("lang", None)
