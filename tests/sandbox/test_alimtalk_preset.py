"""Connecting the sandbox shop switches its Alimtalk on with the sandbox provider and template codes, so a
newcomer who switches stamps and warranties on sees the notices; settings the user saved are kept."""
from __future__ import annotations

import datetime as dt

from core import clock
from core.loyalty import settings
from core.sandbox.server import SandboxServer
from core.sandbox.setup import SANDBOX_ALIMTALK_TEMPLATES, connect_sandbox

KST = dt.timezone(dt.timedelta(hours=9))


def test_the_sandbox_shops_alimtalk_is_on_with_codes_until_the_user_saves_their_own(store, fixed_clock) -> None:
    sandbox = SandboxServer(50, 7, start=dt.datetime(2026, 1, 10, 9, 0, tzinfo=KST), rate_limit=False, frozen=True)
    try:
        connect_sandbox(store, sandbox.url)
        preset = settings.load(store, "sandbox", "alimtalk")
        assert (preset.enabled, preset.provider) == (True, "sandbox")
        assert preset.templates == SANDBOX_ALIMTALK_TEMPLATES
        assert all(0 < len(code) <= 20 for code in preset.templates.values())
        # stamps and warranties stay off: switching them on is the user's choice
        assert not settings.load(store, "sandbox", "stamp").enabled
        assert not settings.load(store, "sandbox", "warranty").enabled

        own = settings.AlimtalkSettings(enabled=False, provider="sandbox", templates={"warranty": "MY_CODE"})
        settings.save(store, "sandbox", own, now=clock.now())
        connect_sandbox(store, sandbox.url)                     # `./start` again: what the user saved stays
        kept = settings.load(store, "sandbox", "alimtalk")
        assert (kept.enabled, kept.templates["warranty"], kept.templates["stamp"]) == (False, "MY_CODE", "")
    finally:
        sandbox.stop()
