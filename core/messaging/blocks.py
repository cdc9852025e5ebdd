"""Block documents: an e-mail built from blocks (heading, text, image, button, product list, coupon,
divider, spacer), as Stibee's editor builds one, compiled to a responsive e-mail template.

A document is plain, JSON-serialisable data: `{"version": 1, "blocks": [{"type": "heading", ...}, ...]}`.
`check` validates it for a trigger and returns it normalised; a fault is a `BlockError` keyed
`blocks.error.<what>` naming the block (1-based `index`), its `type` and the form `field` at fault.

Compiling: the blocks become MJML, which `mjml-python` (MRML, the Rust port of MJML) turns into the
table-based, mobile-first HTML mail clients need (Outlook's conditional tables, fluid images, one column
that fits a phone). The result is a Jinja template, rendered like any other template by
`core.messaging.templates` in its sandboxed, autoescaping environment. What the operator types is data,
not template code: literal text is HTML-escaped and its braces are written as entities, so only the merge
fields (`{{ member.name }}`, with the editor's filters) reach Jinja, and only those the trigger carries.
The legal footer (sender, contact, unsubscribe) is not a block: `templates.render_email` adds it after
the last block of every advertising e-mail, so no document can drop it.

MJML: https://documentation.mjml.io/ (mj-section, mj-column, mj-text, mj-image, mj-button, mj-table,
mj-divider, mj-spacer, mj-raw); MRML: https://github.com/jdrouet/mrml; mjml-python:
https://github.com/mgd020/mjml-python.
"""
from __future__ import annotations

import html as html_lib
import json
import re
import tomllib
from decimal import Decimal, InvalidOperation
from typing import Any

import mjml

from core.errors import InvalidInput
from core.messaging import templates as tpl

VERSION = 1
KINDS = ("heading", "text", "image", "button", "products", "coupon", "divider", "spacer")
TEXT_STYLES = ("body", "note")
PRODUCT_SOURCES = ("order", "cart", "chosen", "digest")
# The merge field a product list reads, by source: the trigger must carry it.
_SOURCE_FIELD = {"order": "order.items", "cart": "cart.items", "digest": "digest.carts"}
_TOTAL_FIELD = {"order": "order.total", "cart": "cart.total"}
MAX_BLOCKS = 60
MAX_TEXT = 5000
MAX_CHOSEN = 12
SPACER_RANGE = (8, 120)

# Each kind's fields and their defaults: what a new block holds and what the editor's form edits.
FIELDS: dict[str, dict[str, Any]] = {
    "heading": {"text": ""},
    "text": {"text": "", "style": "body"},
    "image": {"src": "", "alt": "", "link": "", "width": 0},
    "button": {"label": "", "link": ""},
    "products": {"source": "order", "title": "", "show_total": True, "products": []},
    "coupon": {"code": "", "text": ""},
    "divider": {},
    "spacer": {"height": 24},
}
_COMMON = ("type", "show_if")
_PRODUCT_FIELDS = ("name", "price", "image_url", "url")

_FONT = "-apple-system, 'Apple SD Gothic Neo', 'Malgun Gothic', sans-serif"


class BlockError(InvalidInput, ValueError):
    """A block document that cannot be saved, keyed `blocks.error.<what>`.

    Params: `index` (1-based, None for the document as a whole), `type` (the block's kind) and `field`
    (the form field at fault), plus what the key names (`name` of a merge field, `value`, `low`/`high`).
    """

    def __init__(self, what: str, *, index: int | None = None, kind: str | None = None,
                 field: str | None = None, detail: str = "", **params: Any) -> None:
        self.index = index
        self.field = field
        where = f"block {index} ({kind}) {field}" if index else "document"
        super().__init__(f"blocks.error.{what}", detail=f"{where}: {detail or what}", index=index, type=kind,
                         field=field, **params)


# ---------------------------------------------------------------- merge fields in typed text

_ARG = r"""(?:'[^'\\{}]*'|"[^"\\{}]*"|true|false|-?\d+)"""
_FILTER = rf"\|\s*[a-z_]+\s*(?:\(\s*{_ARG}(?:\s*,\s*{_ARG})*\s*\))?\s*"
_EXPRESSION = re.compile(rf"^\s*(?P<field>[a-z_][a-z0-9_]*(?:\.[a-z_][a-z0-9_]*)*)\s*(?P<filters>(?:{_FILTER})*)$")
_FILTER_NAME = re.compile(r"\|\s*([a-z_]+)")
_PLACEHOLDER = re.compile(r"\{\{(.*?)\}\}", re.S)
_URL = re.compile(r"^https?://[^\s\"'<>{}\\]+$")


def _fields(trigger: str) -> set[str]:
    return {name for name, _key, _params in tpl.merge_fields(trigger)}


def _check_expression(expression: str, known: set[str], where: dict[str, Any]) -> str:
    """A merge field with optional filters, as typed between {{ }}; anything else is refused."""
    match = _EXPRESSION.match(expression)
    if not match:
        raise BlockError("bad_field", name=expression.strip(), detail=f"not a merge field: {expression!r}", **where)
    field = match.group("field")
    if field not in known:
        raise BlockError("unknown_field", name=field, detail=f"'{field}' is not a merge field of this trigger",
                         **where)
    for name in _FILTER_NAME.findall(match.group("filters")):
        if name not in tpl.FILTERS:
            raise BlockError("unknown_filter", name=name, known=", ".join(tpl.FILTERS),
                             detail=f"'{name}' is not a filter", **where)
    return f"{field}{match.group('filters').rstrip()}"


def _check_text(text: Any, known: set[str], where: dict[str, Any], *, required: bool) -> str:
    if not isinstance(text, str):
        raise BlockError("not_text", detail="must be text", **where)
    if required and not text.strip():
        raise BlockError("empty", detail="is empty", **where)
    if len(text) > MAX_TEXT:
        raise BlockError("too_long", high=MAX_TEXT, detail=f"longer than {MAX_TEXT} characters", **where)
    for match in _PLACEHOLDER.finditer(text):
        _check_expression(match.group(1), known, where)
    return text


def _template_text(text: str, *, line_breaks: bool = True) -> str:
    """Typed text as template source: literal parts escaped (braces too, so they never open Jinja),
    merge fields as Jinja expressions."""
    out, last = [], 0
    for match in _PLACEHOLDER.finditer(text):
        out.append(_literal(text[last:match.start()], line_breaks))
        out.append("{{ " + _EXPRESSION.sub(lambda m: f"{m['field']}{m['filters'].rstrip()}", match.group(1)) + " }}")
        last = match.end()
    out.append(_literal(text[last:], line_breaks))
    return "".join(out)


def _literal(text: str, line_breaks: bool = False) -> str:
    escaped = html_lib.escape(text, quote=True).replace("{", "&#123;").replace("}", "&#125;")
    return escaped.replace("\n", "<br>") if line_breaks else escaped


def _check_link(value: Any, known: set[str], where: dict[str, Any], *, required: bool) -> str:
    """A link is a web address or exactly one merge field ({{ shop.url }}, {{ cart.recovery_url }})."""
    link = value.strip() if isinstance(value, str) else ""
    if not link:
        if required:
            raise BlockError("empty", detail="is empty", **where)
        return ""
    single = _PLACEHOLDER.fullmatch(link)
    if single:
        field = _check_expression(single.group(1), known, where)
        if "|" in field:
            raise BlockError("bad_url", value=link, detail="a link takes a merge field without filters", **where)
        return "{{ " + field + " }}"
    if not _URL.match(link):
        raise BlockError("bad_url", value=link, detail=f"not a web address: {link!r}", **where)
    return link


def _link_source(link: str) -> str:
    return link if link.startswith("{{") else html_lib.escape(link, quote=True)


def _link_guard(link: str) -> str | None:
    """The merge field a link reads, when it is one: the block shows only when the member has it."""
    return link[3:-3].strip() if link.startswith("{{") else None


# ---------------------------------------------------------------- the document

def new_block(kind: str) -> dict[str, Any]:
    if kind not in KINDS:
        raise BlockError("unknown_type", kind=kind, known=", ".join(KINDS), detail=f"unknown block type {kind!r}")
    return {"type": kind, **json.loads(json.dumps(FIELDS[kind])), "show_if": ""}


def empty_document() -> dict[str, Any]:
    return {"version": VERSION, "blocks": []}


def loads(value: str | dict[str, Any] | None) -> dict[str, Any] | None:
    """A stored document (JSON text or data) as data; None when there is none."""
    if value is None or value == "":
        return None
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except json.JSONDecodeError as exc:
            raise BlockError("not_json", detail=f"not JSON: {exc}", problem=str(exc)) from None
    if not isinstance(value, dict):
        raise BlockError("not_document", detail="a document is an object with blocks")
    return value


def dumps(document: dict[str, Any]) -> str:
    return json.dumps(document, ensure_ascii=False, sort_keys=True)


def check(document: Any, trigger: str) -> dict[str, Any]:
    """The document normalised (known fields only, defaults filled), or BlockError naming the block."""
    known = _fields(trigger)
    if not isinstance(document, dict) or not isinstance(document.get("blocks"), list):
        raise BlockError("not_document", detail="a document is an object with a list of blocks")
    if document.get("version", VERSION) != VERSION:
        raise BlockError("version", value=str(document.get("version")), detail="unknown document version")
    raw_blocks = document["blocks"]
    if not raw_blocks:
        raise BlockError("no_blocks", detail="has no blocks")
    if len(raw_blocks) > MAX_BLOCKS:
        raise BlockError("too_many", high=MAX_BLOCKS, detail=f"more than {MAX_BLOCKS} blocks")
    return {"version": VERSION, "blocks": [_check_block(b, i, known) for i, b in enumerate(raw_blocks, 1)]}


def _check_block(block: Any, index: int, known: set[str]) -> dict[str, Any]:
    if not isinstance(block, dict) or block.get("type") not in KINDS:
        kind = block.get("type") if isinstance(block, dict) else None
        raise BlockError("unknown_type", index=index, kind=str(kind), field="type", known=", ".join(KINDS),
                         detail=f"unknown block type {kind!r}")
    kind = block["type"]
    unknown = sorted(set(block) - set(FIELDS[kind]) - set(_COMMON) - {"id"})
    if unknown:
        raise BlockError("unknown_setting", index=index, kind=kind, field=unknown[0], name=unknown[0],
                         detail=f"unknown setting {unknown[0]!r}")
    out: dict[str, Any] = {"type": kind, **json.loads(json.dumps(FIELDS[kind])),
                           **{k: v for k, v in block.items() if k in FIELDS[kind]}}

    def where(field: str) -> dict[str, Any]:
        return {"index": index, "kind": kind, "field": field}

    show_if = (block.get("show_if") or "").strip()
    if show_if and show_if not in known:
        raise BlockError("unknown_field", name=show_if, detail=f"'{show_if}' is not a merge field", **where("show_if"))
    out["show_if"] = show_if
    if "id" in block:
        out["id"] = str(block["id"])
    if kind == "heading":
        out["text"] = _check_text(out["text"], known, where("text"), required=True)
    elif kind == "text":
        out["text"] = _check_text(out["text"], known, where("text"), required=True)
        if out["style"] not in TEXT_STYLES:
            raise BlockError("bad_choice", value=str(out["style"]), known=", ".join(TEXT_STYLES), **where("style"))
    elif kind == "image":
        out["src"] = _check_link(out["src"], known, where("src"), required=True)
        out["link"] = _check_link(out["link"], known, where("link"), required=False)
        out["alt"] = _check_text(out["alt"], set(), where("alt"), required=False)
        out["width"] = _check_int(out["width"] or 0, 0, 600, where("width"))
    elif kind == "button":
        out["label"] = _check_text(out["label"], known, where("label"), required=True)
        out["link"] = _check_link(out["link"], known, where("link"), required=True)
    elif kind == "products":
        _check_products(out, known, where)
    elif kind == "coupon":
        code = out["code"].strip() if isinstance(out["code"], str) else ""
        if not code:
            raise BlockError("empty", detail="is empty", **where("code"))
        if len(code) > 40 or "{" in code or "}" in code:
            raise BlockError("bad_code", value=code, detail="a code is up to 40 characters without braces",
                             **where("code"))
        out["code"] = code
        out["text"] = _check_text(out["text"], known, where("text"), required=False)
    elif kind == "spacer":
        out["height"] = _check_int(out["height"], *SPACER_RANGE, where("height"))
    return out


def _check_int(value: Any, low: int, high: int, where: dict[str, Any]) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or not low <= value <= high:
        raise BlockError("out_of_range", low=low, high=high, value=repr(value), detail=f"{low}..{high}", **where)
    return value


def _check_products(out: dict[str, Any], known: set[str], where: Any) -> None:
    source = out["source"]
    if source not in PRODUCT_SOURCES:
        raise BlockError("bad_choice", value=str(source), known=", ".join(PRODUCT_SOURCES), **where("source"))
    needs = _SOURCE_FIELD.get(source)
    if needs and needs not in known:
        raise BlockError("source_not_here", name=needs, value=source,
                         detail=f"this trigger carries no {needs}", **where("source"))
    out["title"] = _check_text(out["title"], known, where("title"), required=False)
    if not isinstance(out["show_total"], bool):
        raise BlockError("not_bool", **where("show_total"))
    if source != "chosen":
        out["products"] = []
        return
    chosen = out["products"]
    if not isinstance(chosen, list) or not chosen:
        raise BlockError("no_products", detail="no products chosen", **where("products"))
    if len(chosen) > MAX_CHOSEN:
        raise BlockError("too_many_products", high=MAX_CHOSEN, **where("products"))
    out["products"] = [_check_product(p, where("products")) for p in chosen]


def _check_product(product: Any, where: dict[str, Any]) -> dict[str, Any]:
    if not isinstance(product, dict) or not str(product.get("name") or "").strip():
        raise BlockError("bad_product", detail="a chosen product needs a name", **where)
    clean = {f: product.get(f) for f in _PRODUCT_FIELDS if product.get(f) not in (None, "")}
    if "product_key" in product:
        clean["product_key"] = str(product["product_key"])
    try:
        clean["price"] = str(Decimal(str(product.get("price", 0))))
    except InvalidOperation:
        raise BlockError("bad_product", value=str(product.get("price")), detail="price is not a number",
                         **where) from None
    for url_field in ("image_url", "url"):
        if url_field in clean and not _URL.match(str(clean[url_field])):
            clean.pop(url_field)  # a store record without a usable address shows without it
    return clean


# ---------------------------------------------------------------- compiling

_HEAD = f"""<mj-head>
<mj-title>{{{{ shop.name }}}}</mj-title>
<mj-preview></mj-preview>
<mj-attributes>
<mj-all font-family="{_FONT}" />
<mj-text font-size="16px" line-height="1.7" color="#374151" padding="0 28px 16px" />
<mj-button background-color="#111827" color="#ffffff" font-size="17px" font-weight="bold" border-radius="10px"
 inner-padding="16px 20px" padding="8px 28px 12px" width="100%" />
<mj-image padding="0 28px 16px" />
<mj-divider border-width="1px" border-color="#e5e7eb" padding="8px 28px 16px" />
<mj-table padding="0 28px 8px" font-size="15px" line-height="1.5" color="#111827" />
</mj-attributes>
<mj-style>
  .thumb {{ display: block; width: 80px; height: 80px; border-radius: 8px; border: 0; object-fit: cover; }}
  a {{ color: #111827; }}
  @media (max-width: 480px) {{ .card {{ border-radius: 0 !important; }} }}
</mj-style>
</mj-head>"""


def to_mjml(document: dict[str, Any]) -> str:
    """The checked document as MJML (Jinja expressions inside), the brand line first."""
    parts = ['<mj-text font-size="15px" font-weight="bold" color="#111827" padding="24px 28px 8px">'
             "{{ shop.name }}</mj-text>"]
    for block in document["blocks"]:
        body = _BLOCK_MJML[block["type"]](block)
        guard = block.get("show_if")
        if guard:
            body = f"<mj-raw>{{% if {guard} is defined and {guard} %}}</mj-raw>{body}<mj-raw>{{% endif %}}</mj-raw>"
        parts.append(body)
    return ("<mjml lang=\"ko\">" + _HEAD + '<mj-body width="600px" background-color="#f3f4f6">'
            '<mj-wrapper padding="24px 0"><mj-section css-class="card" background-color="#ffffff" border-radius="12px"'
            ' padding="0 0 16px"><mj-column>' + "\n".join(parts)
            + "</mj-column></mj-section></mj-wrapper></mj-body></mjml>")


def compile_html(document: dict[str, Any], trigger: str) -> str:
    """A checked (or raw) document as the HTML template to save and render."""
    return mjml.mjml2html(to_mjml(check(document, trigger)), disable_comments=True, fonts={})


def _heading(b: dict[str, Any]) -> str:
    return ('<mj-text font-size="24px" line-height="1.4" font-weight="bold" color="#111827" padding="12px 28px 12px">'
            f'<h1 style="margin:0;font-size:24px;line-height:1.4;">{_template_text(b["text"])}</h1></mj-text>')


def _text(b: dict[str, Any]) -> str:
    if b["style"] == "note":
        return f'<mj-text font-size="13px" line-height="1.6" color="#6b7280">{_template_text(b["text"])}</mj-text>'
    return f"<mj-text>{_template_text(b['text'])}</mj-text>"


def _image(b: dict[str, Any]) -> str:
    attrs = f'src="{_link_source(b["src"])}" alt="{_literal(b["alt"])}"'
    if b["link"]:
        attrs += f' href="{_link_source(b["link"])}"'
    if b["width"]:
        attrs += f' width="{b["width"]}px"'
    body = f"<mj-image {attrs} />"
    return _guarded([_link_guard(b["src"]), _link_guard(b["link"])], body)


def _button(b: dict[str, Any]) -> str:
    body = f'<mj-button href="{_link_source(b["link"])}">{_template_text(b["label"], line_breaks=False)}</mj-button>'
    return _guarded([_link_guard(b["link"])], body)


def _guarded(fields: list[str | None], body: str) -> str:
    present = [f for f in fields if f]
    if not present:
        return body
    condition = " and ".join(f"{f} is defined and {f}" for f in present)
    return f"<mj-raw>{{% if {condition} %}}</mj-raw>{body}<mj-raw>{{% endif %}}</mj-raw>"


def _coupon(b: dict[str, Any]) -> str:
    text = f'<div style="font-size:14px;color:#374151;margin-top:6px;">{_template_text(b["text"])}</div>' \
        if b["text"] else ""
    return ('<mj-text align="center"><div style="border:2px dashed #111827;border-radius:10px;padding:16px 12px;">'
            '<div style="font-size:22px;font-weight:bold;letter-spacing:2px;color:#111827;word-break:break-all;">'
            f"{_literal(b['code'])}</div>{text}</div></mj-text>")


def _divider(_b: dict[str, Any]) -> str:
    return "<mj-divider />"


def _spacer(b: dict[str, Any]) -> str:
    return f'<mj-spacer height="{b["height"]}px" />'


_CELL = "padding:14px 0;border-bottom:1px solid #e5e7eb;vertical-align:top;"
_INFO = "padding:14px 0 14px 14px;border-bottom:1px solid #e5e7eb;vertical-align:top;font-size:15px;line-height:1.5;"


def _item_rows(items: str) -> str:
    """Rows of one list of items (order's, cart's), keyed as core.automations.context builds them."""
    return (f"{{% for item in {items} %}}<tr>"
            f'<td width="80" style="{_CELL}">{{% if item.image_url is defined and item.image_url %}}'
            '<img class="thumb" src="{{ item.image_url }}" width="80" height="80" alt="{{ item.name }}">'
            "{% endif %}</td>"
            f'<td style="{_INFO}"><div style="font-weight:bold;color:#111827;">{{{{ item.name }}}}</div>'
            "{% if item.option_text is defined and item.option_text %}"
            '<div style="font-size:13px;color:#6b7280;">{{ item.option_text }}</div>{% endif %}'
            "<div>{{ item.price|won }}{% if item.quantity is defined %} · {{ item.quantity }}개{% endif %}</div>"
            "</td></tr>{% endfor %}")


def _chosen_rows(products: list[dict[str, Any]]) -> str:
    rows = []
    for p in products:
        image = (f'<img class="thumb" src="{_literal(p["image_url"])}" width="80" height="80" '
                 f'alt="{_literal(p["name"])}">' if p.get("image_url") else "")
        name = _literal(p["name"])
        if p.get("url"):
            name = f'<a href="{_literal(p["url"])}" style="color:#111827;text-decoration:none;">{name}</a>'
        rows.append(f'<tr><td width="80" style="{_CELL}">{image}</td><td style="{_INFO}">'
                    f'<div style="font-weight:bold;color:#111827;">{name}</div>'
                    f"<div>{_literal(tpl._won(p['price']))}</div></td></tr>")
    return "".join(rows)


def _digest_rows() -> str:
    """The owner's daily digest: each cart with its customer, then its items and recovery link."""
    return ("{% for cart in digest.carts %}<tr><td colspan=\"2\" style=\"padding:16px 0 8px;\">"
            "<strong>{{ cart.customer_name|default('고객', true) }} · {{ cart.email }}</strong><br>"
            '<span style="font-size:13px;color:#6b7280;">{{ cart.abandoned_at|date(true) }} 방치 · 합계 '
            "{{ cart.total|won }}{% if cart.recovered %} · 이후 주문됨{% endif %}</span></td></tr>"
            + _item_rows("cart.items")
            + '{% if cart.recovery_url %}<tr><td colspan="2" style="padding:4px 0 0;font-size:13px;color:#6b7280;">'
            "복구 링크: {{ cart.recovery_url }}</td></tr>{% endif %}{% endfor %}")


def _products(b: dict[str, Any]) -> str:
    source = b["source"]
    title = (f'<mj-text padding="0 28px 8px"><strong>{_template_text(b["title"])}</strong></mj-text>'
             if b["title"] else "")
    if source == "chosen":
        rows = _chosen_rows(b["products"])
    elif source == "digest":
        rows = _digest_rows()
    else:
        rows = _item_rows(_SOURCE_FIELD[source])
    table = f'<mj-table border-top="1px solid #e5e7eb">{rows}</mj-table>' if source != "digest" else \
        f"<mj-table>{rows}</mj-table>"
    total = ""
    if b["show_total"] and source in _TOTAL_FIELD:
        total = (f'<mj-text align="right" color="#111827">합계 <strong style="font-size:18px;">'
                 f"{{{{ {_TOTAL_FIELD[source]}|won }}}}</strong></mj-text>")
    return title + table + total


_BLOCK_MJML = {"heading": _heading, "text": _text, "image": _image, "button": _button, "products": _products,
               "coupon": _coupon, "divider": _divider, "spacer": _spacer}


# ---------------------------------------------------------------- starters

def starter_document(trigger: str) -> dict[str, Any]:
    """The trigger's starter as a block document (starters/<trigger>.blocks.json)."""
    tpl.sample_context(trigger)  # refuses an unknown trigger with its key
    text = (tpl.STARTER_DIR / f"{trigger}.blocks.json").read_text(encoding="utf-8")
    return check(json.loads(text), trigger)


def starter(trigger: str) -> dict[str, Any]:
    """A ready template for this trigger: name, subject, preheader, its block document and the HTML
    compiled from it. `text` is None: a block e-mail's plain-text part is made from its HTML when it is
    rendered, so it always says what the blocks say."""
    meta = tomllib.loads((tpl.STARTER_DIR / "starters.toml").read_text(encoding="utf-8"))[trigger]
    document = starter_document(trigger)
    return {"name": meta["name"], "subject": meta["subject"], "preheader": meta["preheader"],
            "text": None, "blocks": document, "html": compile_html(document, trigger)}


__all__ = ["KINDS", "TEXT_STYLES", "PRODUCT_SOURCES", "FIELDS", "BlockError", "new_block", "empty_document",
           "loads", "dumps", "check", "to_mjml", "compile_html", "starter_document", "starter"]
