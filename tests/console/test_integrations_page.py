"""The Integrations page for every platform, under Streamlit's AppTest, against a real store file and the
platforms' fake servers on loopback (tests/support/fakes): connecting, testing, wrong secrets, sync errors in words,
the schedule and interval, CSV cards, and Godomall's daily import quota."""
from __future__ import annotations

import datetime as dt
import io
import json
import logging
import subprocess
import sys
from collections.abc import Iterator

import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from core.console import integrations as connections
from core.console import overview as ov
from core.shops import secrets
from core.shops.registry import save_shop
from core.store import Store
from tests.conftest import ROOT, python_env
from tests.support.apptest_support import rendered_text
from tests.support.fakes import godomall as gm_fake
from tests.support.fakes import naver as naver_fake
from tests.support.fakes import wix as wix_fake
from tests.support.fakes.cafe24 import start as start_sandbox

pytestmark = pytest.mark.timeout(120)

WRONG_NAVER_SECRET = "$2a$04$zyxwvutsrqponmlkjihgfu"  # the form Naver issues, but not the app's secret
WRONG_WIX_KEY = "IST.wrong-wix-api-key-that-is-long-enough-0000"
WRONG_USER_KEY = "d3JvbmctZ29kb21hbGwtdXNlci1rZXk="


# ---- helpers ---------------------------------------------------------------------------------------

def app() -> AppTest:
    return AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)


def page() -> AppTest:
    """The Integrations page on its own (fresh: results it caches for 10 s are dropped, as if 10 s had passed)."""
    st.cache_data.clear()
    at = AppTest.from_file(str(ROOT / "pages" / "integrations.py"), default_timeout=60).run()
    assert not at.exception, at.exception
    return at


def console_page() -> AppTest:
    """The Integrations page inside the console (app.py: navigation and the sidebar's shop selector)."""
    st.cache_data.clear()
    at = app().run()
    at.switch_page("pages/integrations.py").run()
    assert not at.exception, at.exception
    return at


def form_button(at: AppTest, form: str, label: str):
    [button] = [b for b in at.button if b.label == label and b.proto.form_id == form]
    return button


def fill(at: AppTest, **values: str) -> None:
    for key, value in values.items():
        at.text_input(key=key).input(value)


def texts(elements) -> list[str]:
    return [e.value for e in elements]


def metric(at: AppTest, label: str) -> list[str]:
    return [m.value for m in at.metric if m.label == label]


def subheaders(at: AppTest) -> list[str]:
    return [s.value for s in at.subheader]


@pytest.fixture
def godomall() -> Iterator[gm_fake.FakeGodomall]:
    with gm_fake.FakeGodomall(members=30, orders=12, products=8) as fake:
        yield fake


@pytest.fixture
def naver() -> Iterator[naver_fake.NaverFake]:
    with naver_fake.NaverFake(orders=6, members=4) as fake:
        yield fake


@pytest.fixture
def wix() -> Iterator[wix_fake.WixFake]:
    fake = wix_fake.WixFake(members=25, orders=6, carts=3, products=5, collections=2, rate_limit=False)
    fake.url = fake.start()
    yield fake
    fake.stop()


def connect_wix(store: Store, fake: wix_fake.WixFake, shop_id: str = "wix") -> None:
    """A Wix shop connected through the same core function the page calls (pacing off for speed)."""
    connections.connect_platform(store, "wix", shop_id, "위익스 스토어",
                                 {"api_key": wix_fake.API_KEY, "site_id": wix_fake.SITE_ID},
                                 base_url=fake.url, settings={"per_minute": 0, "max_retries": 0})


# ---- the plain functions the page calls -------------------------------------------------------------

def test_credentials_are_checked_with_the_problem_named():
    ok = connections.validate_credentials("naver", {"client_id": " app1 ", "client_secret": naver_fake.CLIENT_SECRET})
    assert ok == {"client_id": "app1", "client_secret": naver_fake.CLIENT_SECRET}
    for values, problem in [({"client_id": "app1", "client_secret": "not-a-salt"}, "shops.invalid_naver_secret"),
                            ({"client_id": "", "client_secret": naver_fake.CLIENT_SECRET},
                             "shops.invalid_naver_client_id")]:
        with pytest.raises(connections.InvalidInput) as caught:
            connections.validate_credentials("naver", values)
        assert caught.value.key == problem
    # A Wix site id may be pasted inside the dashboard's address.
    pasted = f"https://manage.wix.com/dashboard/{wix_fake.SITE_ID.upper()}/home"
    assert connections.validate_credentials("wix", {"api_key": wix_fake.API_KEY, "site_id": pasted})["site_id"] == \
        wix_fake.SITE_ID
    with pytest.raises(connections.InvalidInput) as caught:
        connections.validate_credentials("wix", {"api_key": wix_fake.API_KEY, "site_id": "my-site"})
    assert "8-4-4-4-12" in connections.error_words(caught.value, "ko")
    with pytest.raises(connections.InvalidInput) as caught:
        connections.validate_credentials("godomall", {"partner_key": "pk", "user_key": "with space"})
    assert caught.value.key == "shops.invalid_user_key"
    # An empty secret keeps the one saved; an identifier is never taken from the saved ones.
    kept = connections.validate_credentials("godomall", {"partner_key": "pk", "user_key": ""}, {"user_key": "uk"})
    assert kept == {"partner_key": "pk", "user_key": "uk"}


def test_schedule_words_and_interval_bounds(store, fixed_clock):
    now = fixed_clock.now()
    shop = {"platform": "wix", "enabled": True}
    assert connections.next_sync(shop, None, now) == ("due", None)
    later = now + dt.timedelta(minutes=12)
    assert connections.next_sync(shop, {"next_due_at": later}, now) == ("at", later)
    assert connections.next_sync({"platform": "csv"}, None, now) == ("manual", None)
    assert connections.next_sync({**shop, "enabled": False}, {"next_due_at": later}, now) == ("paused", None)
    assert connections.interval_words(90, "ko") == "90분마다" and connections.interval_words(120, "en") == "every 2 h"
    save_shop(store, "s1", "wix", "S1")
    for bad in (0, 4, 1441, "abc"):
        with pytest.raises(connections.InvalidInput):
            connections.set_sync_interval(store, "s1", bad)
    connections.set_sync_interval(store, "s1", 60)
    assert [s["sync_interval_minutes"] for s in ov.shops(store)] == [60]


# ---- the page -----------------------------------------------------------------------------------------

def test_each_platform_connects_from_its_form_and_gets_a_card(store, godomall, naver, wix, fixed_clock, caplog):
    caplog.set_level(logging.DEBUG)
    sandbox = start_sandbox(members=40, at=fixed_clock.now())
    try:
        at = console_page()
        # Cafe24: the sandbox mall, through the real OAuth flow.
        [url] = [ti for ti in at.text_input if ti.proto.form_id == "connect_sandbox" and ti.label == "샌드박스 주소"]
        url.input(sandbox.url)
        form_button(at, "connect_sandbox", "샌드박스 연결").click().run()
        assert not at.exception and not at.error, [e.value for e in at.error]
        assert subheaders(at) == ["샌드박스 쇼핑몰 · 샌드박스 (연습용)"]
        # Godomall, Naver, Wix: each form tests the credentials, then saves them.
        fill(at, godomall_shop_id="godo", godomall_name="고도 스토어", godomall_partner_key=gm_fake.PARTNER_KEY,
             godomall_user_key=gm_fake.USER_KEY, godomall_base_url=godomall.base_url)
        form_button(at, "connect_godomall", "연결하기").click().run()
        assert not at.exception, at.exception
        fill(at, naver_name="네이버 스토어", naver_client_id=naver_fake.CLIENT_ID,
             naver_client_secret=naver_fake.CLIENT_SECRET, naver_base_url=naver.url + "/external")
        form_button(at, "connect_naver", "연결하기").click().run()
        fill(at, wix_name="위익스 스토어", wix_api_key=wix_fake.API_KEY,
             wix_site_id=f"https://manage.wix.com/dashboard/{wix_fake.SITE_ID}/home", wix_base_url=wix.url)
        form_button(at, "connect_wix", "연결하기").click().run()
        assert not at.exception

        # (one fixed clock: every shop was connected at the same instant, so they are listed by id)
        assert subheaders(at) == ["고도 스토어 · Godomall", "네이버 스토어 · Naver Smartstore",
                                  "샌드박스 쇼핑몰 · 샌드박스 (연습용)", "위익스 스토어 · Wix"]
        assert at.sidebar.selectbox[0].value == "wix"  # the shop just connected is selected
        assert any("‘위익스 스토어’(Wix)을(를) 연결했습니다" in s for s in texts(at.success))
        assert [(s["shop_id"], s["platform"]) for s in ov.shops(store)] == [
            ("godo", "godomall"), ("naver", "naver"), ("sandbox", "cafe24"), ("wix", "wix")]
        # Secrets went to the secrets file only, and nothing staged for the tests was left behind.
        saved = secrets.load_all()
        assert sorted(saved) == ["godo", "naver", "sandbox", "wix"]
        assert saved["naver"]["client_secret"] == naver_fake.CLIENT_SECRET
        assert saved["wix"] == {"api_key": wix_fake.API_KEY}
        with store.unit() as con:
            stored = json.dumps(con.execute("SELECT * FROM shops").fetchall(), default=str)
        text = rendered_text(at)
        for secret in (naver_fake.CLIENT_SECRET, wix_fake.API_KEY, gm_fake.PARTNER_KEY, gm_fake.USER_KEY,
                       sandbox.client_secret):
            assert secret not in stored and secret not in text and secret not in caplog.text
        # Masked on the cards: identifiers shown, secrets as dots.
        assert any(naver_fake.CLIENT_ID in c and "••••••••" in c for c in texts(at.caption))
        assert any(wix_fake.SITE_ID in c for c in texts(at.caption))
        # The forms were emptied after connecting.
        assert at.session_state["naver_client_secret"] == "" and at.session_state["wix_api_key"] == ""

        # "Test connection" on the sandbox's card: the saved, authorized credentials work.
        at.button(key="test:sandbox").click().run()
        assert "연결에 성공했습니다." in texts(at.success)
    finally:
        sandbox.stop()


@pytest.mark.parametrize("platform, values, words", [
    ("naver", {"naver_client_id": naver_fake.CLIENT_ID, "naver_client_secret": WRONG_NAVER_SECRET},
     "네이버 커머스API가 애플리케이션 ID·시크릿을 거부했습니다"),
    ("wix", {"wix_api_key": WRONG_WIX_KEY, "wix_site_id": wix_fake.SITE_ID}, "Wix가 API 키를 거부했습니다"),
    ("godomall", {"godomall_partner_key": gm_fake.PARTNER_KEY, "godomall_user_key": WRONG_USER_KEY},
     "고도몰이 파트너 키 또는 사용자 키를 거부했습니다"),
])
def test_a_wrong_secret_is_refused_in_plain_words_and_never_shown(store, request, caplog, platform, values, words):
    fake = request.getfixturevalue(platform)
    caplog.set_level(logging.DEBUG)
    base = {"naver": lambda: fake.url + "/external", "wix": lambda: fake.url, "godomall": lambda: fake.base_url}
    base = {platform: base[platform]()}
    wrong = [v for k, v in values.items() if k.endswith(("secret", "api_key", "user_key"))][0]
    at = page()
    fill(at, **values, **{f"{platform}_base_url": base[platform]})
    form_button(at, f"connect_{platform}", "연결하기").click().run()
    assert not at.exception
    [error] = at.error
    assert error.value.startswith(f"**연결하지 못했습니다** — {words}")
    assert wrong not in rendered_text(at) and wrong not in caplog.text
    assert ov.shops(store) == [] and secrets.load_all() == {}  # nothing saved, nothing staged left
    assert at.session_state[f"{platform}_base_url"] == base[platform]  # what was typed is kept for the fix

    # Input that cannot be right is named before any call is made.
    broken = {"naver": {"naver_client_secret": "secret"}, "wix": {"wix_site_id": "mysite"},
              "godomall": {"godomall_partner_key": "two words"}}[platform]
    fill(at, **broken)
    form_button(at, f"connect_{platform}", "연결 테스트").click().run()
    [error] = at.error
    assert error.value.startswith("입력을 확인하세요: ")


def test_test_connection_on_a_form_and_on_a_card(store, wix):
    at = page()
    fill(at, wix_api_key=wix_fake.API_KEY, wix_site_id=wix_fake.SITE_ID, wix_base_url=wix.url)
    form_button(at, "connect_wix", "연결 테스트").click().run()
    assert "연결에 성공했습니다." in texts(at.success)
    assert ov.shops(store) == [] and secrets.load_all() == {}  # a test saves nothing

    connect_wix(store, wix)
    at = page()
    at.button(key="test:wix").click().run()
    assert "연결에 성공했습니다." in texts(at.success)
    wix.api_key = "a-key-the-owner-made-since"  # the saved key was regenerated in Wix
    at.button(key="test:wix").click().run()
    [error] = at.error
    assert error.value.startswith("**연결하지 못했습니다** — Wix가 API 키를 거부했습니다")
    assert wix_fake.API_KEY not in rendered_text(at)


def test_a_failed_sync_is_explained_and_sync_now_recovers(store, wix, fixed_clock):
    connect_wix(store, wix)
    wix.fault("garbage", times=1)  # the first answer of the next sync is an HTML page
    at = page()
    assert metric(at, "다음 동기화") == ["곧"]  # never synced: the scheduler's next tick takes it
    at.button(key="sync:wix").click().run()
    assert not at.exception
    [error] = at.error
    assert error.value.startswith("**마지막 오류** — 쇼핑몰이 읽을 수 없는 응답을 보냈습니다")
    assert "카테고리 단계에서 멈췄습니다" in error.value and "not JSON" in error.value
    assert ":red-badge[오류]" in texts(at.markdown)
    history = at.dataframe[0].value
    assert list(history["상태"]) == ["실패"] and history["오류"][0].startswith("쇼핑몰이 읽을 수 없는")

    fixed_clock.advance(minutes=1)  # the operator retries a minute later
    at.button(key="sync:wix").click().run()
    assert not at.error, [e.value for e in at.error]
    assert any(s.startswith("동기화 완료") for s in texts(at.success))
    assert ":green-badge[정상]" in texts(at.markdown)
    [shop] = ov.shops(store)
    assert shop["counts"]["members"] == len(wix.live_contacts()) > 0
    assert metric(at, "회원") == [str(shop["counts"]["members"])]
    assert list(at.dataframe[0].value["상태"]) == ["성공", "실패"]


def test_sync_now_leaves_a_sync_running_elsewhere_alone(store, godomall, fixed_clock):
    import threading

    from core.sync.jobs import run_sync
    connections.connect_platform(store, "godomall", "godo", "고도 스토어",
                                 {"partner_key": gm_fake.PARTNER_KEY, "user_key": gm_fake.USER_KEY},
                                 base_url=godomall.base_url, settings={"rate_limit": 0, "history_days": 31})
    godomall.fail("hang")  # the scheduler's sync stalls on its first call until released
    results = []
    scheduler = threading.Thread(target=lambda: results.append(run_sync(store, "godo", started_by="scheduler")))
    scheduler.start()
    try:
        assert godomall.hung.wait(30)
        at = page()
        at.button(key="sync:godo").click().run()
        [error] = at.error
        assert error.value.startswith("**동기화 실패** — 이 쇼핑몰은 지금 다른 곳(스케줄러나 다른 창)에서 동기화하고")
        assert "started by scheduler" in error.value
    finally:
        godomall.clear_faults()
        scheduler.join(60)
    # The scheduler's sync was not cut short by the console: it finished, the only run there is.
    assert [r.status for r in results] == ["succeeded"]
    assert [r["status"] for r in ov.sync_history(store, "godo")] == ["succeeded"]


def test_next_sync_comes_from_the_scheduler_and_the_interval_moves_it(store, store_path, wix, fixed_clock):
    connect_wix(store, wix)
    done = subprocess.run([sys.executable, "-m", "core", "scheduler", "--once", "--now", fixed_clock.now().isoformat()],
                          cwd=ROOT, env=python_env(store_path), capture_output=True, text=True, timeout=90)
    assert done.returncode == 0, done.stderr
    job = connections.sync_schedule(store)["wix"]
    assert job["last_status"] == "ok" and job["next_due_at"] == fixed_clock.now() + dt.timedelta(minutes=15)
    at = page()
    assert metric(at, "다음 동기화") == ["15분 뒤"]
    assert any("15분마다 동기화 · 다음 2026-01-10 09:15" in c for c in texts(at.caption))
    # --once leaves a heartbeat that says the scheduler stopped: the page says the schedule is not kept.
    assert any("스케줄러가 실행되고 있지 않아" in w for w in texts(at.main.warning))
    assert at.selectbox(key="interval:wix").value == 15

    at.selectbox(key="interval:wix").set_value(60).run()
    assert not at.exception
    assert "동기화 주기를 1시간마다(으)로 바꿨습니다." in texts(at.success)
    assert metric(at, "다음 동기화") == ["60분 뒤"]
    assert any("1시간마다 동기화 · 다음 2026-01-10 10:00" in c for c in texts(at.caption))
    assert connections.sync_schedule(store)["wix"]["next_due_at"] == fixed_clock.now() + dt.timedelta(hours=1)


def test_a_csv_shop_has_a_card_with_its_last_import_and_no_sync(store, fixed_clock):
    from core.console.csv_import import create_csv_shop, import_csv  # the import worded as the page does
    create_csv_shop(store, "excel", "엑셀 회원")
    korean_excel = "이메일,이름\nkim@example.kr,김민지\n,이서준\nlee@example.kr,이하은\n".encode("cp949")
    _, result = import_csv(store, "excel", "members", korean_excel, file_name="회원.csv")
    assert (result.imported, result.bad) == (2, 1)
    at = page()
    assert subheaders(at) == ["엑셀 회원 · CSV"]
    assert metric(at, "회원") == ["2"] and metric(at, "마지막 가져오기") == ["0초 전"]
    assert metric(at, "다음 동기화") == ["수동 (CSV)"]
    [warning] = at.main.warning  # the bad row, in the import's own words; no scheduler warning for CSV only
    assert warning.value.startswith("**마지막 가져오기** — 회원.csv: ") and "3행: 이메일" in warning.value
    assert not [b for b in at.button if b.key in ("sync:excel", "test:excel")]


def member_download(n: int) -> bytes:
    """Godomall's admin member download (회원 > 회원 리스트 > 엑셀 다운로드) of the fake's first `n` members."""
    from openpyxl import Workbook
    book = Workbook()
    sheet = book.active
    sheet.append(["번호", "회원번호", "아이디", "이름", "회원등급", "이메일", "휴대폰번호", "가입일", "메일수신여부",
                  "SMS수신여부"])
    for i in range(n):
        m = gm_fake.generated_member(i)
        sheet.append([i + 1, int(m["memNo"]), m["memId"], m["memNm"], m["groupNm"], m["email"], m["cellPhone"],
                      m["entryDt"], m["maillingFl"], m["smsFl"]])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@pytest.mark.slow
def test_godomall_quota_warning_and_the_21st_import_refused(store, godomall, fixed_clock, monkeypatch):
    connections.connect_platform(store, "godomall", "godo", "고도 스토어",
                                 {"partner_key": gm_fake.PARTNER_KEY, "user_key": gm_fake.USER_KEY},
                                 base_url=godomall.base_url, settings={"rate_limit": 0})
    with pytest.raises(connections.InvalidInput) as second:  # one address book per Godomall account
        connections.connect_platform(store, "godomall", "godo2", "두 번째",
                                     {"partner_key": gm_fake.PARTNER_KEY, "user_key": gm_fake.USER_KEY},
                                     base_url=godomall.base_url)
    assert "이미 ‘고도 스토어’ 쇼핑몰로 연결되어" in connections.error_words(second.value, "ko")
    assert [s["shop_id"] for s in ov.shops(store)] == ["godo"] and "godo2" not in secrets.load_all()
    at = page()
    assert metric(at, "오늘 남은 불러오기") == ["20/20"] and metric(at, "주소록 업데이트") == ["불러온 적 없음"]
    assert any("아직 고도몰에서 불러온 적이 없습니다" in i for i in texts(at.info))
    data = member_download(30)
    for _ in range(18):
        assert connections.import_godomall(store, "godo", data, "회원리스트.xlsx").status == "succeeded"

    # The 19th, from the page: where to download the member file, the upload, a warning and a confirm step.
    at = page()
    assert metric(at, "오늘 남은 불러오기") == ["2/20"]
    assert any("회원 > 회원 리스트" in c and "엑셀 다운로드" in c for c in texts(at.caption))
    assert not [b for b in at.button if b.key == "gm_import:godo"]  # no file yet: nothing to import
    at.file_uploader(key="gm_file:godo").set_value(("회원리스트.xlsx", data, XLSX)).run()
    at.button(key="gm_import:godo").click().run()
    [warning] = [w for w in texts(at.warning) if "고도몰에서 불러오기를 실행하면" in w]
    assert "회원 30명과 그룹 3개가 초기화" in warning and "2/20" in warning
    at.button(key="gm_go:godo").click().run()
    assert not at.exception
    assert any(s.startswith("불러오기 완료: 회원 30명") for s in texts(at.success))
    assert metric(at, "오늘 남은 불러오기") == ["1/20"]
    assert metric(at, "주소록 업데이트") == ["2026-01-10 09:00"] and not at.info  # fresh: no suggestion

    # The confirm is open when another tab runs the 20th: the page's import is then the 21st, refused.
    at.button(key="gm_import:godo").click().run()
    assert connections.import_godomall(store, "godo", data, "회원리스트.xlsx").status == "succeeded"
    at.button(key="gm_go:godo").click().run()
    assert any("하루 20회까지 할 수 있습니다" in e for e in texts(at.error))
    assert connections.godomall_address_book(store, "godo")["left"] == 0
    assert metric(at, "오늘 남은 불러오기") == ["0/20"]
    assert at.button(key="gm_import:godo").disabled
    assert any("하루 20회까지 할 수 있습니다" in e for e in texts(at.error))

    # A week later the quota is back and the address book is old enough to suggest a re-import.
    fixed_clock.advance(days=8)
    at = page()
    assert metric(at, "오늘 남은 불러오기") == ["20/20"]
    assert any("마지막으로 업데이트한 지 8일이 지났습니다" in i for i in texts(at.info))
    monkeypatch.setenv("CONSOLE_LANG", "en")  # the same card in English
    at = page()
    assert metric(at, "Imports left today") == ["20/20"]
    assert at.file_uploader(key="gm_file:godo").label == "Godomall member file (Excel or CSV)"
    at.file_uploader(key="gm_file:godo").set_value(("member.xlsx", data, XLSX)).run()
    assert at.button(key="gm_import:godo").label == "Import from Godomall"
