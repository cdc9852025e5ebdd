"""샌드박스 메일함 (Sandbox mailbox): the e-mails the sandbox mailbox kept, opened as their recipient sees them
(desktop and phone width, the text part, the headers), and the Alimtalk sandbox's notices."""
from __future__ import annotations

import streamlit as st

from core import i18n
from core.console import mailbox as views
from core.i18n import t

db = views.store_path()
FRAME_HEIGHT = 760


@st.cache_data(ttl=10, show_spinner=False)
def load_books(db: str) -> list[views.AddressBook]:
    return views.address_books(db)


@st.cache_data(ttl=5, show_spinner=False)
def load_letters(db: str, lang: str) -> list[views.Letter]:
    i18n.set_language(lang)
    return views.letters(db)


@st.cache_data(ttl=5, show_spinner=False)
def load_notices(db: str) -> list[views.Notice]:
    return views.notices(db)


def refresh() -> None:
    load_letters.clear()
    load_notices.clear()


def letter_list(letters: list[views.Letter], tz: str) -> None:
    st.caption(t("mailbox.count", n=i18n.count(len(letters))))
    st.dataframe([{
        t("mailbox.col.arrived"): views.arrival_text(r["arrived_at"], tz),
        t("mailbox.col.to"): r["to"],
        t("mailbox.col.subject"): r["subject"] or t("mailbox.no_subject"),
        t("mailbox.col.automation"): r["automation"],
    } for r in letters], hide_index=True, placeholder="", width="stretch", height=min(36 * (len(letters) + 1) + 3, 300))


def pick(letters: list[views.Letter], tz: str) -> str:
    labels = {r["name"]: f"{views.arrival_text(r['arrived_at'], tz)} · {r['to']} · "
                         f"{r['subject'] or t('mailbox.no_subject')}" for r in letters}
    if st.session_state.get("mailbox_pick") not in labels:
        st.session_state["mailbox_pick"] = letters[0]["name"]   # the newest
    return str(st.selectbox(t("mailbox.pick"), list(labels), format_func=labels.get, key="mailbox_pick"))


def letter(name: str, tz: str) -> None:
    shown = views.opened(db, name)
    if shown is None:
        st.warning(t("mailbox.gone"), icon=":material/mail_off:")
        return
    with st.container(border=True):
        st.subheader(views.plain(shown["subject"]) or t("mailbox.no_subject"), anchor=False)
        st.caption(" · ".join([t("mailbox.from", sender=views.plain(shown["sender"])),
                               t("mailbox.to", to=views.plain(shown["to"])),
                               t("mailbox.arrived", when=views.arrival_text(shown["arrived_at"], tz))]
                              + ([t("mailbox.automation", name=views.plain(shown["automation"]))]
                                 if shown["automation"] else [])))
        desktop, phone, text, headers = st.tabs([t("mailbox.view.desktop", width=views.DESKTOP_WIDTH),
                                                 t("mailbox.view.phone", width=views.PHONE_WIDTH),
                                                 t("mailbox.view.text"), t("mailbox.view.headers")])
        for tab, width in ((desktop, views.DESKTOP_WIDTH), (phone, views.PHONE_WIDTH)):
            with tab:
                if shown["html"] is None:
                    st.info(t("mailbox.no_html"), icon=":material/code_off:")
                    continue
                st.caption(t("mailbox.links_hint"))
                st.iframe(views.framed(shown["html"], width, FRAME_HEIGHT), height=FRAME_HEIGHT)
        with text:
            if shown["text"] is None:
                st.info(t("mailbox.no_text"), icon=":material/notes:")
            else:
                st.code(shown["text"], language=None, wrap_lines=True)
        with headers:
            st.dataframe([{t("mailbox.col.header"): k, t("mailbox.col.value"): v} for k, v in shown["headers"]],
                         hide_index=True, placeholder="", width="stretch", key="mailbox_headers")


def emails(tz: str) -> None:
    letters = load_letters(db, i18n.language())
    if not letters:
        st.info(t("mailbox.empty"), icon=":material/inbox:")
        st.markdown(t("mailbox.empty_hint", port=views.mailbox_port()))
        return
    letter_list(letters, tz)
    letter(pick(letters, tz), tz)


def alimtalk(tz: str) -> None:
    notices = load_notices(db)
    if not notices:
        st.info(t("mailbox.alimtalk_empty"), icon=":material/chat:")
        st.markdown(t("mailbox.alimtalk_hint"))
        return
    st.caption(t("mailbox.alimtalk_count", n=i18n.count(len(notices))))
    st.dataframe([{
        t("mailbox.col.arrived"): views.arrival_text(r["recorded_at"], tz),
        t("mailbox.col.to"): r["to"],
        t("mailbox.col.template"): r["template"],
        t("mailbox.col.text"): r["text"],
        t("mailbox.col.link"): r["link"] or "",
    } for r in notices], hide_index=True, placeholder="", width="stretch", key="mailbox_alimtalk",
        column_config={t("mailbox.col.link"): st.column_config.LinkColumn(display_text=t("mailbox.open_link"))})


title, button = st.columns([5, 1], vertical_alignment="bottom")
title.title(t("mailbox.title"))
button.button(t("mailbox.refresh"), key="mailbox_refresh", icon=":material/refresh:", on_click=refresh,
              width="stretch")
st.caption(t("mailbox.subtitle"))
book = views.chosen_book(load_books(db), st.session_state.get("shop_id"))
shop_tz = book["timezone"] if book else views.DEFAULT_TZ
email_tab, alimtalk_tab = st.tabs([t("mailbox.tab.email"), t("mailbox.tab.alimtalk")])
with email_tab:
    emails(shop_tz)
with alimtalk_tab:
    alimtalk(shop_tz)
