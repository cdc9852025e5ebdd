"""What several pages share: opening the store, the shop a page works on, the sender, labels and times.

Every console function opens the store for one unit of work and closes it; `store` may be a `Store`,
a path or None (the default store), so a page can key `st.cache_data` on the path string. No Streamlit
here: the pages lay out what these functions return.
"""
from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, MutableMapping
from pathlib import Path
from typing import Any, TypedDict

from core import clock, i18n
from core.i18n import t
from core.messaging.email import footer_contact
from core.messaging.outbox import STATES
from core.store import Store, default_path

StoreLike = Store | str | Path | None


def open_store(store: StoreLike) -> Store:
    return store if isinstance(store, Store) else Store(store, role="console")


def store_path() -> str:
    """The store this console works on (CONSOLE_DB or the default), as the key of a page's caches."""
    return str(default_path())


def now() -> dt.datetime:
    """The console's clock: the console is an edge, so it may read it and pass it down."""
    return clock.now()


# A chart's date axis as d3-time-format (what Vega-Lite formats axes with): Vega-Lite's own labels are English
# ("Dec 07"); a Korean axis is written in numbers and Korean units, so no English month name shows.
DATE_AXIS_FORMATS = {"ko": "%-m월 %-d일", "en": "%b %-d"}


def date_axis_format() -> str:
    """How a chart labels a day in the run's language."""
    return DATE_AXIS_FORMATS.get(i18n.language(), DATE_AXIS_FORMATS["ko"])


def relabel(state: MutableMapping[str, Any], page: str, keys: Iterable[str]) -> None:
    """Have a page's keyed selectboxes show their options in the run's language once the language changed.

    The browser keeps showing the label a keyed selectbox was last drawn with, so after a change of language
    it would still read "배송완료" in English (its value is right). Setting a widget's value through the
    session state (`state`, st.session_state) makes Streamlit send the label again; done once per change.
    """
    marker = f"{page}.labels_language"
    if state.get(marker) == i18n.language():
        return
    for key in keys:
        if key in state:
            state[key] = state[key]
    state[marker] = i18n.language()


def multiselect_words() -> dict[str, Any]:
    """A multiselect's placeholder and "Select all" entry in the run's language: Streamlit words both in
    English only, so a Korean screen gets our placeholder and no "Select all" entry."""
    words: dict[str, Any] = {"placeholder": t("console.choose")}
    if i18n.language() != "en":  # Streamlit's own threshold stays for English
        words["select_all"] = False
    return words


def first(rows: list[tuple[Any, ...]]) -> tuple[Any, ...] | None:
    # DuckDB 2 keeps a half-read result open and refuses the next statement: always read it all.
    return rows[0] if rows else None


# ------------------------------------------------------------------ the shop a page works on

class AddressBook(TypedDict):
    """A shop as an address book: its members, those with an e-mail, those accepting advertising."""

    shop_id: str
    name: str
    platform: str
    timezone: str
    members: int
    emails: int
    consents: int


def address_books(store: StoreLike) -> list[AddressBook]:
    """Each shop as an address book, in the order the shops were connected."""
    with open_store(store).unit() as con:
        rows = con.execute("""
            SELECT s.shop_id, s.name, s.platform, s.timezone,
                   count(m.member_key) AS members,
                   count(m.member_key) FILTER (WHERE coalesce(trim(m.email), '') <> '') AS emails,
                   count(m.member_key) FILTER (WHERE m.email_consent AND coalesce(trim(m.email), '') <> '') AS consents
            FROM shops s LEFT JOIN members m USING (shop_id)
            GROUP BY s.shop_id, s.name, s.platform, s.timezone, s.created_at
            ORDER BY s.created_at, s.shop_id""").fetchall()
    return [AddressBook(shop_id=r[0], name=r[1], platform=r[2], timezone=r[3], members=r[4], emails=r[5],
                        consents=r[6]) for r in rows]


def chosen_book(books: list[AddressBook], wanted: str | None) -> AddressBook | None:
    """The shop chosen in the sidebar, else the first one; None when no shop is connected."""
    if not books:
        return None
    return next((b for b in books if b["shop_id"] == wanted), books[0])


class Sender(TypedDict):
    sender_name: str
    sender_email: str
    sender_contact: str
    configured: bool


def sender_defaults(store: StoreLike, shop_id: str) -> Sender:
    """The shop's saved sender (name, e-mail, and the contact as the footer shows it, with the postal address),
    or the shop's name and blanks."""
    with open_store(store).unit() as con:
        row = first(con.execute("""SELECT s.name, ss.sender_name, ss.sender_email, ss.sender_contact, ss.postal_address
                                   FROM shops s LEFT JOIN sender_settings ss USING (shop_id) WHERE s.shop_id = ?""",
                                [shop_id]).fetchall())
    if row is None:
        return Sender(sender_name="", sender_email="", sender_contact="", configured=False)
    return Sender(sender_name=row[1] or row[0], sender_email=row[2] or "",
                  sender_contact=footer_contact(row[3], row[4]), configured=row[1] is not None)


# ------------------------------------------------------------------ labels and times

def trigger_label(trigger: str) -> str:
    return t(f"auto.trigger.{trigger}")


def status_label(status: str) -> str:
    return t(f"auto.status.{status}")


def state_label(state: str) -> str:
    return t(f"state.{state}") if state in STATES else state


def reason_label(reason: str | None) -> str:
    """A reason in plain words; a reason the console has no word for is shown as written."""
    if not reason:
        return ""
    key = f"reason.{reason}"
    word = t(key)
    return reason if word == key else word


def local_time(when: dt.datetime | str | None, tz: str = clock.DEFAULT_TZ) -> str:
    return i18n.local_time(when, tz)
