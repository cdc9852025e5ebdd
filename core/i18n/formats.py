"""Numbers, money, dates and relative times as a Korean marketer (or an English reader) reads them.

Babel does the locale work (CLDR data): digit grouping, the won sign, and durations whose English is
plural-correct ("1 minute", "3 minutes"); the words put them in time ("3분 전" / "3 minutes ago",
"12분 뒤" / "in 12 minutes"), because the console's Korean says 뒤 where CLDR says 후. Money in Korean is
written the way Korean shops print prices, "193,300원", where CLDR's ko_KR currency pattern gives
"₩193,300"; English keeps CLDR's "₩193,300".
"""
from __future__ import annotations

import datetime as dt
import math
from zoneinfo import ZoneInfo

from babel import dates, numbers

from core.i18n.language import LOCALES, resolve
from core.i18n.text import t

KOREAN_WON = "#,##0원"
"""The Korean price pattern: grouped digits, no decimals (KRW has none), 원 after the number."""

_UNITS: tuple[tuple[str, int], ...] = tuple(dates.TIMEDELTA_UNITS)


def _locale(lang: str | None) -> str:
    return LOCALES[resolve(lang)]


def _instant(when: dt.datetime | str) -> dt.datetime:
    return dt.datetime.fromisoformat(when) if isinstance(when, str) else when


def won(amount: float | int | None, lang: str | None = None) -> str:
    """'193,300원' in Korean, '₩193,300' in English; no amount reads as 0."""
    value = amount or 0
    if resolve(lang) == "ko":
        return numbers.format_currency(value, "KRW", format=KOREAN_WON, locale=LOCALES["ko"], currency_digits=True)
    return numbers.format_currency(value, "KRW", locale=_locale(lang))


def count(n: int | None, lang: str | None = None) -> str:
    """A whole number with its digits grouped ('12,345'); no number reads as 0."""
    return numbers.format_decimal(int(n or 0), locale=_locale(lang))


def number(value: float | int | None, lang: str | None = None, digits: int = 1) -> str:
    """A number with at most `digits` decimals ('1,234.5'); no number reads as 0."""
    pattern = "#,##0" + ("." + "#" * digits if digits > 0 else "")
    return numbers.format_decimal(value or 0, format=pattern, locale=_locale(lang))


def percent(ratio: float | None, lang: str | None = None, digits: int = 1) -> str:
    """A ratio as a percentage with `digits` decimals (0.333 -> '33.3%'); no ratio reads as 0."""
    pattern = "#,##0" + ("." + "0" * digits if digits > 0 else "") + "%"
    return numbers.format_percent(ratio or 0, format=pattern, locale=_locale(lang))


def ago(when: dt.datetime | str | None, now: dt.datetime, lang: str | None = None) -> str:
    """'3분 전' / '3 minutes ago'; empty for no time.

    The time is rounded down to its largest whole unit, so the page never claims more time has passed than
    has (3 minutes 59 seconds is '3 minutes ago'); a time not yet past (a clock a little ahead) is 0 seconds.
    """
    if when is None:
        return ""
    seconds = max(0, math.floor((now - _instant(when)).total_seconds()))
    for _unit, size in _UNITS:
        if seconds >= size:
            seconds -= seconds % size
            break
    duration = dates.format_timedelta(dt.timedelta(seconds=seconds), threshold=1, locale=_locale(lang))
    return t("fmt.ago", lang, duration=duration)


def until(when: dt.datetime | str | None, now: dt.datetime, lang: str | None = None) -> str:
    """'12분 뒤' / 'in 12 minutes', or 'now' when already due; empty for no time.

    The wait is counted in whole minutes, rounded up (a job due in 30 seconds is 'in 1 minute'), and read in
    the largest unit it holds at least two of, so an hourly job is '60분 뒤' and a longer wait 'in 3 hours'.
    """
    if when is None:
        return ""
    minutes = math.ceil((_instant(when) - now).total_seconds() / 60)
    if minutes <= 0:
        return t("fmt.due_now", lang)
    duration = dates.format_timedelta(dt.timedelta(minutes=minutes), threshold=2, granularity="minute",
                                      locale=_locale(lang))
    return t("fmt.in", lang, duration=duration)


def local_time(when: dt.datetime | str | None, tz: str = "Asia/Seoul") -> str:
    """'2026-01-10 09:00' on the shop's wall clock; empty for no time. The same in every language, so a
    table sorts and reads alike."""
    if when is None:
        return ""
    return _instant(when).astimezone(ZoneInfo(tz)).strftime("%Y-%m-%d %H:%M")


def local_date(when: dt.datetime | dt.date | str | None, tz: str = "Asia/Seoul", lang: str | None = None) -> str:
    """'2026년 1월 10일' / 'January 10, 2026', on the shop's calendar for an instant; empty for no date."""
    if when is None:
        return ""
    if isinstance(when, str):
        when = _instant(when)
    day = when.astimezone(ZoneInfo(tz)).date() if isinstance(when, dt.datetime) else when
    return dates.format_date(day, format="long", locale=_locale(lang))
