"""The console's words, Korean first, English beside them: `t()`, the formats, the language of a run.

The words live in core/i18n/words/ (one module per area, each a `WORDS` dict of `key: (Korean, English)`);
`t()` is in text.py, numbers, money and times in formats.py (Babel), the run's language in language.py.
Pages import all of it from here.
"""
from __future__ import annotations

from core.i18n.formats import ago, count, local_date, local_time, number, percent, until, won
from core.i18n.language import DEFAULT_LANG, LANGUAGES, LOCALES, language, normalize, set_language
from core.i18n.text import DICTIONARIES, ORIGIN, WORDS, has, job_name, missing_keys, plural, t

__all__ = [
    "DEFAULT_LANG", "DICTIONARIES", "LANGUAGES", "LOCALES", "ORIGIN", "WORDS",
    "ago", "count", "has", "job_name", "language", "local_date", "local_time", "missing_keys", "normalize",
    "number", "percent", "plural", "set_language", "t", "until", "won",
]
