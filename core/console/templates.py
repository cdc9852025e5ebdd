"""What the Templates page shows and does: saved templates, checking one before it is saved (naming the
part and line that fail), and a preview for a real member built the way dispatch builds it.

The wizard of the Automations page edits content too and uses the same checks and preview from here.
"""
from __future__ import annotations

import dataclasses
from typing import Any, TypedDict

from core.automations import manage
from core.automations.context import attach_contexts
from core.console import block_editor
from core.console.common import (
    AddressBook,
    StoreLike,
    address_books,
    chosen_book,
    first,
    now,
    open_store,
    sender_defaults,
    store_path,
    trigger_label,
)
from core.console.errors import describe
from core.i18n import t
from core.messaging import templates as tpl
from core.messaging.email import EmailClaim

# The triggers a template is written for, in the editor's order.
TRIGGERS = tpl.TRIGGERS
RenderedEmail = tpl.RenderedEmail

__all__ = ["TRIGGERS", "AddressBook", "RenderedEmail", "TemplateProblem", "address_books", "chosen_book",
           "store_path", "trigger_label"]


class SavedTemplate(TypedDict):
    template_id: str
    shop_id: str | None
    name: str
    trigger: str | None
    subject: str
    preheader: str | None
    html: str
    text: str | None
    updated_at: Any
    used_by: list[str]
    blocks: list[dict[str, Any]] | None   # the block editor's document; None: written in raw HTML


def saved_templates(store: StoreLike, shop_id: str | None) -> list[SavedTemplate]:
    """The shop's templates (and shared ones), newest first, with the automations using each."""
    with open_store(store).unit() as con:
        rows = con.execute("""
            SELECT t.template_id, t.shop_id, t.name, t.trigger, t.subject, t.preheader, t.html, t.text, t.updated_at,
                   t.blocks,
                   list(a.name ORDER BY a.name) FILTER (WHERE a.name IS NOT NULL) AS used_by
            FROM templates t LEFT JOIN automations a ON a.template_id = t.template_id
            WHERE $shop IS NULL OR t.shop_id = $shop OR t.shop_id IS NULL
            GROUP BY ALL ORDER BY t.updated_at DESC, t.template_id""", {"shop": shop_id}).fetchall()
    return [SavedTemplate(template_id=r[0], shop_id=r[1], name=r[2], trigger=r[3], subject=r[4], preheader=r[5],
                          html=r[6], text=r[7], updated_at=r[8], used_by=list(r[10] or []),
                          blocks=block_editor.stored_blocks(r[9])) for r in rows]


def starter_template(trigger: str) -> dict[str, Any]:
    """The ready-made template of a trigger (name, subject, preview text, HTML, text)."""
    return dict(tpl.starter_template(trigger))


def block_starter(trigger: str) -> dict[str, Any]:
    """The ready-made template of a trigger as the block editor opens it: its blocks (with the editor's
    ids) and the HTML they compile to, beside the name, subject, preview text and text."""
    return block_editor.starter(trigger)


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
        return TemplateProblem(part, t(f"messaging.part.{part}"), exc.line, describe(exc), quoted)
    except ValueError as exc:  # an unknown trigger
        return TemplateProblem("trigger", "trigger", None, describe(exc), "")
    return None


def save_template(store: StoreLike, *, shop_id: str | None, name: str, trigger: str, subject: str,
                  html: str, text: str | None, preheader: str | None,
                  template_id: str | None = None,
                  blocks: list[dict[str, Any]] | None = None) -> tuple[str | None, TemplateProblem | None]:
    """Save after checking; a broken template is not saved and the problem (with its line) is returned.

    With `blocks` the template is the block editor's: its HTML is compiled from them and they are kept, and
    it has no text part of its own (one is made from the HTML when it is rendered, so it never goes stale)."""
    if blocks is not None:
        text = None
        compiled, block_problem = block_editor.compiled(blocks, trigger)
        if block_problem is not None:
            return None, TemplateProblem("blocks", t("blocks.part"), None, block_problem.message, "")
        html = compiled or ""
    problem = template_problem(subject, html, text, trigger, preheader)
    if problem is not None:
        return None, problem
    try:
        saved = manage.save_template(open_store(store), shop_id=shop_id, name=name, trigger=trigger,
                                     subject=subject, html=html, text=text or None, preheader=preheader,
                                     template_id=template_id, now=now(),
                                     blocks=block_editor.document(blocks) if blocks is not None else None)
    except manage.AutomationError as exc:
        return None, TemplateProblem("name", "name", None, describe(exc), "")
    return saved, None


class PreviewMember(TypedDict):
    member_key: str
    name: str
    email: str


def preview_members(store: StoreLike, shop_id: str, limit: int = 200) -> list[PreviewMember]:
    """Members to preview a template for: those with an e-mail, most recent sign-ups first."""
    with open_store(store).unit() as con:
        rows = con.execute("""SELECT member_key, name, email FROM members
                              WHERE shop_id = ? AND coalesce(trim(email), '') <> ''
                              ORDER BY signed_up_at DESC NULLS LAST, member_key LIMIT ?""",
                           [shop_id, limit]).fetchall()
    return [PreviewMember(member_key=k, name=n or "", email=e) for k, n, e in rows]


def member_context(store: StoreLike, shop_id: str, member_key: str, trigger: str,
                   days: int | None = None) -> tuple[dict[str, Any], list[str]]:
    """The merge data this member would get (their latest order or cart for the triggers that carry
    one), built the way dispatch builds it; what the member lacks comes from the sample, and the
    names of those parts are returned beside it."""
    sample = tpl.sample_context(trigger)
    with open_store(store).unit() as con:
        found = first(con.execute("SELECT email FROM members WHERE shop_id = ? AND member_key = ?",
                                  [shop_id, member_key]).fetchall())
        if found is None:
            return sample, ["member"]
        occurrence: str | None = member_key
        if trigger in ("purchased", "delivered", "no_repurchase"):
            row = first(con.execute("""SELECT order_key FROM orders WHERE shop_id = ? AND member_key = ?
                                       ORDER BY ordered_at DESC, order_key LIMIT 1""",
                                    [shop_id, member_key]).fetchall())
            occurrence = row[0] if row else None
        elif trigger in ("cart_abandoned", "cart_notice"):
            row = first(con.execute("""SELECT cart_key FROM carts WHERE shop_id = ? AND member_key = ?
                                       ORDER BY last_activity_at DESC, cart_key LIMIT 1""",
                                    [shop_id, member_key]).fetchall())
            occurrence = row[0] if row else None
        params = {"days": days} if days is not None else {}
        claimed = EmailClaim("preview", "preview", shop_id, member_key, occurrence or "-", trigger, found[0] or "",
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


def cacheable_member_context(store: StoreLike, shop_id: str, member_key: str,
                             trigger: str) -> tuple[dict[str, Any], list[str]]:
    """`member_context` without its tracked-link function, which a cache cannot keep; `with_tracking`
    puts it back."""
    context, from_sample = member_context(store, shop_id, member_key, trigger)
    context.pop("tracked", None)
    return context, from_sample


def with_tracking(context: dict[str, Any], trigger: str) -> dict[str, Any]:
    return {**context, "tracked": tpl.sample_context(trigger)["tracked"]}


def preview_sender(store: StoreLike, shop_id: str | None) -> dict[str, Any]:
    """The shop's sender when it is set up with a contact (the law wants one in an ad), else the sample's
    contact under the shop's own name."""
    if shop_id:
        sender = sender_defaults(store, shop_id)
        if sender["configured"] and sender["sender_contact"]:
            return dict(sender)
        return {**tpl.SAMPLE_SENDER, "sender_name": sender["sender_name"] or tpl.SAMPLE_SENDER["sender_name"]}
    return dict(tpl.SAMPLE_SENDER)


def render_preview(template: dict[str, Any], trigger: str, context: dict[str, Any] | None, *,
                   advertising: bool, sender: dict[str, Any]) -> tuple[tpl.RenderedEmail | None, str | None]:
    """The e-mail as the member would get it, or why it cannot be made."""
    try:
        return tpl.preview(template, trigger, advertising=advertising, context=context, sender=sender), None
    except (tpl.TemplateError, ValueError) as exc:
        return None, describe(exc)


def merge_fields(trigger: str) -> list[tuple[str, str]]:
    """(field, description) in the console's language, for the editor."""
    return [(name, t(key, **params)) for name, key, params in tpl.merge_fields(trigger)]


def filter_help() -> list[tuple[str, str]]:
    """(filter, what it does) in the console's language."""
    return [(name, t(key, **params)) for name, key, params in tpl.filter_help()]
