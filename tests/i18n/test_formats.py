"""Numbers, money and times in both languages, through Babel."""
from __future__ import annotations

import datetime as dt

import pytest

from core import i18n

NOW = dt.datetime(2026, 1, 10, 0, 0, tzinfo=dt.UTC)


def test_money_reads_as_korean_shops_print_it_and_as_english_writes_it() -> None:
    assert i18n.won(193300, "ko") == "193,300원"
    assert i18n.won(193300, "en") == "₩193,300"
    assert i18n.won(1234567.4, "ko") == "1,234,567원"  # the won has no decimals
    assert i18n.won(None, "ko") == "0원"
    assert i18n.won(0, "en") == "₩0"
    assert i18n.won(-52800, "ko") == "-52,800원"


def test_numbers_are_grouped_in_both_languages() -> None:
    assert i18n.count(1234567, "ko") == "1,234,567"
    assert i18n.count(1234567, "en") == "1,234,567"
    assert i18n.count(None) == "0"
    assert i18n.number(1234.56, "en") == "1,234.6"
    assert i18n.number(2.0, "ko") == "2"
    assert i18n.percent(0.333, "ko") == "33.3%"
    assert i18n.percent(1, "en", digits=0) == "100%"


@pytest.mark.parametrize(("seconds", "korean", "english"), [
    (0, "0초 전", "0 seconds ago"),
    (1, "1초 전", "1 second ago"),
    (59, "59초 전", "59 seconds ago"),
    (60, "1분 전", "1 minute ago"),
    (3 * 60 + 59, "3분 전", "3 minutes ago"),
    (3600, "1시간 전", "1 hour ago"),
    (2 * 3600 + 1800, "2시간 전", "2 hours ago"),
    (86400, "1일 전", "1 day ago"),
    (2 * 86400, "2일 전", "2 days ago"),
])
def test_ago_in_both_languages_with_english_plurals(seconds: int, korean: str, english: str) -> None:
    when = NOW - dt.timedelta(seconds=seconds)
    assert i18n.ago(when, NOW, "ko") == korean
    assert i18n.ago(when, NOW, "en") == english


def test_ago_reads_iso_text_and_nothing() -> None:
    assert i18n.ago((NOW - dt.timedelta(minutes=5)).isoformat(), NOW, "en") == "5 minutes ago"
    assert i18n.ago(None, NOW) == ""
    assert i18n.ago(NOW + dt.timedelta(minutes=1), NOW, "en") == "0 seconds ago"  # a clock a little ahead


def test_until_counts_whole_minutes_up() -> None:
    assert i18n.until(NOW, NOW, "ko") == "지금"
    assert i18n.until(NOW - dt.timedelta(minutes=3), NOW, "en") == "now"
    assert i18n.until(NOW + dt.timedelta(seconds=30), NOW, "en") == "in 1 minute"
    assert i18n.until(NOW + dt.timedelta(minutes=12), NOW, "ko") == "12분 뒤"
    assert i18n.until(NOW + dt.timedelta(minutes=12), NOW, "en") == "in 12 minutes"
    assert i18n.until(NOW + dt.timedelta(hours=1), NOW, "ko") == "60분 뒤"
    assert i18n.until(NOW + dt.timedelta(minutes=90), NOW, "en") == "in 90 minutes"
    assert i18n.until(NOW + dt.timedelta(hours=2), NOW, "en") == "in 2 hours"
    assert i18n.until(NOW + dt.timedelta(days=3), NOW, "en") == "in 3 days"
    assert i18n.until(None, NOW) == ""


def test_times_and_dates_on_the_shops_clock() -> None:
    assert i18n.local_time(NOW) == "2026-01-10 09:00"
    assert i18n.local_time(NOW.isoformat(), "UTC") == "2026-01-10 00:00"
    assert i18n.local_time(None) == ""
    late = dt.datetime(2026, 1, 10, 16, 0, tzinfo=dt.UTC)  # already the 11th in Seoul
    assert i18n.local_date(late, "Asia/Seoul", "ko") == "2026년 1월 11일"
    assert i18n.local_date(late, "UTC", "en") == "January 10, 2026"
    assert i18n.local_date(dt.date(2026, 3, 1), lang="en") == "March 1, 2026"


def test_formats_follow_the_language_of_the_run() -> None:
    i18n.set_language("en")
    try:
        assert i18n.won(45000) == "₩45,000"
        assert i18n.ago(NOW - dt.timedelta(days=1), NOW) == "1 day ago"
    finally:
        i18n.set_language("ko")
    assert i18n.won(45000) == "45,000원"
