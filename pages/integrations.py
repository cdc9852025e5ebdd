"""연동 관리 (Integrations): connect the sandbox or a Cafe24 mall, see each shop's syncs, sync now."""
from __future__ import annotations

import streamlit as st

from core import clock, connections, i18n
from core import overview as ov
from core.i18n import t
from core.store import Store, default_path

db = str(default_path())
CAFE24_FIELDS = ("cafe24_mall_id", "cafe24_shop_id", "cafe24_name", "cafe24_client_id", "cafe24_client_secret")
PLATFORM_NAMES = {"cafe24": "Cafe24", "godomall": "Godomall", "naver": "Naver Smartstore", "wix": "Wix", "csv": "CSV"}


@st.cache_data(ttl=10, show_spinner=False)
def load_shops(db: str) -> list[dict]:
    return ov.shops(db)


@st.cache_data(ttl=10, show_spinner=False)
def load_history(db: str, shop_id: str) -> list[dict]:
    return ov.sync_history(db, shop_id, limit=20)


def refresh() -> None:
    st.cache_data.clear()


def invalid(exc: connections.InvalidInput) -> None:
    st.error(t("integrations.invalid", problem=exc.message()), icon=":material/edit_note:")


def platform_label(shop: dict) -> str:
    if connections.is_sandbox(shop):
        return t("integrations.tab_sandbox")
    return PLATFORM_NAMES.get(shop["platform"], shop["platform"])


def history_table(shop_id: str) -> None:
    runs = load_history(db, shop_id)
    if not runs:
        st.caption(t("integrations.no_history"))
        return
    st.dataframe([{
        t("col.started_at"): i18n.local_time(r["started_at"]),
        t("col.finished_at"): i18n.local_time(r["finished_at"]),
        t("col.status"): t(f"status.{r['status']}"),
        t("col.started_by"): t(f"started_by.{r['started_by']}"),
        t("col.records"): r["records"],
        t("col.pages"): r["pages"],
        t("col.entity"): t(f"entity.{r['entity']}") if r["entity"] else "",
        t("col.error"): connections.explain_error(r["error"]) if r["error"] else "",
    } for r in runs], hide_index=True, width="stretch")


def sync_button(shop: dict) -> bool:
    """The "sync now" button; when pressed, syncs with a progress bar. True if a sync ran."""
    if not st.button(t("integrations.sync_now"), key=f"sync:{shop['shop_id']}", type="primary",
                     icon=":material/sync:"):
        return False
    bar = st.progress(0.0, text=t("integrations.syncing"))
    tracker = connections.SyncProgress()

    def on_progress(entity: str, records: int, pages: int) -> None:
        bar.progress(tracker.update(entity, records, pages),
                     text=t("integrations.progress", entity=t(f"entity.{entity}"), records=records, pages=pages))

    result = connections.sync_now(Store(db), shop["shop_id"], on_progress)
    refresh()
    if result.status == "succeeded":
        done = t("integrations.sync_done", records=result.records, pages=result.pages)
        bar.progress(1.0, text=done)
        st.success(done, icon=":material/check_circle:")
    else:
        bar.empty()
        if not result.run_id:  # it never started (no client for the platform...), so no run records it
            failure(t("integrations.sync_failed"), result.error, None)
    return True


def failure(headline: str, error: str | None, entity: str | None) -> None:
    st.error(f"**{headline}** — {connections.explain_error(error, entity)}\n\n"
             f"{t('integrations.error_detail', detail=error or '')}", icon=":material/error:")


def flash(shop_id: str) -> None:
    kind, text = st.session_state.pop(f"flash:{shop_id}", (None, None))
    if kind == "success":
        st.success(text, icon=":material/check_circle:")


def authorize_box(shop: dict) -> None:
    """Cafe24's approval link and the field for the code it sends back."""
    state_key = f"oauth_state:{shop['shop_id']}"
    state = st.session_state.setdefault(state_key, connections.new_state())
    st.markdown(f"**{t('integrations.authorize_step')}**")
    try:
        link = connections.authorize_link(shop, state)
    except connections.InvalidInput as exc:
        invalid(exc)
        return
    except (ImportError, KeyError) as exc:
        st.warning(t("integrations.not_available", problem=str(exc)))
        return
    st.link_button(t("integrations.authorize_link"), link, icon=":material/open_in_new:")
    st.caption(t("integrations.redirect_uri", uri=connections.redirect_uri()))
    st.markdown(f"**{t('integrations.code_step')}**")
    with st.form(f"code:{shop['shop_id']}", clear_on_submit=True, border=False):
        pasted = st.text_input(t("integrations.code"), help=t("integrations.code_help"))
        if st.form_submit_button(t("integrations.exchange")):
            try:
                connections.finish_authorization(shop["shop_id"], pasted, state)
            except connections.InvalidInput as exc:
                invalid(exc)
            except Exception as exc:  # the client words its failures for an operator, without secrets
                failure(t("integrations.authorize_failed"), str(exc), None)
            else:
                st.session_state.pop(state_key, None)
                refresh()
                st.success(t("integrations.authorized", name=shop["name"]))


def shop_card(shop: dict, now) -> None:
    with st.container(border=True):
        st.subheader(t("integrations.shop_card", name=shop["name"], platform=platform_label(shop)))
        flash(shop["shop_id"])
        if sync_button(shop):  # figures below are read after the sync, so they are the fresh ones
            shop = next((s for s in load_shops(db) if s["shop_id"] == shop["shop_id"]), shop)
        run = shop["last_run"]
        cols = st.columns(4)
        if run:
            cols[0].metric(t("integrations.last_sync"), i18n.ago(run["finished_at"] or run["started_at"], now),
                           delta=t(f"status.{run['status']}"), delta_arrow="off",
                           delta_color="normal" if run["status"] == "succeeded" else "inverse")
        else:
            cols[0].metric(t("integrations.last_sync"), t("status.never"))
        cols[1].metric(t("integrations.last_success"),
                       i18n.local_time(shop["last_success_at"], shop["timezone"]) or t("status.never"))
        counts = shop["counts"]
        cols[2].metric(t("overview.members"), i18n.count(counts["members"]))
        cols[3].metric(t("overview.orders"), i18n.count(counts["orders"]))
        st.caption(" · ".join(f"{t('entity.' + name)} {i18n.count(n)}" for name, n in counts.items()))
        if run and run["status"] == "failed":
            failure(t("integrations.last_error"), run["error"], run["entity"])
        if shop["platform"] == "cafe24" and not connections.is_sandbox(shop):
            with st.expander(t("integrations.authorize_step"), expanded=run is None):
                authorize_box(shop)
        with st.expander(t("integrations.history")):
            history_table(shop["shop_id"])


def connected(shop_id: str, message: str) -> None:
    """Select the new shop and rerun, so the sidebar and the cards show it."""
    refresh()
    st.session_state["select_shop"] = shop_id  # app.py selects it before its selector is drawn
    st.session_state[f"flash:{shop_id}"] = ("success", message)
    st.rerun()


def sandbox_form() -> None:
    st.caption(t("integrations.sandbox_help"))
    with st.form("connect_sandbox"):
        url = st.text_input(t("integrations.sandbox_url"), value=connections.SANDBOX_URL_DEFAULT)
        shop_id = st.text_input(t("integrations.shop_id"), value=connections.SANDBOX_SHOP_ID)
        name = st.text_input(t("integrations.shop_name"), value=t("integrations.sandbox_name_default"))
        if st.form_submit_button(t("integrations.connect_sandbox"), type="primary"):
            try:
                shop = connections.connect_sandbox(Store(db), url, shop_id, name)
            except connections.InvalidInput as exc:
                invalid(exc)
            except Exception as exc:  # the sandbox is down, or refused: say so in plain words
                failure(t("integrations.connect_failed"), str(exc), None)
            else:
                connected(shop.shop_id, t("integrations.sandbox_connected", name=shop.name))


def cafe24_form() -> None:
    st.caption(t("integrations.cafe24_help"))
    st.caption(t("integrations.redirect_uri", uri=connections.redirect_uri()))
    # After a save the fields are emptied (the secret above all); after an error they keep what was typed.
    if st.session_state.pop("cafe24_form_saved", False):
        for key in CAFE24_FIELDS:
            st.session_state[key] = ""
    with st.form("connect_cafe24"):
        mall_id = st.text_input(t("integrations.mall_id"), placeholder="myshop", key="cafe24_mall_id")
        shop_id = st.text_input(t("integrations.shop_id"), placeholder="myshop", key="cafe24_shop_id")
        name = st.text_input(t("integrations.shop_name"), key="cafe24_name")
        client_id = st.text_input(t("integrations.client_id"), key="cafe24_client_id")
        client_secret = st.text_input(t("integrations.client_secret"), type="password", key="cafe24_client_secret",
                                      help=t("integrations.client_secret_saved"))
        if st.form_submit_button(t("integrations.save_cafe24"), type="primary"):
            try:
                shop = connections.save_cafe24(Store(db), shop_id, name, mall_id,
                                               client_id, client_secret)
            except connections.InvalidInput as exc:
                invalid(exc)
            else:
                st.session_state["cafe24_form_saved"] = True
                connected(shop.shop_id, t("integrations.cafe24_saved", name=shop.name))


st.title(t("integrations.title"))
st.caption(t("integrations.subtitle"))
shops = load_shops(db)
st.header(t("integrations.connected"))
if not shops:
    st.info(t("integrations.none"), icon=":material/info:")
now = clock.now()
for shop in shops:
    shop_card(shop, now)

st.header(t("integrations.connect"))
sandbox_tab, cafe24_tab = st.tabs([t("integrations.tab_sandbox"), t("integrations.tab_cafe24")])
with sandbox_tab:
    sandbox_form()
with cafe24_tab:
    cafe24_form()
