"""Alimtalk (알림톡): NHN Cloud KakaoTalk Bizmessage over HTTP, and a sandbox provider that records locally.

The request and response follow NHN Cloud's "KakaoTalk Bizmessage > 알림톡 > API v2.3 Guide"
(docs.nhncloud.com/ko/Notification/KakaoTalk%20Bizmessage/ko/alimtalk-api-guide/; its source, the
TOAST-DOCS/Alimtalk guide `ko/alimtalk-api-guide.md`, read at its 2026-04-28 revision) and its error-code page
(`ko/error-code.md`). The guide names one API domain, `https://kakaotalk-bizmessage.api.nhncloudservice.com`,
the default here; the former `api-alimtalk.cloud.toast.com` is kept only as a setting
(core.config.ALIMTALK_LEGACY_BASE_URL, chosen with ALIMTALK_BASE_URL), and a shop whose saved settings still
name it is sent to the configured host.

    POST {base}/alimtalk/v2.3/appkeys/{appkey}/messages          (메시지 치환 발송 요청)
    X-Secret-Key: <secret key made in the console>
    X-NC-API-IDEMPOTENCY-KEY: <key>     a second request with the same key within 10 minutes is refused (-1005)
    {"senderKey": 40 chars, "templateCode": ≤20 chars,
     "recipientList": [{"recipientNo": ≤15 chars, "templateParameter": {"var": "value"},   # replaces #{var}
                        "resendParameter": {"isResend": true, "resendSendNo": "..."},      # SMS fallback (대체 발송)
                        "recipientGroupingKey": ≤100 chars}]}
    → {"header": {"resultCode": 0, "resultMessage": "SUCCESS", "isSuccessful": true},
       "message": {"requestId": "...", "sendResults": [{"recipientSeq": 1, "recipientNo": "...",
                                                          "resultCode": 0, "resultMessage": "SUCCESS",
                                                          "recipientGroupingKey": "..."}]}}

Header failures named in the error-code page: -1000 invalid appkey, -1001 invalid secret key, -1006 / -2017
sender profile, -1027 sender blocked (configuration: retried, the operator can fix them), 4 and -2000..-2005
parameter validation, -3003 no such template, -3004 template parameter error, -3005 template not approved
(a retry cannot help: dead), -2502 fallback requested but not set up. HTTP 429 and 5xx are retried.

-1005: "10분간 동일한 X-NC-API-IDEMPOTENCY-KEY 값으로 메시지 발송을 요청한 경우" — the guide says a request
with a key used within 10 minutes *fails*; it says nothing of whether the first one went through (its answer
may have been lost before it was ever accepted). So -1005 is reconciled through the guide's "메시지 리스트
조회" (`GET .../messages?startRequestDate&endRequestDate&recipientGroupingKey`, dates `yyyy-MM-dd HH:mm`,
at most 30 days apart; `messageSearchResultResponse.messages[]` with `requestId`, `messageStatus`
COMPLETED | FAILED | CANCEL, `resultCode`): found and not failed is sent; found failed or cancelled is
refused; not found means the first request never landed, and the message is tried again once the key is
free; a lookup that cannot be made leaves the outcome unknown (never re-sent blindly).

Recipients: only Korean mobile numbers (010, 011, 016-019) can receive an Alimtalk; the one test of that,
and the one phone normaliser, is core.integrations.normalize.mobile.

One message per request, keyed by its outbox message id: with the store's send journal a crash leaves
at most one message in doubt, and the idempotency key makes a quick retry of a request whose answer was
lost harmless. A request sent whose answer never came is reported as `DeliveryUnknown`: the customer
may have it, so it is never re-sent automatically (docs/design.md "Automations").

Alimtalk is informational (KakaoTalk's rules): no advertising goes through this module; the outbox
rows it sends are planned with is_advertising = FALSE by core.loyalty.notify.
"""
from __future__ import annotations

import dataclasses
import datetime as dt
import fcntl
import json
import os
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any, Protocol

import duckdb
import httpx

from core import config
from core.errors import CoreError, Kind
from core.integrations import normalize
from core.messaging.dispatch import Delivery, LaneUnavailable
from core.messaging.outbox import Claimed, Journal, State

API_VERSION = "v2.3"
DEFAULT_BASE_URL = config.ALIMTALK_BASE_URL
KST = dt.timezone(dt.timedelta(hours=9))
LOOKUP_BEFORE = dt.timedelta(hours=1)    # the lookup window around the batch: the key lives 10 minutes
LOOKUP_AFTER = dt.timedelta(days=1)
TIMEOUT = httpx.Timeout(10.0, connect=5.0)

RETRYABLE_CODES = {-1000, -1001, -1006, -1027, -2017}   # configuration the operator can fix
ALREADY_RECEIVED = -1005


class AlimtalkError(CoreError):
    """A send that did not go through, keyed `messaging.alimtalk.<what>`; subclasses say whether trying
    again can help. Params: `status` (HTTP), `code` and `message` (the provider's result code and text)
    where the provider gave them."""


class TransientAlimtalkError(AlimtalkError):
    """Not sent, and worth retrying later (network, 429/5xx, a configuration the operator can fix)."""

    kind = Kind.UPSTREAM


class PermanentAlimtalkError(AlimtalkError):
    """Refused for good (bad template, parameters, recipient)."""

    kind = Kind.INVALID


class DeliveryUnknown(AlimtalkError):
    """The request went out and no answer came back: the provider may have sent it."""

    kind = Kind.UNKNOWN_OUTCOME


class DuplicateUnconfirmed(TransientAlimtalkError):
    """-1005 and the provider's message list has no message of this key: the first request never landed."""


class ConnectFailed(TransientAlimtalkError):
    """The provider could not be reached at all (nothing was sent)."""

    kind = Kind.UNREACHABLE


@dataclasses.dataclass(frozen=True)
class AlimtalkMessage:
    message_id: str                      # the outbox id: idempotency key and recipientGroupingKey
    template_code: str
    recipient_no: str
    params: dict[str, str]
    sms_fallback: bool = False
    fallback_send_no: str | None = None


@dataclasses.dataclass(frozen=True)
class Accepted:
    request_id: str | None
    result_code: int
    result_message: str


class Provider(Protocol):
    def send(self, message: AlimtalkMessage) -> Accepted: ...

    def close(self) -> None: ...


def recipient_number(phone: str | None) -> str | None:
    """The Alimtalk recipient for a phone: a Korean mobile number (normalize.mobile), else None."""
    return normalize.mobile(phone)


def request_body(sender_key: str, message: AlimtalkMessage) -> dict:
    recipient: dict = {"recipientNo": message.recipient_no,
                       "templateParameter": {k: str(v) for k, v in message.params.items()},
                       "recipientGroupingKey": message.message_id[:100]}
    if message.sms_fallback:
        recipient["resendParameter"] = {"isResend": True, "resendSendNo": message.fallback_send_no or ""}
    return {"senderKey": sender_key, "templateCode": message.template_code, "recipientList": [recipient]}


class NhnAlimtalkClient:
    """The NHN Cloud KakaoTalk Bizmessage (알림톡) client; one connection reused for a batch."""

    def __init__(self, app_key: str, secret_key: str, sender_key: str, base_url: str | None = None,
                 timeout: httpx.Timeout | float = TIMEOUT, *, now: dt.datetime) -> None:
        if not app_key or not secret_key or not sender_key:
            raise PermanentAlimtalkError("messaging.alimtalk.not_configured",
                                         detail="Alimtalk needs the app key, the secret key and the sender key")
        base = provider_base_url(base_url)
        self.url = f"{base}/alimtalk/{API_VERSION}/appkeys/{app_key}/messages"
        self.sender_key = sender_key
        self.now = now  # when the batch goes out: the centre of a -1005 lookup's window
        self._http = httpx.Client(timeout=timeout, headers={"X-Secret-Key": secret_key,
                                                            "Content-Type": "application/json;charset=UTF-8"})

    def send(self, message: AlimtalkMessage) -> Accepted:
        body = json.dumps(request_body(self.sender_key, message), ensure_ascii=False).encode("utf-8")
        try:
            response = self._http.post(self.url, content=body,
                                       headers={"X-NC-API-IDEMPOTENCY-KEY": message.message_id})
        except (httpx.ConnectError, httpx.ConnectTimeout) as exc:
            raise ConnectFailed("messaging.alimtalk.unreachable",
                                detail=f"Alimtalk provider unreachable: {type(exc).__name__}") from None
        except (httpx.ReadTimeout, httpx.RemoteProtocolError, httpx.ReadError, httpx.WriteError) as exc:
            raise DeliveryUnknown("messaging.alimtalk.no_answer", detail=f"no answer from the Alimtalk provider "
                                  f"after sending ({type(exc).__name__})") from None
        try:
            return interpret(response.status_code, response.text)
        except AlreadyRequested:
            return self.reconcile(message)

    def reconcile(self, message: AlimtalkMessage) -> Accepted:
        """After -1005: ask the provider's message list whether the earlier request with this key landed."""
        now = self.now
        params: dict[str, str | int] = {
            "startRequestDate": _minute(now - LOOKUP_BEFORE), "endRequestDate": _minute(now + LOOKUP_AFTER),
            "recipientGroupingKey": message.message_id[:100], "pageSize": 15}
        try:
            response = self._http.get(self.url, params=params)
        except httpx.HTTPError as exc:
            raise DeliveryUnknown("messaging.alimtalk.duplicate_unknown",
                                  detail=f"-1005 (key already used) and the message list could not be read "
                                         f"({type(exc).__name__}): the message may have been sent") from None
        return interpret_lookup(response.status_code, response.text, message.message_id)

    def close(self) -> None:
        self._http.close()


class AlreadyRequested(AlimtalkError):
    """-1005: a request with this idempotency key was made within 10 minutes; its fate is looked up."""

    kind = Kind.UNKNOWN_OUTCOME


def provider_base_url(saved: str | None) -> str:
    """The host to call: a shop's own address (a proxy, a test server), else the configured one. The former
    domain saved as a default by older settings counts as no choice, so it follows the configuration."""
    chosen = (saved or "").strip().rstrip("/")
    if not chosen or chosen == config.ALIMTALK_LEGACY_BASE_URL:
        chosen = config.alimtalk_base_url()
    return chosen.rstrip("/")


def _minute(at: dt.datetime) -> str:
    return at.astimezone(KST).strftime("%Y-%m-%d %H:%M")


def interpret_lookup(status: int, text: str, message_id: str) -> Accepted:
    """The message list's answer about one recipient grouping key, as accepted or the matching error."""
    try:
        data = json.loads(text)
        header = data["header"]
        found = [m for m in (data.get("messageSearchResultResponse") or {}).get("messages") or []
                 if isinstance(m, dict) and m.get("recipientGroupingKey") == message_id[:100]]
    except (ValueError, KeyError, TypeError, AttributeError):
        raise DeliveryUnknown("messaging.alimtalk.duplicate_unknown", status=status,
                              detail=f"-1005 (key already used) and the message list answered HTTP {status} "
                                     "unreadably: the message may have been sent") from None
    if status >= 400 or not header.get("isSuccessful"):
        raise DeliveryUnknown("messaging.alimtalk.duplicate_unknown", status=status,
                              detail=f"-1005 (key already used) and the message list refused the lookup "
                                     f"({header.get('resultCode')} {header.get('resultMessage') or ''}): the "
                                     "message may have been sent")
    if not found:
        raise DuplicateUnconfirmed("messaging.alimtalk.duplicate_unconfirmed",
                                   detail="-1005 (key already used) but the provider holds no message of this "
                                          "key: the earlier request never landed; it is tried again later")
    states = {str(m.get("messageStatus") or "") for m in found}
    if states <= {"FAILED", "CANCEL"}:
        code = str(found[0].get("resultCode") or "")
        raise PermanentAlimtalkError("messaging.alimtalk.recipient_refused", code=code,
                                     message=str(found[0].get("resultCodeName") or ""),
                                     detail=f"the earlier request of this key was {'/'.join(sorted(states))} "
                                            f"({code})")
    return Accepted(found[0].get("requestId"), ALREADY_RECEIVED,
                    f"already received (message list: {'/'.join(sorted(states))})")


def interpret(status: int, text: str) -> Accepted:
    """The provider's answer as accepted, or the matching error."""
    if status == 429 or status >= 500:
        raise TransientAlimtalkError("messaging.alimtalk.http_status", status=status,
                                     detail=f"Alimtalk provider answered HTTP {status}")
    try:
        data = json.loads(text)
        header = data["header"]
    except (ValueError, KeyError, TypeError):
        if status >= 400:
            raise PermanentAlimtalkError("messaging.alimtalk.http_refused", status=status,
                                         detail=f"Alimtalk provider refused the request (HTTP {status})") from None
        raise TransientAlimtalkError("messaging.alimtalk.unreadable", status=status,
                                     detail=f"Alimtalk provider answered HTTP {status} with an unreadable body"
                                     ) from None
    code, text_ = int(header.get("resultCode", -1)), str(header.get("resultMessage") or "")
    if code == ALREADY_RECEIVED:
        raise AlreadyRequested("messaging.alimtalk.duplicate_unknown", code=code, message=text_,
                               detail="the idempotency key was used within 10 minutes")
    if not header.get("isSuccessful"):
        error = TransientAlimtalkError if code in RETRYABLE_CODES else PermanentAlimtalkError
        raise error("messaging.alimtalk.refused", code=code, message=text_,
                    detail=f"Alimtalk refused: {code} {text_}".strip())
    message = data.get("message") or {}
    results = message.get("sendResults") or []
    if not results:
        raise PermanentAlimtalkError("messaging.alimtalk.no_result",
                                     detail="Alimtalk answered success without a send result")
    result = results[0]
    r_code = int(result.get("resultCode", -1))
    if r_code != 0:
        r_text = str(result.get("resultMessage") or "")
        raise PermanentAlimtalkError("messaging.alimtalk.recipient_refused", code=r_code, message=r_text,
                                     detail=f"Alimtalk refused the recipient: {r_code} {r_text}".strip())
    return Accepted(message.get("requestId"), r_code, str(result.get("resultMessage") or "SUCCESS"))


class SandboxProvider:
    """Records each message as one JSON line in a local file instead of sending it (the demo's provider).

    It checks what the real one would refuse (no template code, no recipient), so a demo shows the
    same failures a real send would.
    """

    def __init__(self, path: Path, now: dt.datetime, sender_key: str = "sandbox") -> None:
        self.path = path
        self.now = now  # when this batch goes out: each line's recorded_at
        self.sender_key = sender_key

    def send(self, message: AlimtalkMessage) -> Accepted:
        if not message.template_code:
            raise PermanentAlimtalkError("messaging.alimtalk.refused", code=-3003, message="Template does not exist.",
                                         detail="Alimtalk refused: -3003 Template does not exist.")
        if not message.recipient_no:
            raise PermanentAlimtalkError("messaging.alimtalk.recipient_refused", code=-2001,
                                         message="The 'recipientNo' must not be blank.",
                                         detail="Alimtalk refused the recipient: -2001 The 'recipientNo' must not be "
                                                "blank.")
        line = {"recorded_at": self.now.isoformat(timespec="seconds"),
                "message_id": message.message_id, "request": request_body(self.sender_key, message)}
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
            os.write(fd, (json.dumps(line, ensure_ascii=False) + "\n").encode("utf-8"))
        finally:
            os.close(fd)
        return Accepted(f"sandbox-{message.message_id[:12]}", 0, "SUCCESS")

    def close(self) -> None:
        pass


def read_sandbox(path: Path, limit: int = 200) -> list[dict]:
    """The newest messages the sandbox provider recorded (for the console and tests)."""
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except FileNotFoundError:
        return []
    out = []
    for line in reversed(lines):
        try:
            out.append(json.loads(line))
        except ValueError:
            continue
        if len(out) >= limit:
            break
    return out


# ---------------------------------------------------------------- the Alimtalk channel of the dispatch loop

BATCH_SIZE = 100


class ProviderSettings(Protocol):
    """A shop's Alimtalk settings as the channel reads them (core.loyalty.settings.AlimtalkSettings)."""

    provider: str            # sandbox | nhn
    app_key: str
    sender_key: str
    base_url: str
    sms_fallback: bool
    fallback_send_no: str


@dataclasses.dataclass
class AlimtalkClaim:
    """A claimed notice: its frozen template code and variables, and the shop's provider settings."""

    message_id: str
    shop_id: str
    recipient: str | None
    attempts: int
    context: dict[str, Any]
    settings: ProviderSettings


class _AlimtalkLane:
    """One provider connection of the dispatch loop: one request per message, keyed by its outbox id."""

    def __init__(self, provider: Provider, settings: ProviderSettings) -> None:
        self.provider = provider
        self.settings = settings

    def prepare(self, m: AlimtalkClaim) -> AlimtalkMessage:
        return AlimtalkMessage(
            message_id=m.message_id, template_code=str(m.context.get("template_code") or ""),
            recipient_no=m.recipient or "", params=dict(m.context.get("params") or {}),
            sms_fallback=self.settings.sms_fallback, fallback_send_no=self.settings.fallback_send_no or None)

    def send(self, message: object) -> Delivery:
        assert isinstance(message, AlimtalkMessage)
        if recipient_number(message.recipient_no) != message.recipient_no:
            # Planned before the recipient rule (or by hand): only a Korean mobile number can receive it.
            return Delivery(State.DEAD, "no_phone", "the recipient is not a Korean mobile number (010, 011, 016-019)")
        try:
            self.provider.send(message)
        except ConnectFailed as exc:  # unreachable: the rest would only wait for the same refusal
            return Delivery(State.FAILED, "temporary_failure", exc.detail[:500], lane_down=True)
        except TransientAlimtalkError as exc:
            return Delivery(State.FAILED, "temporary_failure", exc.detail[:500])
        except PermanentAlimtalkError as exc:
            return Delivery(State.DEAD, "provider_refused", exc.detail[:500])
        except DeliveryUnknown as exc:
            return Delivery(State.UNKNOWN, "no_answer_after_send", exc.detail[:500])
        return Delivery(State.SENT)

    def close(self) -> None:
        self.provider.close()


class AlimtalkChannel:
    """Alimtalk notices through each shop's provider, for `core.messaging.dispatch.dispatch`.

    What is the loyalty package's is passed in: `rules` (which due notices may no longer go out),
    `settings_for` (a shop's provider settings, read in the claiming unit) and `secret_for` (the
    provider's secret key). One connection per shop: NHN's API takes one message per request.
    """

    name = "alimtalk"

    def __init__(self, journal: Journal, *, sandbox_path: Path,
                 rules: Callable[[duckdb.DuckDBPyConnection, dt.datetime], Mapping[str, int]],
                 settings_for: Callable[[duckdb.DuckDBPyConnection, str], ProviderSettings],
                 secret_for: Callable[[str], str | None], batch_size: int = BATCH_SIZE) -> None:
        self.journal = journal
        self.batch_size = batch_size
        self.sandbox_path = sandbox_path
        self._rules = rules
        self._settings_for = settings_for
        self._secret_for = secret_for

    def before_claim(self, con: duckdb.DuckDBPyConnection, now: dt.datetime) -> Mapping[str, int]:
        return self._rules(con, now)

    def load(self, con: duckdb.DuckDBPyConnection, claimed: list[Claimed]) -> list[AlimtalkClaim]:
        settings = {s: self._settings_for(con, s) for s in {c.shop_id for c in claimed}}
        return [AlimtalkClaim(c.message_id, c.shop_id, c.recipient, c.attempts, c.context, settings[c.shop_id])
                for c in claimed]

    def lanes(self, shop_id: str, items: Sequence[AlimtalkClaim]) -> int:
        return 1

    def open(self, shop_id: str, items: Sequence[AlimtalkClaim], now: dt.datetime) -> _AlimtalkLane:
        settings = items[0].settings
        try:
            provider: Provider
            if settings.provider == "sandbox":
                provider = SandboxProvider(self.sandbox_path, now, settings.sender_key or "sandbox")
            else:
                provider = NhnAlimtalkClient(settings.app_key, self._secret_for(shop_id) or "",
                                             settings.sender_key, settings.base_url, now=now)
        except AlimtalkError as exc:
            raise LaneUnavailable("alimtalk_not_configured", exc.detail) from None
        return _AlimtalkLane(provider, settings)

    def frozen_context(self, item: AlimtalkClaim) -> str | None:
        return None  # planned with its variables frozen already
