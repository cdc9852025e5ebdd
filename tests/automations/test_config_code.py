"""Config as code: `python -m core export` / `python -m core apply FILE` round-trip automations, templates
and sender settings through TOML; a bad file is refused whole, with every problem naming entry and field."""
from __future__ import annotations

import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

from core import clock
from core.automations import config_io, manage
from core.store import Store
from tests.conftest import python_env
from tests.support import automation_world as w
from tests.support.automation_world import at

pytestmark = pytest.mark.timeout(120)


def cli(store_path: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "core", *args, "--now", at(2, 9).isoformat()],
                          env=python_env(store_path), capture_output=True, text=True, timeout=60)


@pytest.fixture
def configured(store: Store, fixed_clock: clock.FixedClock) -> dict[str, str]:
    fixed_clock.set(at(1, 9))
    w.seed_shop(store)
    w.configure_sender(store, 2525, smtp_username="mailer", frequency_cap_hours=12)
    ids = {"welcome": w.automation(store, "signup", delay_minutes=30),
           "winback": w.automation(store, "no_repurchase", {"days": 30}, start=False, max_lateness_minutes=600),
           "shoes": w.automation(store, "purchased", {"category_keys": ["shoes"]}, advertising=False)}
    return ids


def test_export_then_apply_to_an_empty_store_round_trips(configured, store, store_path, tmp_path) -> None:
    exported = cli(store_path, "export")
    assert exported.returncode == 0, exported.stderr
    text = exported.stdout
    data = tomllib.loads(text)
    assert [s["shop_id"] for s in data["sender"]] == [w.SHOP]
    assert "smtp_password" not in text and len(data["template"]) == 3 and len(data["automation"]) == 3
    winback = next(a for a in data["automation"] if a["automation_id"] == configured["winback"])
    assert winback["trigger_params"] == {"days": 30} and winback["status"] == "draft"
    assert winback["max_lateness_minutes"] == 600
    assert "\n" in data["template"][0]["html"]  # multi-line HTML stays readable in the file

    other = tmp_path / "other" / "console.duckdb"
    other.parent.mkdir()
    fresh = Store(other, role="test")
    fresh.migrate()
    w.seed_shop(fresh)
    (tmp_path / "crm.toml").write_text(text, encoding="utf-8")
    applied = cli(other, "apply", str(tmp_path / "crm.toml"))
    assert applied.returncode == 0, applied.stderr
    assert "automation: 3 created, 0 updated, 0 unchanged" in applied.stdout
    assert config_io.dumps(config_io.export_config(fresh)) == text
    # applied running automations start at the moment of the apply, not before
    running = fresh.frame("SELECT automation_id, changed_at FROM automation_status_log WHERE status = 'running'")
    assert set(running["automation_id"]) == {configured["welcome"], configured["shoes"]}
    assert all(t == at(2, 9) for t in running["changed_at"])
    again = config_io.apply_config(fresh, text, now=clock.now())
    assert again.summary() == ("sender: 0 created, 0 updated, 1 unchanged; template: 0 created, 0 updated, "
                               "3 unchanged; automation: 0 created, 0 updated, 3 unchanged")


def test_an_edited_file_updates_only_what_changed(configured, store) -> None:
    text = config_io.dumps(config_io.export_config(store))
    data = tomllib.loads(text)
    winback = next(a for a in data["automation"] if a["automation_id"] == configured["winback"])
    winback["trigger_params"] = {"days": 14}
    winback["status"] = "running"
    data["sender"][0]["frequency_cap_hours"] = 48
    report = config_io.apply_config(store, config_io.dumps(data), now=clock.now())
    assert report.updated == {"sender": [w.SHOP], "template": [], "automation": [configured["winback"]]}
    row = manage.get_automation(store, configured["winback"])
    assert row["status"] == "running" and '"days":14' in row["trigger_params"].replace(" ", "")
    assert store.frame("SELECT frequency_cap_hours AS h FROM sender_settings")["h"][0] == 48


def test_a_bad_file_is_refused_whole_naming_entry_and_field(configured, store, store_path, tmp_path) -> None:
    data = tomllib.loads(config_io.dumps(config_io.export_config(store)))
    before = config_io.dumps(config_io.export_config(store))
    welcome = next(a for a in data["automation"] if a["automation_id"] == configured["welcome"])
    winback = next(a for a in data["automation"] if a["automation_id"] == configured["winback"])
    welcome["delay_minutes"] = -5
    winback["trigger_params"] = {"days": 400}
    data["automation"].append({**welcome, "automation_id": "a-new", "name": "새 자동화", "template_id": "t-missing",
                               "delay_minutes": 0})
    data["automation"].append({**welcome, "automation_id": "a-typo", "name": "오타", "dealy_minutes": 10,
                               "delay_minutes": 0})
    data["template"][0]["html"] = "<p>안녕</p>\n<p>{{ member.nmae }}</p>"
    data["sender"][0]["sender_email"] = "not-an-address"
    path = tmp_path / "bad.toml"
    path.write_text(config_io.dumps(data), encoding="utf-8")

    with pytest.raises(config_io.ConfigError) as caught:
        config_io.apply_file(store, path, now=clock.now())
    problems = caught.value.problems
    assert len(problems) == 6, problems
    joined = "\n".join(problems)
    assert f"automation[1] '{configured['welcome']}'" in joined or f"'{configured['welcome']}'" in joined
    assert any(configured["welcome"] in p and "delay_minutes:" in p for p in problems)
    assert any(configured["winback"] in p and "trigger_params:" in p and "days" in p for p in problems)
    assert any("'a-new'" in p and "template_id:" in p and "t-missing" in p for p in problems)
    assert any("'a-typo'" in p and "dealy_minutes: unknown field" in p for p in problems)
    # The command line reads the template's problem in the engine's own terms: the part, the line, the name.
    assert any(p.startswith("template[1]") and "html line 2" in p and "nmae" in p for p in problems)
    assert any(p.startswith(f"sender[1] '{w.SHOP}'") and "sender_email:" in p for p in problems)
    assert config_io.dumps(config_io.export_config(store)) == before  # nothing was written

    result = cli(store_path, "apply", str(path))
    assert result.returncode == 2 and "dealy_minutes: unknown field" in result.stderr

    path.write_text("[[automation]]\nname = \"깨진\n", encoding="utf-8")
    with pytest.raises(config_io.ConfigError, match=r"bad.toml: not valid TOML: .*line 2"):
        config_io.apply_file(store, path, now=clock.now())
    path.write_text("[automations]\nname = 'x'\n", encoding="utf-8")
    with pytest.raises(config_io.ConfigError, match=r"unknown section \[automations\]"):
        config_io.apply_file(store, path, now=clock.now())
