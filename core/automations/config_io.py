"""Config as code: automations, templates and sender settings exported to, and applied from, TOML.

`python -m core export > crm.toml`, review and version it, `python -m core apply crm.toml`.
The file holds three arrays of tables, `[[sender]]` (one per shop; the SMTP password never leaves
the secrets file), `[[template]]` and `[[automation]]`, keyed by `shop_id`, `template_id` and
`automation_id`. Applying is all or nothing: every entry is checked with the same rules as the
console (manage.check_*; a template is rendered against a sample member) and every problem is
reported at once, naming the entry and the field; only a file without problems is written, in one
unit of work. Entries are created or updated; what the file does not mention is left alone
(deleting is done in the console, on purpose). An automation's status in the file is applied too:
`running` starts it from the moment of the apply (nothing earlier is backfilled).
"""
from __future__ import annotations

import dataclasses
import datetime as dt
import json
import tomllib
from pathlib import Path
from typing import Any

import duckdb
import tomli_w

from core.automations import manage
from core.errors import InvalidInput
from core.store import Store

SECTIONS = ("sender", "template", "automation")
_FIELDS = {"sender": manage.SENDER_FIELDS, "template": manage._TEMPLATE_FIELDS,
           "automation": manage._AUTOMATION_FIELDS}
_KEY = {"sender": "shop_id", "template": "template_id", "automation": "automation_id"}
_OPTIONAL = {  # may be left out of a file (the console's defaults apply)
    "sender": {"smtp_host", "smtp_port", "smtp_security", "smtp_username", "frequency_cap_enabled",
               "frequency_cap_hours", "reply_to", "postal_address"},
    "template": {"shop_id", "trigger", "preheader", "text", "blocks"},
    "automation": {"trigger_params", "delay_minutes", "max_lateness_minutes", "is_advertising", "status",
                   "template_id", "preheader", "audience", "sender_name", "sender_email"},
}


class ConfigError(InvalidInput, ValueError):
    """A config file that cannot be applied; `problems` lists each as 'entry: field: what is wrong' (for the
    command line that applies it, and the detail)."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        super().__init__("automations.config_invalid", count=len(problems),
                         detail="the config cannot be applied:\n" + "\n".join(f"  - {p}" for p in problems))


@dataclasses.dataclass
class ApplyReport:
    created: dict[str, list[str]] = dataclasses.field(default_factory=lambda: {s: [] for s in SECTIONS})
    updated: dict[str, list[str]] = dataclasses.field(default_factory=lambda: {s: [] for s in SECTIONS})
    unchanged: dict[str, list[str]] = dataclasses.field(default_factory=lambda: {s: [] for s in SECTIONS})

    def summary(self) -> str:
        parts = []
        for section in SECTIONS:
            c, u, n = (len(x[section]) for x in (self.created, self.updated, self.unchanged))
            parts.append(f"{section}: {c} created, {u} updated, {n} unchanged")
        return "; ".join(parts)


# ---------------------------------------------------------------- export

def _clean(row: dict[str, Any]) -> dict[str, Any]:
    """TOML has no null: a field without a value is left out (and means 'default' on apply)."""
    return {k: v for k, v in row.items() if v is not None}


def export_config(store: Store, shop_id: str | None = None) -> dict[str, list[dict[str, Any]]]:
    """Every sender, template and automation (of one shop, if given), as plain data in a stable order."""
    where = "WHERE $shop IS NULL OR shop_id = $shop"
    with store.unit() as con:
        out: dict[str, list[dict[str, Any]]] = {}
        for section, table in (("sender", "sender_settings"), ("template", "templates"),
                               ("automation", "automations")):
            fields = _FIELDS[section]
            cur = con.execute(f"SELECT {', '.join(fields)} FROM {table} {where} ORDER BY {_KEY[section]}",
                              {"shop": shop_id})
            rows = [dict(zip(fields, r, strict=True)) for r in cur.fetchall()]
            for r in rows:
                _parse_json_fields(r)
            out[section] = [_clean(r) for r in rows]
    return out


def _parse_json_fields(row: dict[str, Any]) -> dict[str, Any]:
    if "trigger_params" in row:
        row["trigger_params"] = json.loads(row["trigger_params"] or "{}")
    if row.get("audience"):
        row["audience"] = json.loads(row["audience"])
    return row


def dumps(config: dict[str, list[dict[str, Any]]]) -> str:
    header = ("# Automations, templates and sender settings of the console (python -m core export).\n"
              "# Apply with: python -m core apply FILE. "
              "SMTP passwords are not here: they stay in the secrets file.\n\n")
    return header + tomli_w.dumps({s: config.get(s, []) for s in SECTIONS if config.get(s)},
                                  multiline_strings=True)


# ---------------------------------------------------------------- apply

def loads(text: str, source: str = "config") -> dict[str, list[dict[str, Any]]]:
    """Parse the TOML; a syntax error names the line. Unknown sections are refused."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError([f"{source}: not valid TOML: {exc}"]) from None
    problems = []
    for section, entries in data.items():
        if section not in SECTIONS:
            expected = ", ".join(f"[[{s}]]" for s in SECTIONS)
            problems.append(f"{source}: unknown section [{section}] (expected {expected})")
        elif not isinstance(entries, list) or not all(isinstance(e, dict) for e in entries):
            problems.append(f"{source}: [{section}] must be written as [[{section}]] tables")
    if problems:
        raise ConfigError(problems)
    return {s: data.get(s, []) for s in SECTIONS}


def _label(section: str, n: int, entry: dict[str, Any]) -> str:
    key = entry.get(_KEY[section])
    name = entry.get("name") or entry.get("sender_name")
    return f"{section}[{n + 1}]" + (f" '{key}'" if key else "") + (f" ({name})" if name and name != key else "")


def _check(section: str, entry: dict[str, Any], known_shops: set[str], known_templates: set[str]) -> dict[str, Any]:
    fields = _FIELDS[section]
    unknown = sorted(set(entry) - set(fields))
    if unknown:
        raise manage.AutomationError(unknown[0], "unknown_field",
                                     f"{unknown[0]}: unknown field (known: {', '.join(fields)})",
                                     known=", ".join(fields))
    missing = [f for f in fields if f not in entry and f not in _OPTIONAL[section]]
    if missing:
        raise manage.AutomationError(missing[0], "missing_field", f"{missing[0]}: missing")
    key = entry[_KEY[section]]
    if not isinstance(key, str) or not key.strip():
        raise manage.AutomationError(_KEY[section], "key_empty", f"{_KEY[section]}: must be a non-empty string")
    if section == "sender":
        if key not in known_shops:
            raise manage.AutomationError("shop_id", "not_a_shop", f"shop_id: '{key}' is not a connected shop",
                                         shop_id=str(key))
        return manage.check_sender(entry)
    if section == "template":
        if entry.get("shop_id") is not None and entry["shop_id"] not in known_shops:
            raise manage.AutomationError("shop_id", "not_a_shop",
                                         f"shop_id: '{entry['shop_id']}' is not a connected shop",
                                         shop_id=str(entry["shop_id"]))
        return manage.check_template(entry)
    if "trigger_params" in entry and not isinstance(entry["trigger_params"], dict):
        raise manage.AutomationError("trigger_params", "params_not_table",
                                     "trigger_params: must be a table, e.g. trigger_params = { days = 14 }")
    return manage.check_automation({"trigger_params": {}, **entry}, known_shops=known_shops,
                                   known_templates=known_templates)


def check_config(con: duckdb.DuckDBPyConnection,
                 config: dict[str, list[dict[str, Any]]]) -> dict[str, list[dict[str, Any]]]:
    """Every entry checked; ConfigError lists every problem, each naming its entry and field."""
    shops, stored_templates = manage._known(con)
    templates = stored_templates | {str(t["template_id"]) for t in config["template"] if t.get("template_id")}
    problems: list[str] = []
    checked: dict[str, list[dict[str, Any]]] = {s: [] for s in SECTIONS}
    for section in SECTIONS:
        seen: set[str | None] = set()
        for n, entry in enumerate(config[section]):
            label = _label(section, n, entry)
            key = entry.get(_KEY[section])
            if key in seen:
                problems.append(f"{label}: {_KEY[section]}: appears twice in the file")
                continue
            seen.add(key)
            try:
                checked[section].append(_check(section, entry, shops, templates))
            except manage.AutomationError as exc:
                problems.append(f"{label}: {exc.detail}")
    if not problems:  # every entry checked, so each automation's index is its place in the file
        problems = _starts_without_sender(con, checked)
    if problems:
        raise ConfigError(problems)
    return checked


def _starts_without_sender(con: duckdb.DuckDBPyConnection, checked: dict[str, list[dict[str, Any]]]) -> list[str]:
    """An automation the file starts (running, and not running already) needs its shop to have a sender with
    an SMTP server, saved already or in the same file: the console's rule (manage.require_sender)."""
    senders = {s["shop_id"] for s in checked["sender"] if s.get("smtp_host")}
    problems = []
    for n, entry in enumerate(checked["automation"]):
        if entry["status"] != manage.AutomationStatus.RUNNING or entry["shop_id"] in senders:
            continue
        stored = _stored(con, "automation", entry["automation_id"])
        if stored is not None and stored["status"] == manage.AutomationStatus.RUNNING:
            continue
        try:
            manage.require_sender(con, entry["shop_id"])
        except manage.AutomationError as exc:
            problems.append(f"{_label('automation', n, entry)}: {exc.detail}")
    return problems


def _stored(con: duckdb.DuckDBPyConnection, section: str, key: str) -> dict[str, Any] | None:
    table = {"sender": "sender_settings", "template": "templates", "automation": "automations"}[section]
    fields = _FIELDS[section]
    rows = con.execute(f"SELECT {', '.join(fields)} FROM {table} WHERE {_KEY[section]} = ?", [key]).fetchall()
    if not rows:
        return None
    return _parse_json_fields(dict(zip(fields, rows[0], strict=True)))


def _same(stored: dict[str, Any], entry: dict[str, Any], section: str) -> bool:
    return all(stored.get(f) == entry.get(f) or (not stored.get(f) and not entry.get(f))
               for f in _FIELDS[section])


def apply_config(store: Store, text: str, *, now: dt.datetime, source: str = "config",
                 dry_run: bool = False) -> ApplyReport:
    """Check the whole file, then write it in one unit of work (or nothing, with every problem named)."""
    config = loads(text, source)
    report = ApplyReport()
    with store.unit() as con:
        checked = check_config(con, config)
        writers = {"sender": manage.write_sender, "template": manage.write_template,
                   "automation": manage.write_automation}
        for section in SECTIONS:  # senders and templates before the automations that use them
            for entry in checked[section]:
                key = entry[_KEY[section]]
                stored = _stored(con, section, key)
                if stored is not None and _same(stored, entry, section):
                    report.unchanged[section].append(key)
                    continue
                (report.created if stored is None else report.updated)[section].append(key)
                if not dry_run:
                    writers[section](con, entry, now)
    return report


def apply_file(store: Store, path: Path | str, *, now: dt.datetime, dry_run: bool = False) -> ApplyReport:
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError([f"{path}: cannot be read: {exc}"]) from None
    return apply_config(store, text, now=now, source=path.name, dry_run=dry_run)
