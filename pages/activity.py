"""발송 내역 (Activity): the outbox filtered by state and reason, retrying failed messages, and
settling the ones a crash left unknown (never re-sent automatically)."""
from __future__ import annotations

import streamlit as st

from core import i18n
from core.console import activity as views
from core.console import common, errors
from core.i18n import t

db = views.store_path()
ALL = "__all__"
UNKNOWN_SHOWN = 30
RENDER_FAILED_SHOWN = 10


@st.cache_data(ttl=10, show_spinner=False)
def load_books(db: str) -> list[views.AddressBook]:
    return views.address_books(db)


@st.cache_data(ttl=10, show_spinner=False)
def load_counts(db: str, shop_id: str) -> list[views.OutboxCount]:
    return views.outbox_counts(db, shop_id)


@st.cache_data(ttl=10, show_spinner=False)
def load_activity(db: str, shop_id: str, state: str | None, reason: str | None, lang: str,
                  limit: int = 500) -> list[views.Message]:
    i18n.set_language(lang)
    return views.activity(db, shop_id, state=state, reason=reason, limit=limit)


def flash() -> None:
    text = st.session_state.pop("activity_flash", None)
    if text:
        st.success(text, icon=":material/check_circle:")


def done(text: str) -> None:
    st.cache_data.clear()
    st.session_state["activity_flash"] = text


def filters(counts: list[views.OutboxCount]) -> tuple[str | None, str | None]:
    states = views.filter_options(counts, None)["states"]
    state_labels = {ALL: t("activity.all"),
                    **{s: t("activity.option", label=views.state_label(s), n=i18n.count(n)) for s, n in states}}
    if st.session_state.get("activity_state") not in state_labels:
        st.session_state["activity_state"] = ALL
    common.relabel(st.session_state, "activity", ["activity_state", "activity_reason"])
    left, right = st.columns(2)
    state = left.selectbox(t("activity.state"), list(state_labels), format_func=state_labels.get,
                           key="activity_state")
    state = None if state == ALL else state
    reasons = views.filter_options(counts, state)["reasons"]
    reason_labels = {ALL: t("activity.all"),
                     **{r: t("activity.option", label=views.reason_label(r), n=i18n.count(n)) for r, n in reasons}}
    if st.session_state.get("activity_reason") not in reason_labels:
        st.session_state["activity_reason"] = ALL
    reason = right.selectbox(t("activity.reason"), list(reason_labels), format_func=reason_labels.get,
                             key="activity_reason")
    return state, None if reason == ALL else reason


def table(rows: list[views.Message], tz: str) -> None:
    if not rows:
        st.caption(t("activity.none"))
        return
    st.caption(t("activity.shown", n=i18n.count(len(rows))))
    st.dataframe([{
        t("col.updated_at"): views.local_time(r["updated_at"], tz),
        t("col.automation"): r["automation"] or r["automation_id"],
        t("col.email"): r["recipient"] or "",
        t("col.state"): r["state_label"],
        t("col.reason"): r["reason_label"],
        t("col.due_at"): views.local_time(r["due_at"], tz),
        t("col.sent_at"): views.local_time(r["sent_at"], tz),
        t("col.attempts"): r["attempts"],
        t("col.last_error"): r["error"],
    } for r in rows], hide_index=True, placeholder="", width="stretch")


def retry_box(shop_id: str, tz: str) -> None:
    failed = load_activity(db, shop_id, "failed", None, i18n.language()) + \
        load_activity(db, shop_id, "dead", None, i18n.language())
    if not failed:
        return
    with st.container(border=True):
        st.subheader(t("activity.retry_title"), anchor=False)
        st.caption(t("activity.retry_help"))
        labels = {r["message_id"]: f"{r['recipient']} · {r['automation'] or r['automation_id']} · "
                                   f"{r['state_label']} · {r['reason_label']} · {views.local_time(r['due_at'], tz)}"
                  for r in failed}
        picked = st.multiselect(t("activity.retry_pick"), list(labels), format_func=labels.get,
                                key="activity_retry_pick", **common.multiselect_words())
        if st.button(t("activity.retry"), key="activity_retry", type="primary", icon=":material/replay:",
                     disabled=not picked):
            n = views.retry(db, picked)
            done(t("activity.retried", n=i18n.count(n)))
            st.session_state.pop("activity_retry_pick", None)
            st.rerun()


def resolve(message_id: str, sent: bool) -> None:
    try:
        views.resolve(db, message_id, sent=sent)
    except views.ResolveRefused as exc:  # someone else settled it meanwhile
        st.session_state["activity_flash"] = errors.describe(exc)
    else:
        done(t("activity.resolved_sent" if sent else "activity.resolved_not_sent"))


def unknown_box(shop_id: str, tz: str) -> None:
    unknown = load_activity(db, shop_id, "unknown", None, i18n.language(), limit=UNKNOWN_SHOWN)
    if not unknown:
        return
    with st.container(border=True):
        st.subheader(t("activity.unknown_title"), anchor=False)
        st.warning(t("activity.unknown_help"), icon=":material/help:")
        for r in unknown:
            line, sent, not_sent = st.columns([5, 2, 2], vertical_alignment="center")
            line.markdown(t("activity.unknown_line", recipient=r["recipient"],
                            automation=r["automation"] or r["automation_id"],
                            when=views.local_time(r["updated_at"], tz)))
            sent.button(t("activity.mark_sent"), key=f"resolve_sent:{r['message_id']}", width="stretch",
                        on_click=resolve, args=(r["message_id"], True))
            not_sent.button(t("activity.mark_not_sent"), key=f"resolve_not_sent:{r['message_id']}",
                            width="stretch", on_click=resolve, args=(r["message_id"], False))


@st.cache_data(ttl=10, show_spinner=False)
def load_render_failures(db: str, shop_id: str, lang: str) -> list[views.Message]:
    i18n.set_language(lang)
    return views.render_failures(db, shop_id, limit=RENDER_FAILED_SHOWN)


def render_failed_box(shop_id: str, tz: str) -> None:
    failed = load_render_failures(db, shop_id, i18n.language())
    if not failed:
        return
    with st.container(border=True):
        st.subheader(t("activity.render_failed_title"), anchor=False)
        st.caption(t("activity.render_failed_help"))
        for r in failed:
            st.error(t("activity.render_failed_line", recipient=r["recipient"] or r["member_key"],
                       automation=r["automation"] or r["automation_id"],
                       when=views.local_time(r["updated_at"], tz), error=r["error"]),
                     icon=":material/error:")


st.title(t("activity.title"))
st.caption(t("activity.subtitle"))
book = views.chosen_book(load_books(db), st.session_state.get("shop_id"))
if book is None:
    st.info(t("auto.no_shop"), icon=":material/hub:")
    st.stop()
shop_id, tz = book["shop_id"], book["timezone"]
flash()
counts = load_counts(db, shop_id)
unknown_box(shop_id, tz)
render_failed_box(shop_id, tz)
retry_box(shop_id, tz)
state, reason = filters(counts)
table(load_activity(db, shop_id, state, reason, i18n.language()), tz)
