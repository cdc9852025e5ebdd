"""Connect the sandbox shop the way a real Cafe24 mall is connected: app credentials, authorize, code, tokens.

The sandbox's only shortcuts: it hands out its app's client id and secret at `/sandbox/app`
(a real app reads them in the Cafe24 developer center), and its authorize page approves at once.
"""
from __future__ import annotations

import datetime as dt
from urllib.parse import parse_qs, urlparse

import httpx

from core import clock, config
from core.automations import manage
from core.integrations import cafe24
from core.loyalty import settings as loyalty_settings
from core.public import webhooks
from core.scheduler.loop import reschedule
from core.shops import secrets
from core.shops.registry import Shop, get_shop, save_shop, set_sync_interval
from core.store import Store

# Never visited: the sandbox's authorize step redirects here with the code, which we read off the Location.
REDIRECT_URI = "http://127.0.0.1/oauth/cafe24/callback"
# The sandbox mall lives minute by minute, so its shop is synced every minute instead of a real shop's 15:
# what happens there reaches the triggers within about a minute. (An incremental sync of the 5,000-member
# sandbox takes a few seconds; see bench/ and the sandbox tests.)
SANDBOX_SYNC_MINUTES = 1


class SandboxUnreachable(RuntimeError):
    """The sandbox did not answer at the URL given."""


def connect_sandbox(store: Store, url: str, shop_id: str = "sandbox", name: str = "샌드박스 쇼핑몰") -> Shop:
    """Save the sandbox as a Cafe24 shop, keep its app credentials in secrets, and do the OAuth dance."""
    url = url.rstrip("/")
    try:
        app = httpx.get(f"{url}/sandbox/app", timeout=10).json()
    except (httpx.HTTPError, ValueError) as exc:
        raise SandboxUnreachable(f"no sandbox shop answered at {url} ({type(exc).__name__}); "
                                 "start it with `python -m core sandbox`") from None
    mall_id = app["mall_id"]
    save_shop(store, shop_id, "cafe24", name, settings={"mall_id": mall_id, "base_url": url})
    secrets.put(shop_id, client_id=app["client_id"], client_secret=app["client_secret"],
                access_token="", access_token_expires_at="", refresh_token="")
    state = f"connect-{shop_id}"
    answer = httpx.get(cafe24.authorize_url(mall_id, app["client_id"], REDIRECT_URI, state, base_url=url),
                       follow_redirects=False, timeout=10)
    location = answer.headers.get("Location", "")
    query = parse_qs(urlparse(location).query)
    if answer.status_code != 302 or query.get("state", [""])[0] != state or not query.get("code"):
        raise SandboxUnreachable(f"the sandbox at {url} did not approve the app (HTTP {answer.status_code})")
    client = cafe24.Cafe24Client(get_shop(store, shop_id))
    try:
        client.exchange_code(query["code"][0], REDIRECT_URI)
    finally:
        client.close()
    preset_sender(store, shop_id, config.mailbox_port(), now=clock.now())
    preset_alimtalk(store, shop_id, now=clock.now())
    sync_often(store, shop_id)
    point_webhooks(url, webhooks.address(store, shop_id))
    return get_shop(store, shop_id)


def point_webhooks(url: str, address: str) -> None:
    """Tell the sandbox where to post its webhooks, as a mall operator pastes the address into Cafe24's
    developer center (the sandbox-only shortcut: `POST /sandbox/webhook`)."""
    answer = httpx.post(f"{url}/sandbox/webhook", data={"url": address}, timeout=10)
    if answer.status_code != 200:
        raise SandboxUnreachable(f"the sandbox at {url} did not take the webhook address (HTTP {answer.status_code})")


# The sandbox shop's sender, as a small Korean mall would fill it in: what the advertising footer needs
# (정보통신망법 제50조: the sender's name and contact). `.example` (RFC 2606) can never reach a real mailbox.
SANDBOX_SENDER = {"sender_name": "샌드박스 쇼핑몰",
                  "sender_email": "hello@sandbox-shop.example",
                  "sender_contact": "고객센터 02-123-4567 (평일 10:00~17:00)",
                  "postal_address": "서울특별시 성동구 성수이로 51, 3층"}


def preset_sender(store: Store, shop_id: str, mailbox_port: int, *, now: dt.datetime) -> bool:
    """Point the shop's sender at the sandbox mailbox (127.0.0.1, no TLS, no login), so a newcomer's
    automations send with no credentials and every message shows in the console's mailbox page.

    Only when the shop has no sender yet: settings the user saved are never overwritten. True if it saved.
    """
    with store.unit() as con:
        exists = con.execute("SELECT count(*) FROM sender_settings WHERE shop_id = ?", [shop_id]).fetchall()[0][0]
    if exists:
        return False
    manage.save_sender_settings(store, shop_id, now=now, **SANDBOX_SENDER, smtp_host="127.0.0.1",
                                smtp_port=mailbox_port, smtp_security="none", smtp_username=None)
    return True


# Template codes for the Alimtalk sandbox, which records each notice instead of sending it: a real shop gets its
# codes when Kakao approves its templates, a newcomer has none, and without a code no notice is made at all.
SANDBOX_ALIMTALK_TEMPLATES = {"stamp": "SANDBOX_STAMP", "reward": "SANDBOX_REWARD", "warranty": "SANDBOX_WARRANTY"}


def preset_alimtalk(store: Store, shop_id: str, *, now: dt.datetime) -> bool:
    """Switch the shop's Alimtalk on with the sandbox provider and its template codes, so that a newcomer who
    switches stamps and warranties on sees each notice in the console's mailbox page (the sandbox records it,
    nothing leaves the machine).

    Only when the shop has no Alimtalk settings yet: settings the user saved are never overwritten. True if it saved.
    """
    with store.unit() as con:
        exists = con.execute("SELECT count(*) FROM loyalty_settings WHERE shop_id = ? AND kind = 'alimtalk'",
                             [shop_id]).fetchall()[0][0]
    if exists:
        return False
    loyalty_settings.save(store, shop_id, loyalty_settings.AlimtalkSettings(
        enabled=True, provider="sandbox", templates=dict(SANDBOX_ALIMTALK_TEMPLATES)), now=now)
    return True


def sync_often(store: Store, shop_id: str = "sandbox", minutes: int = SANDBOX_SYNC_MINUTES) -> None:
    """Sync the sandbox shop every `minutes`; a sync job already planned further out comes due sooner."""
    with store.unit() as con:
        set_sync_interval(con, shop_id, minutes)
        reschedule(con, f"sync:{shop_id}", dt.timedelta(minutes=minutes))
