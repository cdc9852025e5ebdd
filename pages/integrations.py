"""연동 관리 (Integrations): connect a shop of any platform, test it, and watch each shop's syncs on its card."""
from __future__ import annotations

import datetime as dt

import streamlit as st

from core import i18n
from core.console import integrations as connections
from core.console import overview as ov
from core.i18n import t

db = connections.default_store()
CAFE24_FIELDS = ("cafe24_mall_id", "cafe24_shop_id", "cafe24_name", "cafe24_client_id", "cafe24_client_secret")
PLATFORM_NAMES = connections.PLATFORM_NAMES
STATE_COLORS = {"ok": "green", "failing": "red", "never": "gray", "syncing": "blue", "needs_authorization": "orange",
                "paused": "gray", "csv": "violet"}


@st.cache_data(ttl=10, show_spinner=False)
def load_shops(db: str) -> list[dict]:
    return ov.shops(db)


@st.cache_data(ttl=10, show_spinner=False)
def load_history(db: str, shop_id: str) -> list[dict]:
    return ov.sync_history(db, shop_id, limit=20)


@st.cache_data(ttl=10, show_spinner=False)
def load_schedule(db: str) -> dict[str, dict]:
    return connections.sync_schedule(db)


@st.cache_data(ttl=10, show_spinner=False)
def load_address_book(db: str, shop_id: str) -> dict:
    return connections.godomall_address_book(connections.store(db), shop_id)


def refresh() -> None:
    st.cache_data.clear()


def invalid(exc: connections.InvalidInput) -> None:
    st.error(t("integrations.invalid", problem=connections.error_words(exc)), icon=":material/edit_note:")


def platform_label(shop: dict) -> str:
    if connections.is_sandbox(shop):
        return t("integrations.tab_sandbox")
    return PLATFORM_NAMES.get(shop["platform"], shop["platform"])


def failure(headline: str, error: connections.ErrorRecord | None, entity: str | None,
            platform: str | None = None) -> None:
    st.error(f"**{headline}** — {connections.explain_error(error, entity, platform=platform)}\n\n"
             f"{t('integrations.error_detail', detail=error.detail if error else '')}", icon=":material/error:")


def flash(shop_id: str) -> None:
    """A message left by the run before a rerun (a connect, an import, a changed interval)."""
    kind, text = st.session_state.pop(f"flash:{shop_id}", (None, None))
    if kind == "success":
        st.success(text, icon=":material/check_circle:")
    elif kind == "refused":
        st.error(text, icon=":material/block:")
    elif kind == "failed":
        failure(t("integrations.gm_failed"), text, "members", "godomall")
    elif kind == "error":
        st.error(text, icon=":material/error:")


# ---- a shop's card ------------------------------------------------------------------------------------

def history_table(shop: dict) -> None:
    runs = load_history(db, shop["shop_id"])
    if not runs:
        st.caption(t("integrations.no_history"))
        return
    st.dataframe([{
        t("col.started_at"): i18n.local_time(r["started_at"], shop["timezone"]),
        t("col.finished_at"): i18n.local_time(r["finished_at"], shop["timezone"]),
        t("col.status"): t(f"status.{r['status']}"),
        t("col.started_by"): t(f"started_by.{r['started_by']}"),
        t("col.records"): r["records"],
        t("col.pages"): r["pages"],
        t("col.entity"): t(f"entity.{r['entity']}") if r["entity"] else "",
        t("col.error"): connections.explain_error(connections.run_error(r), platform=shop["platform"])
        if r["error"] else "",
    } for r in runs], hide_index=True, placeholder="", width="stretch")


def run_sync(shop: dict) -> None:
    """The card's "sync now", with a progress bar; a failure shows on the card as its last error."""
    bar = st.progress(0.0, text=t("integrations.syncing"))
    tracker = connections.SyncProgress()

    def on_progress(entity: str, records: int, pages: int) -> None:
        bar.progress(tracker.update(entity, records, pages),
                     text=t("integrations.progress", entity=t(f"entity.{entity}"), records=records, pages=pages))

    result = connections.sync_now(connections.store(db), shop["shop_id"], on_progress)
    refresh()
    if result.status == "succeeded":
        done = t("integrations.sync_done", records=result.records, pages=result.pages)
        bar.progress(1.0, text=done)
        st.success(done, icon=":material/check_circle:")
    else:
        bar.empty()
        if not result.run_id:  # it never started (no client for the platform...), so no run records it
            failure(t("integrations.sync_failed"), result.failure, None, shop["platform"])


def show_check(check: connections.ConnectionCheck) -> None:
    if check.ok:
        st.success(t("integrations.test_ok"), icon=":material/check_circle:")
        said = connections.said_words(check)
        if said:
            st.caption(said)
    else:
        failure(t("integrations.test_failed"), check.error, None, check.platform)


def next_sync_words(shop: dict, job: dict | None, now: dt.datetime) -> tuple[str, str]:
    """(short words for the metric, the plan in full for the line under it)."""
    kind, when = connections.next_sync(shop, job, now)
    every = connections.interval_words(shop["sync_interval_minutes"])
    if kind == "at":
        return i18n.until(when, now), t("integrations.next_plan", every=every,
                                         at=i18n.local_time(when, shop["timezone"]))
    short = t({"manual": "integrations.next_manual", "paused": "integrations.next_paused",
               "due": "integrations.next_due_now"}[kind])
    return short, (t("integrations.next_plan_due", every=every) if kind == "due" else "")


def figures(shop: dict, job: dict | None, now: dt.datetime) -> None:
    run, csv = shop["last_run"], shop["platform"] == "csv"
    cols = st.columns(5)
    label = t("integrations.last_import" if csv else "integrations.last_sync")
    if run:
        cols[0].metric(label, i18n.ago(run["finished_at"] or run["started_at"], now),
                       delta=t(f"status.{run['status']}"), delta_arrow="off",
                       delta_color="normal" if run["status"] == "succeeded" else "inverse")
    else:
        cols[0].metric(label, t("status.never"))
    cols[1].metric(t("integrations.last_success"),
                   i18n.ago(shop["last_success_at"], now) if shop["last_success_at"] else t("status.never"),
                   help=i18n.local_time(shop["last_success_at"], shop["timezone"]) or None)
    short, plan = next_sync_words(shop, job, now)
    cols[2].metric(t("integrations.next_sync"), short)
    counts = shop["counts"]
    cols[3].metric(t("overview.members"), i18n.count(counts["members"]))
    cols[4].metric(t("overview.orders"), i18n.count(counts["orders"]))
    st.caption(" · ".join([f"{t('entity.' + name)} {i18n.count(n)}" for name, n in counts.items()]
                          + ([plan] if plan else [])))


def credentials_line(shop: dict) -> None:
    shown = connections.credentials_shown(shop)
    if shown:
        st.caption(f"{t('integrations.credentials')}: " + " · ".join(f"{t(label)} `{value}`" for label, value in shown))


def interval_changed(shop_id: str) -> None:
    minutes = st.session_state[f"interval:{shop_id}"]
    try:
        connections.set_sync_interval(connections.store(db), shop_id, minutes)
    except connections.InvalidInput as exc:
        st.session_state[f"flash:{shop_id}"] = ("error", connections.error_words(exc))
        return
    refresh()
    st.session_state[f"flash:{shop_id}"] = ("success", t("integrations.interval_saved",
                                                          every=connections.interval_words(minutes)))


def interval_setting(shop: dict) -> None:
    current = shop["sync_interval_minutes"]
    choices = sorted(set(connections.SYNC_INTERVALS) | {current})
    st.selectbox(t("integrations.interval"), choices, index=choices.index(current), key=f"interval:{shop['shop_id']}",
                 format_func=connections.interval_words, on_change=interval_changed, args=(shop["shop_id"],))


def godomall_box(shop: dict) -> None:
    """Imports left today, the address book's age, and the import itself behind a confirm step."""
    shop_id = shop["shop_id"]
    book = load_address_book(db, shop_id)
    cols = st.columns(2)
    left = book["left"]
    cols[0].metric(t("integrations.gm_imports_left"),
                   t("integrations.gm_left_value", left="?" if left is None else left, limit=book["limit"]))
    cols[1].metric(t("integrations.gm_last_updated"),
                   i18n.local_time(book["last_updated"], shop["timezone"]) or t("integrations.gm_never"))
    if left is None:
        st.warning(t("integrations.gm_keys_missing"), icon=":material/key_off:")
        return
    if book["suggestion"]:
        st.info(book["suggestion"], icon=":material/update:")
    if left == 0:
        st.error(t("godomall.quota_exceeded", limit=book["limit"]), icon=":material/block:")
    upload = st.file_uploader(t("godomall.member_file"), type=["xlsx", "xls", "csv"], key=f"gm_file:{shop_id}")
    st.caption(t("godomall.member_file_help"))
    confirm_key = f"gm_confirm:{shop_id}"
    if upload is None:
        st.session_state.pop(confirm_key, None)
        st.info(t("godomall.member_file_needed"), icon=":material/upload_file:")
        return
    if not st.session_state.get(confirm_key):
        if st.button(t("integrations.gm_import"), key=f"gm_import:{shop_id}", disabled=left == 0,
                     icon=":material/contacts:"):
            st.session_state[confirm_key] = True
            st.rerun()
        return
    st.warning(connections.godomall_warning(connections.store(db), shop_id), icon=":material/warning:")
    yes, no = st.columns(2)
    if no.button(t("integrations.gm_cancel"), key=f"gm_cancel:{shop_id}"):
        st.session_state.pop(confirm_key, None)
        st.rerun()
    if yes.button(t("integrations.gm_confirm"), key=f"gm_go:{shop_id}", type="primary"):
        st.session_state.pop(confirm_key, None)
        run_import(shop, upload.getvalue(), upload.name)


def run_import(shop: dict, data: bytes, file_name: str) -> None:
    expected = max(1, shop["counts"]["members"])
    bar = st.progress(0.0, text=t("integrations.gm_importing", records=0))

    def on_progress(records: int) -> None:
        bar.progress(min(0.99, records / max(expected, records + 1)),
                     text=t("integrations.gm_importing", records=records))

    outcome = connections.import_godomall(connections.store(db), shop["shop_id"], data, file_name, on_progress)
    # The card's figures (members, imports left, last updated) were drawn before the import: draw them again.
    refresh()
    st.session_state[f"flash:{shop['shop_id']}"] = {
        "succeeded": ("success", t("integrations.gm_done", records=outcome.records, removed=outcome.removed)),
        "refused": ("refused", outcome.refusal),
    }.get(outcome.status, ("failed", outcome.error))  # a failure's record, worded by `flash`
    st.rerun()


def shop_card(shop: dict, now: dt.datetime, job: dict | None) -> None:
    shop_id, csv = shop["shop_id"], shop["platform"] == "csv"
    with st.container(border=True):
        st.subheader(t("integrations.shop_card", name=shop["name"], platform=platform_label(shop)))
        badge = st.empty()  # filled once the card knows how a sync started here ended
        flash(shop_id)
        if csv:
            st.caption(t("integrations.no_sync_for_csv"))
        else:
            left, right, _ = st.columns([1, 1, 3])
            sync = left.button(t("integrations.sync_now"), key=f"sync:{shop_id}", type="primary",
                               icon=":material/sync:")
            test = right.button(t("integrations.test_connection"), key=f"test:{shop_id}", icon=":material/lan:")
            if test:
                with st.spinner(t("integrations.testing")):
                    show_check(connections.check_connection(connections.store(db), shop_id))
            if sync:
                run_sync(shop)
                # figures below are read after the sync, so they are the fresh ones
                shop = next((s for s in load_shops(db) if s["shop_id"] == shop_id), shop)
        state = connections.shop_state(shop)
        badge.badge(t(f"integrations.state_{state}"), color=STATE_COLORS.get(state, "gray"))
        figures(shop, job, now)
        credentials_line(shop)
        run = shop["last_run"]
        if csv and run and run["error"]:  # the CSV import words its bad rows (line and reason) itself
            st.warning(f"**{t('integrations.last_import')}** — {run['error']}", icon=":material/rule:")
        elif run and run["status"] == "failed":
            failure(t("integrations.last_error"), connections.run_error(run), run["entity"], shop["platform"])
        elif job and job.get("last_status") == "failed" and not csv:
            st.warning(f"{t('integrations.scheduler_job_failed')} {connections.explain_error(None)}")
        if shop["platform"] == "godomall":
            godomall_box(shop)
        if shop["platform"] == "cafe24" and not connections.is_sandbox(shop):
            with st.expander(t("integrations.authorize_step"), expanded=not connections.is_authorized(shop_id)):
                authorize_box(shop)
        if shop["platform"] == "cafe24":
            with st.expander(t("webhooks.address_title")):
                st.caption(t("webhooks.address_help"))
                st.code(connections.webhook_address(connections.store(db), shop_id), language=None)
        if not csv:
            interval_setting(shop)
        with st.expander(t("integrations.history")):
            history_table(shop)


# ---- connecting ---------------------------------------------------------------------------------------

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
                connections.finish_authorization(shop["shop_id"], pasted, state, store=connections.store(db))
            except connections.InvalidInput as exc:
                invalid(exc)
            except Exception as exc:  # the client's errors carry a key and no secret; the console words them
                failure(t("integrations.authorize_failed"), connections.ErrorRecord.of(exc), None, "cafe24")
            else:
                st.session_state.pop(state_key, None)
                refresh()
                st.success(t("integrations.authorized", name=shop["name"]))


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
                shop = connections.connect_sandbox(connections.store(db), url, shop_id, name)
            except connections.InvalidInput as exc:
                invalid(exc)
            except Exception as exc:  # the sandbox is down, or refused: say so in plain words
                failure(t("integrations.connect_failed"), connections.ErrorRecord.of(exc), None)
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
                shop = connections.save_cafe24(connections.store(db), shop_id, name, mall_id,
                                               client_id, client_secret)
            except connections.InvalidInput as exc:
                invalid(exc)
            else:
                st.session_state["cafe24_form_saved"] = True
                connected(shop.shop_id, t("integrations.cafe24_saved", name=shop.name))


def platform_form(platform: str) -> None:
    """Godomall, Naver Smartstore or Wix: the credentials, "test connection", and "connect" (tested first)."""
    fields = connections.FORM_FIELDS[platform]
    keys = {f.name: f"{platform}_{f.name}" for f in fields}
    others = {"shop_id": f"{platform}_shop_id", "name": f"{platform}_name", "base_url": f"{platform}_base_url"}
    # After a connect every field is emptied (the secrets above all); after an error they keep what was typed.
    if st.session_state.pop(f"{platform}_form_saved", False):
        for key in (*keys.values(), *others.values()):
            st.session_state[key] = ""
    st.caption(t(f"integrations.{platform}_help"))
    with st.form(f"connect_{platform}"):
        shop_id = st.text_input(t("integrations.shop_id"), key=others["shop_id"], placeholder=platform,
                                help=t("integrations.shop_id_help"))
        name = st.text_input(t("integrations.shop_name"), key=others["name"], placeholder=PLATFORM_NAMES[platform])
        values = {f.name: st.text_input(t(f.label), key=keys[f.name], type="password" if f.secret else "default",
                                        help=t("integrations.secret_kept") if f.secret else None)
                  for f in fields}
        with st.expander(t("integrations.advanced")):
            base_url = st.text_input(t("integrations.api_base", default=connections.default_base_url(platform)),
                                     key=others["base_url"], help=t("integrations.api_base_help"))
        left, right = st.columns(2)
        test = left.form_submit_button(t("integrations.test_connection"), icon=":material/lan:")
        connect = right.form_submit_button(t("integrations.connect_platform"), type="primary", icon=":material/link:")
    if not (test or connect):
        return
    try:
        with st.spinner(t("integrations.testing")):
            if test:
                show_check(connections.check_credentials(connections.store(db), platform, shop_id, values,
                                                         base_url=base_url))
                return
            shop, _ = connections.connect_platform(connections.store(db), platform, shop_id, name, values,
                                                   base_url=base_url)
    except connections.InvalidInput as exc:
        invalid(exc)
    except connections.ConnectionFailed as exc:
        failure(t("integrations.test_failed"), exc.check.error, None, platform)
    else:
        st.session_state[f"{platform}_form_saved"] = True
        connected(shop.shop_id, t("integrations.connected_platform", name=shop.name, platform=PLATFORM_NAMES[platform]))


# ---- the page -----------------------------------------------------------------------------------------

st.title(t("integrations.title"))
st.caption(t("integrations.subtitle"))
shops = load_shops(db)
st.header(t("integrations.connected"))
if not shops:
    st.info(t("integrations.none"), icon=":material/info:")
elif any(s["platform"] != "csv" for s in shops) and not connections.scheduler_alive(db):
    st.warning(t("integrations.scheduler_off"), icon=":material/schedule:")
now = connections.now()
schedule = load_schedule(db)
for shop in shops:
    shop_card(shop, now, schedule.get(shop["shop_id"]))

st.header(t("integrations.connect"))
tabs = st.tabs([t("integrations.tab_sandbox"), t("integrations.tab_cafe24"), t("integrations.tab_godomall"),
                t("integrations.tab_naver"), t("integrations.tab_wix")])
with tabs[0]:
    sandbox_form()
with tabs[1]:
    cafe24_form()
for tab, platform in zip(tabs[2:], ("godomall", "naver", "wix"), strict=True):
    with tab:
        platform_form(platform)
st.caption(t("integrations.csv_elsewhere"))
