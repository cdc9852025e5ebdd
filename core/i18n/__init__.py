"""The console's words, Korean first, English beside them: `t()`, the formats, the language of a run.

The words live in core/i18n/words/ (one module per area, each a `WORDS` dict of `key: (Korean, English)`).
`missing_keys()` lists a key whose word in a language is empty (a test keeps it empty). A missing English
word falls back to the Korean one rather than failing, because a page must still render.

The language of the current script run is set once per run by app.py
(`set_language`) and read by `t()`; Streamlit runs each browser session's
script in its own thread, so it is kept per thread, never shared between tabs.
"""
from __future__ import annotations

import datetime as dt
import math
import os
import threading
from zoneinfo import ZoneInfo

from babel import Locale

from core.i18n.words import load

LANGUAGES: dict[str, str] = {"ko": "한국어", "en": "English"}
DEFAULT_LANG = "ko"

WORDS, ORIGIN = load()
"""Every key's (Korean, English) words, and the words module that defines it."""

# The words by language as plain strings (an English plural entry by its "other" form), for code that asks
# whether a key exists in a language.
DICTIONARIES: dict[str, dict[str, str]] = {
    "ko": {key: ko for key, (ko, _en) in WORDS.items()},
    "en": {key: en if isinstance(en, str) else en["other"] for key, (_ko, en) in WORDS.items()},
}

_current = threading.local()
_ENGLISH = Locale("en")


def normalize(lang: str | None) -> str:
    return lang if lang in DICTIONARIES else DEFAULT_LANG


def set_language(lang: str | None) -> str:
    """The language `t()` uses in this thread (one Streamlit script run) from now on."""
    _current.lang = normalize(lang)
    return _current.lang


def language() -> str:
    return getattr(_current, "lang", None) or normalize(os.environ.get("CONSOLE_LANG"))


def t(key: str, lang: str | None = None, **params: object) -> str:
    """The word for `key` in `lang` (default: this run's language), formatted with `params`.

    Where the English is a set of plural forms, the form is picked by the CLDR plural rules of English for
    the `n` (or `count`) parameter: "1 day ago", "2 days ago". An unknown key returns the key itself, so a
    forgotten word shows up on the page instead of breaking it.
    """
    lang = normalize(lang) if lang else language()
    entry = WORDS.get(key)
    if entry is None:
        return key
    korean, english = entry
    text = korean
    if lang == "en":
        if isinstance(english, dict):
            text = english[_plural_form(english, params)]
        elif english:
            text = english
    return text.format(**params) if params else text


def _plural_form(forms: dict[str, str], params: dict[str, object]) -> str:
    number = params.get("n", params.get("count"))
    if not isinstance(number, int | float) or isinstance(number, bool):
        return "other"
    form = str(_ENGLISH.plural_form(abs(number)))
    return form if form in forms else "other"


def job_name(job: str, lang: str | None = None) -> str:
    """A scheduler job ('sync:sandbox', 'automations:dispatch') in words; an unknown job keeps its name."""
    kind, _, subject = job.partition(":")
    if kind == "sync":
        return t("job.sync", lang, shop=subject)
    key = f"job.{job}"
    text = t(key, lang)
    return job if text == key else text


def missing_keys() -> dict[str, list[str]]:
    """Keys whose word in a language is empty, by language (only languages that lack some)."""
    missing: dict[str, list[str]] = {}
    for key, (korean, english) in WORDS.items():
        if not korean.strip():
            missing.setdefault("ko", []).append(key)
        if isinstance(english, str) and not english.strip() or \
                isinstance(english, dict) and not all(form.strip() for form in english.values()):
            missing.setdefault("en", []).append(key)
    return {lang: sorted(keys) for lang, keys in missing.items()}


# ---- formats: numbers, money and times as a Korean marketer reads them -------------------------

def won(amount: float | int | None, lang: str | None = None) -> str:
    return t("fmt.won", lang, amount=float(amount or 0))


def count(n: int | None, lang: str | None = None) -> str:
    return t("fmt.count", lang, n=int(n or 0))


def ago(when: dt.datetime | str | None, now: dt.datetime, lang: str | None = None) -> str:
    """'3분 전' / '3 min ago'; empty for no time."""
    if when is None:
        return ""
    if isinstance(when, str):
        when = dt.datetime.fromisoformat(when)
    seconds = max(0, int((now - when).total_seconds()))
    if seconds < 60:
        return t("fmt.ago_seconds", lang, n=seconds)
    if seconds < 3600:
        return t("fmt.ago_minutes", lang, n=seconds // 60)
    if seconds < 86400:
        return t("fmt.ago_hours", lang, n=seconds // 3600)
    return t("fmt.ago_days", lang, n=seconds // 86400)


def until(when: dt.datetime | str | None, now: dt.datetime, lang: str | None = None) -> str:
    """'12분 뒤' / 'in 12 min', or 'now' when already due."""
    if when is None:
        return ""
    if isinstance(when, str):
        when = dt.datetime.fromisoformat(when)
    minutes = math.ceil((when - now).total_seconds() / 60)
    return t("fmt.due_now", lang) if minutes <= 0 else t("fmt.in_minutes", lang, n=minutes)


def local_time(when: dt.datetime | str | None, tz: str = "Asia/Seoul") -> str:
    """'2026-01-10 09:00' on the shop's wall clock."""
    if when is None:
        return ""
    if isinstance(when, str):
        when = dt.datetime.fromisoformat(when)
    return when.astimezone(ZoneInfo(tz)).strftime("%Y-%m-%d %H:%M")
