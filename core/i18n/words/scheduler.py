"""The scheduler's jobs as the sidebar names them."""
WORDS: dict[str, tuple[str, str | dict[str, str]]] = {
    "job.sync": ("{shop} 동기화", "sync {shop}"),
    "job.automations:evaluate": ("발송 조건 확인", "check triggers"),
    "job.automations:dispatch": ("메시지 발송", "send messages"),
    "job.automations:attribute": ("구매 전환 집계", "credit conversions"),
    "job.automations:purge_carts": ("오래된 카트 정리", "purge old carts"),
    "job.loyalty:issue": ("스탬프·보증서 발급", "issue stamps and warranties"),
    "job.loyalty:alimtalk": ("알림톡 발송", "send Alimtalk"),
}
