"""The language of the current script run.

app.py sets it once per run (`set_language`) and `t()` and the formats read it. Streamlit runs each browser
session's script in its own thread, so the language is kept per thread, never shared between tabs; outside
a run (the scheduler, a test) it is CONSOLE_LANG or Korean.
"""
from __future__ import annotations

import os
import threading

LANGUAGES: dict[str, str] = {"ko": "한국어", "en": "English"}
DEFAULT_LANG = "ko"
LOCALES: dict[str, str] = {"ko": "ko_KR", "en": "en_US"}
"""The Babel locale each language formats numbers, money and dates with."""

_current = threading.local()


def normalize(lang: str | None) -> str:
    """`lang` if the console speaks it, else the default (Korean)."""
    return lang if lang in LANGUAGES else DEFAULT_LANG


def set_language(lang: str | None) -> str:
    """The language `t()` uses in this thread (one Streamlit script run) from now on."""
    _current.lang = normalize(lang)
    return str(_current.lang)


def language() -> str:
    """This run's language."""
    chosen = getattr(_current, "lang", None)
    return chosen if isinstance(chosen, str) else normalize(os.environ.get("CONSOLE_LANG"))


def resolve(lang: str | None) -> str:
    """`lang` when given (normalized), else this run's language."""
    return normalize(lang) if lang else language()
