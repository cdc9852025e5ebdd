"""The words: every key in both languages, English plurals, the loader's refusals."""
from __future__ import annotations

import sys
import types
from decimal import Decimal
from pathlib import Path

import pytest

from core import i18n
from core.i18n import words


def test_every_key_has_korean_and_english() -> None:
    assert i18n.missing_keys() == {}
    for key, (korean, english) in i18n.WORDS.items():
        assert korean.strip(), key
        forms = [english] if isinstance(english, str) else list(english.values())
        assert all(form.strip() for form in forms), key


def test_every_listed_module_is_in_the_words_format() -> None:
    loaded, origin = words.load()
    assert set(origin.values()) == set(words.MODULES)
    assert loaded == i18n.WORDS


def test_every_words_file_is_listed_so_none_is_silently_ignored() -> None:
    files = {p.stem for p in Path(words.__file__).parent.glob("*.py") if p.stem != "__init__"}
    assert files == set(words.MODULES), "add the module's name to MODULES in core/i18n/words/__init__.py"


def test_korean_is_the_default_and_english_is_beside_it() -> None:
    assert i18n.t("term.abandoned_cart") == "방치된 카트"
    assert i18n.t("term.abandoned_cart", "en") == "Abandoned cart"
    assert i18n.t("overview.members_new", "en", n=2) == "+2 in 30 days"
    assert i18n.t("no.such.key", "en") == "no.such.key"
    assert i18n.t("term.stamp", "fr") == "스탬프"  # a language the console does not speak reads Korean


def test_the_language_of_a_run_is_per_thread() -> None:
    import threading

    i18n.set_language("en")
    seen: list[str] = []
    worker = threading.Thread(target=lambda: seen.append(i18n.language()))
    worker.start()
    worker.join()
    try:
        assert i18n.t("term.stamp") == "Stamp"
        assert seen == ["ko"]
    finally:
        i18n.set_language("ko")


def test_english_plural_forms_follow_the_number() -> None:
    entry = {"one": "{n} day ago", "other": "{n} days ago"}
    assert i18n.plural(entry, {"n": 1}) == "{n} day ago"
    assert i18n.plural(entry, {"n": 2}) == "{n} days ago"
    assert i18n.plural(entry, {"n": 0}) == "{n} days ago"
    assert i18n.plural(entry, {"count": 1}) == "{n} day ago"
    assert i18n.plural(entry, {}) == "{n} days ago"  # no number: the general form
    assert i18n.plural("{n} days ago", {"n": 1}) == "{n} days ago"
    assert i18n.plural(entry, {"n": Decimal(1)}) == "{n} day ago"
    assert i18n.plural(entry, {"n": 1.5}) == "{n} days ago"
    assert i18n.plural(entry, {"n": True}) == "{n} days ago"  # a flag is not a number


def test_t_picks_the_plural_form_of_a_registered_word(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(i18n.WORDS, "test.days", ("{n}일 전", {"one": "{n} day ago", "other": "{n} days ago"}))
    assert i18n.t("test.days", "en", n=1) == "1 day ago"
    assert i18n.t("test.days", "en", n=2) == "2 days ago"
    assert i18n.t("test.days", "ko", n=1) == "1일 전"
    assert i18n.t("test.days", "ko", n=2) == "2일 전"


def test_a_key_defined_twice_is_refused_naming_both_modules() -> None:
    with pytest.raises(words.DuplicateWord) as refused:
        words.merge([("carts", {"carts.title": ("카트", "Carts")}),
                     ("segments", {"carts.title": ("장바구니", "Baskets")})])
    assert refused.value.key == "carts.title"
    assert (refused.value.first, refused.value.second) == ("carts", "segments")
    assert "core.i18n.words.carts" in str(refused.value) and "core.i18n.words.segments" in str(refused.value)


def test_the_loader_reads_the_listed_modules_only(monkeypatch: pytest.MonkeyPatch) -> None:
    first = types.ModuleType("core.i18n.words.test_first")
    first.WORDS = {"test.a": ("가", "a")}  # type: ignore[attr-defined]
    second = types.ModuleType("core.i18n.words.test_second")
    second.WORDS = {"test.a": ("나", "b")}  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, first.__name__, first)
    monkeypatch.setitem(sys.modules, second.__name__, second)
    loaded, origin = words.load(["test_first"])
    assert loaded == {"test.a": ("가", "a")} and origin == {"test.a": "test_first"}
    with pytest.raises(words.DuplicateWord, match="test_first.*test_second"):
        words.load(["test_first", "test_second"])


def test_an_old_format_module_is_refused_with_the_way_to_convert_it(monkeypatch: pytest.MonkeyPatch) -> None:
    old = types.ModuleType("core.i18n.words.test_old")
    old.KO = {"test.a": "가"}  # type: ignore[attr-defined]
    old.EN = {"test.a": "a"}  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, old.__name__, old)
    with pytest.raises(words.BadWord, match="convert_words"):
        words.load(["test_old"])


@pytest.mark.parametrize("entry", [("가",), "가", ("가", 3), ("가", {"one": "a"}), (None, "a")])
def test_an_entry_of_the_wrong_shape_is_refused(entry: object) -> None:
    with pytest.raises(words.BadWord, match="test.a"):
        words.merge([("test", {"test.a": entry})])


def test_scheduler_jobs_in_words() -> None:
    assert i18n.job_name("sync:sandbox") == "sandbox 동기화"
    assert i18n.job_name("automations:dispatch", "en") == "send messages"
    assert i18n.job_name("something:new") == "something:new"
