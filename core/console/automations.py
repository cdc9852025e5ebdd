"""What the Automations page shows and does: the list with each automation's results, pausing and
resuming, who would receive each one, and the wizard (주소록 → 발송 조건 → 발송 정보 → 내용 → 시작하기).

The engine (core.automations.manage) owns the automations and the outbox; this module adds the reads
the page needs that the engine lacks (products and categories for the purchase filter, the shop's
saved segments as groups) and turns engine results into rows with their words. The wizard's content
step checks and previews templates with core.console.templates.
"""
from __future__ import annotations

import datetime as dt
import json
from typing import Any, TypedDict, cast
from zoneinfo import ZoneInfo

from core import clock
from core.automations import manage
from core.automations.triggers import DIGEST_HOUR, TRIGGERS, WIZARD_DAYS, TriggerError, validate_params
from core.console.common import (
    AddressBook,
    StoreLike,
    address_books,
    chosen_book,
    local_time,
    now,
    open_store,
    reason_label,
    sender_defaults,
    status_label,
    store_path,
    trigger_label,
)
from core.console.errors import describe
from core.console.sender import has_working_sender
from core.console.templates import (
    TemplateProblem,
    merge_fields,
    preview_sender,
    render_preview,
    saved_templates,
    starter_template,
    template_problem,
)
from core.i18n import t
from core.segments import saved as saved_segments

__all__ = ["TRIGGERS", "WIZARD_DAYS", "AddressBook", "TemplateProblem", "address_books", "chosen_book",
           "has_working_sender",
           "local_time", "merge_fields", "preview_sender", "render_preview", "saved_templates", "sender_defaults",
           "starter_template", "status_label", "store_path", "trigger_label"]

# What a page catches when the engine refuses a change of status or a preview.
Refused = manage.AutomationError

WIZARD_STEPS = ("address_book", "trigger", "send_info", "content", "start")
DAY_TRIGGERS = ("no_first_purchase", "no_repurchase")
SAMPLE_SIZE = 20
# The engine's field names (an error's `field` parameter, or the head of its message), and the wizard step
# where each is entered.
_FIELD_STEP = {"name": 0, "shop_id": 0, "trigger": 1, "trigger_params": 1, "delay_minutes": 1,
               "max_lateness_minutes": 1, "subject": 2, "sender_name": 2, "sender_email": 2,
               "is_advertising": 2, "template": 3, "template_id": 3}


# ------------------------------------------------------------------ words

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


class AutomationRow(TypedDict):
    """One automation with its results, as the list shows it."""

    automation_id: str
    shop_id: str
    name: str
    trigger: str
    trigger_params: dict[str, Any]
    status: str
    delay_minutes: int
    is_advertising: bool
    template_id: str | None
    subject: str
    updated_at: dt.datetime | None
    sent: int
    pending: int
    skipped: int
    cancelled: int
    failed: int
    unknown: int
    skipped_by_reason: dict[str, int]
    opened: int
    clicked: int
    converted: int
    revenue: float
    skipped_total: int
    status_label: str
    trigger_label: str
    detail: str
    reasons_text: str
    open_rate: float | None
    click_rate: float | None


def automation_rows(store: StoreLike, shop_id: str | None) -> list[AutomationRow]:
    """Each automation with its results (from the engine's list) and the words to show them."""
    frame = manage.list_automations(open_store(store), shop_id)
    rows = []
    for r in frame.to_dicts():
        params = _params(r["trigger_params"])
        by_reason = _reason_counts(r["skipped_by_reason"])
        rows.append(cast(AutomationRow, {
            **r, "trigger_params": params, "skipped_by_reason": by_reason,
            "skipped_total": int(r["skipped"]) + int(r["cancelled"]),
            "revenue": float(r["revenue"] or 0),
            "status_label": status_label(r["status"]), "trigger_label": trigger_label(r["trigger"]),
            "detail": trigger_detail(r["trigger"], params, r["delay_minutes"]),
            "reasons_text": ", ".join(f"{reason_label(k)} {v}" for k, v in
                                      sorted(by_reason.items(), key=lambda kv: (-kv[1], kv[0]))),
            "open_rate": r["opened"] / r["sent"] if r["sent"] else None,
            "click_rate": r["clicked"] / r["sent"] if r["sent"] else None,
        }))
    return rows


class DayCount(TypedDict):
    day: dt.date
    count: int


class Recipient(TypedDict):
    member_key: str
    name: str | None
    email: str
    due_at: dt.datetime
    source: str  # planned (already in the outbox) | predicted (will become true if nothing else happens)


class RecipientsPreview(TypedDict):
    total: int
    by_day: list[DayCount]
    sample: list[Recipient]


def recipients_preview(store: StoreLike, automation_id: str, days: int, tz: str = clock.DEFAULT_TZ,
                       sample_size: int = SAMPLE_SIZE) -> RecipientsPreview:
    """The engine's "who would receive this" with every day of the window listed (zero days too)."""
    moment = now()
    result = manage.preview_recipients(open_store(store), automation_id, days=days, sample_size=sample_size,
                                     now=moment)
    zone = ZoneInfo(tz)
    first, last = moment.astimezone(zone).date(), (moment + dt.timedelta(days=days)).astimezone(zone).date()
    counts = {d["day"]: d["count"] for d in result["by_day"]}
    by_day = []
    day = first
    while day <= last:
        by_day.append(DayCount(day=day, count=counts.pop(day.isoformat(), 0)))
        day += dt.timedelta(days=1)
    by_day += [DayCount(day=dt.date.fromisoformat(d), count=n) for d, n in sorted(counts.items())]
    return cast(RecipientsPreview, {**result, "by_day": by_day})


class WeekAhead(TypedDict):
    automation_id: str
    name: str
    status_label: str
    total: int
    by_day: list[DayCount]
    sample: list[Recipient]


def week_ahead(store: StoreLike, shop_id: str, tz: str = clock.DEFAULT_TZ) -> list[WeekAhead]:
    """Every automation of the shop with who would receive it today and on each of the next 7 days."""
    out = []
    for row in automation_rows(store, shop_id):
        preview = recipients_preview(store, row["automation_id"], 7, tz)
        out.append(WeekAhead(automation_id=row["automation_id"], name=row["name"], status_label=row["status_label"],
                             total=preview["total"], by_day=preview["by_day"], sample=preview["sample"]))
    return out


# ------------------------------------------------------------------ the wizard

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


class WizardProblem(ValueError):
    """What stops the wizard, the step (0-4) where it is fixed, and the engine's key when it came from one."""

    def __init__(self, step: int, message: str, key: str | None = None) -> None:
        super().__init__(message)
        self.step = step
        self.key = key


NO_SENDER = "automations.no_sender"


def needs_sender(error: BaseException) -> bool:
    """The error says the shop has no sender to send from: the page links to the sender settings."""
    return getattr(error, "key", None) in (NO_SENDER, "carts.owner_no_sender")




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
            validate_params(draft.get("trigger") or "", draft.get("trigger_params") or {})
        except TriggerError as exc:
            raise WizardProblem(1, describe(exc)) from None
    elif step == 2:
        probe = {**draft, "template_id": "probe", "status": "draft"}
        try:
            manage.check_automation(probe, known_shops={draft.get("shop_id") or ""}, known_templates={"probe"})
        except manage.AutomationError as exc:
            raise WizardProblem(_step_of(exc), describe(exc)) from None
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


def _step_of(exc: Exception) -> int:
    """The wizard step where the field an engine error names is entered (the send-info step if unknown)."""
    params = getattr(exc, "params", None) or {}
    field = params.get("field") or str(exc).split(":", 1)[0].strip()
    return _FIELD_STEP.get(field, 2)


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
    # The shop's saved sender, left as prefilled, is not copied: the automation follows it when it changes.
    saved = sender_defaults(s, draft["shop_id"])
    same = saved["configured"] and (draft.get("sender_name") or "").strip() == saved["sender_name"] \
        and (draft.get("sender_email") or "").strip() == saved["sender_email"]
    try:
        return manage.create_automation(
            s, shop_id=draft["shop_id"], name=draft["name"].strip(), trigger=draft["trigger"],
            trigger_params=draft.get("trigger_params") or {}, subject=draft["subject"],
            sender_name=None if same else draft["sender_name"], sender_email=None if same else draft["sender_email"],
            template_id=template_id,
            now=clock.now(),
            preheader=draft.get("preheader") or "", delay_minutes=int(draft.get("delay_minutes") or 0),
            is_advertising=bool(draft.get("is_advertising", True)), start=start,
            audience={"segment_id": draft["segment_id"]} if draft.get("segment_id") else None)
    except manage.AutomationError as exc:
        raise WizardProblem(_step_of(exc), describe(exc), exc.key) from None


def _unchanged_saved_template(store: StoreLike, draft: dict[str, Any]) -> str | None:
    """A saved template the wizard started from and left as it was is reused, not copied."""
    source = draft.get("template_source")
    if not source or source == "starter":
        return None
    saved = next((t_ for t_ in saved_templates(store, draft["shop_id"]) if t_["template_id"] == source), None)
    if saved and saved["html"] == draft["html"] and (saved["text"] or "") == (draft.get("text") or ""):
        return source
    return None


def set_status(store: StoreLike, automation_id: str, status: str) -> None:
    """Start, pause or resume; Refused names why the engine will not."""
    manage.set_status(open_store(store), automation_id, status, now=now())


