"""세그먼트 (Segments): a filter builder over members and their orders, with count, sample, charts, save and export."""
from __future__ import annotations

import altair as alt
import streamlit as st

from core import i18n
from core.console import common, errors
from core.console import segments as views
from core.console.segments import (
    CONSENT_CHOICES,
    CONSENT_FIELDS,
    TRI_STATE,
    empty_form,
    form_from_rule,
    rule_from_form,
)
from core.i18n import t

db = views.store_path()
FORM_KEY = "segment_form."  # widget keys: FORM_KEY + field


@st.cache_data(ttl=30, show_spinner=False)
def options(db: str, shop_id: str, lang: str) -> dict:  # the language: group names may be words
    return views.filter_options(db, shop_id)


@st.cache_data(ttl=30, show_spinner=False)
def explore(db: str, shop_id: str, rule_json: str) -> views.Exploration:
    return views.explore(db, shop_id, rule_json)


@st.cache_data(ttl=60, show_spinner=False)
def charts(db: str, shop_id: str, rule_json: str) -> views.Charts:
    return views.charts(db, shop_id, rule_json)


def load_form(form: dict) -> None:
    for field, value in form.items():
        st.session_state[FORM_KEY + field] = value


def tri_state(field: str, yes: str = "segments.yes", no: str = "segments.no") -> None:
    words = {"any": t("segments.any"), "yes": t(yes), "no": t(no)}
    st.selectbox(t(f"segments.{field}" if field != "has_open_cart" else "segments.open_cart"), TRI_STATE,
                 key=FORM_KEY + field, format_func=words.get)


def consent_choice(field: str) -> None:
    """Yes / no / unknown / no or unknown: unknown consent is its own choice, never folded into no."""
    st.selectbox(t(f"segments.{field}"), CONSENT_CHOICES, key=FORM_KEY + field,
                 format_func=lambda choice: t(f"consent.{choice}"), help=t("consent.filter_help"))


def filters(opts: dict) -> dict:
    """The form; returns its values by field."""
    st.subheader(t("segments.filters"))
    left, right = st.columns(2)
    left.date_input(t("segments.signed_up_from"), key=FORM_KEY + "signed_up_from", format="YYYY-MM-DD")
    right.date_input(t("segments.signed_up_to"), key=FORM_KEY + "signed_up_to", format="YYYY-MM-DD")
    left.date_input(t("segments.last_order_after"), key=FORM_KEY + "last_order_after", format="YYYY-MM-DD")
    right.date_input(t("segments.last_order_before"), key=FORM_KEY + "last_order_before", format="YYYY-MM-DD")
    left.number_input(t("segments.orders_min"), min_value=0, step=1, key=FORM_KEY + "orders_min")
    right.number_input(t("segments.orders_max"), min_value=0, step=1, key=FORM_KEY + "orders_max")
    left.number_input(t("segments.spent_min"), min_value=0, step=10_000, key=FORM_KEY + "spent_min")
    right.number_input(t("segments.spent_max"), min_value=0, step=10_000, key=FORM_KEY + "spent_max")
    products, categories = opts["products"], opts["categories"]
    st.multiselect(t("segments.products"), list(products), key=FORM_KEY + "product_keys",
                   **common.multiselect_words(),
                   format_func=lambda k: products.get(k, k))
    st.multiselect(t("segments.categories"), list(categories), key=FORM_KEY + "category_keys",
                   **common.multiselect_words(),
                   format_func=lambda k: categories[k]["path"] if k in categories else k)
    names = opts["group_names"]
    st.multiselect(t("segments.groups"), opts["groups"], key=FORM_KEY + "member_groups",
                   **common.multiselect_words(), format_func=lambda g: names.get(g, g))
    tri_state("has_open_cart", "segments.has", "segments.has_not")
    for field in CONSENT_FIELDS:
        consent_choice(field)
    st.button(t("segments.reset"), on_click=load_form, args=(empty_form(),), icon=":material/restart_alt:")
    return {field: st.session_state.get(FORM_KEY + field) for field in empty_form()}


def sample_table(found: views.Exploration, tz: str, group_names: dict[str, str]) -> None:
    st.markdown(f"**{t('segments.sample')}**")
    if not found.count:
        st.info(t("segments.no_members"), icon=":material/person_off:")
        return
    # E-mail consent beside the address it is about, so an unknown one is seen without scrolling sideways.
    columns = ["member_key", "name", "email", "email_consent", "member_group", "signed_up_at", "last_order_at",
               "orders", "spent"]
    config = {c: t(f"segments.col.{c}") for c in columns}
    for column in ("signed_up_at", "last_order_at"):  # on the shop's wall clock, as marketers read it
        config[column] = st.column_config.DatetimeColumn(t(f"segments.col.{column}"), format="YYYY-MM-DD HH:mm",
                                                         timezone=tz)
    config["spent"] = st.column_config.NumberColumn(t("segments.col.spent"), format="₩%,d")
    st.dataframe(views.sample_view(found.sample, group_names, i18n.language()).select(columns), hide_index=True,
                 placeholder="", width="stretch", column_config=config)


def consent_figures(found: views.Exploration) -> None:
    """How many of the matching members consent, per channel: yes, no and unknown each counted apart."""
    st.markdown(f"**{t('consent.segment_title')}**", help=t("consent.overview_help"))
    st.dataframe(views.consent_table(found.consent, i18n.language()), hide_index=True, placeholder="",
                 width="stretch")


def rf_chart(rf: views.Frame) -> None:
    st.markdown(f"**{t('segments.rf')}**", help=t("segments.rf_help"))
    frame = rf.with_columns(rf["recency"].replace({"none": t("segments.never")}))
    chart = alt.Chart(frame.to_pandas()).mark_rect().encode(
        x=alt.X("frequency:N", sort=list(frame["frequency"].unique(maintain_order=True)),
                title=t("segments.frequency")),
        y=alt.Y("recency:N", sort=list(frame["recency"].unique(maintain_order=True)), title=t("segments.recency")),
        color=alt.Color("members:Q", scale=alt.Scale(scheme="blues"), title=t("segments.members")),
        tooltip=["recency", "frequency", "members"])
    text = chart.mark_text(baseline="middle").encode(text="members:Q", color=alt.value("#111827"))
    st.altair_chart(chart + text, width="stretch")


def cohort_chart(matrix: views.Frame) -> None:
    st.markdown(f"**{t('segments.cohorts')}**", help=t("segments.cohorts_help"))
    frame = matrix.drop_nulls("share").filter(matrix.drop_nulls("share")["members"] > 0)
    if frame.is_empty():
        st.caption(t("segments.no_members"))
        return
    chart = alt.Chart(frame.to_pandas()).mark_rect().encode(
        x=alt.X("months_since_signup:O", title=t("segments.months_since")),
        y=alt.Y("cohort:O", title=t("segments.cohort")),
        color=alt.Color("share:Q", scale=alt.Scale(scheme="greens"), title=t("segments.repurchase"),
                        legend=alt.Legend(format=".0%")),
        tooltip=["cohort", "months_since_signup", "members", "repurchased", alt.Tooltip("share:Q", format=".1%")])
    st.altair_chart(chart, width="stretch")


def save_and_export(shop_id: str, rule: dict) -> None:
    left, right = st.columns([3, 2], vertical_alignment="bottom")
    name = left.text_input(t("segments.name"), key="segment_name", max_chars=views.MAX_NAME)
    if right.button(t("segments.save"), type="primary", icon=":material/group_add:"):
        try:
            saved = views.save_segment(db, shop_id, name, rule)
        except views.RuleError as exc:
            st.error(t("segments.bad_rule", problems=errors.describe(exc)), icon=":material/error:")
        else:
            st.success(t("segments.saved" if saved["created"] else "segments.updated", name=saved["name"]),
                       icon=":material/check_circle:")
    st.download_button(t("segments.export"), data=lambda: views.export_csv(db, shop_id, rule, i18n.language()),
                        file_name=f"segment-{shop_id}.csv", mime="text/csv", icon=":material/download:")


@st.cache_data(ttl=60, show_spinner=False)
def week_ahead(db: str, shop_id: str, tz: str) -> list[views.WeekAhead]:
    return views.week_ahead(db, shop_id, tz)


def trigger_previews(shop_id: str, tz: str) -> None:
    """Who each automation would reach today and on each of the next 7 days (the engine's preview)."""
    st.subheader(t("segments.previews"), help=t("segments.previews_help"))
    rows = week_ahead(db, shop_id, tz)
    if not rows:
        st.caption(t("segments.no_automations"))
        return
    table = [{t("segments.automation"): f"{r['name']} ({r['status_label']})",
              **{d.strftime("%m-%d"): n for d, n in ((x["day"], x["count"]) for x in r["by_day"])},
              t("segments.total"): r["total"]} for r in rows]
    st.dataframe(table, hide_index=True, placeholder="", width="stretch")
    names = {r["automation_id"]: r["name"] for r in rows}
    picked = st.selectbox(t("segments.preview_sample"), list(names), format_func=names.get, key="preview_pick")
    sample = next(r["sample"] for r in rows if r["automation_id"] == picked)
    if sample:  # in words: never the raw field names and "planned"/"predicted"
        st.dataframe([{t("segments.col.member_key"): s["member_key"], t("col.member_name"): s["name"] or "",
                       t("col.email"): s["email"],
                       t("col.due_at"): i18n.local_time(s["due_at"], tz),
                       t("col.source"): t(f"auto.preview.source.{s['source']}")} for s in sample],
                     hide_index=True, placeholder="", width="stretch")
    else:
        st.caption(t("segments.no_members"))


def saved_list(shop_id: str) -> None:
    st.subheader(t("segments.saved_list"))
    saved = views.saved_segments(db, shop_id)
    if not saved:
        st.caption(t("segments.none_saved"))
    for segment in saved:
        name, load, delete = st.columns([4, 1, 1], vertical_alignment="center")
        name.markdown(f"**{segment['name']}**")
        load.button(t("segments.load"), key=f"load.{segment['segment_id']}", on_click=load_form,
                    args=(form_from_rule(segment["rule"]),))
        if delete.button(t("segments.delete"), key=f"delete.{segment['segment_id']}"):
            views.delete_segment(db, segment["segment_id"])
            st.rerun()


st.title(t("segments.title"))
st.caption(t("segments.subtitle"))
shop = views.shop(db, st.session_state.get("shop_id"))
if shop is None:
    st.info(t("segments.no_shop"), icon=":material/hub:")
    st.stop()
shop_id = shop["shop_id"]

for field, value in empty_form().items():
    st.session_state.setdefault(FORM_KEY + field, value)
common.relabel(st.session_state, "segments", [FORM_KEY + field for field in views.FLAG_FIELDS])
form_column, result_column = st.columns([1, 2], gap="large")
with form_column:
    opts = options(db, shop_id, i18n.language())
    form = filters(opts)
rule = rule_from_form(form)
with result_column:
    try:
        rule_json = views.rule_json(rule)
    except views.RuleError as exc:
        st.error(t("segments.bad_rule", problems=errors.describe(exc)), icon=":material/error:")
        st.stop()
    found = explore(db, shop_id, rule_json)
    counts = st.columns(2)
    counts[0].metric(t("segments.count"), i18n.count(found.count), border=True)
    counts[1].metric(t("segments.share"), f"{found.share:.1%}", border=True)
    consent_figures(found)
    sample_table(found, shop["timezone"], opts["group_names"])
    drawn = charts(db, shop_id, rule_json)
    left, right = st.columns(2)
    with left:
        rf_chart(drawn["rf"])
    with right:
        cohort_chart(drawn["cohorts"])
    save_and_export(shop_id, rule)
    saved_list(shop_id)
trigger_previews(shop_id, shop["timezone"])
