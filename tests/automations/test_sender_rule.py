"""No automation starts without a sender to send from, and the shop's sender travels as `[[sender]]` in config
as code (never its password)."""
from __future__ import annotations

import tomllib

import pytest

from core import clock
from core.automations import config_io, manage
from core.console import errors
from core.shops import secrets
from core.store import Store
from tests.automations.test_config_code import cli
from tests.support import automation_world as w
from tests.support.automation_world import at

pytestmark = pytest.mark.timeout(120)


def _refused_for_want_of_a_sender(call) -> manage.AutomationError:
    with pytest.raises(manage.AutomationError) as refused:
        call()
    assert refused.value.key == "automations.no_sender"
    return refused.value


def test_starting_or_resuming_without_a_sender_is_refused_in_words(store: Store, fixed_clock) -> None:
    fixed_clock.set(at(1, 9))
    w.seed_shop(store)
    draft = w.automation(store, "signup", start=False)  # a draft needs no sender
    refused = _refused_for_want_of_a_sender(lambda: manage.start_automation(store, draft, now=clock.now()))
    assert errors.describe(refused, "ko") == ("발신 설정(메일 서버)이 없어서 시작할 수 없어요. "
                                              "발신 설정에서 먼저 저장해 주세요.")
    assert errors.describe(refused, "en") == ("It cannot start without sender settings (a mail server). "
                                              "Save them in Sender settings first.")
    t = w.starter_template("signup")
    _refused_for_want_of_a_sender(lambda: manage.create_automation(
        store, shop_id=w.SHOP, name="x", trigger="signup", subject=t["subject"], sender_name=None, sender_email=None,
        template_id=manage.get_automation(store, draft)["template_id"], start=True, now=clock.now()))
    assert [r["status"] for r in manage.list_automations(store).to_dicts()] == ["draft"]

    # a sender without an SMTP server is no working sender either
    manage.save_sender_settings(store, w.SHOP, sender_name="하루상점", sender_email="hello@haru-shop.example",
                                sender_contact="02-1234-5678", now=clock.now())
    _refused_for_want_of_a_sender(lambda: manage.start_automation(store, draft, now=clock.now()))

    w.configure_sender(store, 2525)
    manage.start_automation(store, draft, now=clock.now())
    manage.pause_automation(store, draft, now=clock.now())
    with store.unit() as con:  # the sender's server removed while it was paused
        con.execute("UPDATE sender_settings SET smtp_host = NULL")
    _refused_for_want_of_a_sender(lambda: manage.resume_automation(store, draft, now=clock.now()))
    assert manage.get_automation(store, draft)["status"] == "paused"


def test_applying_a_config_that_starts_an_automation_needs_a_sender(store: Store, fixed_clock) -> None:
    fixed_clock.set(at(1, 9))
    w.seed_shop(store)
    t = w.starter_template("signup")
    template_id = manage.save_template(store, shop_id=w.SHOP, name="t", trigger="signup", subject=t["subject"],
                                       html=t["html"], text=t["text"], now=clock.now())
    automation = (f'[[automation]]\nautomation_id = "a-1"\nshop_id = "{w.SHOP}"\nname = "환영"\ntrigger = "signup"\n'
                  f'subject = "안녕하세요"\ntemplate_id = "{template_id}"\nstatus = "running"\n')
    with pytest.raises(config_io.ConfigError) as refused:
        config_io.apply_config(store, automation, now=clock.now())
    assert "no sender settings with an SMTP server" in refused.value.problems[0]
    sender = (f'[[sender]]\nshop_id = "{w.SHOP}"\nsender_name = "하루상점"\nsender_email = "hello@haru-shop.example"\n'
              'sender_contact = "02-1234-5678"\nsmtp_host = "127.0.0.1"\n')
    report = config_io.apply_config(store, sender + automation, now=clock.now())
    assert report.created["automation"] == ["a-1"]
    assert manage.get_automation(store, "a-1")["status"] == "running"


def test_sender_blocks_round_trip_through_export_and_apply_without_the_password(store, store_path, tmp_path,
                                                                                fixed_clock) -> None:
    fixed_clock.set(at(1, 9))
    w.seed_shop(store)
    manage.save_sender_settings(store, w.SHOP, sender_name="하루상점", sender_email="hello@haru-shop.example",
                                sender_contact="02-1234-5678", postal_address="서울특별시 마포구 월드컵북로 12",
                                reply_to="help@haru-shop.example", smtp_host="smtp.haru-shop.example",
                                smtp_security="tls", smtp_username="mailer", smtp_password="s3cret-9821",
                                now=clock.now())
    assert secrets.get(w.SHOP)["smtp_password"] == "s3cret-9821"
    exported = cli(store_path, "export")
    assert exported.returncode == 0, exported.stderr
    assert "s3cret-9821" not in exported.stdout and "password" not in exported.stdout.split("\n\n", 1)[1]
    [block] = tomllib.loads(exported.stdout)["sender"]
    assert block == {"shop_id": w.SHOP, "sender_name": "하루상점", "sender_email": "hello@haru-shop.example",
                     "sender_contact": "02-1234-5678", "smtp_host": "smtp.haru-shop.example", "smtp_port": 465,
                     "smtp_security": "tls", "smtp_username": "mailer", "frequency_cap_enabled": True,
                     "frequency_cap_hours": 24, "reply_to": "help@haru-shop.example",
                     "postal_address": "서울특별시 마포구 월드컵북로 12"}

    other = tmp_path / "other" / "console.duckdb"
    other.parent.mkdir()
    fresh = Store(other, role="test")
    fresh.migrate()
    w.seed_shop(fresh)
    (tmp_path / "crm.toml").write_text(exported.stdout, encoding="utf-8")
    applied = cli(other, "apply", str(tmp_path / "crm.toml"))
    assert applied.returncode == 0, applied.stderr
    assert "sender: 1 created" in applied.stdout
    assert config_io.dumps(config_io.export_config(fresh)) == exported.stdout
    again = cli(other, "apply", str(tmp_path / "crm.toml"))
    assert "sender: 0 created, 0 updated, 1 unchanged" in again.stdout


def test_a_scheduled_send_comes_from_the_shops_sender_with_its_reply_to_and_footer(store, fixed_clock) -> None:
    recorder = w.Recorder()
    smtp = w.smtp_server(recorder)
    try:
        fixed_clock.set(at(1, 9))
        w.seed_shop(store)
        w.configure_sender(store, w.smtp_port(smtp), postal_address="서울특별시 마포구 월드컵북로 34 2층",
                           reply_to="help@haru-shop.example")
        t = w.starter_template("signup")
        template_id = manage.save_template(store, shop_id=w.SHOP, name="t", trigger="signup", subject=t["subject"],
                                           html=t["html"], text=t["text"], now=clock.now())
        aid = manage.create_automation(store, shop_id=w.SHOP, name="환영", trigger="signup", subject=t["subject"],
                                       sender_name="", sender_email="", template_id=template_id, start=True,
                                       now=clock.now())
        assert manage.get_automation(store, aid)["sender_email"] is None  # follows the shop's sender
        w.write(store, members=[w.member("m1", at(1, 9, 30), name="김민지")])
        w.tick(store, fixed_clock, at(1, 9, 40))
        [message] = recorder.messages
    finally:
        smtp.stop()
    assert message["From"].addresses[0].addr_spec == "hello@haru-shop.example"
    assert message["Reply-To"] == "help@haru-shop.example" and message["X-Console-Test"] is None
    footer = "02-1234-5678 · 서울특별시 마포구 월드컵북로 34 2층"  # the contact, then the postal address
    assert footer in message.get_body(("html",)).get_content()
    assert footer in message.get_body(("plain",)).get_content()
