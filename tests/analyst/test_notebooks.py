"""The example notebooks run top to bottom in a real Jupyter kernel (nbclient) against a store the test builds,
and print the figures that store was built with."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

from core.store import Store
from tests.conftest import ROOT, python_env
from tests.support import analyst_world as world

NOTEBOOKS = ROOT / "notebooks"
pytestmark = pytest.mark.slow  # each starts a kernel


@pytest.fixture
def mall(store: Store, monkeypatch: pytest.MonkeyPatch) -> Store:
    world.build(store)
    monkeypatch.setenv("CONSOLE_SHOP", world.SHOP)
    return store


def run(name: str) -> str:
    """Execute the notebook as Jupyter would (cwd: notebooks/) and return everything its cells printed or showed."""
    notebook = nbformat.read(NOTEBOOKS / f"{name}.ipynb", as_version=4)
    NotebookClient(notebook, timeout=120, kernel_name="python3",
                   resources={"metadata": {"path": str(NOTEBOOKS)}}).execute()
    texts = []
    for cell in notebook.cells:
        for output in cell.get("outputs", []):
            texts.append(output.get("text", ""))
            texts.append(output.get("data", {}).get("text/plain", ""))
    return "\n".join(texts)


def test_cohort_repurchase(mall: Store) -> None:
    printed = run("cohort_repurchase")
    assert f"재구매 고객 {world.REPURCHASERS}명 / 구매 고객 {world.BUYERS}명 (재구매율 33.3%)" in printed
    for cohort in world.COHORTS:
        assert cohort in printed


def test_cart_reminder_effect(mall: Store, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ANALYST_NOW", world.NOW.isoformat())
    printed = run("cart_reminder_effect")
    assert f"방치된 카트 {world.CARTS}개" in printed
    assert f"리마인더를 받은 카트: {world.REACHED}개 중 {world.RECOVERED_REACHED}개 복구 (50.0%)" in printed
    unreached = world.CARTS - world.REACHED
    assert f"리마인더를 받지 않은 카트: {unreached}개 중 {world.RECOVERED_UNREACHED}개 복구 (12.5%)" in printed


def test_segment_export_from_a_snapshot(mall: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    snap = tmp_path / "snap"
    taken = subprocess.run([sys.executable, "-m", "core", "snapshot", "--out", str(snap)],
                           cwd=ROOT, env=python_env(mall.path), capture_output=True, text=True, timeout=120)
    assert taken.returncode == 0, taken.stderr
    monkeypatch.setenv("CONSOLE_DB", str(snap))
    monkeypatch.setenv("CONSOLE_SEGMENT", world.SEGMENT)
    monkeypatch.setenv("NOTEBOOK_OUT", str(tmp_path / "out"))
    printed = run("segment_export")
    path = tmp_path / "out" / f"{world.SHOP}-{world.SEGMENT}.csv"
    assert f"{world.REPURCHASERS}명을 {path}에 저장했어요" in printed
    data = path.read_bytes()
    assert data.startswith(b"\xef\xbb\xbf")  # the BOM that makes Korean Excel read UTF-8
    lines = data[3:].decode("utf-8").splitlines()
    assert lines[0].startswith("회원 ID,이름,이메일,휴대폰,")
    assert len(lines) == 1 + world.REPURCHASERS
    m006 = next(line for line in lines if "m006@example.com" in line)
    assert '"=""01000000006"""' in m006  # the phone as text: Excel keeps its leading 0
