"""Loyalty settings per shop: stamps, warranties and the Alimtalk sender, validated and stored as JSON.

Each kind is one row of `loyalty_settings` (shop, kind). `active_from` is set when a feature is switched
on: only deliveries from that instant count, so switching on never floods years of past orders with
stamps, certificates and messages, and a pause is not backfilled (docs/design.md "Automations": an
occurrence counts only if it becomes true while the automation runs).

The choices follow Vircle's (버클) settings that marketers know (shared/reference/002): stamps are given
at 배송완료; a warranty is issued at 배송완료 (immediately or N days after) or waits as 신청대기 for
수동발급; 전체상품 or categories at any of the four depths; the name from 상품명 / 영문 상품명 /
공급사 상품명 / 모델명 with promotional phrases removed; image, options, detail fields with labels.
The Alimtalk secret key is never here: it lives in the secrets file (core.secrets, entry = shop id).
"""
from __future__ import annotations

import dataclasses
import datetime as dt
import json
from typing import Any, Literal, overload

import duckdb

from core import clock, config
from core.errors import InvalidInput, Kind
from core.shops import secrets
from core.store import Store

KINDS = ("stamp", "warranty", "alimtalk")
STAMP_MOMENTS = ("delivery_complete",)
WARRANTY_TIMINGS = ("delivery_complete", "manual")
SCOPES = ("all", "categories")
NAME_SOURCES = ("name", "name_en", "supplier_name", "model_name")
PROVIDERS = ("sandbox", "nhn")
NOTICE_KINDS = ("stamp", "reward", "warranty")
NHN_BASE_URL = config.ALIMTALK_BASE_URL  # the host NHN's Alimtalk v2.3 guide names
SECRET_KEY_NAME = "alimtalk_secret_key"
# 'OOO' stands for any word (Vircle's own example: OOO착용); '[OOO]' would remove every bracketed tag.
DEFAULT_STRIP_PHRASES = ("특가할인", "OOO착용", "예약배송", "[당일발송]")
MAX_DELAY_DAYS = 365
MAX_CARD_SIZE = 100


class SettingsError(InvalidInput, ValueError):
    """A setting that is not valid (or a shop that is not connected); `field` names the setting at fault, the
    key and params are what the console words, `detail` says what is allowed, in English."""

    def __init__(self, field: str, key: str, detail: str, *, kind: Kind | None = None, **params: Any) -> None:
        self.field = field
        super().__init__(f"loyalty.{key}", detail=detail, kind=kind, field=field, **params)


@dataclasses.dataclass
class StampSettings:
    enabled: bool = False
    moment: str = "delivery_complete"
    stamps_per_order: int = 1
    card_size: int = 10
    reward: str = ""                      # what a full card earns, e.g. a coupon code
    active_from: dt.datetime | None = None

    def validate(self) -> StampSettings:
        if self.moment not in STAMP_MOMENTS:
            raise SettingsError("moment", "not_one_of", f"stamp moment '{self.moment}' is not one of "
                                f"{', '.join(STAMP_MOMENTS)}", value=self.moment, allowed=", ".join(STAMP_MOMENTS))
        _int_range("stamps_per_order", self.stamps_per_order, 1, 10)
        _int_range("card_size", self.card_size, 1, MAX_CARD_SIZE)
        if self.enabled and not self.reward.strip():
            raise SettingsError("reward", "reward_needed",
                                "reward must say what a full card earns (e.g. a coupon code) before stamps are on")
        return self


@dataclasses.dataclass
class WarrantySettings:
    enabled: bool = False
    timing: str = "delivery_complete"     # delivery_complete | manual
    delay_days: int = 0                   # with delivery_complete: 0 = immediately, N = N days after
    scope: str = "all"                    # all | categories
    category_keys: list[str] = dataclasses.field(default_factory=list)
    name_source: str = "name"
    strip_phrases: list[str] = dataclasses.field(default_factory=lambda: list(DEFAULT_STRIP_PHRASES))
    show_image: bool = True
    show_options: bool = True
    detail_fields: list[dict[str, str]] = dataclasses.field(default_factory=list)  # [{"key", "label"}]
    show_custom_items: bool = False       # also every other item the product page lists (직접 추가한 항목)
    extra_fields: list[dict[str, str]] = dataclasses.field(default_factory=list)   # [{"label", "value"}]
    period_months: int = 12
    brand: str = ""                       # shown at the top; the shop's name when empty
    active_from: dt.datetime | None = None

    def validate(self) -> WarrantySettings:
        if self.timing not in WARRANTY_TIMINGS:
            raise SettingsError("timing", "not_one_of", f"warranty timing '{self.timing}' is not one of "
                                f"{', '.join(WARRANTY_TIMINGS)}", value=self.timing,
                                allowed=", ".join(WARRANTY_TIMINGS))
        _int_range("delay_days", self.delay_days, 0, MAX_DELAY_DAYS)
        _int_range("period_months", self.period_months, 1, 120)
        if self.scope not in SCOPES:
            raise SettingsError("scope", "not_one_of",
                                f"warranty scope '{self.scope}' is not one of {', '.join(SCOPES)}",
                                value=self.scope, allowed=", ".join(SCOPES))
        if self.scope == "categories" and not self.category_keys:
            raise SettingsError("category_keys", "categories_needed",
                                "category_keys: choose at least one category, or issue for all products")
        if self.name_source not in NAME_SOURCES:
            raise SettingsError("name_source", "not_one_of", f"name_source '{self.name_source}' is not one of "
                                f"{', '.join(NAME_SOURCES)}", value=self.name_source, allowed=", ".join(NAME_SOURCES))
        self.category_keys = [str(k) for k in dict.fromkeys(self.category_keys)]
        self.strip_phrases = [p.strip() for p in self.strip_phrases if p and p.strip()]
        for n, field in enumerate(self.detail_fields, 1):
            if not str(field.get("key") or "").strip():
                raise SettingsError("detail_fields", "detail_field_unnamed",
                                    f"detail_fields #{n} names no product detail field",
                                    n=n)
            field["label"] = str(field.get("label") or field["key"]).strip()
        for n, field in enumerate(self.extra_fields, 1):
            if not str(field.get("label") or "").strip():
                raise SettingsError("extra_fields", "extra_field_unlabelled", f"extra_fields #{n} has no label", n=n)
        return self


@dataclasses.dataclass
class AlimtalkSettings:
    enabled: bool = False
    provider: str = "sandbox"             # sandbox (records locally) | nhn (NHN Cloud KakaoTalk Bizmessage)
    app_key: str = ""
    sender_key: str = ""                  # 발신 키 (40 characters)
    base_url: str = NHN_BASE_URL
    templates: dict[str, str] = dataclasses.field(default_factory=lambda: {k: "" for k in NOTICE_KINDS})
    sms_fallback: bool = False            # 대체 발송: the provider sends an SMS when Alimtalk fails
    fallback_send_no: str = ""            # the SMS sender number registered with the provider
    active_from: dt.datetime | None = None

    def validate(self) -> AlimtalkSettings:
        if self.provider not in PROVIDERS:
            raise SettingsError("provider", "not_one_of", f"Alimtalk provider '{self.provider}' is not one of "
                                f"{', '.join(PROVIDERS)}", value=self.provider, allowed=", ".join(PROVIDERS))
        unknown = set(self.templates) - set(NOTICE_KINDS)
        if unknown:
            raise SettingsError("templates", "unknown_notice_kinds",
                                f"templates: unknown notice kind(s) {sorted(unknown)}; known: {NOTICE_KINDS}",
                                kinds=", ".join(sorted(unknown)), allowed=", ".join(NOTICE_KINDS))
        self.templates = {k: str(self.templates.get(k) or "").strip() for k in NOTICE_KINDS}
        for kind, code in self.templates.items():
            if len(code) > 20:
                raise SettingsError("templates", "template_code_too_long",
                                    f"templates.{kind}: a template code has at most 20 characters", notice=kind)
        if self.enabled and self.provider == "nhn":
            if not self.app_key.strip():
                raise SettingsError("app_key", "app_key_needed",
                                    "app_key: NHN Cloud needs the app key of the KakaoTalk Bizmessage service")
            if len(self.sender_key.strip()) != 40:
                raise SettingsError("sender_key", "bad_sender_key", "sender_key: the sender key has 40 characters")
            if not self.base_url.startswith(("http://", "https://")):
                raise SettingsError("base_url", "bad_base_url", "base_url must start with http:// or https://")
        if self.sms_fallback and not self.fallback_send_no.strip():
            raise SettingsError("fallback_send_no", "fallback_number_needed",
                                "fallback_send_no: SMS fallback needs a sender number registered for SMS")
        return self


_CLASSES = {"stamp": StampSettings, "warranty": WarrantySettings, "alimtalk": AlimtalkSettings}
Settings = StampSettings | WarrantySettings | AlimtalkSettings


def _int_range(name: str, value: Any, low: int, high: int) -> None:
    if not isinstance(value, int) or isinstance(value, bool) or not low <= value <= high:
        raise SettingsError(name, "out_of_range", f"{name} must be a whole number from {low} to {high}, not {value!r}",
                            low=low, high=high, value=repr(value))


def from_dict(kind: str, data: dict[str, Any]) -> Settings:
    if kind not in _CLASSES:
        raise SettingsError("kind", "not_one_of", f"unknown settings kind '{kind}'; known: {', '.join(KINDS)}",
                            value=kind, allowed=", ".join(KINDS))
    cls = _CLASSES[kind]
    names = {f.name for f in dataclasses.fields(cls)}
    unknown = set(data) - names
    if unknown:
        raise SettingsError(sorted(unknown)[0], "unknown_fields",
                            f"{kind} settings have no field(s) {', '.join(sorted(unknown))}",
                            fields=", ".join(sorted(unknown)))
    values = dict(data)
    if isinstance(values.get("active_from"), str):
        values["active_from"] = clock.parse_instant(values["active_from"])
    return cls(**values)


def to_json(settings: Settings) -> str:
    data = dataclasses.asdict(settings)
    data.pop("enabled")
    data.pop("active_from")
    return json.dumps(data, ensure_ascii=False)


@overload
def read(con: duckdb.DuckDBPyConnection, shop_id: str, kind: Literal["stamp"]) -> StampSettings: ...
@overload
def read(con: duckdb.DuckDBPyConnection, shop_id: str, kind: Literal["warranty"]) -> WarrantySettings: ...
@overload
def read(con: duckdb.DuckDBPyConnection, shop_id: str, kind: Literal["alimtalk"]) -> AlimtalkSettings: ...
@overload
def read(con: duckdb.DuckDBPyConnection, shop_id: str, kind: str) -> Settings: ...
def read(con: duckdb.DuckDBPyConnection, shop_id: str, kind: str) -> Settings:
    row = con.execute("SELECT enabled, active_from, settings FROM loyalty_settings WHERE shop_id = ? AND kind = ?",
                      [shop_id, kind]).fetchall()
    if not row:
        return _CLASSES[kind]()
    enabled, active_from, data = row[0]
    stored = json.loads(data or "{}")
    names = {f.name for f in dataclasses.fields(_CLASSES[kind])}
    # Fields a newer version dropped are ignored rather than refusing to load a shop's settings.
    settings = from_dict(kind, {k: v for k, v in stored.items() if k in names})
    settings.enabled, settings.active_from = bool(enabled), active_from
    return settings


def load(store: Store, shop_id: str, kind: str) -> Settings:
    with store.unit() as con:
        return read(con, shop_id, kind)


def save(store: Store, shop_id: str, settings: Settings, *, now: dt.datetime) -> Settings:
    """Validate and store; switching on (from off) starts counting deliveries from now."""
    kind = next(k for k, c in _CLASSES.items() if isinstance(settings, c))
    settings.validate()
    with store.unit() as con:
        if not con.execute("SELECT 1 FROM shops WHERE shop_id = ?", [shop_id]).fetchall():
            raise SettingsError("shop_id", "no_shop", f"no shop '{shop_id}'", kind=Kind.NOT_FOUND, shop_id=shop_id)
        previous = read(con, shop_id, kind)
        if settings.enabled and not previous.enabled:
            settings.active_from = now
        elif settings.enabled:
            settings.active_from = previous.active_from or now
        else:
            settings.active_from = previous.active_from
        # Saving clears the issuance cursor: the next run looks again at everything since `active_from`.
        con.execute("""INSERT INTO loyalty_settings (shop_id, kind, enabled, active_from, settings, updated_at)
                       VALUES (?, ?, ?, ?, ?, ?)
                       ON CONFLICT (shop_id, kind) DO UPDATE SET enabled = excluded.enabled,
                           active_from = excluded.active_from, settings = excluded.settings,
                           updated_at = excluded.updated_at, issued_until = NULL""",
                    [shop_id, kind, settings.enabled, settings.active_from, to_json(settings), now])
    return settings


def enabled_shops(con: duckdb.DuckDBPyConnection) -> list[str]:
    return [r[0] for r in con.execute("""SELECT DISTINCT shop_id FROM loyalty_settings
                                         WHERE enabled AND kind IN ('stamp', 'warranty') ORDER BY 1""").fetchall()]


@dataclasses.dataclass(frozen=True)
class Enabled:
    """A shop whose stamps or warranties are on, with where its last issuance run stopped."""

    shop_id: str
    settings: Settings
    issued_until: dt.datetime | None


def enabled(con: duckdb.DuckDBPyConnection, kind: str) -> list[Enabled]:
    """Every shop with `kind` switched on, in one query (the issuance job reads all shops at once)."""
    rows = con.execute("""SELECT shop_id, active_from, settings, issued_until FROM loyalty_settings
                          WHERE kind = ? AND enabled ORDER BY shop_id""", [kind]).fetchall()
    names = {f.name for f in dataclasses.fields(_CLASSES[kind])}
    out = []
    for shop_id, active_from, data, issued_until in rows:
        settings = from_dict(kind, {k: v for k, v in json.loads(data or "{}").items() if k in names})
        settings.enabled, settings.active_from = True, active_from
        out.append(Enabled(shop_id, settings, issued_until))
    return out


# How far before a shop's last run a sync's `synced_at` may lie and still be new to it: a sync stamps rows
# with its own reading of the clock, the scheduler works on the instant its tick read.
CLOCK_SLACK = dt.timedelta(hours=1)


def lower_bound(issued_until: dt.datetime | None, since: dt.datetime) -> dt.datetime:
    """Where a shop's issuance pass starts looking: its last run less the slack, or `since` on a first run."""
    return since if issued_until is None else issued_until - CLOCK_SLACK


def mark_issued(con: duckdb.DuckDBPyConnection, kind: str, shop_ids: list[str], now: dt.datetime) -> None:
    """Record that issuance of `kind` ran up to `now` for these shops, in the unit of work of that run."""
    if shop_ids:
        con.execute("""UPDATE loyalty_settings SET issued_until = ?
                       WHERE kind = ? AND enabled AND shop_id IN (SELECT unnest(?::VARCHAR[]))""",
                    [now, kind, shop_ids])


def save_alimtalk_secret(shop_id: str, secret_key: str) -> None:
    if not secret_key.strip():
        raise SettingsError("secret_key", "secret_empty", "the Alimtalk secret key (X-Secret-Key) is empty")
    values: dict[str, Any] = {SECRET_KEY_NAME: secret_key.strip()}
    secrets.put(shop_id, None, **values)


def alimtalk_secret(shop_id: str) -> str | None:
    return secrets.get(shop_id).get(SECRET_KEY_NAME)
