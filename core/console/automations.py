"""What the Automations page shows and does: the list with each automation's results, pausing and
resuming, who would receive each one, and the wizard (주소록 → 발송 조건 → 발송 정보 → 내용 → 시작하기).

The engine (core.automations.manage) owns the automations and the outbox; this module adds the reads
the page needs that the engine lacks (products and categories for the purchase filter, the shop's
saved segments as groups) and turns engine results into rows with their words. The wizard's content
step checks and previews templates with core.console.templates; its content is the block editor's
(core.console.block_editor) when the draft holds `blocks` (the editor's list), raw HTML when `blocks` is None.
"""
from __future__ import annotations

import datetime as dt
import json
from typing import Any, TypedDict, cast
from zoneinfo import ZoneInfo

from core import clock
from core.automations import compliance, manage
from core.automations import preview as automation_preview
from core.automations.triggers import DIGEST_HOUR, TRIGGERS, WIZARD_DAYS, TriggerError, validate_params
from core.console import block_editor
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
from core.console.sender import Refused as TestRefused
from core.console.sender import has_working_sender, send_test_message
from core.console.templates import (
    TemplateProblem,
    block_starter,
    merge_fields,
    preview_sender,
    render_preview,
    saved_templates,
    starter_template,
    template_problem,
)
from core.i18n import t
from core.segments import saved as saved_segments
from core.store import Store

__all__ = ["TRIGGERS", "WIZARD_DAYS", "AddressBook", "TemplateProblem", "address_books", "chosen_book",
           "has_working_sender",
           "block_starter", "local_time", "merge_fields", "preview_sender", "render_preview", "saved_templates",
           "sender_defaults",
           "starter_template", "status_label", "store_path", "trigger_label"]

# What a page catches when the engine refuses a change of status or a preview.
Refused = manage.AutomationError
# What a test send can be refused with (no sender, a bad address, the server's answer...).
__all__ += ["TestRefused"]

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
    audience_label: str


def automation_rows(store: StoreLike, shop_id: str | None, *, archived: bool | None = False) -> list[AutomationRow]:
    """Each automation with its results (from the engine's list) and the words to show them; the archived
    ones (deleted from the list, kept for their history) only when `archived` (None: all)."""
    frame = manage.list_automations(open_store(store), shop_id, archived=archived)
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
            "audience_label": audience_label(store, r["shop_id"], r["audience"]),
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
        if draft.get("blocks") is not None:
            html, block_problem = block_editor.compiled(draft["blocks"], draft.get("trigger") or "signup")
            if block_problem is not None:
                raise WizardProblem(3, block_problem.message)
            draft = {**draft, "html": html, "text": None}
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
    s = open_store(store)
    fields = _automation_fields(s, draft)
    try:
        return manage.create_automation(s, shop_id=draft["shop_id"], now=clock.now(), start=start, **fields)
    except manage.AutomationError as exc:
        raise WizardProblem(_step_of(exc), describe(exc), exc.key) from None


def _automation_fields(s: Store, draft: dict[str, Any]) -> dict[str, Any]:
    """The automation's fields as manage takes them, for a new one or an edit: every step checked, and the
    content saved as a template unless a saved one is unchanged."""
    for step in range(4):
        check_step(step, draft)
    template_id = _unchanged_saved_template(s, draft)
    if template_id is None:
        template_id = manage.save_template(
            s, shop_id=draft["shop_id"], name=draft.get("template_name") or draft["name"],
            trigger=draft["trigger"], subject=draft["subject"], preheader=draft.get("preheader") or "",
            html=draft["html"], text=draft.get("text") or None, now=clock.now(), **_content_blocks(draft))
    # The shop's saved sender, left as prefilled, is not copied: the automation follows it when it changes.
    saved = sender_defaults(s, draft["shop_id"])
    same = saved["configured"] and (draft.get("sender_name") or "").strip() == saved["sender_name"] \
        and (draft.get("sender_email") or "").strip() == saved["sender_email"]
    return {"name": draft["name"].strip(), "trigger": draft["trigger"],
            "trigger_params": draft.get("trigger_params") or {}, "subject": draft["subject"],
            "sender_name": None if same else draft["sender_name"],
            "sender_email": None if same else draft["sender_email"],
            "template_id": template_id, "preheader": draft.get("preheader") or "",
            "delay_minutes": int(draft.get("delay_minutes") or 0),
            "is_advertising": bool(draft.get("is_advertising", True)), "audience": _audience(draft)}


def _content_blocks(draft: dict[str, Any]) -> dict[str, Any]:
    """The block document to save beside the template's HTML (manage.save_template compiles the HTML from
    it), or nothing for content written in raw HTML."""
    if draft.get("blocks") is None:
        return {}
    return {"blocks": block_editor.document(draft["blocks"])}


def _same_blocks(saved: list[dict[str, Any]] | None, drafted: list[dict[str, Any]] | None) -> bool:
    if saved is None or drafted is None:
        return saved is drafted
    return block_editor.document(saved) == block_editor.document(drafted)


def _unchanged_saved_template(store: StoreLike, draft: dict[str, Any]) -> str | None:
    """A saved template the wizard started from and left as it was is reused, not copied."""
    source = draft.get("template_source")
    if not source or source == "starter":
        return None
    saved = next((t_ for t_ in saved_templates(store, draft["shop_id"]) if t_["template_id"] == source), None)
    if saved is None or not _same_blocks(saved["blocks"], draft.get("blocks")):
        return None
    if draft.get("blocks") is not None:
        return source  # the same blocks compile to the same HTML
    if saved["html"] == draft["html"] and (saved["text"] or "") == (draft.get("text") or ""):
        return source
    return None


def set_status(store: StoreLike, automation_id: str, status: str) -> None:
    """Start, pause or resume; Refused names why the engine will not."""
    manage.set_status(open_store(store), automation_id, status, now=now())




# ------------------------------------------------------------------ managing: edit, duplicate, archive

ADVERTISING_DEFAULT = compliance.DEFAULT_ADVERTISING
FIGURE_DAYS = (7, 30)
QUEUE_LIMIT = 200


def default_advertising(trigger: str) -> bool:
    """Advertising or information by default for a trigger, as Korean practice has it (compliance)."""
    return ADVERTISING_DEFAULT.get(trigger, True)


def audience_label(store: StoreLike, shop_id: str, audience: Any) -> str:
    """The automation's group (a saved segment) by name, or the whole address book."""
    value = json.loads(audience) if isinstance(audience, str) and audience.strip() else audience
    if not value:
        return t("manage.audience_all")
    if "segment_id" in value:
        names = {g["segment_id"]: g["name"] for g in address_book_groups(store, shop_id)}
        return names.get(value["segment_id"], t("manage.audience_missing"))
    return t("manage.audience_rule")


class Figures(TypedDict):
    """An automation's results over the last N days, and by day for the card's chart."""

    sent: int
    opened: int
    clicked: int
    orders: int
    revenue: float
    by_day: list[dict[str, Any]]


def card_figures(store: StoreLike, shop_id: str, days: int, tz: str = clock.DEFAULT_TZ) -> dict[str, Figures]:
    """Each automation's sent, opened, clicked, orders and revenue over the last `days` days (today included),
    with every day of the period listed (zero days too), by automation id."""
    today = now().astimezone(ZoneInfo(tz)).date()
    first_day = today - dt.timedelta(days=days - 1)
    since = dt.datetime.combine(first_day, dt.time(), ZoneInfo(tz))
    frame = manage.daily_figures(open_store(store), shop_id, since=since, tz=tz)
    out: dict[str, Figures] = {}
    for r in frame.to_dicts():
        f = out.setdefault(r["automation_id"], Figures(sent=0, opened=0, clicked=0, orders=0, revenue=0.0,
                                                       by_day=[]))
        for k in ("sent", "opened", "clicked", "orders"):
            f[k] += int(r[k] or 0)
        f["revenue"] += float(r["revenue"] or 0)
        f["by_day"].append({"day": r["day"], "sent": int(r["sent"] or 0), "opened": int(r["opened"] or 0),
                            "clicked": int(r["clicked"] or 0)})
    for f in out.values():
        seen = {d["day"]: d for d in f["by_day"]}
        f["by_day"] = [seen.get(first_day + dt.timedelta(days=i),
                                {"day": first_day + dt.timedelta(days=i), "sent": 0, "opened": 0, "clicked": 0})
                       for i in range(days)]
    return out


def empty_figures() -> Figures:
    return Figures(sent=0, opened=0, clicked=0, orders=0, revenue=0.0, by_day=[])


def duplicate(store: StoreLike, automation_id: str) -> str:
    """A draft copy named "<name> (사본)"; its history starts empty."""
    s = open_store(store)
    name = manage.get_automation(s, automation_id)["name"]
    return manage.duplicate_automation(s, automation_id, name=t("manage.copy_name", name=name), now=now())


def archive(store: StoreLike, automation_id: str) -> None:
    manage.archive_automation(open_store(store), automation_id, now=now())


def restore(store: StoreLike, automation_id: str) -> None:
    manage.restore_automation(open_store(store), automation_id, now=now())


def draft_of(store: StoreLike, automation_id: str) -> dict[str, Any]:
    """The wizard's draft of a saved automation, to edit it with the same steps."""
    s = open_store(store)
    a = manage.get_automation(s, automation_id)
    saved = next((x for x in saved_templates(s, a["shop_id"]) if x["template_id"] == a["template_id"]), None)
    sender = sender_defaults(s, a["shop_id"])
    audience = _params(a["audience"]) if a["audience"] else {}
    return {"edit_id": automation_id, "shop_id": a["shop_id"], "name": a["name"], "trigger": a["trigger"],
            "trigger_params": _params(a["trigger_params"]), "delay_minutes": int(a["delay_minutes"] or 0),
            "segment_id": audience.get("segment_id"),
            # an audience given as a rule (from a config file) is kept unless a group is chosen instead
            "audience_rule": audience if "rule" in audience else None,
            "subject": a["subject"] or (saved["subject"] if saved else ""), "preheader": a["preheader"] or "",
            "sender_name": a["sender_name"] or sender["sender_name"],
            "sender_email": a["sender_email"] or sender["sender_email"],
            "is_advertising": bool(a["is_advertising"]),
            "template_source": a["template_id"] or "starter",
            "html": saved["html"] if saved else "", "text": (saved["text"] if saved else "") or "",
            "blocks": saved["blocks"] if saved else None}


def save_edit(store: StoreLike, draft: dict[str, Any], *, rerender: bool = False) -> dict[str, int]:
    """The wizard's last step when editing: check every step, save changed content as a new template, and
    apply the edit forward (queued messages keep their content unless `rerender`)."""
    s = open_store(store)
    fields = _automation_fields(s, draft)
    try:
        return manage.edit_automation(s, draft["edit_id"], now=now(), rerender=rerender, **fields)
    except manage.AutomationError as exc:
        raise WizardProblem(_step_of(exc), describe(exc), exc.key) from None


def _audience(draft: dict[str, Any]) -> dict[str, Any] | None:
    """The draft's group, or the rule it came with, or nobody narrowed (the whole address book)."""
    if draft.get("segment_id"):
        return {"segment_id": draft["segment_id"]}
    return draft.get("audience_rule") or None


# ------------------------------------------------------------------ the queue (발송 대기)

class QueuedRow(TypedDict):
    message_id: str
    who: str
    email: str
    due: str
    why: str
    state: str
    kept_content: bool
    member_key: str | None


def why_queued(trigger: str, occurrence_key: str) -> str:
    """The occurrence that queued a message, in words: the order, the signup, the cart..."""
    return t(f"manage.why.{trigger}", occurrence=occurrence_key) if trigger in TRIGGERS or trigger.startswith("cart") \
        else occurrence_key


def queue_rows(store: StoreLike, automation_id: str, tz: str = clock.DEFAULT_TZ) -> list[QueuedRow]:
    """Who is waiting for this automation, when each is due and why they were queued."""
    frame = manage.queue(open_store(store), automation_id, limit=QUEUE_LIMIT)
    return [QueuedRow(message_id=r["message_id"], who=r["name"] or r["member_key"] or r["recipient"] or "",
                      email=r["recipient"] or "", due=local_time(r["due_at"], tz),
                      why=why_queued(r["trigger"], r["occurrence_key"]),
                      state=t("manage.queue_state.retry") if r["state"] == "failed" else t("state.pending"),
                      kept_content=bool(r["kept_content"]), member_key=r["member_key"])
            for r in frame.to_dicts()]


def send_now(store: StoreLike, automation_id: str, message_ids: list[str]) -> int:
    """Due now: the next dispatch sends them, with consent and the frequency cap judged as always."""
    return manage.send_queued_now(open_store(store), automation_id, message_ids, now=now())


def remove_queued(store: StoreLike, automation_id: str, message_ids: list[str]) -> int:
    """Out of the queue: skipped, 'removed by the operator' on the Activity page."""
    return manage.remove_queued(open_store(store), automation_id, message_ids, now=now())


# ------------------------------------------------------------------ the honest preview and the test send

class HonestPreview(TypedDict):
    receivers: int
    skipped: int
    by_reason: list[dict[str, Any]]          # reason, label, count, sample (names and e-mails)
    sample: list[dict[str, Any]]             # receivers: name, email, due


def _person(r: dict[str, Any], tz: str) -> dict[str, Any]:
    return {"name": r["name"] or r["member_key"] or "", "email": r["recipient"] or "",
            "due": local_time(r["due_at"], tz)}


def honest_preview(store: StoreLike, automation_id: str | None, days: int, tz: str = clock.DEFAULT_TZ,
                   draft: dict[str, Any] | None = None, sample_size: int = SAMPLE_SIZE) -> HonestPreview:
    """Those who will receive it and, beside them, those who will be skipped, counted by reason with a sample
    of each: the scheduler's own rules, run ahead (core.automations.preview)."""
    fields = None
    if draft is not None:
        fields = {k: draft.get(k) for k in ("shop_id", "name", "trigger", "trigger_params", "subject",
                                            "delay_minutes", "is_advertising")}
        fields["audience"] = _audience(draft)
        fields["delay_minutes"] = int(fields["delay_minutes"] or 0)
        fields["subject"] = fields["subject"] or "-"
    if fields is not None and draft is not None and draft.get("edit_id"):  # an edit: the automation, changed
        changes = {k: v for k, v in fields.items() if k != "shop_id"}
        found = automation_preview.preview(open_store(store), draft["edit_id"], now=now(), days=days,
                                           changes=changes)
    else:
        found = automation_preview.preview(open_store(store), None if fields else automation_id, now=now(),
                                           days=days, draft=fields)
    skipped = found.skipped.to_dicts()
    order = {r: i for i, r in enumerate(automation_preview.SKIP_REASONS)}
    reasons = sorted({r["reason"] or "none" for r in skipped}, key=lambda r: (order.get(r, 99), r))
    by_reason = []
    for reason in reasons:
        rows = [r for r in skipped if (r["reason"] or "none") == reason]
        by_reason.append({"reason": reason, "label": reason_label(reason), "count": len(rows),
                          "sample": [_person(r, tz) for r in rows[:sample_size]]})
    receivers = found.receivers.to_dicts()
    return HonestPreview(receivers=len(receivers), skipped=len(skipped), by_reason=by_reason,
                         sample=[_person(r, tz) for r in receivers[:sample_size]])


def test_send(store: StoreLike, shop_id: str, to: str, *, automation_id: str | None = None,
              draft: dict[str, Any] | None = None, member_key: str | None = None) -> str:
    """Send this automation's (or the wizard's unsaved) e-mail to `to` through the shop's sender settings;
    returns the subject sent. A member key renders it with that member's data (a queued message)."""
    source = f"automation:{automation_id}" if automation_id else "draft"
    return send_test_message(store, shop_id, source=source, to=to, member_key=member_key, draft=draft)
