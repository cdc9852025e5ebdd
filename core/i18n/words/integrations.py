"""Words of the Integrations page beyond those in words/app.py: every platform's form and card."""
from __future__ import annotations

WORDS: dict[str, tuple[str, str | dict[str, str]]] = {
    # The connect tabs and their forms
    "integrations.tab_godomall": ("고도몰", "Godomall"),
    "integrations.tab_naver": ("스마트스토어", "Smartstore"),
    "integrations.tab_wix": ("Wix", "Wix"),
    "integrations.csv_elsewhere": (
        "CSV 파일로 가져오는 쇼핑몰은 ‘CSV 가져오기’ 화면에서 연결합니다. "
        "가져온 쇼핑몰은 위 목록에 함께 보입니다.",
        "Shops imported from CSV files are connected on the ‘CSV import’ screen; "
        "they are listed above with the others.",
    ),
    "integrations.godomall_help": (
        "고도몰 관리자 > 기본설정 > 오픈 API에서 발급한 파트너 키와 사용자 키(key)를 입력하세요. "
        "고도몰 주소록은 계정당 1개만 만들 수 있습니다.",
        "Enter the partner key and the user key (key) issued under Godomall admin > "
        "Settings > Open API. One Godomall address book per account.",
    ),
    "integrations.naver_help": (
        "네이버 커머스API센터에서 애플리케이션을 등록하고 애플리케이션 ID와 시크릿을 확인하세요. "
        "이 서버의 IP 주소를 애플리케이션에 등록해야 합니다.",
        "Register an application in the Naver Commerce API Center and copy its application id "
        "and secret. This server's IP address must be registered with the application.",
    ),
    "integrations.wix_help": (
        "Wix API 키 관리자에서 연락처·eCommerce 주문·Stores 읽기 권한을 준 API 키를 만드세요. "
        "2025년 이후 만든 스토어(카탈로그 V3)라면 ‘Read v3 catalog’와 카테고리 읽기 권한도 주세요. "
        "사이트 ID는 대시보드 주소의 /dashboard/ 뒤에 있는 값입니다 (주소를 통째로 붙여넣어도 됩니다).",
        "In the Wix API Keys Manager, create an API key with read access to Contacts, eCommerce "
        "orders and Stores; for a store on Catalog V3 (created since 2025), also ‘Read v3 catalog’ and "
        "read access to Categories. The site id follows /dashboard/ in the dashboard's address "
        "(pasting the whole address works too).",
    ),
    "integrations.partner_key": ("파트너 키 (partner_key)", "Partner key (partner_key)"),
    "integrations.user_key": ("사용자 키 (key)", "User key (key)"),
    "integrations.naver_client_id": ("애플리케이션 ID (client id)", "Application id (client id)"),
    "integrations.naver_client_secret": ("애플리케이션 시크릿 (client secret)", "Application secret (client secret)"),
    "integrations.wix_api_key": ("API 키", "API key"),
    "integrations.wix_site_id": ("사이트 ID", "Site id"),
    "integrations.secret_kept": (
        "저장된 값은 다시 보여 주지 않습니다. 바꿀 때만 입력하세요.",
        "A saved value is never shown again. Enter one only to replace it.",
    ),
    "integrations.advanced": ("고급 설정", "Advanced"),
    "integrations.api_base": ("API 주소 (비워 두면 {default})", "API address (empty: {default})"),
    "integrations.api_base_help": (
        "테스트용 서버나 프록시를 쓸 때만 바꾸세요.",
        "Change it only for a test server or a proxy.",
    ),
    "integrations.shop_id_help": ("비워 두면 자동으로 정합니다.", "Leave empty to have one chosen."),
    "integrations.test_connection": ("연결 테스트", "Test connection"),
    "integrations.connect_platform": ("연결하기", "Connect"),
    "integrations.testing": ("연결을 확인하는 중…", "Checking the connection…"),
    "integrations.test_ok": ("연결에 성공했습니다.", "The connection works."),
    "integrations.test_failed": ("연결하지 못했습니다", "Could not connect"),
    "integrations.connected_platform": (
        "‘{name}’({platform})을(를) 연결했습니다. 스케줄러가 주기마다 동기화하고, "
        "지금 바로 동기화할 수도 있습니다.",
        "Connected ‘{name}’ ({platform}). The scheduler syncs it on its interval; "
        "you can also sync it now.",
    ),
    # Input problems of the new forms
    "integrations.problem_partner_key": (
        "고도몰 파트너 키를 입력하세요 (공백 없이)",
        "enter the Godomall partner key (no spaces)",
    ),
    "integrations.problem_user_key": (
        "고도몰 사용자 키(key)를 입력하세요 (공백 없이)",
        "enter the Godomall user key (key) (no spaces)",
    ),
    "integrations.problem_naver_client_id": (
        "네이버 애플리케이션 ID를 입력하세요 (공백 없이)",
        "enter the Naver application id (no spaces)",
    ),
    "integrations.problem_naver_secret": (
        "네이버 애플리케이션 시크릿은 $2a$로 시작하는 29자입니다. "
        "커머스API센터에서 다시 복사해 붙여넣으세요",
        "a Naver application secret is 29 characters starting with $2a$; copy it "
        "again from the Commerce API Center",
    ),
    "integrations.problem_wix_api_key": (
        "Wix API 키를 입력하세요 (공백 없이, 20자 이상)",
        "enter the Wix API key (no spaces, at least 20 characters)",
    ),
    "integrations.problem_wix_site_id": (
        "Wix 사이트 ID는 8-4-4-4-12자리 형식입니다 "
        "(예: 5a6b7c8d-1234-4e5f-9a0b-0c1d2e3f4a5b)",
        "a Wix site id looks like 5a6b7c8d-1234-4e5f-9a0b-0c1d2e3f4a5b",
    ),
    "integrations.problem_interval": (
        "동기화 주기는 {low}분에서 {high}분 사이여야 합니다",
        "the sync interval must be between {low} and {high} minutes",
    ),
    "integrations.problem_platform": (
        "연결할 수 없는 플랫폼입니다: {platform}",
        "this platform cannot be connected here: {platform}",
    ),
    "integrations.problem_shop_taken": (
        "쇼핑몰 ID ‘{shop_id}’는 이미 {platform} 쇼핑몰이 쓰고 있습니다. 다른 ID를 "
        "입력하거나 비워 두세요",
        "the shop id ‘{shop_id}’ is already used by a {platform} shop; enter another "
        "or leave it empty",
    ),
    # The shop card
    "integrations.state": ("상태", "Status"),
    "integrations.state_ok": ("정상", "OK"),
    "integrations.state_failing": ("오류", "Error"),
    "integrations.state_never": ("아직 동기화하지 않음", "Not synced yet"),
    "integrations.state_syncing": ("동기화 중", "Syncing"),
    "integrations.state_needs_authorization": ("카페24 승인 필요", "Needs Cafe24 approval"),
    "integrations.state_paused": ("일시 중지", "Paused"),
    "integrations.state_csv": ("CSV 가져오기", "CSV import"),
    "integrations.next_sync": ("다음 동기화", "Next sync"),
    "integrations.next_due_now": ("곧", "soon"),
    "integrations.next_manual": ("수동 (CSV)", "manual (CSV)"),
    "integrations.next_paused": ("중지됨", "paused"),
    "integrations.next_plan": ("{every} 동기화 · 다음 {at}", "synced {every} · next at {at}"),
    "integrations.next_plan_due": (
        "{every} 동기화 · 스케줄러의 다음 실행 때",
        "synced {every} · next at the scheduler's next tick",
    ),
    "integrations.scheduler_off": (
        "스케줄러가 실행되고 있지 않아 예약된 동기화가 멈춰 있습니다. "
        "서버에서 `python -m core scheduler`를 실행하세요.",
        "The scheduler is not running, so scheduled syncs are paused. "
        "Start `python -m core scheduler` on the server.",
    ),
    "integrations.scheduler_job_failed": (
        "스케줄러의 지난 동기화가 실패했습니다.",
        "The scheduler's last sync of this shop failed.",
    ),
    "integrations.last_import": ("마지막 가져오기", "Last import"),
    "integrations.credentials": ("인증 정보", "Credentials"),
    "integrations.cred_missing": ("(저장 안 됨)", "(not saved)"),
    "integrations.cred_authorized": ("카페24 승인됨", "approved in Cafe24"),
    "integrations.cred_not_authorized": ("카페24 승인 전", "not approved in Cafe24 yet"),
    "integrations.interval": ("동기화 주기", "Sync interval"),
    "integrations.interval_minutes": ("{n}분마다", "every {n} min"),
    "integrations.interval_hours": ("{n}시간마다", "every {n} h"),
    "integrations.interval_saved": ("동기화 주기를 {every}(으)로 바꿨습니다.", "The sync interval is now {every}."),
    "integrations.no_sync_for_csv": (
        "CSV 쇼핑몰은 자동 동기화가 없습니다. 새 파일은 ‘CSV 가져오기’ 화면에서 가져오세요.",
        "CSV shops are not synced automatically; import new files on the ‘CSV import’ "
        "screen.",
    ),
    # Godomall address book on the card
    "integrations.gm_imports_left": ("오늘 남은 불러오기", "Imports left today"),
    "integrations.gm_left_value": ("{left}/{limit}", "{left}/{limit}"),
    "integrations.gm_last_updated": ("주소록 업데이트", "Address book updated"),
    "integrations.gm_never": ("불러온 적 없음", "never imported"),
    "integrations.gm_import": ("고도몰에서 불러오기", "Import from Godomall"),
    "integrations.gm_confirm": ("주소록 바꾸고 불러오기", "Replace the address book and import"),
    "integrations.gm_cancel": ("취소", "Cancel"),
    "integrations.gm_importing": (
        "고도몰에서 회원을 불러오는 중… {records:,}명",
        "Importing members from Godomall… {records:,}",
    ),
    "integrations.gm_done": (
        "불러오기 완료: 회원 {records:,}명을 불러왔고, 고도몰에 없는 회원 {removed:,}명이 "
        "주소록에서 빠졌습니다.",
        "Import finished: {records:,} members read, {removed:,} members Godomall no longer has "
        "left the address book.",
    ),
    "integrations.gm_failed": ("불러오기 실패", "Import failed"),
    "integrations.gm_keys_missing": (
        "고도몰 키가 저장되어 있지 않아 남은 횟수를 알 수 없습니다. 아래에서 다시 연결하세요.",
        "The Godomall keys are not saved, so the imports left are unknown. Connect the "
        "shop again below.",
    ),
    # Platform-specific words for refused credentials (core.connections.explain_error)
    "integrations.auth_godomall": (
        "고도몰이 파트너 키 또는 사용자 키를 거부했습니다. 두 키가 맞는지, 오픈 API 사용 "
        "기간이 지나지 않았는지 확인하세요.",
        "Godomall refused the partner key or the user key. Check both keys and that the "
        "Open API period has not ended.",
    ),
    "integrations.auth_naver": (
        "네이버 커머스API가 애플리케이션 ID·시크릿을 거부했습니다. 두 값이 맞는지, 이 서버의 "
        "IP와 API 권한이 애플리케이션에 등록되어 있는지 확인하세요.",
        "The Naver Commerce API refused the application id or secret. Check both, and that "
        "this server's IP and the API groups are registered with the application.",
    ),
    "integrations.auth_wix": (
        "Wix가 API 키를 거부했습니다. 키가 삭제되거나 다시 만들어지지 않았는지, 권한과 "
        "사이트 ID가 맞는지 확인하세요.",
        "Wix refused the API key. Check that it was not deleted or regenerated, and its "
        "permissions and the site id.",
    ),
    "integrations.no_test": (
        "이 플랫폼은 아직 연결 테스트를 할 수 없습니다.",
        "This platform cannot test its connection yet.",
    ),
    "integrations.error_running": (
        "이 쇼핑몰은 지금 다른 곳(스케줄러나 다른 창)에서 동기화하고 있습니다. 그 동기화가 "
        "끝난 뒤 다시 시도하세요.",
        "This shop is being synced elsewhere right now (by the scheduler or another tab). "
        "Try again when that sync ends.",
    ),
}
