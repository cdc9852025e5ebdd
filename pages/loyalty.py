"""스탬프·보증서: issuance history (filters, bulk issue, revoke), warranty settings with a live certificate
preview, stamp settings with cards and ledgers, and the Alimtalk sender. Widgets and layout only."""
from __future__ import annotations

import datetime as dt

import streamlit as st

from core import i18n
from core.console import common, errors
from core.console import loyalty as views
from core.i18n import t

db = views.store_path()
NAME_SOURCES, NOTICE_KINDS = views.NAME_SOURCES, views.NOTICE_KINDS
ALL = "__all__"


@st.cache_data(ttl=10, show_spinner=False)
def load_settings(db: str, shop_id: str) -> dict:
    return views.load_settings(db, shop_id)


@st.cache_data(ttl=30, show_spinner=False)
def load_categories(db: str, shop_id: str) -> list[dict]:
    return views.categories(db, shop_id)


@st.cache_data(ttl=30, show_spinner=False)
def load_detail_keys(db: str, shop_id: str) -> list[str]:
    return views.detail_keys(db, shop_id)


@st.cache_data(ttl=10, show_spinner=False)
def load_history(db: str, shop_id: str, status: str | None, since: dt.date | None, until: dt.date | None,
                 product: str, member: str) -> list[dict]:
    return views.history(db, shop_id, status=status, since=since, until=until, product=product, member=member)


@st.cache_data(ttl=10, show_spinner=False)
def load_counts(db: str, shop_id: str) -> dict:
    return views.counts(db, shop_id)


@st.cache_data(ttl=10, show_spinner=False)
def load_cards(db: str, shop_id: str, member: str) -> list[dict]:
    return views.cards(db, shop_id, member or None)


def done(text: str) -> None:
    st.cache_data.clear()
    st.session_state["loyalty_flash"] = text
    st.rerun()


def flash() -> None:
    text = st.session_state.pop("loyalty_flash", None)
    if text:
        st.success(text, icon=":material/check_circle:")


def when(value: dt.datetime | None) -> str:
    return i18n.local_time(value) if value else ""


def save(shop_id: str, kind: str, values: dict) -> None:
    try:
        views.save_settings(db, shop_id, kind, values)
    except views.Refused as exc:
        st.error(t("loyalty.invalid", error=errors.describe(exc)), icon=":material/error:")
        return
    done(t("loyalty.saved"))


def status_caption(settings: dict) -> None:
    if settings["enabled"] and settings.get("active_from"):
        st.caption(t("loyalty.active_from", when=when(settings["active_from"])))


# ------------------------------------------------------------------ 보증서 발급 내역

def history_tab(shop_id: str) -> None:
    st.caption(t("loyalty.counts", **load_counts(db, shop_id)))
    statuses = {ALL: t("loyalty.status.all"), "pending": t("loyalty.status.pending"),
                "issued": t("loyalty.status.issued"), "revoked": t("loyalty.status.revoked")}
    c1, c2, c3, c4, c5 = st.columns([1.2, 1.2, 1.2, 1.6, 1.6])
    status = c1.selectbox(t("loyalty.filter.status"), list(statuses), format_func=statuses.get, key="lw_status")
    since = c2.date_input(t("loyalty.filter.since"), value=None, key="lw_since")
    until = c3.date_input(t("loyalty.filter.until"), value=None, key="lw_until")
    product = c4.text_input(t("loyalty.filter.product"), key="lw_product").strip()
    member = c5.text_input(t("loyalty.filter.member"), key="lw_member").strip()
    rows = load_history(db, shop_id, None if status == ALL else status, since, until, product, member)
    if not rows:
        st.info(t("loyalty.history.none"))
        return
    st.caption(t("loyalty.history.shown", n=i18n.count(len(rows))))
    st.dataframe([{
        t("loyalty.col.order"): r["order_key"], t("loyalty.col.item"): r["item_key"],
        t("loyalty.col.member"): r["member_name"] or r["member_key"] or "",
        t("loyalty.col.product"): r["product_name"] or "", t("loyalty.col.option"): r["option_text"] or "",
        t("loyalty.col.status"): statuses[r["status"]], t("loyalty.col.delivered"): when(r["delivered_at"]),
        t("loyalty.col.issued"): when(r["issued_at"]),
        t("loyalty.col.valid_until"): r["valid_until"].isoformat() if r["valid_until"] else "",
        t("loyalty.col.link"): views.certificate_url(r["code"]) if r["code"] else "",
        t("loyalty.col.revoked_reason"): r["revoked_reason"] or "",
    } for r in rows], hide_index=True, placeholder="", width="stretch",
        column_config={t("loyalty.col.link"): st.column_config.LinkColumn(display_text=t("loyalty.col.link_open"))})

    label = {r["item_key"]: f"{r['order_key']} · {r['product_name'] or r['item_key']} · "
                            f"{r['member_name'] or r['member_key'] or ''}" for r in rows}
    pending = [r["item_key"] for r in rows if r["status"] == "pending"]
    issued = [r["item_key"] for r in rows if r["status"] == "issued"]
    left, right = st.columns(2)
    with left:
        if pending:
            picked = st.multiselect(t("loyalty.issue.pick"), pending, format_func=label.get, key="lw_issue_pick",
                                    **common.multiselect_words())
            a, b = st.columns(2)
            if a.button(t("loyalty.issue.button"), disabled=not picked, key="lw_issue"):
                done(t("loyalty.issue.done", n=views.issue(db, shop_id, picked)))
            if b.button(t("loyalty.issue.all", n=len(pending)), key="lw_issue_all"):
                done(t("loyalty.issue.done", n=views.issue(db, shop_id, pending)))
    with right:
        if issued:
            picked = st.multiselect(t("loyalty.revoke.pick"), issued, format_func=label.get, key="lw_revoke_pick",
                                    **common.multiselect_words())
            reason = st.text_input(t("loyalty.revoke.reason"), key="lw_revoke_reason")
            if st.button(t("loyalty.revoke.button"), disabled=not picked, key="lw_revoke"):
                if not reason.strip():
                    st.error(t("loyalty.revoke.need_reason"))
                else:
                    done(t("loyalty.revoke.done", n=views.revoke(db, shop_id, picked, reason)))


# ------------------------------------------------------------------ 보증서 설정

def _lines(text: str) -> list[str]:
    return [line.strip() for line in text.splitlines() if line.strip()]


def warranty_tab(shop_id: str, ws: dict) -> None:
    k = f"lw_{shop_id}_"
    form, preview = st.columns([1, 1], gap="large")
    with form:
        status_caption(ws)
        enabled = st.toggle(t("loyalty.enabled"), value=ws["enabled"], key=k + "enabled")
        timings = ("delivery_complete", "manual")
        timing = st.radio(t("loyalty.w.timing"), timings, index=timings.index(ws["timing"]), horizontal=True,
                          format_func=lambda v: t(f"loyalty.w.timing.{v}"), help=t("loyalty.w.timing_help"),
                          key=k + "timing")
        delay = 0
        if timing == "delivery_complete":
            later = st.radio(t("loyalty.w.when"), ("now", "later"), index=1 if ws["delay_days"] else 0,
                             horizontal=True, format_func=lambda v: t(f"loyalty.w.when.{v}"), key=k + "when")
            if later == "later":
                delay = int(st.number_input(t("loyalty.w.delay_days"), min_value=1, max_value=365,
                                            value=max(1, ws["delay_days"]), key=k + "delay"))
        scopes = ("all", "categories")
        scope = st.radio(t("loyalty.w.scope"), scopes, index=scopes.index(ws["scope"]), horizontal=True,
                         format_func=lambda v: t(f"loyalty.w.scope.{v}"), key=k + "scope")
        chosen: list[str] = []
        if scope == "categories":
            cats = load_categories(db, shop_id)
            if not cats:
                st.warning(t("loyalty.w.no_categories"))
            paths = {c["category_key"]: c["path"] for c in cats}
            chosen = st.multiselect(t("loyalty.w.categories"), list(paths), format_func=paths.get,
                                    default=[c for c in ws["category_keys"] if c in paths],
                                    help=t("loyalty.w.categories_help"), key=k + "cats",
                                    **common.multiselect_words())
        source = st.radio(t("loyalty.w.name_source"), NAME_SOURCES, index=NAME_SOURCES.index(ws["name_source"]),
                          horizontal=True, format_func=lambda v: t(f"loyalty.w.name.{v}"), key=k + "source")
        strip = st.text_area(t("loyalty.w.strip"), value="\n".join(ws["strip_phrases"]),
                             help=t("loyalty.w.strip_help"), key=k + "strip")
        a, b = st.columns(2)
        show_image = a.toggle(t("loyalty.w.show_image"), value=ws["show_image"], key=k + "image")
        show_options = b.toggle(t("loyalty.w.show_options"), value=ws["show_options"], key=k + "options")
        keys = load_detail_keys(db, shop_id)
        current = {f["key"]: f["label"] for f in ws["detail_fields"]}
        options = list(dict.fromkeys([*current, *keys]))
        if options:
            picked = st.multiselect(t("loyalty.w.detail_fields"), options, default=list(current),
                                    key=k + "details", **common.multiselect_words())
        else:
            st.caption(t("loyalty.w.no_detail_keys"))
            picked = []
        detail_fields = [{"key": key, "label": st.text_input(t("loyalty.w.detail_label", field=key),
                                                              value=current.get(key, key), key=k + f"label_{key}")}
                         for key in picked]
        custom = st.toggle(t("loyalty.w.show_custom_items"), value=ws["show_custom_items"], key=k + "custom")
        extra_text = st.text_area(t("loyalty.w.extra_fields"), help=t("loyalty.w.extra_help"), key=k + "extra",
                                  value="\n".join(f"{f['label']}: {f.get('value', '')}" for f in ws["extra_fields"]))
        period = int(st.number_input(t("loyalty.w.period"), min_value=1, max_value=120, value=ws["period_months"],
                                     key=k + "period"))
        brand = st.text_input(t("loyalty.w.brand"), value=ws["brand"], key=k + "brand")
        extra, bad = [], None
        for line in _lines(extra_text):
            label, sep, value = line.partition(":")
            if not sep:
                bad = line
                break
            extra.append({"label": label.strip(), "value": value.strip()})
        values = {"enabled": enabled, "timing": timing, "delay_days": delay, "scope": scope, "category_keys": chosen,
                  "name_source": source, "strip_phrases": _lines(strip), "show_image": show_image,
                  "show_options": show_options, "detail_fields": detail_fields, "show_custom_items": custom,
                  "extra_fields": extra, "period_months": period, "brand": brand}
        if bad is not None:
            st.error(t("loyalty.w.extra_bad", line=bad))
        st.caption(t("loyalty.w.frozen"))
        if st.button(t("loyalty.save"), type="primary", key=k + "save", disabled=bad is not None):
            save(shop_id, "warranty", values)
    with preview:
        st.markdown(f"**{t('loyalty.w.preview')}**")
        st.caption(t("loyalty.w.preview_help"))
        page, error = views.preview_html(db, shop_id, values)
        if error:
            st.warning(t("loyalty.w.preview_error", error=error))
        elif page is None:
            st.info(t("loyalty.w.no_preview"))
        else:
            st.iframe(page, height=900)  # our own renderer: every value in it is HTML-escaped


# ------------------------------------------------------------------ 스탬프

def stamps_tab(shop_id: str, ss: dict) -> None:
    k = f"ls_{shop_id}_"
    st.markdown(f"**{t('loyalty.s.settings')}**")
    status_caption(ss)
    enabled = st.toggle(t("loyalty.enabled"), value=ss["enabled"], key=k + "enabled")
    a, b, c, d = st.columns(4)
    moment = a.selectbox(t("loyalty.s.moment"), ["delivery_complete"],
                         format_func=lambda v: t(f"loyalty.s.moment.{v}"), key=k + "moment")
    per_order = int(b.number_input(t("loyalty.s.per_order"), 1, 10, value=ss["stamps_per_order"], key=k + "per"))
    size = int(c.number_input(t("loyalty.s.card_size"), 1, 100, value=ss["card_size"], key=k + "size"))
    reward = d.text_input(t("loyalty.s.reward"), value=ss["reward"], key=k + "reward")
    if st.button(t("loyalty.save"), type="primary", key=k + "save"):
        save(shop_id, "stamp", {"enabled": enabled, "moment": moment, "stamps_per_order": per_order,
                                "card_size": size, "reward": reward})
    st.divider()
    st.markdown(f"**{t('loyalty.s.cards')}**")
    st.caption(t("loyalty.s.totals", **{k_: i18n.count(v) for k_, v in views.stamp_totals(db, shop_id).items()}))
    search = st.text_input(t("loyalty.s.search"), key="ls_search").strip()
    cards = load_cards(db, shop_id, search)
    if not cards:
        st.info(t("loyalty.s.none"))
        return
    st.dataframe([{
        t("loyalty.s.col.member"): f"{r['member_name'] or ''} ({r['member_key']})",
        t("loyalty.s.col.stamps"): r["stamps"],
        t("loyalty.s.col.on_card"): t("loyalty.s.on_card", n=r["on_card"], size=r["card_size"]),
        t("loyalty.s.col.full_cards"): r["full_cards"], t("loyalty.s.col.rewards"): r["rewards"],
        t("loyalty.s.col.last"): when(r["last_stamp_at"]),
    } for r in cards], hide_index=True, placeholder="", width="stretch")
    names = {r["member_key"]: f"{r['member_name'] or ''} ({r['member_key']})" for r in cards}
    member = st.selectbox(t("loyalty.s.ledger_member"), list(names), format_func=names.get, key="ls_ledger_member")
    st.markdown(f"**{t('loyalty.s.ledger')}**")
    st.dataframe([{
        t("loyalty.s.col.when"): when(e["occurred_at"]),
        t("loyalty.s.col.what"): (t("loyalty.s.ledger.stamp", n=e["stamps"], order=e["order_key"])
                                  if e["kind"] == "stamp" else
                                  t("loyalty.s.ledger.reward", card=e["card_no"], reward=e["reward"],
                                    order=e["order_key"])),
        t("loyalty.s.col.total"): e["total"],
    } for e in views.ledger(db, shop_id, member)], hide_index=True, placeholder="", width="stretch")


# ------------------------------------------------------------------ 알림톡

def alimtalk_tab(shop_id: str, al: dict) -> None:
    k = f"la_{shop_id}_"
    st.markdown(f"**{t('loyalty.a.settings')}**")
    st.caption(t("loyalty.a.info"))
    enabled = st.toggle(t("loyalty.enabled"), value=al["enabled"], key=k + "enabled")
    providers = ("sandbox", "nhn")
    provider = st.radio(t("loyalty.a.provider"), providers, index=providers.index(al["provider"]), horizontal=True,
                        format_func=lambda v: t(f"loyalty.a.provider.{v}"), key=k + "provider")
    values = {"enabled": enabled, "provider": provider, "app_key": al["app_key"], "sender_key": al["sender_key"],
              "base_url": al["base_url"]}
    secret = ""
    if provider == "nhn":
        a, b = st.columns(2)
        values["app_key"] = a.text_input(t("loyalty.a.app_key"), value=al["app_key"], key=k + "app")
        values["sender_key"] = b.text_input(t("loyalty.a.sender_key"), value=al["sender_key"], key=k + "sender")
        secret = a.text_input(t("loyalty.a.secret_key"), type="password", key=k + "secret",
                              help=t("loyalty.a.secret_saved") if al["has_secret"] else None)
        values["base_url"] = b.text_input(t("loyalty.a.base_url"), value=al["base_url"], key=k + "base")
    cols = st.columns(len(NOTICE_KINDS))
    values["templates"] = {kind: cols[n].text_input(t(f"loyalty.a.template.{kind}"),
                                                    value=al["templates"].get(kind, ""), max_chars=20,
                                                    key=k + f"tpl_{kind}")
                           for n, kind in enumerate(NOTICE_KINDS)}
    for kind in NOTICE_KINDS:
        st.caption(f"{t(f'loyalty.a.template.{kind}')} · " + t("loyalty.a.variables", names=", ".join(
            f"#{{{v}}}" for v in views.VARIABLES[kind])))
    a, b = st.columns(2)
    values["sms_fallback"] = a.toggle(t("loyalty.a.sms_fallback"), value=al["sms_fallback"], key=k + "sms")
    values["fallback_send_no"] = b.text_input(t("loyalty.a.fallback_send_no"), value=al["fallback_send_no"],
                                              key=k + "sendno")
    if st.button(t("loyalty.save"), type="primary", key=k + "save"):
        if secret.strip():
            views.save_alimtalk_secret(shop_id, secret)
        save(shop_id, "alimtalk", values)
    st.caption(t("loyalty.a.activity_hint"))
    if provider == "sandbox":
        st.markdown(f"**{t('loyalty.a.sandbox_log')}**")
        rows = views.sandbox_messages(db)
        if not rows:
            st.caption(t("loyalty.a.sandbox_none"))
        else:
            st.dataframe([{t("loyalty.a.col.recorded_at"): r["recorded_at"],
                           t("loyalty.a.col.template"): r["template_code"],
                           t("loyalty.a.col.recipient"): r["recipient"], t("loyalty.a.col.variables"): r["variables"]}
                          for r in rows], hide_index=True, placeholder="", width="stretch")


# ------------------------------------------------------------------ the page

SECTIONS = ("history", "warranty", "stamps", "alimtalk")


st.title(t("loyalty.title"))
st.caption(t("loyalty.subtitle"))
flash()
shop_id = st.session_state.get("shop_id")
if not shop_id:
    st.info(t("loyalty.no_shop"))
    st.stop()
settings = load_settings(db, shop_id)
common.relabel(st.session_state, "loyalty", ["lw_status", f"ls_{shop_id}_moment"])
# The open tab is kept (by its position, so it survives a change of language): a save reruns the page with a
# message above the tabs, and stateless tabs would jump back to the first one.
labels = [t(f"loyalty.tab.{section}") for section in SECTIONS]
history, warranty, stamps, alimtalk = st.tabs(labels, key="loyalty_tab", on_change="rerun",
                                              default=labels[st.session_state.get("loyalty_section", 0)])
st.session_state["loyalty_section"] = labels.index(st.session_state["loyalty_tab"])
with history:
    history_tab(shop_id)
with warranty:
    warranty_tab(shop_id, settings["warranty"])
with stamps:
    stamps_tab(shop_id, settings["stamp"])
with alimtalk:
    alimtalk_tab(shop_id, settings["alimtalk"])
