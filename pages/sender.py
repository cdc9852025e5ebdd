"""발신 설정 (Sender settings): the shop's sender and mail server, a connection test, and a test send."""
from __future__ import annotations

import streamlit as st

from core.console import errors
from core.console import sender as views
from core.i18n import t

db = views.store_path()


def flash() -> None:
    kind, text = st.session_state.pop("sender_flash", (None, None))
    if kind == "success":
        st.success(text, icon=":material/check_circle:")


def form_values() -> dict:
    s = st.session_state
    return {"sender_name": s.get("snd_sender_name", ""), "sender_email": s.get("snd_sender_email", ""),
            "reply_to": s.get("snd_reply_to", ""), "sender_contact": s.get("snd_sender_contact", ""),
            "postal_address": s.get("snd_postal_address", ""), "smtp_host": s.get("snd_smtp_host", ""),
            "smtp_port": s.get("snd_smtp_port"), "smtp_security": s.get("snd_smtp_security", "starttls"),
            "smtp_username": s.get("snd_smtp_username", "")}


def kept(key: str) -> str:
    """A selectbox's key, its choice put back from where `keep` saved it: its options are worded in the reader's
    language, and a language switch makes it a new widget that would otherwise start over."""
    if f"{key}.kept" in st.session_state:
        st.session_state[key] = st.session_state[f"{key}.kept"]
    return key


def keep(key: str) -> None:
    st.session_state[f"{key}.kept"] = st.session_state[key]


def init(shop_id: str, form: views.SenderForm) -> None:
    """Fill the widgets from the saved settings once per shop (and again after a save, or after a visit to
    another page: Streamlit drops the state of widgets a run did not draw)."""
    if st.session_state.get("snd_loaded") == shop_id and "snd_sender_name" in st.session_state:
        return
    for field in ("sender_name", "sender_email", "reply_to", "sender_contact", "postal_address", "smtp_host",
                  "smtp_port", "smtp_security", "smtp_username"):
        st.session_state[f"snd_{field}"] = form[field]  # type: ignore[literal-required]
    st.session_state["snd_smtp_security.kept"] = form["smtp_security"]
    st.session_state["snd_smtp_password"] = ""
    st.session_state["snd_loaded"] = shop_id


def settings_form(shop_id: str, form: views.SenderForm) -> None:
    st.subheader(t("sender.section.who"))
    left, right = st.columns(2)
    left.text_input(t("sender.sender_name"), key="snd_sender_name")
    right.text_input(t("sender.sender_email"), key="snd_sender_email", placeholder="hello@shop.co.kr")
    st.text_input(t("sender.reply_to"), key="snd_reply_to", help=t("sender.reply_to_help"))

    st.subheader(t("sender.section.footer"))
    st.caption(t("sender.footer_help"))
    left, right = st.columns([1, 2])
    left.text_input(t("sender.sender_contact"), key="snd_sender_contact", placeholder="02-1234-5678")
    right.text_input(t("sender.postal_address"), key="snd_postal_address")

    st.subheader(t("sender.section.smtp"))
    host, port, security = st.columns([3, 1, 2])
    host.text_input(t("sender.smtp_host"), key="snd_smtp_host", help=t("sender.smtp_host_help"))
    port.number_input(t("sender.smtp_port"), key="snd_smtp_port", min_value=1, max_value=65535, step=1)
    security.selectbox(t("sender.smtp_security"), views.SECURITIES, key=kept("snd_smtp_security"),
                       format_func=lambda s: t(f"sender.security.{s}"), on_change=keep, args=("snd_smtp_security",))
    user, password = st.columns(2)
    user.text_input(t("sender.smtp_username"), key="snd_smtp_username", autocomplete="off")
    password.text_input(t("sender.smtp_password"), key="snd_smtp_password", type="password",
                        autocomplete="new-password")
    password.caption(t("sender.password_saved") if form["password_saved"] else t("sender.password_none"))

    save, test = st.columns([1, 4])
    if save.button(t("sender.save"), type="primary", icon=":material/save:", key="snd_save"):
        try:
            views.save(db, shop_id, form_values(), st.session_state.get("snd_smtp_password") or None)
        except views.Refused as exc:
            st.error(t("sender.save_failed", error=errors.describe(exc)), icon=":material/error:")
        else:
            st.session_state.pop("snd_loaded", None)
            st.session_state["sender_flash"] = ("success", t("sender.saved"))
            st.rerun()
    if test.button(t("sender.check"), icon=":material/lan:", key="snd_check", help=t("sender.check_help")):
        connection_test(shop_id)


def connection_test(shop_id: str) -> None:
    with st.spinner(t("sender.check")):
        try:
            found = views.connection_test(shop_id, form_values(), st.session_state.get("snd_smtp_password") or None)
        except views.Refused as exc:
            st.error(t("sender.check_failed", error=errors.describe(exc)), icon=":material/error:")
            if errors.detail_of(exc):
                st.caption(t("sender.detail", detail=errors.detail_of(exc)))
            return
    st.success(views.check_words(found), icon=":material/check_circle:")


def test_send(shop_id: str) -> None:
    st.subheader(t("sender.test"))
    st.caption(t("sender.test_help"))
    sources = views.send_sources(db, shop_id)
    if not sources:
        st.caption(t("sender.test_no_source"))
        return
    labels = {s["source"]: s["label"] for s in sources}
    members = {m["member_key"]: f"{m['name'] or m['member_key']} · {m['email']}"
               for m in views.preview_members(db, shop_id, limit=100)}
    left, middle, right = st.columns(3)
    if st.session_state.get("snd_test_source.kept") not in labels:  # gone since (or never chosen)
        st.session_state.pop("snd_test_source.kept", None)
    if st.session_state.get("snd_test_member.kept") not in ("", *members):
        st.session_state.pop("snd_test_member.kept", None)
    source = left.selectbox(t("sender.test_source"), list(labels), format_func=labels.get,
                            key=kept("snd_test_source"), on_change=keep, args=("snd_test_source",))
    member = middle.selectbox(t("sender.test_member"), ["", *members], key=kept("snd_test_member"),
                              format_func=lambda k: members.get(k, t("sender.test_sample")), on_change=keep,
                              args=("snd_test_member",))
    to = right.text_input(t("sender.test_to"), key="snd_test_to", placeholder="me@shop.co.kr")
    if st.button(t("sender.test_send"), icon=":material/send:", key="snd_test_send"):
        with st.spinner(t("sender.test_send")):
            try:
                subject = views.send_test_message(db, shop_id, source=source, to=to, member_key=member or None)
            except views.Refused as exc:
                st.error(t("sender.test_failed", error=errors.describe(exc)), icon=":material/error:")
                if errors.detail_of(exc):
                    st.caption(t("sender.detail", detail=errors.detail_of(exc)))
                return
        st.success(t("sender.test_sent", subject=subject, to=to.strip()), icon=":material/check_circle:")


st.title(t("sender.title"))
st.caption(t("sender.caption"))
shop_id = st.session_state.get("shop_id")
if not shop_id:
    st.info(t("sender.no_shop"), icon=":material/info:")
    st.stop()
form = views.load(db, shop_id)
init(shop_id, form)
flash()
st.caption(t("sender.shop", name=form["shop_name"]))
if views.is_sandbox_mailbox(form):
    st.info(t("sender.state.sandbox", server=f"{form['smtp_host']}:{form['smtp_port']}"), icon=":material/inbox:")
    st.page_link("pages/mailbox.py", label=t("nav.mailbox"), icon=":material/inbox:")
elif form["saved"] and form["smtp_host"]:
    st.success(t("sender.state.working", server=f"{form['smtp_host']}:{form['smtp_port']}"), icon=":material/dns:")
else:
    st.warning(t("sender.state.missing"), icon=":material/warning:")
settings_form(shop_id, form)
st.divider()
test_send(shop_id)
