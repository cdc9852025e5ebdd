"""방치된 카트 (Abandoned carts): recovery figures by day, the reminder automation, and the carts list."""
from __future__ import annotations

import altair as alt
import streamlit as st

from core import i18n
from core.console import carts as views
from core.console import common, errors
from core.i18n import t

db = views.store_path()
PERIODS = (7, 30, 90)


@st.cache_data(ttl=30, show_spinner=False)
def stats(db: str, shop_id: str, days: int) -> dict:
    return views.recovery_stats(db, shop_id, days)


@st.cache_data(ttl=30, show_spinner=False)
def cart_list(db: str, shop_id: str, which: str) -> views.Frame:
    return views.cart_list(db, shop_id, which)


def figures(totals: dict) -> None:
    funnel, outcome = st.columns(4), st.columns([1, 1, 2])
    funnel[0].metric(t("carts.abandoned"), i18n.count(totals["abandoned"]), border=True)
    funnel[1].metric(t("carts.reached"), i18n.count(totals["reached"]), border=True)
    funnel[2].metric(t("carts.clicked"), i18n.count(totals["clicked"]), border=True)
    funnel[3].metric(t("carts.recovered"), i18n.count(totals["recovered"]), border=True)
    outcome[0].metric(t("carts.rate"), f"{totals['rate']:.1%}", border=True)
    outcome[1].metric(t("carts.revenue"), i18n.won(totals["revenue"]), border=True)


def by_day_chart(by_day) -> None:
    st.subheader(t("carts.by_day"))
    names = {"abandoned": t("carts.abandoned"), "reached": t("carts.reached"), "recovered": t("carts.recovered")}
    frame = by_day.select("day", *names).unpivot(index="day", variable_name="series", value_name="count")
    frame = frame.with_columns(frame["series"].replace(names))
    day = common.date_axis_format()
    chart = alt.Chart(frame.to_pandas(), height=260).mark_line(point=True).encode(
        x=alt.X("yearmonthdate(day):T", title=t("carts.day"), axis=alt.Axis(format=day, labelAngle=0)),
        y=alt.Y("count:Q", title=t("carts.count"), axis=alt.Axis(tickMinStep=1)),
        color=alt.Color("series:N", title=None, sort=list(names.values()), legend=alt.Legend(orient="bottom")),
        tooltip=[alt.Tooltip("yearmonthdate(day):T", title=t("carts.day"), format=day),
                 alt.Tooltip("series:N", title=t("carts.series")), alt.Tooltip("count:Q", title=t("carts.count"))])
    st.altair_chart(chart, width="stretch")


def delay_words(minutes: int) -> str:
    return t("carts.hours", n=minutes // 60) if minutes % 60 == 0 else t("carts.minutes", n=minutes)


def threshold_box(shop_id: str, minutes: int) -> None:
    with st.popover(t("carts.threshold", n=minutes), icon=":material/timer:"):
        chosen = st.number_input(t("carts.threshold_input"), min_value=5, max_value=7 * 24 * 60, value=minutes,
                                 step=5, key="cart_threshold")
        if st.button(t("carts.threshold_save"), key="cart_threshold_save"):
            views.set_threshold(db, shop_id, int(chosen))
            st.cache_data.clear()
            st.rerun()


def reminder_box(shop_id: str) -> None:
    st.subheader(t("carts.setup"))
    made = views.reminders(db, shop_id)
    for automation in made:
        line = t("carts.automation_line", name=automation["name"], delay=delay_words(automation["delay_minutes"]))
        on = st.toggle(line, value=automation["status"] == "running", key=f"cart_auto.{automation['automation_id']}")
        if on != (automation["status"] == "running"):
            views.switch(db, automation["automation_id"], on)
            st.rerun()
    if made:
        st.page_link("pages/automations.py", label=t("carts.customize"), icon=":material/edit:")
        return
    st.caption(t("carts.setup_none"))
    ready = views.has_working_sender(db, shop_id)
    if ready:  # the saved sender sends the reminders: nothing to retype
        sender = views.sender_defaults(db, shop_id)
        st.caption(t("sender.from_saved", name=sender["sender_name"], email=sender["sender_email"]))
    else:
        st.warning(t("sender.needed_carts"), icon=":material/warning:")
        st.page_link("pages/sender.py", label=t("sender.go_settings"), icon=":material/mail:")
    with st.form("cart_quick_setup", border=False):
        second = st.checkbox(t("carts.second"))
        hours = st.number_input(t("carts.second_hours"), min_value=2, max_value=72, value=24, step=1)
        if st.form_submit_button(t("carts.quick_setup"), type="primary", icon=":material/bolt:", disabled=not ready):
            try:
                views.quick_setup(db, shop_id, second_reminder_hours=int(hours) if second else None)
            except views.Refused as exc:
                st.error(t("carts.setup_failed", error=errors.describe(exc)), icon=":material/error:")
            else:
                st.success(t("carts.setup_done"), icon=":material/check_circle:")
                st.rerun()


def owner_box(shop_id: str) -> None:
    st.subheader(t("carts.owner"))
    st.caption(t("carts.owner_help"))
    current = views.owner_notice(db, shop_id)
    with st.form("cart_owner_notice", border=False):
        mode = st.radio(t("carts.owner_mode"), views.OWNER_MODES, key="owner_mode",
                        index=views.OWNER_MODES.index(current["mode"]),
                        format_func=lambda m: t(f"carts.owner_mode.{m}"))
        address = st.text_input(t("carts.owner_email"), value=current["recipient"], key="owner_email")
        if st.form_submit_button(t("carts.owner_save"), icon=":material/notifications:"):
            try:
                views.set_owner_notice(db, shop_id, mode, address)
            except views.Refused as exc:
                st.error(t("carts.owner_failed", error=errors.describe(exc)), icon=":material/error:")
                if views.needs_sender(exc):
                    st.page_link("pages/sender.py", label=t("sender.go_settings"), icon=":material/mail:")
            else:
                st.success(t("carts.owner_saved"), icon=":material/check_circle:")


def carts_table(shop_id: str, tz: str) -> None:
    st.subheader(t("carts.list"))
    which = st.segmented_control(t("carts.filter"), views.CART_FILTERS, default="all", key="cart_filter",
                                 format_func=lambda f: t(f"carts.filter.{f}")) or "all"
    frame = cart_list(db, shop_id, which)
    if frame.is_empty():
        st.caption(t("carts.none"))
        return
    columns = ["cart_key", "email", "total_amount", "items", "abandoned_at", "emailed_at", "clicked_at", "recovered",
               "recovered_amount", "purge_at"]
    config = {c: t(f"carts.col.{c}") for c in columns}
    for column in ("abandoned_at", "emailed_at", "clicked_at", "purge_at"):
        config[column] = st.column_config.DatetimeColumn(t(f"carts.col.{column}"), format="YYYY-MM-DD HH:mm",
                                                         timezone=tz)
    for column in ("total_amount", "recovered_amount"):
        config[column] = st.column_config.NumberColumn(t(f"carts.col.{column}"), format="₩%,d")
    st.dataframe(frame.select(columns), hide_index=True, placeholder="", width="stretch", column_config=config)
    st.download_button(t("carts.export"), data=views.carts_csv(frame, tz), file_name=f"carts-{shop_id}.csv",
                       mime="text/csv", icon=":material/download:")
    keys = frame["cart_key"].to_list()
    picked = st.selectbox(t("carts.pick"), keys, key="cart_pick",
                          format_func=lambda k: f"{k} · {frame.filter(frame['cart_key'] == k)['email'][0]}")
    if picked:
        cart_detail(shop_id, frame.filter(frame["cart_key"] == picked).row(0, named=True))


def cart_detail(shop_id: str, cart: dict) -> None:
    items = views.cart_items(db, shop_id, cart["cart_key"])
    st.markdown(f"**{t('carts.items')}**")
    for item in items.iter_rows(named=True):
        image, text = st.columns([1, 8], vertical_alignment="center")
        if item["image_url"]:
            image.image(item["image_url"], width=56)
        option = f" · {item['option_text']}" if item["option_text"] else ""
        text.markdown(f"{item['name']}{option} · {i18n.won(item['unit_price'])} × {item['quantity']}")
    if cart["recovery_url"]:
        st.caption(t("carts.link"))
        st.code(cart["recovery_url"], language=None)  # the code block has a copy button
    else:
        st.caption(t("carts.no_link"))


st.title(t("carts.title"))
shop = views.shop(db, st.session_state.get("shop_id"))
if shop is None:
    st.info(t("carts.no_shop"), icon=":material/hub:")
    st.stop()
shop_id = shop["shop_id"]

days = st.segmented_control(t("carts.period"), PERIODS, default=30, key="cart_period",
                            format_func=lambda n: t("carts.days", n=n)) or 30
data = stats(db, shop_id, days)
st.caption(t("carts.subtitle", minutes=data["threshold_minutes"], days=views.ATTRIBUTION_DAYS))
threshold_box(shop_id, data["threshold_minutes"])
figures(data["totals"])
left, right = st.columns([3, 2], gap="large")
with left:
    by_day_chart(data["by_day"])
with right:
    reminder_box(shop_id)
    owner_box(shop_id)
carts_table(shop_id, data["timezone"])
