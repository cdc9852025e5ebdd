"""The block editor as functions any page can call: the Templates page draws it today, and the automation
wizard's content step can draw the same editor from the same functions.

The editor holds a list of blocks (plain dicts, each with an `id` the page keys its widgets by); these
functions add, change, move and remove blocks, word the model's errors, compile the document and build the
preview data from the shop's own store (its real name and its products' real images), never the sample shop.
"""
from __future__ import annotations

import dataclasses
import re
import uuid
from decimal import Decimal
from typing import Any

from core.console.common import StoreLike, first, open_store
from core.i18n import t
from core.messaging import blocks as model
from core.messaging import templates as tpl

_MERGE_FIELD = re.compile(r"\{\{\s*([a-z_][a-z0-9_.]*)[^}]*\}\}")

KINDS = model.KINDS
TEXT_STYLES = model.TEXT_STYLES
FIELDS = model.FIELDS
BlockError = model.BlockError

__all__ = ["KINDS", "TEXT_STYLES", "FIELDS", "BlockError", "BlockProblem", "kind_label", "field_label",
           "new_block", "move", "remove", "update", "summary", "problem_of", "compiled", "sources",
           "show_if_choices", "store_products", "chosen_product", "shop_sample_context", "starter", "document"]


def kind_label(kind: str) -> str:
    return t(f"blocks.kind.{kind}")


def field_label(field: str) -> str:
    return t(f"blocks.field.{field}")


def source_label(source: str) -> str:
    return t(f"blocks.source.{source}")


def style_label(style: str) -> str:
    return t(f"blocks.style.{style}")


def new_block(kind: str) -> dict[str, Any]:
    """A block of this kind with its defaults and an id for the page's widgets."""
    return {**model.new_block(kind), "id": uuid.uuid4().hex[:8]}


def with_ids(blocks: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Blocks as the editor holds them: each with an id (a stored or starter document has none)."""
    return [{**b, "id": b.get("id") or uuid.uuid4().hex[:8]} for b in blocks]


def move(blocks: list[dict[str, Any]], index: int, delta: int) -> list[dict[str, Any]]:
    """The list with the block at `index` moved up (-1) or down (+1); at an end it stays."""
    target = index + delta
    if not (0 <= index < len(blocks) and 0 <= target < len(blocks)):
        return list(blocks)
    out = list(blocks)
    out[index], out[target] = out[target], out[index]
    return out


def remove(blocks: list[dict[str, Any]], index: int) -> list[dict[str, Any]]:
    return [b for i, b in enumerate(blocks) if i != index]


def update(blocks: list[dict[str, Any]], index: int, values: dict[str, Any]) -> list[dict[str, Any]]:
    """The list with the form's values written into the block at `index` (its kind and id kept)."""
    out = list(blocks)
    block = out[index]
    allowed = set(FIELDS[block["type"]]) | {"show_if"}
    out[index] = {**block, **{k: v for k, v in values.items() if k in allowed}}
    return out


def summary(block: dict[str, Any], index: int) -> str:
    """The block's title line in the editor: its number, kind and the start of what it says."""
    said = next((str(block.get(f)) for f in ("text", "label", "code", "title", "alt", "src") if block.get(f)), "")
    said = " ".join(_MERGE_FIELD.sub(lambda m: f"‹{m.group(1)}›", said).split())  # {{ member.name|… }} → ‹member.name›
    said = said if len(said) <= 40 else said[:39] + "…"
    return f"{index + 1}. {kind_label(block['type'])}" + (f" · {said}" if said else "")


def document(blocks: list[dict[str, Any]]) -> dict[str, Any]:
    """The editor's blocks as the document to save (without the editor's widget ids)."""
    return {"version": model.VERSION, "blocks": [{k: v for k, v in b.items() if k != "id"} for b in blocks]}


@dataclasses.dataclass(frozen=True)
class BlockProblem:
    index: int | None    # 1-based; None: the document as a whole
    field: str | None
    message: str


def word(exc: model.BlockError) -> BlockProblem:
    """A block error in the reader's words, naming the block and the field of its form."""
    params = {k: v for k, v in exc.params.items() if k not in ("index", "type", "field")}
    what = exc.key.removeprefix("blocks.error.")
    message = t(f"blocks.error.{what}", **params)
    if exc.index:
        kind = str(exc.params.get("type") or "")
        where = t("blocks.at", index=exc.index, kind=kind_label(kind) if kind in KINDS else kind,
                  field=field_label(exc.field) if exc.field else "")
        message = f"{where}: {message}"
    return BlockProblem(exc.index, exc.field, message)


def problem_of(blocks: list[dict[str, Any]], trigger: str) -> BlockProblem | None:
    try:
        model.check(document(blocks), trigger)
    except model.BlockError as exc:
        return word(exc)
    return None


def compiled(blocks: list[dict[str, Any]], trigger: str) -> tuple[str | None, BlockProblem | None]:
    """The HTML the blocks compile to, or what is wrong with them."""
    try:
        return model.compile_html(document(blocks), trigger), None
    except model.BlockError as exc:
        return None, word(exc)


def sources(trigger: str) -> list[str]:
    """The product lists this trigger's messages can show (chosen products always)."""
    fields = {name for name, _k, _p in tpl.merge_fields(trigger)}
    return [s for s in model.PRODUCT_SOURCES if s == "chosen" or model._SOURCE_FIELD[s] in fields]


def show_if_choices(trigger: str) -> list[str]:
    """'' (always) and each merge field a block may depend on."""
    return [""] + [name for name, _k, _p in tpl.merge_fields(trigger) if name != "unsubscribe_url"]


def store_products(store: StoreLike, shop_id: str, limit: int = 300) -> list[dict[str, Any]]:
    """The shop's products to choose from, those with an image first."""
    with open_store(store).unit() as con:
        rows = con.execute("""SELECT product_key, name, price, image_url FROM products WHERE shop_id = ?
                              ORDER BY (coalesce(image_url, '') = ''), name, product_key LIMIT ?""",
                           [shop_id, limit]).fetchall()
    return [{"product_key": k, "name": n, "price": str(p if p is not None else Decimal(0)), "image_url": i or ""}
            for k, n, p, i in rows]


def chosen_product(product: dict[str, Any]) -> dict[str, Any]:
    """A store product as a product list keeps it (name, price, image)."""
    return {k: product[k] for k in ("product_key", "name", "price", "image_url") if product.get(k)}


def shop_sample_context(store: StoreLike, shop_id: str, trigger: str) -> dict[str, Any]:
    """The sample member's data in this shop: the shop's real name (and no web address, as dispatch sends
    it) and the items of the sample order or cart replaced by the shop's own products, images included."""
    context = tpl.sample_context(trigger)
    with open_store(store).unit() as con:
        row = first(con.execute("SELECT name FROM shops WHERE shop_id = ?", [shop_id]).fetchall())
    context["shop"] = {"name": row[0] if row else shop_id}
    products = [p for p in store_products(store, shop_id, limit=3) if p["image_url"]][:2]
    if products:
        def real(items: list[dict[str, Any]]) -> list[dict[str, Any]]:
            out = []
            for item, product in zip(items, products, strict=False):
                out.append({**item, "name": product["name"], "image_url": product["image_url"],
                            "price": float(product["price"]), "option_text": ""})
            return out
        for holder in ("order", "cart"):
            if holder in context:
                items = real(context[holder]["items"])
                context[holder] = {**context[holder], "items": items,
                                   "total": sum(i["price"] * i["quantity"] for i in items)}
        if "products" in context and "order" in context:
            context["products"] = context["order"]["items"]
    return context


def starter(trigger: str) -> dict[str, Any]:
    """The trigger's starter template as blocks (and the HTML they compile to)."""
    out = model.starter(trigger)
    out["blocks"] = with_ids(out["blocks"]["blocks"])
    return out


def stored_blocks(value: Any) -> list[dict[str, Any]] | None:
    """A saved template's blocks for the editor, or None for a template written in raw HTML."""
    try:
        doc = model.loads(value)
    except model.BlockError:
        return None
    return with_ids(doc["blocks"]) if doc else None
