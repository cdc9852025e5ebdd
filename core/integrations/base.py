"""The one interface every platform client speaks.

A client hands out pages of normalized rows for one entity, starting from a
checkpoint, and the checkpoint that follows each page. The sync engine
(`core.sync`) writes a page's rows and its checkpoint in one transaction, so a
sync never half-applies a page and always resumes where it stopped.
"""
from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from typing import Any, Protocol

from core.errors import AuthFailed, BadAnswer, CoreError, Kind, Unreachable, UpstreamFailed

# The order matters: categories before products, products before orders.
ENTITIES: tuple[str, ...] = ("categories", "products", "members", "orders", "carts")

# Tables a page may fill, and the columns that key a row within a shop.
TABLE_KEYS: dict[str, tuple[str, ...]] = {
    "categories": ("category_key",),
    "products": ("product_key",),
    "members": ("member_key",),
    "orders": ("order_key",),
    "order_items": ("item_key",),
    "carts": ("cart_key",),
    "cart_items": ("cart_key", "line_no"),
}

# Child tables whose rows are replaced whole when their parent arrives again
# (an item removed from a cart must disappear from the store too).
CHILDREN: dict[str, tuple[str, str]] = {
    "order_items": ("orders", "order_key"),
    "cart_items": ("carts", "cart_key"),
}

ORDER_STATUSES = ("pending", "paid", "shipping", "delivered", "confirmed", "cancelled", "returned")
CART_STATUSES = ("open", "ordered", "recovered")


@dataclasses.dataclass
class Page:
    """Normalized rows by table (without shop_id), and where the next page starts."""

    rows: dict[str, list[dict[str, Any]]]
    cursor: dict[str, Any]

    @property
    def size(self) -> int:
        return sum(len(r) for r in self.rows.values())


@dataclasses.dataclass(frozen=True)
class ConnectionOk:
    """What a connection test found: a key for the console's words and the values those words name."""

    key: str
    params: dict[str, Any] = dataclasses.field(default_factory=dict)


class SyncError(CoreError):
    """A platform failure, raised with a key and parameters (platform, status, entity, what) for the console's
    words and the English account as `detail`. Never carries a secret.

    Its own kind is `upstream` (the platform refused the request); the subclasses below name the other kinds.
    """

    kind = Kind.UPSTREAM


class TransientError(SyncError):
    """Worth trying again later: the platform was unreachable, failed (5xx) or asked us to slow down (429)
    past our retries. The cause decides the kind: `unreachable`, `upstream` or `rate_limited`."""

    kind = Kind.UPSTREAM


class PlatformUnreachable(TransientError, Unreachable):
    """No answer: the connection was refused, the host name is unknown, or the platform did not answer in time."""

    kind = Kind.UNREACHABLE


class PlatformFailed(TransientError, UpstreamFailed):
    """The platform answered with a server error (5xx) past our retries, or left out what it was asked for."""

    kind = Kind.UPSTREAM


class RateLimited(TransientError):
    """The platform kept answering 429 (too many requests) past our retries."""

    kind = Kind.RATE_LIMITED


class AuthError(SyncError, AuthFailed):
    """The credentials were missing or refused: wrong secret, revoked or expired refresh token."""

    kind = Kind.AUTH


class BadResponse(SyncError, BadAnswer):
    """The platform answered something the console cannot read: not JSON/XML, a missing field, an unknown status."""

    kind = Kind.BAD_RESPONSE


class ShopClient(Protocol):
    platform: str
    entities: tuple[str, ...]

    def pages(self, entity: str, cursor: dict[str, Any] | None) -> Iterator[Page]:
        """Pages of `entity` changed since `cursor` (None: from the beginning)."""
        ...

    def close(self) -> None: ...
