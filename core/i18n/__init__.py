"""The console's words, Korean first, English beside them.

One dict per language, keyed by dotted names (`area.thing`). To add a word,
add the same key to both dicts; `missing_keys()` lists any key one language
lacks (a test keeps them in step). A missing English word falls back to the
Korean one rather than failing, because a page must still render.

The language of the current script run is set once per run by app.py
(`set_language`) and read by `t()`; Streamlit runs each browser session's
script in its own thread, so it is kept per thread, never shared between tabs.
"""
from __future__ import annotations

import datetime as dt
import math
import os
import threading
from zoneinfo import ZoneInfo

LANGUAGES: dict[str, str] = {"ko": "한국어", "en": "English"}
DEFAULT_LANG = "ko"

KO: dict[str, str] = {
    # The product and its navigation
    "app.title": "쇼핑몰 CRM 콘솔",
    "app.tagline": "카페24 · 고도몰 · 스마트스토어 · Wix 쇼핑몰을 위한 마케팅 자동화와 분석",
    "nav.overview": "개요",
    "nav.integrations": "연동 관리",
    "nav.group.home": "홈",
    "nav.group.settings": "설정",
    # Words marketers use (shared vocabulary for later pages)
    "term.address_book": "주소록",
    "term.auto_email": "자동 이메일",
    "term.trigger": "발송 조건",
    "term.abandoned_cart": "방치된 카트",
    "term.stamp": "스탬프",
    "term.warranty": "보증서",
    "term.integrations": "연동 관리",
    "term.overview": "개요",
    "term.member": "회원",
    "term.order": "주문",
    "term.revenue": "매출",
    "term.cart": "장바구니",
    "term.shop": "쇼핑몰",
    "term.sync": "동기화",
    "term.product": "상품",
    "term.category": "카테고리",
    # Sidebar
    "sidebar.shop": "쇼핑몰",
    "sidebar.no_shop": "연결된 쇼핑몰이 없습니다. ‘연동 관리’에서 연결하세요.",
    "sidebar.language": "언어",
    "sidebar.scheduler": "스케줄러",
    "sidebar.scheduler_alive": "스케줄러 실행 중",
    "sidebar.scheduler_down": "스케줄러가 실행되고 있지 않습니다. 동기화와 자동 발송이 멈춰 있습니다. "
                              "서버에서 `python -m core scheduler`를 실행하세요.",
    "sidebar.scheduler_never": "스케줄러가 아직 한 번도 실행되지 않았습니다. 동기화와 자동 발송을 하려면 "
                               "서버에서 `python -m core scheduler`를 실행하세요.",
    "sidebar.scheduler_stopped": "스케줄러가 멈췄습니다 (마지막 실행 {when}). 동기화와 자동 발송이 멈춰 있습니다. "
                                 "서버에서 `python -m core scheduler`를 실행하세요.",
    "sidebar.last_tick": "마지막 실행: {when}",
    "sidebar.next_jobs": "다음 작업",
    "sidebar.no_jobs": "예정된 작업이 없습니다.",
    "sidebar.job_due": "{job} · {when}",
    "sidebar.job_failed": "{job} · 지난 실행 실패",
    "sidebar.store": "저장소: {path}",
    # Overview
    "overview.title": "개요",
    "overview.subtitle": "{shop} · {now} 기준",
    "overview.members": "회원",
    "overview.members_new": "최근 30일 +{n}",
    "overview.orders": "주문",
    "overview.orders_recent": "최근 30일 {n}건",
    "overview.revenue": "매출 (결제 완료)",
    "overview.revenue_help": "결제된 주문의 합계입니다. 취소·반품된 주문은 빠집니다.",
    "overview.revenue_recent": "최근 30일 {amount}",
    "overview.carts_open": "진행 중인 장바구니",
    "overview.carts_abandoned": "방치된 카트",
    "overview.carts_abandoned_help": "마지막 활동 후 1시간이 지나도록 주문되지 않은 장바구니입니다.",
    "overview.last_sync": "마지막 동기화",
    "overview.never_synced": "아직 동기화하지 않았습니다",
    "overview.chart_title": "일별 주문 (최근 30일)",
    "overview.chart_orders": "주문 수",
    "overview.chart_revenue": "매출",
    "overview.chart_day": "날짜",
    "overview.no_chart": "최근 30일 주문이 없습니다.",
    "overview.sync_errors": "동기화 오류",
    "overview.no_sync_errors": "최근 동기화 오류가 없습니다.",
    "overview.recent_runs": "최근 동기화",
    "overview.empty_title": "처음 오셨나요?",
    "overview.empty_body": "아직 연결된 쇼핑몰이 없습니다. 세 단계면 시작할 수 있습니다.\n\n"
                           "1. 왼쪽 메뉴의 **연동 관리**에서 샌드박스 쇼핑몰(연습용) 또는 카페24 쇼핑몰을 연결하세요.\n"
                           "2. **지금 동기화**를 눌러 회원·주문·상품을 가져오세요.\n"
                           "3. 이 화면으로 돌아오면 회원, 주문, 매출, 방치된 카트를 볼 수 있습니다.",
    "overview.empty_synced": "쇼핑몰은 연결됐지만 아직 가져온 데이터가 없습니다. **연동 관리**에서 **지금 동기화**를 누르세요.",
    "overview.go_integrations": "연동 관리로 가기",
    # Integrations
    "integrations.title": "연동 관리",
    "integrations.subtitle": "쇼핑몰을 연결하고, 동기화 상태를 확인하고, 지금 동기화하세요.",
    "integrations.connected": "연결된 쇼핑몰",
    "integrations.none": "아직 연결된 쇼핑몰이 없습니다. 아래에서 샌드박스나 카페24 쇼핑몰을 연결하세요.",
    "integrations.connect": "쇼핑몰 연결",
    "integrations.tab_sandbox": "샌드박스 (연습용)",
    "integrations.tab_cafe24": "카페24",
    "integrations.sandbox_help": "샌드박스는 카페24 API를 흉내 내는 연습용 쇼핑몰입니다. "
                                 "`python -m core sandbox`로 실행하면 실제 쇼핑몰 없이 전체 기능을 써볼 수 있습니다.",
    "integrations.sandbox_url": "샌드박스 주소",
    "integrations.shop_id": "쇼핑몰 ID (영문 소문자·숫자)",
    "integrations.shop_name": "표시 이름",
    "integrations.sandbox_name_default": "샌드박스 쇼핑몰",
    "integrations.connect_sandbox": "샌드박스 연결",
    "integrations.sandbox_connected": "샌드박스 쇼핑몰 ‘{name}’을(를) 연결했습니다. 이제 동기화할 수 있습니다.",
    "integrations.cafe24_help": "카페24 개발자센터에서 앱을 만들고 Client ID와 Client Secret을 확인하세요. "
                                "앱의 Redirect URI에는 아래 주소를 등록해야 합니다.",
    "integrations.mall_id": "쇼핑몰 ID (mall id)",
    "integrations.client_id": "Client ID",
    "integrations.client_secret": "Client Secret",
    "integrations.client_secret_saved": "저장된 Client Secret이 있습니다. 바꿀 때만 입력하세요.",
    "integrations.redirect_uri": "Redirect URI: `{uri}`",
    "integrations.save_cafe24": "저장하고 인증 링크 만들기",
    "integrations.cafe24_saved": "‘{name}’ 설정을 저장했습니다. 아래 링크로 카페24에 로그인해 앱을 승인하세요.",
    "integrations.authorize_step": "1. 카페24에서 승인하기",
    "integrations.authorize_link": "카페24 승인 페이지 열기",
    "integrations.code_step": "2. 돌아온 주소(또는 code 값)를 붙여넣기",
    "integrations.code_help": "승인 후 이동한 페이지의 주소 전체나 `code=` 뒤의 값을 붙여넣으세요. 코드는 1분 동안만 유효합니다.",
    "integrations.code": "인증 코드 또는 돌아온 주소",
    "integrations.exchange": "인증 완료",
    "integrations.authorized": "‘{name}’ 인증을 마쳤습니다. 이제 동기화할 수 있습니다.",
    "integrations.authorize_failed": "인증하지 못했습니다",
    "integrations.connect_failed": "연결하지 못했습니다",
    "integrations.shop_card": "{name} · {platform}",
    "integrations.last_sync": "마지막 동기화",
    "integrations.last_success": "마지막 성공",
    "integrations.status": "상태",
    "integrations.counts": "가져온 데이터",
    "integrations.sync_now": "지금 동기화",
    "integrations.syncing": "동기화 중…",
    "integrations.progress": "{entity}: {records:,}건 ({pages}페이지)",
    "integrations.sync_done": "동기화 완료: {records:,}건, {pages}페이지",
    "integrations.sync_failed": "동기화 실패",
    "integrations.history": "동기화 기록",
    "integrations.no_history": "아직 동기화 기록이 없습니다.",
    "integrations.last_error": "마지막 오류",
    "integrations.error_detail": "자세한 내용: {detail}",
    "integrations.invalid": "입력을 확인하세요: {problem}",
    "integrations.not_available": "이 기능을 쓸 수 없습니다: {problem}",
    # Status words
    "status.running": "진행 중",
    "status.succeeded": "성공",
    "status.failed": "실패",
    "status.never": "없음",
    "entity.categories": "카테고리",
    "entity.products": "상품",
    "entity.members": "회원",
    "entity.orders": "주문",
    "entity.carts": "장바구니",
    "started_by.scheduler": "스케줄러",
    "started_by.console": "콘솔",
    "started_by.cli": "명령줄",
    "col.started_at": "시작",
    "col.finished_at": "종료",
    "col.status": "상태",
    "col.started_by": "실행",
    "col.records": "건수",
    "col.pages": "페이지",
    "col.entity": "단계",
    "col.error": "오류",
    "col.shop": "쇼핑몰",
    # Plain-words explanations of sync errors (core.connections.explain_error)
    "error.auth": "쇼핑몰이 인증 정보를 거부했습니다. Client Secret이 맞는지 확인하고, 필요하면 다시 인증하세요.",
    "error.bad_response": "쇼핑몰이 읽을 수 없는 응답을 보냈습니다 (형식이 다르거나 필요한 항목이 빠졌습니다). "
                          "이 단계의 데이터는 바뀌지 않았습니다.",
    "error.rate_limit": "쇼핑몰 API 호출 한도를 넘었습니다. 잠시 뒤 다시 시도합니다.",
    "error.network": "쇼핑몰에 연결할 수 없습니다. 주소가 맞는지, 쇼핑몰(또는 샌드박스)이 켜져 있는지 확인하세요.",
    "error.interrupted": "동기화가 끝나기 전에 중단되었습니다. 다음 동기화가 멈춘 곳부터 이어서 합니다.",
    "error.busy": "저장소를 다른 작업이 쓰고 있어 기다리다 멈췄습니다. 잠시 뒤 다시 시도하세요.",
    "error.no_client": "이 플랫폼의 연동 모듈이 아직 없습니다.",
    "error.other": "동기화 중 문제가 생겼습니다.",
    "error.where": "{entity} 단계에서 멈췄습니다.",
    # Input problems (core.connections)
    "problem.url": "주소는 http:// 또는 https://로 시작해야 합니다 (예: http://127.0.0.1:8624)",
    "problem.shop_id": "쇼핑몰 ID는 영문 소문자, 숫자, -, _ 로 1~40자여야 합니다",
    "problem.mall_id": "카페24 쇼핑몰 ID는 영문 소문자와 숫자로 된 값이어야 합니다 (예: myshop)",
    "problem.client_id": "Client ID를 입력하세요",
    "problem.client_secret": "Client Secret을 입력하세요",
    "problem.name": "표시 이름을 입력하세요",
    "problem.code": "인증 코드를 찾을 수 없습니다. 돌아온 주소 전체나 code 값을 붙여넣으세요",
    "problem.state": "돌아온 주소의 state 값이 이 콘솔이 만든 값과 다릅니다. 승인 링크를 다시 열어 주세요",
    "problem.public_base_url": "PUBLIC_BASE_URL은 http:// 또는 https://로 시작해야 합니다",
    # Formats
    "fmt.won": "₩{amount:,.0f}",
    "fmt.count": "{n:,}",
    "fmt.ago_seconds": "{n}초 전",
    "fmt.ago_minutes": "{n}분 전",
    "fmt.ago_hours": "{n}시간 전",
    "fmt.ago_days": "{n}일 전",
    "fmt.in_minutes": "{n}분 뒤",
    "fmt.due_now": "지금",
}

EN: dict[str, str] = {
    "app.title": "Shop CRM console",
    "app.tagline": "Marketing automation and analytics for Cafe24, Godomall, Smartstore and Wix shops",
    "nav.overview": "Overview",
    "nav.integrations": "Integrations",
    "nav.group.home": "Home",
    "nav.group.settings": "Settings",
    "term.address_book": "Address book",
    "term.auto_email": "Automated email",
    "term.trigger": "Trigger",
    "term.abandoned_cart": "Abandoned cart",
    "term.stamp": "Stamp",
    "term.warranty": "Warranty",
    "term.integrations": "Integrations",
    "term.overview": "Overview",
    "term.member": "Member",
    "term.order": "Order",
    "term.revenue": "Revenue",
    "term.cart": "Cart",
    "term.shop": "Shop",
    "term.sync": "Sync",
    "term.product": "Product",
    "term.category": "Category",
    "sidebar.shop": "Shop",
    "sidebar.no_shop": "No shop is connected yet. Connect one under ‘Integrations’.",
    "sidebar.language": "Language",
    "sidebar.scheduler": "Scheduler",
    "sidebar.scheduler_alive": "Scheduler running",
    "sidebar.scheduler_down": "The scheduler is not running: syncs and automated sends are paused. "
                              "Start `python -m core scheduler` on the server.",
    "sidebar.scheduler_never": "The scheduler has never run: syncs and automated sends need it. "
                               "Start `python -m core scheduler` on the server.",
    "sidebar.scheduler_stopped": "The scheduler has stopped (last ran {when}): syncs and automated sends are paused. "
                                 "Start `python -m core scheduler` on the server.",
    "sidebar.last_tick": "Last tick: {when}",
    "sidebar.next_jobs": "Next jobs",
    "sidebar.no_jobs": "No jobs planned.",
    "sidebar.job_due": "{job} · {when}",
    "sidebar.job_failed": "{job} · last run failed",
    "sidebar.store": "Store: {path}",
    "overview.title": "Overview",
    "overview.subtitle": "{shop} · as of {now}",
    "overview.members": "Members",
    "overview.members_new": "+{n} in 30 days",
    "overview.orders": "Orders",
    "overview.orders_recent": "{n} in 30 days",
    "overview.revenue": "Revenue (paid)",
    "overview.revenue_help": "Total of paid orders; cancelled and returned orders are left out.",
    "overview.revenue_recent": "{amount} in 30 days",
    "overview.carts_open": "Open carts",
    "overview.carts_abandoned": "Abandoned carts",
    "overview.carts_abandoned_help": "Carts with no order an hour after their last activity.",
    "overview.last_sync": "Last sync",
    "overview.never_synced": "Not synced yet",
    "overview.chart_title": "Orders by day (last 30 days)",
    "overview.chart_orders": "Orders",
    "overview.chart_revenue": "Revenue",
    "overview.chart_day": "Day",
    "overview.no_chart": "No orders in the last 30 days.",
    "overview.sync_errors": "Sync errors",
    "overview.no_sync_errors": "No recent sync errors.",
    "overview.recent_runs": "Recent syncs",
    "overview.empty_title": "New here?",
    "overview.empty_body": "No shop is connected yet. Three steps to start:\n\n"
                           "1. Under **Integrations** in the menu, connect the sandbox shop (for practice) or a Cafe24 mall.\n"
                           "2. Press **Sync now** to bring in members, orders and products.\n"
                           "3. Come back here to see members, orders, revenue and abandoned carts.",
    "overview.empty_synced": "The shop is connected but nothing has been synced yet. Press **Sync now** under **Integrations**.",
    "overview.go_integrations": "Go to Integrations",
    "integrations.title": "Integrations",
    "integrations.subtitle": "Connect shops, check how their syncs are doing, and sync now.",
    "integrations.connected": "Connected shops",
    "integrations.none": "No shop is connected yet. Connect the sandbox or a Cafe24 mall below.",
    "integrations.connect": "Connect a shop",
    "integrations.tab_sandbox": "Sandbox (practice)",
    "integrations.tab_cafe24": "Cafe24",
    "integrations.sandbox_help": "The sandbox is a practice shop that speaks the Cafe24 API. Run it with "
                                 "`python -m core sandbox` to try everything without a real mall.",
    "integrations.sandbox_url": "Sandbox URL",
    "integrations.shop_id": "Shop id (lowercase letters, digits)",
    "integrations.shop_name": "Display name",
    "integrations.sandbox_name_default": "Sandbox shop",
    "integrations.connect_sandbox": "Connect the sandbox",
    "integrations.sandbox_connected": "Connected the sandbox shop ‘{name}’. You can sync it now.",
    "integrations.cafe24_help": "Create an app in the Cafe24 Developers center and copy its Client ID and Client Secret. "
                                "Register the Redirect URI below in the app.",
    "integrations.mall_id": "Mall id",
    "integrations.client_id": "Client ID",
    "integrations.client_secret": "Client Secret",
    "integrations.client_secret_saved": "A Client Secret is saved. Enter one only to replace it.",
    "integrations.redirect_uri": "Redirect URI: `{uri}`",
    "integrations.save_cafe24": "Save and make the authorize link",
    "integrations.cafe24_saved": "Saved ‘{name}’. Open the link below, sign in to Cafe24 and approve the app.",
    "integrations.authorize_step": "1. Approve in Cafe24",
    "integrations.authorize_link": "Open the Cafe24 approval page",
    "integrations.code_step": "2. Paste the address you were sent back to (or its code)",
    "integrations.code_help": "Paste the whole address of the page you landed on, or the value after `code=`. "
                              "The code is valid for one minute.",
    "integrations.code": "Authorization code or returned address",
    "integrations.exchange": "Finish authorization",
    "integrations.authorized": "‘{name}’ is authorized. You can sync it now.",
    "integrations.authorize_failed": "Authorization failed",
    "integrations.connect_failed": "Could not connect",
    "integrations.shop_card": "{name} · {platform}",
    "integrations.last_sync": "Last sync",
    "integrations.last_success": "Last success",
    "integrations.status": "Status",
    "integrations.counts": "Synced records",
    "integrations.sync_now": "Sync now",
    "integrations.syncing": "Syncing…",
    "integrations.progress": "{entity}: {records:,} records ({pages} pages)",
    "integrations.sync_done": "Sync finished: {records:,} records in {pages} pages",
    "integrations.sync_failed": "Sync failed",
    "integrations.history": "Sync history",
    "integrations.no_history": "No syncs yet.",
    "integrations.last_error": "Last error",
    "integrations.error_detail": "Details: {detail}",
    "integrations.invalid": "Please check the form: {problem}",
    "integrations.not_available": "This is not available: {problem}",
    "status.running": "running",
    "status.succeeded": "succeeded",
    "status.failed": "failed",
    "status.never": "never",
    "entity.categories": "categories",
    "entity.products": "products",
    "entity.members": "members",
    "entity.orders": "orders",
    "entity.carts": "carts",
    "started_by.scheduler": "scheduler",
    "started_by.console": "console",
    "started_by.cli": "command line",
    "col.started_at": "Started",
    "col.finished_at": "Finished",
    "col.status": "Status",
    "col.started_by": "By",
    "col.records": "Records",
    "col.pages": "Pages",
    "col.entity": "Step",
    "col.error": "Error",
    "col.shop": "Shop",
    "error.auth": "The shop refused the credentials. Check the Client Secret and authorize again if needed.",
    "error.bad_response": "The shop sent an answer the console cannot read (a different format or a missing field). "
                          "Nothing of this step was changed.",
    "error.rate_limit": "The shop's API call limit was exceeded. The console will try again shortly.",
    "error.network": "The shop could not be reached. Check its address and that the shop (or the sandbox) is running.",
    "error.interrupted": "The sync stopped before it finished. The next sync resumes where it stopped.",
    "error.busy": "The store was busy with other work for too long. Try again shortly.",
    "error.no_client": "There is no integration module for this platform yet.",
    "error.other": "Something went wrong during the sync.",
    "error.where": "It stopped while syncing {entity}.",
    "problem.url": "the address must start with http:// or https:// (e.g. http://127.0.0.1:8624)",
    "problem.shop_id": "the shop id must be 1-40 lowercase letters, digits, - or _",
    "problem.mall_id": "the Cafe24 mall id must be lowercase letters and digits (e.g. myshop)",
    "problem.client_id": "enter the Client ID",
    "problem.client_secret": "enter the Client Secret",
    "problem.name": "enter a display name",
    "problem.code": "no authorization code found; paste the whole returned address or its code value",
    "problem.state": "the returned address carries a state this console did not make; open the approval link again",
    "problem.public_base_url": "PUBLIC_BASE_URL must start with http:// or https://",
    "fmt.won": "₩{amount:,.0f}",
    "fmt.count": "{n:,}",
    "fmt.ago_seconds": "{n} s ago",
    "fmt.ago_minutes": "{n} min ago",
    "fmt.ago_hours": "{n} h ago",
    "fmt.ago_days": "{n} days ago",
    "fmt.in_minutes": "in {n} min",
    "fmt.due_now": "now",
}

DICTIONARIES: dict[str, dict[str, str]] = {"ko": KO, "en": EN}


def _load_areas() -> None:
    """Each screen keeps its words in `core/words/<area>.py` (dicts KO and EN) so screens never edit one file."""
    import importlib
    import pkgutil

    from core.i18n import words
    for module in pkgutil.iter_modules(words.__path__):
        area = importlib.import_module(f"core.i18n.words.{module.name}")
        for lang, extra in (("ko", area.KO), ("en", area.EN)):
            clash = set(extra) & set(DICTIONARIES[lang])
            if clash:
                raise KeyError(f"core/words/{module.name}.py redefines {sorted(clash)}")
            DICTIONARIES[lang].update(extra)


_load_areas()

_current = threading.local()


def normalize(lang: str | None) -> str:
    return lang if lang in DICTIONARIES else DEFAULT_LANG


def set_language(lang: str | None) -> str:
    """The language `t()` uses in this thread (one Streamlit script run) from now on."""
    _current.lang = normalize(lang)
    return _current.lang


def language() -> str:
    return getattr(_current, "lang", None) or normalize(os.environ.get("CONSOLE_LANG"))


def t(key: str, lang: str | None = None, **fmt: object) -> str:
    """The word for `key` in `lang` (default: this run's language), formatted with `fmt`.

    An unknown key returns the key itself, so a forgotten word shows up on the
    page instead of breaking it.
    """
    lang = normalize(lang) if lang else language()
    text = DICTIONARIES[lang].get(key) or KO.get(key) or key
    return text.format(**fmt) if fmt else text


def job_name(job: str, lang: str | None = None) -> str:
    """A scheduler job ('sync:sandbox', 'automations:dispatch') in words; an unknown job keeps its name."""
    kind, _, subject = job.partition(":")
    if kind == "sync":
        return t("job.sync", lang, shop=subject)
    key = f"job.{job}"
    text = t(key, lang)
    return job if text == key else text


def missing_keys() -> dict[str, list[str]]:
    """Keys one language has and another lacks, by language."""
    every = set().union(*DICTIONARIES.values())
    return {lang: sorted(every - set(words)) for lang, words in DICTIONARIES.items() if every - set(words)}


# ---- formats: numbers, money and times as a Korean marketer reads them -------------------------

def won(amount: float | int | None, lang: str | None = None) -> str:
    return t("fmt.won", lang, amount=float(amount or 0))


def count(n: int | None, lang: str | None = None) -> str:
    return t("fmt.count", lang, n=int(n or 0))


def ago(when: dt.datetime | str | None, now: dt.datetime, lang: str | None = None) -> str:
    """'3분 전' / '3 min ago'; empty for no time."""
    if when is None:
        return ""
    if isinstance(when, str):
        when = dt.datetime.fromisoformat(when)
    seconds = max(0, int((now - when).total_seconds()))
    if seconds < 60:
        return t("fmt.ago_seconds", lang, n=seconds)
    if seconds < 3600:
        return t("fmt.ago_minutes", lang, n=seconds // 60)
    if seconds < 86400:
        return t("fmt.ago_hours", lang, n=seconds // 3600)
    return t("fmt.ago_days", lang, n=seconds // 86400)


def until(when: dt.datetime | str | None, now: dt.datetime, lang: str | None = None) -> str:
    """'12분 뒤' / 'in 12 min', or 'now' when already due."""
    if when is None:
        return ""
    if isinstance(when, str):
        when = dt.datetime.fromisoformat(when)
    minutes = math.ceil((when - now).total_seconds() / 60)
    return t("fmt.due_now", lang) if minutes <= 0 else t("fmt.in_minutes", lang, n=minutes)


def local_time(when: dt.datetime | str | None, tz: str = "Asia/Seoul") -> str:
    """'2026-01-10 09:00' on the shop's wall clock."""
    if when is None:
        return ""
    if isinstance(when, str):
        when = dt.datetime.fromisoformat(when)
    return when.astimezone(ZoneInfo(tz)).strftime("%Y-%m-%d %H:%M")
