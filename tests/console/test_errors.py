"""The console puts an error into words from its key and parameters, in the reader's language."""
from __future__ import annotations

from core.console import errors
from core.errors import Conflict, ErrorRecord, Kind, Unreachable
from core.store import StoreBusy


def test_a_keyed_error_is_worded_with_its_parameters_in_either_language():
    busy = StoreBusy("store data/console is busy: scheduler kept it", "store.busy", holder="scheduler", seconds=15)
    assert errors.describe(busy, "ko") == \
        "다른 작업이 저장소를 쓰고 있어요 (15초 넘게 기다렸어요). 잠시 뒤 다시 시도해 주세요."
    assert errors.describe(busy, "en") == "The store was busy for more than 15 s. Try again in a moment."
    assert errors.detail_of(busy) == "store data/console is busy: scheduler kept it"


def test_a_stored_record_is_worded_like_the_error_it_came_from():
    record = ErrorRecord.load("busy", "store.busy", '{"holder": "scheduler", "seconds": 15}', "kept it")
    assert record is not None
    assert errors.describe(record, "en") == "The store was busy for more than 15 s. Try again in a moment."
    assert errors.detail_of(record) == "kept it"


def test_a_key_without_words_falls_back_to_the_words_of_its_kind():
    assert errors.describe(Unreachable("no.such.key", host="127.0.0.1"), "en") == \
        "Could not connect. Check the address and the network, then try again."
    assert errors.describe(Conflict("no.such.key"), "ko") == \
        "지금 상태에서는 할 수 없어요. 화면을 새로고침한 뒤 다시 확인해 주세요."
    assert errors.describe(ErrorRecord(Kind.AUTH, "no.such.key"), "en").startswith("Authentication failed")


def test_words_naming_a_parameter_the_error_lacks_fall_back_to_its_kind():
    assert errors.describe(StoreBusy("busy", "store.busy"), "en") == \
        "The store is busy with another task. Try again in a moment."


def test_every_kind_has_words_in_both_languages():
    for kind in Kind:
        for lang in ("ko", "en"):
            assert errors.describe(ErrorRecord(kind, "no.such.key"), lang) != f"errors.kind.{kind}"


def test_an_error_that_words_itself_keeps_its_own_text():
    assert errors.describe(ValueError("sender_email: 'x' is not an e-mail address")) == \
        "sender_email: 'x' is not an e-mail address"

    class Worded(ValueError):
        def message(self, lang: str | None = None) -> str:
            return "영어" if lang == "ko" else "English"

    assert errors.describe(Worded("raw"), "en") == "English"
    assert errors.describe(Worded("raw"), "ko") == "영어"


def test_an_unexpected_fault_is_never_shown_as_its_raw_text():
    assert errors.describe(RuntimeError("token=abc123 leaked"), "en") == \
        "Something unexpected went wrong. If it keeps happening, tell your administrator."
    assert errors.describe(ErrorRecord.of(RuntimeError("token=abc123")), "en") == \
        "Something unexpected went wrong (RuntimeError). If it keeps happening, tell your administrator."
