"""What the sender settings page (발신 설정) shows and does: a shop's sender and SMTP server, saved once and used
wherever a sender is needed; the connection test; and the test send of an automation's or a template's message.

The settings are written by core.automations.manage (the one writer of `sender_settings`); the SMTP password
goes to the secrets file (core.shops.secrets) and is never read back to a page: the page only learns whether
one is saved. The connection test and the test send talk to the mail server from the console (one message,
never in bulk); a test send is never planned into the outbox, so no statistic counts it.
"""
from __future__ import annotations

from typing import Any, TypedDict

from core import config
from core.automations import manage
from core.console.common import StoreLike, first, now, open_store, store_path
from core.console.templates import PreviewMember, member_context, preview_members
from core.errors import InvalidInput, Kind
from core.i18n import t
from core.messaging import email
from core.shops import secrets

__all__ = ["PreviewMember", "SECURITIES", "preview_members", "store_path"]

SECURITIES = manage.SMTP_SECURITIES
DEFAULT_PORTS = manage.DEFAULT_PORTS
# What a page catches: a setting refused (naming its field), a connection test or a send that failed.
Refused = (manage.AutomationError, email.ConnectionCheckError, email.SendError, email.EmailInvalid, InvalidInput)
SETTING_FIELDS = ("sender_name", "sender_email", "reply_to", "sender_contact", "postal_address", "smtp_host",
                  "smtp_port", "smtp_security", "smtp_username")


class SenderForm(TypedDict):
    """The page's form: the saved settings (or a new shop's defaults), and whether a password is saved."""

    shop_id: str
    shop_name: str
    saved: bool
    sender_name: str
    sender_email: str
    reply_to: str
    sender_contact: str
    postal_address: str
    smtp_host: str
    smtp_port: int
    smtp_security: str
    smtp_username: str
    password_saved: bool


class SenderSourceError(InvalidInput, ValueError):
    """The automation or template chosen for a test send does not exist (any more)."""

    def __init__(self, source: str) -> None:
        super().__init__("sender.unknown_source", detail=f"no automation or template '{source}'", source=source,
                         kind=Kind.NOT_FOUND)


def has_working_sender(store: StoreLike, shop_id: str) -> bool:
    """The shop has sender settings with an SMTP host: automations can start (whether the server answers is
    what the connection test tells). `store` is a Store, a path or None (the default store)."""
    with open_store(store).unit() as con:
        return manage.has_working_sender(con, shop_id)


def is_sandbox_mailbox(form: SenderForm) -> bool:
    """The saved mail server is this machine's sandbox mailbox (what `./start` presets for the sandbox shop):
    nothing sent reaches anyone, and the 샌드박스 메일함 page shows it."""
    try:
        port = config.mailbox_port()
    except ValueError:  # a SANDBOX_SMTP_PORT that is no port: then no server is the sandbox mailbox
        return False
    return form["saved"] and form["smtp_host"] in ("127.0.0.1", "localhost") and form["smtp_port"] == port


def load(store: StoreLike, shop_id: str) -> SenderForm:
    """The shop's saved sender settings, or a new shop's defaults (the shop's name, STARTTLS on 587)."""
    with open_store(store).unit() as con:
        shop = first(con.execute("SELECT name FROM shops WHERE shop_id = ?", [shop_id]).fetchall())
        cur = con.execute(f"SELECT {', '.join(SETTING_FIELDS)} FROM sender_settings WHERE shop_id = ?", [shop_id])
        row = first(cur.fetchall())
    shop_name = shop[0] if shop else shop_id
    values: dict[str, Any] = dict(zip(SETTING_FIELDS, row, strict=True)) if row else {}
    security = values.get("smtp_security") or "starttls"
    return SenderForm(shop_id=shop_id, shop_name=shop_name, saved=row is not None,
                      sender_name=values.get("sender_name") or shop_name,
                      sender_email=values.get("sender_email") or "", reply_to=values.get("reply_to") or "",
                      sender_contact=values.get("sender_contact") or "",
                      postal_address=values.get("postal_address") or "", smtp_host=values.get("smtp_host") or "",
                      smtp_port=int(values.get("smtp_port") or DEFAULT_PORTS[security]), smtp_security=security,
                      smtp_username=values.get("smtp_username") or "",
                      password_saved=bool(secrets.get(shop_id).get("smtp_password")))


def save(store: StoreLike, shop_id: str, form: dict[str, Any], password: str | None = None) -> None:
    """Check and save the form (Refused names the field at fault); a password typed is kept in the secrets
    file, an empty one leaves the saved password as it is."""
    fields = {f: form.get(f) for f in SETTING_FIELDS}
    current = _saved_row(store, shop_id)  # the frequency cap is set elsewhere (config as code): keep it
    for field in ("frequency_cap_enabled", "frequency_cap_hours"):
        if current.get(field) is not None:
            fields[field] = current[field]
    port = fields.get("smtp_port")
    fields["smtp_port"] = int(port) if port not in (None, "") else None
    manage.save_sender_settings(open_store(store), shop_id, now=now(), smtp_password=password or None, **fields)


def _saved_row(store: StoreLike, shop_id: str) -> dict[str, Any]:
    with open_store(store).unit() as con:
        cur = con.execute("SELECT frequency_cap_enabled, frequency_cap_hours FROM sender_settings WHERE shop_id = ?",
                          [shop_id])
        row = first(cur.fetchall())
    return {} if row is None else {"frequency_cap_enabled": row[0], "frequency_cap_hours": row[1]}


def _smtp(shop_id: str, form: dict[str, Any], password: str | None, ca_file: str | None) -> email.SmtpSettings:
    """The SMTP settings of the form as typed (not necessarily saved), with the typed or the saved password."""
    host = (form.get("smtp_host") or "").strip()
    if not host:
        raise manage.AutomationError("smtp_host", "email_empty", "smtp_host: is empty")
    username = (form.get("smtp_username") or "").strip() or None
    secret = password or (secrets.get(shop_id).get("smtp_password") if username else None)
    security = form.get("smtp_security") or "starttls"
    return email.SmtpSettings(host=host, port=int(form.get("smtp_port") or DEFAULT_PORTS.get(security, 25)),
                              security=security, username=username, password=secret or None, ca_file=ca_file)


def connection_test(shop_id: str, form: dict[str, Any], password: str | None = None, *,
                    ca_file: str | None = None) -> email.ConnectionCheck:
    """Connect, encrypt and log in with the form's SMTP settings; raises one of Refused saying what failed.
    `ca_file` trusts a private CA besides the system's (tests; SSL_CERT_FILE does the same for a console)."""
    return email.check_connection(_smtp(shop_id, form, password, ca_file))


def check_words(found: email.ConnectionCheck) -> str:
    """A connection test that passed, in words."""
    tls = (t("sender.check_tls", version=found.tls_version) if found.tls_version else t("sender.check_plain"))
    return t("sender.check_ok", server=found.server, tls=tls, auth=t("sender.check_auth") if found.authenticated
             else "")


# ------------------------------------------------------------------ the test send

class SendSource(TypedDict):
    """An automation or a template a test send can render: `source` is 'automation:<id>' or 'template:<id>'."""

    source: str
    label: str
    trigger: str


def send_sources(store: StoreLike, shop_id: str) -> list[SendSource]:
    """The shop's automations (newest first), then its templates and the shared ones, as the page lists them."""
    with open_store(store).unit() as con:
        automations = con.execute("""SELECT automation_id, name, trigger FROM automations WHERE shop_id = ?
                                     ORDER BY created_at DESC, automation_id""", [shop_id]).fetchall()
        templates = con.execute("""SELECT template_id, name, coalesce(trigger, 'signup') FROM templates
                                   WHERE shop_id = ? OR shop_id IS NULL ORDER BY updated_at DESC, template_id""",
                                [shop_id]).fetchall()
    return ([SendSource(source=f"automation:{i}", label=t("sender.test_source.automation", name=n), trigger=tr)
             for i, n, tr in automations]
            + [SendSource(source=f"template:{i}", label=t("sender.test_source.template", name=n), trigger=tr)
               for i, n, tr in templates])


def _content(store: StoreLike, shop_id: str, source: str) -> tuple[dict[str, Any], str, bool, dict[str, Any]]:
    """(template, trigger, advertising, the automation's sender override) of a test source."""
    kind, _, key = source.partition(":")
    with open_store(store).unit() as con:
        if kind == "automation":
            row = first(con.execute("""
                SELECT coalesce(a.subject, t.subject), coalesce(a.preheader, t.preheader), t.html, t.text, a.trigger,
                       a.is_advertising, a.sender_name, a.sender_email
                FROM automations a JOIN templates t USING (template_id)
                WHERE a.automation_id = ? AND a.shop_id = ?""", [key, shop_id]).fetchall())
        elif kind == "template":
            row = first(con.execute("""SELECT subject, preheader, html, text, coalesce(trigger, 'signup'), TRUE,
                                              NULL, NULL
                                       FROM templates WHERE template_id = ? AND (shop_id = ? OR shop_id IS NULL)""",
                                    [key, shop_id]).fetchall())
        else:
            row = None
    if row is None:
        raise SenderSourceError(source)
    subject, preheader, html, text, trigger, advertising, name, address = row
    override = {k: v for k, v in (("sender_name", name), ("sender_email", address)) if v}
    return ({"subject": subject, "preheader": preheader or "", "html": html, "text": text}, trigger,
            bool(advertising), override)


def _draft_content(draft: dict[str, Any]) -> tuple[dict[str, Any], str, bool, dict[str, Any]]:
    """(template, trigger, advertising, sender override) of content not saved yet."""
    override = {k: draft[k] for k in ("sender_name", "sender_email") if (draft.get(k) or "").strip()}
    return ({"subject": draft.get("subject") or "", "preheader": draft.get("preheader") or "",
             "html": draft.get("html") or "", "text": draft.get("text") or None},
            draft.get("trigger") or "signup", bool(draft.get("is_advertising", True)), override)


def _footer_sender(store: StoreLike, shop_id: str) -> dict[str, Any]:
    """The saved sender as the e-mail shows it (the footer's contact with the postal address)."""
    with open_store(store).unit() as con:
        row = first(con.execute("""SELECT sender_name, sender_email, sender_contact, postal_address, reply_to
                                   FROM sender_settings WHERE shop_id = ?""", [shop_id]).fetchall())
    if row is None:
        raise manage.AutomationError("sender", "no_sender", f"shop '{shop_id}' has no sender settings",
                                     kind=Kind.CONFLICT, shop_id=shop_id)
    return {"sender_name": row[0], "sender_email": row[1], "sender_contact": email.footer_contact(row[2], row[3]),
            "reply_to": row[4]}


def send_test_message(store: StoreLike, shop_id: str, *, source: str, to: str, member_key: str | None = None,
                      ca_file: str | None = None, draft: dict[str, Any] | None = None) -> str:
    """Render `source` ('automation:<id>' or 'template:<id>') for the member (a sample one when None) and send
    it to `to` through the shop's saved SMTP server; returns the subject sent. The subject starts with the
    console's test prefix and a header marks it; nothing is written to the outbox. Raises one of Refused."""
    address = (to or "").strip()
    if not address:
        raise manage.AutomationError("recipient", "email_empty", "recipient: is empty")
    # `draft`: content not saved yet (the automation wizard's), given as its subject, preheader, html, text,
    # trigger, is_advertising and sender fields; `source` then only names it.
    template, trigger, advertising, override = (_content(store, shop_id, source) if draft is None
                                                else _draft_content(draft))
    sender = {**_footer_sender(store, shop_id), **override}
    context = member_context(store, shop_id, member_key, trigger)[0] if member_key else None
    message = email.build_test_message(template, trigger, to=address, sender=sender,
                                       subject_prefix=t("sender.test_prefix"), now=now(), advertising=advertising,
                                       shop_id=shop_id, context=context)
    form = load(store, shop_id)
    email.send_test(_smtp(shop_id, dict(form), None, ca_file), message)
    return str(message["Subject"])
