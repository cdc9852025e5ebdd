"""The console's CSV exports as Excel opens them: phone numbers keep their leading 0 (written with dashes, so
Excel keeps them text), money is whole won, member grades are names, and the headers follow the language."""
from __future__ import annotations

import csv
import datetime as dt
import io

import pytest

from core.carts import stats as cart_stats
from core.console import carts as cart_views
from core.console import segments as views
from core.shops.registry import save_shop
from core.store import Store
from tests.conftest import KST

SHOP = "excel"
NOW = dt.datetime(2026, 1, 20, 9, 0, tzinfo=KST)
MEMBERS = [  # key, name, phone as stored (digits), grade as the platform reports it
    ("m1", "김민지", "01012345678", "1"),
    ("m2", "이서준", "0212345678", "3"),
    ("m3", "박지호", None, "7"),
    ("m4", "최수아", "15881234", "골드"),
]


@pytest.fixture
def shop(store: Store) -> Store:
    # A Cafe24-like shop: grades by number, two of them named in the shop's settings.
    save_shop(store, SHOP, "csv", "엑셀몰", settings={"member_groups": {"1": "일반회원", "3": "VIP"}})
    with store.unit() as con:
        for key, name, phone, group in MEMBERS:
            con.execute("""INSERT INTO members (shop_id, member_key, email, name, phone, member_group, signed_up_at,
                               email_consent, synced_at) VALUES (?, ?, ?, ?, ?, ?, ?, TRUE, ?)""",
                        [SHOP, key, f"{key}@example.com", name, phone, group, NOW - dt.timedelta(days=30), NOW])
        for key, member, total in (("o1", "m1", 150_000), ("o2", "m1", 43_300), ("o3", "m2", 99_000.6)):
            con.execute("""INSERT INTO orders (shop_id, order_key, member_key, status, ordered_at, paid_at,
                               total_amount, currency, synced_at) VALUES (?, ?, ?, 'paid', ?, ?, ?, 'KRW', ?)""",
                        [SHOP, key, member, NOW - dt.timedelta(days=3), NOW - dt.timedelta(days=3), total, NOW])
        con.execute("""INSERT INTO carts (shop_id, cart_key, member_key, email, status, total_amount, created_at,
                           last_activity_at, recovery_url, synced_at)
                       VALUES (?, 'k1', 'm1', 'm1@example.com', 'open', 193300, ?, ?, 'https://x.example/c/k1', ?)""",
                    [SHOP, NOW - dt.timedelta(hours=5), NOW - dt.timedelta(hours=5), NOW])
    return store


def rows(data: bytes) -> list[dict[str, str]]:
    assert data.startswith(b"\xef\xbb\xbf")  # UTF-8 with a BOM: Excel reads the Korean right
    return list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"))))


def test_members_export_keeps_leading_zeros_whole_won_and_grade_names(shop: Store) -> None:
    exported = {r["회원 ID"]: r for r in rows(views.export_csv(shop, SHOP, {}, "ko"))}
    assert exported["m1"]["휴대폰"] == "010-1234-5678"       # text in Excel: the 0 stays
    assert exported["m2"]["휴대폰"] == "02-1234-5678"
    assert exported["m4"]["휴대폰"] == "1588-1234" and exported["m3"]["휴대폰"] == ""
    assert exported["m1"]["총 구매액"] == "193300"             # whole won, never "193300.0"
    assert exported["m2"]["총 구매액"] == "99001"              # whole won, rounded from 99,000.6
    assert exported["m3"]["총 구매액"] == "0"
    assert [exported[k]["회원 등급"] for k in ("m1", "m2", "m3", "m4")] == ["일반회원", "VIP", "등급 7", "골드"]

    english = {r["Member ID"]: r for r in rows(views.export_csv(shop, SHOP, {}, "en"))}
    assert english["m3"]["Member group"] == "Grade 7" and english["m1"]["Phone"] == "010-1234-5678"


def test_carts_export_is_whole_won(shop: Store) -> None:
    frame = cart_stats.list_carts(shop, SHOP, "all", now=NOW)
    [row] = rows(cart_views.carts_csv(frame, "Asia/Seoul"))
    assert row["금액"] == "193300" and row["복구 금액"] == ""


def test_group_names_prefer_the_shops_names(shop: Store) -> None:
    assert views.group_names(shop, SHOP, lang="ko") == {"1": "일반회원", "3": "VIP", "7": "등급 7", "골드": "골드"}
