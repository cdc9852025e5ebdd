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


class SyncError(RuntimeError):
    """A platform failure, worded for an operator. Never carries a secret."""

    retryable = False


class TransientError(SyncError):
    """Worth trying again later: a timeout, a 5xx, a 429 past its retries."""

    retryable = True


class AuthError(SyncError):
    """The credentials were refused: wrong secret, revoked or expired refresh token."""


class BadResponse(SyncError):
    """The platform answered something the console cannot read: not JSON/XML, a missing field, an unknown status."""


class ShopClient(Protocol):
    platform: str
    entities: tuple[str, ...]

    def pages(self, entity: str, cursor: dict[str, Any] | None) -> Iterator[Page]:
        """Pages of `entity` changed since `cursor` (None: from the beginning)."""
        ...

    def close(self) -> None: ...
