"""A small shop built for automation tests: members, orders, carts written with core.sync.write_rows,
a loopback SMTP server (aiosmtpd) that records what arrives, and helpers to read the outbox."""
from __future__ import annotations

import contextlib
import datetime as dt
import email
import email.policy
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from aiosmtpd.controller import Controller

from core import clock
from core.automations import manage
from core.messaging.templates import starter_template
from core.shops import registry
from core.shops.registry import save_shop
from core.store import Store
from core.sync.engine import write_rows

KST = dt.timezone(dt.timedelta(hours=9))
SHOP = "shop-1"


def at(day: int, hour: int = 9, minute: int = 0) -> dt.datetime:
    """An instant in January 2026, shop time."""
    return dt.datetime(2026, 1, day, hour, minute, tzinfo=KST)


def seed_shop(store: Store, shop_id: str = SHOP) -> None:
    save_shop(store, shop_id, "csv", "하루상점")
    with store.unit() as con:  # no platform to sync from: the test writes the records itself
        registry.set_enabled(con, shop_id, False)


def write(store: Store, shop_id: str = SHOP, **tables: list[dict[str, Any]]) -> None:
    with store.unit() as con:
        write_rows(con, shop_id, tables, clock.now())


def member(key: str, signed_up_at: dt.datetime, *, consent: bool = True, email_: str | None = "",
           night: bool = False, name: str | None = None) -> dict[str, Any]:
    return {"member_key": key, "email": f"{key}@example.com" if email_ == "" else email_,
            "name": name or f"회원 {key}", "signed_up_at": signed_up_at, "email_consent": consent,
            "night_consent": night}


def order(key: str, member_key: str | None, ordered_at: dt.datetime, *, paid: bool = True,
          status: str = "paid", delivered_at: dt.datetime | None = None, total: float = 39000,
          cart_key: str | None = None) -> dict[str, Any]:
    return {"order_key": key, "member_key": member_key, "email": None, "status": status, "ordered_at": ordered_at,
            "paid_at": ordered_at if paid else None, "delivered_at": delivered_at, "total_amount": total,
            "cart_key": cart_key}


def item(order_key: str, n: int, product_key: str, price: float = 39000) -> dict[str, Any]:
    return {"item_key": f"{order_key}-{n}", "order_key": order_key, "product_key": product_key,
            "product_name": f"상품 {product_key}", "quantity": 1, "unit_price": price, "status": "paid"}


def product(key: str, category_keys: list[str]) -> dict[str, Any]:
    return {"product_key": key, "name": f"상품 {key}", "price": 39000, "category_keys": category_keys}


def cart(key: str, member_key: str | None, last_activity_at: dt.datetime, *, email_: str | None = None,
         status: str = "open", order_key: str | None = None) -> dict[str, Any]:
    return {"cart_key": key, "member_key": member_key, "email": email_, "status": status, "total_amount": 52800,
            "created_at": last_activity_at, "last_activity_at": last_activity_at,
            "recovery_url": f"https://haru-shop.example/cart/{key}", "order_key": order_key}


def automation(store: Store, trigger: str, params: dict | None = None, *, delay_minutes: int = 0,
               advertising: bool = True, start: bool = True, shop_id: str = SHOP,
               max_lateness_minutes: int | None = None) -> str:
    """A starter automation; one that starts gets the shop a sender first when it has none (see ensure_sender)."""
    if start:
        ensure_sender(store, shop_id)
    t = starter_template(trigger)
    template_id = manage.save_template(store, shop_id=shop_id, name=t["name"], trigger=trigger, subject=t["subject"],
                                       preheader=t["preheader"], html=t["html"], text=t["text"], now=clock.now())
    return manage.create_automation(store, shop_id=shop_id, name=f"{trigger} 자동 이메일", trigger=trigger,
                                    trigger_params=params, subject=t["subject"], sender_name="하루상점",
                                    sender_email="hello@haru-shop.example", template_id=template_id,
                                    preheader=t["preheader"], delay_minutes=delay_minutes,
                                    is_advertising=advertising, start=start,
                                    max_lateness_minutes=max_lateness_minutes, now=clock.now())


def outbox(store: Store, automation_id: str | None = None) -> list[dict[str, Any]]:
    frame = store.frame("""SELECT * FROM outbox WHERE $aid IS NULL OR automation_id = $aid
                           ORDER BY automation_id, occurrence_key""", {"aid": automation_id})
    return frame.to_dicts()


def states(store: Store, automation_id: str | None = None) -> dict[str, tuple[str, str | None]]:
    """occurrence_key → (state, reason)."""
    return {r["occurrence_key"]: (r["state"], r["reason"]) for r in outbox(store, automation_id)}


def tick(store: Store, c: clock.FixedClock, when: dt.datetime) -> None:
    from core.scheduler import loop as scheduler
    c.set(when)
    scheduler.tick(store, when, threading.Event())


def cli_once(store_path: Path, when: dt.datetime, timeout: float = 60) -> subprocess.CompletedProcess:
    from tests.conftest import python_env
    return subprocess.run([sys.executable, "-m", "core", "scheduler", "--once", "--now", when.isoformat()],
                          env=python_env(store_path), capture_output=True, text=True, timeout=timeout)


class Recorder:
    """An aiosmtpd handler that keeps every message it accepts."""

    def __init__(self, delay: float = 0.0) -> None:
        self.messages: list[email.message.EmailMessage] = []
        self.envelopes: list[tuple[str, list[str]]] = []
        self.delay = delay
        self.lock = threading.Lock()

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 (aiosmtpd's hook name)
        if self.delay:
            import asyncio
            await asyncio.sleep(self.delay)
        msg = email.message_from_bytes(envelope.original_content or envelope.content, policy=email.policy.default)
        with self.lock:
            self.messages.append(msg)
            self.envelopes.append((envelope.mail_from, list(envelope.rcpt_tos)))
        return "250 OK"

    def message_ids(self) -> list[str]:
        with self.lock:
            return [m["Message-ID"] for m in self.messages]


class LoopbackController(Controller):
    """aiosmtpd's Controller on port 0: learn the port the OS chose before the readiness probe."""

    def _trigger_server(self) -> None:
        self.port = self.server.sockets[0].getsockname()[1]
        super()._trigger_server()


def smtp_server(recorder: Recorder) -> Controller:
    controller = LoopbackController(recorder, hostname="127.0.0.1", port=0)
    controller.start()
    return controller


def smtp_port(controller: Controller) -> int:
    return controller.port


@contextlib.contextmanager
def mailing_shop(store: Store, c: clock.FixedClock, when: dt.datetime) -> Iterator[Recorder]:
    """The shop seeded at `when`, its sender on a loopback SMTP server that records what it accepts (stopped
    when the block ends)."""
    c.set(when)
    seed_shop(store)
    recorder = Recorder()
    controller = smtp_server(recorder)
    try:
        configure_sender(store, smtp_port(controller))
        yield recorder
    finally:
        controller.stop()


def configure_sender(store: Store, port: int, shop_id: str = SHOP, **extra: Any) -> None:
    manage.save_sender_settings(store, shop_id, sender_name="하루상점", sender_email="hello@haru-shop.example",
                                sender_contact="서울특별시 마포구 월드컵북로 12, 02-1234-5678",
                                smtp_host="127.0.0.1", smtp_port=port, smtp_security="none", **extra, now=clock.now())


# Nothing listens here: a world whose test never dispatches still has the sender an automation needs to start.
NO_SERVER_PORT = 9


def ensure_sender(store: Store, shop_id: str = SHOP) -> None:
    """The shop's sender settings, saved unless the shop has some (a test that sends configures a real server
    with configure_sender, before or after)."""
    with store.unit() as con:
        if con.execute("SELECT 1 FROM sender_settings WHERE shop_id = ?", [shop_id]).fetchall():
            return
    configure_sender(store, NO_SERVER_PORT, shop_id)
