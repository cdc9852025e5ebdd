"""Words of templates and e-mail sending as the console shows them: template errors, merge fields, send results.

What recipients read (the advertising footer, the unsubscribe page) is not here: it is Korean by law and
by audience, and lives beside the code that writes it (core/messaging/templates.py, core/public/unsubscribe.py).
"""
from __future__ import annotations

WORDS: dict[str, tuple[str, str | dict[str, str]]] = {
    # The parts of a template, as errors name them
    "messaging.part.subject": ("제목", "Subject"),
    "messaging.part.preheader": ("미리보기 텍스트", "Preview text"),
    "messaging.part.html": ("HTML 본문", "HTML body"),
    "messaging.part.text": ("텍스트 본문", "Text body"),
    # The Activity page's box of messages whose template failed for that member (dead, render_failed)
    "activity.render_failed_title": ("템플릿 오류로 보내지 못한 메시지", "Messages a template error stopped"),
    "activity.render_failed_help": (
        "이 회원의 정보로는 템플릿을 만들 수 없어서 이 메시지만 보내지 않았어요. 같은 때 보낼 다른 메시지는 "
        "모두 나갔어요. 템플릿을 고친 뒤 ‘다시 보내기’로 다시 보낼 수 있어요.",
        "The template could not be made with this member's data, so only this message was not sent; the others "
        "due with it went out. Fix the template, then send it again with 'Retry'."),
    "activity.render_failed_line": ("**{recipient}** · {automation} · {when}\n\n{error}",
                                     "**{recipient}** · {automation} · {when}\n\n{error}"),
    # The sample members a template is checked against when it is saved (templates.SAMPLE_MEMBERS)
    "messaging.sample.typical": ("김하늘 (일반 회원)", "김하늘 (a typical member)"),
    "messaging.sample.no_name": ("이름이 없는 회원", "a member with no name"),
    "messaging.sample.long_name": ("이름이 아주 긴 회원 (201자)", "a member with a very long name (201 characters)"),
    "messaging.sample.no_orders": ("주문 상품이 하나도 없는 회원", "a member with no ordered items"),
    "messaging.sample.many_items": ("주문 상품이 60개인 회원", "a member with 60 ordered items"),
    "messaging.sample.emoji": ("이름과 상품명에 이모지·4바이트 문자가 있는 회원 (🌸하늘🐯 𠮷田)",
                               "a member with emoji and 4-byte characters in the name and items (🌸하늘🐯 𠮷田)"),
    # Template errors (validation on save, preview, sending)
    "messaging.error.line": ("{part} {line}번째 줄: {detail}", "{part}, line {line}: {detail}"),
    "messaging.error.part": ("{part}: {detail}", "{part}: {detail}"),
    "messaging.error.empty": ("비어 있습니다", "is empty"),
    "messaging.error.unknown_trigger": (
        "알 수 없는 발송 조건 '{trigger}' (가능한 값: {known})",
        "unknown trigger '{trigger}' (one of: {known})",
    ),
    "messaging.error.ad_needs": ("광고성 이메일에는 {what}이(가) 있어야 합니다", "an advertising e-mail needs {what}"),
    "messaging.error.ad_sender_name": ("발신자 이름", "the sender's name"),
    "messaging.error.ad_sender_contact": ("발신자 연락처(주소·전화번호)", "the sender's contact (address and phone)"),
    "messaging.error.ad_unsubscribe": ("수신거부 링크", "an unsubscribe link"),
    "messaging.error.undefined": (
        "'{name}'은(는) 이 발송 조건에서 쓸 수 없는 메일머지 항목입니다",
        "'{name}' is not a merge field of this trigger",
    ),
    # Merge fields listed in the editor
    "messaging.field.member.name": (
        "회원 이름 (비어 있을 수 있어요: {{ member.name|default('고객', true) }})",
        "member's name (may be empty: {{ member.name|default('고객', true) }})",
    ),
    "messaging.field.member.email": ("회원 이메일", "member's e-mail"),
    "messaging.field.member.member_key": ("회원 아이디(쇼핑몰 회원 ID)", "member ID on the shop"),
    "messaging.field.shop.name": ("쇼핑몰 이름", "shop name"),
    "messaging.field.shop.url": (
        "쇼핑몰 주소 (없을 수 있어요: {% if shop.url is defined %} … {% endif %}로 감싸 주세요)",
        "shop address (may be missing: wrap it in {% if shop.url is defined %} … {% endif %})",
    ),
    "messaging.field.unsubscribe_url": (
        "수신거부 링크 (광고성 이메일 하단에는 자동으로 들어갑니다)",
        "unsubscribe link (added to the foot of advertising e-mails automatically)",
    ),
    "messaging.field.order.order_key": ("주문번호", "order number"),
    "messaging.field.order.total": (
        "주문 금액 (예: {{ order.total|won }})",
        "order total (e.g. {{ order.total|won }})",
    ),
    "messaging.field.order.ordered_at": (
        "주문 일시 (예: {{ order.ordered_at|date }})",
        "order time (e.g. {{ order.ordered_at|date }})",
    ),
    "messaging.field.order.items": (
        "주문 상품 목록: 각 상품의 name, image_url, price, quantity, option_text, product_key",
        "ordered items: each with name, image_url, price, quantity, option_text, product_key",
    ),
    "messaging.field.products": ("주문한 상품 목록 (order.items와 같음)", "ordered products (same as order.items)"),
    "messaging.field.last_order": ("마지막 주문의 {what}", "last order: {what}"),
    "messaging.field.cart.items": (
        "장바구니 상품 목록: 각 상품의 name, image_url, price, quantity, option_text",
        "cart items: each with name, image_url, price, quantity, option_text",
    ),
    "messaging.field.cart.total": (
        "장바구니 금액 (예: {{ cart.total|won }})",
        "cart total (e.g. {{ cart.total|won }})",
    ),
    "messaging.field.cart.recovery_url": ("장바구니로 돌아가는 링크", "link back to the cart"),
    "messaging.field.days": ("발송 조건의 일수 (N일)", "the trigger's number of days (N)"),
    "messaging.filter.won": ("금액을 '12,900원'으로", "an amount as '12,900원'"),
    "messaging.filter.date": (
        "일시를 '2026년 1월 10일'로 (쇼핑몰 시간대)",
        "a time as '2026년 1월 10일' (shop time zone)",
    ),
    "messaging.filter.default": (
        "값이 비어 있을 때 쓸 말: default('고객', true)",
        "words to use when a value is empty: default('고객', true)",
    ),
    # Sending (test sends and the activity page)
    "messaging.test_subject_prefix": ("[테스트]", "[TEST]"),
    "messaging.send.ok": (
        "{to}(으)로 테스트 이메일을 보냈습니다. 받은편지함(스팸함 포함)을 확인해 주세요.",
        "A test e-mail went to {to}. Check the inbox (and the spam folder).",
    ),
    "messaging.send.auth": (
        "메일 서버가 로그인을 거부했습니다. SMTP 아이디와 비밀번호를 확인해 주세요.",
        "The mail server refused the login. Check the SMTP user name and password.",
    ),
    "messaging.send.tls": (
        "메일 서버의 보안 인증서를 확인할 수 없습니다. 서버 주소와 보안 방식을 확인해 주세요.",
        "The mail server's certificate cannot be verified. Check the host and the security setting.",
    ),
    "messaging.send.no_starttls": (
        "메일 서버가 STARTTLS를 지원하지 않습니다. 보안 방식을 'TLS' 또는 '없음'으로 바꿔 보세요.",
        "The mail server does not offer STARTTLS. Try the security setting 'TLS' or 'none'.",
    ),
    "messaging.send.no_auth": (
        "이 연결에서는 메일 서버에 로그인할 수 없습니다. 보안 방식을 확인해 주세요.",
        "The mail server offers no login on this connection. Check the security setting.",
    ),
    "messaging.send.unreachable": (
        "메일 서버에 연결할 수 없습니다. 서버 주소와 포트를 확인해 주세요.",
        "Cannot reach the mail server. Check the host and port.",
    ),
    "messaging.send.refused": (
        "메일 서버가 이 메일을 거부했습니다. 다시 보내도 같은 결과가 나옵니다.",
        "The mail server refused this message. Sending it again will not help.",
    ),
    "messaging.send.temporary": (
        "메일 서버가 잠시 후 다시 보내 달라고 했습니다. 자동으로 다시 시도합니다.",
        "The mail server asked to try again later. It will be retried automatically.",
    ),
    "messaging.send.unknown": (
        "메일을 넘긴 직후 연결이 끊겨 전달 여부를 알 수 없습니다. 다시 보내지 않습니다.",
        "The connection broke right after the message was handed over, so its delivery is "
        "unknown. It will not be sent again.",
    ),
    "messaging.send.detail": ("{explanation} (서버 응답: {detail})", "{explanation} (server said: {detail})"),
}
