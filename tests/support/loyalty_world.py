"""A small mall for the loyalty tests (no tests here): a four-depth category tree, products whose names carry
promotional copy, members with and without phone numbers, and orders delivered when a test says."""
from __future__ import annotations

import datetime as dt
import json
import subprocess
import sys
import threading
from pathlib import Path
from typing import Any

from core import clock
from core.loyalty import settings as ls
from core.store import Store
from tests.support import automation_world as w

KST = w.KST
SHOP = w.SHOP
SENDER_KEY = "a1b2c3d4e5" * 4  # 40 characters, like a real 발신 키

CATEGORIES = [  # key, name, depth, parent
    ("c-wear", "의류", 1, None), ("c-top", "상의", 2, "c-wear"), ("c-shirt", "셔츠", 3, "c-top"),
    ("c-linen", "린넨셔츠", 4, "c-shirt"), ("c-tee", "티셔츠", 3, "c-top"), ("c-bottom", "하의", 2, "c-wear"),
    ("c-goods", "잡화", 1, None),
]

PRODUCTS = {  # key: (name, name_en, supplier_name, model_name, categories, detail)
    "p-linen": ("[당일발송] 프렌치 린넨 셔츠 특가할인", "French Linen Shirt", "린넨셔츠(공급) LS-01", "LS-01",
                ["c-linen"], {"소재": "린넨 100%", "원산지": "대한민국", "세탁방법": "손세탁"}),
    "p-tee": ("아이유착용 오버핏 코튼 티셔츠", "Overfit Cotton Tee", "코튼티 공급", "CT-22", ["c-tee"],
              {"소재": "면 100%"}),
    "p-pants": ("예약배송 와이드 데님 팬츠 (특가할인)", "Wide Denim Pants", None, "DP-7", ["c-bottom"], {}),
    "p-bag": ("레더 토트백 [당일발송]", None, "토트 공급사", "TB-1", ["c-goods"], {"소재": "소가죽"}),
}


def at(day: int, hour: int = 9, minute: int = 0) -> dt.datetime:
    return w.at(day, hour, minute)


def path_of(key: str) -> str:
    names = {k: (n, p) for k, n, _, p in CATEGORIES}
    parts = []
    while key:
        name, key = names[key]
        parts.append(name)
    return " > ".join(reversed(parts))


def seed(store: Store) -> None:
    w.seed_shop(store)
    w.write(store, categories=[{"category_key": k, "name": n, "depth": d, "parent_key": p, "path": path_of(k)}
                               for k, n, d, p in CATEGORIES],
            products=[{"product_key": k, "name": n, "name_en": en, "supplier_name": sup, "model_name": model,
                       "image_url": f"https://img.haru-shop.example/{k}.jpg", "category_keys": cats,
                       "detail": detail, "price": 39000}
                      for k, (n, en, sup, model, cats, detail) in PRODUCTS.items()],
            members=[{"member_key": "m1", "name": "홍길동", "phone": "010-1234-5678", "email": "m1@example.com",
                      "signed_up_at": at(1)},
                     {"member_key": "m2", "name": "김철수", "phone": None, "email": "m2@example.com",
                      "signed_up_at": at(1)},
                     {"member_key": "m3", "name": "남궁민수", "phone": "+82 10-9876-5432", "email": "m3@example.com",
                      "signed_up_at": at(1)}])


def order(store: Store, key: str, member: str | None, products: list[str], *, delivered_at: dt.datetime | None,
          status: str | None = None, options: str | None = "색상=아이보리, 사이즈=M") -> None:
    status = status or ("delivered" if delivered_at else "shipping")
    w.write(store, orders=[{"order_key": key, "member_key": member, "status": status,
                            "ordered_at": (delivered_at or at(9)) - dt.timedelta(days=2),
                            "paid_at": (delivered_at or at(9)) - dt.timedelta(days=2),
                            "delivered_at": delivered_at, "total_amount": 39000 * len(products)}],
            order_items=[{"item_key": f"{key}-{n}", "order_key": key, "product_key": p,
                          "product_name": PRODUCTS[p][0], "option_text": options, "quantity": 1,
                          "unit_price": 39000, "status": status, "delivered_at": delivered_at}
                         for n, p in enumerate(products, 1)])


def configure(store: Store, *, stamps: dict | None = None, warranty: dict | None = None,
              alimtalk: dict | None = None) -> None:
    """Switch features on at the fixed clock's now (deliveries before it do not count)."""
    if stamps is not None:
        ls.save(store, SHOP, ls.StampSettings(**{"enabled": True, "card_size": 3, "reward": "STAMP-5000",
                                                 **stamps}), now=clock.now())
    if warranty is not None:
        ls.save(store, SHOP, ls.WarrantySettings(**{"enabled": True, **warranty}), now=clock.now())
    if alimtalk is not None:
        ls.save(store, SHOP, ls.AlimtalkSettings(**{"enabled": True, "provider": "sandbox",
                                                    "templates": {"stamp": "VC_STAMP", "reward": "VC_REWARD",
                                                                  "warranty": "VC_WARRANTY"}, **alimtalk}),
                now=clock.now())


def cli_once(store_path: Path, when: dt.datetime) -> str:
    from tests.conftest import python_env
    done = subprocess.run([sys.executable, "-m", "core", "scheduler", "--once", "--now", when.isoformat()],
                          env=python_env(store_path), capture_output=True, text=True, timeout=120)
    assert "loyalty:issue: ok" in done.stdout or "loyalty:issue" not in done.stdout, done.stdout + done.stderr
    assert "Traceback" not in done.stderr, done.stderr
    return done.stdout


def rows(store: Store, sql: str, params: list[Any] | None = None) -> list[dict[str, Any]]:
    return store.frame(sql, params).to_dicts()


def sandbox_lines(store_path: Path) -> list[dict[str, Any]]:
    path = store_path.with_name("alimtalk-sandbox.jsonl")
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()] if path.exists() else []


def run_jobs(store: Store, c: clock.FixedClock, when: dt.datetime) -> None:
    """The two loyalty jobs the scheduler runs, in this process at `when` (cheaper than a child process)."""
    from core.loyalty import jobs
    c.set(when)
    stop = threading.Event()
    jobs.run_issue(store, when, stop)
    jobs.run_notify(store, when, stop)
