"""The warranty certificate page at PUBLIC_BASE_URL/w/<code>, served by the public endpoints.

GET /w/<code>: the brand, the product as it was issued (name, image, options, detail fields), purchase
and delivery dates, the warranty period, the holder (masked, 홍*동) and a status anyone can read at a
glance: valid, expired, revoked (with the date), or — for a code that was never issued — "cannot be
verified" with 404. The page is one self-contained HTML document sized for a phone; what customers read
is Korean (the audience), so its words live here, not in the console's dictionaries.
The same renderer draws the console's live preview.
"""
from __future__ import annotations

import datetime as dt
import html
import json
import re
from typing import Any
from zoneinfo import ZoneInfo

from core import clock
from core.public.app import Response, route
from core.store import Store

CODE_PATTERN = re.compile(r"[A-Za-z0-9_-]{10,64}")

COPY = {
    "title": "정품 보증서",
    "valid": "유효한 보증서",
    "expired": "보증기간이 끝난 보증서",
    "revoked": "취소된 보증서",
    "revoked_note": "{date}에 발급이 취소되었습니다. 이 보증서로는 보증을 받을 수 없습니다.",
    "preview": "미리보기",
    "product": "상품",
    "options": "옵션",
    "ordered": "구매일",
    "delivered": "배송완료일",
    "period": "보증기간",
    "holder": "보증 대상",
    "code": "보증서 번호",
    "issued": "발급일",
    "unknown_title": "확인할 수 없는 보증서",
    "unknown": "이 주소로 발급된 보증서가 없습니다. 받으신 알림톡의 링크를 그대로 열어 주세요. "
               "주소가 맞다면 구매하신 쇼핑몰에 문의해 주세요.",
    "footer": "{brand}이(가) 발급한 디지털 보증서입니다.",
}

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
.note{margin:14px 22px 0;padding:12px 14px;border-radius:12px;background:#fef2f2;color:#991b1b;font-size:14px;line-height:1.5}
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


def status_of(row: dict[str, Any], today: dt.date) -> str:
    if row.get("code") == "PREVIEW":
        return "preview"
    if row.get("status") == "revoked":
        return "revoked"
    until = row.get("valid_until")
    return "expired" if isinstance(until, dt.date) and until < today else "valid"


def _document(title: str, body: str) -> str:
    return (f'<!DOCTYPE html><html lang="ko"><head><meta charset="utf-8">'
            f'<meta name="viewport" content="width=device-width, initial-scale=1">'
            f'<meta name="robots" content="noindex"><title>{html.escape(title)}</title>'
            f'<style>{_STYLE}</style></head><body><main>{body}</main></body></html>')


def render(row: dict[str, Any], today: dt.date | None = None) -> str:
    """The certificate as a complete HTML page (row: a `warranties` row with shop_name, shop_tz, brand)."""
    tz = row.get("shop_tz") or clock.DEFAULT_TZ
    today = today or clock.local(clock.now(), tz).date()
    status = status_of(row, today)
    brand = row.get("brand") or _brand(row) or row.get("shop_name") or ""
    e = html.escape
    details = json.loads(row.get("details_text") or "[]") if isinstance(row.get("details_text"), str) else []
    start = _date(row.get("delivered_at"), tz)
    rows = [(COPY["ordered"], _date(row.get("ordered_at"), tz)), (COPY["delivered"], start),
            (COPY["period"], f"{start} ~ {_date(row.get('valid_until'), tz)}"),
            (COPY["holder"], row.get("holder_name") or "-"),
            *[(str(label), str(value)) for label, value in details],
            (COPY["issued"], _date(row.get("issued_at"), tz)),
            (COPY["code"], row.get("code") or "-")]
    label = COPY["preview"] if status == "preview" else COPY[status]
    image = f'<img class="img" src="{e(row["image_url"])}" alt="">' if row.get("image_url") else ""
    options = f'<p class="options">{e(COPY["options"])}: {e(row["option_text"])}</p>' if row.get("option_text") else ""
    note = ""
    if status == "revoked":
        note = f'<div class="note">{e(COPY["revoked_note"].format(date=_date(row.get("revoked_at"), tz)))}</div>'
    dl = "".join(f"<dt>{e(k)}</dt><dd>{e(v)}</dd>" for k, v in rows)
    body = (f'<div class="card"><div class="head"><div class="brand">{e(brand)}</div>'
            f'<h1>{e(COPY["title"])}</h1><span class="status {status}">{e(label)}</span></div>{image}'
            f'<div class="body"><p class="product">{e(row.get("product_name") or "-")}</p>{options}'
            f'<dl>{dl}</dl></div>{note}'
            f'<div class="foot">{e(COPY["footer"].format(brand=brand))}</div></div>')
    return _document(f"{brand} {COPY['title']}", body)


def _brand(row: dict[str, Any]) -> str | None:
    try:
        return json.loads(row.get("warranty_settings") or "{}").get("brand") or None
    except ValueError:
        return None


def render_unknown() -> str:
    body = (f'<div class="card"><div class="head"><h1>{html.escape(COPY["unknown_title"])}</h1>'
            f'<span class="status unknown">{html.escape(COPY["unknown_title"])}</span></div>'
            f'<div class="body"><p>{html.escape(COPY["unknown"])}</p></div></div>')
    return _document(COPY["unknown_title"], body)


def _html(status: int, text: str) -> Response:
    return Response(status, text.encode("utf-8"), "text/html; charset=utf-8",
                    {"Cache-Control": "no-store", "X-Robots-Tag": "noindex", "Referrer-Policy": "no-referrer"})


@route("GET", r"/w/(?P<code>[^/]+)")
def certificate_page(store: Store, request) -> Response:
    from core.loyalty.warranty import find
    code = request.params["code"]
    if not CODE_PATTERN.fullmatch(code):
        return _html(404, render_unknown())
    row = find(store, code)
    if row is None:
        return _html(404, render_unknown())
    return _html(200, render(row))


__all__ = ["render", "render_unknown", "status_of", "certificate_page"]
