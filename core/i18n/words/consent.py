"""Advertising consent in words (수신 동의), for the segment explorer, the overview and the exports.

A member's consent is yes, no or unknown: unknown (알 수 없음) when the platform does not report it. Unknown is
treated as no consent (nothing advertising reaches them) but is never shown or counted as "no".
"""
WORDS: dict[str, tuple[str, str | dict[str, str]]] = {
    "consent.yes": ("동의", "Yes"),
    "consent.no": ("동의 안 함", "No"),
    "consent.unknown": ("알 수 없음", "Unknown"),
    "consent.no_or_unknown": ("동의 안 함 또는 알 수 없음", "No or unknown"),
    "consent.any": ("상관없음", "Any"),
    "consent.field.email_consent": ("이메일", "E-mail"),
    "consent.field.sms_consent": ("SMS", "SMS"),
    "consent.field.night_consent": ("야간 광고", "Night-time ads"),
    "consent.channel": ("수신 채널", "Channel"),
    "consent.filter_help": (
        "‘알 수 없음’은 쇼핑몰이 동의 여부를 알려주지 않은 회원이에요. 광고는 보내지 않지만 ‘동의 안 함’과는 "
        "따로 세어요. 둘 다 고르려면 ‘동의 안 함 또는 알 수 없음’을 고르세요.",
        "‘Unknown’ is a member whose consent the shop does not report. They get no advertising, but they are "
        "not counted as ‘No’. Pick ‘No or unknown’ for both.",
    ),
    "consent.segment_title": ("조건에 맞는 회원의 수신 동의", "Consent of the matching members"),
    "consent.overview_title": ("회원 수신 동의", "Members' advertising consent"),
    "consent.overview_help": (
        "수신 거부한 회원은 ‘동의 안 함’으로 세요. ‘알 수 없음’은 쇼핑몰이 동의 여부를 알려주지 않은 회원으로, "
        "동의하지 않은 것으로 보고 광고를 보내지 않아요.",
        "Members who unsubscribed count as ‘No’. ‘Unknown’ members are those whose consent the shop does not "
        "report: they are treated as not consenting and get no advertising.",
    ),
    "consent.email_yes": ("이메일 수신 동의", "E-mail consent: yes"),
    "consent.email_no": ("이메일 수신 동의 안 함", "E-mail consent: no"),
    "consent.email_unknown": ("이메일 수신 동의 알 수 없음", "E-mail consent: unknown"),
    "consent.line": (
        "{channel} · 동의 {yes}명 · 동의 안 함 {no}명 · 알 수 없음 {unknown}명",
        "{channel} · yes {yes} · no {no} · unknown {unknown}",
    ),
}
