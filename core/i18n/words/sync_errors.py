"""Words of the errors of syncing, connecting and checking a shop (core.integrations, core.sync, core.shops),
looked up by the console as `errors.<key>`, and of what a connection test found (`connect.*`)."""
from __future__ import annotations

WORDS: dict[str, tuple[str, str | dict[str, str]]] = {
    # Reaching the platform (core/integrations/http.py)
    "errors.sync.timeout": ("{platform}이(가) {seconds}초 안에 응답하지 않았어요.",
                            "{platform} did not answer within {seconds} s."),
    "errors.sync.connection_refused": ("{platform} 서버가 연결을 거부했어요. 주소와 포트가 맞는지, 서버가 켜져 있는지 확인하세요.",
                                       "{platform} refused the connection. Check the address and port, and that the "
                                       "server is running."),
    "errors.sync.host_unknown": ("{platform} 서버 주소를 찾을 수 없어요. 주소의 철자를 확인하세요.",
                                 "The address of {platform} could not be found. Check how it is spelled."),
    "errors.sync.network_failed": ("{platform}와(과) 통신하는 중에 네트워크 연결이 끊겼어요.",
                                   "The network connection to {platform} broke off."),
    "errors.sync.rate_limited": ("{platform}이(가) 요청이 너무 많다고 {tries}번 응답했어요 (HTTP 429).",
                                 "{platform} answered too many requests (HTTP 429) {tries} times."),
    "errors.sync.platform_failed": ("{platform} 서버에 오류가 났어요 (HTTP {status}, {tries}번 시도).",
                                    "{platform} failed with a server error (HTTP {status}, {tries} tries)."),
    "errors.sync.incomplete": ("네이버가 요청한 상품 주문 {missing}건을 돌려주지 않았어요.",
                               "Naver left out {missing} of the product orders it was asked for."),
    "errors.sync.sandbox_unreachable": ("{url} 에서 샌드박스 쇼핑몰이 응답하지 않았어요. `python -m core sandbox`로 "
                                        "실행하세요.",
                                        "No sandbox shop answered at {url}. Start it with `python -m core sandbox`."),
    # Credentials
    "errors.sync.credentials_missing": ("저장된 인증 정보가 없어요. 연동 관리에서 입력하세요.",
                                        "No credentials are saved. Enter them on the Integrations page."),
    "errors.sync.not_authorized": ("카페24 앱 승인이 아직 끝나지 않았어요. 쇼핑몰을 다시 인증하세요.",
                                   "The Cafe24 app was not approved yet. Authorize the mall again."),
    "errors.sync.auth_refused": ("인증 정보가 거부되었어요 (HTTP {status}).",
                                 "The credentials were refused (HTTP {status})."),
    "errors.sync.authorization_spent": ("인증이 이미 사용되었거나 만료되었어요 (HTTP {status}). 쇼핑몰을 다시 "
                                        "인증하세요.",
                                        "The authorization was already used or has expired (HTTP {status}). "
                                        "Authorize the mall again."),
    "errors.sync.secret_malformed": ("네이버 애플리케이션 시크릿의 형식이 달라요. 커머스API센터에서 다시 복사하세요.",
                                     "The Naver application secret is not in the form Naver issues. Copy it again "
                                     "from the Commerce API Center."),
    "errors.sync.user_key_refused": ("고도몰이 사용자 키(key)가 유효하지 않다고 했어요 (코드 {code}).",
                                     "Godomall said the user key (key) is not valid (code {code})."),
    "errors.sync.partner_key_refused": ("고도몰이 파트너 키가 유효하지 않다고 했어요 (코드 {code}).",
                                        "Godomall said the partner key is not valid (code {code})."),
    "errors.sync.key_expired": ("고도몰 사용자 키의 사용 기간이 끝났어요 (코드 {code}). 고도몰 관리자에서 키를 "
                                "갱신하세요.",
                                "The Godomall user key's period of use is over (code {code}). Renew it in "
                                "Godomall's admin."),
    "errors.sync.ip_not_allowed": ("이 서버의 IP 주소가 고도몰 API에 허용되어 있지 않아요 (코드 {code}). NHN커머스에 "
                                   "허용을 요청하세요.",
                                   "This server's IP address is not allowed for the Godomall API (code {code}). "
                                   "Ask NHN Commerce to allow it."),
    "errors.sync.no_permission": ("이 API를 쓸 권한이 없어요. 앱(키)의 API 권한을 확인하세요.",
                                  "The credentials have no permission for this API. Check the app's (key's) API "
                                  "permissions."),
    # Answers the console cannot read
    "errors.sync.not_json": ("{platform}의 응답이 JSON이 아니에요 (HTTP {status}).",
                             "{platform} answered with something that is not JSON (HTTP {status})."),
    "errors.sync.not_xml": ("고도몰의 응답을 XML로 읽을 수 없어요 ({what}).",
                            "Godomall's answer to {what} could not be read as XML."),
    "errors.sync.missing_field": ("{platform}의 응답에 ‘{field}’ 항목이 없어요 ({what}).",
                                  "{platform}'s answer has no ‘{field}’ ({what})."),
    "errors.sync.unknown_status": ("{what}의 상태 ‘{value}’는 콘솔이 모르는 값이에요.",
                                   "{what} has the status ‘{value}’, which the console does not know."),
    "errors.sync.bad_date": ("{what}의 값 ‘{value}’는 날짜와 시간으로 읽을 수 없어요.",
                             "{what}: ‘{value}’ is not a date and time the console can read."),
    "errors.sync.bad_number": ("{what}의 값 ‘{value}’는 숫자가 아니에요.", "{what}: ‘{value}’ is not a number."),
    "errors.sync.platform_error": ("고도몰이 {what} 요청에 오류 코드 {code}(으)로 응답했어요.",
                                   "Godomall answered {what} with error code {code}."),
    "errors.sync.rejected": ("{platform}이(가) 요청을 받아들이지 않았어요 (HTTP {status}).",
                             "{platform} did not accept the request (HTTP {status})."),
    "errors.sync.unknown_field": ("{what} 자료에 저장소에 없는 항목 ‘{field}’이(가) 있어요.",
                                  "The {what} rows carry a field ‘{field}’ the store does not have."),
    "errors.sync.unstorable": ("{what} 자료를 저장할 수 없었어요.", "The {what} rows could not be stored."),
    "errors.sync.bad_record": ("{platform}의 {what} 응답에서 {record}번째 항목이 비어 있거나({value}) 형식이 달라요. "
                               "이 페이지는 저장하지 않았어요.",
                               "Record {record} of {platform}'s answer to {what} is empty or not a record "
                               "({value}); this page was not stored."),
    "errors.sync.bad_field": ("{what}의 ‘{field}’ 값 ‘{value}’은(는) 콘솔이 읽을 수 있는 형식이 아니에요. "
                              "이 페이지는 저장하지 않았어요.",
                              "{what}: ‘{field}’ is ‘{value}’, which is not {expected}; this page was not stored."),
    "errors.sync.reconnect_needed": ("다시 연결 필요: 카페24 인증(리프레시 토큰)이 이미 쓰였거나 만료되었을 수 있어요. "
                                     "연동 관리에서 쇼핑몰을 다시 연결하세요.",
                                     "Reconnection needed: the Cafe24 authorization (refresh token) may be spent "
                                     "or expired. Connect the mall again on the Integrations page."),
    # The sync itself
    "errors.sync.already_running": ("이 쇼핑몰은 지금 다른 곳({started_by})에서 동기화하고 있어요 ({since} 시작).",
                                    "This shop is being synced elsewhere ({started_by}, since {since})."),
    "errors.sync.interrupted": ("동기화가 끝나기 전에 중단되었어요.", "The sync stopped before it finished."),
    "errors.sync.no_client": ("{platform} 플랫폼의 연동 모듈이 없어요.", "There is no integration for {platform}."),
    "errors.sync.no_shop": ("쇼핑몰 ‘{shop_id}’가 연결되어 있지 않아요.", "No shop ‘{shop_id}’ is connected."),
    "errors.sync.unknown_entity": ("{platform}에는 ‘{entity}’ 자료가 없어요.", "{platform} has no ‘{entity}’ to sync."),
    "errors.sync.prefetch_stopped": ("자료를 가져오던 작업이 결과 없이 멈췄어요.",
                                     "The page-fetching thread stopped without a result."),
    # The Godomall address book (core/sync/godomall_book.py)
    "errors.godomall.quota_exceeded": ("고도몰에서 불러오기는 계정당 하루 {limit}회까지 할 수 있습니다. 오늘은 모두 "
                                       "사용했으니 내일(한국 시간 자정 이후) 다시 시도하세요.",
                                       "Godomall imports are limited to {limit} a day per account, and today's are "
                                       "used up. Try again tomorrow (after midnight, Korea time)."),
    "errors.godomall.import_running": ("고도몰에서 불러오기가 이미 진행 중입니다({since} 시작). 끝난 뒤에 다시 "
                                       "시도하세요.",
                                       "A Godomall import is already running (started {since}). Try again when it "
                                       "ends."),
    "errors.godomall.duplicate_account": ("이 고도몰 계정은 이미 ‘{shop}’ 쇼핑몰로 연결되어 있습니다. 고도몰 주소록은 "
                                          "계정당 1개만 만들 수 있습니다.",
                                          "This Godomall account is already connected as the shop ‘{shop}’. There is "
                                          "one Godomall address book per account."),
    "errors.godomall.missing_keys": ("고도몰 파트너 키와 사용자 키를 모두 입력하세요.",
                                     "Enter both the Godomall partner key and user key."),
    # The connection forms (core/shops/connect.py)
    "errors.shops.invalid_url": ("주소는 http:// 또는 https://로 시작해야 합니다 (예: http://127.0.0.1:8624)",
                                 "the address must start with http:// or https:// (e.g. http://127.0.0.1:8624)"),
    "errors.shops.invalid_shop_id": ("쇼핑몰 ID는 영문 소문자, 숫자, -, _ 로 1~40자여야 합니다",
                                     "the shop id must be 1-40 lowercase letters, digits, - or _"),
    "errors.shops.invalid_name": ("표시 이름을 입력하세요", "enter a display name"),
    "errors.shops.invalid_mall_id": ("카페24 쇼핑몰 ID는 영문 소문자와 숫자로 된 값이어야 합니다 (예: myshop)",
                                     "the Cafe24 mall id must be lowercase letters and digits (e.g. myshop)"),
    "errors.shops.missing_client_id": ("Client ID를 입력하세요", "enter the Client ID"),
    "errors.shops.missing_client_secret": ("Client Secret을 입력하세요", "enter the Client Secret"),
    "errors.shops.invalid_code": ("인증 코드를 찾을 수 없습니다. 돌아온 주소 전체나 code 값을 붙여넣으세요",
                                  "no authorization code found; paste the whole returned address or its code value"),
    "errors.shops.state_mismatch": ("돌아온 주소의 state 값이 이 콘솔이 만든 값과 다릅니다. 승인 링크를 다시 열어 주세요",
                                    "the returned address carries a state this console did not make; open the "
                                    "approval link again"),
    "errors.shops.invalid_public_base_url": ("PUBLIC_BASE_URL은 http:// 또는 https://로 시작해야 합니다",
                                             "PUBLIC_BASE_URL must start with http:// or https://"),
    "errors.shops.invalid_partner_key": ("고도몰 파트너 키를 입력하세요 (공백 없이)",
                                         "enter the Godomall partner key (no spaces)"),
    "errors.shops.invalid_user_key": ("고도몰 사용자 키(key)를 입력하세요 (공백 없이)",
                                      "enter the Godomall user key (key) (no spaces)"),
    "errors.shops.invalid_naver_client_id": ("네이버 애플리케이션 ID를 입력하세요 (공백 없이)",
                                             "enter the Naver application id (no spaces)"),
    "errors.shops.invalid_naver_secret": ("네이버 애플리케이션 시크릿은 $2a$로 시작하는 29자입니다. 커머스API센터에서 "
                                          "다시 복사하세요",
                                          "a Naver application secret is 29 characters starting with $2a$; copy it "
                                          "again from the Commerce API Center"),
    "errors.shops.invalid_wix_api_key": ("Wix API 키를 입력하세요 (공백 없이, 20자 이상)",
                                         "enter the Wix API key (no spaces, at least 20 characters)"),
    "errors.shops.invalid_wix_site_id": ("Wix 사이트 ID는 8-4-4-4-12자리 형식입니다 "
                                         "(예: 5a6b7c8d-1234-4e5f-9a0b-0c1d2e3f4a5b). 대시보드 주소를 붙여넣어도 됩니다",
                                         "a Wix site id looks like 5a6b7c8d-1234-4e5f-9a0b-0c1d2e3f4a5b (pasting the "
                                         "dashboard's address works too)"),
    "errors.shops.invalid_interval": ("동기화 주기는 {low}분에서 {high}분 사이여야 합니다",
                                      "the sync interval must be between {low} and {high} minutes"),
    "errors.shops.unknown_platform": ("연결할 수 없는 플랫폼입니다: {platform}",
                                      "this platform cannot be connected here: {platform}"),
    "errors.shops.shop_id_taken": ("쇼핑몰 ID ‘{shop_id}’는 이미 {platform} 쇼핑몰이 쓰고 있습니다. 다른 ID를 "
                                   "입력하세요",
                                   "the shop id ‘{shop_id}’ is already used by a {platform} shop; enter another one"),
    "errors.shops.no_test": ("이 플랫폼은 아직 연결 테스트를 할 수 없습니다.",
                             "This platform cannot test its connection yet."),
    # What a connection test found
    "connect.naver_ok": ("네이버 커머스API에 연결되었습니다 (토큰 발급, 주문 조회 권한 확인)",
                         "Connected to the Naver Commerce API (token issued, order reading allowed)"),
    "connect.wix_ok": ("Wix 사이트에 연결되었습니다 (API 키와 사이트 ID, 연락처 조회 권한 확인)",
                       "Connected to the Wix site (API key, site id and contact reading checked)"),
    "connect.cafe24_ok": ("카페24가 ‘{name}’ 쇼핑몰 정보로 응답했습니다", "Cafe24 answered for ‘{name}’"),
    "connect.cafe24_ok_unnamed": ("카페24가 응답했습니다", "Cafe24 answered"),
}
