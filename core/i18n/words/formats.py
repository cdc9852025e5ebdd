"""Words of the formats of times (core/i18n/formats.py); Babel writes numbers, money and the rest."""
from __future__ import annotations

WORDS: dict[str, tuple[str, str | dict[str, str]]] = {
    # {duration} is Babel's, plural-correct in English: "3분" / "3 minutes"
    "fmt.ago": ("{duration} 전", "{duration} ago"),
    "fmt.in": ("{duration} 뒤", "in {duration}"),
    "fmt.due_now": ("지금", "now"),
}
