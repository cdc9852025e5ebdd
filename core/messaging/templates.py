"""E-mail templates: Jinja2 in a sandbox, validated on save, rendered for mail clients.

Pure functions, no store and no network. The rules they follow:
- Jinja2 `ImmutableSandboxedEnvironment` (no attribute tricks, no mutating the
  context), `StrictUndefined` (a misspelt merge field is an error, not a blank),
  autoescape on for the HTML part so member data cannot inject markup.
- Every part renders under limits of time, size and call depth
  (core/messaging/render_limits.py), and any exception while rendering, of any type,
  is a `TemplateError`: one member's data can end only that member's message.
- A template is validated by rendering it against each of `sample_members(trigger)`
  (a typical member, no name, a very long name, no ordered items, many items, emoji
  and 4-byte characters); errors name the sample member, the part and the line (Jinja
  keeps template line numbers in `TemplateSyntaxError.lineno` and in the rewritten
  traceback of render errors). They are `TemplateError`s with a key and params: the
  console words them.
- Starter templates (starters/) are block documents compiled by core.messaging.blocks;
  no environment here has a loader, so a template can include or extend no file.
- CSS is inlined with `css-inline` (mail clients such as Gmail drop or ignore
  <style> blocks for many rules); @media rules stay in <style> for clients that
  honour them.
- Advertising (정보통신망법 제50조 ④, 시행령 제61조): the subject starts with
  "(광고)", and the body carries the sender's name and contact and an easy
  way to unsubscribe. The footer is added here, not left to the template, so an
  edited template cannot drop it.
"""
from __future__ import annotations

import dataclasses
import datetime as dt
import functools
import html as html_lib
import re
import traceback
from collections.abc import Callable, Mapping
from decimal import Decimal, InvalidOperation
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import css_inline
import jinja2
from jinja2 import StrictUndefined

from core.clock import DEFAULT_TZ, local
from core.errors import InvalidInput
from core.messaging.render_limits import (
    PART_LIMITS,
    LimitedSandbox,
    RenderLimitExceeded,
    RenderLimits,
    budget,
)

TRIGGERS = ("purchased", "no_first_purchase", "no_repurchase", "signup", "cart_abandoned", "delivered",
            "cart_notice", "cart_digest")  # the last two go to the shop owner (core.carts.recovery), not members
AD_PREFIX = "(광고)"
STARTER_DIR = Path(__file__).resolve().parent / "starters"
_TEMPLATE_FILENAME = "<template>"

# What recipients read is Korean whatever the console's language (정보통신망법 제50조 wording).
MAIL_COPY = {
    "ad_footer_html": (
        "이 메일은 광고성 정보 수신에 동의하신 회원님께 발송되었습니다.<br>"
        "더 이상 받지 않으시려면 <a href=\"{url}\" style=\"color:#6b7280;text-decoration:underline;\">수신거부</a>를 "
        "눌러 주세요. (Unsubscribe)"),
    "ad_footer_text": ("이 메일은 광고성 정보 수신에 동의하신 회원님께 발송되었습니다.\n"
                       "수신거부(Unsubscribe): {url}"),
    "sender_line": "보낸 사람: {name} · {contact}",
}

_COMMON_FIELDS = ("member.name", "member.email", "member.member_key", "shop.name", "shop.url", "unsubscribe_url")
_ORDER_FIELDS = ("order.order_key", "order.total", "order.ordered_at", "order.items", "products")
_CART_FIELDS = ("cart.items", "cart.total", "cart.recovery_url")
# Owner notices: `member` is the owner reading it (name usually empty: "사장님"), the customer is in the cart.
_OWNER_CART_FIELDS = _CART_FIELDS + ("cart.email", "cart.customer_name", "cart.abandoned_at")
_DIGEST_FIELDS = ("digest.date", "digest.count", "digest.total", "digest.carts", "digest.more")

# Which merge fields each trigger's messages carry (core.automations.context builds the same keys).
_FIELDS_BY_TRIGGER: dict[str, tuple[str, ...]] = {
    "purchased": _COMMON_FIELDS + _ORDER_FIELDS,
    "no_first_purchase": _COMMON_FIELDS + ("days",),
    "no_repurchase": _COMMON_FIELDS + ("days",) + _ORDER_FIELDS,
    "signup": _COMMON_FIELDS,
    "cart_abandoned": _COMMON_FIELDS + _CART_FIELDS,
    "delivered": _COMMON_FIELDS + _ORDER_FIELDS,
    "cart_notice": _COMMON_FIELDS + _OWNER_CART_FIELDS,
    "cart_digest": _COMMON_FIELDS + _DIGEST_FIELDS,
}


def merge_fields(trigger: str) -> list[tuple[str, str, dict[str, Any]]]:
    """(field, key, params) for the editor: the console shows `t(key, **params)` beside each field.

    The last-order fields of a repurchase nudge have keys of their own (`messaging.field.last_order.*`).
    """
    _check_trigger(trigger)
    out: list[tuple[str, str, dict[str, Any]]] = []
    for field in _FIELDS_BY_TRIGGER[trigger]:
        last_order = trigger == "no_repurchase" and field in _ORDER_FIELDS
        out.append((field, f"messaging.field.last_order.{field}" if last_order else f"messaging.field.{field}", {}))
    return out


FILTERS = ("won", "date", "default")


def filter_help() -> list[tuple[str, str, dict[str, Any]]]:
    """(filter, key, params) for the editor, as `merge_fields`."""
    return [(name, f"messaging.filter.{name}", {}) for name in FILTERS]


class TemplateError(InvalidInput, ValueError):
    """A template that cannot be saved or rendered, keyed `messaging.template.<what>`.

    `part` (subject, preheader, html, text) and `line` (None when no line applies) say where; the
    other params say what: `name` (a merge field that does not exist), `problem` (Jinja's or the CSS
    inliner's own message, in English), `missing` (what an advertising e-mail lacks: sender_name,
    sender_contact, unsubscribe), `trigger`/`known`. `detail` is the same in English, for logs.
    """

    def __init__(self, key: str, /, *, part: str | None = None, line: int | None = None, detail: str = "",
                 **params: Any) -> None:
        self.part = part
        self.line = line
        super().__init__(key, detail=detail, part=part, line=line, **params)


class UnknownTrigger(InvalidInput, ValueError):
    """A trigger name that is not one of TRIGGERS (params: trigger, known)."""


@dataclasses.dataclass(frozen=True)
class RenderedEmail:
    subject: str
    html: str
    text: str
    preheader: str


# ---------------------------------------------------------------- filters

def _won(value: Any) -> str:
    try:
        amount = Decimal(str(value))
    except (InvalidOperation, ValueError):
        return str(value)
    return f"{amount.quantize(Decimal(1)):,}원"


def _date(value: Any, with_time: bool = False) -> str:
    if isinstance(value, str):
        try:
            value = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            return value
    if isinstance(value, dt.datetime):
        if value.tzinfo is not None:
            value = local(value, DEFAULT_TZ)
        text = f"{value.year}년 {value.month}월 {value.day}일"
        return text + (f" {value.hour:02d}:{value.minute:02d}" if with_time else "")
    if isinstance(value, dt.date):
        return f"{value.year}년 {value.month}월 {value.day}일"
    return str(value)


class _MergeEnvironment(LimitedSandbox):
    """Dot access on merge data reads keys only: `order.items` is the order's items, not dict.items.

    Every render in it runs under a budget of time, size and depth (core.messaging.render_limits).
    """

    def getattr(self, obj: Any, attribute: str) -> Any:
        if type(obj) is dict or isinstance(obj, Mapping):  # merge data is plain dicts: skip the ABC check
            try:
                return obj[attribute]
            except (KeyError, TypeError):
                return self.undefined(obj=obj, name=attribute)
        return super().getattr(obj, attribute)


def _environment(autoescape: bool) -> _MergeEnvironment:
    env = _MergeEnvironment(undefined=StrictUndefined, autoescape=autoescape,
                            keep_trailing_newline=True, trim_blocks=True, lstrip_blocks=True)
    env.add_filter("won", _won)
    env.add_filter("date", _date)
    return env


_HTML_ENV = _environment(autoescape=True)
_TEXT_ENV = _environment(autoescape=False)
_INLINER = css_inline.CSSInliner(keep_at_rules=True, load_remote_stylesheets=False)


# ---------------------------------------------------------------- compile and render with line numbers

def _error(what: str, part: str, line: int | None, account: str, **params: Any) -> TemplateError:
    """`account`: what happened in English, for the detail."""
    where = f"{part} line {line}" if line else part
    return TemplateError(f"messaging.template.{what}", part=part, line=line, detail=f"{where}: {account}",
                         **params)


_UNDEFINED_NAME = re.compile(r"'([^']+)' is undefined|has no attribute '([^']+)'")


def _render_error(part: str, line: int | None, exc: jinja2.TemplateError) -> TemplateError:
    """A misspelt or foreign merge field by its name; any other render error with Jinja's message."""
    message = exc.message or str(exc)
    match = _UNDEFINED_NAME.search(message) if isinstance(exc, jinja2.UndefinedError) else None
    if match:
        return _error("undefined", part, line, message, name=match.group(1) or match.group(2))
    return _error("failed", part, line, message, problem=message)


def _render_line(exc: BaseException) -> int | None:
    """The template line a render error happened on, from Jinja's rewritten traceback."""
    line = None
    for frame in traceback.extract_tb(exc.__traceback__):
        if frame.filename == _TEMPLATE_FILENAME:
            line = frame.lineno
    return line


@functools.lru_cache(maxsize=512)
def _compile(source: str, autoescape: bool) -> jinja2.Template:
    # Compiling costs ~10 ms a part; a batch sends one template to many members.
    return (_HTML_ENV if autoescape else _TEXT_ENV).from_string(source)


def _limit_error(part: str, line: int | None, exc: RenderLimitExceeded) -> TemplateError:
    account = f"the render passed its {exc.what} limit ({exc.limit})"
    if exc.what == "time":
        return _error("time_limit", part, line, account, seconds=exc.limit)
    if exc.what == "depth":
        return _error("depth_limit", part, line, account, depth=exc.limit)
    return _error("size_limit", part, line, account, chars=exc.limit)


def _render(part: str, source: str, context: dict, env: _MergeEnvironment,
            limits: RenderLimits | None = None) -> str:
    """One part rendered under its limits; any failure, of any type, is a TemplateError naming the line."""
    try:
        compiled = _compile(source, env is _HTML_ENV)
    except jinja2.TemplateSyntaxError as exc:
        problem = exc.message or str(exc)
        raise _error("syntax", part, exc.lineno, problem, problem=problem) from None
    except Exception as exc:  # noqa: BLE001 (nesting too deep for the parser: RecursionError)
        problem = f"{type(exc).__name__}: {exc}"[:300]
        raise _error("syntax", part, None, problem, problem=problem) from None
    try:
        with budget(limits or PART_LIMITS[part]):
            return compiled.render(context)
    except RenderLimitExceeded as exc:
        raise _limit_error(part, _render_line(exc), exc) from None
    except jinja2.TemplateError as exc:  # UndefinedError, SecurityError, runtime template errors
        raise _render_error(part, _render_line(exc), exc) from None
    except Exception as exc:  # noqa: BLE001 (RecursionError, MemoryError, a filter's own error: one message's)
        problem = f"{type(exc).__name__}: {exc}"[:300]
        raise _error("failed", part, _render_line(exc), problem, problem=problem) from None


def _tidy_text(text: str) -> str:
    lines = [line.rstrip() for line in text.splitlines()]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip() + "\n"


def _one_line(text: str) -> str:
    return " ".join(text.split())


# ---------------------------------------------------------------- HTML → text

class _TextExtractor(HTMLParser):
    """A readable plain-text version of an e-mail's HTML: blocks on their own lines, links as 'label (url)'."""

    _PARAGRAPHS = {"p", "h1", "h2", "h3", "h4", "h5", "h6", "ul", "ol", "blockquote", "table"}
    _LINES = {"div", "tr", "li", "hr", "section", "header", "footer"}
    _SKIP = {"style", "script", "head", "title"}

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.out: list[str] = []
        self._skip = 0
        self._hidden: list[str] = []  # tag names of open elements hidden with display:none
        self._links: list[tuple[str | None, int]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        style = (a.get("style") or "").replace(" ", "").lower()
        if self._hidden or "display:none" in style:
            if tag not in {"br", "img", "meta", "link", "hr", "input"}:
                self._hidden.append(tag)
            return
        if tag in self._SKIP:
            self._skip += 1
        elif tag == "br":
            self.out.append("\n")
        elif tag in self._PARAGRAPHS:
            self._break(2)
        elif tag in self._LINES:
            self._break(1)
            if tag == "li":
                self.out.append("- ")
            if tag == "hr":
                self.out.append("----\n")
        elif tag == "td":
            self.out.append(" ")
        elif tag == "a":
            self._links.append((a.get("href"), len(self.out)))

    def handle_endtag(self, tag: str) -> None:
        if self._hidden:
            if self._hidden[-1] == tag:
                self._hidden.pop()
            return
        if tag in self._SKIP:
            self._skip = max(0, self._skip - 1)
        elif tag in self._PARAGRAPHS:
            self._break(2)
        elif tag in self._LINES:
            self._break(1)
        elif tag == "a" and self._links:
            href, start = self._links.pop()
            label = _one_line("".join(self.out[start:]))
            if href and href.startswith(("http://", "https://")) and href != label:
                self.out.append(f" ({href})" if label else href)

    def _break(self, lines: int) -> None:
        """End the current line, leaving `lines` newlines (2: a blank line) without piling them up."""
        text = "".join(self.out).rstrip(" ")
        if text:
            have = len(text) - len(text.rstrip("\n"))
            self.out = [text, "\n" * max(0, lines - have)]

    def handle_data(self, data: str) -> None:
        if not self._skip and not self._hidden:
            self.out.append(re.sub(r"\s+", " ", data))

    def text(self) -> str:
        lines = [line.strip() for line in "".join(self.out).replace("\xa0", " ").splitlines()]
        text = "\n".join(lines)
        return re.sub(r"\n{3,}", "\n\n", text).strip() + "\n"


def html_to_text(html: str) -> str:
    parser = _TextExtractor()
    parser.feed(html)
    parser.close()
    return parser.text()


# ---------------------------------------------------------------- link tracking, preheader, footer

_HREF = re.compile(r'(<a\b[^>]*?\bhref=")([^"]*)(")', re.I)


def _track_links(html: str, tracked: Callable[[str], str], keep: set[str]) -> str:
    """Route each http(s) link through `tracked`, except the links in `keep` (the unsubscribe link)."""
    def swap(match: re.Match) -> str:
        url = html_lib.unescape(match.group(2))
        if not url.startswith(("http://", "https://")) or url in keep:
            return match.group(0)
        return match.group(1) + html_lib.escape(tracked(url), quote=True) + match.group(3)
    return _HREF.sub(swap, html)


def _insert_after_body_open(html: str, fragment: str) -> str:
    match = re.search(r"<body\b[^>]*>", html, re.I)
    return html[:match.end()] + fragment + html[match.end():] if match else fragment + html


def _insert_before_body_close(html: str, fragment: str) -> str:
    index = html.lower().rfind("</body>")
    return html[:index] + fragment + html[index:] if index >= 0 else html + fragment


def _preheader_html(preheader: str) -> str:
    # Hidden preview text; the filler keeps clients from pulling body text into the preview.
    filler = "&#847;&zwnj;&nbsp;" * 60
    return ('<div style="display:none;font-size:1px;color:#ffffff;line-height:1px;max-height:0;'
            'max-width:0;opacity:0;overflow:hidden;mso-hide:all;">'
            f"{html_lib.escape(preheader)}{filler}</div>")


def _ad_footer_html(sender: dict, unsubscribe_url: str) -> str:
    sender_line = MAIL_COPY["sender_line"].format(name=html_lib.escape(sender["sender_name"]),
                                             contact=html_lib.escape(sender["sender_contact"]))
    notice = MAIL_COPY["ad_footer_html"].format(url=html_lib.escape(unsubscribe_url, quote=True))
    return ('<table role="presentation" width="100%" cellpadding="0" cellspacing="0" border="0" '
            'style="width:100%;max-width:600px;margin:0 auto;">'
            '<tr><td style="padding:20px 24px 32px;font-family:-apple-system,\'Apple SD Gothic Neo\','
            '\'Malgun Gothic\',sans-serif;font-size:12px;line-height:1.7;color:#6b7280;text-align:center;">'
            f"{sender_line}<br>{notice}</td></tr></table>")


def _ad_footer_text(sender: dict, unsubscribe_url: str) -> str:
    return ("\n--\n" + MAIL_COPY["sender_line"].format(name=sender["sender_name"], contact=sender["sender_contact"])
            + "\n" + MAIL_COPY["ad_footer_text"].format(url=unsubscribe_url) + "\n")


def _open_pixel_html(url: str) -> str:
    return (f'<img src="{html_lib.escape(url, quote=True)}" width="1" height="1" alt="" '
            'style="display:block;width:1px;height:1px;border:0;">')


def advertising_subject(subject: str) -> str:
    return subject if subject.startswith(AD_PREFIX) else f"{AD_PREFIX} {subject}"


def _check_advertising(context: dict, sender: dict) -> None:
    missing = [what for what, ok in (
        ("sender_name", sender.get("sender_name")),
        ("sender_contact", sender.get("sender_contact")),
        ("unsubscribe", context.get("unsubscribe_url")),
    ) if not (isinstance(ok, str) and ok.strip())]
    if missing:
        raise TemplateError("messaging.template.ad_needs", missing=missing,
                            detail=f"an advertising e-mail needs {', '.join(missing)}")


# ---------------------------------------------------------------- public API

def render_email(template: dict, context: dict, *, advertising: bool, sender: dict,
                 limits: Mapping[str, RenderLimits] | None = None) -> RenderedEmail:
    """Render a template for one member; raises TemplateError naming the part and line.

    `template` has subject, html and optionally preheader and text; `context` the
    merge data plus unsubscribe_url, open_pixel_url and tracked(url) from
    `core.public.links.tracking_context`; `sender` has sender_name, sender_email, sender_contact.
    Each part renders under its limits (`limits` by part, else render_limits.PART_LIMITS): one that runs
    too long, grows too large or nests too deep is a TemplateError like any other.
    """
    if advertising:
        _check_advertising(context, sender)
    lim = limits or PART_LIMITS
    subject = _one_line(_render("subject", template["subject"], context, _TEXT_ENV, lim.get("subject")))
    preheader = _one_line(_render("preheader", template.get("preheader") or "", context, _TEXT_ENV,
                                  lim.get("preheader")))
    html = _render("html", template["html"], context, _HTML_ENV, lim.get("html"))
    text = (_tidy_text(_render("text", template["text"], context, _TEXT_ENV, lim.get("text")))
            if (template.get("text") or "").strip() else None)
    try:
        html = _INLINER.inline(html)
    except css_inline.InlineError as exc:
        raise _error("css", "html", None, f"CSS: {exc}", problem=str(exc)) from None

    unsubscribe_url = context.get("unsubscribe_url")
    tracked = context.get("tracked")
    if callable(tracked):
        html = _track_links(html, tracked, {unsubscribe_url} if unsubscribe_url else set())
    if text is None:
        text = html_to_text(html)
    closing = ""  # the footer, then the open pixel, both before </body>
    if advertising:
        assert isinstance(unsubscribe_url, str)  # _check_advertising refused a message without one
        subject = advertising_subject(subject)
        closing += _ad_footer_html(sender, unsubscribe_url)
        text = text.rstrip("\n") + "\n" + _ad_footer_text(sender, unsubscribe_url)
    if context.get("open_pixel_url"):
        closing += _open_pixel_html(context["open_pixel_url"])
    if closing:
        html = _insert_before_body_close(html, closing)
    if preheader:
        html = _insert_after_body_open(html, _preheader_html(preheader))
    return RenderedEmail(subject=subject, html=html, text=text, preheader=preheader)


def _check_trigger(trigger: str) -> None:
    if trigger not in TRIGGERS:
        raise UnknownTrigger("messaging.template.unknown_trigger", trigger=trigger, known=", ".join(TRIGGERS),
                             detail=f"unknown trigger '{trigger}' (one of: {', '.join(TRIGGERS)})")


SAMPLE_SENDER = {"sender_name": "하루상점", "sender_email": "hello@haru-shop.example",
                 "sender_contact": "서울특별시 마포구 월드컵북로 12, 02-1234-5678"}


def validate(subject: str, html: str, text: str | None, trigger: str, *,
             preheader: str | None = None) -> None:
    """Refuse a template that would not render for a sample member of this trigger."""
    _check_trigger(trigger)
    if not (subject or "").strip():
        raise _error("empty", "subject", None, "is empty")
    if not (html or "").strip():
        raise _error("empty", "html", None, "is empty")
    template = {"subject": subject, "preheader": preheader, "html": html, "text": text}
    for sample, context in sample_members(trigger):
        try:
            render_email(template, context, advertising=True, sender=SAMPLE_SENDER)
        except TemplateError as exc:
            if sample == SAMPLE_MEMBERS[0]:
                raise  # it fails for a typical member, so for everyone: naming a sample would only distract
            raise _for_sample(exc, sample) from None


def _for_sample(exc: TemplateError, sample: str) -> TemplateError:
    """The same error, naming the sample member it happened for (`sample`: a key of SAMPLE_MEMBERS)."""
    params = {k: v for k, v in exc.params.items() if k not in ("part", "line")}
    return TemplateError(exc.key, part=exc.part, line=exc.line, detail=f"sample member {sample}: {exc.detail}",
                         **params, sample=sample)


# The members a template is checked against when saved, the way real records arrive: the console words
# each as `messaging.sample.<key>`. A branch only odd data reaches (an empty name, a 4-byte character,
# fifty items) fails here, with the member and the line, instead of at send time.
SAMPLE_MEMBERS = ("typical", "no_name", "long_name", "no_orders", "many_items", "emoji")
LONG_NAME = "김" + "하늘빛바다" * 40  # 201 characters: a shop that stores a nickname or a company name
MANY_ITEMS = 60
EMOJI_NAME = "🌸하늘🐯 𠮷田"  # emoji and a CJK Extension B character: four bytes each in UTF-8


def sample_members(trigger: str) -> list[tuple[str, dict]]:
    """(key, merge data) of each sample member of SAMPLE_MEMBERS for this trigger."""
    out = []
    for sample in SAMPLE_MEMBERS:
        context = sample_context(trigger, sparse=sample == "no_name")
        if sample == "long_name":
            context["member"]["name"] = LONG_NAME
        elif sample == "emoji":
            context["member"]["name"] = EMOJI_NAME
            _each_items(context, lambda items: [{**i, "name": f"🎁 {i['name']} 𠮷"} for i in items])
        elif sample == "no_orders":
            _each_items(context, lambda items: [])
        elif sample == "many_items":
            _each_items(context, lambda items: [
                {**items[n % len(items)], "name": f"{items[n % len(items)]['name']} {n + 1}"}
                for n in range(MANY_ITEMS)])
        out.append((sample, context))
    return out


def _each_items(context: dict, change: Callable[[list[dict]], list[dict]]) -> None:
    """Apply `change` to every item list the merge data carries (order, products, cart, digest carts)."""
    for holder, key in ((context.get("order"), "items"), (context.get("cart"), "items"), (context, "products")):
        if isinstance(holder, dict) and isinstance(holder.get(key), list):
            holder[key] = change(holder[key])
    digest = context.get("digest")
    if isinstance(digest, dict):
        digest["carts"] = [{**c, "items": change(c["items"])} for c in digest["carts"]]


def _sample_items() -> list[dict]:
    # The keys core.automations.context gives cart items; order items add product_key.
    return [
        {"name": "린넨 오버핏 셔츠", "image_url": "https://images.haru-shop.example/p/1001.jpg",
         "price": 39000, "quantity": 1, "option_text": "색상: 아이보리 / 사이즈: M"},
        {"name": "데일리 코튼 양말 3종 세트", "image_url": "https://images.haru-shop.example/p/2040.jpg",
         "price": 12900, "quantity": 2, "option_text": ""},
    ]


def sample_context(trigger: str, *, sparse: bool = False) -> dict:
    """A believable member and the data this trigger carries, for validation and preview.

    `sparse`: the same member with the optional data missing (shop.url absent, empty name,
    items without image or option), the way many real records arrive.
    """
    _check_trigger(trigger)
    items = _sample_items()
    if sparse:
        items = [{**item, "image_url": "", "option_text": ""} for item in items]
    total = sum(i["price"] * i["quantity"] for i in items)
    context: dict[str, Any] = {
        "member": {"name": "김하늘", "email": "haneul.kim@example.com", "member_key": "haneul01"},
        "shop": {"name": "하루상점", "url": "https://haru-shop.example"},
        "unsubscribe_url": "https://crm.haru-shop.example/u/sample-token",
        "open_pixel_url": "https://crm.haru-shop.example/o/sample.gif?s=sample",
        "tracked": lambda url: url,
    }
    if sparse:
        context["member"]["name"] = ""
        del context["shop"]["url"]
    order_items = [{**item, "product_key": key} for item, key in zip(items, ("P1001", "P2040"), strict=True)]
    order = {"order_key": "20260110-0001234", "total": total, "ordered_at": "2026-01-10T14:32:00+09:00",
             "items": order_items}
    if trigger in ("purchased", "delivered", "no_repurchase"):
        context["order"] = order
        context["products"] = order_items
    if trigger in ("no_first_purchase", "no_repurchase"):
        context["days"] = 14 if trigger == "no_first_purchase" else 30
    if trigger == "cart_abandoned":
        context["cart"] = {"cart_key": "basket-abc123", "items": items, "total": total,
                           "recovery_url": "https://haru-shop.example/order/basket.html?recover=abc123"}
    if trigger in ("cart_notice", "cart_digest"):
        owner = _owner_sample(items, total, sparse)
        context.update({"cart": owner["cart"]} if trigger == "cart_notice" else {"digest": owner["digest"]})
        context["member"]["member_key"] = ""  # the owner is not a member
    return context


def _owner_sample(items: list[dict], total: Any, sparse: bool) -> dict:
    """An owner notice's cart (with its customer) and a digest of two carts, keyed as
    core.automations.context builds them."""
    cart = {"cart_key": "basket-abc123", "items": items, "total": total,
            "recovery_url": "https://haru-shop.example/order/basket.html?recover=abc123",
            "email": "minji.lee@example.com", "customer_name": "" if sparse else "이민지",
            "abandoned_at": "2026-01-10T15:20:00+09:00", "recovered": False}
    other = {**cart, "cart_key": "basket-def456", "items": items[:1], "total": items[0]["price"],
             "recovery_url": "https://haru-shop.example/order/basket.html?recover=def456",
             "email": "guest.park@example.com", "customer_name": "", "abandoned_at": "2026-01-10T21:05:00+09:00",
             "recovered": True}
    carts = [cart, other]
    return {"cart": cart, "digest": {"date": "2026-01-10", "count": len(carts), "more": 0,
                                     "total": sum(c["total"] for c in carts), "carts": carts}}


def starter_template(trigger: str) -> dict:
    """A ready template for this trigger: name, subject, preheader, html, text, and the block document
    (starters/<trigger>.blocks.json) its HTML is compiled from: saved with it, a copy reopens in the block editor.
    `text` is the starter's hand-written plain-text part (<trigger>.txt), for a copy edited as raw HTML."""
    _check_trigger(trigger)
    from core.messaging import blocks  # blocks is built on this module's merge fields
    starter = blocks.starter(trigger)
    return {**starter, "text": (STARTER_DIR / f"{trigger}.txt").read_text(encoding="utf-8")}


def preview(template: dict, trigger: str, *, advertising: bool = True,
            context: dict | None = None, sender: dict | None = None) -> RenderedEmail:
    """What the editor shows: the template rendered for a sample (or chosen) member."""
    return render_email(template, context or sample_context(trigger), advertising=advertising,
                        sender=sender or SAMPLE_SENDER)


__all__ = ["TRIGGERS", "FILTERS", "merge_fields", "filter_help", "TemplateError", "UnknownTrigger", "RenderedEmail",
           "SAMPLE_MEMBERS", "sample_context", "sample_members", "validate", "starter_template", "render_email",
           "preview", "html_to_text"]
