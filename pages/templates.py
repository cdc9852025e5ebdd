"""템플릿 (Templates): edit an automated e-mail's content with its merge fields beside it and a live
preview for a chosen member; a template that does not render is refused with the line to fix."""
from __future__ import annotations

import base64

import streamlit as st

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
        source = {**views.starter_template(trigger), "trigger": trigger}
    else:
        source = next(s for s in saved if s["template_id"] == choice)
    for field in FIELDS:
        st.session_state[f"tpl_{field}"] = source.get(field) or ("signup" if field == "trigger" else "")
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
        template_id=None if choice.startswith("new:") else choice)
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
    st.text_area(t("tpl.html"), key="tpl_html", height=420)
    st.text_area(t("tpl.text"), key="tpl_text", height=180)
    if st.button(t("tpl.save"), type="primary", icon=":material/save:", key="tpl_save"):
        save(shop_id)
    current = next((s for s in saved if s["template_id"] == st.session_state["tpl_choice"]), None)
    if current and current["used_by"]:
        st.caption(t("tpl.used_by", names=", ".join(current["used_by"])))


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
    context = None
    if who != SAMPLE:
        cached, from_sample = load_member_context(db, shop_id, who, trigger)
        context = views.with_tracking(cached, trigger)
        if from_sample:
            st.caption(t("tpl.preview_uses_sample", parts=", ".join(from_sample)))
    template = {"subject": s["tpl_subject"], "preheader": s["tpl_preheader"], "html": s["tpl_html"],
                "text": s["tpl_text"] or None}
    rendered, problem = views.render_preview(template, trigger, context, advertising=advertising,
                                             sender=views.preview_sender(db, shop_id))
    if problem:
        st.warning(t("tpl.preview_failed", problem=problem), icon=":material/visibility_off:")
        return
    st.markdown(t("tpl.preview_subject", subject=rendered.subject))
    if rendered.preheader:
        st.markdown(t("tpl.preview_preheader", preheader=rendered.preheader))
    # A data: URL gets an opaque origin: the e-mail's HTML cannot reach the console's page.
    st.iframe("data:text/html;charset=utf-8;base64," + base64.b64encode(rendered.html.encode()).decode(),
              height=640)
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
left, right = st.columns(2)
with left:
    editor(shop_id, saved)
    merge_field_list(st.session_state["tpl_trigger"])
with right:
    preview(shop_id)
