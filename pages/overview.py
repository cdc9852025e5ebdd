"""개요 (Overview): the first-run guide, then members, orders, revenue, carts, the last sync and sync errors of
the chosen shop."""
from __future__ import annotations

import datetime as dt

import altair as alt
import streamlit as st
from streamlit.errors import StreamlitPageNotFoundError

from core import i18n
from core.console import common
from core.console import overview as ov
from core.i18n import t

db = ov.store_path()


@st.cache_data(ttl=15, show_spinner=False)
def load(db: str, shop_id: str, tz: str) -> ov.Dashboard:
    return ov.dashboard(db, shop_id, tz)


@st.cache_data(ttl=10, show_spinner=False)
def load_shops(db: str) -> list[ov.ShopRow]:
    return ov.shops(db)


def empty_state(body_key: str) -> None:
    with st.container(border=True):
        st.subheader(t("overview.empty_title"))
        st.markdown(t(body_key))
        st.page_link("pages/integrations.py", label=t("overview.go_integrations"), icon=":material/hub:")


GUIDE_ICONS = {"shop": ":material/hub:", "sender": ":material/alternate_email:",
               "automation": ":material/forward_to_inbox:", "loyalty": ":material/loyalty:"}


def guide_steps(steps: list[ov.GuideStep]) -> None:
    for step in steps:
        label = t(f"guide.step.{step['step']}")
        tick = ":material/check_circle:" if step["done"] else ":material/radio_button_unchecked:"
        line = st.columns([0.06, 0.94], vertical_alignment="center")
        line[0].markdown(tick)
        with line[1]:
            if not guide_link(step["page"], label, GUIDE_ICONS[step["step"]]):
                # A build without that page (or without it in the navigation): say so, never "Page not found".
                numbered = label.replace(".", "\\.", 1)  # "2." alone would start a Markdown list
                st.markdown(f"{numbered} · {t('guide.sender_missing')}")
            st.caption(t(f"guide.step.{step['step']}.help"))


def guide_link(page: str, label: str, icon: str) -> bool:
    """A link to a page of the console; False when this build has no such page in its navigation."""
    if not ov.linkable(page):
        return False
    try:
        st.page_link(page, label=label, icon=icon)
    except StreamlitPageNotFoundError:  # the file is there, app.py does not list it (yet)
        return False
    return True


def first_run_guide(steps: list[ov.GuideStep]) -> None:
    """The four steps to a first message, ticked as they are done; folded away once all are."""
    done = sum(s["done"] for s in steps)
    if done == len(steps):
        with st.expander(t("guide.all_done"), icon=":material/task_alt:", expanded=False):
            st.caption(t("guide.all_done_body"))
            guide_steps(steps)
        return
    with st.container(border=True, key="first_run_guide"):
        st.subheader(t("guide.title"))
        st.caption(t("guide.intro"))
        st.progress(done / len(steps), text=t("guide.progress", done=done, total=len(steps)))
        guide_steps(steps)


def metrics(summary: ov.Summary, last_run: ov.SyncRun | None, now: dt.datetime) -> None:
    lang = i18n.language()
    first = st.columns(3)
    first[0].metric(t("overview.members"), i18n.count(summary["members"]), border=True,
                    delta=t("overview.members_new", n=i18n.count(summary["members_recent"])), delta_color="off")
    first[1].metric(t("overview.orders"), i18n.count(summary["orders"]), border=True,
                    delta=t("overview.orders_recent", n=i18n.count(summary["orders_recent"])), delta_color="off")
    first[2].metric(t("overview.revenue"), i18n.won(summary["revenue"]), border=True, help=t("overview.revenue_help"),
                    delta=t("overview.revenue_recent", amount=i18n.won(summary["revenue_recent"])), delta_color="off")
    second = st.columns(3)
    second[0].metric(t("overview.carts_abandoned"), i18n.count(summary["carts_abandoned"]), border=True,
                     help=t("overview.carts_abandoned_help"))
    second[1].metric(t("overview.carts_open"), i18n.count(summary["carts_open"]), border=True)
    if last_run:
        when = last_run["finished_at"] or last_run["started_at"]
        second[2].metric(t("overview.last_sync"), i18n.ago(when, now, lang), border=True,
                         delta=t(f"status.{last_run['status']}"),
                         delta_color="normal" if last_run["status"] == "succeeded" else "inverse",
                         delta_arrow="off")
    else:
        second[2].metric(t("overview.last_sync"), t("overview.never_synced"), border=True)


def consent(summary: ov.Summary) -> None:
    """Members by e-mail consent: yes, no and unknown side by side (unknown is never shown as no); then the
    other channels in a line each."""
    st.subheader(t("consent.overview_title"), help=t("consent.overview_help"))
    figures = summary["consent"]["email_consent"]
    row = st.columns(3)
    for column, state in zip(row, ov.CONSENT_STATES, strict=True):
        column.metric(t(f"consent.email_{state}"), i18n.count(figures[state]), border=True)
    lang = i18n.language()
    st.caption("  \n".join(ov.consent_line(summary["consent"], field, lang)
                           for field in ("sms_consent", "night_consent")))


def orders_chart(by_day: ov.Frame, recent_orders: int) -> None:
    st.subheader(t("overview.chart_title"))
    if not recent_orders:
        st.caption(t("overview.no_chart"))
        return
    day = common.date_axis_format()
    chart = alt.Chart(by_day.to_pandas(), height=260).mark_bar(color="#2563eb").encode(
        x=alt.X("yearmonthdate(day):T", title=t("overview.chart_day"), axis=alt.Axis(format=day, labelAngle=0)),
        y=alt.Y("orders:Q", title=t("overview.chart_orders"), axis=alt.Axis(tickMinStep=1)),
        tooltip=[alt.Tooltip("yearmonthdate(day):T", title=t("overview.chart_day"), format=day),
                 alt.Tooltip("orders:Q", title=t("overview.chart_orders"))])
    st.altair_chart(chart, width="stretch")


def sync_errors(errors: list[ov.SyncRun], names: dict[str, str]) -> None:
    st.subheader(t("overview.sync_errors"))
    if not errors:
        st.caption(t("overview.no_sync_errors"))
        return
    for run in errors:
        when = i18n.local_time(run["started_at"])
        st.error(f"**{names.get(run['shop_id'], run['shop_id'])} · {when}** — "
                 f"{ov.sync_error_words(run)}\n\n"
                 f"{t('integrations.error_detail', detail=run['error'] or '')}", icon=":material/error:")


shops = load_shops(db)
shop = next((s for s in shops if s["shop_id"] == st.session_state.get("shop_id")), None)

st.title(t("overview.title"))
if shop is None:
    st.caption(t("app.tagline"))
    empty_state("overview.empty_body")
    first_run_guide(ov.guide(db, None))
    st.stop()

data = load(db, shop["shop_id"], shop["timezone"])
summary = data["summary"]
st.caption(t("overview.subtitle", shop=shop["name"], now=i18n.local_time(data["now"], shop["timezone"])))
last_run = data["syncs"].get(shop["shop_id"], {}).get("latest")
first_run_guide(ov.guide(db, shop["shop_id"]))
if not last_run and not summary["members"] and not summary["orders"]:
    empty_state("overview.empty_synced")
metrics(summary, last_run, data["now"])
consent(summary)
left, right = st.columns([3, 2], gap="large")
with left:
    orders_chart(data["by_day"], summary["orders_recent"])
with right:
    sync_errors(data["errors"], {s["shop_id"]: s["name"] for s in shops})
