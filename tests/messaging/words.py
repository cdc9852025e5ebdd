"""A messaging error in words, the way the console shows it: its key and params looked up in core.i18n.

core.messaging never words an error; these tests check the words an operator reads through the same
lookup the console does (see core/i18n/words/messaging_errors.py for the conventions).
"""
from __future__ import annotations

from typing import Any

from core.errors import CoreError
from core.i18n import t


def explained(exc: CoreError, lang: str | None = None) -> str:
    params: dict[str, Any] = dict(exc.params)
    if "missing" in params:
        params["missing"] = ", ".join(t(f"errors.messaging.template.ad_missing.{m}", lang) for m in params["missing"])
    text = t(f"errors.{exc.key}", lang, **params)
    part, line = params.get("part"), params.get("line")
    if part:
        label = t(f"messaging.part.{part}", lang)
        text = (t("errors.messaging.template.at_line", lang, part=label, line=line, problem=text) if line
                else t("errors.messaging.template.in_part", lang, part=label, problem=text))
    return text


def explained_with_answer(exc: CoreError, lang: str | None = None) -> str:
    """A send error's words with the server's own answer after them."""
    return t("errors.messaging.send.with_answer", lang, explanation=explained(exc, lang), detail=exc.detail)
