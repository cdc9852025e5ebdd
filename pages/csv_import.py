"""CSV 가져오기 (CSV import): pick or create a CSV shop, upload a file, map its columns, see the bad rows,
import. Widgets and layout only: reading, checking and writing are core.csv_import's, reached through
core.console.csv_import.

The uploaded file is copied in blocks to a file beside the store and kept in session_state[FILE] (an Upload:
the file on disk, its headers and first rows), so the check and the import read it batch by batch and the page
holds no copy of it in memory; the file is removed when the upload is removed or replaced. Streamlit itself
keeps the uploaded bytes in memory while the upload is in the widget and refuses a file beyond
server.maxUploadSize (200 MB unless configured: https://docs.streamlit.io/develop/api-reference/widgets/st.file_uploader);
an upload written straight to disk is an open request (https://github.com/streamlit/streamlit/issues/10828).

The check of that file under the chosen mapping is kept beside it until the file, the kind, the mapping, the
shop, the language or the store (an import) changes.
"""
from __future__ import annotations

import streamlit as st

from core import i18n
from core.console import common, errors
from core.console import csv_import as ci
from core.i18n import t

db = ci.store_path()
FILE = "csv.file"              # the file being imported: an Upload
FROM_UPLOAD = "csv.from_upload"  # FILE came from the upload widget (so removing the upload removes it)
UPLOADED = "csv.uploaded"      # which upload FILE was copied from (its id, name and size)
CHECKED = "csv.checked"        # (what it was checked under, the Checked)
RESULT = "csv.result"          # the last ImportResult, shown once
GENERATION = "csv.generation"  # bumped by each import: a check made before it may be stale
PREVIEW_ROWS = 10
MAX_BAD_SHOWN = 1000


@st.cache_data(ttl=10, show_spinner=False)
def load_csv_shops(db: str) -> list[tuple[str, str]]:
    return [(shop.shop_id, shop.name) for shop in ci.csv_shops(db)]


@st.cache_data(ttl=10, show_spinner=False)
def load_history(db: str, shop_id: str) -> list[ci.SyncRun]:
    return ci.history(db, shop_id, limit=20)


def shop_picker() -> str | None:
    shops = dict(load_csv_shops(db))
    wanted = st.session_state.pop("csv.select_shop", None)  # a shop just created below
    if wanted in shops:
        st.session_state["csv.shop"] = wanted
    elif st.session_state.get("csv.shop") not in shops:
        sidebar = st.session_state.get("shop_id")
        st.session_state["csv.shop"] = sidebar if sidebar in shops else next(iter(shops), None)
    if shops:
        st.selectbox(t("csv.shop.pick"), list(shops), key="csv.shop",
                     format_func=lambda shop_id: f"{shops[shop_id]} ({shop_id})")
    else:
        st.info(t("csv.shop.none"), icon=":material/info:")
    with st.expander(t("csv.shop.new"), expanded=not shops):
        with st.form("csv.new_shop", border=False):
            shop_id = st.text_input(t("csv.shop.id"), help=t("csv.shop.id_help"))
            name = st.text_input(t("csv.shop.name"))
            if st.form_submit_button(t("csv.shop.create")):
                try:
                    created = ci.create_csv_shop(db, shop_id, name)
                except ci.ShopRefused as exc:
                    st.error(errors.describe(exc), icon=":material/edit_note:")
                else:
                    st.cache_data.clear()
                    st.session_state["csv.select_shop"] = st.session_state["select_shop"] = created.shop_id
                    st.toast(t("csv.shop.created", name=created.name))
                    st.rerun()
    return st.session_state.get("csv.shop") if shops else None


def file_picker() -> ci.Upload | None:
    upload = st.file_uploader(t("csv.upload"), type=["csv", "txt", "tsv", "xlsx", "xls"], help=t("csv.upload_help"),
                              key="csv.upload")
    current = st.session_state.get(FILE)
    if upload is None:
        if st.session_state.get(FROM_UPLOAD):
            ci.discard(st.session_state.pop(FILE, None))
            st.session_state[FROM_UPLOAD] = False
            st.session_state.pop(UPLOADED, None)
            return None
        return current
    uploaded = (upload.file_id, upload.name, upload.size)
    if current is None or st.session_state.get(UPLOADED) != uploaded:
        ci.discard(st.session_state.pop(FILE, None))
        st.session_state.pop(UPLOADED, None)
        try:
            with st.spinner():
                current = ci.keep_upload(upload, upload.name, db)
        except ci.CsvError as exc:
            st.error(errors.describe(exc), icon=":material/error:")
            return None
        st.session_state[FILE], st.session_state[FROM_UPLOAD], st.session_state[UPLOADED] = current, True, uploaded
        st.session_state.pop(RESULT, None)  # the last import's result belongs to the last file
    return current


def mapping_editor(kind: str, csv_file: ci.Upload) -> dict[str, str | None]:
    """One selectbox per field, preset from the file's headers; the chosen mapping."""
    st.caption(t("csv.mapping.help"))
    suggested = ci.suggest_mapping(kind, csv_file.headers)
    options = [""] + csv_file.headers
    mapping: dict[str, str | None] = {}
    common.relabel(st.session_state, "csv", [key for key in st.session_state if str(key).startswith("csv.map.")])
    columns = st.columns(3)
    for n, field in enumerate(ci.fields(kind)):
        key = f"csv.map.{csv_file.digest[:12]}.{kind}.{field.name}"
        if key not in st.session_state:
            st.session_state[key] = suggested[field.name] or ""
        label = ci.field_label(field.name) + (" *" if field.required else "")
        with columns[n % 3]:
            st.selectbox(label, options, key=key, format_func=lambda h: h or t("csv.mapping.none"))
        mapping[field.name] = st.session_state[key] or None
    if kind == "members" and not mapping["member_key"]:
        st.caption(t("csv.mapping.key_from_email"))
    if kind == "order_items" and not mapping["item_key"]:
        st.caption(t("csv.mapping.item_key_derived"))
    return mapping


def checked_file(shop_id: str, kind: str, upload: ci.Upload, mapping: dict[str, str | None]) -> ci.Checked:
    """The file checked under this mapping, reused across reruns until something it depends on changes."""
    under = (upload.digest, str(upload.path), shop_id, kind, tuple(sorted((f, h or "") for f, h in mapping.items())),
             i18n.language(), st.session_state.get(GENERATION, 0))
    memo = st.session_state.get(CHECKED)
    if memo is None or memo[0] != under:
        with st.spinner():
            memo = (under, ci.check_file(db, shop_id, kind, upload, mapping))
        st.session_state[CHECKED] = memo
    return memo[1]


def check_section(kind: str, upload: ci.Upload, checked: ci.Checked, mapping: dict[str, str | None]) -> None:
    cols = st.columns(3)
    cols[0].metric(t("csv.col.rows"), i18n.count(checked.rows))
    cols[1].metric(t("csv.col.good"), i18n.count(checked.good_rows))
    cols[2].metric(t("csv.col.bad"), i18n.count(len(checked.bad)))
    if checked.blank:
        st.caption(t("csv.preview.blank", n=checked.blank))
    st.markdown(t("csv.preview.first_rows", n=PREVIEW_ROWS))
    st.dataframe(ci.first_rows(kind, upload.first, mapping, PREVIEW_ROWS), hide_index=True, placeholder="",
                 width="stretch")
    st.markdown(f"**{t('csv.bad.title')}**")
    if not checked.bad:
        st.success(t("csv.bad.none"), icon=":material/check_circle:")
        return
    st.dataframe([{t("csv.col.line"): b.line, t("csv.col.reason"): " · ".join(b.reasons)}
                  for b in checked.bad[:MAX_BAD_SHOWN]], hide_index=True, placeholder="", width="stretch")
    if len(checked.bad) > MAX_BAD_SHOWN:
        st.caption(t("csv.bad.more", shown=MAX_BAD_SHOWN, n=len(checked.bad)))


def import_section(shop_id: str, kind: str, upload: ci.Upload, checked: ci.Checked,
                   mapping: dict[str, str | None]) -> None:
    mode = st.radio(t("csv.mode"), ["good_rows", "all_or_nothing"], key="csv.mode",
                    format_func=lambda m: t(f"csv.mode.{m}"))
    if st.button(t("csv.import"), type="primary", icon=":material/upload:", disabled=checked.rows == 0):
        try:
            with st.spinner():
                result = ci.import_file(db, shop_id, kind, upload, mapping, all_or_nothing=mode == "all_or_nothing")
        except ci.StoreUnusable as exc:  # busy past the wait: nothing was written, the file is still here
            st.error(t("csv.result.failed", error=errors.describe(exc)), icon=":material/error:")
            return
        st.session_state[RESULT] = result
        st.session_state[GENERATION] = st.session_state.get(GENERATION, 0) + 1
        st.cache_data.clear()
    show_result(st.session_state.get(RESULT))


def show_result(result: ci.ImportResult | None) -> None:
    if result is None:
        return
    if result.status != "succeeded" and not result.rejected:
        st.error(t("csv.result.failed", error=ci.result_words(result)), icon=":material/error:")
    elif result.rejected:
        st.error(t("csv.result.rejected", bad=result.bad), icon=":material/block:")
    elif result.bad:
        st.warning(t("csv.result.partial", imported=i18n.count(result.imported), bad=result.bad),
                   icon=":material/warning:")
    else:
        st.success(t("csv.result.done", imported=i18n.count(result.imported), kind=t(f"csv.kind.{result.kind}")),
                   icon=":material/check_circle:")


def history(shop_id: str) -> None:
    runs = load_history(db, shop_id)
    if not runs:
        st.caption(t("csv.history.none"))
        return
    st.dataframe([{
        t("col.started_at"): i18n.local_time(r["started_at"]),
        t("col.status"): t(f"status.{r['status']}"),
        t("col.started_by"): t(f"started_by.{r['started_by']}"),
        t("col.entity"): t(f"entity.{r['entity']}") if r["entity"] else "",
        t("col.records"): r["records"],
        t("col.error"): ci.run_words(r),  # its bad rows, in the reader's language
    } for r in runs], hide_index=True, placeholder="", width="stretch")


st.title(t("csv.title"))
st.caption(t("csv.subtitle") + " " + t("csv.format_help"))

# The keyed radios too would keep showing no choice or the last language's words after a change of language.
common.relabel(st.session_state, "csv.choices", ["csv.kind", "csv.mode"])
st.subheader(t("csv.step.shop"))
shop_id = shop_picker()
if shop_id:
    kind = st.radio(t("csv.kind"), list(ci.KINDS), key="csv.kind", horizontal=True,
                    format_func=lambda k: t(f"csv.kind.{k}"))
    st.subheader(t("csv.step.file"))
    upload = file_picker()
    if upload is None:
        st.caption(t("csv.no_file"))
    else:
        file_info = st.empty()  # the rows are counted by the check, below
        st.subheader(t("csv.step.mapping"))
        mapping = mapping_editor(kind, upload)
        st.subheader(t("csv.step.check"))
        try:
            checked = checked_file(shop_id, kind, upload, mapping)
        except ci.MappingError as exc:
            file_info.caption(t("csv.file_info_unchecked", name=upload.name,
                                encoding=t(f"csv.encoding.{upload.encoding}")))
            st.error(errors.describe(exc), icon=":material/link_off:")
        except ci.StoreUnusable as exc:
            file_info.caption(t("csv.file_info_unchecked", name=upload.name,
                                encoding=t(f"csv.encoding.{upload.encoding}")))
            st.error(t("csv.result.failed", error=errors.describe(exc)), icon=":material/error:")
        else:
            file_info.caption(t("csv.file_info", name=upload.name, encoding=t(f"csv.encoding.{upload.encoding}"),
                                rows=i18n.count(checked.rows + checked.blank)))
            check_section(kind, upload, checked, mapping)
            st.subheader(t("csv.step.import"))
            import_section(shop_id, kind, upload, checked, mapping)
    with st.expander(t("csv.history")):
        history(shop_id)
