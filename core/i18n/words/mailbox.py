"""Words of the 샌드박스 메일함 page: the e-mails the sandbox mailbox kept and the Alimtalk sandbox's notices."""
from __future__ import annotations

WORDS: dict[str, tuple[str, str | dict[str, str]]] = {
    "nav.mailbox": ("샌드박스 메일함", "Sandbox mailbox"),
    "mailbox.title": ("샌드박스 메일함", "Sandbox mailbox"),
    "mailbox.subtitle": ("샌드박스 쇼핑몰에서 보낸 이메일과 알림톡이 실제로 발송되지 않고 여기에 쌓여요. "
                         "고객이 받는 모습 그대로 열어 볼 수 있어요.",
                         "E-mails and Alimtalk notices sent for the sandbox shop land here instead of going out. "
                         "Open one to see it as its recipient would."),
    "mailbox.refresh": ("새로고침", "Refresh"),
    "mailbox.tab.email": ("이메일", "E-mail"),
    "mailbox.tab.alimtalk": ("알림톡", "Alimtalk"),
    "mailbox.count": ("최근 {n}통", {"one": "The latest {n} message", "other": "The latest {n} messages"}),
    "mailbox.col.arrived": ("받은 시각", "Received"),
    "mailbox.col.to": ("받는 사람", "To"),
    "mailbox.col.subject": ("제목", "Subject"),
    "mailbox.col.automation": ("자동 이메일", "Automation"),
    "mailbox.col.template": ("템플릿 코드", "Template code"),
    "mailbox.col.text": ("내용 (템플릿 변수)", "Content (template variables)"),
    "mailbox.col.link": ("링크", "Link"),
    "mailbox.open_link": ("열기", "Open"),
    "mailbox.col.header": ("헤더", "Header"),
    "mailbox.col.value": ("값", "Value"),
    "mailbox.pick": ("열어 볼 메일", "Message to open"),
    "mailbox.no_subject": ("(제목 없음)", "(no subject)"),
    "mailbox.test_send": ("테스트 발송", "Test send"),
    "mailbox.from": ("보낸 사람: {sender}", "From: {sender}"),
    "mailbox.to": ("받는 사람: {to}", "To: {to}"),
    "mailbox.arrived": ("받은 시각: {when}", "Received: {when}"),
    "mailbox.automation": ("자동 이메일: {name}", "Automation: {name}"),
    "mailbox.view.desktop": ("PC 화면 ({width}px)", "Desktop ({width}px)"),
    "mailbox.view.phone": ("휴대폰 화면 ({width}px)", "Phone ({width}px)"),
    "mailbox.view.text": ("텍스트 본문", "Text part"),
    "mailbox.view.headers": ("헤더", "Headers"),
    "mailbox.no_html": ("이 메일에는 HTML 본문이 없어요.", "This message has no HTML part."),
    "mailbox.no_text": ("이 메일에는 텍스트 본문이 없어요.", "This message has no text part."),
    "mailbox.gone": ("이 메일은 메일함에서 지워졌어요. 목록을 새로고침해 주세요.",
                     "This message is no longer in the mailbox. Refresh the list."),
    "mailbox.links_hint": ("메일 속 링크를 누르면 새 탭에서 이 컴퓨터의 공개 주소(수신거부, 클릭 추적)로 열려요.",
                           "Links in the message open in a new tab, on this machine's public endpoints "
                           "(unsubscribe, click tracking)."),
    "mailbox.empty": ("아직 도착한 메일이 없어요.", "No message has arrived yet."),
    "mailbox.empty_hint": (
        "샌드박스 쇼핑몰의 발신 설정은 이 메일함(127.0.0.1:{port})으로 되어 있어요. 자동 이메일을 만들어 시작하면, "
        "새 회원 가입이나 주문처럼 발송 조건이 맞을 때 보낸 메일이 몇 분 안에 여기에 도착해요. "
        "메일함은 `./start`가 함께 실행하고, 따로 실행하려면 `python -m core mailbox`를 쓰세요.",
        "The sandbox shop's sender points at this mailbox (127.0.0.1:{port}). Create an automation and start it: "
        "when its condition is met (a new sign-up, an order...), the e-mail it sends arrives here within minutes. "
        "`./start` runs the mailbox; to run it on its own, use `python -m core mailbox`."),
    "mailbox.alimtalk_count": ("최근 {n}건", {"one": "The latest {n} notice", "other": "The latest {n} notices"}),
    "mailbox.alimtalk_empty": ("아직 기록된 알림톡이 없어요.", "No Alimtalk notice has been recorded yet."),
    "mailbox.alimtalk_hint": (
        "스탬프·보증서 화면의 알림톡 탭에서 발송 서비스를 샌드박스로 두고 알림톡을 켜면, 스탬프 적립이나 "
        "보증서 발급 알림이 실제로 나가지 않고 여기에 쌓여요.",
        "On the Alimtalk tab of Stamps & warranties, keep the provider on Sandbox and switch Alimtalk on: "
        "stamp and warranty notices are then recorded here instead of being sent."),
}
