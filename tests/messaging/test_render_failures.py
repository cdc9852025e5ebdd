"""A template one member's data poisons can never hold up sending.

61 members are due for a welcome e-mail whose template saves fine (its failing branch is under
`{% if member.name == 'boom' %}`, which no save-time sample reaches); one member is named 'boom'. On the
FIRST dispatch run (`python -m core scheduler --once --now`, a real process) the 60 others arrive at a
real loopback SMTP server, boom's message is `dead` with `render_failed` and its error kept keyed, and
nothing is left pending or sending in any lane (61 messages go over three connections side by side).
The Activity page words the failure in Korean and in English.
"""
from __future__ import annotations

import resource
import time

import pytest
from streamlit.testing.v1 import AppTest

from core import clock
from core.automations import manage
from core.automations.evaluate import evaluate_all
from core.console import activity as outbox_views
from core.messaging.email import MESSAGES_PER_CONNECTION, SMTP_CONNECTIONS
from core.messaging.render_limits import PART_LIMITS
from core.messaging.templates import SAMPLE_SENDER, render_email, sample_context, starter_template
from tests.conftest import ROOT
from tests.support import automation_world as w
from tests.support.apptest_support import rendered_text
from tests.support.automation_world import at

pytestmark = pytest.mark.timeout(180)

MEMBERS = 61
NOW = at(1, 11)
BOOM = "m030"

# Each poison sits on line 2 of the HTML body, under a branch only boom's name reaches.
POISONS = {
    "recursion": ("{% macro deeper(n) %}{{ deeper(n + 1) }}{% endmacro %}\n"
                  "{% if member.name == 'boom' %}{{ deeper(0) }}{% endif %}\n",
                  "messaging.template.depth_limit"),
    "huge_string": ("{# a gigabyte of x #}\n{% if member.name == 'boom' %}{{ 'x' * 10**9 }}{% endif %}\n",
                    "messaging.template.size_limit"),
    "filter_raises": ("{# sort cannot compare a name with a number #}\n"
                      "{% if member.name == 'boom' %}{{ [member.name, 1]|sort|first }}{% endif %}\n",
                      "messaging.template.failed"),
}


def _poisoned_world(store, fixed_clock, poison: str) -> tuple[str, w.Recorder, object]:
    recorder = w.Recorder()
    controller = w.smtp_server(recorder)
    fixed_clock.set(at(1, 9))
    w.seed_shop(store)
    w.configure_sender(store, w.smtp_port(controller))
    starter = starter_template("signup")
    # It saves: every sample member renders (none is named 'boom').
    template_id = manage.save_template(store, shop_id=w.SHOP, name="독이 든 환영 메일", trigger="signup",
                                       subject=starter["subject"], preheader=starter["preheader"],
                                       html=POISONS[poison][0] + starter["html"], text=starter["text"],
                                       now=clock.now())
    aid = manage.create_automation(store, shop_id=w.SHOP, name="환영 메일", trigger="signup",
                                   subject=starter["subject"], sender_name="하루상점",
                                   sender_email="hello@haru-shop.example", template_id=template_id,
                                   is_advertising=False, start=True, now=clock.now())
    w.write(store, members=[w.member(f"m{i:03d}", at(1, 10), name="boom" if f"m{i:03d}" == BOOM else None)
                            for i in range(MEMBERS)])
    fixed_clock.set(NOW)
    assert evaluate_all(store, clock.now())["planned"] == MEMBERS
    return aid, recorder, controller


@pytest.mark.slow
@pytest.mark.parametrize("poison", list(POISONS))
def test_one_poisoned_message_is_dead_and_the_other_sixty_are_sent_on_the_first_run(
        store, store_path, fixed_clock, poison) -> None:
    assert min(SMTP_CONNECTIONS, MEMBERS // MESSAGES_PER_CONNECTION) > 1  # the batch goes over several lanes
    aid, recorder, controller = _poisoned_world(store, fixed_clock, poison)
    try:
        started = time.monotonic()
        returncode, stderr, peak_kib = _scheduler_once(store_path)
        elapsed = time.monotonic() - started
        assert returncode == 0, stderr[-2000:]
    finally:
        controller.stop()

    rows = {r["member_key"]: r for r in w.outbox(store, aid)}
    assert {k: r["state"] for k, r in rows.items() if k != BOOM} == {
        f"m{i:03d}": "sent" for i in range(MEMBERS) if f"m{i:03d}" != BOOM}
    dead = rows[BOOM]
    assert (dead["state"], dead["reason"], dead["error_key"]) == ("dead", "render_failed", POISONS[poison][1])
    assert dead["attempts"] == 1  # on the first run, never retried
    arrived = sorted(to for _, rcpts in recorder.envelopes for to in rcpts)
    assert arrived == sorted(f"m{i:03d}@example.com" for i in range(MEMBERS) if f"m{i:03d}" != BOOM)
    # Nothing stuck: a second run finds nothing due and sends nothing more.
    assert w.cli_once(store_path, NOW, timeout=120).returncode == 0
    assert len(recorder.envelopes) == MEMBERS - 1
    assert {r["state"] for r in w.outbox(store, aid)} == {"sent", "dead"}
    # The whole run (a fresh interpreter, evaluation, 61 renders, SMTP) ended well within the run's budget,
    # and the gigabyte string was never built: the child's peak memory stayed small.
    assert elapsed < 60
    assert peak_kib < 600 * 1024, peak_kib  # KiB: the scheduler process never came near a gigabyte

    i18n_rows = {lang: _activity_error(store, lang) for lang in ("ko", "en")}
    assert "HTML 본문" in i18n_rows["ko"] and "번째 줄" in i18n_rows["ko"]
    assert "HTML body, line" in i18n_rows["en"]


# Runs the scheduler's command line and, as it exits, prints the process's own high-water mark. VmHWM belongs
# to the address space exec made, unlike wait4's ru_maxrss, which Linux carries over from the parent at fork
# (a pytest process grown over a full run would be reported as the child's peak).
_PEAK_WRAPPER = """
import atexit, re, runpy, sys
def _peak():
    with open("/proc/self/status") as f:
        print("VmHWM_KIB", re.search(r"VmHWM:\\s+(\\d+)", f.read()).group(1), file=sys.stderr)
atexit.register(_peak)
sys.argv = ["core"] + sys.argv[1:]
runpy.run_module("core", run_name="__main__")
"""


def _scheduler_once(store_path) -> tuple[int, str, int]:
    """`python -m core scheduler --once --now NOW` in a child process: (exit code, stderr, its own peak
    resident memory in KiB)."""
    import re
    import subprocess
    import sys

    from tests.conftest import python_env
    child = subprocess.run([sys.executable, "-c", _PEAK_WRAPPER, "scheduler", "--once", "--now", NOW.isoformat()],
                           env=python_env(store_path), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, check=False)
    stderr = child.stderr.decode("utf-8", "replace")
    peak = re.search(r"VmHWM_KIB (\d+)", stderr)
    assert peak, stderr[-2000:]
    return child.returncode, stderr, int(peak.group(1))


def _activity_error(store, lang: str) -> str:
    from core import i18n
    i18n.set_language(lang)
    try:
        [row] = outbox_views.activity(store, w.SHOP, state="dead")
    finally:
        i18n.set_language("ko")
    return row["error"]


def test_the_huge_string_ends_within_the_time_limit_without_allocating_it() -> None:
    context = {**sample_context("signup"), "member": {"name": "boom", "email": "b@example.com", "member_key": "b"}}
    template = {"subject": "안녕하세요", "html": POISONS["huge_string"][0]}
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    started = time.monotonic()
    with pytest.raises(Exception) as caught:
        render_email(template, context, advertising=False, sender=SAMPLE_SENDER)
    assert time.monotonic() - started < PART_LIMITS["html"].seconds
    assert resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before < 100 * 1024  # KiB: not a gigabyte
    assert caught.value.key == "messaging.template.size_limit"  # type: ignore[attr-defined]
    assert (caught.value.part, caught.value.line) == ("html", 2)  # type: ignore[attr-defined]


@pytest.mark.slow
def test_the_activity_page_words_the_render_failure_in_korean_and_english(store, store_path, fixed_clock) -> None:
    aid, _, controller = _poisoned_world(store, fixed_clock, "filter_raises")
    try:
        assert w.cli_once(store_path, NOW, timeout=120).returncode == 0
    finally:
        controller.stop()
    page = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60).run()
    page.switch_page("pages/activity.py").run()
    assert not page.exception, page.exception
    # Its own box, above the table, says which member, which automation and what went wrong.
    [failed] = page.error
    assert failed.value.startswith(f"**{BOOM}@example.com** · 환영 메일 · ")
    assert "HTML 본문 2번째 줄: TypeError: '<' not supported" in failed.value
    assert "템플릿 오류로 보내지 못한 메시지" in rendered_text(page)
    page.selectbox(key="activity_state").set_value("dead").run()
    table = page.dataframe[-1].value
    assert list(table["이유"]) == ["템플릿 오류"]
    [words] = list(table["마지막 오류"])
    assert words.startswith("HTML 본문 2번째 줄: TypeError")

    page.sidebar.radio(key="language_switch").set_value("en").run()
    assert not page.exception, page.exception
    [failed] = page.error
    assert "HTML body, line 2: TypeError: '<' not supported" in failed.value
    assert "Messages a template error stopped" in rendered_text(page)
    table = page.dataframe[-1].value
    [words] = list(table["Last error"])
    assert words.startswith("HTML body, line 2: TypeError")
    assert list(table["Reason"]) == ["template error"]


def test_an_alimtalk_notice_that_cannot_be_made_is_dead_and_the_rest_of_its_lane_goes(store, store_path,
                                                                                        fixed_clock) -> None:
    """Alimtalk's variables are frozen when planned (the provider fills its own template), so its prepare
    renders nothing; a row whose frozen variables are broken still ends alone, through the same loop."""
    import threading

    from core.loyalty import jobs, notify
    from core.messaging import dispatch as loop
    from tests.support import loyalty_world as lw

    lw.seed(store)
    fixed_clock.set(lw.at(5))
    lw.configure(store, stamps={}, alimtalk={})
    for key, member in (("o1", "m1"), ("o2", "m3"), ("o3", "m1")):
        lw.order(store, key, member, ["p-tee"], delivered_at=lw.at(10, 10))
    fixed_clock.set(lw.at(10, 11))
    jobs.issue_all(store, clock.now())
    notices = lw.rows(store, "SELECT message_id, occurrence_key FROM outbox ORDER BY occurrence_key")
    assert len(notices) == 3
    broken = notices[1]["message_id"]
    with store.unit() as con:  # variables that are not a mapping: building the request raises TypeError
        con.execute("UPDATE outbox SET context = json_object('template_code', 'VC_STAMP', 'params', [1, 2]) "
                    "WHERE message_id = ?", [broken])
    loop.dispatch(store.unit, notify.channel(store), now=clock.now(), stop=threading.Event())
    states = {r["message_id"]: (r["state"], r["reason"]) for r in lw.rows(store, "SELECT * FROM outbox")}
    assert states.pop(broken) == ("dead", "render_failed")
    assert set(states.values()) == {("sent", None)}
    assert len(lw.sandbox_lines(store_path)) == 2
