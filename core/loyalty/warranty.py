"""Warranties: one per matching order item, issued when due, kept in the issuance history (보증서 발급 내역).

An item is delivered at its own `delivered_at`, or its order's. It matches when it is in scope (all
products, or a product in a chosen category or any category below it, at any of the four depths) and
is neither cancelled nor returned. From the moment warranties were switched on (`active_from`):

- timing `delivery_complete`: issued at delivery + `delay_days` (0 = at once) by the scheduler;
- timing `manual`: a `pending` row (신청대기) appears at delivery and is issued by hand.

`(shop_id, item_key)` is the key of `warranties`, so an item gets one warranty whatever runs twice.
What the certificate shows (name, image, options, details, masked holder, period) is computed set-based
for the whole batch and frozen on the row when it is issued: a certificate is a document, and later
settings do not rewrite it. Codes are `secrets.token_urlsafe(16)` (128 random bits).
"""
from __future__ import annotations

import datetime as dt
import enum
import json
import secrets as token_source
from typing import Any

import duckdb
import polars as pl

from core.errors import Kind
from core.loyalty import notify
from core.loyalty.product_names import display_name
from core.loyalty.settings import Enabled, SettingsError, WarrantySettings, lower_bound
from core.loyalty.settings import read as read_settings
from core.shops.registry import shop_timezone
from core.store import Store


class WarrantyStatus(enum.StrEnum):
    """A warranty's status (신청대기 / 발급 / 취소). Equal to the strings stored in `warranties`."""

    PENDING = "pending"
    ISSUED = "issued"
    REVOKED = "revoked"


STATUSES = tuple(WarrantyStatus)
CODE_BYTES = 16

# Items that can have become due since a shop's last run (`issued_until`, less the slack, as `$lo`): their
# moment plus the shop's delay came since then (`$lo_due` is `$lo` less the longest delay), or a sync wrote
# the item or its order since then. Each branch compares one stored column with constants, so DuckDB's
# row-group min/max statistics skip the older rows; the exact rule is applied to these only.
_ITEMS_SQL = """
    WITH RECURSIVE chosen(shop_id, category_key) AS (
        SELECT shop_id, unnest(cats) FROM _warranty_shops WHERE NOT all_products
        UNION
        SELECT c.shop_id, c.category_key FROM categories c
        JOIN chosen ch ON c.shop_id = ch.shop_id AND c.parent_key = ch.category_key),
    chosen_lists AS (SELECT shop_id, list(category_key) AS cats FROM chosen GROUP BY shop_id),
    scoped AS (
        SELECT p.shop_id, p.product_key FROM products p JOIN chosen_lists cl ON cl.shop_id = p.shop_id
        WHERE list_has_any(p.category_keys, cl.cats)),
    touched_orders AS MATERIALIZED (
        SELECT shop_id, order_key FROM orders WHERE delivered_at > $lo_due AND delivered_at <= $now
        UNION SELECT shop_id, order_key FROM orders WHERE synced_at > $lo),
    touched AS MATERIALIZED (  -- few rows: judged below, after they are found (not the other way round)
        SELECT shop_id, item_key, order_key, product_key, product_name, option_text, status, delivered_at
        FROM order_items WHERE delivered_at > $lo_due AND delivered_at <= $now
        UNION SELECT shop_id, item_key, order_key, product_key, product_name, option_text, status, delivered_at
        FROM order_items WHERE synced_at > $lo
        UNION SELECT oi.shop_id, oi.item_key, oi.order_key, oi.product_key, oi.product_name, oi.option_text,
                     oi.status, oi.delivered_at
        FROM order_items oi SEMI JOIN touched_orders t ON t.shop_id = oi.shop_id AND t.order_key = oi.order_key),
    dated AS MATERIALIZED (
        SELECT oi.shop_id, oi.item_key, oi.order_key, o.member_key, oi.product_key, oi.product_name AS item_name,
               oi.option_text, o.ordered_at, coalesce(oi.delivered_at, o.delivered_at) AS delivered_at
        FROM touched oi JOIN orders o ON o.shop_id = oi.shop_id AND o.order_key = oi.order_key
        WHERE oi.status NOT IN ('cancelled', 'returned') AND o.status NOT IN ('cancelled', 'returned'))
    SELECT d.* FROM dated d JOIN _warranty_shops s ON s.shop_id = d.shop_id
    WHERE d.delivered_at >= s.since AND d.delivered_at <= s.until
      AND NOT EXISTS (SELECT 1 FROM warranties w WHERE w.shop_id = d.shop_id AND w.item_key = d.item_key)
      AND (s.all_products OR EXISTS (SELECT 1 FROM scoped sc WHERE sc.shop_id = d.shop_id
                                     AND sc.product_key = d.product_key))
"""

# One shop's products in scope, for the preview: in a chosen category or any category below it ($cats, $shop).
# The same category rule as _ITEMS_SQL's `chosen`/`scoped`, which issue for every shop at once.
_SCOPE_SQL = """
    WITH RECURSIVE chosen(category_key) AS (
        SELECT unnest($cats::VARCHAR[])
        UNION
        SELECT c.category_key FROM categories c JOIN chosen ch ON c.parent_key = ch.category_key
        WHERE c.shop_id = $shop),
    scoped AS (
        SELECT p.product_key FROM products p
        WHERE p.shop_id = $shop AND list_has_any(p.category_keys, (SELECT list(category_key) FROM chosen)))
"""

_SHOPS_SCHEMA: dict[str, pl.DataType | type[pl.DataType]] = {
    "shop_id": pl.Utf8, "since": pl.Datetime("us", "UTC"), "until": pl.Datetime("us", "UTC"),
    "all_products": pl.Boolean, "cats": pl.List(pl.Utf8)}

_ITEM_SCHEMA: dict[str, pl.DataType | type[pl.DataType]] = {
    "item_key": pl.Utf8, "order_key": pl.Utf8, "member_key": pl.Utf8, "product_key": pl.Utf8, "item_name": pl.Utf8,
    "option_text": pl.Utf8, "ordered_at": pl.Datetime("us", "UTC"), "delivered_at": pl.Datetime("us", "UTC")}


def mask_name(name: str | None) -> str | None:
    """홍길동 → 홍*동, 김철 → 김*, 남궁민수 → 남**수: enough to recognise, not enough to identify."""
    if not name or not name.strip():
        return None
    name = name.strip()
    if len(name) == 1:
        return "*"
    if len(name) == 2:
        return name[0] + "*"
    return name[0] + "*" * (len(name) - 2) + name[-1]


def _shop(con: duckdb.DuckDBPyConnection, shop_id: str) -> tuple[str, str]:
    rows = con.execute("SELECT name FROM shops WHERE shop_id = ?", [shop_id]).fetchall()
    if not rows:
        raise SettingsError("shop_id", "no_shop", f"no shop '{shop_id}'", kind=Kind.NOT_FOUND, shop_id=shop_id)
    return rows[0][0], shop_timezone(con, shop_id)


def _delay(ws: WarrantySettings) -> dt.timedelta:
    return dt.timedelta(days=ws.delay_days if ws.timing == "delivery_complete" else 0)


def due_items(con: duckdb.DuckDBPyConnection, shop_id: str, ws: WarrantySettings, now: dt.datetime) -> pl.DataFrame:
    """Delivered, in-scope items without a warranty row whose moment has come (for manual: delivery)."""
    return due_items_all(con, [Enabled(shop_id, ws, None)], now).drop("shop_id")


def due_items_all(con: duckdb.DuckDBPyConnection, shops: list[Enabled], now: dt.datetime) -> pl.DataFrame:
    """`due_items` of every shop of `shops` in one pass (with `shop_id`), reading only what can have become
    due since each shop's last run."""
    rows, lo, lo_due = [], now, now
    for e in shops:
        ws = e.settings
        assert isinstance(ws, WarrantySettings)
        since = ws.active_from or now
        start = lower_bound(e.issued_until, since)
        rows.append({"shop_id": e.shop_id, "since": since, "until": now - _delay(ws),
                     "all_products": ws.scope == "all", "cats": ws.category_keys})
        lo, lo_due = min(lo, start), min(lo_due, start - _delay(ws))
    schema = {"shop_id": pl.Utf8} | _ITEM_SCHEMA
    if not rows:
        return pl.DataFrame(schema=schema)
    con.register("_warranty_shops", pl.DataFrame(rows, schema=_SHOPS_SCHEMA).to_arrow())
    try:
        frame = con.sql(_ITEMS_SQL, params={"lo": lo, "lo_due": lo_due, "now": now}).pl()
    finally:
        con.unregister("_warranty_shops")
    return frame.cast(schema) if frame.height else pl.DataFrame(schema=schema)


def _details(detail_json: str | None, ws: WarrantySettings) -> str:
    detail = json.loads(detail_json) if detail_json else {}
    if not isinstance(detail, dict):
        detail = {}
    rows: list[list[str]] = []
    chosen = set()
    for field in ws.detail_fields:
        chosen.add(field["key"])
        value = detail.get(field["key"])
        if value not in (None, ""):
            rows.append([field["label"], str(value)])
    if ws.show_custom_items:
        rows += [[str(k), str(v)] for k, v in detail.items() if k not in chosen and v not in (None, "")]
    rows += [[f["label"], str(f.get("value") or "")] for f in ws.extra_fields]
    return json.dumps(rows, ensure_ascii=False)


def snapshot(con: duckdb.DuckDBPyConnection, shop_id: str, ws: WarrantySettings, items: pl.DataFrame) -> pl.DataFrame:
    """`items` with what the certificate shows: product_name, image_url, option_text, details, holder_name,
    valid_until. Names and details are worked out once per distinct product, not per item."""
    if items.is_empty():
        return items.with_columns(pl.lit(None, pl.Utf8).alias(c) for c in
                                  ("product_name", "image_url", "details", "holder_name")).with_columns(
            pl.lit(None, pl.Date).alias("valid_until"))
    _, tz = _shop(con, shop_id)
    con.register("_keys", items.select("product_key", "member_key").to_arrow())
    try:
        products = con.sql("""SELECT product_key, name, name_en, supplier_name, model_name, image_url,
                                     detail::VARCHAR AS detail FROM products
                              WHERE shop_id = $shop AND product_key IN (SELECT product_key FROM _keys)""",
                           params={"shop": shop_id}).pl()
        members = con.sql("""SELECT member_key, name AS member_name FROM members
                             WHERE shop_id = $shop AND member_key IN (SELECT member_key FROM _keys)""",
                          params={"shop": shop_id}).pl()
    finally:
        con.unregister("_keys")
    frame = items.join(products, on="product_key", how="left") if products.height else items.with_columns(
        *(pl.lit(None, pl.Utf8).alias(c) for c in ("name", "name_en", "supplier_name", "model_name", "image_url",
                                                   "detail")))
    frame = frame.join(members, on="member_key", how="left") if members.height else frame.with_columns(
        pl.lit(None, pl.Utf8).alias("member_name"))

    name_cols = ["name", "name_en", "supplier_name", "model_name", "item_name"]
    names = frame.select(name_cols).unique()
    names = names.with_columns(pl.struct(name_cols).map_elements(
        lambda r: display_name(ws.name_source, r, ws.strip_phrases, r["item_name"]),
        return_dtype=pl.Utf8).alias("product_name"))
    details = frame.select("detail").unique().with_columns(
        pl.col("detail").map_elements(lambda d: _details(d, ws), return_dtype=pl.Utf8, skip_nulls=False)
        .alias("details"))
    holders = frame.select("member_name").unique().with_columns(
        pl.col("member_name").map_elements(mask_name, return_dtype=pl.Utf8).alias("holder_name"))
    frame = (frame.join(names, on=name_cols, how="left", nulls_equal=True)
             .join(details, on="detail", how="left", nulls_equal=True)
             .join(holders, on="member_name", how="left", nulls_equal=True))
    local_day = pl.col("delivered_at").dt.convert_time_zone(tz).dt.date()
    return frame.with_columns(
        pl.col("image_url") if ws.show_image else pl.lit(None, pl.Utf8).alias("image_url"),
        pl.col("option_text") if ws.show_options else pl.lit(None, pl.Utf8).alias("option_text"),
        local_day.dt.offset_by(f"{ws.period_months}mo").dt.offset_by("-1d").alias("valid_until"),
    ).select(*_ITEM_SCHEMA, "product_name", "image_url", "details", "holder_name", "valid_until")


def _with_codes(frame: pl.DataFrame) -> pl.DataFrame:
    return frame.with_columns(pl.Series("code", [token_source.token_urlsafe(CODE_BYTES) for _ in range(frame.height)],
                                        dtype=pl.Utf8))


def issue_due(con: duckdb.DuckDBPyConnection, shop_id: str, now: dt.datetime) -> dict[str, int]:
    """The scheduler's pass for one shop (looking at everything since warranties were switched on)."""
    ws = read_settings(con, shop_id, "warranty")
    if not ws.enabled:
        return {"issued": 0, "pending": 0}
    return issue_due_all(con, [Enabled(shop_id, ws, None)], now)


def issue_due_all(con: duckdb.DuckDBPyConnection, shops: list[Enabled], now: dt.datetime) -> dict[str, int]:
    """The scheduler's pass for every shop of `shops`: issue what is due, or file it as pending in manual
    mode; the caller records the run (`settings.mark_issued`) in the same unit."""
    totals = {"issued": 0, "pending": 0}
    due = due_items_all(con, shops, now)
    if due.is_empty():
        return totals
    settings = {e.shop_id: e.settings for e in shops}
    for (shop_id,), items in due.group_by(["shop_id"], maintain_order=True):
        ws = settings[str(shop_id)]
        assert isinstance(ws, WarrantySettings)
        for key, value in _issue_items(con, str(shop_id), ws, items.drop("shop_id"), now).items():
            totals[key] += value
    return totals


def _issue_items(con: duckdb.DuckDBPyConnection, shop_id: str, ws: WarrantySettings, items: pl.DataFrame,
                 now: dt.datetime) -> dict[str, int]:
    if ws.timing == "manual":
        # The conflict target is named: DuckDB 2.0's bare ON CONFLICT DO NOTHING counts the NULL codes of
        # pending rows as clashing on UNIQUE (code) and keeps one row of the batch.
        con.register("_pending", items.to_arrow())
        try:
            con.execute("""INSERT INTO warranties (shop_id, item_key, order_key, member_key, product_key, status,
                                                   ordered_at, delivered_at, option_text, created_at, updated_at)
                           SELECT $shop, item_key, order_key, member_key, product_key, 'pending', ordered_at,
                                  delivered_at, option_text, $now, $now FROM _pending
                           ON CONFLICT (shop_id, item_key) DO NOTHING""", {"shop": shop_id, "now": now})
        finally:
            con.unregister("_pending")
        return {"issued": 0, "pending": items.height}
    issued = _with_codes(snapshot(con, shop_id, ws, items))
    _insert_issued(con, shop_id, issued, now, "scheduler")
    notify.plan_warranty_notices(con, shop_id, issued, now)
    return {"issued": issued.height, "pending": 0}


def _insert_issued(con: duckdb.DuckDBPyConnection, shop_id: str, frame: pl.DataFrame, now: dt.datetime,
                   by: str) -> None:
    con.register("_issued", frame.to_arrow())
    try:
        con.execute("""
            INSERT INTO warranties (shop_id, item_key, order_key, member_key, product_key, status, code, ordered_at,
                                    delivered_at, issued_at, issued_by, valid_until, product_name, image_url,
                                    option_text, details, holder_name, created_at, updated_at)
            SELECT $shop, item_key, order_key, member_key, product_key, 'issued', code, ordered_at, delivered_at,
                   $now, $by, valid_until, product_name, image_url, option_text, details::JSON, holder_name,
                   $now, $now
            FROM _issued ON CONFLICT (shop_id, item_key) DO NOTHING""", {"shop": shop_id, "now": now, "by": by})
    finally:
        con.unregister("_issued")


def issue_pending(store: Store, shop_id: str, item_keys: list[str], by: str = "console", *,
                  now: dt.datetime) -> int:
    """Issue pending (신청대기) items by hand, with the settings of now; returns how many were issued."""
    if not item_keys:
        return 0
    with store.unit() as con:
        ws = read_settings(con, shop_id, "warranty")
        items = con.sql("""SELECT item_key, order_key, w.member_key, w.product_key, oi.product_name AS item_name,
                                  coalesce(oi.option_text, w.option_text) AS option_text, w.ordered_at, w.delivered_at
                           FROM warranties w LEFT JOIN order_items oi USING (shop_id, item_key, order_key)
                           WHERE w.shop_id = $shop AND w.status = 'pending'
                             AND w.item_key IN (SELECT unnest($keys::VARCHAR[]))""",
                        params={"shop": shop_id, "keys": list(item_keys)}).pl()
        if items.is_empty():
            return 0
        issued = _with_codes(snapshot(con, shop_id, ws, items.cast(_ITEM_SCHEMA)))
        con.register("_issued", issued.to_arrow())
        try:
            con.execute("""
                UPDATE warranties SET status = 'issued', code = i.code, issued_at = $now, issued_by = $by,
                    valid_until = i.valid_until, product_name = i.product_name, image_url = i.image_url,
                    option_text = i.option_text, details = i.details::JSON, holder_name = i.holder_name,
                    updated_at = $now
                FROM _issued i WHERE warranties.shop_id = $shop AND warranties.item_key = i.item_key
                    AND warranties.status = 'pending'""", {"shop": shop_id, "now": now, "by": by})
        finally:
            con.unregister("_issued")
        notify.plan_warranty_notices(con, shop_id, issued, now)
    return issued.height


def revoke(store: Store, shop_id: str, item_keys: list[str], reason: str, by: str = "console", *,
           now: dt.datetime) -> int:
    """Revoke issued warranties with a reason the certificate page then states as revoked."""
    reason = (reason or "").strip()
    if not reason:
        raise SettingsError("reason", "reason_needed", "a revocation needs a reason")
    with store.unit() as con:
        return len(con.execute("""
            UPDATE warranties SET status = 'revoked', revoked_at = ?, revoked_reason = ?, revoked_by = ?, updated_at = ?
            WHERE shop_id = ? AND status = 'issued' AND item_key IN (SELECT unnest(?::VARCHAR[]))
            RETURNING item_key""", [now, reason[:300], by, now, shop_id, list(item_keys)]).fetchall())


def history(store: Store, shop_id: str, *, status: str | None = None, since: dt.datetime | None = None,
            until: dt.datetime | None = None, product: str | None = None, member: str | None = None,
            limit: int = 1000) -> pl.DataFrame:
    """The issuance history, newest delivery first: by status, delivery date range, product, member."""
    if status is not None and status not in STATUSES:
        raise SettingsError("status", "not_one_of", f"status '{status}' is not one of {', '.join(STATUSES)}",
                            value=status, allowed=", ".join(STATUSES))
    with store.unit() as con:
        return con.sql("""
            SELECT w.item_key, w.order_key, w.member_key, m.name AS member_name, w.product_key,
                   coalesce(w.product_name, oi.product_name) AS product_name, w.option_text, w.status, w.code,
                   w.ordered_at, w.delivered_at, w.issued_at, w.issued_by, w.valid_until, w.revoked_at,
                   w.revoked_reason
            FROM warranties w
            LEFT JOIN order_items oi USING (shop_id, item_key)
            LEFT JOIN members m ON m.shop_id = w.shop_id AND m.member_key = w.member_key
            WHERE w.shop_id = $shop AND ($status IS NULL OR w.status = $status)
              AND ($since IS NULL OR w.delivered_at >= $since) AND ($until IS NULL OR w.delivered_at < $until)
              AND ($product IS NULL OR w.product_key = $product
                   OR coalesce(w.product_name, oi.product_name) ILIKE '%' || $product || '%')
              AND ($member IS NULL OR w.member_key = $member OR m.name ILIKE '%' || $member || '%')
            ORDER BY w.delivered_at DESC, w.item_key LIMIT $limit""",
                       params={"shop": shop_id, "status": status, "since": since, "until": until,
                               "product": product or None, "member": member or None, "limit": limit}).pl()


def counts(store: Store, shop_id: str) -> dict[str, int]:
    with store.unit() as con:
        rows = con.execute("SELECT status, count(*) FROM warranties WHERE shop_id = ? GROUP BY status",
                           [shop_id]).fetchall()
    return {str(s): 0 for s in STATUSES} | dict(rows)


def find(store: Store, code: str) -> dict[str, Any] | None:
    """A certificate by its code, with its shop's name; None for a code that was never issued."""
    with store.unit() as con:
        frame = con.sql("""SELECT w.*, w.details::VARCHAR AS details_text, s.name AS shop_name,
                                  s.timezone AS shop_tz, ls.settings::VARCHAR AS warranty_settings
                           FROM warranties w JOIN shops s USING (shop_id)
                           LEFT JOIN loyalty_settings ls ON ls.shop_id = w.shop_id AND ls.kind = 'warranty'
                           WHERE w.code = $code""", params={"code": code}).pl()
    return frame.to_dicts()[0] if frame.height else None


def preview(store: Store, shop_id: str, ws: WarrantySettings, item_key: str | None = None, *,
            now: dt.datetime) -> dict[str, Any] | None:
    """What a certificate would show with `ws` (saved or not) for the latest delivered item `ws` covers."""
    with store.unit() as con:
        # The same scope as issuance (_SCOPE_SQL): a preview of a product the settings would never cover
        # would show the user a certificate nobody gets.
        items = con.sql(_SCOPE_SQL + """
            SELECT oi.item_key, oi.order_key, o.member_key, oi.product_key, oi.product_name AS item_name,
                   oi.option_text, o.ordered_at, coalesce(oi.delivered_at, o.delivered_at) AS delivered_at
            FROM order_items oi JOIN orders o ON o.shop_id = oi.shop_id AND o.order_key = oi.order_key
            WHERE oi.shop_id = $shop AND ($item IS NULL OR oi.item_key = $item)
              AND coalesce(oi.delivered_at, o.delivered_at) IS NOT NULL
              AND ($all OR oi.product_key IN (SELECT product_key FROM scoped))
            ORDER BY coalesce(oi.delivered_at, o.delivered_at) DESC, oi.item_key LIMIT 1""",
                        params={"shop": shop_id, "item": item_key, "cats": ws.category_keys,
                                "all": ws.scope == "all"}).pl()
        if items.is_empty():
            return None
        frame = snapshot(con, shop_id, ws, items.cast(_ITEM_SCHEMA))
        shop_name, tz = _shop(con, shop_id)
    row = frame.to_dicts()[0]
    return row | {"code": "PREVIEW", "status": WarrantyStatus.ISSUED, "shop_name": shop_name, "shop_tz": tz,
                  "details_text": row["details"], "issued_at": now, "brand": ws.brand or shop_name}
