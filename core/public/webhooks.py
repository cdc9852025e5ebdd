"""The shops' webhook endpoint: `POST /hooks/cafe24/<token>`, where a Cafe24 mall posts its events.

What Cafe24 sends (developers.cafe24.com, "Event sample data"): a JSON body `{"event_no": N, "resource":
{"mall_id", "event_shop_no", ...}}`, e.g. 90023 (an order placed: `order_id`, `member_id`), 90024 (an
order's shipping status changed), 90032 (a customer signed up: `member_id`). The documentation read names
no signature or key to verify a delivery by, so the request is accepted only at the shop's own unguessable
address (core.sync.webhooks), its `mall_id` must be the shop's, and the event is never trusted: it only
starts an incremental sync that fetches what it names through the Admin API.

Answers (plain text, Korean then English, like the other public pages):
- 202 the event is kept and its sync will start within a scheduler tick or two; 200 the same event was
  already received (a repeat delivery changes nothing);
- 404 no shop has this address (a guessed or old address); 400 the body is not a JSON event;
- 403 the event names another mall; 422 an event the console does not follow, or one without the id it
  must name (`order_id`, `member_id`);
- 503 with Retry-After when the store is held past its bounded wait (the sender tries again later).
"""
from __future__ import annotations

import json
import logging
from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import BaseRoute, Route

from core import clock
from core.i18n import t
from core.log import event as log_event
from core.public.signing import public_base_url
from core.shops.registry import ShopNotFound, shop
from core.store import Store
from core.sync import webhooks

log = logging.getLogger("core.public.webhooks")

PATH = "/hooks/cafe24/"
NAMES = {"orders": "order_id", "members": "member_id"}  # the id each entity's events must carry


def address(store: Store, shop_id: str) -> str:
    """The shop's webhook address, to paste into Cafe24's developer center (made the first time asked)."""
    with store.unit() as con:
        token = webhooks.address_token(con, shop_id, clock.now())
    return f"{public_base_url()}{PATH}{token}"


def _answer(status: int, key: str, **params: Any) -> Response:
    return PlainTextResponse(f"{t(key, 'ko', **params)}\n{t(key, 'en', **params)}\n", status,
                             {"Cache-Control": "no-store"})


def parse(body: bytes) -> dict[str, Any] | None:
    """The event in a request body, or None when the body is not a JSON object with a resource object."""
    try:
        event = json.loads(body)
    except (ValueError, UnicodeDecodeError):
        return None
    if not isinstance(event, dict) or not isinstance(event.get("resource"), dict):
        return None
    return event


def check(event: dict[str, Any], mall_id: str) -> tuple[int, str, dict[str, Any]] | None:
    """What is wrong with a parsed event for the shop of `mall_id`, as (status, words key, params); None if fine."""
    number = event.get("event_no")
    if not isinstance(number, int) or isinstance(number, bool) or number not in webhooks.EVENTS:
        return 422, "webhooks.unknown_event", {"event": str(number)}
    resource = event["resource"]
    if resource.get("mall_id") != mall_id:
        return 403, "webhooks.other_mall", {}
    field = NAMES[webhooks.EVENTS[number]]
    value = resource.get(field)
    if not isinstance(value, str) or not value.strip():
        return 422, "webhooks.missing_id", {"field": field, "event": str(number)}
    return None


def receive(store: Store, token: str, body: bytes) -> Response:
    """One delivery: find the shop by its address, check the event, keep it (one short store unit)."""
    event = parse(body)
    now = clock.now()
    with store.unit() as con:
        shop_id = webhooks.shop_of(con, token)
        if shop_id is None:
            return _answer(404, "webhooks.unknown_address")
        try:
            mall_id = str(shop(con, shop_id).settings.get("mall_id") or shop_id)
        except ShopNotFound:  # the shop was disconnected since its address was made
            return _answer(404, "webhooks.unknown_address")
        if event is None:
            return _answer(400, "webhooks.not_an_event")
        wrong = check(event, mall_id)
        if wrong is not None:
            status, key, params = wrong
            log_event(log, "webhook_refused", shop_id=shop_id, status=status, reason=key)
            return _answer(status, key, **params)
        fresh = webhooks.record(con, shop_id, event, now)
    log_event(log, "webhook", shop_id=shop_id, event_no=event["event_no"], fresh=fresh)
    return _answer(202, "webhooks.accepted") if fresh else _answer(200, "webhooks.repeat")


async def cafe24_hook(request: Request) -> Response:
    body = await request.body()
    store: Store = request.app.state.store
    return await run_in_threadpool(receive, store, request.path_params["token"], body)


ROUTES: list[BaseRoute] = [Route(PATH + "{token}", cafe24_hook, methods=["POST"])]
