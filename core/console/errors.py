"""Errors in words: the console is the one place where an error's key and parameters become a sentence.

The core raises `CoreError`s that carry a key ("sync.auth_refused") and parameters (platform="cafe24");
the scheduler stores them as an `ErrorRecord`. `describe` looks the key up as `errors.<key>` in the
reader's language and fills in the parameters. A key the console has no words for falls back to the
generic words of its kind, so a new error is still explained in plain terms rather than shown as a key.

Errors of the core that do not carry a key yet (a `ValueError` naming the field it refuses) already
word themselves; `describe` shows their own text so a page never needs to know which sort it caught.
"""
from __future__ import annotations

import re
import string

from core.errors import CoreError, ErrorRecord, Kind
from core.i18n import t

__all__ = ["CoreError", "ErrorRecord", "Kind", "describe", "detail_of", "field_label"]


def _named(words: str) -> set[str]:
    """The parameters a sentence names ("{seconds}" -> seconds)."""
    try:
        return {re.split(r"[.\[]", field, maxsplit=1)[0] for _, field, _, _ in string.Formatter().parse(words)
                if field}
    except ValueError:  # braces that are not a format
        return set()


def _keyed(record: ErrorRecord, lang: str | None) -> str:
    key = f"errors.{record.key}"
    words = t(key, lang)
    params = dict(record.params)
    if isinstance(params.get("field"), str):  # the field by its label in the reader's language, not its name
        params["field"] = field_label(params["field"], lang)
    if isinstance(params.get("missing"), list):  # what an advertising template lacks, each named in words
        params["missing"] = ", ".join(t(f"errors.messaging.template.ad_missing.{m}", lang)
                                      for m in params["missing"])
    if words == key or not _named(words) <= set(params):  # no words, or they name what it lacks
        return t(f"errors.kind.{record.kind}", lang)
    try:
        text = t(key, lang, **params) if params else words
    except (KeyError, IndexError, ValueError):
        return t(f"errors.kind.{record.kind}", lang)
    return _placed(text, params, lang)


def field_label(field: str, lang: str | None = None) -> str:
    """A field as a person knows it ("발신자 이메일" for sender_email); a field without a label, as written."""
    key = f"field.{field}"
    word = t(key, lang)
    return field if word == key else word


def _placed(text: str, params: dict[str, object], lang: str | None) -> str:
    """A template error says where it is: the part of the message and, when known, the line, and the
    sample member it failed for when a save-time check found it."""
    part, line, sample = params.get("part"), params.get("line"), params.get("sample")
    if not part:
        return text
    label = t(f"messaging.part.{part}", lang)
    if line:
        text = t("errors.messaging.template.at_line", lang, part=label, line=line, problem=text)
    else:
        text = t("errors.messaging.template.in_part", lang, part=label, problem=text)
    if sample:
        text = t("errors.messaging.template.for_sample", lang, sample=t(f"messaging.sample.{sample}", lang),
                 problem=text)
    return text


def describe(error: BaseException | ErrorRecord, lang: str | None = None) -> str:
    """The error in the reader's words (`lang`, default this run's language)."""
    if isinstance(error, ErrorRecord):
        return _keyed(error, lang)
    if isinstance(error, CoreError):
        return _keyed(error.record(), lang)
    message = getattr(error, "message", None)
    if callable(message):  # an error that words itself in the reader's language
        return str(message(lang))
    if isinstance(error, (ValueError, TypeError)) and str(error):
        return str(error)
    return t(f"errors.kind.{Kind.INTERNAL}", lang)


def detail_of(error: BaseException | ErrorRecord) -> str:
    """The technical account (English, never a secret) for a page's "details" line; empty when none."""
    if isinstance(error, ErrorRecord):
        return error.detail
    if isinstance(error, CoreError):
        return error.detail
    return ""
