"""Words for what core.messaging reports by key: send errors, settings and address errors, template errors,
Alimtalk errors, and the last-order merge fields of a repurchase nudge.

Error keys are looked up as `errors.<key>` with the error's params. Template errors name where they
happened with a wrapper: `errors.messaging.template.at_line` (part, line, problem) or
`errors.messaging.template.in_part` (part, problem), where `part` is shown as `messaging.part.<part>` and
`problem` is the error's own words. An advertising e-mail's missing parts (`missing`) are each shown as
`errors.messaging.template.ad_missing.<item>`, joined by ", ".
"""
from __future__ import annotations

WORDS: dict[str, tuple[str, str | dict[str, str]]] = {
    # Sending e-mail (SmtpSession): what went wrong, in words an operator can act on; `with_answer` adds
    # the server's own answer (the error's detail) after them
    "errors.messaging.send.auth": ("메일 서버가 로그인을 거부했습니다. SMTP 아이디와 비밀번호를 확인해 주세요.",
                                   "The mail server refused the login. Check the SMTP user name and password."),
    "errors.messaging.send.tls": ("메일 서버의 보안 인증서를 확인할 수 없습니다. 서버 주소와 보안 방식을 확인해 주세요.",
                                  "The mail server's certificate cannot be verified. Check the host and the "
                                  "security setting."),
    "errors.messaging.send.no_starttls": ("메일 서버가 STARTTLS를 지원하지 않습니다. 보안 방식을 'TLS' 또는 '없음'으로 "
                                          "바꿔 보세요.",
                                          "The mail server does not offer STARTTLS. Try the security setting 'TLS' "
                                          "or 'none'."),
    "errors.messaging.send.no_auth": ("이 연결에서는 메일 서버에 로그인할 수 없습니다. 보안 방식을 확인해 주세요.",
                                      "The mail server offers no login on this connection. Check the security "
                                      "setting."),
    "errors.messaging.send.unreachable": ("메일 서버에 연결할 수 없습니다. 서버 주소와 포트를 확인해 주세요.",
                                          "Cannot reach the mail server. Check the host and port."),
    "errors.messaging.send.refused": ("메일 서버가 이 메일을 거부했습니다. 다시 보내도 같은 결과가 나옵니다.",
                                      "The mail server refused this message. Sending it again will not help."),
    "errors.messaging.send.temporary": ("메일 서버가 잠시 후 다시 보내 달라고 했습니다. 자동으로 다시 시도합니다.",
                                        "The mail server asked to try again later. It will be retried "
                                        "automatically."),
    "errors.messaging.send.unknown": ("메일을 넘긴 직후 연결이 끊겨 전달 여부를 알 수 없습니다. 다시 보내지 않습니다.",
                                      "The connection broke right after the message was handed over, so its "
                                      "delivery is unknown. It will not be sent again."),
    "errors.messaging.send.with_answer": ("{explanation} (서버 응답: {detail})", "{explanation} (server said: {detail})"),
    # SMTP settings and the message's addresses
    "errors.messaging.smtp.security_unknown": ("보안 방식 '{security}'은(는) 쓸 수 없어요 (가능한 값: {known}).",
                                               "The security setting '{security}' is not one of {known}."),
    "errors.messaging.smtp.host_empty": ("SMTP 서버 주소를 입력해 주세요.", "Enter the SMTP server's host."),
    "errors.messaging.smtp.port_range": ("포트 {port}은(는) 1에서 65535 사이여야 해요.",
                                         "Port {port} must be between 1 and 65535."),
    "errors.messaging.smtp.password_without_username": ("비밀번호를 쓰려면 SMTP 아이디도 입력해 주세요.",
                                                        "A password needs an SMTP user name too."),
    "errors.messaging.email.bad_address.sender": ("보내는 사람 이메일 '{address}'이(가) 올바른 이메일 주소가 아니에요.",
                                                  "The sender e-mail '{address}' is not an e-mail address."),
    "errors.messaging.email.bad_address.recipient": ("받는 사람 이메일 '{address}'이(가) 올바른 이메일 주소가 "
                                                     "아니에요.",
                                                     "The recipient e-mail '{address}' is not an e-mail address."),
    "errors.messaging.email.bad_address.reply_to": ("회신 주소 '{address}'이(가) 올바른 이메일 주소가 아니에요.",
                                                    "The reply-to e-mail '{address}' is not an e-mail address."),
    "errors.messaging.email.name_line_break.sender": ("보내는 사람 이름에 줄바꿈이 있어요.",
                                                      "The sender's name contains a line break."),
    "errors.messaging.email.name_line_break.recipient": ("받는 사람 이름에 줄바꿈이 있어요.",
                                                         "The recipient's name contains a line break."),
    "errors.messaging.email.name_line_break.reply_to": ("회신 주소의 이름에 줄바꿈이 있어요.",
                                                        "The reply-to name contains a line break."),
    "errors.messaging.email.header_line_break": ("메일 머리글 {header}에 줄바꿈이 있어요.",
                                                 "The {header} header contains a line break."),
    "errors.messaging.email.bad_message_id": ("메시지 ID '{message_id}'에는 영문, 숫자와 ._+=-만 쓸 수 있어요.",
                                              "The message id '{message_id}' may only hold letters, digits and "
                                              "._+=-."),
    "errors.messaging.email.bad_unsubscribe_uri": ("수신거부 주소 '{uri}'에 공백이나 <, >, , 같은 문자가 있어요.",
                                                   "The unsubscribe address '{uri}' holds spaces, '<', '>' or ','."),
    "errors.messaging.email.unsubscribe_not_http": ("원클릭 수신거부 주소는 http(s) 주소여야 해요.",
                                                    "The one-click unsubscribe address must be an http(s) URL."),
    "errors.messaging.email.bad_unsubscribe_mailto": ("수신거부 메일 주소는 'mailto:'로 시작해야 해요.",
                                                      "The unsubscribe mail address must start with 'mailto:'."),
    "errors.messaging.email.no_recipient": ("받는 사람이 없어요.", "The message has no recipient."),
    # Templates: where (wrappers) and what; `problem` is Jinja's (or the CSS inliner's) own message
    "errors.messaging.template.at_line": ("{part} {line}번째 줄: {problem}", "{part}, line {line}: {problem}"),
    "errors.messaging.template.in_part": ("{part}: {problem}", "{part}: {problem}"),
    "errors.messaging.template.syntax": ("{problem}", "{problem}"),
    "errors.messaging.template.undefined": ("'{name}'은(는) 이 발송 조건에서 쓸 수 없는 메일머지 항목입니다",
                                            "'{name}' is not a merge field of this trigger"),
    "errors.messaging.template.failed": ("{problem}", "{problem}"),
    "errors.messaging.template.css": ("CSS: {problem}", "CSS: {problem}"),
    # A render past its limits (core/messaging/render_limits.py), and the sample member a save-time check failed for
    "errors.messaging.template.time_limit": (
        "{seconds}초 안에 끝나지 않아 멈췄어요. 반복문이나 매크로가 너무 오래 돌아요.",
        "It did not finish within {seconds} s and was stopped: a loop or macro runs too long."),
    "errors.messaging.template.size_limit": (
        "만들어지는 내용이 {chars:,}자를 넘어 멈췄어요. 반복되거나 곱해지는 글자가 너무 많아요.",
        "What it builds grew past {chars:,} characters and was stopped: too much repeated or multiplied text."),
    "errors.messaging.template.depth_limit": (
        "매크로가 {depth}단계 넘게 자기 자신이나 서로를 불러 멈췄어요. 끝나지 않는 반복 호출이 있어요.",
        "Macros called themselves or each other more than {depth} levels deep and were stopped: a recursion "
        "that never ends."),
    "errors.messaging.template.for_sample": ("예시 회원 ‘{sample}’에게 보내 보면 {problem}",
                                             "For the sample member '{sample}': {problem}"),
    "errors.messaging.template.empty": ("비어 있습니다", "is empty"),
    "errors.messaging.template.ad_needs": ("광고성 이메일에는 {missing}이(가) 있어야 합니다",
                                           "an advertising e-mail needs {missing}"),
    "errors.messaging.template.ad_missing.sender_name": ("발신자 이름", "the sender's name"),
    "errors.messaging.template.ad_missing.sender_contact": ("발신자 연락처(주소·전화번호)",
                                                            "the sender's contact (address and phone)"),
    "errors.messaging.template.ad_missing.unsubscribe": ("수신거부 링크", "an unsubscribe link"),
    "errors.messaging.template.unknown_trigger": ("알 수 없는 발송 조건 '{trigger}' (가능한 값: {known})",
                                                  "unknown trigger '{trigger}' (one of: {known})"),
    # Alimtalk
    "errors.messaging.alimtalk.not_configured": ("알림톡을 보내려면 앱 키, 시크릿 키, 발신 키가 모두 필요해요.",
                                                 "Alimtalk needs the app key, the secret key and the sender key."),
    "errors.messaging.alimtalk.unreachable": ("알림톡 서비스에 연결할 수 없어요. 잠시 후 다시 시도해요.",
                                              "Cannot reach the Alimtalk provider. It will be retried."),
    "errors.messaging.alimtalk.no_answer": ("알림톡 요청을 보낸 뒤 응답이 오지 않아 발송 여부를 알 수 없어요. 다시 "
                                            "보내지 않아요.",
                                            "The Alimtalk request went out and no answer came, so its delivery is "
                                            "unknown. It will not be sent again."),
    "errors.messaging.alimtalk.http_status": ("알림톡 서비스가 HTTP {status}로 응답했어요. 자동으로 다시 시도해요.",
                                              "The Alimtalk provider answered HTTP {status}. It will be retried."),
    "errors.messaging.alimtalk.http_refused": ("알림톡 서비스가 요청을 거부했어요 (HTTP {status}).",
                                               "The Alimtalk provider refused the request (HTTP {status})."),
    "errors.messaging.alimtalk.unreadable": ("알림톡 서비스의 응답을 읽을 수 없어요 (HTTP {status}).",
                                             "The Alimtalk provider's answer cannot be read (HTTP {status})."),
    "errors.messaging.alimtalk.refused": ("알림톡 서비스가 거부했어요: {code} {message}",
                                          "The Alimtalk provider refused: {code} {message}"),
    "errors.messaging.alimtalk.recipient_refused": ("알림톡 서비스가 받는 사람을 거부했어요: {code} {message}",
                                                    "The Alimtalk provider refused the recipient: {code} {message}"),
    "errors.messaging.alimtalk.no_result": ("알림톡 서비스가 성공이라 답했지만 발송 결과가 없어요.",
                                            "The Alimtalk provider answered success without a send result."),
    "errors.messaging.alimtalk.duplicate_unconfirmed": (
        "같은 요청 키가 10분 안에 다시 쓰였다는 응답(-1005)을 받았지만, 알림톡 서비스의 발송 목록에 이 메시지가 없어요. "
        "처음 요청이 전달되지 않았으니 잠시 후 다시 보내요.",
        "The provider said this request key was used within 10 minutes (-1005), but its message list holds no "
        "such message: the first request never landed, so it will be sent again later."),
    "errors.messaging.alimtalk.duplicate_unknown": (
        "같은 요청 키가 10분 안에 다시 쓰였다는 응답(-1005)을 받았지만 발송 목록을 확인하지 못했어요. 이미 "
        "발송되었을 수 있어 다시 보내지 않아요.",
        "The provider said this request key was used within 10 minutes (-1005) and its message list could not "
        "be checked; the message may have gone out, so it will not be sent again."),
    # Merge fields of a repurchase nudge: they describe the member's last order
    "messaging.field.last_order.order.order_key": ("마지막 주문의 주문번호", "last order: order number"),
    "messaging.field.last_order.order.total": ("마지막 주문의 주문 금액 (예: {{ order.total|won }})",
                                               "last order: order total (e.g. {{ order.total|won }})"),
    "messaging.field.last_order.order.ordered_at": ("마지막 주문의 주문 일시 (예: {{ order.ordered_at|date }})",
                                                    "last order: order time (e.g. {{ order.ordered_at|date }})"),
    "messaging.field.last_order.order.items": ("마지막 주문의 주문 상품 목록: 각 상품의 name, image_url, price, "
                                               "quantity, option_text, product_key",
                                               "last order: ordered items: each with name, image_url, price, "
                                               "quantity, option_text, product_key"),
    "messaging.field.last_order.products": ("마지막 주문의 주문한 상품 목록 (order.items와 같음)",
                                            "last order: ordered products (same as order.items)"),
}
