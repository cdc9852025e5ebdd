"""`t()`: a key's word in a language, its parameters filled in, English plurals picked by CLDR rules."""
from __future__ import annotations

import numbers
from decimal import Decimal

from babel import Locale

from core.i18n.language import LANGUAGES, resolve
from core.i18n.words import English, Word, load

WORDS: dict[str, Word]
ORIGIN: dict[str, str]
WORDS, ORIGIN = load()
"""Every key's (Korean, English) words, and the words module that defines it."""

# The words by language as plain strings (an English plural entry by its "other" form), for code that asks
# whether a key exists in a language.
DICTIONARIES: dict[str, dict[str, str]] = {
    "ko": {key: ko for key, (ko, _en) in WORDS.items()},
    "en": {key: en if isinstance(en, str) else en["other"] for key, (_ko, en) in WORDS.items()},
}

_ENGLISH = Locale("en")
PLURAL_PARAMS = ("n", "count")
"""The parameters whose number picks an English plural form, in the order they are looked for."""


def t(key: str, lang: str | None = None, **params: object) -> str:
    """The word for `key` in `lang` (default: this run's language), formatted with `params`.

    Where the English is a set of plural forms, the form is picked by the CLDR plural rules of English for
    the `n` (or `count`) parameter: "1 day ago", "2 days ago". An empty English word falls back to the
    Korean one, and an unknown key returns the key itself, so a forgotten word shows up on the page
    instead of breaking it.
    """
    entry = WORDS.get(key)
    if entry is None:
        return key
    korean, english = entry
    text = korean
    if resolve(lang) == "en":
        picked = plural(english, params)
        text = picked or korean
    return text.format(**params) if params else text


def plural(english: English, params: dict[str, object]) -> str:
    """The English text of an entry: its only form, or the plural form the `n`/`count` parameter takes."""
    if isinstance(english, str):
        return english
    number = next((params[p] for p in PLURAL_PARAMS if p in params), None)
    value: float | Decimal
    if isinstance(number, bool):  # a flag is not a count
        return english["other"]
    if isinstance(number, Decimal):
        value = number.copy_abs()
    elif isinstance(number, numbers.Real):  # int, float, and numpy's numbers from a query
        value = abs(number) if isinstance(number, int | float) else abs(float(number))
    else:
        return english["other"]
    form = str(_ENGLISH.plural_form(value))
    return english.get(form, english["other"])


def has(key: str) -> bool:
    """Whether the console has a word for `key`."""
    return key in WORDS


def job_name(job: str, lang: str | None = None) -> str:
    """A scheduler job ('sync:sandbox', 'automations:dispatch') in words; an unknown job keeps its name."""
    kind, _, subject = job.partition(":")
    if kind == "sync":
        return t("job.sync", lang, shop=subject)
    key = f"job.{job}"
    return t(key, lang) if has(key) else job


def missing_keys() -> dict[str, list[str]]:
    """Keys whose word in a language is empty, by language (only the languages that lack some)."""
    missing: dict[str, list[str]] = {lang: [] for lang in LANGUAGES}
    for key, (korean, english) in WORDS.items():
        if not korean.strip():
            missing["ko"].append(key)
        forms = [english] if isinstance(english, str) else list(english.values())
        if not all(form.strip() for form in forms):
            missing["en"].append(key)
    return {lang: sorted(keys) for lang, keys in missing.items() if keys}
