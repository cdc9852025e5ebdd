"""Outbound channels. Each channel module builds and hands over messages and holds no store:
the dispatcher in core.automations decides what to send and records each outcome.

- `core.channels.email`: SMTP (STARTTLS/TLS, auth, one connection reused for many messages).
Alimtalk and SMS arrive with later issues, each as its own module here.
"""
from __future__ import annotations

CHANNELS = ("email",)
