"""Words of the public pages recipients open (unsubscribe, tracked links, the warranty certificate), and of
the errors their links raise.

The recipients are the shops' Korean customers, so the pages are drawn in Korean (`t(key, "ko")`); the plain
text answers to a bad link add the English line for the rare reader who needs it.
"""
from __future__ import annotations

WORDS: dict[str, tuple[str, str | dict[str, str]]] = {
    # The unsubscribe page (GET /u/<token>) and its confirmation (POST /u/<token>)
    "public.unsub.title": ("수신거부", "Unsubscribe"),
    "public.unsub.question": ("{shop}에서 보내는 광고성 이메일을 더 이상 받지 않으시겠어요?",
                              "Stop receiving advertising e-mail from {shop}?"),
    "public.unsub.button": ("수신거부하기", "Unsubscribe"),
    "public.unsub.hint": ("버튼을 누르면 바로 적용됩니다. 주문·배송 안내처럼 꼭 필요한 메일은 계속 받으실 수 있습니다.",
                          "It takes effect as soon as you press the button. You will still get the e-mails you "
                          "need, such as order and delivery notices."),
    "public.unsub.done_title": ("수신거부가 완료되었습니다", "You are unsubscribed"),
    "public.unsub.done": ("{shop}의 광고성 이메일을 더 이상 보내 드리지 않습니다. 지금부터 바로 적용됩니다.",
                          "{shop} will send you no more advertising e-mail, starting now."),
    "public.unsub.already": ("이미 수신거부하신 상태입니다. 광고성 이메일은 보내 드리지 않습니다.",
                             "You have already unsubscribed. You will get no advertising e-mail."),
    "public.unsub.one_click_done": ("수신거부되었습니다.", "Unsubscribed."),
    "public.default_shop": ("쇼핑몰", "the shop"),
    # Plain-text answers
    "public.bad_unsub_link": ("이 수신거부 링크가 올바르지 않습니다. 받으신 메일의 링크를 그대로 열어 주세요.",
                              "This unsubscribe link is not valid. Please open the link in your e-mail as it is."),
    "public.bad_link": ("이 링크가 올바르지 않습니다.", "This link is not valid."),
    "public.busy": ("잠시 후 다시 시도해 주세요.", "Please try again in a moment."),
    "public.error": ("요청을 처리하지 못했습니다. 잠시 후 다시 시도해 주세요.",
                     "Something went wrong; please try again in a moment."),
    "public.bad_request": ("요청을 읽을 수 없습니다.", "The request cannot be read."),
    "public.not_found": ("페이지를 찾을 수 없습니다.", "Not found."),
    "public.not_allowed": ("허용되지 않는 요청입니다.", "Method not allowed."),
    "public.too_large": ("요청이 너무 큽니다.", "Request too large."),
    "public.uri_too_long": ("주소가 너무 깁니다.", "The address is too long."),
    "public.headers_too_large": ("요청 헤더가 너무 큽니다.", "The request headers are too large."),
    # The warranty certificate page (GET /w/<code>) and the console's preview of it
    "public.certificate.title": ("정품 보증서", "Certificate of authenticity"),
    "public.certificate.valid": ("유효한 보증서", "Valid certificate"),
    "public.certificate.expired": ("보증기간이 끝난 보증서", "Warranty period ended"),
    "public.certificate.revoked": ("취소된 보증서", "Revoked certificate"),
    "public.certificate.revoked_note": ("{date}에 발급이 취소되었습니다. 이 보증서로는 보증을 받을 수 없습니다.",
                                        "This certificate was revoked on {date}. It no longer gives a warranty."),
    "public.certificate.preview": ("미리보기", "Preview"),
    "public.certificate.product": ("상품", "Product"),
    "public.certificate.options": ("옵션", "Options"),
    "public.certificate.ordered": ("구매일", "Purchased"),
    "public.certificate.delivered": ("배송완료일", "Delivered"),
    "public.certificate.period": ("보증기간", "Warranty period"),
    "public.certificate.holder": ("보증 대상", "Holder"),
    "public.certificate.code": ("보증서 번호", "Certificate number"),
    "public.certificate.issued": ("발급일", "Issued"),
    "public.certificate.unknown_title": ("확인할 수 없는 보증서", "Certificate cannot be verified"),
    "public.certificate.unknown": ("이 주소로 발급된 보증서가 없습니다. 받으신 알림톡의 링크를 그대로 열어 주세요. "
                                   "주소가 맞다면 구매하신 쇼핑몰에 문의해 주세요.",
                                   "No certificate was issued at this address. Please open the link in your "
                                   "KakaoTalk message as it is; if the address is right, ask the shop you bought from."),
    "public.certificate.footer": ("{brand}이(가) 발급한 디지털 보증서입니다.",
                                  "A digital certificate issued by {brand}."),
    # Errors the public links raise, as the console explains them
    "errors.public.bad_signature": ("링크의 서명이 맞지 않아요. 링크가 바뀌었거나 잘렸을 수 있어요.",
                                    "The link's signature does not match: it was altered or cut short."),
    "errors.public.bad_token": ("수신거부 링크가 올바르지 않아요. 이 콘솔이 만든 링크가 아니거나 잘렸을 수 있어요.",
                                "The unsubscribe link is not valid: it was not made by this console, or it was "
                                "cut short."),
    "errors.public.unsubscribe_invalid": ("수신거부를 기록할 수 없어요: 요청 경로 '{source}' 또는 채널 '{channel}'을(를) "
                                          "알 수 없어요.",
                                          "The unsubscribe cannot be recorded: the source '{source}' or the "
                                          "channel '{channel}' is unknown."),
    "errors.public.cannot_start": ("공개 주소 서버를 {host}:{port}에서 시작하지 못했어요.",
                                   "The public endpoints could not start on {host}:{port}."),
}
