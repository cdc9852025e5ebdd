"""The scheduler's jobs as the sidebar names them."""
KO = {
    "job.sync": "{shop} 동기화",
    "job.automations:evaluate": "발송 조건 확인",
    "job.automations:dispatch": "메시지 발송",
    "job.automations:attribute": "구매 전환 집계",
    "job.automations:purge_carts": "오래된 카트 정리",
    "job.loyalty:issue": "스탬프·보증서 발급",
    "job.loyalty:alimtalk": "알림톡 발송",
}
EN = {
    "job.sync": "sync {shop}",
    "job.automations:evaluate": "check triggers",
    "job.automations:dispatch": "send messages",
    "job.automations:attribute": "credit conversions",
    "job.automations:purge_carts": "purge old carts",
    "job.loyalty:issue": "issue stamps and warranties",
    "job.loyalty:alimtalk": "send Alimtalk",
}
