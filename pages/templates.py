"""템플릿 (Templates): edit an automated e-mail's content with its merge fields beside it and a live
preview for a chosen member; a template that does not render is refused with the line to fix.

Starters and templates saved from blocks open in the block editor (core.console.block_editor): each block
in its form, moved up or down, removed, added; the preview at desktop (600 px) or phone (375 px) width,
with the shop's own name and products. A template without blocks is edited as raw HTML."""
from __future__ import annotations

import base64

import streamlit as st

from core.console import block_editor as blocks
from core.console import templates as views
from core.i18n import t

db = views.store_path()
FIELDS = ("name", "trigger", "subject", "preheader", "html", "text")
SAMPLE = "__sample__"


@st.cache_data(ttl=10, show_spinner=False)
def load_templates(db: str, shop_id: str) -> list[views.SavedTemplate]:
    return views.saved_templates(db, shop_id)


@st.cache_data(ttl=10, show_spinner=False)
def load_books(db: str) -> list[views.AddressBook]:
    return views.address_books(db)


@st.cache_data(ttl=30, show_spinner=False)
def load_members(db: str, shop_id: str) -> list[views.PreviewMember]:
    return views.preview_members(db, shop_id)


@st.cache_data(ttl=60, show_spinner=False)
def load_products(db: str, shop_id: str) -> list[dict]:
    return blocks.store_products(db, shop_id)


@st.cache_data(ttl=60, show_spinner=False)
def load_shop_sample(db: str, shop_id: str, trigger: str) -> dict:
    context = views.with_tracking(blocks.shop_sample_context(db, shop_id, trigger), trigger)
    context.pop("tracked", None)
    return context


@st.cache_data(ttl=10, show_spinner=False)
def load_member_context(db: str, shop_id: str, member_key: str, trigger: str) -> tuple[dict, list[str]]:
    return views.cacheable_member_context(db, shop_id, member_key, trigger)


def choices(saved: list[views.SavedTemplate]) -> dict[str, str]:
    """Saved templates first, then a new one from each trigger's starter."""
    options = {s["template_id"]: f"{s['name']} · {views.trigger_label(s['trigger'] or 'signup')}" for s in saved}
    for trigger in views.TRIGGERS:
        options[f"new:{trigger}"] = t("tpl.new_from", trigger=views.trigger_label(trigger))
    return options


def load_into_editor(choice: str, saved: list[views.SavedTemplate]) -> None:
    """Fill the editor's fields from the chosen template (before those widgets are drawn)."""
    if choice.startswith("new:"):
        trigger = choice.split(":", 1)[1]
        source = {**views.block_starter(trigger), "trigger": trigger}
    else:
        source = dict(next(s for s in saved if s["template_id"] == choice))
    for field in FIELDS:
        st.session_state[f"tpl_{field}"] = source.get(field) or ("signup" if field == "trigger" else "")
    st.session_state["tpl_blocks"] = source.get("blocks")  # None: a template written in raw HTML
    st.session_state["tpl_loaded"] = choice


def show_problem(problem: views.TemplateProblem) -> None:
    if problem.line:
        headline = t("tpl.not_saved", part=problem.part_label, line=problem.line)
    else:
        headline = t("tpl.not_saved_part", part=problem.part_label)
    body = f"**{headline}**\n\n{problem.message}"
    if problem.source_line:
        body += "\n\n" + t("tpl.error_line", line=problem.line, source=problem.source_line)
    st.error(body, icon=":material/error:")


def save(shop_id: str) -> None:
    s = st.session_state
    choice = s["tpl_choice"]
    saved_id, problem = views.save_template(
        db, shop_id=shop_id, name=s["tpl_name"], trigger=s["tpl_trigger"], subject=s["tpl_subject"],
        html=s["tpl_html"], text=s["tpl_text"] or None, preheader=s["tpl_preheader"] or None,
        template_id=None if choice.startswith("new:") else choice, blocks=s.get("tpl_blocks"))
    # (with blocks, core.console.templates saves no text part: it is made from the blocks' HTML)
    if problem:
        show_problem(problem)
        return
    st.cache_data.clear()
    s["tpl_flash"] = t("tpl.saved", name=s["tpl_name"])
    s["tpl_next_choice"] = saved_id
    st.rerun()


def editor(shop_id: str, saved: list[views.SavedTemplate]) -> None:
    st.text_input(t("tpl.name"), key="tpl_name")
    st.selectbox(t("tpl.trigger"), list(views.TRIGGERS), key="tpl_trigger", format_func=views.trigger_label)
    st.text_input(t("tpl.subject"), key="tpl_subject")
    st.text_input(t("tpl.preheader"), key="tpl_preheader")
    if st.session_state.get("tpl_blocks") is not None:
        block_list(shop_id, st.session_state["tpl_trigger"])
    else:
        st.text_area(t("tpl.html"), key="tpl_html", height=420)
        st.button(t("blocks.to_blocks"), key="tpl_to_blocks", help=t("blocks.to_blocks_help"),
                  icon=":material/view_agenda:", on_click=start_blocks)
    if st.session_state.get("tpl_blocks") is None:
        st.text_area(t("tpl.text"), key="tpl_text", height=180)
    else:
        st.caption(t("blocks.text_from_blocks"))
    if st.button(t("tpl.save"), type="primary", icon=":material/save:", key="tpl_save"):
        save(shop_id)
    current = next((s for s in saved if s["template_id"] == st.session_state["tpl_choice"]), None)
    if current and current["used_by"]:
        st.caption(t("tpl.used_by", names=", ".join(current["used_by"])))


# ---------------------------------------------------------------- the block editor

def start_blocks() -> None:
    st.session_state["tpl_blocks"] = views.block_starter(st.session_state["tpl_trigger"])["blocks"]


def to_html() -> None:
    """Leave the block editor for raw HTML: the HTML starts as what the blocks compile to."""
    s = st.session_state
    html, _problem = blocks.compiled(s["tpl_blocks"], s["tpl_trigger"])
    if html is not None:
        s["tpl_html"] = html
    s["tpl_blocks"] = None


def set_blocks(new: list[dict]) -> None:
    st.session_state["tpl_blocks"] = new


def add_block() -> None:
    s = st.session_state
    s["tpl_blocks"] = [*s["tpl_blocks"], blocks.new_block(s["blk_add_kind"])]


def widget(block: dict, field: str) -> str:
    """The key of a block's form field; seeded from the block the first time it is drawn."""
    key = f"blk_{block['id']}_{field}"
    if key not in st.session_state:
        value = block.get(field)
        st.session_state[key] = [p.get("product_key") or p["name"] for p in value] if field == "products" else value
    return key


def block_form(shop_id: str, trigger: str, block: dict) -> dict:
    """The block's form; returns the values typed into it."""
    kind, values = block["type"], {}
    for field in blocks.FIELDS[kind]:
        key, label = widget(block, field), blocks.field_label(field)
        if field in ("text",):
            values[field] = st.text_area(label, key=key, height=90, help=t("blocks.field_help.text"))
        elif field in ("label", "title", "alt", "code"):
            values[field] = st.text_input(label, key=key)
        elif field in ("src", "link"):
            values[field] = st.text_input(label, key=key, help=t("blocks.field_help.link"))
        elif field in ("width", "height"):
            values[field] = int(st.number_input(label, key=key, min_value=0, max_value=600, step=4))
        elif field == "style":
            values[field] = st.selectbox(label, list(blocks.TEXT_STYLES), key=key, format_func=blocks.style_label)
        elif field == "source":
            options = blocks.sources(trigger)
            if st.session_state[key] not in options:
                st.session_state[key] = options[0]
            values[field] = st.selectbox(label, options, key=key, format_func=blocks.source_label)
        elif field == "show_total":
            values[field] = st.checkbox(label, key=key)
        elif field == "products":
            values[field] = chosen_products(shop_id, block, key, label, values.get("source"))
    key = widget(block, "show_if")
    options = blocks.show_if_choices(trigger)
    if st.session_state[key] not in options:
        st.session_state[key] = ""
    values["show_if"] = st.selectbox(blocks.field_label("show_if"), options, key=key,
                                     format_func=lambda f: t("blocks.when", field=f) if f else t("blocks.always"))
    return values


def chosen_products(shop_id: str, block: dict, key: str, label: str, source: str | None) -> list[dict]:
    if source != "chosen":
        return []
    products = {p["product_key"]: p for p in load_products(db, shop_id)}
    if not products:
        st.caption(t("blocks.no_products"))
        return []
    st.session_state[key] = [k for k in st.session_state[key] if k in products]
    picked = st.multiselect(label, list(products), key=key, format_func=lambda k: products[k]["name"])
    return [blocks.chosen_product(products[k]) for k in picked]


def block_list(shop_id: str, trigger: str) -> None:
    """Each block in its form, with up / down / remove; then a block to add; the legal footer last."""
    st.markdown(f"**{t('blocks.title')}**")
    st.caption(t("blocks.help"))
    current = st.session_state["tpl_blocks"]
    if not current:
        st.info(t("blocks.empty_list"), icon=":material/view_agenda:")
    for index, block in enumerate(current):
        with st.expander(blocks.summary(block, index), expanded=False):
            values = block_form(shop_id, trigger, block)
            current = blocks.update(current, index, values)
            up, down, drop = st.columns(3)
            up.button(t("blocks.up"), key=f"blk_{block['id']}_up", icon=":material/arrow_upward:",
                      disabled=index == 0, on_click=set_blocks, args=(blocks.move(current, index, -1),))
            down.button(t("blocks.down"), key=f"blk_{block['id']}_down", icon=":material/arrow_downward:",
                        disabled=index == len(current) - 1, on_click=set_blocks,
                        args=(blocks.move(current, index, 1),))
            drop.button(t("blocks.remove"), key=f"blk_{block['id']}_remove", icon=":material/delete:",
                        on_click=set_blocks, args=(blocks.remove(current, index),))
    st.session_state["tpl_blocks"] = current
    st.caption(":material/lock: " + t("blocks.footer"))
    kind_col, add_col = st.columns([3, 2], vertical_alignment="bottom")
    kind_col.selectbox(t("blocks.add_kind"), list(blocks.KINDS), key="blk_add_kind", format_func=blocks.kind_label)
    add_col.button(t("blocks.add"), key="blk_add", icon=":material/add:", on_click=add_block)
    problem = blocks.problem_of(current, trigger)
    if problem is not None:
        st.warning(t("blocks.problem", problem=problem.message), icon=":material/error:")
    else:
        html, _none = blocks.compiled(current, trigger)
        st.session_state["tpl_html"] = html or ""
    st.button(t("blocks.to_html"), key="tpl_to_html", help=t("blocks.to_html_help"), icon=":material/code:",
              on_click=to_html)


def merge_field_list(trigger: str) -> None:
    with st.expander(t("tpl.fields"), expanded=True):
        st.caption(t("tpl.fields_help", filters=", ".join(f"`{f}` ({d})" for f, d in views.filter_help())))
        st.markdown("\n".join(f"- `{{{{ {f} }}}}` — {desc}" for f, desc in views.merge_fields(trigger)))


def preview(shop_id: str) -> None:
    s = st.session_state
    st.markdown(f"**{t('tpl.preview')}**")
    members = {m["member_key"]: m for m in load_members(db, shop_id)}
    labels = {SAMPLE: t("tpl.sample_member"),
              **{k: f"{m['name'] or k} <{m['email']}>" for k, m in members.items()}}
    who = st.selectbox(t("tpl.preview_member"), list(labels), format_func=labels.get, key="tpl_preview_member")
    advertising = st.checkbox(t("tpl.preview_advertising"), value=True, key="tpl_preview_ad")
    trigger = s["tpl_trigger"]
    context = views.with_tracking(load_shop_sample(db, shop_id, trigger), trigger)
    if who != SAMPLE:
        cached, from_sample = load_member_context(db, shop_id, who, trigger)
        context = views.with_tracking(cached, trigger)
        if from_sample:
            st.caption(t("tpl.preview_uses_sample", parts=", ".join(from_sample)))
    template = {"subject": s["tpl_subject"], "preheader": s["tpl_preheader"], "html": s["tpl_html"],
                "text": (s["tpl_text"] or None) if s.get("tpl_blocks") is None else None}
    rendered, problem = views.render_preview(template, trigger, context, advertising=advertising,
                                             sender=views.preview_sender(db, shop_id))
    if problem:
        st.warning(t("tpl.preview_failed", problem=problem), icon=":material/visibility_off:")
        return
    st.markdown(t("tpl.preview_subject", subject=rendered.subject))
    if rendered.preheader:
        st.markdown(t("tpl.preview_preheader", preheader=rendered.preheader))
    # A data: URL gets an opaque origin: the e-mail's HTML cannot reach the console's page.
    widths = {600: t("blocks.preview_desktop"), 375: t("blocks.preview_phone")}
    width = st.segmented_control(t("blocks.preview_width"), list(widths), format_func=widths.get,
                                 key="tpl_preview_width", default=600) or 600
    st.iframe("data:text/html;charset=utf-8;base64," + base64.b64encode(rendered.html.encode()).decode(),
              width=width, height=640)
    with st.expander(t("tpl.preview_text")):
        st.code(rendered.text, language=None, wrap_lines=True)


st.title(t("tpl.title"))
st.caption(t("tpl.subtitle"))
book = views.chosen_book(load_books(db), st.session_state.get("shop_id"))
if book is None:
    st.info(t("tpl.no_shop"), icon=":material/hub:")
    st.stop()
shop_id = book["shop_id"]
saved = load_templates(db, shop_id)
options = choices(saved)
if "tpl_next_choice" in st.session_state:
    st.session_state["tpl_choice"] = st.session_state.pop("tpl_next_choice")
if st.session_state.get("tpl_choice") not in options:
    st.session_state["tpl_choice"] = next(iter(options))
choice = st.selectbox(t("tpl.choose"), list(options), format_func=options.get, key="tpl_choice")
if st.session_state.get("tpl_loaded") != choice or "tpl_html" not in st.session_state:
    load_into_editor(choice, saved)
if "tpl_flash" in st.session_state:
    st.success(st.session_state.pop("tpl_flash"), icon=":material/check_circle:")
left, right = st.columns([2, 3])  # the preview column holds a 600 px desktop mail on a laptop screen
with left:
    editor(shop_id, saved)
    merge_field_list(st.session_state["tpl_trigger"])
with right:
    preview(shop_id)
