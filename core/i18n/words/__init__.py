"""Every word of the console, one module per area, Korean beside English.

Each module listed in `MODULES` defines

    WORDS: dict[str, tuple[str, str | dict[str, str]]] = {
        "area.key": ("한국어 {name}", "English {name}"),
        "area.count": ("{n}건", {"one": "{n} item", "other": "{n} items"}),
    }

The English side is a dict of CLDR plural forms ("one", "other", ...) where the English words change with
a number; Korean has no plural forms, so its side is always one string.

The list is explicit rather than discovered, so a module is loaded because someone meant it to be, and the
order words are read in does not depend on the file system. A key defined in two modules is refused at
import, naming both, because otherwise one screen's word silently replaces another's.
"""
from __future__ import annotations

import importlib
from collections.abc import Iterable, Mapping
from typing import TypeAlias

English: TypeAlias = str | dict[str, str]
Word: TypeAlias = tuple[str, English]

MODULES: tuple[str, ...] = (
    "app",
    "formats",
    "integrations",
    "godomall",
    "csv",
    "automations",
    "messaging",
    "loyalty",
    "carts",
    "segments",
    "scheduler",
    "console",
    "sync_errors",
    "messaging_errors",
    "public",
    "engine",
    "mailbox",
    "analyst",
    "sender",
    "blocks",
    "guide",
    "queue",
    "consent",
    "webhooks",
)


class DuplicateWord(KeyError):
    """A key two word modules both define; names the key and both modules."""

    def __init__(self, key: str, first: str, second: str) -> None:
        super().__init__(f"{key!r} is defined in core.i18n.words.{first} and in core.i18n.words.{second}")
        self.key, self.first, self.second = key, first, second


class BadWord(ValueError):
    """An entry that is not (Korean, English) in the WORDS format."""


def merge(tables: Iterable[tuple[str, Mapping[str, object]]]) -> tuple[dict[str, Word], dict[str, str]]:
    """All words of the (module name, WORDS) tables, and which module defines each key.

    Raises DuplicateWord for a key two modules define, BadWord for an entry of the wrong shape.
    """
    words: dict[str, Word] = {}
    origin: dict[str, str] = {}
    for name, table in tables:
        for key, entry in table.items():
            if key in origin:
                raise DuplicateWord(key, origin[key], name)
            words[key] = _checked(name, key, entry)
            origin[key] = name
    return words, origin


def _checked(module: str, key: str, entry: object) -> Word:
    where = f"core.i18n.words.{module}: {key!r}"
    if not (isinstance(entry, tuple) and len(entry) == 2 and isinstance(entry[0], str)):
        raise BadWord(f"{where} must be (Korean, English), got {entry!r}")
    korean, english = entry
    if isinstance(english, dict):
        if "other" not in english or not all(isinstance(v, str) for v in english.values()):
            raise BadWord(f"{where}: English plural forms need an 'other' form and string values")
        return korean, dict(english)
    if not isinstance(english, str):
        raise BadWord(f"{where}: English must be a string or a dict of plural forms")
    return korean, english


def load(modules: Iterable[str] = MODULES) -> tuple[dict[str, Word], dict[str, str]]:
    """Import the listed word modules and merge their WORDS (see `merge`)."""
    tables = []
    for name in modules:
        module = importlib.import_module(f"{__name__}.{name}")
        table = getattr(module, "WORDS", None)
        if not isinstance(table, dict):
            raise BadWord(f"core.i18n.words.{name} has no WORDS dict (convert it with tools/convert_words.py)")
        tables.append((name, table))
    return merge(tables)
