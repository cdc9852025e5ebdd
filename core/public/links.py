"""The public links one message carries: its unsubscribe link, its open pixel, and its tracked clicks.

The one place that knows both kinds of link, so neither core.public.tracking nor
core.public.unsubscribe needs the other.
"""
from __future__ import annotations

from collections.abc import Callable
from typing import TypedDict

from core.public.tracking import WEB_SCHEMES, click_url, is_tracking_url, open_pixel_url
from core.public.unsubscribe import unsubscribe_url


class MessageLinks(TypedDict):
    unsubscribe_url: str
    open_pixel_url: str
    tracked: Callable[[str], str]  # a link of the message -> the tracked link to put in its place


def tracking_context(message_id: str, shop_id: str, member_key: str) -> MessageLinks:
    """The links of message `message_id` to member `member_key` of `shop_id`."""

    def tracked(url: str) -> str:
        # Already ours (the unsubscribe link, a link tracked twice) or not a web link: leave it.
        if is_tracking_url(url) or not url.startswith(WEB_SCHEMES):
            return url
        return click_url(message_id, url)

    return {"unsubscribe_url": unsubscribe_url(shop_id, member_key), "open_pixel_url": open_pixel_url(message_id),
            "tracked": tracked}


__all__ = ["MessageLinks", "tracking_context"]
