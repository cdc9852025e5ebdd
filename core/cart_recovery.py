"""Cart recovery automations: the one-click quick setup, and switching them on and off.

Quick setup turns on a ready automation the way Wix stores offer it: the Korean starter e-mail with the
cart's item images, names, prices and a button back to the cart, sent one hour after the cart is
abandoned (so about two hours after the last activity), optionally a second reminder later. Cart
reminders are promotional, so they are advertising: only consenting members get them, with the
"(광고)" subject and the unsubscribe footer (core.templates).
"""
from __future__ import annotations

import json
from typing import Any

from core import templates
from core.automations import manage
from core.carts import threshold_minutes
from core.shops import get_shop
from core.store import Store

TRIGGER = "cart_abandoned"
FIRST_DELAY_MINUTES = 60
MAX_LATENESS_MINUTES = 6 * 60  # a cart reminder six hours late is no reminder


def quick_setup(store: Store, shop_id: str, *, sender_name: str, sender_email: str,
                delay_minutes: int = FIRST_DELAY_MINUTES, second_reminder_hours: int | None = None) -> list[str]:
    """Save the starter template and start the recovery automation(s); returns their ids.

    Raises manage.AutomationError naming the field (e.g. a sender e-mail that is not an address).
    """
    threshold = threshold_minutes(get_shop(store, shop_id).settings)
    starter = templates.starter_template(TRIGGER)
    template_id = manage.save_template(store, shop_id=shop_id, name=starter["name"], trigger=TRIGGER,
                                       subject=starter["subject"], html=starter["html"], text=starter["text"],
                                       preheader=starter["preheader"])
    reminders = [("장바구니 리마인드", delay_minutes, MAX_LATENESS_MINUTES)]
    if second_reminder_hours:
        reminders.append((f"장바구니 리마인드 ({second_reminder_hours}시간 뒤 2차)", second_reminder_hours * 60,
                          MAX_LATENESS_MINUTES * 2))
    return [manage.create_automation(store, shop_id=shop_id, name=name, trigger=TRIGGER, subject=starter["subject"],
                                     preheader=starter["preheader"], sender_name=sender_name,
                                     sender_email=sender_email, template_id=template_id,
                                     trigger_params={"threshold_minutes": threshold}, delay_minutes=delay,
                                     max_lateness_minutes=lateness, is_advertising=True, start=True)
            for name, delay, lateness in reminders]


def recovery_automations(store: Store, shop_id: str) -> list[dict[str, Any]]:
    """The shop's cart recovery automations, oldest first: id, name, status, delay."""
    with store.unit() as con:
        rows = con.execute("""SELECT automation_id, name, status, delay_minutes, trigger_params FROM automations
                              WHERE shop_id = ? AND trigger = ? ORDER BY created_at, automation_id""",
                           [shop_id, TRIGGER]).fetchall()
    return [{"automation_id": r[0], "name": r[1], "status": r[2], "delay_minutes": r[3],
             "threshold_minutes": json.loads(r[4] or "{}").get("threshold_minutes")} for r in rows]


def switch(store: Store, automation_id: str, on: bool) -> None:
    """Turn a recovery automation off (paused) or back on (running; nothing abandoned meanwhile is backfilled)."""
    current = manage.get_automation(store, automation_id)["status"]
    if on and current == "draft":
        manage.start_automation(store, automation_id)
    elif on and current == "paused":
        manage.resume_automation(store, automation_id)
    elif not on and current == "running":
        manage.pause_automation(store, automation_id)
