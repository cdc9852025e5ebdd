"""개요 (Overview): members, orders, revenue, carts, the last sync and sync errors of the chosen shop."""
from __future__ import annotations

import streamlit as st

from core import clock, i18n
from core.console import integrations as connections
from core.console import overview as ov
from core.i18n import t
from core.store import default_path

db = str(default_path())


@st.cache_data(ttl=15, show_spinner=False)
def load(db: str, shop_id: str | None, tz: str) -> dict:
    now = clock.now()
    return {
        "now": now,
        "summary": ov.summary(db, shop_id, now=now),
        "by_day": ov.orders_by_day(db, shop_id, tz=tz, now=now),
        "errors": ov.open_errors(db, shop_id, limit=5),
        "syncs": ov.last_syncs(db),
    }


@st.cache_data(ttl=10, show_spinner=False)
def load_shops(db: str) -> list[dict]:
    return ov.shops(db)


def empty_state(body_key: str) -> None:
    with st.container(border=True):
        st.subheader(t("overview.empty_title"))
        st.markdown(t(body_key))
        st.page_link("pages/integrations.py", label=t("overview.go_integrations"), icon=":material/hub:")


def metrics(summary: dict, last_run: dict | None, now) -> None:
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


def orders_chart(by_day, recent_orders: int) -> None:
    st.subheader(t("overview.chart_title"))
    if not recent_orders:
        st.caption(t("overview.no_chart"))
        return
    st.bar_chart(by_day.rename({"day": t("overview.chart_day"), "orders": t("overview.chart_orders")}),
                 x=t("overview.chart_day"), y=t("overview.chart_orders"), height=260, color="#2563eb")


def sync_errors(errors: list[dict], names: dict[str, str]) -> None:
    st.subheader(t("overview.sync_errors"))
    if not errors:
        st.caption(t("overview.no_sync_errors"))
        return
    for run in errors:
        when = i18n.local_time(run["started_at"])
        st.error(f"**{names.get(run['shop_id'], run['shop_id'])} · {when}** — "
                 f"{connections.explain_error(connections.run_error(run), run['entity'])}\n\n"
                 f"{t('integrations.error_detail', detail=run['error'] or '')}", icon=":material/error:")


shops = load_shops(db)
shop_id = st.session_state.get("shop_id")
shop = next((s for s in shops if s["shop_id"] == shop_id), None)

st.title(t("overview.title"))
if shop is None:
    st.caption(t("app.tagline"))
    empty_state("overview.empty_body")
    st.stop()

data = load(db, shop["shop_id"], shop["timezone"])
summary = data["summary"]
st.caption(t("overview.subtitle", shop=shop["name"], now=i18n.local_time(data["now"], shop["timezone"])))
last_run = data["syncs"].get(shop["shop_id"], {}).get("latest")
if not last_run and not summary["members"] and not summary["orders"]:
    empty_state("overview.empty_synced")
metrics(summary, last_run, data["now"])
left, right = st.columns([3, 2], gap="large")
with left:
    orders_chart(data["by_day"], summary["orders_recent"])
with right:
    sync_errors(data["errors"], {s["shop_id"]: s["name"] for s in shops})
