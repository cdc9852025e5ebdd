"""Words of the sender settings page (발신 설정): the shop's sender and SMTP server, the connection test and the
test send; the errors they raise (`errors.messaging.check.*`, `errors.automations.no_sender`, ...); and the
labels an error uses to name the field at fault (`field.<name>`, read by core.console.errors.describe), so a
person reads "발신자 이메일", never "sender_email".
"""
from __future__ import annotations

WORDS: dict[str, tuple[str, str | dict[str, str]]] = {
    "nav.sender": ("발신 설정", "Sender settings"),
    "sender.title": ("발신 설정", "Sender settings"),
    "sender.caption": (
        "자동 이메일을 보낼 발신자와 메일 서버(SMTP)예요. 한 번 저장하면 자동 이메일, 장바구니 리마인드, 운영자 알림에 "
        "그대로 쓰여요.",
        "Who the automated e-mails come from and the mail server (SMTP) that sends them. Saved once, they are "
        "used by automated e-mails, cart reminders and the owner's notices."),
    "sender.no_shop": ("먼저 쇼핑몰을 연결해 주세요.", "Connect a shop first."),
    "sender.shop": ("쇼핑몰: {name}", "Shop: {name}"),
    "sender.section.who": ("보내는 사람", "Sender"),
    "sender.section.footer": ("광고 메일 하단 표기", "Advertising footer"),
    "sender.footer_help": (
        "광고성 이메일 하단에는 보내는 사람의 이름과 연락처를 꼭 적어야 해요(정보통신망법 제50조). 연락처와 주소가 "
        "수신거부 안내와 함께 메일 맨 아래에 표시돼요.",
        "Advertising e-mail must carry the sender's name and contact (Korean Network Act §50). The contact and "
        "address appear at the bottom of the e-mail with the unsubscribe notice."),
    "sender.section.smtp": ("메일 서버 (SMTP)", "Mail server (SMTP)"),
    "sender.sender_name": ("발신자 이름", "Sender name"),
    "sender.sender_email": ("발신자 이메일 주소", "Sender e-mail address"),
    "sender.reply_to": ("회신 받을 주소 (선택)", "Reply-to address (optional)"),
    "sender.reply_to_help": ("비워 두면 발신자 이메일로 회신이 와요.", "Left empty, replies go to the sender address."),
    "sender.sender_contact": ("연락처 (전화번호 또는 고객센터)", "Contact (phone or customer service)"),
    "sender.postal_address": ("사업장 주소", "Business address"),
    "sender.smtp_host": ("SMTP 서버 주소", "SMTP host"),
    "sender.smtp_host_help": ("예: smtp.gmail.com, smtp.worksmobile.com", "e.g. smtp.gmail.com, smtp.worksmobile.com"),
    "sender.smtp_port": ("포트", "Port"),
    "sender.smtp_security": ("보안 방식", "Security"),
    "sender.security.none": ("없음", "None"),
    "sender.security.starttls": ("STARTTLS (보통 587번 포트)", "STARTTLS (usually port 587)"),
    "sender.security.tls": ("TLS (보통 465번 포트)", "TLS (usually port 465)"),
    "sender.smtp_username": ("SMTP 아이디", "SMTP username"),
    "sender.smtp_password": ("SMTP 비밀번호", "SMTP password"),
    "sender.password_saved": ("비밀번호가 저장되어 있어요. 바꿀 때만 입력하세요.",
                              "A password is saved. Type one only to change it."),
    "sender.password_none": ("저장된 비밀번호가 없어요.", "No password is saved."),
    "sender.save": ("저장", "Save"),
    "sender.saved": ("발신 설정을 저장했어요.", "The sender settings are saved."),
    "sender.save_failed": ("저장하지 못했어요: {error}", "Could not save: {error}"),
    "sender.state.working": ("메일 서버가 설정되어 있어요: {server}", "A mail server is set: {server}"),
    "sender.state.sandbox": (
        "샌드박스 메일함으로 보내요 ({server}). 고객에게 실제로 나가지 않고, 보낸 메일은 샌드박스 메일함에서 볼 수 "
        "있어요. 실제로 보내려면 아래에 쓰실 메일 서버를 입력하고 저장하세요.",
        "Messages go to the sandbox mailbox ({server}): nothing reaches real customers, and what is sent shows in "
        "Sandbox mailbox. To send for real, enter your own mail server below and save."),
    "sender.state.missing": (
        "아직 메일 서버가 없어요. 저장하기 전까지 자동 이메일을 시작할 수 없어요.",
        "No mail server yet. Automations cannot start until one is saved."),
    # The connection test
    "sender.check": ("연결 테스트", "Test connection"),
    "sender.check_help": ("입력한 설정으로 접속, 암호화, 로그인까지 확인해요. 메일은 보내지 않아요.",
                          "Connects, encrypts and logs in with the settings above. Sends nothing."),
    "sender.check_ok": ("연결에 성공했어요: {server}{tls}{auth}", "Connected to {server}{tls}{auth}"),
    "sender.check_tls": (" · 암호화 {version}", " · encrypted with {version}"),
    "sender.check_plain": (" · 암호화 없음", " · not encrypted"),
    "sender.check_auth": (" · 로그인 성공", " · logged in"),
    "sender.check_failed": ("연결 테스트에 실패했어요. {error}", "The connection test failed. {error}"),
    "sender.detail": ("자세한 내용: {detail}", "Details: {detail}"),
    # The test send
    "sender.test": ("테스트 메일 보내기", "Send a test e-mail"),
    "sender.test_help": (
        "고른 자동 이메일이나 템플릿을 고른 회원의 정보로 만들어, 입력한 주소로 한 통 보내요. 제목 앞에 [테스트]가 "
        "붙고, 발송 내역과 통계에는 남지 않아요.",
        "Renders the chosen automation or template for the chosen member and sends one copy to the address "
        "you type. The subject starts with [TEST]; it is not kept in the activity or the figures."),
    "sender.test_source": ("보낼 내용", "Content"),
    "sender.test_source.automation": ("자동 이메일 · {name}", "Automation · {name}"),
    "sender.test_source.template": ("템플릿 · {name}", "Template · {name}"),
    "sender.test_no_source": ("아직 자동 이메일이나 템플릿이 없어요.", "There is no automation or template yet."),
    "sender.test_member": ("누구의 정보로 만들까요", "Render for member"),
    "sender.test_sample": ("예시 회원", "A sample member"),
    "sender.test_to": ("받을 주소", "Send to"),
    "sender.test_send": ("테스트 메일 보내기", "Send test"),
    "sender.test_sent": ("‘{subject}’ 메일을 {to}(으)로 보냈어요.", "Sent ‘{subject}’ to {to}."),
    "sender.test_failed": ("테스트 메일을 보내지 못했어요. {error}", "The test e-mail was not sent. {error}"),
    "sender.test_prefix": ("[테스트]", "[TEST]"),
    "sender.go_settings": ("발신 설정으로 가기", "Go to sender settings"),
    "sender.needed": (
        "이 쇼핑몰에는 아직 발신 설정(메일 서버)이 없어요. 저장해 두면 여기에도 자동으로 채워지고, 그 전에는 시작할 수 "
        "없어요.",
        "This shop has no sender settings (mail server) yet. Once saved they fill in here; until then nothing "
        "can start."),
    "sender.needed_carts": (
        "이 쇼핑몰에는 아직 발신 설정(메일 서버)이 없어요. 리마인드는 발신 설정의 발신자로 나가요. 먼저 저장해 주세요.",
        "This shop has no sender settings (mail server) yet. Reminders go out from the saved sender: save it first."),
    "sender.from_saved": ("보내는 사람: {name} <{email}> (발신 설정)", "From: {name} <{email}> (sender settings)"),
    # Errors of the connection test (core.messaging.email.check_connection)
    "errors.messaging.check.no_such_host": ("‘{server}’ 서버를 찾을 수 없어요. SMTP 서버 주소를 확인해 주세요.",
                                            "The server ‘{server}’ cannot be found. Check the SMTP host."),
    "errors.messaging.check.refused": (
        "{server}에서 연결을 거부했어요. 포트 번호가 맞는지, 서버가 켜져 있는지 확인해 주세요.",
        "{server} refused the connection. Check the port and that the server is running."),
    "errors.messaging.check.timeout": (
        "{server}이(가) 응답하지 않아요. 주소와 포트, 그리고 보안 방식이 포트에 맞는지(465는 TLS, 587은 STARTTLS) "
        "확인해 주세요.",
        "{server} does not answer. Check the host and port, and that the security suits the port (465 is TLS, "
        "587 is STARTTLS)."),
    "errors.messaging.check.tls": (
        "{server}와(과) 암호화 연결(TLS)을 맺지 못했어요. 보안 방식이 포트에 맞는지 확인해 주세요.",
        "The encrypted (TLS) connection with {server} failed. Check that the security suits the port."),
    "errors.messaging.check.certificate": (
        "{server}의 보안 인증서를 확인할 수 없어요. 서버 주소가 인증서의 이름과 같은지 확인해 주세요.",
        "The certificate of {server} does not verify. Check that the host matches the certificate's name."),
    "errors.messaging.check.greeting": ("{server}이(가) 메일 서버로 응답하지 않았어요 (응답 코드 {code}).",
                                        "{server} did not answer as a mail server (reply code {code})."),
    "errors.messaging.check.closed": ("{server}이(가) 도중에 연결을 끊었어요. 포트와 보안 방식을 확인해 주세요.",
                                      "{server} closed the connection. Check the port and the security."),
    "errors.messaging.check.no_starttls": (
        "{server}은(는) STARTTLS를 지원하지 않아요. 보안 방식을 ‘TLS’나 ‘없음’으로 바꿔 보세요.",
        "{server} does not offer STARTTLS. Try the security ‘TLS’ or ‘None’."),
    "errors.messaging.check.no_auth": (
        "{server}은(는) 이 연결에서 로그인을 받지 않아요. 보안 방식을 확인하거나 아이디를 비워 두세요.",
        "{server} does not accept a login on this connection. Check the security, or leave the username empty."),
    "errors.messaging.check.auth": ("{server}이(가) 로그인을 거부했어요. SMTP 아이디와 비밀번호를 확인해 주세요.",
                                    "{server} refused the login. Check the SMTP username and password."),
    "errors.messaging.check.unreachable": ("{server}에 연결할 수 없어요. 주소와 포트를 확인해 주세요.",
                                           "{server} cannot be reached. Check the host and port."),
    # Errors of the sender settings and of starting without a sender (core.automations.manage)
    "errors.automations.no_sender": (
        "발신 설정(메일 서버)이 없어서 시작할 수 없어요. 발신 설정에서 먼저 저장해 주세요.",
        "It cannot start without sender settings (a mail server). Save them in Sender settings first."),
    "errors.automations.bad_host": ("{field}: ‘{host}’은(는) 서버 주소가 아니에요.",
                                    "{field}: ‘{host}’ is not a host name or address."),
    "errors.automations.email_empty": ("{field}: 비어 있어요.", "{field}: is empty."),
    "errors.sender.unknown_source": ("보낼 내용을 찾을 수 없어요 (‘{source}’).",
                                     "The content to send cannot be found (‘{source}’)."),
    # How an error names a field (core.console.errors.describe); a field without a label is named as written
    "field.name": ("이름", "Name"),
    "field.shop_id": ("쇼핑몰", "Shop"),
    "field.trigger": ("발송 조건", "Trigger"),
    "field.trigger_params": ("발송 조건", "Trigger"),
    "field.delay_minutes": ("발송 시점", "Delay"),
    "field.max_lateness_minutes": ("늦게 보낼 수 있는 한도", "Maximum lateness"),
    "field.subject": ("이메일 제목", "Subject"),
    "field.preheader": ("미리보기 문구", "Preview text"),
    "field.sender": ("발신 설정", "Sender settings"),
    "field.sender_name": ("발신자 이름", "Sender name"),
    "field.sender_email": ("발신자 이메일", "Sender e-mail"),
    "field.sender_contact": ("연락처", "Contact"),
    "field.postal_address": ("사업장 주소", "Business address"),
    "field.reply_to": ("회신 받을 주소", "Reply-to address"),
    "field.smtp_host": ("SMTP 서버 주소", "SMTP host"),
    "field.smtp_port": ("포트", "Port"),
    "field.smtp_security": ("보안 방식", "Security"),
    "field.smtp_username": ("SMTP 아이디", "SMTP username"),
    "field.frequency_cap_enabled": ("발송 빈도 제한", "Frequency cap"),
    "field.frequency_cap_hours": ("발송 빈도 제한 시간", "Frequency cap hours"),
    "field.template": ("이메일 내용", "E-mail content"),
    "field.template_id": ("이메일 내용", "E-mail content"),
    "field.audience": ("받는 사람 그룹", "Audience"),
    "field.is_advertising": ("광고성 여부", "Advertising"),
    "field.status": ("상태", "Status"),
    "field.recipient": ("받을 이메일", "Recipient"),
    "field.threshold_minutes": ("방치 기준", "Abandonment threshold"),
    "field.category_keys": ("카테고리", "Categories"),
    "field.product_keys": ("상품", "Products"),
    "field.mode": ("받는 방법", "Mode"),
}
