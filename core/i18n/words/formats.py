"""Words the formats of numbers, money and times use (core/i18n/formats.py)."""
from __future__ import annotations

WORDS: dict[str, tuple[str, str | dict[str, str]]] = {
    "fmt.won": ("₩{amount:,.0f}", "₩{amount:,.0f}"),
    "fmt.count": ("{n:,}", "{n:,}"),
    "fmt.ago_seconds": ("{n}초 전", "{n} s ago"),
    "fmt.ago_minutes": ("{n}분 전", "{n} min ago"),
    "fmt.ago_hours": ("{n}시간 전", "{n} h ago"),
    "fmt.ago_days": ("{n}일 전", "{n} days ago"),
    "fmt.in_minutes": ("{n}분 뒤", "in {n} min"),
    "fmt.due_now": ("지금", "now"),
}
