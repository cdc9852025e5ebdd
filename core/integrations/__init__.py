"""Platform clients behind one interface (see `base.ShopClient`)."""
from __future__ import annotations

import importlib

from core.errors import NotFound
from core.integrations.base import ShopClient
from core.shops.registry import Shop

# platform -> module holding `client_for(shop) -> ShopClient`
_MODULES = {
    "naver": "core.integrations.naver",
    "cafe24": "core.integrations.cafe24",
    "godomall": "core.integrations.godomall",
    "wix": "core.integrations.wix",
}

# Platforms whose records arrive only as files the operator imports (core.csv_import): nothing to sync.
FILE_PLATFORMS = frozenset({"csv"})


def syncs_over_network(platform: str) -> bool:
    """Whether the scheduler syncs shops of this platform (a CSV shop is filled by imports, never synced)."""
    return platform not in FILE_PLATFORMS


def make_client(shop: Shop) -> ShopClient:
    """The client for a connected shop, with its secrets loaded from the secrets file."""
    try:
        module = importlib.import_module(_MODULES[shop.platform])
    except KeyError:
        raise NotFound("sync.no_client", platform=shop.platform,
                       detail=f"no client for platform '{shop.platform}'") from None
    return module.client_for(shop)
