"""자동 이메일 (Automations): the list with results, pause / resume, who would receive each one,
and the wizard in Stibee's order: 주소록 → 발송 조건 → 발송 정보 → 내용 → 시작하기."""
from __future__ import annotations

import base64

import streamlit as st

from core import i18n
from core.console import automations as views
from core.console import block_editor as blocks
from core.console import common, errors
from core.i18n import t

db = views.store_path()
STEPS = len(views.WIZARD_STEPS)
CUSTOM = "custom"


@st.cache_data(ttl=10, show_spinner=False)
def load_rows(db: str, shop_id: str | None, lang: str, archived: bool = False) -> list[views.AutomationRow]:
    i18n.set_language(lang)
    return views.automation_rows(db, shop_id, archived=archived)


@st.cache_data(ttl=10, show_spinner=False)
def load_figures(db: str, shop_id: str, days: int, tz: str) -> dict[str, views.Figures]:
    return views.card_figures(db, shop_id, days, tz)


@st.cache_data(ttl=10, show_spinner=False)
def load_queue(db: str, automation_id: str, tz: str, lang: str) -> list[views.QueuedRow]:
    i18n.set_language(lang)
    return views.queue_rows(db, automation_id, tz)


@st.cache_data(ttl=10, show_spinner=False)
def load_honest(db: str, automation_id: str, days: int, tz: str, lang: str) -> views.HonestPreview:
    i18n.set_language(lang)
    return views.honest_preview(db, automation_id, days, tz)


@st.cache_data(ttl=10, show_spinner=False)
def load_books(db: str) -> list[views.AddressBook]:
    return views.address_books(db)


def refresh() -> None:
    st.cache_data.clear()


def flash() -> None:
    kind, text = st.session_state.pop("auto_flash", (None, None))
    if kind == "success":
        st.success(text, icon=":material/check_circle:")
    elif kind == "error":
        st.error(text, icon=":material/error:")
        if st.session_state.pop("auto_flash_sender", False):
            st.page_link("pages/sender.py", label=t("sender.go_settings"), icon=":material/mail:")


# ------------------------------------------------------------------ the list

def rate(value: float | None) -> str | None:
    return None if value is None else t("auto.rate", rate=value)


def change_status(row: dict, status: str) -> None:
    try:
        views.set_status(db, row["automation_id"], status)
    except views.Refused as exc:
        st.session_state["auto_flash"] = ("error", t("auto.failed_action", problem=errors.describe(exc)))
        st.session_state["auto_flash_sender"] = views.needs_sender(exc)
    else:
        st.session_state["auto_flash"] = ("success", t("auto.status_changed", name=row["name"],
                                                       status=views.status_label(status)))
    refresh()


def act(call, *args: object, done: str, **words: object) -> None:
    """Run a console action from a button; its words (or why it was refused) show at the next run."""
    try:
        call(db, *args)
    except (views.Refused, views.WizardProblem) as exc:
        st.session_state["auto_flash"] = ("error", t("auto.failed_action", problem=errors.describe(exc)
                                                     if isinstance(exc, views.Refused) else str(exc)))
    else:
        st.session_state["auto_flash"] = ("success", t(done, **words))
    refresh()


def start_edit(row: dict) -> None:
    reset_wizard()
    st.session_state["wiz"] = views.draft_of(db, row["automation_id"])
    st.session_state["wiz_step"] = 0
    st.session_state["auto_next_view"] = "new"


def status_button(row: dict, actions) -> None:
    aid = row["automation_id"]
    if row["status"] == "running":
        actions.button(t("auto.pause"), key=f"pause:{aid}", icon=":material/pause:",
                       on_click=change_status, args=(row, "paused"))
    elif row["status"] == "paused":
        actions.button(t("auto.resume"), key=f"resume:{aid}", icon=":material/play_arrow:", type="primary",
                       on_click=change_status, args=(row, "running"), help=t("auto.paused_note"))
    else:
        actions.button(t("auto.start"), key=f"start:{aid}", icon=":material/play_arrow:", type="primary",
                       on_click=change_status, args=(row, "running"))


def lifetime_metrics(row: dict) -> None:
    st.caption(t("manage.lifetime"))
    cols = st.columns(7)
    cols[0].metric(t("auto.m.sent"), i18n.count(row["sent"]))
    cols[1].metric(t("auto.m.skipped"), i18n.count(row["skipped_total"]))
    cols[2].metric(t("auto.m.failed"), i18n.count(row["failed"]))
    cols[3].metric(t("auto.m.opened"), i18n.count(row["opened"]), delta=rate(row["open_rate"]),
                   delta_color="off", delta_arrow="off")
    cols[4].metric(t("auto.m.clicked"), i18n.count(row["clicked"]), delta=rate(row["click_rate"]),
                   delta_color="off", delta_arrow="off")
    cols[5].metric(t("auto.m.converted"), i18n.count(row["converted"]))
    cols[6].metric(t("auto.m.revenue"), i18n.won(row["revenue"]))


def period_figures(figures: views.Figures, days: int) -> None:
    """Sent, opened, clicked, orders and revenue over the chosen period, with a small chart by day."""
    numbers, chart = st.columns([3, 2])
    with numbers:
        cols = st.columns(5)
        cols[0].metric(t("manage.f.sent", days=days), i18n.count(figures["sent"]))
        cols[1].metric(t("manage.f.opened", days=days), i18n.count(figures["opened"]))
        cols[2].metric(t("manage.f.clicked", days=days), i18n.count(figures["clicked"]))
        cols[3].metric(t("manage.f.orders", days=days), i18n.count(figures["orders"]))
        cols[4].metric(t("manage.f.revenue", days=days), i18n.won(figures["revenue"]))
    if figures["sent"]:
        day, sent = t("auto.preview.day"), t("manage.chart.sent")
        chart.bar_chart([{day: d["day"].strftime("%m-%d"), sent: d["sent"]} for d in figures["by_day"]],
                        x=day, y=sent, height=170, color="#2563eb")
    else:
        chart.caption(t("manage.chart.none", days=days))


def queue_action(row: dict, action: str) -> None:
    aid = row["automation_id"]
    chosen = list(st.session_state.get(f"queue_pick:{aid}") or [])
    if not chosen:
        st.session_state["auto_flash"] = ("error", t("manage.queue_pick_first"))
        return
    if action == "send":
        act(views.send_now, aid, chosen, done="manage.queue_sent_now", n=len(chosen), name=row["name"])
    else:
        act(views.remove_queued, aid, chosen, done="manage.queue_removed", n=len(chosen), name=row["name"])
    st.session_state[f"queue_pick:{aid}"] = []  # done with: the next choice starts afresh


def send_test(row: dict) -> None:
    aid = row["automation_id"]
    to = st.session_state.get(f"test_to:{aid}", "")
    member_key = st.session_state.get(f"test_member:{aid}")
    try:
        subject = views.test_send(db, row["shop_id"], to, automation_id=aid, member_key=member_key)
    except views.TestRefused as exc:
        st.session_state["auto_flash"] = ("error", t("manage.test_failed", problem=errors.describe(exc)))
    else:
        st.session_state["auto_flash"] = ("success", t("manage.test_sent", to=to.strip(), subject=subject))


def queue_panel(row: dict, tz: str) -> None:
    """발송 대기: who is waiting, when each is due and why; send now, remove, or test-send one."""
    aid = row["automation_id"]
    queued = load_queue(db, aid, tz, i18n.language())
    with st.expander(t("manage.queue_title", n=i18n.count(len(queued))), icon=":material/schedule_send:"):
        if queued:
            st.dataframe([{t("manage.col.who"): q["who"], t("col.email"): q["email"], t("manage.col.due"): q["due"],
                           t("manage.col.why"): q["why"], t("manage.col.state"): q["state"]} for q in queued],
                         hide_index=True, placeholder="", width="stretch")
            labels = {q["message_id"]: f"{q['who']} · {q['due']}" for q in queued}
            st.multiselect(t("manage.queue_pick"), list(labels), format_func=labels.get, key=f"queue_pick:{aid}",
                           placeholder=t("wiz.pick"))
            now_col, remove_col = st.columns(2)
            now_col.button(t("manage.queue_send_now"), key=f"queue_now:{aid}", icon=":material/send:",
                           on_click=queue_action, args=(row, "send"), help=t("manage.queue_send_now_help"))
            remove_col.button(t("manage.queue_remove"), key=f"queue_remove:{aid}", icon=":material/block:",
                              on_click=queue_action, args=(row, "remove"), help=t("manage.queue_remove_help"))
            if any(q["kept_content"] for q in queued):
                st.caption(t("manage.queue_kept"))
        else:
            st.caption(t("manage.queue_empty"))
        members = {q["member_key"]: q["who"] for q in queued if q["member_key"]}
        to_col, who_col, go_col = st.columns([2, 2, 1], vertical_alignment="bottom")
        to_col.text_input(t("manage.test_to"), key=f"test_to:{aid}", placeholder="me@example.com")
        who_col.selectbox(t("manage.test_member"), [None, *members], key=f"test_member:{aid}",
                                format_func=lambda k: t("manage.test_sample") if k is None else members[k])
        go_col.button(t("manage.test_send"), key=f"test_send:{aid}", icon=":material/outgoing_mail:",
                      on_click=send_test, args=(row,))


def automation_card(row: dict, figures: views.Figures, days: int, tz: str) -> None:
    with st.container(border=True):
        st.subheader(t("auto.card", name=row["name"]), anchor=False)
        st.caption(t("auto.card_caption", status=row["status_label"], trigger=row["trigger_label"],
                     detail=row["detail"],
                     advertising=t("auto.advertising" if row["is_advertising"] else "auto.not_advertising")))
        st.caption(t("manage.audience", group=row["audience_label"]))
        aid = row["automation_id"]
        with st.container(horizontal=True):
            status_button(row, st)
            st.button(t("manage.edit"), key=f"edit:{aid}", icon=":material/edit:", on_click=start_edit, args=(row,))
            st.button(t("manage.duplicate"), key=f"duplicate:{aid}", icon=":material/content_copy:",
                      on_click=act, args=(views.duplicate, aid),
                      kwargs={"done": "manage.duplicated", "name": row["name"]})
            with st.popover(t("manage.delete"), icon=":material/delete:"):
                st.write(t("manage.delete_confirm", name=row["name"]))
                st.button(t("manage.delete_yes"), key=f"archive:{aid}", type="primary", on_click=act,
                          args=(views.archive, aid), kwargs={"done": "manage.archived", "name": row["name"]})
        period_figures(figures, days)
        lifetime_metrics(row)
        notes = []  # what is pending is in the queue below
        if row["unknown"]:
            notes.append(t("auto.m.unknown", n=i18n.count(row["unknown"])))
        if row["reasons_text"]:
            notes.append(t("auto.skipped_by", reasons=row["reasons_text"]))
        if notes:
            st.caption(" · ".join(notes))
        queue_panel(row, tz)


def preview_result(result: views.HonestPreview) -> None:
    """Receivers and, beside them, those who will be skipped, by reason, with a sample of each."""
    receive, skip = st.columns(2)
    receive.metric(t("auto.preview.total"), i18n.count(result["receivers"]))
    skip.metric(t("manage.preview.skipped"), i18n.count(result["skipped"]))
    with receive:
        if result["sample"]:
            st.caption(t("auto.preview.sample", n=len(result["sample"])))
            st.dataframe([{t("col.member_name"): s["name"], t("col.email"): s["email"],
                           t("col.due_at"): s["due"]} for s in result["sample"]],
                         hide_index=True, placeholder="", width="stretch")
        else:
            st.caption(t("auto.preview.none"))
    with skip:
        if not result["by_reason"]:
            st.caption(t("manage.preview.no_skips"))
        for group in result["by_reason"]:
            with st.expander(t("manage.preview.reason", reason=group["label"], n=i18n.count(group["count"]))):
                st.dataframe([{t("col.member_name"): s["name"], t("col.email"): s["email"]}
                              for s in group["sample"]], hide_index=True, placeholder="", width="stretch")


def who_would_receive(rows: list[views.AutomationRow], tz: str) -> None:
    st.subheader(t("auto.preview.title"), anchor=False, help=t("manage.preview.help"))
    names = {r["automation_id"]: f"{r['name']} ({r['status_label']})" for r in rows}
    left, right = st.columns([3, 2])
    aid = left.selectbox(t("auto.preview.automation"), list(names), format_func=names.get, key="preview_automation")
    days = right.radio(t("auto.preview.window"), [1, 7], horizontal=True, key="preview_days",
                       format_func=lambda d: t("auto.preview.24h" if d == 1 else "auto.preview.7d"))
    try:
        result = load_honest(db, aid, days, tz, i18n.language())
    except views.Refused as exc:
        st.error(errors.describe(exc))
        return
    preview_result(result)


def list_view(shop_id: str, tz: str) -> None:
    rows = load_rows(db, shop_id, i18n.language())
    if not rows:
        st.info(t("auto.none"), icon=":material/mail:")
        return
    days = st.radio(t("manage.period"), list(views.FIGURE_DAYS), horizontal=True, key="auto_period",
                    format_func=lambda d: t("manage.period_days", days=d))
    figures = load_figures(db, shop_id, days, tz)
    for row in rows:
        automation_card(row, figures.get(row["automation_id"]) or views.empty_figures(), days, tz)
    st.divider()
    who_would_receive(rows, tz)


def archive_view(shop_id: str) -> None:
    """보관함: deleted automations, never acting, with their history and results."""
    rows = load_rows(db, shop_id, i18n.language(), archived=True)
    st.caption(t("manage.archive_note"))
    if not rows:
        st.info(t("manage.archive_empty"), icon=":material/inventory_2:")
        return
    for row in rows:
        with st.container(border=True):
            head, actions = st.columns([4, 1], vertical_alignment="center")
            head.subheader(t("auto.card", name=row["name"]), anchor=False)
            head.caption(t("auto.card_caption", status=row["status_label"], trigger=row["trigger_label"],
                           detail=row["detail"],
                           advertising=t("auto.advertising" if row["is_advertising"] else "auto.not_advertising")))
            actions.button(t("manage.restore"), key=f"restore:{row['automation_id']}", icon=":material/unarchive:",
                           on_click=act, args=(views.restore, row["automation_id"]),
                           kwargs={"done": "manage.restored", "name": row["name"]})
            lifetime_metrics(row)


# ------------------------------------------------------------------ the wizard

def draft() -> dict:
    return st.session_state.setdefault("wiz", {})


def init(key: str, value: object) -> None:
    """A widget's starting value from the draft (widget state is dropped while its step is hidden)."""
    if key not in st.session_state:
        st.session_state[key] = value


def starter_for(trigger: str) -> dict:
    return views.starter_template(trigger)


def step_address_book(d: dict, books: list[views.AddressBook]) -> None:
    names = {b["shop_id"]: b for b in books}
    init("wiz_shop", d.get("shop_id") or st.session_state.get("shop_id") or books[0]["shop_id"])
    shop = st.selectbox(t("wiz.address_book"), list(names), key="wiz_shop", disabled=bool(d.get("edit_id")),
                        format_func=lambda s: f"{names[s]['name']} ({s})")
    b = names[shop]
    st.caption(t("wiz.address_book_stats", members=i18n.count(b["members"]), emails=i18n.count(b["emails"]),
                 consents=i18n.count(b["consents"])))
    groups = {g["segment_id"]: g["name"] for g in views.address_book_groups(db, shop)}
    init("wiz_group", d.get("segment_id"))
    st.selectbox(t("wiz.group"), [None, *groups], key="wiz_group", help=t("wiz.group_help"),
                 format_func=lambda g: t("wiz.group_all") if g is None else groups.get(g, g))
    init("wiz_name", d.get("name", ""))
    st.text_input(t("wiz.name"), key="wiz_name")


def collect_address_book(d: dict) -> None:
    d["shop_id"] = st.session_state.get("wiz_shop")
    d["segment_id"] = st.session_state.get("wiz_group")
    d["name"] = st.session_state.get("wiz_name", "")


def step_trigger(d: dict) -> None:
    init("wiz_trigger", d.get("trigger", "purchased"))
    trigger = st.radio(t("wiz.trigger"), list(views.TRIGGERS), key="wiz_trigger", format_func=views.trigger_label)
    st.caption(t(f"auto.trigger_help.{trigger}"))
    params = d.get("trigger_params") or {}
    if trigger in views.DAY_TRIGGERS:
        days = params.get("days", 7)
        init("wiz_days_choice", days if days in views.WIZARD_DAYS else CUSTOM)
        choice = st.radio(t("wiz.days"), [*views.WIZARD_DAYS, CUSTOM], key="wiz_days_choice", horizontal=True,
                          format_func=lambda v: t("wiz.days_custom") if v == CUSTOM else t("wiz.days_label", days=v))
        if choice == CUSTOM:
            init("wiz_days_value", days)
            st.number_input(t("wiz.days_value"), min_value=1, max_value=365, step=1, key="wiz_days_value")
    elif trigger == "purchased":
        options = views.catalog(db, d["shop_id"])
        products, categories = dict(options["products"]), dict(options["categories"])
        if not products and not categories:
            st.info(t("wiz.no_catalog"), icon=":material/inventory_2:")
        if products:
            init("wiz_products", [k for k in params.get("product_keys", []) if k in products])
            st.multiselect(t("wiz.products"), list(products), key="wiz_products", format_func=products.get,
                           **common.multiselect_words())
        if categories:
            init("wiz_categories", [k for k in params.get("category_keys", []) if k in categories])
            st.multiselect(t("wiz.categories"), list(categories), key="wiz_categories",
                           format_func=categories.get, **common.multiselect_words())
    elif trigger == "cart_abandoned":
        init("wiz_threshold", params.get("threshold_minutes", 60))
        st.number_input(t("wiz.threshold"), min_value=5, max_value=7 * 24 * 60, step=5, key="wiz_threshold")
    init("wiz_delay", (d.get("delay_minutes") or 0) // 60)
    st.number_input(t("wiz.delay"), min_value=0, max_value=365 * 24, step=1, key="wiz_delay")


def collect_trigger(d: dict) -> None:
    s = st.session_state
    trigger = s.get("wiz_trigger", "purchased")
    if trigger != d.get("trigger"):  # a new trigger brings its own starter subject and content
        for key in ("subject", "preheader", "html", "text", "template_source", "blocks"):
            d.pop(key, None)
        for key in ("wiz_blocks", "wiz_html", "wiz_text", "wiz_source"):  # the content step starts afresh
            s.pop(key, None)
        d["is_advertising"] = views.default_advertising(trigger)  # Korean practice's default for it
    d["trigger"] = trigger
    choice = s.get("wiz_days_choice", 7)
    days = int(s.get("wiz_days_value", 7)) if choice == CUSTOM else choice
    d["trigger_params"] = views.trigger_params(
        trigger, days=days, product_keys=s.get("wiz_products"), category_keys=s.get("wiz_categories"),
        threshold_minutes=int(s["wiz_threshold"]) if "wiz_threshold" in s else None)
    d["delay_minutes"] = int(s.get("wiz_delay", 0)) * 60
    if not d.get("name"):
        d["name"] = t("wiz.name_default", trigger=views.trigger_label(trigger))


def step_send_info(d: dict) -> None:
    starter = starter_for(d["trigger"])
    sender = views.sender_defaults(db, d["shop_id"])
    init("wiz_subject", d.get("subject", starter["subject"]))
    init("wiz_sender_name", d.get("sender_name", sender["sender_name"]))
    init("wiz_sender_email", d.get("sender_email", sender["sender_email"]))
    init("wiz_preheader", d.get("preheader", starter["preheader"]))
    init("wiz_advertising", d.get("is_advertising", views.default_advertising(d["trigger"])))
    st.text_input(t("wiz.subject"), key="wiz_subject", help=t("wiz.subject_help"))
    if not views.has_working_sender(db, d["shop_id"]):
        st.warning(t("sender.needed"), icon=":material/warning:")
        st.page_link("pages/sender.py", label=t("sender.go_settings"), icon=":material/mail:")
    left, right = st.columns(2)
    left.text_input(t("wiz.sender_name"), key="wiz_sender_name")
    right.text_input(t("wiz.sender_email"), key="wiz_sender_email")
    st.text_input(t("wiz.preheader"), key="wiz_preheader", help=t("wiz.preheader_help"))
    kind = st.radio(t("manage.kind"), [True, False], key="wiz_advertising", horizontal=True,
                    format_func=lambda v: t("manage.kind.ad" if v else "manage.kind.info"),
                    help=t("wiz.advertising_help"))
    st.caption(t("manage.kind_effect.ad" if kind else "manage.kind_effect.info"))


def collect_send_info(d: dict) -> None:
    s = st.session_state
    d.update(subject=s.get("wiz_subject", ""), sender_name=s.get("wiz_sender_name", ""),
             sender_email=(s.get("wiz_sender_email") or "").strip(), preheader=s.get("wiz_preheader", ""),
             is_advertising=bool(s.get("wiz_advertising", True)))


def load_source() -> None:
    """The template picked as the starting point replaces the editor's content (its blocks, or its HTML)."""
    d = draft()
    chosen = wizard_sources(d)[st.session_state["wiz_source"]]
    st.session_state["wiz_blocks"] = chosen.get("blocks")
    st.session_state["wiz_html"] = chosen["html"]
    st.session_state["wiz_text"] = chosen.get("text") or ""


def wizard_sources(d: dict) -> dict[str, dict]:
    """The trigger's starter (as blocks) and the shop's saved templates for it (blocks, or raw HTML)."""
    starter = views.block_starter(d["trigger"])
    sources = {"starter": {**starter, "label": t("wiz.starter", name=starter["name"])}}
    for saved in views.saved_templates(db, d["shop_id"]):
        if saved["trigger"] == d["trigger"]:
            sources[saved["template_id"]] = {**saved, "label": t("wiz.saved", name=saved["name"])}
    return sources


def email_frame(html: str, width: int | None = None, height: int = 640) -> None:
    # A data: URL gets an opaque origin: the e-mail's HTML cannot reach the console's page.
    st.iframe("data:text/html;charset=utf-8;base64," + base64.b64encode(html.encode()).decode(),
              width=width or "stretch", height=height)


def step_content(d: dict) -> None:
    """The trigger's starter, or the automation's saved template, in the block editor (a template without
    blocks in the raw HTML editor), beside a live preview at desktop or phone width and a test send."""
    common.relabel(st.session_state, "automations.content",
                   [k for k in st.session_state if k in ("wiz_source", "wiz_blk_add_kind", "wiz_preview_width")
                    or str(k).startswith("wiz_blk_") and str(k).endswith(("_style", "_source", "_show_if"))])
    sources = wizard_sources(d)
    init("wiz_source", d.get("template_source", "starter"))
    if st.session_state["wiz_source"] not in sources:
        st.session_state["wiz_source"] = "starter"
    source = sources[st.session_state["wiz_source"]]
    init("wiz_blocks", d["blocks"] if "blocks" in d else source.get("blocks"))
    init("wiz_html", d.get("html", source["html"]))
    init("wiz_text", d.get("text", source.get("text") or ""))
    edit, look = st.columns([2, 3])  # the preview column holds a 600 px desktop mail on a laptop screen
    with edit:
        st.selectbox(t("wiz.template_from"), list(sources), key="wiz_source",
                     format_func=lambda k: sources[k]["label"], on_change=load_source)
        if st.session_state["wiz_blocks"] is not None:
            block_list(d["shop_id"], d["trigger"])
            st.caption(t("blocks.text_from_blocks"))
        else:
            st.text_area(t("wiz.html"), key="wiz_html", height=420)
            st.text_area(t("wiz.text"), key="wiz_text", height=160)
        with st.expander(t("tpl.fields")):
            st.markdown("\n".join(f"- `{{{{ {f} }}}}` — {desc}" for f, desc in views.merge_fields(d["trigger"])))
    with look:
        content_preview(d)


def content_preview(d: dict) -> None:
    st.markdown(f"**{t('tpl.preview')}**")
    s = st.session_state
    template = {"subject": d.get("subject", ""), "preheader": d.get("preheader", ""), "html": s["wiz_html"],
                "text": (s["wiz_text"] or None) if s["wiz_blocks"] is None else None}
    context = blocks.shop_sample_context(db, d["shop_id"], d["trigger"])  # the shop's name and products
    rendered, problem = views.render_preview(template, d["trigger"], context,
                                             advertising=d.get("is_advertising", True),
                                             sender=views.preview_sender(db, d["shop_id"]))
    if problem:
        st.warning(t("tpl.preview_failed", problem=problem))
    else:
        st.markdown(t("tpl.preview_subject", subject=rendered.subject))
        widths = {600: t("blocks.preview_desktop"), 375: t("blocks.preview_phone")}
        width = st.segmented_control(t("blocks.preview_width"), list(widths), format_func=widths.get,
                                     key="wiz_preview_width", default=600) or 600
        email_frame(rendered.html, width=width)
        with st.expander(t("tpl.preview_text")):
            st.code(rendered.text, language=None, wrap_lines=True)
    to_col, go_col = st.columns([3, 1], vertical_alignment="bottom")
    to_col.text_input(t("manage.test_to"), key="wiz_test_to", placeholder="me@example.com")
    if go_col.button(t("manage.test_send"), key="wiz_test_send", icon=":material/outgoing_mail:"):
        wizard_test_send(d, template)


# ---------------------------------------------------------------- the block editor in the content step
# The same editor as the Templates page's (its logic in core.console.block_editor); its widget keys start
# with "wiz" so that leaving the wizard drops them with the rest of the draft.

def set_blocks(new: list[dict]) -> None:
    st.session_state["wiz_blocks"] = new


def add_block() -> None:
    s = st.session_state
    s["wiz_blocks"] = [*s["wiz_blocks"], blocks.new_block(s["wiz_blk_add_kind"])]


def to_html() -> None:
    """Leave the block editor for raw HTML: the HTML starts as what the blocks compile to."""
    s = st.session_state
    html, _problem = blocks.compiled(s["wiz_blocks"], draft()["trigger"])
    if html is not None:
        s["wiz_html"] = html
    s["wiz_text"] = ""
    s["wiz_blocks"] = None


def widget(block: dict, field: str) -> str:
    """The key of a block's form field; seeded from the block the first time it is drawn."""
    key = f"wiz_blk_{block['id']}_{field}"
    if key not in st.session_state:
        value = block.get(field)
        st.session_state[key] = [p.get("product_key") or p["name"] for p in value] if field == "products" else value
    return key


def block_form(shop_id: str, trigger: str, block: dict) -> dict:
    """The block's form; returns the values typed into it."""
    values: dict = {}
    for field in blocks.FIELDS[block["type"]]:
        key, label = widget(block, field), blocks.field_label(field)
        if field == "text":
            values[field] = st.text_area(label, key=key, height=90, help=t("blocks.field_help.text"))
        elif field in ("label", "title", "alt", "code"):
            values[field] = st.text_input(label, key=key)
        elif field in ("src", "link"):
            values[field] = st.text_input(label, key=key, help=t("blocks.field_help.link"))
        elif field in ("width", "height"):
            values[field] = int(st.number_input(label, key=key, min_value=0, max_value=600, step=4))
        elif field == "style":
            values[field] = st.selectbox(label, list(blocks.TEXT_STYLES), key=key, format_func=blocks.style_label)
        elif field == "source":
            options = blocks.sources(trigger)
            if st.session_state[key] not in options:
                st.session_state[key] = options[0]
            values[field] = st.selectbox(label, options, key=key, format_func=blocks.source_label)
        elif field == "show_total":
            values[field] = st.checkbox(label, key=key)
        elif field == "products":
            values[field] = chosen_products(shop_id, key, label, values.get("source"))
    key = widget(block, "show_if")
    options = blocks.show_if_choices(trigger)
    if st.session_state[key] not in options:
        st.session_state[key] = ""
    values["show_if"] = st.selectbox(blocks.field_label("show_if"), options, key=key,
                                     format_func=lambda f: t("blocks.when", field=f) if f else t("blocks.always"))
    return values


@st.cache_data(ttl=60, show_spinner=False)
def load_products(db: str, shop_id: str) -> list[dict]:
    return blocks.store_products(db, shop_id)


def chosen_products(shop_id: str, key: str, label: str, source: str | None) -> list[dict]:
    if source != "chosen":
        return []
    products = {p["product_key"]: p for p in load_products(db, shop_id)}
    if not products:
        st.caption(t("blocks.no_products"))
        return []
    st.session_state[key] = [k for k in st.session_state[key] if k in products]
    picked = st.multiselect(label, list(products), key=key, format_func=lambda k: products[k]["name"])
    return [blocks.chosen_product(products[k]) for k in picked]


def block_list(shop_id: str, trigger: str) -> None:
    """Each block in its form, with up / down / remove; then a block to add; the legal footer last."""
    st.markdown(f"**{t('blocks.title')}**")
    st.caption(t("blocks.help"))
    current = st.session_state["wiz_blocks"]
    if not current:
        st.info(t("blocks.empty_list"), icon=":material/view_agenda:")
    for index, block in enumerate(current):
        with st.expander(blocks.summary(block, index), expanded=False):
            current = blocks.update(current, index, block_form(shop_id, trigger, block))
            up, down, drop = st.columns(3)
            up.button(t("blocks.up"), key=f"wiz_blk_{block['id']}_up", icon=":material/arrow_upward:",
                      disabled=index == 0, on_click=set_blocks, args=(blocks.move(current, index, -1),))
            down.button(t("blocks.down"), key=f"wiz_blk_{block['id']}_down", icon=":material/arrow_downward:",
                        disabled=index == len(current) - 1, on_click=set_blocks,
                        args=(blocks.move(current, index, 1),))
            drop.button(t("blocks.remove"), key=f"wiz_blk_{block['id']}_remove", icon=":material/delete:",
                        on_click=set_blocks, args=(blocks.remove(current, index),))
    st.session_state["wiz_blocks"] = current
    st.caption(":material/lock: " + t("blocks.footer"))
    kind_col, add_col = st.columns([3, 2], vertical_alignment="bottom")
    kind_col.selectbox(t("blocks.add_kind"), list(blocks.KINDS), key="wiz_blk_add_kind",
                       format_func=blocks.kind_label)
    add_col.button(t("blocks.add"), key="wiz_blk_add", icon=":material/add:", on_click=add_block)
    problem = blocks.problem_of(current, trigger)
    if problem is not None:
        st.warning(t("blocks.problem", problem=problem.message), icon=":material/error:")
    else:
        html, _none = blocks.compiled(current, trigger)
        st.session_state["wiz_html"] = html or ""
    st.button(t("blocks.to_html"), key="wiz_to_html", help=t("blocks.to_html_help"), icon=":material/code:",
              on_click=to_html)


def wizard_test_send(d: dict, template: dict) -> None:
    """The content as it is in the editor, to the address typed, through the shop's sender settings."""
    to = st.session_state.get("wiz_test_to", "")
    content = {**template, "trigger": d["trigger"], "is_advertising": d.get("is_advertising", True),
               "sender_name": d.get("sender_name"), "sender_email": d.get("sender_email")}
    try:
        subject = views.test_send(db, d["shop_id"], to, draft=content)
    except views.TestRefused as exc:
        st.error(t("manage.test_failed", problem=errors.describe(exc)), icon=":material/error:")
    else:
        st.success(t("manage.test_sent", to=to.strip(), subject=subject), icon=":material/check_circle:")


def collect_content(d: dict) -> None:
    s = st.session_state
    kept = s.get("wiz_blocks", d.get("blocks"))
    d.update(template_source=s.get("wiz_source", "starter"), html=s.get("wiz_html", ""),
             text="" if kept is not None else s.get("wiz_text", ""), blocks=kept)


def step_start(d: dict, books: list[views.AddressBook], tz: str) -> None:
    st.markdown(f"**{t('manage.review_edit' if d.get('edit_id') else 'wiz.review')}**")
    shop = next((b for b in books if b["shop_id"] == d["shop_id"]), {"name": d["shop_id"]})
    lines = [(t("wiz.name"), d["name"]), (t("wiz.address_book"), shop["name"]),
             (t("wiz.trigger"), f"{views.trigger_label(d['trigger'])} · "
                                f"{views.trigger_detail(d['trigger'], d['trigger_params'], d['delay_minutes'])}"),
             (t("wiz.subject"), d["subject"]), (t("wiz.sender_name"), d["sender_name"]),
             (t("wiz.sender_email"), d["sender_email"]), (t("wiz.preheader"), d.get("preheader") or "—"),
             (t("manage.kind"), t("manage.kind.ad" if d["is_advertising"] else "manage.kind.info"))]
    st.markdown("\n".join(f"- {t('wiz.review_line', label=label, value=value)}" for label, value in lines))
    st.markdown(f"**{t('manage.review_preview')}**")
    try:
        preview_result(views.honest_preview(db, None, 1, tz, draft=d))
    except (views.Refused, views.WizardProblem) as exc:
        st.warning(errors.describe(exc) if isinstance(exc, views.Refused) else str(exc))
    if d.get("edit_id"):
        queued = load_queue(db, d["edit_id"], tz, i18n.language())
        st.checkbox(t("manage.rerender", n=i18n.count(len(queued))), key="wiz_rerender",
                    help=t("manage.rerender_help"), disabled=not queued)
        if st.button(t("manage.save_edit"), type="primary", icon=":material/save:", key="wiz_save_edit"):
            finish_edit(d)
        return
    left, right = st.columns(2)
    if left.button(t("wiz.start"), type="primary", icon=":material/play_arrow:", key="wiz_start"):
        finish(d, start=True)
    if right.button(t("wiz.save_draft"), key="wiz_save_draft"):
        finish(d, start=False)


def finish_edit(d: dict) -> None:
    try:
        done = views.save_edit(db, d, rerender=bool(st.session_state.get("wiz_rerender")))
    except views.WizardProblem as exc:
        st.session_state["wiz_step"] = exc.step
        st.session_state["auto_flash"] = ("error", t("wiz.problem", problem=str(exc)))
        st.rerun()
    name = d["name"]
    reset_wizard()
    refresh()
    words = t("manage.saved_edit", name=name)
    if done["kept"]:
        words += " " + t("manage.saved_kept", n=i18n.count(done["kept"]))
    if done["rerendered"]:
        words += " " + t("manage.saved_rerendered", n=i18n.count(done["rerendered"]))
    st.session_state["auto_flash"] = ("success", words)
    st.session_state["auto_next_view"] = "list"
    st.rerun()


def finish(d: dict, *, start: bool) -> None:
    try:
        views.create_from_wizard(db, d, start=start)
    except views.WizardProblem as exc:
        st.session_state["wiz_step"] = exc.step
        st.session_state["auto_flash"] = ("error", t("wiz.problem", problem=str(exc)))
        st.session_state["auto_flash_sender"] = views.needs_sender(exc)
        st.rerun()
    name = d["name"]
    reset_wizard()
    refresh()
    st.session_state["auto_flash"] = ("success", t("wiz.started" if start else "wiz.saved_draft", name=name))
    st.session_state["auto_next_view"] = "list"
    st.rerun()


def reset_wizard() -> None:
    for key in [k for k in st.session_state if str(k).startswith("wiz")]:
        del st.session_state[key]


COLLECT = {0: collect_address_book, 1: collect_trigger, 2: collect_send_info, 3: collect_content}


def move(d: dict, step: int, forward: bool) -> None:
    COLLECT[step](d)
    if forward:
        try:
            views.check_step(step, d)
        except views.WizardProblem as exc:
            st.error(t("wiz.problem", problem=str(exc)), icon=":material/edit_note:")
            return
    st.session_state["wiz_step"] = step + (1 if forward else -1)
    st.rerun()


def wizard_view(books: list[views.AddressBook], tz: str) -> None:
    d = draft()
    step = st.session_state.setdefault("wiz_step", 0)
    # "1. 주소록" at the start of a line would be read as a numbered list: escape the dots.
    labels = [t(f"wiz.step.{i}").replace(".", "\\.", 1) for i in range(STEPS)]
    st.markdown("  →  ".join(f"**{label}**" if i == step else label for i, label in enumerate(labels)))
    st.progress((step + 1) / STEPS)
    with st.container(border=True):
        if step == 0:
            step_address_book(d, books)
        elif step == 1:
            step_trigger(d)
        elif step == 2:
            step_send_info(d)
        elif step == 3:
            step_content(d)
        else:
            step_start(d, books, tz)
    back, cancel, forward = st.columns([1, 1, 1])
    if step > 0 and back.button(t("wiz.back"), key="wiz_back", icon=":material/arrow_back:"):
        if step in COLLECT:
            move(d, step, forward=False)
        else:
            st.session_state["wiz_step"] = step - 1
            st.rerun()
    if cancel.button(t("wiz.cancel"), key="wiz_cancel"):
        reset_wizard()
        st.rerun()
    if step < STEPS - 1 and forward.button(t("wiz.next"), key="wiz_next", type="primary",
                                           icon=":material/arrow_forward:"):
        move(d, step, forward=True)


# ------------------------------------------------------------------ the page

st.title(t("auto.title"))
st.caption(t("auto.subtitle"))
books = load_books(db)
book = views.chosen_book(books, st.session_state.get("shop_id"))
if book is None:
    st.info(t("auto.no_shop"), icon=":material/hub:")
    st.stop()
shop_id, tz = book["shop_id"], book["timezone"]
if "auto_next_view" in st.session_state:
    st.session_state["auto_view"] = st.session_state.pop("auto_next_view")
editing = bool(st.session_state.get("wiz", {}).get("edit_id"))
VIEW_WORDS = {"list": "auto.view.list", "archive": "manage.view.archive",
              "new": "manage.view.edit" if editing else "auto.view.new"}
common.relabel(st.session_state, "automations", ["auto_view"])  # its label in a newly chosen language
view = st.radio("view", list(VIEW_WORDS), key="auto_view", horizontal=True, label_visibility="collapsed",
                format_func=lambda v: t(VIEW_WORDS[v]))
flash()
if view == "list":
    list_view(shop_id, tz)
elif view == "archive":
    archive_view(shop_id)
else:
    wizard_view(books, tz)
