"""Words of the shops' webhooks: the answers a sender reads, and the Integrations page's webhook address."""
from __future__ import annotations

WORDS: dict[str, tuple[str, str | dict[str, str]]] = {
    # Answers of POST /hooks/cafe24/<token> (read by Cafe24's sender and by whoever tests the address)
    "webhooks.accepted": ("이벤트를 받았어요. 곧 쇼핑몰 정보를 새로 가져와요.",
                          "Event received; the shop's records will be fetched again shortly."),
    "webhooks.repeat": ("이미 받은 이벤트예요. 다시 처리하지 않아요.",
                        "This event was already received; nothing more to do."),
    "webhooks.unknown_address": ("등록되지 않은 웹훅 주소예요. 콘솔의 연동 화면에서 주소를 다시 확인해 주세요.",
                                 "No shop has this webhook address; check the address on the console's "
                                 "Integrations page."),
    "webhooks.not_an_event": ("이벤트를 읽을 수 없어요. event_no와 resource가 있는 JSON이어야 해요.",
                              "The event cannot be read: it must be JSON with an event_no and a resource."),
    "webhooks.unknown_event": ("따르지 않는 이벤트 번호예요 ({event}). 주문(90023~90027)과 회원 가입(90032) "
                               "이벤트만 받아요.",
                               "Event number {event} is not one the console follows; it takes orders "
                               "(90023-90027) and sign-ups (90032)."),
    "webhooks.other_mall": ("이 주소에 연결된 쇼핑몰의 이벤트가 아니에요.",
                            "The event is for a different mall than the one at this address."),
    "webhooks.missing_id": ("이벤트 {event}에 {field} 값이 없어요.", "Event {event} has no {field}."),
    # The Integrations page
    "webhooks.address_title": ("웹훅 주소", "Webhook address"),
    "webhooks.address_help": (
        "카페24 개발자센터 > 앱 > 웹훅 설정에 이 주소를 붙여넣고 주문(90023 주문 접수, 90025 결제 상태 변경, "
        "90024 배송 상태 변경)과 "
        "회원 가입(90032) 이벤트를 선택하세요. 이벤트가 오면 바로 그 내용을 새로 가져와요. "
        "이 주소는 비밀번호처럼 다뤄 주세요.",
        "Paste this address under Cafe24 Developer Center > App > Webhooks and choose the order events "
        "(90023 order placed, 90025 payment status changed, 90024 shipping status changed) and sign-ups "
        "(90032). Each event starts an "
        "immediate sync of what it names. Treat this address like a password."),
}
