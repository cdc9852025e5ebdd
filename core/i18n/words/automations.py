"""Words of the Automations (자동 이메일), Templates (템플릿) and Activity (발송 내역) pages.

The wizard follows the order and the words of Stibee's automated e-mail (주소록 → 발송 조건 →
발송 정보 → 내용 → 시작하기), which is what Korean marketers already know.
"""
from __future__ import annotations

WORDS: dict[str, tuple[str, str | dict[str, str]]] = {
    "nav.group.marketing": ("마케팅", "Marketing"),
    "nav.automations": ("자동 이메일", "Automated emails"),
    "nav.templates": ("템플릿", "Templates"),
    "nav.activity": ("발송 내역", "Activity"),
    # Triggers (발송 조건) and how one is summarised in a line
    "auto.trigger.purchased": ("상품 구매함", "Purchased a product"),
    "auto.trigger.no_first_purchase": ("첫 구매 안 함", "No first purchase"),
    "auto.trigger.no_repurchase": ("재구매 안 함", "No repurchase"),
    "auto.trigger.signup": ("회원 가입함", "Signed up"),
    "auto.trigger.cart_abandoned": ("방치된 카트", "Abandoned cart"),
    "auto.trigger.delivered": ("배송 완료", "Delivery complete"),
    "auto.trigger_help.purchased": (
        "쇼핑몰에서 상품을 결제한 회원에게 보냅니다. 특정 상품·카테고리만 고를 수도 있습니다.",
        "Sent to members who paid for an order; optionally only some products or categories.",
    ),
    "auto.trigger_help.no_first_purchase": (
        "회원 가입 후 정한 기간 안에 첫 구매를 하지 않은 회원에게 보냅니다.",
        "Sent to members who have not made a first purchase within the period after signing up.",
    ),
    "auto.trigger_help.no_repurchase": (
        "마지막 구매 후 정한 기간 안에 다시 구매하지 않은 회원에게 보냅니다.",
        "Sent to members who have not bought again within the period after their last purchase.",
    ),
    "auto.trigger_help.signup": ("새로 가입한 회원에게 환영 이메일을 보냅니다.", "A welcome email to new members."),
    "auto.trigger_help.cart_abandoned": (
        "장바구니에 상품을 담고 주문하지 않은 고객에게 보냅니다. "
        "그 전에 주문하면 보내지 않습니다.",
        "Sent to shoppers who left items in their cart without ordering; "
        "not sent if they order first.",
    ),
    "auto.trigger_help.delivered": (
        "주문한 상품의 배송이 완료된 회원에게 보냅니다.",
        "Sent to members whose order was delivered.",
    ),
    # Owner notices (set up on the abandoned-carts page)
    "auto.trigger.cart_notice": ("방치된 카트 알림 (운영자)", "Abandoned cart notice (owner)"),
    "auto.trigger.cart_digest": ("방치된 카트 일일 요약 (운영자)", "Daily abandoned-cart digest (owner)"),
    "auto.trigger_help.cart_notice": (
        "카트가 방치될 때마다 운영자에게 알립니다 (광고 아님).",
        "Tells the shop owner about each cart as it is abandoned (not advertising).",
    ),
    "auto.trigger_help.cart_digest": (
        "매일 오전 9시에 전날 방치된 카트를 모아 운영자에게 보냅니다. 없으면 보내지 않습니다.",
        "Every day at 09:00, the previous day's abandoned carts, to the shop owner; "
        "nothing on a day without any.",
    ),
    "auto.summary.owner": ("받는 사람 {recipient}", "to {recipient}"),
    "auto.summary.digest": (
        "매일 오전 {hour}시, 전날 방치된 카트",
        "daily at {hour}:00, the previous day's abandoned carts",
    ),
    "auto.summary.days_first": ("가입 후 {days}일 이내 구매 없음", "no purchase within {days} days of signup"),
    "auto.summary.days_repurchase": (
        "마지막 구매 후 {days}일 이내 재구매 없음",
        "no repurchase within {days} days of the last purchase",
    ),
    "auto.summary.products": ("상품 {n}개", {"one": "{n} product", "other": "{n} products"}),
    "auto.summary.categories": ("카테고리 {n}개", {"one": "{n} category", "other": "{n} categories"}),
    "auto.summary.any_product": ("모든 상품", "any product"),
    "auto.summary.threshold": ("마지막 활동 {minutes}분 후", "{minutes} min after the last activity"),
    "auto.summary.delay": ("조건 충족 {hours}시간 뒤 발송", "sent {hours} h after the trigger"),
    "auto.summary.now": ("조건 충족 즉시 발송", "sent as soon as the trigger is met"),
    # Statuses
    "auto.status.draft": ("작성 중", "Draft"),
    "auto.status.running": ("실행 중", "Running"),
    "auto.status.paused": ("일시 중지", "Paused"),
    # List
    "auto.title": ("자동 이메일", "Automated emails"),
    "auto.subtitle": (
        "조건을 만족한 회원에게 이메일을 자동으로 보냅니다. ‘실행 중’인 자동 이메일만 발송됩니다.",
        "Emails sent automatically to members who meet a trigger. Only running automations send.",
    ),
    "auto.view.list": ("자동 이메일 목록", "Automations"),
    "auto.view.new": ("새 자동 이메일 만들기", "New automated email"),
    "auto.no_shop": (
        "먼저 ‘연동 관리’에서 쇼핑몰(주소록)을 연결하세요.",
        "Connect a shop (address book) under ‘Integrations’ first.",
    ),
    "auto.none": (
        "아직 자동 이메일이 없습니다. ‘새 자동 이메일 만들기’에서 첫 자동 이메일을 만들어 보세요.",
        "No automated emails yet. Create your first one under ‘New automated email’.",
    ),
    "auto.card": ("{name}", "{name}"),
    "auto.card_caption": (
        "{status} · {trigger} · {detail} · {advertising}",
        "{status} · {trigger} · {detail} · {advertising}",
    ),
    "auto.advertising": ("광고성", "advertising"),
    "auto.not_advertising": ("정보성", "informational"),
    "auto.m.sent": ("발송", "Sent"),
    "auto.m.skipped": ("건너뜀·취소", "Skipped/cancelled"),
    "auto.m.failed": ("실패", "Failed"),
    "auto.m.opened": ("열람", "Opened"),
    "auto.m.clicked": ("클릭", "Clicked"),
    "auto.m.converted": ("구매 전환", "Converted"),
    "auto.m.revenue": ("전환 매출", "Revenue"),
    "auto.m.pending": ("발송 대기 {n}건", "{n} waiting"),
    "auto.m.unknown": ("확인 필요 {n}건", "{n} to check"),
    "auto.rate": ("{rate:.0%}", "{rate:.0%}"),
    "auto.skipped_by": ("건너뛴 이유: {reasons}", "Skipped because: {reasons}"),
    "auto.pause": ("일시 중지", "Pause"),
    "auto.resume": ("다시 시작", "Resume"),
    "auto.start": ("시작하기", "Start"),
    "auto.paused_note": (
        "일시 중지 동안 조건을 만족한 회원에게는 다시 시작해도 보내지 않습니다.",
        "Members who meet the trigger while paused are not sent to after resuming.",
    ),
    "auto.status_changed": ("‘{name}’: {status}", "‘{name}’: {status}"),
    "auto.failed_action": ("바꾸지 못했습니다: {problem}", "Could not change it: {problem}"),
    # Who would receive this
    "auto.preview.title": ("누가 받게 될까요?", "Who would receive this?"),
    "auto.preview.help": (
        "지금 실행 중이라면 앞으로 받게 될 회원입니다. 이미 예약된 발송과, 아무 일도 없으면 "
        "조건을 만족하게 될 회원(첫 구매·재구매 안 함, 방치된 카트, 발송 지연)을 셉니다. "
        "새 주문·가입처럼 아직 일어나지 않은 일은 셀 수 없습니다. 수신 동의와 수신거부를 반영했습니다.",
        "Members who would receive it if it were running: sends already planned, and members who "
        "will meet a time-based trigger if nothing else happens (no first purchase, no repurchase, "
        "abandoned carts, delays). Events yet to happen (new orders, signups) cannot be counted. "
        "Consent and unsubscribes are applied.",
    ),
    "auto.preview.automation": ("자동 이메일", "Automated email"),
    "auto.preview.window": ("기간", "Period"),
    "auto.preview.24h": ("앞으로 24시간", "Next 24 hours"),
    "auto.preview.7d": ("앞으로 7일", "Next 7 days"),
    "auto.preview.total": ("받을 회원", "Recipients"),
    "auto.preview.none": ("이 기간에 받을 회원이 없습니다.", "Nobody would receive it in this period."),
    "auto.preview.day": ("날짜", "Day"),
    "auto.preview.count": ("회원 수", "Members"),
    "auto.preview.sample": ("예시 (최대 {n}명)", "Sample (up to {n})"),
    "auto.preview.source.planned": ("예약됨", "planned"),
    "auto.preview.source.predicted": ("예상", "expected"),
    "col.member": ("회원", "Member"),
    "col.member_name": ("이름", "Name"),
    "col.email": ("이메일", "Email"),
    "col.due_at": ("발송 예정", "Due"),
    "col.source": ("구분", "Kind"),
    "col.automation": ("자동 이메일", "Automated email"),
    "col.state": ("상태", "State"),
    "col.reason": ("이유", "Reason"),
    "col.attempts": ("시도", "Tries"),
    "col.sent_at": ("발송 시각", "Sent at"),
    "col.updated_at": ("마지막 변경", "Last change"),
    "col.last_error": ("마지막 오류", "Last error"),
    "col.trigger": ("발송 조건", "Trigger"),
    # Wizard
    "wiz.steps": (
        "주소록 → 발송 조건 → 발송 정보 → 내용 → 시작하기",
        "Address book → Trigger → Send info → Content → Start",
    ),
    "wiz.step.0": ("1. 주소록", "1. Address book"),
    "wiz.step.1": ("2. 발송 조건", "2. Trigger"),
    "wiz.step.2": ("3. 발송 정보", "3. Send info"),
    "wiz.step.3": ("4. 내용", "4. Content"),
    "wiz.step.4": ("5. 시작하기", "5. Start"),
    "wiz.next": ("다음", "Next"),
    "wiz.back": ("이전", "Back"),
    "wiz.cancel": ("처음부터 다시", "Start over"),
    "wiz.name": ("자동 이메일 이름", "Name of the automated email"),
    "wiz.name_default": ("{trigger} 자동 이메일", "{trigger} email"),
    "wiz.address_book": ("주소록 (쇼핑몰 회원)", "Address book (shop members)"),
    "wiz.group": ("받는 사람 (주소록 그룹)", "Recipients (address-book group)"),
    "wiz.group_all": ("주소록 전체", "The whole address book"),
    "wiz.group_help": (
        "세그먼트 화면에서 저장한 그룹만 받게 할 수 있습니다. 그룹은 조건으로 저장되어 보낼 때마다 다시 계산됩니다.",
        "Limit it to a group saved on the Segments screen. A group is kept as conditions and re-evaluated at every send.",
    ),
    "wiz.address_book_stats": (
        "회원 {members}명 · 이메일 있음 {emails}명 · 광고 수신 동의 {consents}명",
        "{members} members · {emails} with email · {consents} accept advertising",
    ),
    "wiz.trigger": ("발송 조건", "Trigger"),
    "wiz.days": ("기준 기간", "Period"),
    "wiz.days_custom": ("직접 입력", "Custom"),
    "wiz.days_value": ("며칠 (1~365일)", "Days (1-365)"),
    "wiz.days_label": ("{days}일", "{days} days"),
    "wiz.products": ("특정 상품만 (비우면 모든 상품)", "Only these products (empty: any product)"),
    "wiz.categories": ("특정 카테고리만 (비우면 모든 카테고리)", "Only these categories (empty: any category)"),
    "wiz.no_catalog": (
        "이 쇼핑몰의 상품·카테고리를 아직 가져오지 않았습니다. 모든 상품 구매에 보냅니다 "
        "(동기화 후 특정 상품이나 카테고리를 고를 수 있습니다).",
        "No products or categories of this shop have been synced yet, so it goes out for any "
        "purchase (after a sync you can pick products or categories).",
    ),
    "wiz.pick": ("고르세요", "Choose"),
    "wiz.threshold": (
        "장바구니 방치 기준 (마지막 활동 후 몇 분)",
        "Cart counts as abandoned after (minutes since last activity)",
    ),
    "wiz.delay": (
        "조건을 만족한 뒤 몇 시간 뒤에 보낼까요? (0 = 바로)",
        "Send how many hours after the trigger? (0 = right away)",
    ),
    "wiz.subject": ("이메일 제목", "Subject"),
    "wiz.subject_help": (
        "메일머지 예: {{ member.name }}. 광고성 이메일은 제목 앞에 (광고)가 자동으로 붙습니다.",
        "Merge fields, e.g. {{ member.name }}. Advertising emails get (광고) before the subject.",
    ),
    "wiz.sender_name": ("발신자 이름", "Sender name"),
    "wiz.sender_email": ("발신자 이메일 주소", "Sender email address"),
    "wiz.preheader": ("미리보기 텍스트", "Preview text"),
    "wiz.preheader_help": (
        "받은편지함에서 제목 옆에 보이는 짧은 문구입니다.",
        "The short line shown beside the subject in the inbox.",
    ),
    "wiz.advertising": ("광고성 이메일입니다", "This is an advertising email"),
    "wiz.advertising_help": (
        "광고성 이메일은 광고 수신에 동의한 회원에게만 보내고, (광고) 표시와 발신자 정보, "
        "수신거부 링크가 자동으로 들어갑니다 (정보통신망법 제50조).",
        "Advertising emails go only to members who accepted advertising and carry (광고), the "
        "sender's details and an unsubscribe link (Korean law, Art. 50).",
    ),
    "wiz.template_from": ("템플릿", "Template"),
    "wiz.starter": ("기본 템플릿: {name}", "Starter: {name}"),
    "wiz.saved": ("저장된 템플릿: {name}", "Saved: {name}"),
    "wiz.html": ("HTML 본문", "HTML body"),
    "wiz.text": ("텍스트 본문 (비우면 HTML에서 만듭니다)", "Text body (empty: made from the HTML)"),
    "wiz.review": ("확인하고 시작하세요", "Check and start"),
    "wiz.review_line": ("**{label}**: {value}", "**{label}**: {value}"),
    "wiz.start": ("시작하기", "Start"),
    "wiz.save_draft": ("시작하지 않고 저장", "Save without starting"),
    "wiz.started": (
        "‘{name}’을(를) 시작했습니다. 이제 조건을 만족한 회원에게 자동으로 발송됩니다.",
        "‘{name}’ is running: members who meet the trigger now get it automatically.",
    ),
    "wiz.saved_draft": (
        "‘{name}’을(를) 저장했습니다 (작성 중). 목록에서 시작할 수 있습니다.",
        "Saved ‘{name}’ as a draft. Start it from the list.",
    ),
    "wiz.problem": ("확인하세요: {problem}", "Please check: {problem}"),
    "wiz.need_shop": ("주소록(쇼핑몰)을 고르세요", "choose an address book (shop)"),
    "wiz.need_name": ("자동 이메일 이름을 입력하세요", "enter a name"),
    # Templates page
    "tpl.title": ("템플릿", "Templates"),
    "tpl.subtitle": (
        "자동 이메일의 내용을 편집합니다. 저장할 때 이름이 없거나 아주 긴 회원, 주문이 없거나 상품이 많은 회원, "
        "이모지를 쓰는 회원 같은 여러 예시 회원으로 만들어 보고, 문제가 있으면 어느 회원의 몇 번째 줄인지 알려 드려요.",
        "Edit the content of automated emails. Saving renders it for several sample members (no name, a very "
        "long name, no orders, many items, emoji) and names the member and the line of any problem.",
    ),
    "tpl.choose": ("편집할 템플릿", "Template to edit"),
    "tpl.new_from": ("새 템플릿: {trigger} 기본 템플릿에서 시작", "New template from the {trigger} starter"),
    "tpl.name": ("템플릿 이름", "Template name"),
    "tpl.trigger": ("쓰일 발송 조건", "Trigger it is for"),
    "tpl.subject": ("제목", "Subject"),
    "tpl.preheader": ("미리보기 텍스트", "Preview text"),
    "tpl.html": ("HTML 본문", "HTML body"),
    "tpl.text": ("텍스트 본문", "Text body"),
    "tpl.save": ("저장", "Save"),
    "tpl.saved": ("‘{name}’을(를) 저장했습니다.", "Saved ‘{name}’."),
    "tpl.not_saved": (
        "저장하지 않았습니다. {part} {line}번째 줄을 고쳐 주세요.",
        "Not saved. Fix {part}, line {line}.",
    ),
    "tpl.not_saved_part": ("저장하지 않았습니다. {part}을(를) 고쳐 주세요.", "Not saved. Fix the {part}."),
    "tpl.error_line": ("{line}번째 줄: `{source}`", "Line {line}: `{source}`"),
    "tpl.fields": ("메일머지 항목", "Merge fields"),
    "tpl.fields_help": (
        "본문에 {{{{ 항목 }}}}처럼 쓰면 회원마다 바뀝니다. 필터: {filters}",
        "Write {{{{ field }}}} to personalise per member. Filters: {filters}",
    ),
    "tpl.preview": ("미리보기", "Preview"),
    "tpl.preview_member": ("미리보기 회원", "Preview for"),
    "tpl.sample_member": ("예시 회원 (김하늘)", "Sample member (김하늘)"),
    "tpl.preview_advertising": ("광고성으로 미리보기", "Preview as advertising"),
    "tpl.preview_subject": ("**제목**: {subject}", "**Subject**: {subject}"),
    "tpl.preview_preheader": ("**미리보기 텍스트**: {preheader}", "**Preview text**: {preheader}"),
    "tpl.preview_uses_sample": (
        "이 회원에게 없는 항목은 예시로 채웠습니다: {parts}",
        "Filled from the sample where this member has none: {parts}",
    ),
    "tpl.preview_text": ("텍스트 본문 보기", "Show the text body"),
    "tpl.preview_failed": ("미리보기를 만들 수 없습니다: {problem}", "No preview: {problem}"),
    "tpl.no_shop": ("먼저 ‘연동 관리’에서 쇼핑몰을 연결하세요.", "Connect a shop under ‘Integrations’ first."),
    "tpl.used_by": (
        "이 템플릿을 쓰는 자동 이메일: {names}. 저장하면 다음 발송부터 바뀐 내용이 나갑니다 "
        "(제목과 미리보기 텍스트는 각 자동 이메일의 발송 정보가 쓰입니다).",
        "Used by: {names}. Saved changes go out from the next send (the subject and preview "
        "text come from each automated email's send info).",
    ),
    # Activity page
    "activity.title": ("발송 내역", "Activity"),
    "activity.subtitle": (
        "자동 이메일이 보냈거나 보낼 메시지와 그 결과입니다.",
        "Messages the automated emails sent or will send, and what became of them.",
    ),
    "activity.state": ("상태", "State"),
    "activity.reason": ("이유", "Reason"),
    "activity.automation": ("자동 이메일", "Automated email"),
    "activity.all": ("전체", "All"),
    "activity.option": ("{label} ({n})", "{label} ({n})"),
    "activity.none": ("조건에 맞는 메시지가 없습니다.", "No messages match."),
    "activity.shown": ("{n}건 표시 (최근 변경 순)", "{n} shown (latest change first)"),
    "activity.retry_title": ("실패한 메시지 다시 보내기", "Retry failed messages"),
    "activity.retry_help": (
        "실패했거나 발송을 포기한 메시지를 다시 ‘발송 대기’로 돌립니다. 스케줄러가 곧 다시 보냅니다.",
        "Puts failed or given-up messages back to waiting; the scheduler sends them shortly.",
    ),
    "activity.retry_pick": ("다시 보낼 메시지", "Messages to retry"),
    "activity.retry": ("다시 보내기", "Retry"),
    "activity.retried": ("{n}건을 다시 보내도록 했습니다.", "{n} will be sent again."),
    "activity.unknown_title": ("확인이 필요한 메시지", "Messages to check"),
    "activity.unknown_help": (
        "발송 도중 스케줄러가 멈춰서 고객에게 갔는지 알 수 없는 메시지입니다. 같은 메일이 두 번 "
        "가지 않도록 자동으로 다시 보내지 않습니다. 메일 서버 기록을 확인하고 결과를 표시하세요.",
        "The scheduler stopped while sending these, so whether they reached the customer is "
        "unknown. They are never re-sent automatically, so nobody gets one twice. Check the mail "
        "server's log and mark what happened.",
    ),
    "activity.unknown_line": ("**{recipient}** · {automation} · {when}", "**{recipient}** · {automation} · {when}"),
    "activity.mark_sent": ("보냈음으로 표시", "Mark as sent"),
    "activity.mark_not_sent": ("보내지 않음으로 표시", "Mark as not sent"),
    "activity.resolved_sent": ("보낸 것으로 표시했습니다.", "Marked as sent."),
    "activity.resolved_not_sent": (
        "보내지 않은 것으로 표시했습니다. 이 메시지는 다시 보내지 않습니다.",
        "Marked as not sent. It will not be sent again.",
    ),
    "activity.counts": ("상태별", "By state"),
    # Outbox states
    "state.pending": ("발송 대기", "Waiting"),
    "state.sending": ("발송 중", "Sending"),
    "state.sent": ("발송 완료", "Sent"),
    "state.failed": ("실패 (다시 시도 예정)", "Failed (will retry)"),
    "state.dead": ("발송 포기", "Given up"),
    "state.skipped": ("건너뜀", "Skipped"),
    "state.cancelled": ("취소됨", "Cancelled"),
    "state.unknown": ("확인 필요", "To check"),
    # Why a message was skipped, cancelled, held or failed
    "reason.no_email": ("이메일 주소 없음", "no email address"),
    "reason.unsubscribed": ("수신거부한 회원", "unsubscribed"),
    "reason.no_consent": ("광고 수신 미동의", "no advertising consent"),
    "reason.too_late": ("발송 시한 지남 (스케줄러 중단)", "too late (scheduler was down)"),
    "reason.automation_not_running": ("자동 이메일이 실행 중이 아님", "automation not running"),
    "reason.frequency_cap": ("발송 빈도 제한", "frequency cap"),
    "reason.night_hold": ("야간 발송 보류 (오전 8시까지)", "held for the night (until 08:00)"),
    "reason.member_ordered": ("회원이 이미 주문함", "member already ordered"),
    "reason.cart_recovered": ("장바구니 주문 완료", "cart was ordered"),
    "reason.order_cancelled": ("주문 취소·반품", "order cancelled or returned"),
    "reason.crashed_during_send": ("발송 중 중단 (결과 불명)", "stopped while sending (fate unknown)"),
    "reason.refused_before_crash": ("메일 서버가 거절함 (중단 전)", "refused by the mail server (before a stop)"),
    "reason.no_sender_settings": ("발신 설정(SMTP) 없음", "no sender (SMTP) settings"),
    "reason.no_template": ("템플릿 없음", "no template"),
    "reason.render_failed": ("템플릿 오류", "template error"),
    "reason.refused": ("메일 서버가 거절함", "refused by the mail server"),
    "reason.temporary_failure": ("일시적 오류", "temporary failure"),
    "reason.resolved_sent": ("운영자 확인: 보냄", "checked by operator: sent"),
    "reason.resolved_not_sent": ("운영자 확인: 보내지 않음", "checked by operator: not sent"),
    "reason.none": ("(이유 없음)", "(no reason)"),
}
