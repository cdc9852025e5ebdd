"""core.csv_import speaks in keys and parameters (the console words them): errors, bad rows, a run's error."""
from __future__ import annotations

import ast
import datetime as dt
from pathlib import Path

import pytest

from core import csv_import as ci
from core.console import csv_import as console
from core.errors import Conflict, ErrorRecord, InvalidInput
from core.shops.registry import save_shop
from core.store import Store
from tests.conftest import ROOT
from tests.csv_import.test_csv_import import MEMBERS_KO, SHOP, runs

pytestmark = pytest.mark.timeout(120)
NOW = dt.datetime(2026, 1, 10, 0, 0, tzinfo=dt.UTC)


def test_the_domain_package_imports_no_words_and_no_console() -> None:
    for path in sorted((ROOT / "core" / "csv_import").glob("*.py")):
        tree = ast.parse(Path(path).read_text(encoding="utf-8"))
        imported = {node.module for node in ast.walk(tree) if isinstance(node, ast.ImportFrom) and node.module}
        imported |= {alias.name for node in ast.walk(tree) if isinstance(node, ast.Import) for alias in node.names}
        assert not {m for m in imported if m.startswith(("core.i18n", "core.console", "streamlit"))}, path.name


def test_unreadable_files_are_refused_with_a_key_and_the_line() -> None:
    with pytest.raises(ci.CsvError) as refused:
        ci.read_csv("이메일\nkim@example.kr\n".encode() + b"\xff\xfe\xff\n")
    assert isinstance(refused.value, InvalidInput)
    assert (refused.value.key, refused.value.params) == ("csv.encoding", {"line": 3})
    with pytest.raises(ci.CsvError) as refused:
        ci.read_csv("이메일\n".encode("utf-16"))
    assert refused.value.key == "csv.utf16"
    with pytest.raises(ci.CsvError) as refused:
        ci.read_csv(b"  \r\n")
    assert refused.value.key == "csv.empty"
    # the console words the same error in either language
    assert console.explain(refused.value, "en").startswith("The file is empty.")
    assert console.explain(refused.value, "ko").startswith("파일이 비어 있습니다.")


def test_bad_rows_are_lines_with_keys_and_params() -> None:
    csv_file = ci.read_csv(MEMBERS_KO.encode("cp949"), "회원.csv")
    checked = ci.check("members", csv_file, ci.suggest_mapping("members", csv_file.headers), tz="Asia/Seoul")
    problems = list(checked.problems())
    assert problems[0] == (2, "csv.reason.duplicate",
                           {"field": "member_key", "header": "", "value": "m1", "lines": "8"})
    assert (5, "csv.reason.missing", {"field": "email", "header": "이메일 주소", "value": ""}) in problems
    assert (6, "csv.reason.bad_instant",
            {"field": "signed_up_at", "header": "가입일", "value": "2026-13-45"}) in problems
    assert [line for line, _, _ in problems] == [2, 5, 6, 7, 8]
    line, key, params = problems[3]
    assert console.reason_words(key, params, "en") == \
        "SMS consent 'maybe' is not a consent value (Y/N, 예/아니오, true/false, 1/0)"


def test_a_mapping_without_a_required_field_names_the_field() -> None:
    csv_file = ci.read_csv("이름\n김\n".encode())
    with pytest.raises(ci.MappingError) as refused:
        ci.check("members", csv_file, {"name": "이름", "email": None})
    assert (refused.value.key, refused.value.params) == ("csv.mapping", {"missing": ["email"], "unknown": []})
    assert console.explain(refused.value, "en") == "No column is mapped to the required field(s): E-mail."


def test_shops_are_refused_with_keys(store: Store, fixed_clock) -> None:
    save_shop(store, "mall", "cafe24", "카페24 몰")
    with pytest.raises(ci.NotCsvShop) as refused:
        ci.create_csv_shop(store, "mall", "덮어쓰기")
    assert isinstance(refused.value, Conflict)
    assert (refused.value.key, refused.value.params) == ("csv.shop.taken", {"shop_id": "mall", "platform": "cafe24"})
    with pytest.raises(InvalidInput) as refused_id:
        ci.create_csv_shop(store, "Bad Id!", "매장")
    assert refused_id.value.key == "csv.shop.bad_id"
    with pytest.raises(InvalidInput) as refused_name:
        ci.create_csv_shop(store, "store-1", "  ")
    assert refused_name.value.key == "csv.shop.no_name"
    with pytest.raises(console.NotCsvShop) as worded:
        console.create_csv_shop(store, "mall", "덮어쓰기")
    assert str(worded.value) == "쇼핑몰 ID ‘mall’는 이미 cafe24 쇼핑몰이 쓰고 있습니다. 다른 ID를 고르세요."


def test_an_import_records_its_bad_rows_as_a_record_and_keeps_the_words_it_is_given(store: Store,
                                                                                   fixed_clock) -> None:
    ci.create_csv_shop(store, SHOP, "오프라인 매장")
    _, result = ci.import_csv(store, SHOP, "members", MEMBERS_KO.encode("cp949"), now=NOW, file_name="회원.csv")
    assert isinstance(result.error, ErrorRecord) and result.error.key == "csv.run.bad_rows"
    params = result.error.params
    assert (params["file"], params["bad"], params["rows"], params["more"]) == ("회원.csv", 5, 7, 0)
    assert [row["line"] for row in params["lines"]] == [2, 5, 6, 7, 8]
    assert params["lines"][1]["reasons"] == [
        {"key": "csv.reason.missing", "params": {"field": "email", "header": "이메일 주소", "value": ""}}]
    # without the console's words the run keeps the technical account
    [run] = runs(store)
    assert run["error"] == result.recorded == "회원.csv: 5 of 7 rows bad; lines 2, 5, 6, 7, 8"
    assert (run["started_at"], run["finished_at"]) == (NOW, NOW)
    # the console words the stored record in the reader's language
    assert console.explain(result.error, "en").startswith("회원.csv: 5 of 7 rows were not imported. line 2: ")
