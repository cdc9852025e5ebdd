"""A messaging error in words, the way the console shows it (core.console.errors.describe).

core.messaging never words an error; these tests check the words an operator reads through the console's
own lookup, and, for a send error, the server's answer after them.
"""
from __future__ import annotations

from core.console.errors import describe
from core.errors import CoreError
from core.i18n import t

explained = describe


def explained_with_answer(exc: CoreError, lang: str | None = None) -> str:
    """A send error's words with the server's own answer after them."""
    return t("errors.messaging.send.with_answer", lang, explanation=describe(exc, lang), detail=exc.detail)
