"""Words of managing automations: editing, duplicating and deleting (보관함), the queue (발송 대기),
the honest preview (who receives it and who is skipped, and why), advertising or information, test sends."""
from __future__ import annotations

WORDS: dict[str, tuple[str, str | dict[str, str]]] = {
    "auto.status.archived": ("보관됨", "Archived"),
    "reason.operator_removed": ("운영자가 대기에서 뺌", "removed from the queue by the operator"),
    "reason.unknown_consent": ("광고 수신 동의 여부 알 수 없음", "advertising consent unknown"),
    # The card
    "manage.audience": ("받는 사람: {group}", "Recipients: {group}"),
    "manage.audience_all": ("주소록 전체", "the whole address book"),
    "manage.audience_missing": ("삭제된 그룹 (아무에게도 보내지 않아요)", "a deleted group (sends to nobody)"),
    "manage.audience_rule": ("조건으로 고른 회원", "members chosen by a rule"),
    "manage.edit": ("수정", "Edit"),
    "manage.duplicate": ("복제", "Duplicate"),
    "manage.duplicated": ("‘{name}’을(를) 복제했어요. 사본은 작성 중 상태예요.",
                          "Duplicated '{name}'. The copy is a draft."),
    "manage.copy_name": ("{name} (사본)", "{name} (copy)"),
    "manage.delete": ("삭제", "Delete"),
    "manage.delete_confirm": (
        "‘{name}’을(를) 보관함으로 옮길까요? 더는 발송하지 않고, 발송 대기 중인 메일도 보내지 않아요. "
        "지금까지의 발송 내역과 성과는 보관함에서 계속 볼 수 있어요.",
        "Move '{name}' to the archive? It stops sending, queued emails included. Its history and results stay "
        "readable in the archive."),
    "manage.delete_yes": ("보관함으로 옮기기", "Move to the archive"),
    "manage.archived": ("‘{name}’을(를) 보관함으로 옮겼어요.", "Moved '{name}' to the archive."),
    "manage.restore": ("되살리기", "Restore"),
    "manage.restored": ("‘{name}’을(를) 되살렸어요. 일시 중지 상태라서 다시 시작해야 발송해요.",
                        "Restored '{name}'. It is paused: resume it to send again."),
    "manage.view.archive": ("보관함", "Archive"),
    "manage.view.edit": ("자동 이메일 수정", "Edit automated email"),
    "manage.archive_note": ("삭제한 자동 이메일이에요. 발송하지 않지만 발송 내역과 성과는 남아 있어요.",
                            "Deleted automated emails. They never send, but their history and results remain."),
    "manage.archive_empty": ("보관함이 비어 있어요.", "The archive is empty."),
    "manage.period": ("성과 기간", "Results over"),
    "manage.period_days": ("최근 {days}일", "Last {days} days"),
    "manage.f.sent": ("{days}일 발송", "Sent ({days}d)"),
    "manage.f.opened": ("{days}일 열람", "Opened ({days}d)"),
    "manage.f.clicked": ("{days}일 클릭", "Clicked ({days}d)"),
    "manage.f.orders": ("{days}일 주문", "Orders ({days}d)"),
    "manage.f.revenue": ("{days}일 매출", "Revenue ({days}d)"),
    "manage.lifetime": ("시작한 뒤 전체", "Since it started"),
    "manage.chart.sent": ("발송", "Sent"),
    "manage.chart.opened": ("열람", "Opened"),
    "manage.chart.none": ("최근 {days}일 동안 보낸 메일이 없어요.", "Nothing sent in the last {days} days."),
    # The queue (발송 대기)
    "manage.queue_title": ("발송 대기 {n}건", "Waiting to send: {n}"),
    "manage.queue_empty": ("발송 대기 중인 메일이 없어요.", "Nothing is waiting to be sent."),
    "manage.col.who": ("받는 사람", "Recipient"),
    "manage.col.due": ("발송 예정", "Due"),
    "manage.col.why": ("대기 이유", "Queued because"),
    "manage.col.state": ("상태", "State"),
    "manage.queue_state.retry": ("다시 시도 대기", "Waiting to retry"),
    "manage.why.purchased": ("주문 {occurrence} 결제", "order {occurrence} paid"),
    "manage.why.no_first_purchase": ("가입 후 첫 구매 없음", "no first purchase since signup"),
    "manage.why.no_repurchase": ("주문 {occurrence} 이후 재구매 없음", "no repurchase since order {occurrence}"),
    "manage.why.signup": ("회원 가입", "signed up"),
    "manage.why.cart_abandoned": ("장바구니 {occurrence} 방치", "cart {occurrence} abandoned"),
    "manage.why.delivered": ("주문 {occurrence} 배송 완료", "order {occurrence} delivered"),
    "manage.why.cart_notice": ("장바구니 {occurrence} 방치 알림", "cart {occurrence} abandoned (notice)"),
    "manage.why.cart_digest": ("{occurrence} 방치 카트 요약", "abandoned carts of {occurrence}"),
    "manage.queue_pick": ("고른 메일", "Chosen emails"),
    "manage.queue_pick_first": ("먼저 메일을 골라 주세요.", "Choose emails first."),
    "manage.queue_send_now": ("지금 보내기", "Send now"),
    "manage.queue_send_now_help": (
        "다음 발송 때 바로 보내요. 수신 동의와 발송 빈도 제한은 평소처럼 확인해요.",
        "Sent at the next dispatch. Consent and the frequency cap are checked as always."),
    "manage.queue_remove": ("대기에서 빼기", "Remove"),
    "manage.queue_remove_help": ("보내지 않아요. 발송 내역에 ‘운영자가 대기에서 뺌’으로 남아요.",
                                 "Not sent. The Activity page shows it as removed by the operator."),
    "manage.queue_sent_now": ("‘{name}’의 메일 {n}건을 다음 발송 때 바로 보내요.",
                              "{n} email(s) of '{name}' go out at the next dispatch."),
    "manage.queue_removed": ("‘{name}’의 메일 {n}건을 대기에서 뺐어요.", "Removed {n} email(s) of '{name}' from the queue."),
    "manage.queue_kept": ("수정하기 전에 대기에 들어간 메일은 그때의 내용으로 나가요.",
                          "Emails queued before the last edit go out with the content they had then."),
    # Test send
    "manage.test_to": ("테스트 받을 이메일", "Send a test to"),
    "manage.test_member": ("누구의 정보로", "With whose data"),
    "manage.test_sample": ("예시 회원", "A sample member"),
    "manage.test_send": ("테스트 발송", "Send test"),
    "manage.test_sent": ("{to}(으)로 테스트 메일을 보냈어요: {subject}", "Test email sent to {to}: {subject}"),
    "manage.test_failed": ("테스트 메일을 보내지 못했어요: {problem}", "Could not send the test email: {problem}"),
    # The honest preview
    "manage.preview.help": (
        "스케줄러와 똑같은 규칙(수신 동의, 수신거부, 이메일 주소, 발송 빈도 제한, 발송 시한)으로 미리 따져 봐요. "
        "아직 일어나지 않은 주문·가입은 알 수 없어서, 지금 대기 중인 메일과 시간이 지나면 조건이 되는 회원만 셀 수 있어요.",
        "Judged ahead with the scheduler's own rules (consent, unsubscribes, e-mail address, frequency cap, "
        "lateness). Orders and signups still to come cannot be known: it counts what is queued and who meets "
        "the condition as time passes."),
    "manage.preview.skipped": ("건너뛸 회원", "Skipped"),
    "manage.preview.no_skips": ("건너뛸 회원이 없어요.", "Nobody will be skipped."),
    "manage.preview.reason": ("{reason} {n}명", "{reason}: {n}"),
    "manage.review_preview": ("앞으로 24시간 동안 받을 회원과 건너뛸 회원", "Who receives it and who is skipped in the next 24 hours"),
    # Advertising or information
    "manage.kind": ("메일 종류", "Kind of email"),
    "manage.kind.ad": ("광고성", "Advertising"),
    "manage.kind.info": ("정보성", "Information"),
    "manage.kind_effect.ad": (
        "광고 수신에 동의한 회원에게만 보내고, 제목 앞에 (광고)와 수신거부 링크가 붙어요.",
        "Only members who consented to advertising receive it; the subject starts with (광고) and it carries an "
        "unsubscribe link."),
    "manage.kind_effect.info": (
        "주문·가입처럼 회원의 거래에 관한 안내라서 광고 수신 동의 없이도 보내요. 혜택이나 할인을 넣으면 광고성이에요.",
        "About the member's own dealings (orders, signup), so it goes out without advertising consent. Add an "
        "offer or a discount and it becomes advertising."),
    # Editing
    "manage.rerender": ("발송 대기 중인 {n}건도 새 내용으로 보내기", "Also send the {n} queued email(s) with the new content"),
    "manage.rerender_help": (
        "고르지 않으면 이미 대기 중인 메일은 수정 전 내용과 발송 시각 그대로 나가요.",
        "Left unticked, emails already queued go out with the content and time they had before the edit."),
    "manage.review_edit": ("확인하고 저장하세요", "Check and save"),
    "manage.save_edit": ("수정 내용 저장", "Save changes"),
    "manage.saved_edit": ("‘{name}’의 수정 내용을 저장했어요.", "Saved the changes to '{name}'."),
    "manage.saved_kept": ("발송 대기 중인 {n}건은 이전 내용으로 나가요.", "{n} queued email(s) keep the previous content."),
    "manage.saved_rerendered": ("발송 대기 중인 {n}건도 새 내용으로 나가요.", "{n} queued email(s) take the new content."),
}
