"""The sender a benchmark's shop needs before its automations may start (no automation starts without one).

Its SMTP server is a closed loopback port: benchmarks that time evaluation and issuance never send."""
from __future__ import annotations

import datetime as dt

from core.automations import manage
from core.store import Store


def save_bench_sender(store: Store, shop_id: str, now: dt.datetime, smtp_port: int = 9) -> None:
    manage.save_sender_settings(store, shop_id, now=now, sender_name="벤치", sender_email="hello@bench.example",
                                sender_contact="02-000-0000", smtp_host="127.0.0.1", smtp_port=smtp_port,
                                smtp_security="none")
