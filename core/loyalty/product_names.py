"""The product name a certificate shows: taken from the chosen source, promotional phrases removed.

Mall product names carry selling copy (특가할인, 예약배송, 아이유착용, [당일발송]) that has no place on a
warranty (Vircle's 홍보/마케팅 문구 제외, shared/reference/002). The operator edits the phrase list;
each phrase is literal except that `OOO` stands for any one word, so `OOO착용` removes 아이유착용 and
`[OOO]` removes every bracketed tag. Brackets left empty and stray separators are tidied away.
"""
from __future__ import annotations

import functools
import re
from collections.abc import Iterable

ANY_WORD = "OOO"
# One word: no spaces, no brackets (so "[아이유착용]" loses only its inside).
_WORD = r"[^\s\[\]\(\)【】<>{}]+?"
_EMPTY_BRACKETS = re.compile(r"\[\s*\]|\(\s*\)|【\s*】|<\s*>|\{\s*\}")
_SEPARATORS = " -/|·,_~"


def _phrase_pattern(phrase: str) -> str:
    parts = [re.escape(p) for p in phrase.split(ANY_WORD)]
    if len(parts) == 1:
        return parts[0]
    pattern = _WORD.join(parts)
    # "OOO착용" must take the whole word before 착용, not its last letter.
    return (r"(?<![^\s\[\]\(\)【】<>{}])" if phrase.startswith(ANY_WORD) else "") + pattern


@functools.lru_cache(maxsize=64)
def _compiled(phrases: tuple[str, ...]) -> re.Pattern | None:
    # Longer phrases first, so "[특가할인]" is removed whole before "특가할인" would leave "[]".
    ordered = sorted({p for p in phrases if p}, key=len, reverse=True)
    if not ordered:
        return None
    return re.compile("|".join(_phrase_pattern(p) for p in ordered))


def strip_phrases(name: str, phrases: Iterable[str]) -> str:
    """`name` without the phrases; an all-promotional name is kept as it was rather than emptied."""
    pattern = _compiled(tuple(phrases))
    if pattern is None or not name:
        return (name or "").strip()
    text = pattern.sub(" ", name)
    previous = None
    while previous != text:
        previous = text
        text = _EMPTY_BRACKETS.sub(" ", text)
    text = re.sub(r"\s+", " ", text).strip(_SEPARATORS)
    text = re.sub(r"\s+", " ", text).strip()
    return text or name.strip()


def pick_name(source: str, names: dict[str, str | None], fallback: str | None = None) -> str:
    """The name from the chosen source; the product name, then the order line's name, when it is empty."""
    for candidate in (names.get(source), names.get("name"), fallback):
        if candidate and candidate.strip():
            return candidate.strip()
    return ""


def display_name(source: str, names: dict[str, str | None], phrases: Iterable[str],
                 fallback: str | None = None) -> str:
    return strip_phrases(pick_name(source, names, fallback), phrases)
