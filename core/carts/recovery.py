"""Cart recovery automations: the one-click quick setup, and switching them on and off.

Quick setup turns on a ready automation the way Wix stores offer it: the Korean starter e-mail with the
cart's item images, names, prices and a button back to the cart, sent one hour after the cart is
abandoned (so about two hours after the last activity), optionally a second reminder later. Cart
reminders are promotional, so they are advertising: only consenting members get them, with the
"(광고)" subject and the unsubscribe footer (core.templates).

The shop owner can be told too: an e-mail per abandoned cart (trigger `cart_notice`), a
daily digest at 09:00 shop time of the previous day's abandoned carts (`cart_digest`, none on a day
without), or nothing. Each is an ordinary automation whose recipient is the owner's address
(`trigger_params.recipient`), so it is planned into the same outbox (one key per cart, or per shop day),
sent by the same dispatcher and crash journal; it is information, not advertising. A shop has at most
one of each; switching the mode pauses the other and keeps its history (and its idempotency keys).
"""
from __future__ import annotations

import datetime as dt
import json
import re
from typing import Any

from core.automations import manage
from core.automations.triggers import OWNER_TRIGGERS, AutomationStatus
from core.carts.stats import threshold_minutes
from core.errors import InvalidInput
from core.messaging import templates
from core.shops import registry
from core.shops.registry import get_shop
from core.store import Store


class CartSetupError(InvalidInput, ValueError):
    """A cart recovery or owner-notice setting that cannot be used; `field` names it, the key and params are
    what the console words, `detail` says what is allowed, in English."""

    def __init__(self, field: str, key: str, detail: str, **params: Any) -> None:
        self.field = field
        super().__init__(f"carts.{key}", detail=detail, field=field, **params)

TRIGGER = "cart_abandoned"
FIRST_DELAY_MINUTES = 60
MAX_LATENESS_MINUTES = 6 * 60  # a cart reminder six hours late is no reminder
OWNER_MODES = ("off", "each", "digest")
_OWNER_TRIGGER = {"each": "cart_notice", "digest": "cart_digest"}
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


def quick_setup(store: Store, shop_id: str, *, now: dt.datetime, sender_name: str | None = None,
                sender_email: str | None = None, delay_minutes: int = FIRST_DELAY_MINUTES,
                second_reminder_hours: int | None = None) -> list[str]:
    """Save the starter template and start the recovery automation(s); returns their ids.

    The reminders send as the shop's saved sender (sender settings) unless a sender name or e-mail is given
    to override it. Raises manage.AutomationError naming the field (a sender e-mail that is not an address,
    or `sender` when the shop has no sender settings to send from); nothing is saved then.
    """
    with store.unit() as con:  # checked first: no starter template is left behind by a refused setup
        manage.require_sender(con, shop_id)
    threshold = threshold_minutes(get_shop(store, shop_id).settings)
    starter = templates.starter_template(TRIGGER)
    template_id = manage.save_template(store, shop_id=shop_id, name=starter["name"], trigger=TRIGGER,
                                       subject=starter["subject"], html=starter["html"], text=starter["text"],
                                       preheader=starter["preheader"], blocks=starter["blocks"], now=now)
    reminders = [("장바구니 리마인드", delay_minutes, MAX_LATENESS_MINUTES)]
    if second_reminder_hours:
        reminders.append((f"장바구니 리마인드 ({second_reminder_hours}시간 뒤 2차)", second_reminder_hours * 60,
                          MAX_LATENESS_MINUTES * 2))
    return [manage.create_automation(store, shop_id=shop_id, name=name, trigger=TRIGGER, subject=starter["subject"],
                                     preheader=starter["preheader"], sender_name=sender_name,
                                     sender_email=sender_email, template_id=template_id,
                                     trigger_params={"threshold_minutes": threshold}, delay_minutes=delay,
                                     max_lateness_minutes=lateness, is_advertising=True, start=True, now=now)
            for name, delay, lateness in reminders]


def recovery_automations(store: Store, shop_id: str) -> list[dict[str, Any]]:
    """The shop's cart recovery automations, oldest first: id, name, status, delay."""
    with store.unit() as con:
        rows = con.execute("""SELECT automation_id, name, status, delay_minutes, trigger_params FROM automations
                              WHERE shop_id = ? AND trigger = ? ORDER BY created_at, automation_id""",
                           [shop_id, TRIGGER]).fetchall()
    return [{"automation_id": r[0], "name": r[1], "status": r[2], "delay_minutes": r[3],
             "threshold_minutes": json.loads(r[4] or "{}").get("threshold_minutes")} for r in rows]


def set_threshold(store: Store, shop_id: str, minutes: int, *, now: dt.datetime) -> None:
    """Change when a cart counts as abandoned (minutes after its last activity), for the figures and for the
    shop's cart reminders alike, so the page and the e-mails never disagree."""
    if isinstance(minutes, bool) or not isinstance(minutes, int) or not 5 <= minutes <= 7 * 24 * 60:
        raise CartSetupError("threshold_minutes", "bad_threshold",
                             f"the abandonment threshold must be 5 to 10080 minutes (got {minutes!r})",
                             low=5, high=7 * 24 * 60, value=repr(minutes))
    with store.unit() as con:
        registry.set_setting(con, shop_id, "cart_abandon_minutes", minutes)  # ShopNotFound (a KeyError)
        manage.set_cart_threshold(con, shop_id, minutes, now)


def switch(store: Store, automation_id: str, on: bool, *, now: dt.datetime) -> None:
    """Turn a recovery automation off (paused) or back on (running; nothing abandoned meanwhile is backfilled)."""
    current = manage.get_automation(store, automation_id)["status"]
    if on and current == AutomationStatus.DRAFT:
        manage.start_automation(store, automation_id, now=now)
    elif on and current == AutomationStatus.PAUSED:
        manage.resume_automation(store, automation_id, now=now)
    elif not on and current == AutomationStatus.RUNNING:
        manage.pause_automation(store, automation_id, now=now)


# ------------------------------------------------------------------ the owner's notices

def _owner_automations(store: Store, shop_id: str) -> dict[str, dict[str, Any]]:
    """trigger → the shop's owner-notice automation of that trigger (the oldest, if there were ever two)."""
    with store.unit() as con:
        rows = con.execute("""SELECT automation_id, trigger, status, trigger_params FROM automations
                              WHERE shop_id = ? AND trigger IN (SELECT unnest(?::VARCHAR[]))
                              ORDER BY created_at DESC, automation_id DESC""",
                           [shop_id, list(OWNER_TRIGGERS)]).fetchall()
    return {trigger: {"automation_id": aid, "status": status, "params": json.loads(params or "{}")}
            for aid, trigger, status, params in rows}


def owner_notice(store: Store, shop_id: str) -> dict[str, Any]:
    """The owner's notice setting: mode (off | each | digest), the address, and the automation ids."""
    made = _owner_automations(store, shop_id)
    mode = next((m for m, trigger in _OWNER_TRIGGER.items()
                 if made.get(trigger, {}).get("status") == AutomationStatus.RUNNING),
                "off")
    shown = made.get(_OWNER_TRIGGER.get(mode, "")) or next(iter(made.values()), None)
    return {"mode": mode, "recipient": shown["params"].get("recipient", "") if shown else "",
            "automations": {trigger: a["automation_id"] for trigger, a in made.items()}}


def set_owner_notice(store: Store, shop_id: str, mode: str, recipient: str | None = None, *,
                     now: dt.datetime) -> str | None:
    """Turn the owner's notices to `mode` at `recipient`; returns the running automation's id (None when off).

    Raises CartSetupError (a ValueError) naming what is wrong (the mode, the address, a shop without a
    sender) and changes nothing then. The notices send as the shop's saved sender (its sender settings,
    core.automations.manage.save_sender_settings).
    """
    if mode not in OWNER_MODES:
        raise CartSetupError("mode", "owner_bad_mode", f"the mode must be one of {', '.join(OWNER_MODES)} ({mode!r})",
                             modes=", ".join(OWNER_MODES), mode=mode)
    address = (recipient or "").strip()
    if mode != "off" and not _EMAIL.match(address):
        raise CartSetupError("recipient", "owner_bad_email",
                             f"the address to send to is not an e-mail address ({recipient or ''!r})",
                             address=recipient or "")
    made = _owner_automations(store, shop_id)
    wanted = _OWNER_TRIGGER.get(mode)
    running = None
    if wanted is not None:
        params = {"recipient": address, "threshold_minutes": threshold_minutes(get_shop(store, shop_id).settings)}
        running = (_update_owner_automation(store, made[wanted]["automation_id"], params, now) if wanted in made
                   else _create_owner_automation(store, shop_id, wanted, params, now))
    for trigger, automation in made.items():  # the other mode (or both, when off) stops
        if trigger != wanted and automation["status"] == AutomationStatus.RUNNING:
            manage.pause_automation(store, automation["automation_id"], now=now)
    return running


def _require_sender(store: Store, shop_id: str) -> None:
    with store.unit() as con:
        if not manage.has_working_sender(con, shop_id):
            raise CartSetupError("sender", "owner_no_sender",
                                 "the shop has no sender settings (SMTP) to send the owner's notices from")


def _create_owner_automation(store: Store, shop_id: str, trigger: str, params: dict[str, Any],
                             now: dt.datetime) -> str:
    """The owner's notices send as the shop's saved sender (the automation names none of its own)."""
    _require_sender(store, shop_id)
    starter = templates.starter_template(trigger)
    template_id = manage.save_template(store, shop_id=shop_id, name=starter["name"], trigger=trigger,
                                       subject=starter["subject"], html=starter["html"], text=starter["text"],
                                       preheader=starter["preheader"], blocks=starter["blocks"], now=now)
    return manage.create_automation(store, shop_id=shop_id, name=starter["name"], trigger=trigger,
                                    subject=starter["subject"], preheader=starter["preheader"],
                                    sender_name="", sender_email="", template_id=template_id,
                                    trigger_params=params, is_advertising=False, start=True, now=now)


def _update_owner_automation(store: Store, automation_id: str, params: dict[str, Any], now: dt.datetime) -> str:
    """New address (and the shop's current threshold) on the existing automation, running. Its history and
    idempotency keys stay: a cart already noticed is not noticed again at the new address."""
    current = manage.get_automation(store, automation_id)
    fields = {f: current[f] for f in ("automation_id", "shop_id", "name", "trigger", "delay_minutes",
                                      "max_lateness_minutes", "is_advertising", "template_id", "subject",
                                      "preheader", "sender_name", "sender_email", "audience")}
    fields.update({"trigger_params": params, "status": AutomationStatus.RUNNING})
    _require_sender(store, current["shop_id"])
    with store.unit() as con:
        shops = registry.shop_ids(con)
        checked = manage.check_automation(fields, known_shops=shops, known_templates={current["template_id"]})
        manage.write_automation(con, checked, now)
    return automation_id
