"""What a CSV file may hold, per kind: our fields, how each is read, and the header names that mean it.

Header aliases are the column names Korean mall exports and spreadsheets use (Cafe24 / Godomall /
Smartstore order and member downloads, hand-made Excel sheets) beside plain English ones. A header
matches an alias when both are equal after `header_token` (case, spaces, '_', '-', '.', brackets
ignored), so "이메일 주소", "E-mail" and "email_address" all find the e-mail field.
"""
from __future__ import annotations

import dataclasses
import re

from core.integrations.base import ORDER_STATUSES

KINDS: tuple[str, ...] = ("members", "orders", "order_items")
TABLES: dict[str, str] = {"members": "members", "orders": "orders", "order_items": "order_items"}
KEYS: dict[str, str] = {"members": "member_key", "orders": "order_key", "order_items": "item_key"}


@dataclasses.dataclass(frozen=True)
class Field:
    name: str                       # the store column it fills
    reader: str                     # key | email | text | phone | instant | flag | consent | amount | count | status
    required: bool                  # must be mapped, and non-empty on every row
    aliases: tuple[str, ...]


_MEMBER_KEY = ("회원번호", "회원ID", "회원아이디", "아이디", "ID", "member_id", "member_key", "member_no",
               "customer_id", "user_id", "memNo", "memId")
_ORDER_KEY = ("주문번호", "주문ID", "order_no", "order_id", "order_key", "orderNo", "order_number")
_EMAIL = ("이메일", "이메일주소", "메일", "메일주소", "전자우편", "email", "e-mail", "email_address", "mail")
_STATUS = ("주문상태", "상태", "처리상태", "status", "order_status")
_DELIVERED = ("배송완료일", "배송완료일시", "delivered_at", "delivery_completed_at", "delivered_date")

FIELDS: dict[str, tuple[Field, ...]] = {
    "members": (
        # Without a member-key column the e-mail is the key (a CSV from anywhere may have no member number).
        Field("member_key", "key", False, _MEMBER_KEY),
        Field("email", "email", True, _EMAIL),
        Field("name", "text", False, ("이름", "회원명", "성명", "고객명", "회원이름", "name", "full_name",
                                       "customer_name", "memNm")),
        Field("phone", "phone", False, ("휴대폰", "휴대폰번호", "휴대전화", "휴대전화번호", "핸드폰", "핸드폰번호",
                                         "전화번호", "연락처", "phone", "mobile", "cellphone", "phone_number",
                                         "cellPhone")),
        Field("member_group", "text", False, ("회원등급", "등급", "회원그룹", "그룹", "group", "grade",
                                               "member_group", "groupNm")),
        Field("signed_up_at", "instant", False, ("가입일", "가입일시", "회원가입일", "가입날짜", "등록일",
                                                  "signed_up_at", "signup_date", "joined_at", "created_at",
                                                  "entryDt")),
        # A consent without a column (or with an empty cell) is unknown (NULL), never a refusal.
        Field("email_consent", "consent", False, ("이메일수신", "이메일수신동의", "이메일수신여부",
                                                   "이메일수신동의여부", "메일수신", "메일수신동의", "메일수신여부",
                                                   "email_consent", "accepts_email", "newsletter", "email_opt_in",
                                                   "maillingFl")),
        Field("sms_consent", "consent", False, ("SMS수신", "SMS수신동의", "SMS수신여부", "SMS수신동의여부", "문자수신",
                                                 "문자수신동의", "sms_consent", "accepts_sms", "sms_opt_in",
                                                 "smsFl")),
        Field("night_consent", "flag", False, ("야간수신", "야간수신동의", "야간광고수신동의", "night_consent")),
        Field("updated_at", "instant", False, ("수정일", "수정일시", "최종수정일", "updated_at", "modified_at",
                                                "modDt")),
    ),
    "orders": (
        Field("order_key", "key", True, _ORDER_KEY),
        Field("member_key", "key", False, _MEMBER_KEY),
        Field("email", "email", False, ("주문자이메일", "주문자메일", "구매자이메일", *_EMAIL)),
        Field("status", "status", True, _STATUS),
        Field("ordered_at", "instant", True, ("주문일", "주문일시", "주문날짜", "ordered_at", "order_date",
                                               "created_at", "regDt")),
        Field("paid_at", "instant", False, ("결제일", "결제일시", "결제완료일", "입금일", "paid_at",
                                             "payment_date", "paymentDt")),
        Field("delivered_at", "instant", False, _DELIVERED),
        Field("total_amount", "amount", False, ("결제금액", "총결제금액", "실결제금액", "주문금액", "총주문금액",
                                                 "합계", "total_amount", "total", "amount", "order_total",
                                                 "settlePrice")),
        Field("currency", "text", False, ("통화", "currency")),
        Field("updated_at", "instant", False, ("수정일", "수정일시", "updated_at", "modified_at")),
    ),
    "order_items": (
        # Without an item-key column an item is keyed by its order and its place among that order's lines.
        Field("item_key", "key", False, ("주문상품번호", "품목주문번호", "상품주문번호", "품목번호", "item_id",
                                          "item_key", "line_id", "order_item_id", "productOrderId")),
        Field("order_key", "key", True, _ORDER_KEY),
        Field("product_key", "text", False, ("상품번호", "상품코드", "상품ID", "product_id", "product_key",
                                              "product_no", "sku", "goodsNo")),
        Field("product_name", "text", False, ("상품명", "상품이름", "product_name", "product", "item_name",
                                               "goodsNm")),
        Field("option_text", "text", False, ("옵션", "옵션정보", "옵션명", "선택옵션", "option", "options",
                                              "option_text")),
        Field("quantity", "count", False, ("수량", "주문수량", "quantity", "qty")),
        Field("unit_price", "amount", False, ("판매가", "단가", "상품가격", "상품금액", "판매단가", "unit_price",
                                               "price", "goodsPrice")),
        Field("status", "status", False, _STATUS),
        Field("delivered_at", "instant", False, _DELIVERED),
    ),
}

# Consent values (lower-cased, stripped). Everything normalize.flag reads as yes/no is here with the same
# meaning; the Korean words are what Korean exports write. An empty cell is unknown (NULL): no answer is no refusal.
FLAG_WORDS: dict[str, bool] = {
    **dict.fromkeys(("y", "yes", "t", "true", "1", "on", "o", "예", "네", "동의", "동의함", "수신", "수신동의",
                     "수신함", "허용"), True),
    **dict.fromkeys(("n", "no", "f", "false", "0", "off", "x", "아니오", "아니요", "미동의", "동의안함",
                     "비동의", "거부", "수신거부", "미수신", "수신안함", "비허용"), False),
}

# Order status words -> core.integrations.base.ORDER_STATUSES, following the meanings Godomall's status
# table gives the same Korean words (core/integrations/godomall.py ORDER_STATUS_MAP).
STATUS_WORDS: dict[str, str] = {
    **{s: s for s in ORDER_STATUSES},
    "canceled": "cancelled", "refunded": "returned", "shipped": "shipping", "completed": "confirmed",
    **dict.fromkeys(("입금대기", "결제대기", "주문접수", "결제시도", "미입금"), "pending"),
    **dict.fromkeys(("결제완료", "입금완료", "입금확인", "상품준비중", "배송준비중", "발송대기", "구매발주",
                     "상품입고", "상품출고"), "paid"),
    **dict.fromkeys(("배송중", "발송완료", "출고완료"), "shipping"),
    # An exchange is no return (the customer keeps a purchase), as core/integrations/godomall.py reads e1-e5.
    **dict.fromkeys(("배송완료", "교환", "교환완료"), "delivered"),
    **dict.fromkeys(("구매확정", "거래완료"), "confirmed"),
    **dict.fromkeys(("취소", "주문취소", "취소완료", "결제실패", "결제취소"), "cancelled"),
    **dict.fromkeys(("반품", "반품완료", "환불", "환불완료"), "returned"),
}


def fields(kind: str) -> tuple[Field, ...]:
    try:
        return FIELDS[kind]
    except KeyError:
        raise ValueError(f"CSV kind '{kind}' is not one of {', '.join(KINDS)}") from None


def header_token(header: str) -> str:
    """A header as compared with the aliases: lower case, without spaces, '_', '-', '.', '/' or brackets."""
    return re.sub(r"[\s_\-./()\[\]*]", "", str(header)).lower()


_ALIAS_INDEX: dict[str, dict[str, str]] = {
    kind: {header_token(a): f.name for f in reversed(fs) for a in (f.name, *f.aliases)} for kind, fs in FIELDS.items()
}


def suggest_mapping(kind: str, headers: list[str]) -> dict[str, str | None]:
    """Field -> the file's header that fills it (None: nothing found), matched by known names.

    The first header matching a field wins; a header fills at most one field (so 'ID' cannot be both
    the member and the order key of an orders file: the order-key field asks first).
    """
    kind_fields = fields(kind)  # refuses an unknown kind
    index = _ALIAS_INDEX[kind]
    mapping: dict[str, str | None] = {f.name: None for f in kind_fields}
    used: set[str] = set()
    for field in kind_fields:
        for header in headers:
            if header not in used and index.get(header_token(header)) == field.name:
                mapping[field.name] = header
                used.add(header)
                break
    return mapping
