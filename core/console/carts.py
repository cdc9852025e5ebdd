"""What the Abandoned carts page shows and does: recovery figures by day, the abandonment threshold,
the reminder automations (quick setup, on and off), the owner's notices, and the carts list with each
cart's items and recovery link."""
from __future__ import annotations

from typing import Any, TypedDict

import polars as pl

from core.automations import manage
from core.automations.attribution import ATTRIBUTION_WINDOW
from core.carts import recovery, stats
from core.console.automations import needs_sender
from core.console.common import StoreLike, now, open_store, sender_defaults, store_path
from core.console.overview import ShopRow, shop
from core.console.sender import has_working_sender
from core.i18n import t

__all__ = ["ShopRow", "has_working_sender", "needs_sender", "sender_defaults", "shop", "store_path"]

CART_FILTERS = stats.CART_FILTERS
OWNER_MODES = recovery.OWNER_MODES
# How long after a message an order still counts as recovered by it.
ATTRIBUTION_DAYS = ATTRIBUTION_WINDOW.days
Frame = pl.DataFrame
# What a page catches when a setting is refused; each names the field it refuses.
Refused = (manage.AutomationError, ValueError)


def recovery_stats(store: StoreLike, shop_id: str, days: int) -> dict[str, Any]:
    """Abandoned, reached, clicked, recovered, rate and revenue over the last `days` days, by day too."""
    return stats.recovery_stats(open_store(store), shop_id, days, now())


def cart_list(store: StoreLike, shop_id: str, which: str) -> pl.DataFrame:
    """The carts still kept, newest first, filtered by `which` (one of CART_FILTERS)."""
    return stats.list_carts(open_store(store), shop_id, which, now())


def cart_items(store: StoreLike, shop_id: str, cart_key: str) -> pl.DataFrame:
    return stats.cart_items(open_store(store), shop_id, cart_key)


def carts_csv(frame: pl.DataFrame, tz: str) -> bytes:
    """The carts list as CSV (UTF-8 with a BOM), its headers in this run's language."""
    return stats.carts_csv(frame, {c: t(f"carts.csv.{c}") for c in stats.CSV_COLUMNS}, tz)


def set_threshold(store: StoreLike, shop_id: str, minutes: int) -> None:
    """The abandonment threshold, for the figures and the reminders alike."""
    recovery.set_threshold(open_store(store), shop_id, minutes, now=now())


class Reminder(TypedDict):
    automation_id: str
    name: str
    status: str
    delay_minutes: int
    threshold_minutes: int | None


def reminders(store: StoreLike, shop_id: str) -> list[Reminder]:
    """The shop's cart reminder automations, oldest first."""
    return [Reminder(automation_id=r["automation_id"], name=r["name"], status=r["status"],
                     delay_minutes=r["delay_minutes"], threshold_minutes=r["threshold_minutes"])
            for r in recovery.recovery_automations(open_store(store), shop_id)]


def switch(store: StoreLike, automation_id: str, on: bool) -> None:
    recovery.switch(open_store(store), automation_id, on, now=now())


def quick_setup(store: StoreLike, shop_id: str, *, second_reminder_hours: int | None,
                sender_name: str | None = None, sender_email: str | None = None) -> list[str]:
    """Turn on the ready-made reminder (and a second one), sending as the shop's saved sender unless one is
    given; one of Refused names what it refuses (needs_sender: the shop has no sender settings yet)."""
    return recovery.quick_setup(open_store(store), shop_id, sender_name=sender_name, sender_email=sender_email,
                                second_reminder_hours=second_reminder_hours, now=now())


class OwnerNotice(TypedDict):
    mode: str        # one of OWNER_MODES
    recipient: str


def owner_notice(store: StoreLike, shop_id: str) -> OwnerNotice:
    current = recovery.owner_notice(open_store(store), shop_id)
    return OwnerNotice(mode=current["mode"], recipient=current["recipient"])


def set_owner_notice(store: StoreLike, shop_id: str, mode: str, recipient: str) -> None:
    """The owner's notices: off, one per cart, or a daily digest; one of Refused names what is wrong."""
    recovery.set_owner_notice(open_store(store), shop_id, mode, recipient, now=now())
