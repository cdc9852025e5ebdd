"""The cart recovery page's words (방치된 카트)."""
WORDS: dict[str, tuple[str, str | dict[str, str]]] = {
    "nav.carts": ("방치된 카트", "Abandoned carts"),
    "carts.title": ("방치된 카트", "Abandoned carts"),
    "carts.subtitle": (
        "마지막 활동 후 {minutes}분 동안 주문이 없으면 방치된 카트가 됩니다. 주문이 들어오면 복구로 집계합니다 "
        "(같은 카트, 또는 같은 회원이 {days}일 안에 주문한 경우).",
        "A cart is abandoned {minutes} minutes after its last activity without an order. It is recovered "
        "when its order arrives (the same cart, or the same member ordering within {days} days).",
    ),
    "carts.no_shop": ("먼저 연동 관리에서 쇼핑몰을 연결하세요.", "Connect a shop in Integrations first."),
    "carts.period": ("기간", "Period"),
    "carts.threshold": ("방치 기준: 마지막 활동 후 {n}분", "Abandoned after {n} min without activity"),
    "carts.threshold_input": (
        "마지막 활동 후 몇 분이 지나면 방치된 카트로 볼까요?",
        "Minutes after the last activity at which a cart counts as abandoned",
    ),
    "carts.threshold_save": ("저장", "Save"),
    "carts.days": ("최근 {n}일", {"one": "Last {n} day", "other": "Last {n} days"}),
    "carts.abandoned": ("방치된 카트", "Abandoned"),
    "carts.reached": ("이메일 발송", "E-mailed"),
    "carts.clicked": ("클릭", "Clicked"),
    "carts.recovered": ("복구된 카트", "Recovered"),
    "carts.rate": ("복구율", "Recovery rate"),
    "carts.revenue": ("복구 매출", "Recovered revenue"),
    "carts.by_day": ("일별 추이", "By day"),
    "carts.day": ("날짜", "Day"),
    "carts.count": ("카트 수", "Carts"),
    "carts.series": ("구분", "Series"),
    "carts.setup": ("장바구니 리마인드 자동 이메일", "Cart reminder e-mail"),
    "carts.setup_none": (
        "아직 켜져 있지 않습니다. 빠른 설정으로 바로 켜 보세요: 장바구니 상품 이미지·이름·가격과 "
        "‘장바구니로 돌아가기’ 버튼이 담긴 이메일을, 카트가 방치되고 1시간 뒤에 보냅니다 "
        "(마지막 활동 후 약 2시간). 광고성 이메일이라 수신동의한 회원에게만 갑니다.",
        "Not on yet. Turn it on with the quick setup: an e-mail with the cart's item images, names and "
        "prices and a button back to the cart, sent one hour after the cart is abandoned (about two "
        "hours after the last activity). It is advertising, so only consenting members get it.",
    ),
    "carts.sender_name": ("발신자 이름", "Sender name"),
    "carts.sender_email": ("발신자 이메일", "Sender e-mail"),
    "carts.second": ("2차 리마인드도 보내기", "Also send a second reminder"),
    "carts.second_hours": ("2차 리마인드 (방치 후 시간)", "Second reminder (hours after abandonment)"),
    "carts.quick_setup": ("빠른 설정으로 켜기", "Turn on with quick setup"),
    "carts.setup_done": ("장바구니 리마인드를 켰습니다.", "The cart reminder is on."),
    "carts.setup_failed": ("켜지 못했습니다: {error}", "Could not turn it on: {error}"),
    "carts.automation_line": ("{name} · 방치 후 {delay}", "{name} · {delay} after abandonment"),
    "carts.on": ("켜짐", "On"),
    "carts.customize": ("메시지와 시간 바꾸기", "Change the message and timing"),
    "carts.list": ("카트 목록", "Carts"),
    "carts.filter": ("보기", "Show"),
    "carts.filter.all": ("전체", "All"),
    "carts.filter.abandoned": ("복구 안 됨", "Not recovered"),
    "carts.filter.emailed": ("이메일 보냄", "E-mailed"),
    "carts.filter.recovered": ("복구됨", "Recovered"),
    "carts.filter.purge_soon": ("곧 삭제 (3일 안)", "Purged within 3 days"),
    "carts.none": ("해당하는 카트가 없습니다.", "No cart here."),
    "carts.export": ("CSV 내려받기", "Download CSV"),
    "carts.items": ("담긴 상품", "Items"),
    "carts.link": ("복구 링크 (복사해서 쓰세요)", "Recovery link (copy it)"),
    "carts.no_link": ("이 카트에는 복구 링크가 없습니다.", "This cart has no recovery link."),
    "carts.col.cart_key": ("카트", "Cart"),
    "carts.col.email": ("이메일", "E-mail"),
    "carts.col.total_amount": ("금액", "Total"),
    "carts.col.abandoned_at": ("방치 시각", "Abandoned"),
    "carts.col.emailed_at": ("이메일 발송", "E-mailed"),
    "carts.col.clicked_at": ("클릭", "Clicked"),
    "carts.col.recovered": ("복구", "Recovered"),
    "carts.col.recovered_amount": ("복구 금액", "Recovered amount"),
    "carts.col.purge_at": ("삭제 예정", "Purged at"),
    "carts.col.items": ("상품 수", "Items"),
    "carts.pick": ("카트 자세히 보기", "Look into a cart"),
    "carts.minutes": ("{n}분", "{n} min"),
    "carts.hours": ("{n}시간", "{n} h"),
    "carts.owner": ("운영자 알림", "Owner notices"),
    "carts.owner_help": (
        "방치된 카트를 운영자에게 이메일로 알립니다. 정보성 알림이라 광고 표시·수신동의와 무관합니다. "
        "발신 설정(SMTP)으로 보냅니다.",
        "E-mails the shop owner about abandoned carts. They are information, not advertising, so no "
        "consent or ad label applies. Sent through the sender settings (SMTP).",
    ),
    "carts.owner_mode": ("받는 방법", "How"),
    "carts.owner_mode.off": ("받지 않음", "Off"),
    "carts.owner_mode.each": ("카트마다 바로", "One per cart, right away"),
    "carts.owner_mode.digest": (
        "하루 한 번 요약 (오전 9시, 전날 카트)",
        "Daily digest (09:00, the previous day's carts)",
    ),
    "carts.owner_email": ("받을 이메일 주소", "Send to"),
    "carts.owner_save": ("알림 설정 저장", "Save notice settings"),
    "carts.owner_saved": ("운영자 알림 설정을 저장했습니다.", "Owner notice settings saved."),
    "carts.owner_failed": ("저장하지 못했습니다: {error}", "Could not save: {error}"),
    "carts.owner_bad_email": (
        "받을 이메일 주소가 올바르지 않습니다 ({address!r})",
        "The address to send to is not an e-mail address ({address!r})",
    ),
    "carts.owner_bad_mode": (
        "받는 방법은 {modes} 중 하나여야 합니다 ({mode!r})",
        "The mode must be one of {modes} ({mode!r})",
    ),
    "carts.owner_no_sender": (
        "먼저 발신 설정에서 발신자와 메일 서버(SMTP)를 저장해 주세요",
        "Save the sender and its mail server (SMTP) in Sender settings first",
    ),
    "carts.owner_now": ("지금: {mode} · {address}", "Now: {mode} · {address}"),
    # Merge fields of the owner notices' templates (core.templates lists them in the editor)
    "messaging.field.cart.email": ("카트 고객의 이메일", "the cart's customer e-mail"),
    "messaging.field.cart.customer_name": (
        "카트 고객 이름 (비어 있을 수 있어요: {{ cart.customer_name|default('고객', true) }})",
        "the cart's customer name (may be empty: "
        "{{ cart.customer_name|default('고객', true) }})",
    ),
    "messaging.field.cart.abandoned_at": (
        "방치된 시각 (예: {{ cart.abandoned_at|date(true) }})",
        "when it was abandoned (e.g. {{ cart.abandoned_at|date(true) }})",
    ),
    "messaging.field.digest.date": (
        "요약하는 날짜 (예: {{ digest.date|date }})",
        "the day summed up (e.g. {{ digest.date|date }})",
    ),
    "messaging.field.digest.count": ("그날 방치된 카트 수", "carts abandoned that day"),
    "messaging.field.digest.total": (
        "그날 방치된 카트 금액 합계 (예: {{ digest.total|won }})",
        "their total (e.g. {{ digest.total|won }})",
    ),
    "messaging.field.digest.carts": (
        "그날 방치된 카트 목록: 각 카트의 email, customer_name, total, items, recovery_url, "
        "abandoned_at, recovered",
        "the carts: each with email, customer_name, total, items, recovery_url, "
        "abandoned_at, recovered",
    ),
    "messaging.field.digest.more": ("목록에 다 싣지 못한 카트 수", "carts left out of the list"),
}
