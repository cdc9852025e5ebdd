"""The warranty certificate page at PUBLIC_BASE_URL/w/<code>, which the console also previews.

The page shows the brand, the product as it was issued (name, image, options, detail fields), purchase
and delivery dates, the warranty period, the holder (masked, 홍*동) and a status anyone can read at a
glance: valid, expired, revoked (with the date), or — for a code that was never issued — "cannot be
verified" (with 404, for a code that does not have the shape of an issued code too). Everything under
/w/ is answered here, including paths that decode to several segments, so a mangled link still gets the
certificate's own explanation rather than a bare "not found". The page is one self-contained HTML
document sized for a phone; what customers read is Korean (the audience), so its words are looked up in
Korean (core/i18n/words/public.py).
"""
from __future__ import annotations

import datetime as dt
import enum
import html
import json
import re
from collections.abc import Mapping
from typing import Any
from zoneinfo import ZoneInfo

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from core import clock
from core.i18n import t
from core.loyalty import warranty
from core.store import Store

LANG = "ko"  # the customers' language
PREVIEW_CODE = "PREVIEW"


def _w(name: str, **params: object) -> str:
    return t(f"public.certificate.{name}", LANG, **params)


_STYLE = """
*{box-sizing:border-box} body{margin:0;background:#eef0f3;font-family:-apple-system,'Apple SD Gothic Neo',
'Malgun Gothic','Noto Sans KR',sans-serif;color:#1f2937;-webkit-text-size-adjust:100%}
main{max-width:460px;margin:0 auto;padding:20px 14px 32px}
.card{background:#fff;border-radius:18px;box-shadow:0 4px 18px rgba(15,23,42,.08);overflow:hidden}
.head{background:#111827;color:#fff;padding:22px 22px 18px}
.brand{font-size:13px;letter-spacing:.08em;opacity:.75;text-transform:uppercase}
.head h1{margin:6px 0 0;font-size:22px;font-weight:700}
.status{display:inline-block;margin-top:12px;padding:5px 12px;border-radius:999px;font-size:13px;font-weight:700}
.status.valid{background:#dcfce7;color:#166534}.status.expired{background:#fef3c7;color:#92400e}
.status.revoked,.status.unknown{background:#fee2e2;color:#991b1b}.status.preview{background:#e0e7ff;color:#3730a3}
.img{width:100%;aspect-ratio:1/1;object-fit:cover;background:#f3f4f6;display:block}
.body{padding:18px 22px 8px}
.product{font-size:18px;font-weight:700;line-height:1.4;margin:0 0 4px;word-break:keep-all}
.options{color:#6b7280;font-size:14px;margin:0 0 8px}
dl{margin:10px 0 0;display:grid;grid-template-columns:auto 1fr;gap:9px 14px;font-size:14px}
dt{color:#6b7280;white-space:nowrap} dd{margin:0;text-align:right;word-break:break-all}
.note{margin:14px 22px 0;padding:12px 14px;border-radius:12px;background:#fef2f2;color:#991b1b;font-size:14px;
line-height:1.5}
.foot{padding:16px 22px 20px;color:#9ca3af;font-size:12px;border-top:1px solid #f1f5f9;margin-top:16px}
code{font-size:12px}
"""


def _date(value: Any, tz: str) -> str:
    if value is None:
        return "-"
    if isinstance(value, dt.datetime):
        return value.astimezone(ZoneInfo(tz)).strftime("%Y.%m.%d")
    if isinstance(value, dt.date):
        return value.strftime("%Y.%m.%d")
    return str(value)


class Status(enum.StrEnum):
    """What the page tells its reader at a glance (also its CSS class and its word)."""

    VALID = "valid"
    EXPIRED = "expired"
    REVOKED = "revoked"
    PREVIEW = "preview"


def status_of(row: Mapping[str, Any], today: dt.date) -> Status:
    """The certificate's status on `today` (the shop's local date)."""
    if row.get("code") == PREVIEW_CODE:
        return Status.PREVIEW
    if row.get("status") == "revoked":
        return Status.REVOKED
    until = row.get("valid_until")
    return Status.EXPIRED if isinstance(until, dt.date) and until < today else Status.VALID


def _document(title: str, body: str) -> str:
    return (f'<!DOCTYPE html><html lang="ko"><head><meta charset="utf-8">'
            f'<meta name="viewport" content="width=device-width, initial-scale=1">'
            f'<meta name="robots" content="noindex"><title>{html.escape(title)}</title>'
            f'<style>{_STYLE}</style></head><body><main>{body}</main></body></html>')


def render(row: Mapping[str, Any], now: dt.datetime) -> str:
    """The certificate as a complete HTML page (row: a `warranties` row with shop_name, shop_tz, brand).

    `now` is the instant its validity is judged at, in the shop's time zone; a preview (code PREVIEW) has no
    validity to judge and says it is a preview.
    """
    tz = row.get("shop_tz") or clock.DEFAULT_TZ
    if row.get("code") == PREVIEW_CODE:
        status = Status.PREVIEW
    else:
        status = status_of(row, clock.local(now, tz).date())
    brand = row.get("brand") or _brand(row) or row.get("shop_name") or ""
    e = html.escape
    details = json.loads(row.get("details_text") or "[]") if isinstance(row.get("details_text"), str) else []
    start = _date(row.get("delivered_at"), tz)
    rows = [(_w("ordered"), _date(row.get("ordered_at"), tz)), (_w("delivered"), start),
            (_w("period"), f"{start} ~ {_date(row.get('valid_until'), tz)}"),
            (_w("holder"), row.get("holder_name") or "-"),
            *[(str(label), str(value)) for label, value in details],
            (_w("issued"), _date(row.get("issued_at"), tz)),
            (_w("code"), row.get("code") or "-")]
    label = _w(status)
    image = f'<img class="img" src="{e(row["image_url"])}" alt="">' if row.get("image_url") else ""
    options = f'<p class="options">{e(_w("options"))}: {e(row["option_text"])}</p>' if row.get("option_text") else ""
    note = ""
    if status == Status.REVOKED:
        note = f'<div class="note">{e(_w("revoked_note", date=_date(row.get("revoked_at"), tz)))}</div>'
    dl = "".join(f"<dt>{e(k)}</dt><dd>{e(v)}</dd>" for k, v in rows)
    body = (f'<div class="card"><div class="head"><div class="brand">{e(brand)}</div>'
            f'<h1>{e(_w("title"))}</h1><span class="status {status}">{e(label)}</span></div>{image}'
            f'<div class="body"><p class="product">{e(row.get("product_name") or "-")}</p>{options}'
            f'<dl>{dl}</dl></div>{note}'
            f'<div class="foot">{e(_w("footer", brand=brand))}</div></div>')
    return _document(f"{brand} {_w('title')}", body)


def _brand(row: Mapping[str, Any]) -> str | None:
    try:
        return json.loads(row.get("warranty_settings") or "{}").get("brand") or None
    except ValueError:
        return None


def render_unknown() -> str:
    body = (f'<div class="card"><div class="head"><h1>{html.escape(_w("unknown_title"))}</h1>'
            f'<span class="status unknown">{html.escape(_w("unknown_title"))}</span></div>'
            f'<div class="body"><p>{html.escape(_w("unknown"))}</p></div></div>')
    return _document(_w("unknown_title"), body)


__all__ = ["PREVIEW_CODE", "Status", "render", "render_unknown", "status_of"]


# ---- the route ------------------------------------------------------------------------------------

CODE_PATTERN = re.compile(r"[A-Za-z0-9_-]{10,64}")
_HEADERS = {"Cache-Control": "no-store", "X-Robots-Tag": "noindex", "Referrer-Policy": "no-referrer"}


def _answer(status: int, page: str) -> Response:
    return Response(page, status, dict(_HEADERS), "text/html; charset=utf-8")


def _certificate(store: Store, code: str) -> Response:
    if not CODE_PATTERN.fullmatch(code):
        return _answer(404, render_unknown())
    row = warranty.find(store, code)
    if row is None:
        return _answer(404, render_unknown())
    return _answer(200, render(row, now=clock.now()))


async def certificate_page(request: Request) -> Response:
    store: Store = request.app.state.store
    return await run_in_threadpool(_certificate, store, request.path_params["code"])


ROUTES: list[BaseRoute] = [Route("/w/{code:path}", certificate_page, methods=["GET"])]

__all__ = ["CODE_PATTERN", "ROUTES", "certificate_page"]
