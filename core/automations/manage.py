"""What the console's automation pages call: create / start / pause / resume, the list with
results, "who would receive this", templates and sender settings, the outbox and its repairs.

Every function opens the store for one short unit of work; none sends anything.
"""
from __future__ import annotations

import datetime as dt
import json
import re
import uuid
from typing import Any

import duckdb
import polars as pl

from core.automations.audience import check_audience, stage_audience
from core.automations.triggers import (
    AUTOMATION_COLUMNS,
    TRIGGERS,
    AutomationStatus,
    TriggerError,
    automation_from_row,
    bind,
    candidates_sql,
    validate_params,
    with_recipients,
)
from core.errors import CoreError, InvalidInput, Kind
from core.messaging import outbox
from core.segments.rules import RuleError
from core.shops import secrets
from core.shops.registry import shop_timezone
from core.store import Store

STATUSES = tuple(AutomationStatus)
TRIGGER_LABELS = {  # the words marketers know from Stibee (발송 조건)
    "purchased": "상품 구매함", "no_first_purchase": "첫 구매 안 함", "no_repurchase": "재구매 안 함",
    "signup": "회원 가입함", "cart_abandoned": "방치된 카트", "delivered": "배송 완료",
}
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_HOST = re.compile(r"^[A-Za-z0-9]([A-Za-z0-9.:-]*[A-Za-z0-9])?$|^\[[0-9A-Fa-f:.]+\]$")
SMTP_SECURITIES = ("none", "starttls", "tls")
DEFAULT_PORTS = {"none": 25, "starttls": 587, "tls": 465}


class AutomationError(InvalidInput, ValueError):
    """Input that cannot make a working automation (or names one that does not exist).

    `field` names the field at fault (the wizard shows the step where it is entered); the key and params
    are what the console words; `detail` is the account for logs and the command line, field first.
    """

    def __init__(self, field: str, key: str, detail: str, *, kind: Kind | None = None, **params: Any) -> None:
        self.field = field
        super().__init__(f"automations.{key}", detail=detail, kind=kind, field=field, **params)

    @classmethod
    def of_template(cls, exc: CoreError) -> AutomationError:
        """A template the engine refuses, keeping the template error's own key and params (its part and
        line), so the console words it exactly as the template editor does."""
        refused = cls("template", "bad_template", f"template: {exc.detail}")
        refused.key, refused.params = exc.key, {**exc.params, "field": "template"}
        return refused


# ------------------------------------------------------------------ validation (shared with config_io)

def check_automation(fields: dict[str, Any], *, known_shops: set[str], known_templates: set[str]) -> dict[str, Any]:
    """The wizard's (or a config file's) fields, checked; AutomationError names the field."""
    out = dict(fields)
    name = (out.get("name") or "").strip()
    if not name:
        raise AutomationError("name", "name_empty", "name: 이름이 비어 있습니다 (name is empty)")
    if out.get("shop_id") not in known_shops:
        raise AutomationError("shop_id", "not_a_shop",
                              f"shop_id: 연결된 쇼핑몰이 아닙니다 ('{out.get('shop_id')}' is not a "
                              "connected shop)", shop_id=str(out.get("shop_id")))
    try:
        out["trigger_params"] = validate_params(out.get("trigger"), out.get("trigger_params") or {})
    except TriggerError as exc:
        field = "trigger" if out.get("trigger") not in TRIGGERS else "trigger_params"
        raise AutomationError(field, exc.key.removeprefix("automations."), f"{field}: {exc.detail}",
                              **{k: v for k, v in exc.params.items() if k != "field"}) from None
    try:
        out["audience"] = check_audience(out.get("audience"))
    except (RuleError, ValueError) as exc:
        problem = exc.detail if isinstance(exc, CoreError) else str(exc)
        raise AutomationError("audience", "bad_audience", f"audience: {problem}", problem=problem) from None
    for field, low, high in (("delay_minutes", 0, 365 * 24 * 60), ("max_lateness_minutes", 1, 30 * 24 * 60)):
        value = out.get(field, 0 if field == "delay_minutes" else None)
        if value is None:
            out[field] = None
            continue
        if not isinstance(value, int) or isinstance(value, bool) or not low <= value <= high:
            raise AutomationError(field, "out_of_range",
                                  f"{field}: {low}..{high} 사이의 정수여야 합니다 (got {value!r})",
                                  low=low, high=high, value=repr(value))
        out[field] = value
    out["is_advertising"] = out.get("is_advertising", True)
    if not isinstance(out["is_advertising"], bool):
        raise AutomationError("is_advertising", "not_bool", "is_advertising: true 또는 false여야 합니다")
    out["status"] = out.get("status", AutomationStatus.DRAFT)
    if out["status"] not in STATUSES:
        raise AutomationError("status", "bad_status",
                              f"status: {', '.join(STATUSES)} 중 하나여야 합니다 (got {out['status']!r})",
                              statuses=", ".join(STATUSES), value=repr(out["status"]))
    if not (out.get("subject") or "").strip():
        raise AutomationError("subject", "subject_empty", "subject: 이메일 제목이 비어 있습니다 (subject is empty)")
    # The automation's own sender overrides the shop's (sender_settings); left empty, the shop's is used.
    for field in ("sender_name", "sender_email"):
        out[field] = (out.get(field) or "").strip() or None
    if out["sender_email"] is not None and not _EMAIL.match(out["sender_email"]):
        raise AutomationError("sender_email", "bad_email",
                              f"sender_email: not an e-mail address ({out['sender_email']!r})",
                              address=out["sender_email"])
    if out.get("template_id") is not None and out.get("template_id") not in known_templates:
        raise AutomationError("template_id", "unknown_template",
                              f"template_id: 저장된 템플릿이 아닙니다 ({out.get('template_id')!r})",
                              template_id=str(out.get("template_id")))
    if out["status"] == AutomationStatus.RUNNING and out.get("template_id") is None:
        raise AutomationError("template_id", "template_needed",
                              "template_id: 실행하려면 이메일 내용(템플릿)이 필요합니다")
    out["preheader"] = out.get("preheader") or ""
    return out


def check_template(fields: dict[str, Any]) -> dict[str, Any]:
    """A template checked by rendering it for a sample member (core.templates.validate)."""
    from core.messaging.templates import TemplateError, validate
    out = dict(fields)
    if not (out.get("name") or "").strip():
        raise AutomationError("name", "template_name_empty", "name: 템플릿 이름이 비어 있습니다")
    trigger = out.get("trigger") or "signup"
    out["blocks"], html = _compiled_blocks(out.get("blocks"), trigger)
    if html is not None:
        out["html"] = html
    try:
        validate(out.get("subject") or "", out.get("html") or "", out.get("text"), trigger,
                 preheader=out.get("preheader"))
    except TemplateError as exc:
        raise AutomationError.of_template(exc) from None
    except ValueError as exc:
        raise AutomationError("trigger", "bad_trigger", f"trigger: {exc}", trigger=trigger) from None
    return out


def _compiled_blocks(value: Any, trigger: str) -> tuple[str | None, str | None]:
    """A template's block document (data or JSON text) checked and compiled: (the JSON to store, the HTML
    it compiles to); (None, None) for a template written in raw HTML. The HTML always comes from the
    blocks, so the two cannot disagree."""
    from core.messaging import blocks
    try:
        document = blocks.loads(value)
        if document is None:
            return None, None
        checked = blocks.check(document, trigger)
        return blocks.dumps(checked), blocks.compile_html(checked, trigger)
    except blocks.BlockError as exc:
        refused = AutomationError("blocks", "bad_blocks", f"blocks: {exc.detail}")
        refused.key, refused.params = exc.key, {**exc.params, "field": "blocks", "block_field": exc.field}
        raise refused from None


def check_sender(fields: dict[str, Any]) -> dict[str, Any]:
    """A shop's sender settings checked (the settings page, a config file, the sandbox's preset).

    The name and the contact are required (an advertisement carries them); the postal address, reply-to
    and SMTP fields are optional here, so older config files still apply. A port left out follows the
    security (465 for TLS, 587 for STARTTLS, 25 for none: RFC 8314 §3.3, RFC 6409 §3.1)."""
    out = dict(fields)
    for field in ("sender_name", "sender_contact", "postal_address", "reply_to", "smtp_host", "smtp_username"):
        if isinstance(out.get(field), str):
            out[field] = out[field].strip()
    for field in ("sender_name", "sender_contact"):
        if not out.get(field):
            raise AutomationError(field, "sender_empty",
                                  f"{field}: is empty (an advertising e-mail carries the sender's name and contact)")
    for field in ("sender_email", "reply_to"):
        value = (out.get(field) or "").strip()
        if field == "reply_to" and not value:
            out[field] = None
            continue
        if not value:
            raise AutomationError(field, "email_empty", f"{field}: is empty")
        if not _EMAIL.match(value):
            raise AutomationError(field, "bad_email", f"{field}: not an e-mail address ({value!r})", address=value)
        out[field] = value
    out["postal_address"] = out.get("postal_address") or None
    if out.get("smtp_security") is None:
        out["smtp_security"] = "starttls"
    if out["smtp_security"] not in SMTP_SECURITIES:
        raise AutomationError("smtp_security", "bad_security",
                              f"smtp_security: must be one of none, starttls, tls (got {out['smtp_security']!r})")
    host = out.get("smtp_host") or None
    if host is not None and (len(host) > 253 or not _HOST.match(host)):
        raise AutomationError("smtp_host", "bad_host", f"smtp_host: not a host name or address ({host!r})", host=host)
    out["smtp_host"] = host
    out["smtp_username"] = out.get("smtp_username") or None
    port = out.get("smtp_port")
    if port is None and host is not None:
        port = out["smtp_port"] = DEFAULT_PORTS[out["smtp_security"]]
    if port is not None and (not isinstance(port, int) or isinstance(port, bool) or not 1 <= port <= 65535):
        raise AutomationError("smtp_port", "out_of_range", f"smtp_port: 1..65535 (got {port!r})",
                              low=1, high=65535, value=repr(port))
    if not isinstance(out.setdefault("frequency_cap_enabled", True), bool):
        got = out["frequency_cap_enabled"]
        raise AutomationError("frequency_cap_enabled", "not_bool",
                              f"frequency_cap_enabled: must be true or false (got {got!r})")
    hours = out.setdefault("frequency_cap_hours", 24)
    if not isinstance(hours, int) or isinstance(hours, bool) or not 1 <= hours <= 24 * 30:
        raise AutomationError("frequency_cap_hours", "out_of_range", f"frequency_cap_hours: 1..720 (got {hours!r})",
                              low=1, high=720, value=repr(hours))
    return out


def require_sender(con: duckdb.DuckDBPyConnection, shop_id: str) -> None:
    """Refuse to start an automation of a shop that has no sender to send from (no sender settings, or no
    SMTP server in them): it would plan sends that can never go out."""
    if not has_working_sender(con, shop_id):
        raise AutomationError("sender", "no_sender", f"shop '{shop_id}' has no sender settings with an SMTP server; "
                              "save them before starting an automation", kind=Kind.CONFLICT, shop_id=shop_id)


def has_working_sender(con: duckdb.DuckDBPyConnection, shop_id: str) -> bool:
    """The shop has sender settings with an SMTP host (whether the server answers is the connection test's job)."""
    rows = con.execute("SELECT 1 FROM sender_settings WHERE shop_id = ? AND coalesce(trim(smtp_host), '') <> ''",
                       [shop_id]).fetchall()
    return bool(rows)


# ------------------------------------------------------------------ writes

_AUTOMATION_FIELDS = ("automation_id", "shop_id", "name", "trigger", "trigger_params", "delay_minutes",
                      "max_lateness_minutes", "is_advertising", "status", "template_id", "subject", "preheader",
                      "sender_name", "sender_email", "audience")
_TEMPLATE_FIELDS = ("template_id", "shop_id", "name", "trigger", "subject", "preheader", "html", "text", "blocks")
SENDER_FIELDS = ("shop_id", "sender_name", "sender_email", "sender_contact", "smtp_host", "smtp_port",
                 "smtp_security", "smtp_username", "frequency_cap_enabled", "frequency_cap_hours", "reply_to",
                 "postal_address")


def write_automation(con: duckdb.DuckDBPyConnection, a: dict[str, Any], now: dt.datetime) -> None:
    """Insert or update one checked automation; a status change is logged (the running window)."""
    old = con.execute("SELECT status FROM automations WHERE automation_id = ?", [a["automation_id"]]).fetchone()
    values = [a.get(f) for f in _AUTOMATION_FIELDS]
    values[_AUTOMATION_FIELDS.index("trigger_params")] = json.dumps(a["trigger_params"], ensure_ascii=False)
    if a.get("audience") is not None:
        values[_AUTOMATION_FIELDS.index("audience")] = json.dumps(a["audience"], ensure_ascii=False)
    cols = ", ".join(_AUTOMATION_FIELDS)
    updates = ", ".join(f"{f} = excluded.{f}" for f in _AUTOMATION_FIELDS if f != "automation_id")
    con.execute(f"""INSERT INTO automations ({cols}, created_at, updated_at)
                    VALUES ({", ".join("?" for _ in _AUTOMATION_FIELDS)}, ?, ?)
                    ON CONFLICT (automation_id) DO UPDATE SET {updates}, updated_at = excluded.updated_at""",
                values + [now, now])
    if old is None or old[0] != a["status"]:
        log_status(con, a["automation_id"], a["status"], now)


def mark_evaluated(con: duckdb.DuckDBPyConnection, automation_ids: list[str], now: dt.datetime) -> None:
    """These automations have planned everything that became true up to `now`. Never moved back: an edit
    of an automation's rules puts it ahead (see `edit_automation`), so evaluation never looks back past it."""
    if automation_ids:
        con.execute("""UPDATE automations SET evaluated_until = greatest(coalesce(evaluated_until, $now), $now)
                       WHERE automation_id IN (SELECT unnest($ids))""", {"now": now, "ids": automation_ids})


def set_cart_threshold(con: duckdb.DuckDBPyConnection, shop_id: str, minutes: int, now: dt.datetime) -> None:
    """The shop's cart automations (reminders and owner notices) count a cart abandoned `minutes` after its
    last activity."""
    con.execute("""UPDATE automations SET trigger_params = json_merge_patch(trigger_params, json_object(
                       'threshold_minutes', ?::INTEGER)), updated_at = ?
                   WHERE shop_id = ? AND trigger IN ('cart_abandoned', 'cart_notice', 'cart_digest')""",
                [minutes, now, shop_id])


def set_status_in(con: duckdb.DuckDBPyConnection, automation_id: str, status: str, now: dt.datetime) -> None:
    """Within the caller's unit: the status, logged when it changes (no checks: the caller made them)."""
    rows = con.execute("UPDATE automations SET status = ?, updated_at = ? WHERE automation_id = ? AND status <> ? "
                       "RETURNING automation_id", [status, now, automation_id, status]).fetchall()
    if rows:
        log_status(con, automation_id, status, now)


def log_status(con: duckdb.DuckDBPyConnection, automation_id: str, status: str, now: dt.datetime) -> None:
    con.execute("""INSERT INTO automation_status_log VALUES (?, ?, ?)
                   ON CONFLICT (automation_id, changed_at) DO UPDATE SET status = excluded.status""",
                [automation_id, status, now])


def write_template(con: duckdb.DuckDBPyConnection, t: dict[str, Any], now: dt.datetime) -> None:
    cols = ", ".join(_TEMPLATE_FIELDS)
    updates = ", ".join(f"{f} = excluded.{f}" for f in _TEMPLATE_FIELDS if f != "template_id")
    con.execute(f"""INSERT INTO templates ({cols}, updated_at) VALUES ({", ".join("?" for _ in _TEMPLATE_FIELDS)}, ?)
                    ON CONFLICT (template_id) DO UPDATE SET {updates}, updated_at = excluded.updated_at""",
                [t.get(f) for f in _TEMPLATE_FIELDS] + [now])


def write_sender(con: duckdb.DuckDBPyConnection, s: dict[str, Any], now: dt.datetime) -> None:
    cols = ", ".join(SENDER_FIELDS)
    updates = ", ".join(f"{f} = excluded.{f}" for f in SENDER_FIELDS if f != "shop_id")
    con.execute(f"""INSERT INTO sender_settings ({cols}, updated_at) VALUES ({", ".join("?" for _ in SENDER_FIELDS)}, ?)
                    ON CONFLICT (shop_id) DO UPDATE SET {updates}, updated_at = excluded.updated_at""",
                [s.get(f) for f in SENDER_FIELDS] + [now])


def known(con: duckdb.DuckDBPyConnection) -> tuple[set[str], set[str]]:
    """The shops and templates an automation may name (check_automation's `known_*`)."""
    shops = {r[0] for r in con.execute("SELECT shop_id FROM shops").fetchall()}
    templates = {r[0] for r in con.execute("SELECT template_id FROM templates").fetchall()}
    return shops, templates


_known = known  # the name config_io uses


def save_template(store: Store, *, shop_id: str | None, name: str, trigger: str | None, subject: str, html: str,
                  now: dt.datetime, text: str | None = None, preheader: str | None = None,
                  template_id: str | None = None, blocks: dict[str, Any] | None = None) -> str:
    """Validate (render against a sample member) and save; a broken template is refused with the line.

    With `blocks` (a block document) the HTML saved is compiled from them and they are kept beside it;
    without, the template is raw HTML and any blocks it had are dropped (the HTML was edited by hand)."""
    t = check_template({"template_id": template_id or f"t-{uuid.uuid4().hex[:10]}", "shop_id": shop_id,
                        "name": name, "trigger": trigger, "subject": subject, "preheader": preheader,
                        "html": html, "text": text, "blocks": blocks})
    with store.unit() as con:
        write_template(con, t, now)
    return t["template_id"]


def save_sender_settings(store: Store, shop_id: str, *, now: dt.datetime, smtp_password: str | None = None,
                         **fields: Any) -> None:
    """The shop's sender and SMTP settings, checked and saved (the one writer of `sender_settings`).

    `smtp_password`, when given (not empty), goes to the secrets file as 'smtp_password' after the settings
    are saved, never to the store; left out, the saved password stays as it was."""
    s = check_sender({"shop_id": shop_id, **fields})
    with store.unit() as con:
        if not con.execute("SELECT 1 FROM shops WHERE shop_id = ?", [shop_id]).fetchall():
            raise AutomationError("shop_id", "not_a_shop", f"shop_id: '{shop_id}' is not a connected shop",
                                  kind=Kind.NOT_FOUND, shop_id=shop_id)
        write_sender(con, s, now)
    if smtp_password:
        secrets.put(shop_id, smtp_password=smtp_password)


def create_automation(store: Store, *, shop_id: str, name: str, trigger: str, subject: str, sender_name: str | None,
                      sender_email: str | None, template_id: str | None, now: dt.datetime,
                      trigger_params: dict[str, Any] | None = None,
                      preheader: str = "", delay_minutes: int = 0, is_advertising: bool = True,
                      max_lateness_minutes: int | None = None, start: bool = False,
                      audience: dict[str, Any] | None = None) -> str:
    """The wizard's last step: 주소록(shop) → 발송 조건(trigger+params) → 발송 정보 → 내용(template) → 시작.

    An empty sender name or e-mail leaves the shop's saved sender in charge; starting (`start`) needs the
    shop to have sender settings with an SMTP server (require_sender)."""
    fields = {"automation_id": f"a-{uuid.uuid4().hex[:10]}", "shop_id": shop_id, "name": name,
              "trigger": trigger, "trigger_params": trigger_params or {}, "subject": subject,
              "sender_name": sender_name, "sender_email": sender_email, "preheader": preheader,
              "template_id": template_id, "delay_minutes": delay_minutes, "is_advertising": is_advertising,
              "max_lateness_minutes": max_lateness_minutes,
              "status": AutomationStatus.RUNNING if start else AutomationStatus.DRAFT,
              "audience": audience}
    with store.unit() as con:
        shops, templates = known(con)
        a = check_automation(fields, known_shops=shops, known_templates=templates)
        if a["status"] == AutomationStatus.RUNNING:
            require_sender(con, shop_id)
        write_automation(con, a, now)
    return a["automation_id"]


def set_status(store: Store, automation_id: str, status: str, *, now: dt.datetime) -> None:
    """Start, pause or resume. Resuming does not backfill what became true while paused."""
    if status not in STATUSES:
        raise AutomationError("status", "bad_status", f"status: {', '.join(STATUSES)} 중 하나여야 합니다",
                              statuses=", ".join(STATUSES), value=repr(status))
    with store.unit() as con:
        row = con.execute("SELECT status, template_id FROM automations WHERE automation_id = ?",
                          [automation_id]).fetchone()
        if row is None:
            raise AutomationError("automation_id", "not_found", f"automation '{automation_id}' does not exist",
                                  kind=Kind.NOT_FOUND, automation_id=automation_id)
        if status == AutomationStatus.RUNNING and row[1] is None:
            raise AutomationError("template_id", "template_needed",
                                  "template_id: 실행하려면 이메일 내용(템플릿)이 필요합니다")
        if row[0] == status:
            return
        if row[0] == AutomationStatus.ARCHIVED or status == AutomationStatus.ARCHIVED:
            raise AutomationError("status", "archived", f"automation '{automation_id}' is archived: restore it first"
                                  if row[0] == AutomationStatus.ARCHIVED else "archive it with archive_automation",
                                  kind=Kind.CONFLICT, automation_id=automation_id)
        if status == AutomationStatus.RUNNING:
            shop = con.execute("SELECT shop_id FROM automations WHERE automation_id = ?", [automation_id]).fetchall()
            require_sender(con, shop[0][0])
        con.execute("UPDATE automations SET status = ?, updated_at = ? WHERE automation_id = ?",
                    [status, now, automation_id])
        log_status(con, automation_id, status, now)


def start_automation(store: Store, automation_id: str, *, now: dt.datetime) -> None:
    set_status(store, automation_id, AutomationStatus.RUNNING, now=now)


def pause_automation(store: Store, automation_id: str, *, now: dt.datetime) -> None:
    set_status(store, automation_id, AutomationStatus.PAUSED, now=now)


def resume_automation(store: Store, automation_id: str, *, now: dt.datetime) -> None:
    set_status(store, automation_id, AutomationStatus.RUNNING, now=now)


# ------------------------------------------------------------------ reads

def list_automations(store: Store, shop_id: str | None = None, *, archived: bool | None = None) -> pl.DataFrame:
    """One row per automation with its results: sent, skipped (and by reason), failed, opened, clicked,
    converted (attributed orders) and revenue. `archived`: True only the archived ones, False all but them,
    None every automation."""
    with store.unit() as con:
        return con.sql("""
            WITH ob AS (
                SELECT automation_id, count(*) FILTER (WHERE state = 'sent') AS sent,
                       count(*) FILTER (WHERE state = 'pending') AS pending,
                       count(*) FILTER (WHERE state = 'skipped') AS skipped,
                       count(*) FILTER (WHERE state = 'cancelled') AS cancelled,
                       count(*) FILTER (WHERE state IN ('failed', 'dead')) AS failed,
                       count(*) FILTER (WHERE state = 'unknown') AS unknown
                FROM outbox GROUP BY automation_id),
            reasons AS (
                SELECT automation_id, map(list(reason ORDER BY reason), list(n ORDER BY reason)) AS skipped_by_reason
                FROM (SELECT automation_id, reason, count(*) AS n FROM outbox
                      WHERE state IN ('skipped', 'cancelled') GROUP BY ALL) GROUP BY automation_id),
            ev AS (
                SELECT o.automation_id, count(DISTINCT te.message_id) FILTER (WHERE te.kind = 'open') AS opened,
                       count(DISTINCT te.message_id) FILTER (WHERE te.kind = 'click') AS clicked
                FROM tracking_events te JOIN outbox o USING (message_id) GROUP BY o.automation_id),
            attr AS (
                SELECT o.automation_id, count(*) AS converted, sum(at_.revenue) AS revenue
                FROM attributions at_ JOIN outbox o USING (message_id) GROUP BY o.automation_id)
            SELECT a.automation_id, a.shop_id, a.name, a.trigger, a.trigger_params, a.status, a.delay_minutes,
                   a.is_advertising, a.template_id, a.subject, a.updated_at, a.audience::VARCHAR AS audience,
                   a.archived_at, coalesce(ob.sent, 0) AS sent, coalesce(ob.pending, 0) AS pending,
                   coalesce(ob.skipped, 0) AS skipped, coalesce(ob.cancelled, 0) AS cancelled,
                   coalesce(ob.failed, 0) AS failed, coalesce(ob.unknown, 0) AS unknown,
                   reasons.skipped_by_reason,
                   coalesce(ev.opened, 0) AS opened, coalesce(ev.clicked, 0) AS clicked,
                   coalesce(attr.converted, 0) AS converted, coalesce(attr.revenue, 0) AS revenue
            FROM automations a LEFT JOIN ob USING (automation_id) LEFT JOIN reasons USING (automation_id)
            LEFT JOIN ev USING (automation_id) LEFT JOIN attr USING (automation_id)
            WHERE ($shop IS NULL OR a.shop_id = $shop)
              AND ($archived IS NULL OR (a.status = 'archived') = $archived)
            ORDER BY a.created_at, a.automation_id""", params={"shop": shop_id, "archived": archived}).pl()


def get_automation(store: Store, automation_id: str) -> dict[str, Any]:
    with store.unit() as con:
        cur = con.execute("SELECT * FROM automations WHERE automation_id = ?", [automation_id])
        row = cur.fetchone()
        if row is None:
            raise AutomationError("automation_id", "not_found", f"automation '{automation_id}' does not exist",
                                  kind=Kind.NOT_FOUND, automation_id=automation_id)
        return dict(zip([d[0] for d in cur.description], row, strict=True))


def preview_recipients(store: Store, automation_id: str, days: int = 1, sample_size: int = 20, *,
                       now: dt.datetime) -> dict[str, Any]:
    """Who would receive this in the next `days` days (1 or 7 in the console), if it were running:
    sends already planned and due in the window, plus time-based occurrences that will become true
    (no first purchase / no repurchase / cart abandoned / delays) if nothing else happens. Events still
    to come (new orders, signups, deliveries) cannot be foreseen. Counts are by day in the shop's time zone,
    after consent and unsubscribes; the frequency cap may still hold some back on the day."""
    end = now + dt.timedelta(days=days)
    with store.unit() as con:
        rows = con.execute(f"SELECT {AUTOMATION_COLUMNS} FROM automations WHERE automation_id = ?",
                           [automation_id]).fetchall()
        if not rows:
            raise AutomationError("automation_id", "not_found", f"automation '{automation_id}' does not exist",
                                  kind=Kind.NOT_FOUND, automation_id=automation_id)
        a = automation_from_row(rows[0])
        tz = shop_timezone(con, a.shop_id)
        delay = dt.timedelta(minutes=a.delay_minutes)
        # A running automation has planned what became true up to `evaluated_until`; what became true
        # since is not planned yet but will be at the next tick (due now if its due time has passed).
        start_true = min(now, a.evaluated_until) if a.status == AutomationStatus.RUNNING and a.evaluated_until else now
        end_true = end - delay
        predicted = "SELECT NULL::VARCHAR AS member_key, NULL::VARCHAR AS occurrence_key, " \
                    "NULL::VARCHAR AS recipient, NULL::TIMESTAMPTZ AS became_true_at WHERE FALSE"
        params: dict[str, Any] = {}
        if end_true > start_true:
            predicted, params = candidates_sql(a, start_true, end_true)
            predicted = with_recipients(predicted)
        params.update({"aid": a.automation_id, "shop": a.shop_id, "now": now, "end": end, "adv": a.is_advertising,
                       "delay": a.delay_minutes})
        audience = stage_audience(con, a.automation_id, a.shop_id, "e.member_key")
        sql = f"""
            WITH future AS (
                SELECT member_key, recipient, became_true_at + to_minutes($delay) AS due_at, 'predicted' AS source
                FROM ({predicted}) p
                WHERE NOT EXISTS (SELECT 1 FROM outbox ob WHERE ob.automation_id = $aid
                                  AND ob.occurrence_key = p.occurrence_key)),
            planned AS (
                SELECT member_key, recipient, due_at, 'planned' AS source FROM outbox
                WHERE automation_id = $aid AND state IN ('pending', 'failed') AND due_at <= $end),
            everyone AS (SELECT * FROM future UNION ALL SELECT * FROM planned)
            SELECT e.member_key, m.name, e.recipient AS email, greatest(e.due_at, $now) AS due_at, e.source
            FROM everyone e LEFT JOIN members m ON m.shop_id = $shop AND m.member_key = e.member_key
            WHERE e.recipient IS NOT NULL{audience}
              AND NOT EXISTS (SELECT 1 FROM unsubscribes u WHERE u.shop_id = $shop AND u.member_key = e.member_key
                              AND u.channel IN ('email', 'all'))
              AND (NOT $adv OR coalesce(m.email_consent, FALSE))
            ORDER BY due_at, e.member_key"""
        frame = con.sql(sql, params=bind(sql, params)).pl()
    frame = frame.with_columns(pl.col("due_at").dt.convert_time_zone(tz).dt.date().alias("day"))
    by_day = frame.group_by("day").len().sort("day")
    return {"automation_id": automation_id, "days": days, "total": frame.height,
            "by_day": [{"day": d.isoformat(), "count": n} for d, n in by_day.iter_rows()],
            "sample": frame.head(sample_size).drop("day").to_dicts()}


def list_outbox(store: Store, *, state: str | None = None, reason: str | None = None,
                automation_id: str | None = None, shop_id: str | None = None, limit: int = 500) -> pl.DataFrame:
    """The activity list (newest first), filtered by state / reason / automation / shop."""
    with store.unit() as con:
        return con.sql("""
            SELECT o.message_id, o.automation_id, a.name AS automation, o.shop_id, o.member_key, o.recipient,
                   o.state, o.reason, o.attempts, o.due_at, o.next_attempt_at, o.sent_at, o.last_error,
                   o.occurrence_key, o.updated_at, o.error_kind, o.error_key, o.error_params::VARCHAR AS error_params
            FROM outbox o LEFT JOIN automations a USING (automation_id)
            WHERE ($state IS NULL OR o.state = $state) AND ($reason IS NULL OR o.reason = $reason)
              AND ($aid IS NULL OR o.automation_id = $aid) AND ($shop IS NULL OR o.shop_id = $shop)
            ORDER BY o.updated_at DESC, o.message_id LIMIT $limit""",
                       params={"state": state, "reason": reason, "aid": automation_id, "shop": shop_id,
                               "limit": limit}).pl()


def outbox_counts(store: Store) -> pl.DataFrame:
    """(state, reason, n) for the activity page's filters."""
    return store.frame("SELECT state, reason, count(*) AS n FROM outbox GROUP BY ALL ORDER BY state, reason")


def retry_failed(store: Store, message_ids: list[str], by: str = "console", *, now: dt.datetime) -> int:
    """Put failed or dead messages back to pending now (a fresh set of tries). Unknown ones are not retried:
    they may have reached the customer; resolve them instead."""
    with store.unit() as con:
        return outbox.retry(con, message_ids, now, by)


def resolve_unknown(store: Store, message_id: str, *, sent: bool, now: dt.datetime, by: str = "console") -> None:
    """The operator says what happened to a message a crash left `unknown` (from the mail server's log,
    the recipient...): sent, or not sent (then it stays unsent: it is never re-sent automatically)."""
    with store.unit() as con:
        done = outbox.resolve_unknown(con, message_id, sent=sent, now=now, by=by)
    if not done:
        raise AutomationError("message_id", "not_unknown", f"message '{message_id}' is not unknown; nothing to resolve",
                              kind=Kind.CONFLICT, message_id=message_id)


# ------------------------------------------------------------------ editing, duplicating, archiving

# The content a message goes out with, as dispatch reads it (core.messaging.email.load_claims): the
# automation's subject and preview text over its template's, and its own sender over the shop's.
_CONTENT_SQL = """
    SELECT coalesce(nullif(a.subject, ''), t.subject), coalesce(a.preheader, t.preheader, ''), t.html, t.text,
           coalesce(a.sender_name, s.sender_name), coalesce(a.sender_email, s.sender_email)
    FROM automations a LEFT JOIN templates t USING (template_id) LEFT JOIN sender_settings s ON s.shop_id = a.shop_id
    WHERE a.automation_id = ?"""
_CONTENT_KEYS = ("subject", "preheader", "html", "text", "sender_name", "sender_email")


def _content(con: duckdb.DuckDBPyConnection, automation_id: str) -> dict[str, Any]:
    row = con.execute(_CONTENT_SQL, [automation_id]).fetchone()
    return dict(zip(_CONTENT_KEYS, row, strict=True)) if row else {}


def stored(con: duckdb.DuckDBPyConnection, automation_id: str) -> dict[str, Any]:
    """An automation's fields as check_automation takes them; AutomationError when there is none."""
    cur = con.execute(f"SELECT {', '.join(_AUTOMATION_FIELDS)} FROM automations WHERE automation_id = ?",
                      [automation_id])
    row = cur.fetchone()
    if row is None:
        raise AutomationError("automation_id", "not_found", f"automation '{automation_id}' does not exist",
                              kind=Kind.NOT_FOUND, automation_id=automation_id)
    fields = dict(zip(_AUTOMATION_FIELDS, row, strict=True))
    for key in ("trigger_params", "audience"):
        if isinstance(fields[key], str):
            fields[key] = json.loads(fields[key]) if fields[key] else None
    fields["trigger_params"] = fields["trigger_params"] or {}
    return fields


def edit_automation(store: Store, automation_id: str, *, now: dt.datetime, rerender: bool = False,
                    **changes: Any) -> dict[str, int]:
    """Change any of an automation's fields (name, send info, content, timing, audience) but its status.

    The edit applies to what becomes true after it: messages already queued keep the content they had
    (outbox.freeze_content) and their due time, unless `rerender`, when the queue takes the new content;
    a change of who or when (trigger, its parameters, audience, delay, lateness) of a running automation
    first plans what became true under the old rules, then judges only what becomes true from now.
    Returns how many queued messages kept their content ('kept') or took the new one ('rerendered')."""
    with store.unit() as con:
        return edit_in(con, automation_id, changes, now=now, rerender=rerender)


def edit_in(con: duckdb.DuckDBPyConnection, automation_id: str, changes: dict[str, Any], *, now: dt.datetime,
            rerender: bool = False) -> dict[str, int]:
    """`edit_automation` within the caller's unit of work (the preview of an edit runs it, then rolls back)."""
    if "status" in changes or "automation_id" in changes:
        raise AutomationError("status", "not_editable", "status and automation_id are not edited here")
    current = stored(con, automation_id)
    if current["status"] == AutomationStatus.ARCHIVED:
        raise AutomationError("status", "archived", f"automation '{automation_id}' is archived: restore it first",
                              kind=Kind.CONFLICT, automation_id=automation_id)
    shops, templates = known(con)
    a = check_automation({**current, **changes, "shop_id": current["shop_id"]}, known_shops=shops,
                         known_templates=templates)
    try:  # compared as checked, so a parameter the check only fills in is no change
        base = check_automation(current, known_shops=shops, known_templates=templates)
    except AutomationError:
        base = current
    before = _content(con, automation_id)
    moved = current["status"] == AutomationStatus.RUNNING and any(a.get(f) != base.get(f) for f in _RULE_FIELDS)
    if moved:
        _plan_before_edit(con, automation_id, now)
    write_automation(con, a, now)
    if moved:
        _look_back_no_further_than(con, automation_id, now)
    if rerender:
        return {"kept": 0, "rerendered": outbox.release_content(con, automation_id, now)}
    kept = outbox.freeze_content(con, automation_id, before, now) if _content(con, automation_id) != before else 0
    return {"kept": kept, "rerendered": 0}


# What decides who is planned and when; the content fields only decide what a message says.
_RULE_FIELDS = ("trigger", "trigger_params", "audience", "delay_minutes", "max_lateness_minutes")


def _plan_before_edit(con: duckdb.DuckDBPyConnection, automation_id: str, now: dt.datetime) -> None:
    """What became true under the old rules, up to the edit, is planned under them (as the next tick would)."""
    from core.automations.evaluate import plan_all  # evaluate uses this module: imported when needed
    rows = con.execute(f"SELECT {AUTOMATION_COLUMNS} FROM automations WHERE automation_id = ?",
                       [automation_id]).fetchall()
    plan_all(con, [automation_from_row(rows[0])], now)


def _look_back_no_further_than(con: duckdb.DuckDBPyConnection, automation_id: str, now: dt.datetime) -> None:
    """The new rules apply to what becomes true from `now`: evaluation re-scans from `evaluated_until` minus
    the trigger's maximum lateness, so putting `evaluated_until` that far ahead starts the re-scan at the
    edit (mark_evaluated never moves it back); occurrences before it are not judged again by the new rules."""
    rows = con.execute(f"SELECT {AUTOMATION_COLUMNS} FROM automations WHERE automation_id = ?",
                       [automation_id]).fetchall()
    ahead = now + automation_from_row(rows[0]).max_lateness
    con.execute("UPDATE automations SET evaluated_until = ? WHERE automation_id = ?", [ahead, automation_id])


def duplicate_automation(store: Store, automation_id: str, *, name: str, now: dt.datetime) -> str:
    """A copy (same trigger, timing, audience and content) as a draft named `name`; history is not copied."""
    with store.unit() as con:
        fields = stored(con, automation_id)
        fields.update(automation_id=f"a-{uuid.uuid4().hex[:10]}", name=name, status=AutomationStatus.DRAFT)
        shops, templates = known(con)
        a = check_automation(fields, known_shops=shops, known_templates=templates)
        write_automation(con, a, now)
    return a["automation_id"]


def archive_automation(store: Store, automation_id: str, *, now: dt.datetime) -> None:
    """Delete as the console means it: the automation never acts again (its queued sends are cancelled at
    dispatch as 'not running') and leaves the list, while its messages and figures stay readable."""
    with store.unit() as con:
        current = stored(con, automation_id)
        if current["status"] == AutomationStatus.ARCHIVED:
            return
        con.execute("UPDATE automations SET status = 'archived', archived_at = ?, updated_at = ? "
                    "WHERE automation_id = ?", [now, now, automation_id])
        log_status(con, automation_id, AutomationStatus.ARCHIVED, now)


def restore_automation(store: Store, automation_id: str, *, now: dt.datetime) -> None:
    """Back from the archive, paused: it acts again only once someone resumes it (no backfill)."""
    with store.unit() as con:
        if stored(con, automation_id)["status"] != AutomationStatus.ARCHIVED:
            return
        con.execute("UPDATE automations SET status = 'paused', archived_at = NULL, updated_at = ? "
                    "WHERE automation_id = ?", [now, automation_id])
        log_status(con, automation_id, AutomationStatus.PAUSED, now)


# ------------------------------------------------------------------ the queue (발송 대기) and daily figures

def queue(store: Store, automation_id: str, limit: int = 500) -> pl.DataFrame:
    """The automation's messages waiting to go out (pending, or failed and waiting for a retry), first due
    first: who, when, and the occurrence that queued them (the trigger with its order, member or cart)."""
    with store.unit() as con:
        return con.sql("""
            SELECT ob.message_id, ob.member_key, m.name, ob.recipient, ob.state, ob.reason,
                   coalesce(ob.next_attempt_at, ob.due_at) AS due_at, ob.became_true_at, ob.occurrence_key,
                   a.trigger, ob.content IS NOT NULL AS kept_content
            FROM outbox ob JOIN automations a USING (automation_id)
            LEFT JOIN members m ON m.shop_id = ob.shop_id AND m.member_key = ob.member_key
            WHERE ob.automation_id = $aid AND ob.state IN ('pending', 'failed')
            ORDER BY coalesce(ob.next_attempt_at, ob.due_at), ob.member_key, ob.message_id LIMIT $limit""",
                       params={"aid": automation_id, "limit": limit}).pl()


def _queued_of(con: duckdb.DuckDBPyConnection, automation_id: str, message_ids: list[str]) -> list[str]:
    rows = con.execute("""SELECT message_id FROM outbox WHERE automation_id = ?
                          AND message_id IN (SELECT unnest(?::VARCHAR[]))""",
                       [automation_id, list(message_ids)]).fetchall()
    return [r[0] for r in rows]


def send_queued_now(store: Store, automation_id: str, message_ids: list[str], *, now: dt.datetime,
                    by: str = "console") -> int:
    """Queued messages of this automation due now: the next dispatch sends them, consent and caps applying."""
    with store.unit() as con:
        return outbox.send_now(con, _queued_of(con, automation_id, message_ids), now, by)


def remove_queued(store: Store, automation_id: str, message_ids: list[str], *, now: dt.datetime,
                  by: str = "console") -> int:
    """Take queued messages of this automation out: skipped with the reason 'operator_removed'."""
    with store.unit() as con:
        return outbox.remove(con, _queued_of(con, automation_id, message_ids), now, by)


def daily_figures(store: Store, shop_id: str, *, since: dt.datetime, tz: str) -> pl.DataFrame:
    """Per automation and day (shop time) since `since`: sent, opened, clicked (messages, on the day of their
    first open or click), orders and revenue (attributed on the day of attribution)."""
    with store.unit() as con:
        return con.sql("""
            WITH sent AS (
                SELECT automation_id, (sent_at AT TIME ZONE $tz)::DATE AS day, count(*) AS sent,
                       0 AS opened, 0 AS clicked, 0 AS orders, 0::DECIMAL(18, 2) AS revenue
                FROM outbox WHERE shop_id = $shop AND state = 'sent' AND sent_at >= $since GROUP BY ALL),
            firsts AS (
                SELECT o.automation_id, te.message_id, te.kind, min(te.occurred_at) AS first_at
                FROM tracking_events te JOIN outbox o USING (message_id)
                WHERE o.shop_id = $shop AND te.occurred_at >= $since GROUP BY ALL),
            events AS (
                SELECT automation_id, (first_at AT TIME ZONE $tz)::DATE AS day, 0 AS sent,
                       count(*) FILTER (WHERE kind = 'open') AS opened,
                       count(*) FILTER (WHERE kind = 'click') AS clicked, 0 AS orders, 0::DECIMAL(18, 2) AS revenue
                FROM firsts GROUP BY ALL),
            orders AS (
                SELECT o.automation_id, (at_.attributed_at AT TIME ZONE $tz)::DATE AS day, 0 AS sent, 0 AS opened,
                       0 AS clicked, count(*) AS orders, sum(at_.revenue) AS revenue
                FROM attributions at_ JOIN outbox o USING (message_id)
                WHERE o.shop_id = $shop AND at_.attributed_at >= $since GROUP BY ALL)
            SELECT automation_id, day, sum(sent)::BIGINT AS sent, sum(opened)::BIGINT AS opened,
                   sum(clicked)::BIGINT AS clicked, sum(orders)::BIGINT AS orders, sum(revenue)::DOUBLE AS revenue
            FROM (SELECT * FROM sent UNION ALL SELECT * FROM events UNION ALL SELECT * FROM orders)
            GROUP BY ALL ORDER BY automation_id, day""", params={"shop": shop_id, "since": since, "tz": tz}).pl()
