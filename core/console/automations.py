"""What the Automations, Templates and Activity pages show and do, shaped for them.

The engine (core.automations.manage) owns the automations, the outbox and its repairs; this module
adds the few reads the pages need that the engine lacks (address-book figures, products and
categories for the purchase filter, saved templates, a member's real data for a template preview,
per-shop outbox counts), and turns engine results into plain rows with Korean labels.
Every function opens the store for one unit of work; `store` may be a Store, a path or None
(the default store), so a page can key `st.cache_data` on the path. No Streamlit here.
"""
from __future__ import annotations

import dataclasses
import datetime as dt
import json
from typing import Any
from zoneinfo import ZoneInfo

from core import clock, i18n
from core.automations import manage
from core.automations.context import attach_contexts
from core.automations.triggers import TRIGGERS, WIZARD_DAYS, TriggerError, validate_params
from core.console.overview import StoreLike, open_store
from core.i18n import t
from core.messaging import templates as tpl
from core.messaging.outbox import STATES, Claimed
from core.segments import saved as saved_segments

WIZARD_STEPS = ("address_book", "trigger", "send_info", "content", "start")
DAY_TRIGGERS = ("no_first_purchase", "no_repurchase")
SAMPLE_SIZE = 20
# The engine's field names in AutomationError messages, and the wizard step where each is entered.
_FIELD_STEP = {"name": 0, "shop_id": 0, "trigger": 1, "trigger_params": 1, "delay_minutes": 1,
               "max_lateness_minutes": 1, "subject": 2, "sender_name": 2, "sender_email": 2,
               "is_advertising": 2, "template": 3, "template_id": 3}


def _first(rows: list[tuple]) -> tuple | None:
    # DuckDB 2 keeps a half-read result open and refuses the next statement: always read it all.
    return rows[0] if rows else None


# ------------------------------------------------------------------ labels

def trigger_label(trigger: str) -> str:
    return t(f"auto.trigger.{trigger}")


def status_label(status: str) -> str:
    return t(f"auto.status.{status}")


def state_label(state: str) -> str:
    return t(f"state.{state}") if state in STATES else state


def reason_label(reason: str | None) -> str:
    """A reason in plain words; a reason the console has no word for is shown as written."""
    if not reason:
        return ""
    key = f"reason.{reason}"
    word = t(key)
    return reason if word == key else word


def trigger_detail(trigger: str, params: dict[str, Any], delay_minutes: int = 0) -> str:
    """'가입 후 14일 이내 구매 없음 · 조건 충족 즉시 발송' and the like."""
    parts: list[str] = []
    if trigger == "no_first_purchase":
        parts.append(t("auto.summary.days_first", days=params.get("days")))
    elif trigger == "no_repurchase":
        parts.append(t("auto.summary.days_repurchase", days=params.get("days")))
    elif trigger == "purchased":
        products, categories = params.get("product_keys") or [], params.get("category_keys") or []
        if products:
            parts.append(t("auto.summary.products", n=len(products)))
        if categories:
            parts.append(t("auto.summary.categories", n=len(categories)))
        if not parts:
            parts.append(t("auto.summary.any_product"))
    elif trigger in ("cart_abandoned", "cart_notice"):
        parts.append(t("auto.summary.threshold", minutes=params.get("threshold_minutes", 60)))
    elif trigger == "cart_digest":
        from core.automations.triggers import DIGEST_HOUR
        parts.append(t("auto.summary.digest", hour=DIGEST_HOUR))
    if params.get("recipient"):  # the owner's notices name who gets them
        parts.append(t("auto.summary.owner", recipient=params["recipient"]))
    hours = (delay_minutes or 0) / 60
    parts.append(t("auto.summary.delay", hours=f"{hours:g}") if delay_minutes else t("auto.summary.now"))
    return " · ".join(parts)


# ------------------------------------------------------------------ the automation list

def _reason_counts(value: Any) -> dict[str, int]:
    """DuckDB's MAP arrives in polars as [{key, value}, ...] (or a dict); either way a plain dict."""
    if not value:
        return {}
    if isinstance(value, dict):
        return {str(k): int(v) for k, v in value.items()}
    return {str(kv["key"]): int(kv["value"]) for kv in value}


def _params(value: Any) -> dict[str, Any]:
    if isinstance(value, str):
        return json.loads(value or "{}")
    return dict(value or {})


def automation_rows(store: StoreLike, shop_id: str | None) -> list[dict[str, Any]]:
    """Each automation with its results (from the engine's list) and the words to show them."""
    frame = manage.list_automations(open_store(store), shop_id)
    rows = []
    for r in frame.to_dicts():
        params = _params(r["trigger_params"])
        by_reason = _reason_counts(r["skipped_by_reason"])
        rows.append({
            **r, "trigger_params": params, "skipped_by_reason": by_reason,
            "skipped_total": int(r["skipped"]) + int(r["cancelled"]),
            "revenue": float(r["revenue"] or 0),
            "status_label": status_label(r["status"]), "trigger_label": trigger_label(r["trigger"]),
            "detail": trigger_detail(r["trigger"], params, r["delay_minutes"]),
            "reasons_text": ", ".join(f"{reason_label(k)} {v}" for k, v in
                                      sorted(by_reason.items(), key=lambda kv: (-kv[1], kv[0]))),
            "open_rate": r["opened"] / r["sent"] if r["sent"] else None,
            "click_rate": r["clicked"] / r["sent"] if r["sent"] else None,
        })
    return rows


def recipients_preview(store: StoreLike, automation_id: str, days: int, tz: str = clock.DEFAULT_TZ,
                       sample_size: int = SAMPLE_SIZE) -> dict[str, Any]:
    """The engine's "who would receive this" with every day of the window listed (zero days too)."""
    result = manage.preview_recipients(open_store(store), automation_id, days=days, sample_size=sample_size,
                                     now=clock.now())
    now = clock.now()
    zone = ZoneInfo(tz)
    first, last = now.astimezone(zone).date(), (now + dt.timedelta(days=days)).astimezone(zone).date()
    counts = {d["day"]: d["count"] for d in result["by_day"]}
    by_day = []
    day = first
    while day <= last:
        by_day.append({"day": day, "count": counts.pop(day.isoformat(), 0)})
        day += dt.timedelta(days=1)
    by_day += [{"day": dt.date.fromisoformat(d), "count": n} for d, n in sorted(counts.items())]
    return {**result, "by_day": by_day}


def week_ahead(store: StoreLike, shop_id: str, tz: str = clock.DEFAULT_TZ) -> list[dict[str, Any]]:
    """Every automation of the shop with who would receive it today and on each of the next 7 days."""
    out = []
    for row in automation_rows(store, shop_id):
        preview = recipients_preview(store, row["automation_id"], 7, tz)
        out.append({"automation_id": row["automation_id"], "name": row["name"], "status_label": row["status_label"],
                    "total": preview["total"], "by_day": preview["by_day"], "sample": preview["sample"]})
    return out


# ------------------------------------------------------------------ the wizard

def address_books(store: StoreLike) -> list[dict[str, Any]]:
    """Each shop as an address book: members, members with an e-mail, members accepting advertising."""
    with open_store(store).unit() as con:
        rows = con.execute("""
            SELECT s.shop_id, s.name, s.platform, s.timezone,
                   count(m.member_key) AS members,
                   count(m.member_key) FILTER (WHERE coalesce(trim(m.email), '') <> '') AS emails,
                   count(m.member_key) FILTER (WHERE m.email_consent AND coalesce(trim(m.email), '') <> '') AS consents
            FROM shops s LEFT JOIN members m USING (shop_id)
            GROUP BY s.shop_id, s.name, s.platform, s.timezone, s.created_at
            ORDER BY s.created_at, s.shop_id""").fetchall()
    keys = ("shop_id", "name", "platform", "timezone", "members", "emails", "consents")
    return [dict(zip(keys, r)) for r in rows]


def address_book_groups(store: StoreLike, shop_id: str) -> list[dict[str, Any]]:
    """The shop's saved segments, offered as groups of its address book (an automation's audience)."""
    return saved_segments.list_segments(open_store(store), shop_id)


def catalog(store: StoreLike, shop_id: str) -> dict[str, list[tuple[str, str]]]:
    """(key, label) of the shop's products and categories, for the 상품 구매함 filter."""
    with open_store(store).unit() as con:
        products = con.execute("SELECT product_key, name FROM products WHERE shop_id = ? ORDER BY name, product_key",
                               [shop_id]).fetchall()
        categories = con.execute("""SELECT category_key, coalesce(path, name) FROM categories WHERE shop_id = ?
                                    ORDER BY coalesce(path, name), category_key""", [shop_id]).fetchall()
    return {"products": [(k, n) for k, n in products], "categories": [(k, n) for k, n in categories]}


def sender_defaults(store: StoreLike, shop_id: str) -> dict[str, Any]:
    """The shop's saved sender (name, e-mail, contact), or the shop's name and blanks."""
    with open_store(store).unit() as con:
        row = _first(con.execute("""SELECT s.name, ss.sender_name, ss.sender_email, ss.sender_contact
                                    FROM shops s LEFT JOIN sender_settings ss USING (shop_id) WHERE s.shop_id = ?""",
                                 [shop_id]).fetchall())
    if row is None:
        return {"sender_name": "", "sender_email": "", "sender_contact": "", "configured": False}
    return {"sender_name": row[1] or row[0], "sender_email": row[2] or "", "sender_contact": row[3] or "",
            "configured": row[1] is not None}


class WizardProblem(ValueError):
    """What stops the wizard, and the step (0-4) where it is fixed."""

    def __init__(self, step: int, message: str) -> None:
        super().__init__(message)
        self.step = step


def trigger_params(trigger: str, *, days: int | None = None, product_keys: list[str] | None = None,
                   category_keys: list[str] | None = None, threshold_minutes: int | None = None) -> dict[str, Any]:
    """The parameters the chosen trigger takes, from the wizard's fields (the others are ignored)."""
    if trigger in DAY_TRIGGERS:
        return {"days": days}
    if trigger == "purchased":
        return {k: v for k, v in (("product_keys", product_keys or []), ("category_keys", category_keys or []))
                if v}
    if trigger == "cart_abandoned":
        return {"threshold_minutes": threshold_minutes} if threshold_minutes is not None else {}
    return {}


def check_step(step: int, draft: dict[str, Any]) -> None:
    """Refuse to leave a wizard step whose fields cannot work; WizardProblem names the field."""
    if step == 0:
        if not draft.get("shop_id"):
            raise WizardProblem(0, t("wiz.need_shop"))
        if not (draft.get("name") or "").strip():
            raise WizardProblem(0, t("wiz.need_name"))
    elif step == 1:
        try:
            validate_params(draft.get("trigger"), draft.get("trigger_params") or {})
        except TriggerError as exc:
            raise WizardProblem(1, exc.detail) from None
    elif step == 2:
        probe = {**draft, "template_id": "probe", "status": "draft"}
        try:
            manage.check_automation(probe, known_shops={draft.get("shop_id")}, known_templates={"probe"})
        except manage.AutomationError as exc:
            raise WizardProblem(_step_of(exc.field), exc.detail) from None
        # The subject and preview text are templates too: a misspelt merge field is caught here.
        problem = template_problem(draft.get("subject") or "", "<p></p>", None, draft.get("trigger") or "signup",
                                   draft.get("preheader"))
        if problem and problem.part in ("subject", "preheader"):
            raise WizardProblem(2, problem.message)
    elif step == 3:
        problem = template_problem(draft.get("subject") or "", draft.get("html") or "", draft.get("text"),
                                   draft.get("trigger") or "signup", draft.get("preheader"))
        if problem:
            raise WizardProblem(2 if problem.part in ("subject", "preheader") else 3, problem.message)


def _step_of(message: str) -> int:
    return _FIELD_STEP.get(message.split(":", 1)[0].strip(), 2)


def create_from_wizard(store: StoreLike, draft: dict[str, Any], *, start: bool = True) -> str:
    """The wizard's last step: check every step, save the edited content as a template, create the
    automation (running when `start`). Nothing is written unless all of it is valid."""
    for step in range(4):
        check_step(step, draft)
    s = open_store(store)
    template_id = _unchanged_saved_template(s, draft)
    if template_id is None:
        template_id = manage.save_template(
            s, shop_id=draft["shop_id"], name=draft.get("template_name") or draft["name"],
            trigger=draft["trigger"], subject=draft["subject"], preheader=draft.get("preheader") or "",
            html=draft["html"], text=draft.get("text") or None, now=clock.now())
    try:
        return manage.create_automation(
            s, shop_id=draft["shop_id"], name=draft["name"].strip(), trigger=draft["trigger"],
            trigger_params=draft.get("trigger_params") or {}, subject=draft["subject"],
            sender_name=draft["sender_name"], sender_email=draft["sender_email"], template_id=template_id,
            now=clock.now(),
            preheader=draft.get("preheader") or "", delay_minutes=int(draft.get("delay_minutes") or 0),
            is_advertising=bool(draft.get("is_advertising", True)), start=start,
            audience={"segment_id": draft["segment_id"]} if draft.get("segment_id") else None)
    except manage.AutomationError as exc:
        raise WizardProblem(_step_of(exc.field), exc.detail) from None


def _unchanged_saved_template(store: StoreLike, draft: dict[str, Any]) -> str | None:
    """A saved template the wizard started from and left as it was is reused, not copied."""
    source = draft.get("template_source")
    if not source or source == "starter":
        return None
    saved = next((t_ for t_ in saved_templates(store, draft["shop_id"]) if t_["template_id"] == source), None)
    if saved and saved["html"] == draft["html"] and (saved["text"] or "") == (draft.get("text") or ""):
        return source
    return None


# ------------------------------------------------------------------ templates

def saved_templates(store: StoreLike, shop_id: str | None) -> list[dict[str, Any]]:
    """The shop's templates (and shared ones), newest first, with the automations using each."""
    with open_store(store).unit() as con:
        cur = con.execute("""
            SELECT t.template_id, t.shop_id, t.name, t.trigger, t.subject, t.preheader, t.html, t.text, t.updated_at,
                   list(a.name ORDER BY a.name) FILTER (WHERE a.name IS NOT NULL) AS used_by
            FROM templates t LEFT JOIN automations a ON a.template_id = t.template_id
            WHERE $shop IS NULL OR t.shop_id = $shop OR t.shop_id IS NULL
            GROUP BY ALL ORDER BY t.updated_at DESC, t.template_id""", {"shop": shop_id})
        cols = [d[0] for d in cur.description]
        return [dict(zip(cols, r)) | {"used_by": list(r[-1] or [])} for r in cur.fetchall()]


@dataclasses.dataclass(frozen=True)
class TemplateProblem:
    part: str            # subject | preheader | html | text
    part_label: str
    line: int | None
    message: str
    source_line: str     # the offending line of that part, for the editor to quote


def template_problem(subject: str, html: str, text: str | None, trigger: str,
                     preheader: str | None = None) -> TemplateProblem | None:
    """None if the template renders for a sample member of `trigger`, else what is wrong and where."""
    try:
        tpl.validate(subject, html, text, trigger, preheader=preheader)
    except tpl.TemplateError as exc:
        part = exc.part or "html"
        source = {"subject": subject, "preheader": preheader or "", "html": html, "text": text or ""}.get(part, "")
        lines = source.splitlines()
        quoted = lines[exc.line - 1].strip() if exc.line and 0 < exc.line <= len(lines) else ""
        return TemplateProblem(part, t(f"messaging.part.{part}"), exc.line, str(exc), quoted)
    except ValueError as exc:  # an unknown trigger
        return TemplateProblem("trigger", "trigger", None, str(exc), "")
    return None


def save_template(store: StoreLike, *, shop_id: str | None, name: str, trigger: str, subject: str,
                  html: str, text: str | None, preheader: str | None,
                  template_id: str | None = None) -> tuple[str | None, TemplateProblem | None]:
    """Save after checking; a broken template is not saved and the problem (with its line) is returned."""
    problem = template_problem(subject, html, text, trigger, preheader)
    if problem is not None:
        return None, problem
    try:
        saved = manage.save_template(open_store(store), shop_id=shop_id, name=name, trigger=trigger,
                                     subject=subject, html=html, text=text or None, preheader=preheader,
                                     template_id=template_id, now=clock.now())
    except manage.AutomationError as exc:
        return None, TemplateProblem("name", "name", None, str(exc), "")
    return saved, None


def preview_members(store: StoreLike, shop_id: str, limit: int = 200) -> list[dict[str, Any]]:
    """Members to preview a template for: those with an e-mail, most recent sign-ups first."""
    with open_store(store).unit() as con:
        rows = con.execute("""SELECT member_key, name, email FROM members
                              WHERE shop_id = ? AND coalesce(trim(email), '') <> ''
                              ORDER BY signed_up_at DESC NULLS LAST, member_key LIMIT ?""",
                           [shop_id, limit]).fetchall()
    return [{"member_key": k, "name": n or "", "email": e} for k, n, e in rows]


def member_context(store: StoreLike, shop_id: str, member_key: str, trigger: str,
                   days: int | None = None) -> tuple[dict[str, Any], list[str]]:
    """The merge data this member would get (their latest order or cart for the triggers that carry
    one), built the way dispatch builds it; what the member lacks comes from the sample, and the
    names of those parts are returned beside it."""
    sample = tpl.sample_context(trigger)
    s = open_store(store)
    with s.unit() as con:
        found = _first(con.execute("SELECT email FROM members WHERE shop_id = ? AND member_key = ?",
                                   [shop_id, member_key]).fetchall())
        if found is None:
            return sample, ["member"]
        occurrence = member_key
        if trigger in ("purchased", "delivered", "no_repurchase"):
            row = _first(con.execute("""SELECT order_key FROM orders WHERE shop_id = ? AND member_key = ?
                                        ORDER BY ordered_at DESC, order_key LIMIT 1""",
                                     [shop_id, member_key]).fetchall())
            occurrence = row[0] if row else None
        elif trigger in ("cart_abandoned", "cart_notice"):
            row = _first(con.execute("""SELECT cart_key FROM carts WHERE shop_id = ? AND member_key = ?
                                        ORDER BY last_activity_at DESC, cart_key LIMIT 1""",
                                     [shop_id, member_key]).fetchall())
            occurrence = row[0] if row else None
        params = {"days": days} if days is not None else {}
        claimed = Claimed("preview", "preview", shop_id, member_key, occurrence or "-", trigger, found[0] or "",
                          True, 0, params, None, None)
        attach_contexts(con, [claimed])
    context = {**claimed.context}  # the shop carries its real name only, as dispatch sends it
    from_sample = []
    for key in ("order", "cart", "days", "digest"):  # a digest is a day's carts, never one member's
        if key in sample and key not in context:
            context[key] = sample[key]
            from_sample.append(key)
    for key in ("unsubscribe_url", "open_pixel_url", "tracked"):
        context[key] = sample[key]
    return context, from_sample


def preview_sender(store: StoreLike, shop_id: str | None) -> dict[str, Any]:
    if shop_id:
        sender = sender_defaults(store, shop_id)
        if sender["configured"] and sender["sender_contact"]:
            return sender
    return dict(tpl.SAMPLE_SENDER)


def render_preview(template: dict[str, Any], trigger: str, context: dict[str, Any] | None, *,
                   advertising: bool, sender: dict[str, Any]) -> tuple[tpl.RenderedEmail | None, str | None]:
    """The e-mail as the member would get it, or why it cannot be made."""
    try:
        return tpl.preview(template, trigger, advertising=advertising, context=context, sender=sender), None
    except (tpl.TemplateError, ValueError) as exc:
        return None, str(exc)


def merge_fields(trigger: str) -> list[tuple[str, str]]:
    """(field, description) in the console's language, for the editor."""
    return tpl.merge_fields(trigger)


def filter_help() -> list[tuple[str, str]]:
    return tpl.filter_help()


# ------------------------------------------------------------------ activity (the outbox)

def outbox_counts(store: StoreLike, shop_id: str | None) -> list[dict[str, Any]]:
    """(state, reason, n) of one shop's outbox, for the activity filters."""
    with open_store(store).unit() as con:
        rows = con.execute("""SELECT state, reason, count(*) FROM outbox WHERE $shop IS NULL OR shop_id = $shop
                              GROUP BY ALL ORDER BY state, reason NULLS FIRST""", {"shop": shop_id}).fetchall()
    return [{"state": s, "reason": r, "n": n} for s, r, n in rows]


def filter_options(counts: list[dict[str, Any]], state: str | None) -> dict[str, list[tuple[str | None, int]]]:
    """States (in the state machine's order) and the reasons seen under the chosen state, with counts."""
    by_state: dict[str, int] = {}
    by_reason: dict[str | None, int] = {}
    for c in counts:
        by_state[c["state"]] = by_state.get(c["state"], 0) + c["n"]
        if state is None or c["state"] == state:
            if c["reason"] is not None:
                by_reason[c["reason"]] = by_reason.get(c["reason"], 0) + c["n"]
    states = [(s, by_state[s]) for s in STATES if s in by_state] + \
             [(s, n) for s, n in by_state.items() if s not in STATES]
    reasons = sorted(by_reason.items(), key=lambda kv: (-kv[1], kv[0] or ""))
    return {"states": states, "reasons": reasons}


def activity(store: StoreLike, shop_id: str | None, *, state: str | None = None, reason: str | None = None,
             automation_id: str | None = None, limit: int = 500) -> list[dict[str, Any]]:
    """The outbox, newest change first, with state and reason in words."""
    frame = manage.list_outbox(open_store(store), state=state, reason=reason, automation_id=automation_id,
                               shop_id=shop_id, limit=limit)
    return [r | {"state_label": state_label(r["state"]), "reason_label": reason_label(r["reason"])}
            for r in frame.to_dicts()]


def retry(store: StoreLike, message_ids: list[str]) -> int:
    return manage.retry_failed(open_store(store), message_ids, now=clock.now())


def resolve(store: StoreLike, message_id: str, *, sent: bool) -> None:
    manage.resolve_unknown(open_store(store), message_id, sent=sent, now=clock.now())


def set_status(store: StoreLike, automation_id: str, status: str) -> None:
    manage.set_status(open_store(store), automation_id, status, now=clock.now())


def local_time(when: dt.datetime | None, tz: str = clock.DEFAULT_TZ) -> str:
    return i18n.local_time(when, tz)


__all__ = ["TRIGGERS", "WIZARD_DAYS", "WIZARD_STEPS", "WizardProblem", "TemplateProblem"]
