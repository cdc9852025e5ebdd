"""Words of the engine's packages (scheduler, automations, carts, loyalty, segments, shops): export headers
and the errors they raise, looked up by the console as `errors.<key>`."""

WORDS: dict[str, tuple[str, str | dict[str, str]]] = {
    # The segment explorer's CSV export (core.segments.explorer.CSV_COLUMNS).
    "segments.csv.shop_id": ("쇼핑몰", "Shop"),
    "segments.csv.member_key": ("회원 ID", "Member ID"),
    "segments.csv.name": ("이름", "Name"),
    "segments.csv.email": ("이메일", "E-mail"),
    "segments.csv.phone": ("휴대폰", "Phone"),
    "segments.csv.member_group": ("회원 등급", "Member group"),
    "segments.csv.signed_up_at": ("가입일시", "Signed up"),
    "segments.csv.last_order_at": ("마지막 주문일시", "Last order"),
    "segments.csv.orders": ("주문 수", "Orders"),
    "segments.csv.spent": ("총 구매액", "Total spent"),
    "segments.csv.email_consent": ("이메일 수신동의", "E-mail consent"),
    "segments.csv.sms_consent": ("SMS 수신동의", "SMS consent"),
    "segments.csv.night_consent": ("야간 수신동의", "Night consent"),
    # The carts list's CSV export (core.carts.stats.CSV_COLUMNS).
    "carts.csv.cart_key": ("카트 ID", "Cart ID"),
    "carts.csv.email": ("이메일", "E-mail"),
    "carts.csv.total_amount": ("금액", "Amount"),
    "carts.csv.last_activity_at": ("마지막 활동", "Last activity"),
    "carts.csv.abandoned_at": ("방치 시각", "Abandoned at"),
    "carts.csv.emailed_at": ("이메일 발송", "E-mailed"),
    "carts.csv.clicked_at": ("클릭", "Clicked"),
    "carts.csv.recovered_order": ("복구 주문", "Recovered order"),
    "carts.csv.recovered_amount": ("복구 금액", "Recovered amount"),
    "carts.csv.recovery_url": ("복구 링크", "Recovery link"),
    # The scheduler and the shop registry.
    "errors.scheduler.already_running": (
        "다른 스케줄러가 이미 실행 중이에요 ({holder}). 그 스케줄러를 멈추거나, --once 없이 실행해 차례를 기다리세요.",
        "Another scheduler is already running ({holder}). Stop it, or run without --once to wait for it."),
    "errors.shops.not_found": ("연결된 쇼핑몰이 아니에요: ‘{shop_id}’", "No shop ‘{shop_id}’ is connected."),
    "errors.shops.bad_id": (
        "쇼핑몰 ID ‘{shop_id}’는 영문 소문자, 숫자, -, _ 로 1~40자여야 해요.",
        "The shop id ‘{shop_id}’ must be 1-40 lowercase letters, digits, - or _."),
    "errors.shops.bad_platform": (
        "‘{platform}’은(는) 지원하는 플랫폼이 아니에요 ({platforms} 중 하나).",
        "‘{platform}’ is not a supported platform (one of {platforms})."),
    "errors.sync.failed": ("‘{shop_id}’ 동기화에 실패했어요.", "The sync of ‘{shop_id}’ failed."),
}


# Per-language views of WORDS, for readers that take one language at a time (English plural forms: "other").
KO: dict[str, str] = {key: ko for key, (ko, _) in WORDS.items()}
EN: dict[str, str] = {key: en if isinstance(en, str) else en["other"] for key, (_, en) in WORDS.items()}
