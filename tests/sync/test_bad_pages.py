"""A page a client could not read fails its sync run in words; nothing escapes the sync."""
from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from core.i18n import t
from core.integrations.base import Page
from core.store import Store
from core.sync.engine import sync_shop


class _Client:
    """A client whose second members page trips over a record it did not check (a `null` in the list)."""

    platform = "fake"
    entities = ("members",)

    def __init__(self, error: type[Exception]) -> None:
        self.error = error

    def pages(self, entity: str, cursor: dict[str, Any] | None) -> Iterator[Page]:
        yield Page({"members": [{"member_key": "m1", "email": "a@example.com", "email_consent": None,
                                 "sms_consent": True, "night_consent": False, "raw": {}}]}, {"after": 1})
        record: Any = None
        if self.error is AttributeError:
            record.get("member_id")  # what a client that trusts every record does with a null one
        raise self.error("unreadable record")

    def close(self) -> None:
        pass


@pytest.mark.parametrize("error", [AttributeError, IndexError, ZeroDivisionError, KeyError])
def test_an_unchecked_record_fails_the_run_in_words_and_keeps_the_pages_before(store: Store, error: type) -> None:
    result = sync_shop(store, "shop-x", _Client(error), batch_rows=1)
    assert result.status == "failed" and result.failure is not None
    assert (result.failure.key, result.failure.params["error"]) == ("internal", error.__name__)
    assert t("errors.internal", "ko", **result.failure.params)
    with store.unit() as con:
        run = con.execute("SELECT status, error_key FROM sync_runs").fetchone()
        member = con.execute("SELECT member_key, email_consent, sms_consent FROM members").fetchall()
    assert run == ("failed", "internal")
    assert member == [("m1", None, True)]   # the page before landed, its unknown consent as NULL
