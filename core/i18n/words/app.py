"""The console's own words: its name, navigation, shared vocabulary, sidebar, overview, integrations and sync errors."""
from __future__ import annotations

WORDS: dict[str, tuple[str, str | dict[str, str]]] = {
    # The product and its navigation
    "app.title": ("쇼핑몰 CRM 콘솔", "Shop CRM console"),
    "app.tagline": (
        "카페24 · 고도몰 · 스마트스토어 · Wix 쇼핑몰을 위한 마케팅 자동화와 분석",
        "Marketing automation and analytics for Cafe24, Godomall, Smartstore and Wix shops",
    ),
    "nav.overview": ("개요", "Overview"),
    "nav.integrations": ("연동 관리", "Integrations"),
    "nav.group.home": ("홈", "Home"),
    "nav.group.settings": ("설정", "Settings"),
    # Words marketers use (shared vocabulary for later pages)
    "term.address_book": ("주소록", "Address book"),
    "term.auto_email": ("자동 이메일", "Automated email"),
    "term.trigger": ("발송 조건", "Trigger"),
    "term.abandoned_cart": ("방치된 카트", "Abandoned cart"),
    "term.stamp": ("스탬프", "Stamp"),
    "term.warranty": ("보증서", "Warranty"),
    "term.integrations": ("연동 관리", "Integrations"),
    "term.overview": ("개요", "Overview"),
    "term.member": ("회원", "Member"),
    "term.order": ("주문", "Order"),
    "term.revenue": ("매출", "Revenue"),
    "term.cart": ("장바구니", "Cart"),
    "term.shop": ("쇼핑몰", "Shop"),
    "term.sync": ("동기화", "Sync"),
    "term.product": ("상품", "Product"),
    "term.category": ("카테고리", "Category"),
    # Sidebar
    "sidebar.shop": ("쇼핑몰", "Shop"),
    "sidebar.no_shop": (
        "연결된 쇼핑몰이 없습니다. ‘연동 관리’에서 연결하세요.",
        "No shop is connected yet. Connect one under ‘Integrations’.",
    ),
    "sidebar.language": ("언어", "Language"),
    "sidebar.scheduler": ("스케줄러", "Scheduler"),
    "sidebar.scheduler_alive": ("스케줄러 실행 중", "Scheduler running"),
    "sidebar.scheduler_down": (
        "스케줄러가 실행되고 있지 않습니다. 동기화와 자동 발송이 멈춰 있습니다. "
        "서버에서 `python -m core scheduler`를 실행하세요.",
        "The scheduler is not running: syncs and automated sends are paused. "
        "Start `python -m core scheduler` on the server.",
    ),
    "sidebar.scheduler_never": (
        "스케줄러가 아직 한 번도 실행되지 않았습니다. 동기화와 자동 발송을 하려면 "
        "서버에서 `python -m core scheduler`를 실행하세요.",
        "The scheduler has never run: syncs and automated sends need it. "
        "Start `python -m core scheduler` on the server.",
    ),
    "sidebar.scheduler_stopped": (
        "스케줄러가 멈췄습니다 (마지막 실행 {when}). 동기화와 자동 발송이 멈춰 있습니다. "
        "서버에서 `python -m core scheduler`를 실행하세요.",
        "The scheduler has stopped (last ran {when}): syncs and automated sends are paused. "
        "Start `python -m core scheduler` on the server.",
    ),
    "sidebar.last_tick": ("마지막 실행: {when}", "Last tick: {when}"),
    "sidebar.next_jobs": ("다음 작업", "Next jobs"),
    "sidebar.no_jobs": ("예정된 작업이 없습니다.", "No jobs planned."),
    "sidebar.job_due": ("{job} · {when}", "{job} · {when}"),
    "sidebar.job_failed": ("{job} · 지난 실행 실패", "{job} · last run failed"),
    "sidebar.store": ("저장소: {path}", "Store: {path}"),
    # Overview
    "overview.title": ("개요", "Overview"),
    "overview.subtitle": ("{shop} · {now} 기준", "{shop} · as of {now}"),
    "overview.members": ("회원", "Members"),
    "overview.members_new": ("최근 30일 +{n}", "+{n} in 30 days"),
    "overview.orders": ("주문", "Orders"),
    "overview.orders_recent": ("최근 30일 {n}건", "{n} in 30 days"),
    "overview.revenue": ("매출 (결제 완료)", "Revenue (paid)"),
    "overview.revenue_help": (
        "결제된 주문의 합계입니다. 취소·반품된 주문은 빠집니다.",
        "Total of paid orders; cancelled and returned orders are left out.",
    ),
    "overview.revenue_recent": ("최근 30일 {amount}", "{amount} in 30 days"),
    "overview.carts_open": ("진행 중인 장바구니", "Open carts"),
    "overview.carts_abandoned": ("방치된 카트", "Abandoned carts"),
    "overview.carts_abandoned_help": (
        "마지막 활동 후 1시간이 지나도록 주문되지 않은 장바구니입니다.",
        "Carts with no order an hour after their last activity.",
    ),
    "overview.last_sync": ("마지막 동기화", "Last sync"),
    "overview.never_synced": ("아직 동기화하지 않았습니다", "Not synced yet"),
    "overview.chart_title": ("일별 주문 (최근 30일)", "Orders by day (last 30 days)"),
    "overview.chart_orders": ("주문 수", "Orders"),
    "overview.chart_revenue": ("매출", "Revenue"),
    "overview.chart_day": ("날짜", "Day"),
    "overview.no_chart": ("최근 30일 주문이 없습니다.", "No orders in the last 30 days."),
    "overview.sync_errors": ("동기화 오류", "Sync errors"),
    "overview.no_sync_errors": ("최근 동기화 오류가 없습니다.", "No recent sync errors."),
    "overview.recent_runs": ("최근 동기화", "Recent syncs"),
    "overview.empty_title": ("처음 오셨나요?", "New here?"),
    "overview.empty_body": (
        "아직 연결된 쇼핑몰이 없습니다. 세 단계면 시작할 수 있습니다.\n\n"
        "1. 왼쪽 메뉴의 **연동 관리**에서 샌드박스 쇼핑몰(연습용) 또는 카페24 쇼핑몰을 연결하세요.\n"
        "2. **지금 동기화**를 눌러 회원·주문·상품을 가져오세요.\n"
        "3. 이 화면으로 돌아오면 회원, 주문, 매출, 방치된 카트를 볼 수 있습니다.",
        "No shop is connected yet. Three steps to start:\n\n"
        "1. Under **Integrations** in the menu, connect the sandbox shop (for practice) or a Cafe24 mall.\n"
        "2. Press **Sync now** to bring in members, orders and products.\n"
        "3. Come back here to see members, orders, revenue and abandoned carts.",
    ),
    "overview.empty_synced": (
        "쇼핑몰은 연결됐지만 아직 가져온 데이터가 없습니다. **연동 관리**에서 **지금 동기화**를 누르세요.",
        "The shop is connected but nothing has been synced yet. Press **Sync now** under **Integrations**.",
    ),
    "overview.go_integrations": ("연동 관리로 가기", "Go to Integrations"),
    # Integrations
    "integrations.title": ("연동 관리", "Integrations"),
    "integrations.subtitle": (
        "쇼핑몰을 연결하고, 동기화 상태를 확인하고, 지금 동기화하세요.",
        "Connect shops, check how their syncs are doing, and sync now.",
    ),
    "integrations.connected": ("연결된 쇼핑몰", "Connected shops"),
    "integrations.none": (
        "아직 연결된 쇼핑몰이 없습니다. 아래에서 샌드박스나 카페24 쇼핑몰을 연결하세요.",
        "No shop is connected yet. Connect the sandbox or a Cafe24 mall below.",
    ),
    "integrations.connect": ("쇼핑몰 연결", "Connect a shop"),
    "integrations.tab_sandbox": ("샌드박스 (연습용)", "Sandbox (practice)"),
    "integrations.tab_cafe24": ("카페24", "Cafe24"),
    "integrations.sandbox_help": (
        "샌드박스는 카페24 API를 흉내 내는 연습용 쇼핑몰입니다. "
        "`python -m core sandbox`로 실행하면 실제 쇼핑몰 없이 전체 기능을 써볼 수 있습니다.",
        "The sandbox is a practice shop that speaks the Cafe24 API. Run it with "
        "`python -m core sandbox` to try everything without a real mall.",
    ),
    "integrations.sandbox_url": ("샌드박스 주소", "Sandbox URL"),
    "integrations.shop_id": ("쇼핑몰 ID (영문 소문자·숫자)", "Shop id (lowercase letters, digits)"),
    "integrations.shop_name": ("표시 이름", "Display name"),
    "integrations.sandbox_name_default": ("샌드박스 쇼핑몰", "Sandbox shop"),
    "integrations.connect_sandbox": ("샌드박스 연결", "Connect the sandbox"),
    "integrations.sandbox_connected": (
        "샌드박스 쇼핑몰 ‘{name}’을(를) 연결했습니다. 이제 동기화할 수 있습니다.",
        "Connected the sandbox shop ‘{name}’. You can sync it now.",
    ),
    "integrations.cafe24_help": (
        "카페24 개발자센터에서 앱을 만들고 Client ID와 Client Secret을 확인하세요. "
        "앱의 Redirect URI에는 아래 주소를 등록해야 합니다.",
        "Create an app in the Cafe24 Developers center and copy its Client ID and Client Secret. "
        "Register the Redirect URI below in the app.",
    ),
    "integrations.mall_id": ("쇼핑몰 ID (mall id)", "Mall id"),
    "integrations.client_id": ("Client ID", "Client ID"),
    "integrations.client_secret": ("Client Secret", "Client Secret"),
    "integrations.client_secret_saved": (
        "저장된 Client Secret이 있습니다. 바꿀 때만 입력하세요.",
        "A Client Secret is saved. Enter one only to replace it.",
    ),
    "integrations.redirect_uri": ("Redirect URI: `{uri}`", "Redirect URI: `{uri}`"),
    "integrations.save_cafe24": ("저장하고 인증 링크 만들기", "Save and make the authorize link"),
    "integrations.cafe24_saved": (
        "‘{name}’ 설정을 저장했습니다. 아래 링크로 카페24에 로그인해 앱을 승인하세요.",
        "Saved ‘{name}’. Open the link below, sign in to Cafe24 and approve the app.",
    ),
    "integrations.authorize_step": ("1. 카페24에서 승인하기", "1. Approve in Cafe24"),
    "integrations.authorize_link": ("카페24 승인 페이지 열기", "Open the Cafe24 approval page"),
    "integrations.code_step": (
        "2. 돌아온 주소(또는 code 값)를 붙여넣기",
        "2. Paste the address you were sent back to (or its code)",
    ),
    "integrations.code_help": (
        "승인 후 이동한 페이지의 주소 전체나 `code=` 뒤의 값을 붙여넣으세요. 코드는 1분 동안만 유효합니다.",
        "Paste the whole address of the page you landed on, or the value after `code=`. "
        "The code is valid for one minute.",
    ),
    "integrations.code": ("인증 코드 또는 돌아온 주소", "Authorization code or returned address"),
    "integrations.exchange": ("인증 완료", "Finish authorization"),
    "integrations.authorized": (
        "‘{name}’ 인증을 마쳤습니다. 이제 동기화할 수 있습니다.",
        "‘{name}’ is authorized. You can sync it now.",
    ),
    "integrations.authorize_failed": ("인증하지 못했습니다", "Authorization failed"),
    "integrations.connect_failed": ("연결하지 못했습니다", "Could not connect"),
    "integrations.shop_card": ("{name} · {platform}", "{name} · {platform}"),
    "integrations.last_sync": ("마지막 동기화", "Last sync"),
    "integrations.last_success": ("마지막 성공", "Last success"),
    "integrations.status": ("상태", "Status"),
    "integrations.counts": ("가져온 데이터", "Synced records"),
    "integrations.sync_now": ("지금 동기화", "Sync now"),
    "integrations.syncing": ("동기화 중…", "Syncing…"),
    "integrations.progress": (
        "{entity}: {records:,}건 ({pages}페이지)",
        "{entity}: {records:,} records ({pages} pages)",
    ),
    "integrations.sync_done": (
        "동기화 완료: {records:,}건, {pages}페이지",
        "Sync finished: {records:,} records in {pages} pages",
    ),
    "integrations.sync_failed": ("동기화 실패", "Sync failed"),
    "integrations.history": ("동기화 기록", "Sync history"),
    "integrations.no_history": ("아직 동기화 기록이 없습니다.", "No syncs yet."),
    "integrations.last_error": ("마지막 오류", "Last error"),
    "integrations.error_detail": ("자세한 내용: {detail}", "Details: {detail}"),
    "integrations.invalid": ("입력을 확인하세요: {problem}", "Please check the form: {problem}"),
    "integrations.not_available": ("이 기능을 쓸 수 없습니다: {problem}", "This is not available: {problem}"),
    # Status words
    "status.running": ("진행 중", "running"),
    "status.succeeded": ("성공", "succeeded"),
    "status.failed": ("실패", "failed"),
    "status.never": ("없음", "never"),
    "entity.categories": ("카테고리", "categories"),
    "entity.products": ("상품", "products"),
    "entity.members": ("회원", "members"),
    "entity.orders": ("주문", "orders"),
    "entity.carts": ("장바구니", "carts"),
    "started_by.scheduler": ("스케줄러", "scheduler"),
    "started_by.console": ("콘솔", "console"),
    "started_by.cli": ("명령줄", "command line"),
    "col.started_at": ("시작", "Started"),
    "col.finished_at": ("종료", "Finished"),
    "col.status": ("상태", "Status"),
    "col.started_by": ("실행", "By"),
    "col.records": ("건수", "Records"),
    "col.pages": ("페이지", "Pages"),
    "col.entity": ("단계", "Step"),
    "col.error": ("오류", "Error"),
    "col.shop": ("쇼핑몰", "Shop"),
    # Plain-words explanations of sync errors (core.connections.explain_error)
    "error.auth": (
        "쇼핑몰이 인증 정보를 거부했습니다. Client Secret이 맞는지 확인하고, 필요하면 다시 인증하세요.",
        "The shop refused the credentials. Check the Client Secret and authorize again if needed.",
    ),
    "error.bad_response": (
        "쇼핑몰이 읽을 수 없는 응답을 보냈습니다 (형식이 다르거나 필요한 항목이 빠졌습니다). "
        "이 단계의 데이터는 바뀌지 않았습니다.",
        "The shop sent an answer the console cannot read (a different format or a missing field). "
        "Nothing of this step was changed.",
    ),
    "error.rate_limit": (
        "쇼핑몰 API 호출 한도를 넘었습니다. 잠시 뒤 다시 시도합니다.",
        "The shop's API call limit was exceeded. The console will try again shortly.",
    ),
    "error.network": (
        "쇼핑몰에 연결할 수 없습니다. 주소가 맞는지, 쇼핑몰(또는 샌드박스)이 켜져 있는지 확인하세요.",
        "The shop could not be reached. Check its address and that the shop (or the sandbox) is running.",
    ),
    "error.interrupted": (
        "동기화가 끝나기 전에 중단되었습니다. 다음 동기화가 멈춘 곳부터 이어서 합니다.",
        "The sync stopped before it finished. The next sync resumes where it stopped.",
    ),
    "error.busy": (
        "저장소를 다른 작업이 쓰고 있어 기다리다 멈췄습니다. 잠시 뒤 다시 시도하세요.",
        "The store was busy with other work for too long. Try again shortly.",
    ),
    "error.no_client": (
        "이 플랫폼의 연동 모듈이 아직 없습니다.",
        "There is no integration module for this platform yet.",
    ),
    "error.other": ("동기화 중 문제가 생겼습니다.", "Something went wrong during the sync."),
    "error.where": ("{entity} 단계에서 멈췄습니다.", "It stopped while syncing {entity}."),
    # Input problems (core.connections)
    "problem.url": (
        "주소는 http:// 또는 https://로 시작해야 합니다 (예: http://127.0.0.1:8624)",
        "the address must start with http:// or https:// (e.g. http://127.0.0.1:8624)",
    ),
    "problem.shop_id": (
        "쇼핑몰 ID는 영문 소문자, 숫자, -, _ 로 1~40자여야 합니다",
        "the shop id must be 1-40 lowercase letters, digits, - or _",
    ),
    "problem.mall_id": (
        "카페24 쇼핑몰 ID는 영문 소문자와 숫자로 된 값이어야 합니다 (예: myshop)",
        "the Cafe24 mall id must be lowercase letters and digits (e.g. myshop)",
    ),
    "problem.client_id": ("Client ID를 입력하세요", "enter the Client ID"),
    "problem.client_secret": ("Client Secret을 입력하세요", "enter the Client Secret"),
    "problem.name": ("표시 이름을 입력하세요", "enter a display name"),
    "problem.code": (
        "인증 코드를 찾을 수 없습니다. 돌아온 주소 전체나 code 값을 붙여넣으세요",
        "no authorization code found; paste the whole returned address or its code value",
    ),
    "problem.state": (
        "돌아온 주소의 state 값이 이 콘솔이 만든 값과 다릅니다. 승인 링크를 다시 열어 주세요",
        "the returned address carries a state this console did not make; open the approval link again",
    ),
    "problem.public_base_url": (
        "PUBLIC_BASE_URL은 http:// 또는 https://로 시작해야 합니다",
        "PUBLIC_BASE_URL must start with http:// or https://",
    ),
}
