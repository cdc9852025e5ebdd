"""The console: navigation and the sidebar every page shares (shop, scheduler heartbeat, language).

Run with `streamlit run app.py`. The store is never kept open here: every read
opens it for one unit of work (core.*), and results are cached briefly with
`st.cache_data`, so the scheduler always gets its turn on the file.
"""
from __future__ import annotations

import datetime as dt

import streamlit as st

from core import i18n
from core.console import shell
from core.i18n import t

# (section title key, [(page file, title key, icon, url path)]).
# A url path must differ from its file's name: Streamlit's AppTest resolves a rerun's page by that
# name to the bare file (skipping this script and its sidebar) when the two coincide.
SECTIONS: list[tuple[str, list[tuple[str, str, str, str]]]] = [
    ("nav.group.home", [("pages/overview.py", "nav.overview", ":material/dashboard:", "home")]),
    ("nav.group.marketing", [("pages/automations.py", "nav.automations", ":material/forward_to_inbox:", "auto-emails"),
                             ("pages/templates.py", "nav.templates", ":material/edit_note:", "email-templates"),
                             ("pages/activity.py", "nav.activity", ":material/outbox:", "send-activity"),
                             ("pages/mailbox.py", "nav.mailbox", ":material/inbox:", "sandbox-mailbox"),
                             ("pages/carts.py", "nav.carts", ":material/remove_shopping_cart:", "abandoned-carts"),
                             ("pages/loyalty.py", "nav.loyalty", ":material/loyalty:", "stamps-warranties")]),
    ("nav.group.analytics", [("pages/segments.py", "nav.segments", ":material/groups:", "segment-explorer")]),
    ("nav.group.settings", [("pages/integrations.py", "nav.integrations", ":material/hub:", "connections"),
                            ("pages/csv_import.py", "nav.csv_import", ":material/upload_file:", "csv-import")]),
]
dict(SECTIONS)["nav.group.settings"].append(("pages/sender.py", "nav.sender", ":material/mail:", "sender-settings"))

st.set_page_config(page_title=i18n.t("app.title", st.session_state.get("lang")), page_icon="🛍️",
                   layout="wide", initial_sidebar_state="expanded")
lang = i18n.set_language(st.session_state.get("lang"))
db = shell.store_path()


@st.cache_data(ttl=10, show_spinner=False)
def cached_shops(db: str) -> list[shell.ShopRow]:
    return shell.shops(db)


# Streamlit serves the default page at the root only (its url path becomes ""), so its own address would
# answer "Page not found"; the overview's documented address, /dashboard, is a hidden second page of it.
DEFAULT_URL, OVERVIEW_ALIAS = "home", "dashboard"


def navigation() -> st.navigation:
    pages = {
        t(section): [st.Page(path, title=t(title), icon=icon, url_path=url, default=(url == DEFAULT_URL))
                     for path, title, icon, url in rows]
        for section, rows in SECTIONS
    }
    pages[t("nav.group.home")].append(st.Page("pages/overview.py", title=t("nav.overview"), icon=":material/dashboard:",
                                              url_path=OVERVIEW_ALIAS, visibility="hidden"))
    return st.navigation(pages, position="sidebar")


def shop_selector(shops: list[shell.ShopRow]) -> None:
    if not shops:
        st.session_state.pop("shop_id", None)
        st.caption(t("sidebar.no_shop"))
        return
    names = {s["shop_id"]: s["name"] for s in shops}
    wanted = st.session_state.pop("select_shop", None)  # a page just connected this shop
    if wanted in names:
        st.session_state["shop_id"] = wanted
    if st.session_state.get("shop_id") not in names:
        st.session_state["shop_id"] = shops[0]["shop_id"]
    st.selectbox(t("sidebar.shop"), list(names), key="shop_id",
                 format_func=lambda shop_id: f"{names[shop_id]} ({shop_id})")


@st.fragment(run_every=dt.timedelta(seconds=15))
def scheduler_box(db: str, lang: str) -> None:
    """The scheduler's heartbeat, read from its file (never from the store), refreshed every 15 s."""
    i18n.set_language(lang)
    status = shell.scheduler_status(db)
    st.markdown(f"**{t('sidebar.scheduler')}**")
    if status.state == shell.SchedulerState.NEVER:
        st.warning(t("sidebar.scheduler_never"), icon=":material/warning:")
        return
    if status.state == shell.SchedulerState.STOPPED:
        st.warning(t("sidebar.scheduler_stopped", when=status.last_seen), icon=":material/warning:")
        return
    st.success(t("sidebar.scheduler_alive"), icon=":material/favorite:")
    st.caption(t("sidebar.last_tick", when=status.last_seen))
    st.caption(f"{t('sidebar.next_jobs')}: " + (" · ".join(status.jobs) if status.jobs else t("sidebar.no_jobs")))


def _language_chosen() -> None:
    # Kept apart from the widget's own state: the widget's label changes with the language.
    st.session_state["lang"] = st.session_state["language_switch"]


def language_switch() -> None:
    st.radio(t("sidebar.language"), list(i18n.LANGUAGES), key="language_switch", horizontal=True,
             format_func=i18n.LANGUAGES.get, index=list(i18n.LANGUAGES).index(lang), on_change=_language_chosen)


page = navigation()
with st.sidebar:
    shop_selector(cached_shops(db))
    st.divider()
    scheduler_box(db, lang)
    st.divider()
    language_switch()
    st.caption(t("sidebar.store", path=db))
page.run()
