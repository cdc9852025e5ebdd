"""A believable Korean mall, made deterministically from a seed, that moves forward with its clock.

Everything the mall will ever hold is drawn up front as numpy arrays (two years of
history before its start instant, and half a year of "future" after it); what a
request sees is what has happened up to the mall's now: members whose sign-up time
has passed, orders placed, paid, shipped, delivered (days later), cancelled or
returned by now, carts whose last activity has passed. Rows are formatted lazily,
only for the page asked for, so a 1,000,000-member mall starts in a few seconds.

How busy that future is depends on the mall's pace (`Pace`): `quiet` is a real mall's (a few sign-ups
a day), `lively` adds sign-ups, carts, orders and deliveries every minute or so for a first visit to see.
`life()` counts what happened between two instants; `place_order()` is the storefront's 주문하기.

Record shapes follow the Cafe24 Admin API (see `core.sandbox.server` for sources):
`customersprivacy` members, `orders` with `items` (per-item `order_status` codes
N00/N20/N30/N40/N50/C40/C48/R40), `products` with `category` lists and
`additional_information`, 4-depth `categories` (대분류 > 중분류 > 소분류 > 세분류).
Carts follow the Admin API's `GET /api/v2/admin/carts?member_id=…`: what is in a member's cart now, one row per
line (`basket_product_no`, `created_date`, `product_no`, `variant_code`, `quantity`, `product_price`,
`option_price`, ...); a cart that became an order is empty. `events_between()` names what the mall's webhooks
announce (orders placed, delivered, members joined) in a span of its clock.
"""
from __future__ import annotations

import dataclasses
import datetime as dt
import threading
import time
from typing import Any

import numpy as np

KST = dt.timezone(dt.timedelta(hours=9))
UTC = dt.UTC
DAY = 86_400
HISTORY_DAYS = 730          # the mall's past before its start instant
PLAN_DAYS = 180             # how far past the start the mall has drawn its future
NEVER = np.int64(2 ** 62)   # an event that does not happen
# Webhook events (Cafe24 "Event sample data" numbers, see core.public.webhooks): an order placed, its
# shipping status changed, its payment status changed; a member joined.
EVENT_ORDER_PLACED = 90023
EVENT_ORDER_SHIPPING = 90024
EVENT_ORDER_PAYMENT = 90025
EVENT_MEMBER_JOINED = 90032

FAMILY = [("김", "kim", 21), ("이", "lee", 15), ("박", "park", 8), ("최", "choi", 5), ("정", "jung", 5),
          ("강", "kang", 2), ("조", "cho", 2), ("윤", "yoon", 2), ("장", "jang", 2), ("임", "lim", 2),
          ("한", "han", 1), ("오", "oh", 1), ("서", "seo", 1), ("신", "shin", 1), ("권", "kwon", 1),
          ("황", "hwang", 1), ("안", "ahn", 1), ("송", "song", 1), ("류", "ryu", 1), ("홍", "hong", 1)]
GIVEN = [("민준", "minjun", "M"), ("서준", "seojun", "M"), ("도윤", "doyoon", "M"), ("예준", "yejun", "M"),
         ("시우", "siwoo", "M"), ("하준", "hajun", "M"), ("지호", "jiho", "M"), ("주원", "juwon", "M"),
         ("지훈", "jihoon", "M"), ("현우", "hyunwoo", "M"), ("준서", "junseo", "M"), ("건우", "gunwoo", "M"),
         ("우진", "woojin", "M"), ("성민", "sungmin", "M"), ("영호", "youngho", "M"), ("동현", "donghyun", "M"),
         ("서연", "seoyeon", "F"), ("서윤", "seoyoon", "F"), ("지우", "jiwoo", "F"), ("하은", "haeun", "F"),
         ("민서", "minseo", "F"), ("지유", "jiyu", "F"), ("윤서", "yoonseo", "F"), ("채원", "chaewon", "F"),
         ("수아", "sua", "F"), ("지민", "jimin", "F"), ("예린", "yerin", "F"), ("수빈", "subin", "F"),
         ("은지", "eunji", "F"), ("혜진", "hyejin", "F"), ("미영", "miyoung", "F"), ("유진", "yujin", "F")]
DOMAINS = ["naver.com", "gmail.com", "daum.net", "kakao.com", "hanmail.net", "nate.com"]
DOMAIN_WEIGHTS = [0.42, 0.28, 0.1, 0.1, 0.06, 0.04]

# 대분류 > 중분류 > 소분류 > [세분류, ...]; each 세분류 carries (English noun, price band in won).
TAXONOMY: dict[str, dict[str, dict[str, dict[str, tuple[str, int]]]]] = {
    "패션의류": {
        "여성의류": {"상의": {"티셔츠": ("T-shirt", 19_000), "블라우스": ("Blouse", 39_000), "니트": ("Knit", 49_000)},
                   "하의": {"청바지": ("Jeans", 45_000), "슬랙스": ("Slacks", 39_000), "스커트": ("Skirt", 35_000)}},
        "남성의류": {"상의": {"셔츠": ("Shirt", 39_000), "맨투맨": ("Sweatshirt", 35_000), "후드티": ("Hoodie", 45_000)},
                   "아우터": {"코트": ("Coat", 159_000), "패딩": ("Padded jacket", 189_000), "자켓": ("Jacket", 99_000)}},
    },
    "패션잡화": {
        "가방": {"여성가방": {"숄더백": ("Shoulder bag", 89_000), "토트백": ("Tote bag", 79_000), "크로스백": ("Cross bag", 59_000)},
               "남성가방": {"백팩": ("Backpack", 69_000), "서류가방": ("Briefcase", 129_000)}},
        "시계/주얼리": {"시계": {"스마트워치": ("Smartwatch", 249_000), "메탈시계": ("Metal watch", 189_000),
                            "가죽시계": ("Leather watch", 149_000)},
                    "주얼리": {"목걸이": ("Necklace", 59_000), "반지": ("Ring", 49_000), "귀걸이": ("Earrings", 29_000)}},
    },
    "뷰티": {
        "스킨케어": {"기초": {"스킨/토너": ("Toner", 22_000), "에센스": ("Essence", 38_000), "크림": ("Cream", 42_000)},
                 "클렌징": {"폼클렌징": ("Cleansing foam", 12_000), "클렌징오일": ("Cleansing oil", 24_000)}},
        "메이크업": {"립": {"립스틱": ("Lipstick", 28_000), "립틴트": ("Lip tint", 16_000)},
                 "베이스": {"쿠션": ("Cushion", 32_000), "파운데이션": ("Foundation", 39_000)}},
    },
    "리빙/가전": {
        "주방": {"조리도구": {"프라이팬": ("Frying pan", 35_000), "냄비": ("Pot", 49_000)},
               "식기": {"접시": ("Plate", 15_000), "머그컵": ("Mug", 12_000)}},
        "생활가전": {"청소기": {"무선청소기": ("Cordless vacuum", 299_000), "로봇청소기": ("Robot vacuum", 459_000)},
                 "계절가전": {"선풍기": ("Electric fan", 69_000), "가습기": ("Humidifier", 59_000)}},
    },
}
ADJECTIVES = [("데일리", "Daily"), ("베이직", "Basic"), ("프리미엄", "Premium"), ("클래식", "Classic"),
              ("모던", "Modern"), ("내추럴", "Natural"), ("시그니처", "Signature"), ("에센셜", "Essential")]
PROMOS = ["[당일발송] ", "[특가할인] ", "[예약배송] ", "", "", ""]
PROMO_SUFFIXES = [" 모델착용", " 특가할인", " (예약배송)", ""]
SUPPLIERS = ["(주)한빛상사", "서울패션(주)", "대한리빙", "(주)미래뷰티", "코리아트레이딩", "(주)다온"]
MATERIALS = ["면 100%", "면 80%, 폴리에스터 20%", "울 50%, 아크릴 50%", "스테인리스 스틸", "천연가죽", "ABS 수지"]
ORIGINS = ["대한민국", "중국", "베트남", "대한민국", "일본"]
COLORS = ["#e76f51", "#2a9d8f", "#264653", "#e9c46a", "#8ab17d", "#6d597a"]


@dataclasses.dataclass(frozen=True)
class Pace:
    """How busy the mall is after its start instant, over and above a real mall's quiet life.

    The quiet life (for 5,000 members, about fifteen sign-ups a day and orders that take days to arrive)
    is always there. A lively pace adds people who sign up, fill carts (some left behind), order, pay
    and receive their parcels within minutes, so a first visit sees every trigger fire. It began
    `lead_s` before the start, so parcels are already on their way when the mall opens, and it lasts
    `days`; then the mall is quiet again. Every gap is drawn from the seed: the same seed, start and
    pace make the same mall.
    """

    name: str
    signup_every_s: float = 0.0               # mean seconds between extra sign-ups (0: none)
    order_every_s: float = 0.0                # mean seconds between extra orders (0: none)
    abandon_every_s: float = 0.0              # mean seconds between extra carts left behind (0: none)
    first_order_share: float = 0.0            # extra orders placed by whoever signed up last
    news_share: float = 0.6                   # extra members who consent to advertising e-mail
    pay_s: tuple[int, int] = (5, 45)          # order to card payment
    ship_s: tuple[int, int] = (60, 150)       # payment to shipping
    deliver_s: tuple[int, int] = (60, 150)    # shipping to delivery complete
    lead_s: int = 15 * 60
    days: int = 30

    @property
    def lively(self) -> bool:
        return bool(self.signup_every_s or self.order_every_s or self.abandon_every_s)


# `quiet` is a real mall's pace (the tests' fake runs at it); `lively` is what `python -m core sandbox` runs.
PACES = {
    "lively": Pace("lively", signup_every_s=60, order_every_s=60, abandon_every_s=150, first_order_share=0.3),
    "quiet": Pace("quiet"),
}
QUIET_PIPELINE = Pace("quiet", pay_s=(5, 45), ship_s=(6 * 3600, DAY), deliver_s=(DAY, 2 * DAY))


def arrivals(rng: np.random.Generator, start_s: int, end_s: int, every_s: float) -> np.ndarray:
    """Instants in [start_s, end_s) of events that happen every `every_s` seconds on average (a Poisson process)."""
    if every_s <= 0 or end_s <= start_s:
        return np.empty(0, dtype=np.int64)
    expected = (end_s - start_s) / every_s
    gaps = rng.exponential(every_s, int(expected * 1.2) + 16)
    while gaps.sum() < end_s - start_s:
        gaps = np.concatenate([gaps, rng.exponential(every_s, int(expected * 0.2) + 16)])
    at = start_s + np.cumsum(gaps).astype(np.int64)
    return at[at < end_s]


class MallClock:
    """The mall's now: a start instant plus the wall time elapsed since, or frozen; tests set it."""

    def __init__(self, start: dt.datetime, *, frozen: bool = False) -> None:
        self._guard = threading.Lock()
        self.frozen = frozen
        self.set(start)

    def set(self, at: dt.datetime) -> None:
        if at.tzinfo is None:
            raise ValueError("the mall's clock needs a timezone-aware instant")
        with self._guard:
            self._base = at.astimezone(UTC)
            self._mono = time.monotonic()

    def advance(self, **delta: float) -> dt.datetime:
        self.set(self.now() + dt.timedelta(**delta))
        return self.now()

    def now(self) -> dt.datetime:
        with self._guard:
            if self.frozen:
                return self._base
            return self._base + dt.timedelta(seconds=time.monotonic() - self._mono)

    def now_s(self) -> int:
        return int(self.now().timestamp())


def iso_kst(seconds: np.ndarray) -> list[str | None]:
    """Epoch seconds as Cafe24's 'YYYY-MM-DDTHH:MM:SS+09:00' (NEVER becomes None)."""
    secs = np.asarray(seconds, dtype=np.int64)
    never = secs >= NEVER
    text = np.datetime_as_string((np.where(never, 0, secs) + 9 * 3600).astype("datetime64[s]"), unit="s")
    return [None if n else t + "+09:00" for t, n in zip(text.tolist(), never.tolist(), strict=True)]


def parse_when(text: str, *, end: bool = False) -> int:
    """A Cafe24 date parameter ('YYYY-MM-DD', 'YYYY-MM-DD HH:MM:SS' or ISO 8601; KST unless told) as epoch seconds."""
    raw = text.strip().replace(" ", "T", 1) if "T" not in text and len(text.strip()) > 10 else text.strip()
    raw = raw.replace("Z", "+00:00")
    if len(raw) == 10:
        day = dt.date.fromisoformat(raw)
        at = dt.datetime.combine(day, dt.time(23, 59, 59) if end else dt.time(0, 0), KST)
    else:
        at = dt.datetime.fromisoformat(raw)
        if at.tzinfo is None:
            at = at.replace(tzinfo=KST)
    return int(at.timestamp())


@dataclasses.dataclass
class Category:
    no: int
    depth: int
    parent: int
    name: str
    path_names: list[str]
    path_nos: list[int]
    english: str = ""
    price: int = 0


class Mall:
    """A whole simulated mall. Thread-safe for reads; `add_late_order` and `place_order` are its mutations."""

    m_created: np.ndarray
    m_family: np.ndarray
    m_given: np.ndarray
    m_domain: np.ndarray
    m_phone: np.ndarray
    m_sms: np.ndarray
    m_news: np.ndarray
    m_group: np.ndarray
    m_mobile: np.ndarray
    m_birth: np.ndarray
    m_login: np.ndarray

    def __init__(self, members: int = 5000, seed: int = 7, start: dt.datetime | None = None,
                 *, frozen: bool = False, pace: str = "quiet", now: dt.datetime | None = None) -> None:
        """`start` is the mall's opening (what it was drawn from); `now` where its clock stands (default: the
        opening). A mall opened earlier and served again later is the same mall, further on in its life."""
        if members < 1:
            raise ValueError("the mall needs at least one member")
        if pace not in PACES:
            raise ValueError(f"the mall's pace is one of {', '.join(PACES)}, not '{pace}'")
        self.pace = PACES[pace]
        start = (start or dt.datetime.now(UTC)).astimezone(UTC).replace(microsecond=0)
        self.seed = seed
        self.members_at_start = members
        self.clock = MallClock(now or start, frozen=frozen)
        self.t_start = int(start.timestamp())
        self.t0 = self.t_start - HISTORY_DAYS * DAY
        self.t_end = self.t_start + PLAN_DAYS * DAY
        self._guard = threading.Lock()
        rng = np.random.default_rng(seed)
        self._make_categories()
        self._make_products(rng)
        self._member_fields: dict[int, dict[str, Any]] = {}  # put_member's people, by member index
        self._make_members(rng, members)
        # The lively life draws from a stream of its own, made from the same seed.
        lively = np.random.default_rng([seed, 1])
        self._add_lively_members(lively)
        self._make_orders(rng)
        self._add_lively_orders(lively)
        self._make_carts(rng)
        self._add_lively_carts(lively)
        # Orders placed at the storefront are numbered after every drawn order and after the seconds the mall
        # has lived: a mall served again (the same opening, its clock further on) never gives an order number
        # an earlier run's storefront order, which the store still holds, already had.
        self._next_storefront_seq = int(self.o["seq"].max()) + 1 + max(0, self.clock.now_s() - self.t_start)

    # ----------------------------------------------------------------- generation
    def _make_categories(self) -> None:
        self.categories: list[Category] = []
        no = 24  # Cafe24 numbers a new mall's own categories from the twenties
        def add(depth: int, parent: Category | None, name: str) -> Category:
            nonlocal no
            names = (parent.path_names if parent else []) + [name]
            nos = (parent.path_nos if parent else []) + [no]
            cat = Category(no, depth, parent.no if parent else 1, name, names, nos)
            self.categories.append(cat)
            no += 1
            return cat
        self.leaves: list[Category] = []
        for n1, level2 in TAXONOMY.items():
            c1 = add(1, None, n1)
            for n2, level3 in level2.items():
                c2 = add(2, c1, n2)
                for n3, level4 in level3.items():
                    c3 = add(3, c2, n3)
                    for n4, (english, price) in level4.items():
                        leaf = add(4, c3, n4)
                        leaf.english, leaf.price = english, price
                        self.leaves.append(leaf)

    def _make_products(self, rng: np.random.Generator) -> None:
        n = int(np.clip(self.members_at_start // 25, 60, 2000))
        self.products: list[dict[str, Any]] = []
        created = np.sort(self.t0 + rng.integers(0, HISTORY_DAYS * DAY - DAY, n))
        future = rng.random(n) < 0.1   # a tenth of the catalogue arrives while the product runs
        created = np.where(future, self.t_start + rng.integers(3600, PLAN_DAYS * DAY, n), created)
        changes = rng.random(n) < 0.15
        for i in range(n):
            leaf = self.leaves[int(rng.integers(len(self.leaves)))]
            adj_ko, adj_en = ADJECTIVES[int(rng.integers(len(ADJECTIVES)))]
            promo = PROMOS[int(rng.integers(len(PROMOS)))]
            suffix = PROMO_SUFFIXES[int(rng.integers(len(PROMO_SUFFIXES)))] if not promo else ""
            price = int(round(leaf.price * (0.7 + 0.8 * rng.random()), -2))
            c_at = int(created[i])
            change_at = int(c_at + rng.integers(DAY, 200 * DAY)) if changes[i] else int(NEVER)
            no = 11 + i
            self.products.append({
                "no": no, "leaf": leaf, "created": c_at, "change_at": change_at,
                "price": price, "new_price": int(round(price * 0.9, -2)),
                "name": f"{promo}{adj_ko} {leaf.name}{suffix}",
                "eng_name": f"{adj_en} {leaf.english}",
                "supplier": SUPPLIERS[int(rng.integers(len(SUPPLIERS)))],
                "supply_name": f"{leaf.name} {adj_ko}형 {chr(65 + i % 26)}",
                "model": f"{leaf.english[:2].upper()}-{1000 + i}",
                "material": MATERIALS[int(rng.integers(len(MATERIALS)))],
                "origin": ORIGINS[int(rng.integers(len(ORIGINS)))],
                "warranty_months": int(rng.choice([6, 12, 24])),
                "color": COLORS[i % len(COLORS)],
            })
        self.p_price = np.array([p["price"] for p in self.products], dtype=np.int64)

    def _make_members(self, rng: np.random.Generator, members: int) -> None:
        span = (HISTORY_DAYS - 10) * DAY
        # Sign-ups grow over time (density rising linearly); the future keeps the latest pace.
        past = self.t0 + 10 * DAY + (span * np.sqrt(rng.random(members))).astype(np.int64)
        pace = 2 * members / span                         # members per second at the start instant
        n_future = int(pace * PLAN_DAYS * DAY)
        future = self.t_start + 1 + (rng.random(n_future) * PLAN_DAYS * DAY).astype(np.int64)
        created = np.concatenate([np.sort(past), np.sort(future)])
        for name, column in self._people(rng, created, news_share=0.55).items():
            setattr(self, name, column)

    @staticmethod
    def _people(rng: np.random.Generator, created: np.ndarray, *, news_share: float) -> dict[str, np.ndarray]:
        """The member columns (`m_*`) of people who sign up at `created`."""
        total = created.size
        weights = np.array([w for _, _, w in FAMILY], dtype=float)
        return {
            "m_created": created,
            "m_family": rng.choice(len(FAMILY), total, p=weights / weights.sum()).astype(np.int16),
            "m_given": rng.integers(0, len(GIVEN), total, dtype=np.int16),
            "m_domain": rng.choice(len(DOMAINS), total, p=DOMAIN_WEIGHTS).astype(np.int8),
            "m_phone": rng.integers(10_000_000, 99_999_999, total, dtype=np.int64),
            "m_sms": rng.random(total) < 0.62,
            "m_news": rng.random(total) < news_share,
            "m_group": rng.choice(np.array([1, 1, 1, 2, 3], dtype=np.int8), total),
            "m_mobile": rng.random(total) < 0.7,
            "m_birth": (rng.integers(-3650, 12_800, total)).astype(np.int64),  # days since 1970-01-01
            "m_login": created + (rng.random(total) * 60 * DAY).astype(np.int64),
        }

    def _make_orders(self, rng: np.random.Generator) -> None:
        total_members = self.m_created.size
        n = int(total_members * 1.2)
        member = rng.integers(0, total_members, n)
        order_at = self.m_created[member] + 600 + rng.exponential(60 * DAY, n).astype(np.int64)
        keep = order_at < self.t_end
        member, order_at = member[keep], order_at[keep]
        order = np.argsort(order_at, kind="stable")
        member, order_at = member[order], order_at[order]
        n = order_at.size
        guest = rng.random(n) < 0.08
        cash = rng.random(n) < 0.12                       # 무통장입금: paid hours or days later, or never
        unpaid = cash & (rng.random(n) < 0.15)
        pay_at = np.where(unpaid, NEVER,
                          order_at + np.where(cash, rng.integers(1800, 2 * DAY, n), rng.integers(5, 300, n)))
        ship_gap = rng.integers(6 * 3600, 3 * DAY, n)
        cancelled = ~unpaid & (rng.random(n) < 0.04)       # cancelled by the buyer before shipping
        cancel_at = np.where(unpaid, order_at + 3 * DAY,
                             np.where(cancelled, pay_at + (ship_gap * rng.uniform(0.1, 0.9, n)).astype(np.int64),
                                      NEVER))
        ship_at = np.where(unpaid | cancelled, NEVER, pay_at + ship_gap)
        deliver_at = np.where(ship_at >= NEVER, NEVER, ship_at + rng.integers(DAY, 4 * DAY, n))
        returned = (deliver_at < NEVER) & (rng.random(n) < 0.02)
        return_at = np.where(returned, deliver_at + rng.integers(2 * DAY, 7 * DAY, n), NEVER)
        confirm_at = np.where(~returned & (deliver_at < NEVER) & (rng.random(n) < 0.5), deliver_at + 7 * DAY, NEVER)
        n_items = 1 + (rng.random(n) < 0.35) + (rng.random(n) < 0.1)
        prod = rng.integers(0, len(self.products), (n, 3)).astype(np.int32)
        prod[np.arange(3)[None, :] >= n_items[:, None]] = -1
        qty = np.where(rng.random((n, 3)) < 0.85, 1, rng.integers(2, 4, (n, 3))).astype(np.int16)
        self.o = {
            "member": np.where(guest, -1, member).astype(np.int64), "buyer": member.astype(np.int64),
            "seq": np.arange(1, n + 1, dtype=np.int64),
            "order": order_at, "pay": pay_at, "ship": ship_at, "deliver": deliver_at, "cancel": cancel_at,
            "unpaid": unpaid, "return": return_at, "confirm": confirm_at, "prod": prod, "qty": qty,
            "cash": cash, "mobile": rng.random(n) < 0.65,
        }
        self._selection_cache: dict[tuple, np.ndarray] = {}

    def _make_carts(self, rng: np.random.Generator) -> None:
        o = self.o
        # Carts that became orders: the order's items, put in the cart minutes to hours before.
        with_cart = np.nonzero((o["member"] >= 0) & (rng.random(o["order"].size) < 0.45))[0]
        k = with_cart.size
        ordered_created = o["order"][with_cart] - rng.integers(600, 3 * 3600, k)
        ordered_activity = o["order"][with_cart] - rng.integers(60, 300, k)
        # Nobody fills a cart before signing up (a lively newcomer may order a minute after joining).
        floor = np.minimum(self.m_created[o["member"][with_cart]] + 30, o["order"][with_cart] - 60)
        ordered_created = np.maximum(ordered_created, floor)
        ordered_activity = np.maximum(ordered_activity, ordered_created)
        # Carts left behind: a member fills a cart and never checks out.
        total_members = self.m_created.size
        a = int(total_members * 0.35)
        a_member = rng.integers(0, total_members, a)
        a_created = self.m_created[a_member] + 300 + rng.exponential(40 * DAY, a).astype(np.int64)
        keep = a_created < self.t_end
        a_member, a_created = a_member[keep], a_created[keep]
        a = a_member.size
        a_activity = a_created + rng.integers(60, 1800, a)
        a_prod = rng.integers(0, len(self.products), (a, 3)).astype(np.int32)
        a_prod[np.arange(3)[None, :] >= (1 + (rng.random(a) < 0.4) + (rng.random(a) < 0.15))[:, None]] = -1
        a_qty = np.ones((a, 3), dtype=np.int16)
        created = np.concatenate([ordered_created, a_created])
        order = np.argsort(created, kind="stable")
        self.c = {
            "member": np.concatenate([o["member"][with_cart], a_member])[order],
            "created": created[order],
            "activity": np.concatenate([ordered_activity, a_activity])[order],
            "order": np.concatenate([with_cart, np.full(a, -1)])[order].astype(np.int64),
            "prod": np.concatenate([o["prod"][with_cart], a_prod])[order],
            "qty": np.concatenate([o["qty"][with_cart], a_qty])[order],
        }

    # ----------------------------------------------------------------- the lively pace
    def _lively_span(self, every_s: float, rng: np.random.Generator) -> np.ndarray:
        pace = self.pace
        return arrivals(rng, self.t_start - pace.lead_s, self.t_start + pace.days * DAY, every_s)

    def _buyers(self, rng: np.random.Generator, at: np.ndarray, newest_share: float) -> np.ndarray:
        """Who acts at each of `at`: whoever signed up last (a share), else anyone signed up by then."""
        signed = np.searchsorted(self.m_created, at, side="right")
        anyone = (rng.random(at.size) * signed).astype(np.int64)
        return np.where(rng.random(at.size) < newest_share, signed - 1, anyone)

    def _shelf(self, rng: np.random.Generator, n: int, most: int) -> tuple[np.ndarray, np.ndarray]:
        """`n` baskets of 1 to `most` products on sale since before the lively life began (-1: no line)."""
        on_sale = np.array([i for i, p in enumerate(self.products) if p["created"] <= self.t_start - self.pace.lead_s],
                           dtype=np.int32)
        prod = on_sale[rng.integers(0, on_sale.size, (n, 3))]
        lines = 1 + sum((rng.random(n) < share) for share in (0.35, 0.12)[:most - 1])
        prod[np.arange(3)[None, :] >= np.asarray(lines)[:, None]] = -1
        return prod.astype(np.int32), np.ones((n, 3), dtype=np.int16)

    def _add_lively_members(self, rng: np.random.Generator) -> None:
        at = self._lively_span(self.pace.signup_every_s, rng)
        if not at.size:
            return
        extra = self._people(rng, at, news_share=self.pace.news_share)
        order = np.argsort(np.concatenate([self.m_created, at]), kind="stable")
        for name, column in extra.items():
            setattr(self, name, np.concatenate([getattr(self, name), column])[order])

    def _add_lively_orders(self, rng: np.random.Generator) -> None:
        pace = self.pace
        at = self._lively_span(pace.order_every_s, rng)
        n = at.size
        if not n:
            return
        member = self._buyers(rng, at, pace.first_order_share)
        pay = at + rng.integers(*pace.pay_s, n)
        ship = pay + rng.integers(*pace.ship_s, n)
        deliver = ship + rng.integers(*pace.deliver_s, n)
        prod, qty = self._shelf(rng, n, 2)
        never = np.full(n, NEVER, dtype=np.int64)
        extra = {
            "member": member, "buyer": member, "seq": np.zeros(n, dtype=np.int64), "order": at, "pay": pay,
            "ship": ship, "deliver": deliver, "cancel": never, "unpaid": np.zeros(n, dtype=bool), "return": never,
            "confirm": np.where(rng.random(n) < 0.5, deliver + 7 * DAY, NEVER), "prod": prod, "qty": qty,
            "cash": np.zeros(n, dtype=bool), "mobile": rng.random(n) < 0.65,
        }
        o = self.o
        order = np.argsort(np.concatenate([o["order"], at]), kind="stable")
        self.o = {k: np.concatenate([v, extra[k]])[order] for k, v in o.items()}
        self.o["seq"] = np.arange(1, order.size + 1, dtype=np.int64)

    def _add_lively_carts(self, rng: np.random.Generator) -> None:
        at = self._lively_span(self.pace.abandon_every_s, rng)
        n = at.size
        if not n:
            return
        prod, qty = self._shelf(rng, n, 3)
        extra = {"member": self._buyers(rng, at, 0.5), "created": at, "activity": at + rng.integers(30, 600, n),
                 "order": np.full(n, -1, dtype=np.int64), "prod": prod, "qty": qty}
        c = self.c
        order = np.argsort(np.concatenate([c["created"], at]), kind="stable")
        self.c = {k: np.concatenate([v, extra[k]])[order] for k, v in c.items()}

    # ----------------------------------------------------------------- members
    def member_key(self, i: int) -> str:
        return f"{GIVEN[int(self.m_given[i])][1]}{i + 1}"

    def members_created_from(self, start_s: int, limit: int, now_s: int) -> np.ndarray:
        """Members who signed up at or after `start_s` (and by now), oldest first."""
        lo = int(np.searchsorted(self.m_created, start_s, side="left"))
        hi = int(np.searchsorted(self.m_created, now_s, side="right"))
        return np.arange(lo, min(hi, lo + limit))

    def members_between(self, start_s: int, end_s: int, now_s: int) -> tuple[int, int]:
        lo = int(np.searchsorted(self.m_created, start_s, side="left"))
        hi = int(np.searchsorted(self.m_created, min(end_s, now_s), side="right"))
        return lo, max(lo, hi)

    def member_count(self, now_s: int) -> int:
        return int(np.searchsorted(self.m_created, now_s, side="right"))

    def put_member(self, signed_up: dt.datetime, **fields: Any) -> str:
        """Put one specific person in the mall (tests: the same member on several platforms).

        The member who signed up first at or after `signed_up` now signs up exactly then (the sign-up order
        stays sorted) and answers with `fields` (name, email, cellphone, sms, news_mail, ...) over the
        generated ones. Their member_id comes back."""
        at = int(signed_up.timestamp())
        with self._guard:
            i = int(np.searchsorted(self.m_created, at, side="left"))
            if i >= self.m_created.size:
                raise ValueError(f"no member of this mall signs up at or after {signed_up.isoformat()}")
            self.m_created[i] = at
            self._member_fields[i] = dict(fields)
        return self.member_rows(np.array([i]))[0]["member_id"]

    def member_rows(self, idx: np.ndarray) -> list[dict[str, Any]]:
        idx = np.asarray(idx, dtype=np.int64)
        created = iso_kst(self.m_created[idx])
        login = iso_kst(self.m_login[idx])
        birth = np.datetime_as_string(self.m_birth[idx].astype("datetime64[D]")).tolist()
        fam, giv, dom = self.m_family[idx].tolist(), self.m_given[idx].tolist(), self.m_domain[idx].tolist()
        phone, sms, news = self.m_phone[idx].tolist(), self.m_sms[idx].tolist(), self.m_news[idx].tolist()
        group, mobile = self.m_group[idx].tolist(), self.m_mobile[idx].tolist()
        rows = []
        for j, i in enumerate(idx.tolist()):
            f_ko, f_en, _ = FAMILY[fam[j]]
            g_ko, g_en, gender = GIVEN[giv[j]]
            p = phone[j]
            rows.append({
                "shop_no": 1, "member_id": f"{g_en}{i + 1}", "name": f_ko + g_ko,
                "name_english": f"{g_en.capitalize()} {f_en.capitalize()}", "phone": "",
                "cellphone": f"010-{p // 10000:04d}-{p % 10000:04d}",
                "email": f"{g_en}.{f_en}{i + 1}@{DOMAINS[dom[j]]}",
                "sms": "T" if sms[j] else "F", "news_mail": "T" if news[j] else "F", "thirdparty_agree": "F",
                "birthday": birth[j], "solar_calendar": "T", "group_no": group[j],
                "created_date": created[j], "last_login_date": login[j], "member_authority": "C",
                "member_authentication": "T", "use_blacklist": "F", "gender": gender, "member_type": "p",
                "join_path": "M" if mobile[j] else "P", "use_mobile_app": "F", "country_code": "KR",
                **self._member_fields.get(i, {}),
            })
        return rows

    # ----------------------------------------------------------------- orders
    DATE_TYPES = {"order_date": "order", "pay_date": "pay", "shipbegin_date": "ship", "shipend_date": "deliver",
                  "cancel_date": "cancel", "cancel_complete_date": "cancel", "return_complete_date": "return",
                  "purchaseconfirmation_date": "confirm"}

    def order_count(self, now_s: int) -> int:
        return int(np.count_nonzero(self.o["order"] <= now_s))

    def orders_between(self, date_type: str, start_s: int, end_s: int, now_s: int) -> np.ndarray:
        """Orders whose `date_type` event fell in [start, end] and by now, by that event then order number."""
        key = (date_type, start_s, end_s, now_s, self.o["seq"].size)
        with self._guard:
            hit = self._selection_cache.get(key)
        if hit is not None:
            return hit
        at = self.o[self.DATE_TYPES[date_type]]
        hi = min(end_s, now_s)
        idx = np.nonzero((at >= start_s) & (at <= hi) & (self.o["order"] <= now_s))[0]
        idx = idx[np.lexsort((self.o["seq"][idx], at[idx]))]
        with self._guard:
            if len(self._selection_cache) > 64:
                self._selection_cache.clear()
            self._selection_cache[key] = idx
        return idx

    def order_status(self, idx: np.ndarray, now_s: int) -> np.ndarray:
        o = self.o
        status = np.full(idx.size, "N00", dtype="<U3")
        for event, code in (("pay", "N20"), ("ship", "N30"), ("deliver", "N40"), ("confirm", "N50"),
                            ("return", "R40"), ("cancel", "C40")):
            status[o[event][idx] <= now_s] = code
        status[(status == "C40") & o["unpaid"][idx]] = "C48"
        return status

    def order_rows(self, idx: np.ndarray, now_s: int, *, embed: set[str], image_base: str) -> list[dict[str, Any]]:
        o = self.o
        idx = np.asarray(idx, dtype=np.int64)
        status = self.order_status(idx, now_s).tolist()
        seen = {e: np.where(o[e][idx] <= now_s, o[e][idx], NEVER) for e in
                ("order", "pay", "ship", "deliver", "cancel", "return", "confirm")}
        text = {e: iso_kst(v) for e, v in seen.items()}
        rows = []
        for j, i in enumerate(idx.tolist()):
            member, buyer = int(o["member"][i]), int(o["buyer"][i])
            lines = [(int(p), int(q)) for p, q in zip(o["prod"][i], o["qty"][i], strict=True) if p >= 0]
            amount = sum(self._price_at(p, int(o["order"][i])) * q for p, q in lines)
            shipping = 0 if amount >= 50_000 else 3_000
            code = status[j]
            day = dt.datetime.fromtimestamp(int(o["order"][i]), KST).strftime("%Y%m%d")
            order_id = f"{day}-{int(o['seq'][i]):07d}"
            buyer_row = self.member_rows(np.array([buyer]))[0]
            row: dict[str, Any] = {
                "shop_no": 1, "currency": "KRW", "order_id": order_id,
                "member_id": buyer_row["member_id"] if member >= 0 else "",
                "member_email": buyer_row["email"] if member >= 0 else "",
                "billing_name": buyer_row["name"],
                "payment_method": ["cash"] if o["cash"][i] else ["card"],
                "payment_method_name": ["무통장입금"] if o["cash"][i] else ["신용카드"],
                "paid": "T" if text["pay"][j] else "F",
                "canceled": "T" if code.startswith("C") else "F",
                "order_date": text["order"][j], "payment_date": text["pay"][j],
                "first_order": "F", "order_from_mobile": "T" if o["mobile"][i] else "F", "use_escrow": "F",
                "initial_order_amount": {"order_price_amount": f"{amount:.2f}", "shipping_fee": f"{shipping:.2f}",
                                         "payment_amount": f"{amount + shipping:.2f}"},
                "actual_order_amount": {"order_price_amount": f"{amount:.2f}", "shipping_fee": f"{shipping:.2f}",
                                        "payment_amount": f"{0 if code.startswith('C') else amount + shipping:.2f}"},
                "payment_amount": f"{amount + shipping:.2f}",
                "cancel_date": text["cancel"][j], "return_confirmed_date": text["return"][j],
                "shipping_type": "A", "shipping_type_text": "국내배송",
                "shipping_status": {"N30": "M", "N40": "T", "N50": "T", "R40": "T"}.get(code, "F"),
                "order_place_id": "mobile" if o["mobile"][i] else "cafe24",
            }
            if "items" in embed:
                row["items"] = [{
                    "shop_no": 1, "item_no": k + 1, "order_item_code": f"{order_id}-{k + 1:02d}",
                    "product_no": self.products[p]["no"], "product_code": f"P{self.products[p]['no']:07d}",
                    "product_name": self.products[p]["name"], "eng_product_name": self.products[p]["eng_name"],
                    "option_value": "", "quantity": q,
                    "product_price": f"{self._price_at(p, int(o['order'][i])):.2f}",
                    "order_status": code, "status_text": STATUS_TEXT.get(code, ""),
                    "shipped_date": text["ship"][j], "delivered_date": text["deliver"][j],
                    "cancel_date": text["cancel"][j], "purchaseconfirmation_date": text["confirm"][j],
                    "product_image": f"{image_base}/web/product/big/{self.products[p]['no']}.svg",
                } for k, (p, q) in enumerate(lines)]
            if "buyer" in embed:
                row["buyer"] = {"name": buyer_row["name"], "email": buyer_row["email"],
                                "cellphone": buyer_row["cellphone"], "member_id": row["member_id"]}
            rows.append(row)
        return rows

    def add_late_order(self, at_s: int) -> str:
        """A marketplace order that reaches the mall late, dated in the past (what a changing page looks like)."""
        with self._guard:
            o = self.o
            src = int(np.searchsorted(o["order"], at_s))
            src = min(src, o["order"].size - 1)
            new = {k: v[src:src + 1].copy() for k, v in o.items()}
            new["seq"] = np.array([o["seq"].size + 1], dtype=np.int64)
            new["order"] = np.array([at_s], dtype=np.int64)
            new["pay"] = np.array([at_s + 60], dtype=np.int64)
            for event in ("ship", "deliver", "cancel", "return", "confirm"):
                new[event] = np.array([NEVER], dtype=np.int64)
            new["unpaid"] = np.array([False])
            self.o = {k: np.concatenate([v, new[k]]) for k, v in o.items()}
            self._selection_cache.clear()
        day = dt.datetime.fromtimestamp(at_s, KST).strftime("%Y%m%d")
        return f"{day}-{self.o['seq'].size:07d}"

    # ----------------------------------------------------------------- products & categories
    def _price_at(self, p: int, at_s: int) -> int:
        product = self.products[p]
        return product["new_price"] if product["change_at"] <= at_s else product["price"]

    def products_visible(self, now_s: int) -> list[int]:
        return [i for i, p in enumerate(self.products) if p["created"] <= now_s]

    def product_updated(self, p: int, now_s: int) -> int:
        product = self.products[p]
        return product["change_at"] if product["change_at"] <= now_s else product["created"]

    def product_row(self, p: int, now_s: int, image_base: str) -> dict[str, Any]:
        product = self.products[p]
        leaf: Category = product["leaf"]
        created, updated = iso_kst(np.array([product["created"], self.product_updated(p, now_s)]))
        image = f"{image_base}/web/product/big/{product['no']}.svg"
        price = self._price_at(p, now_s)
        return {
            "shop_no": 1, "product_no": product["no"], "product_code": f"P{product['no']:07d}",
            "custom_product_code": "", "product_name": product["name"], "eng_product_name": product["eng_name"],
            "supply_product_name": product["supply_name"], "internal_product_name": "",
            "model_name": product["model"], "price": f"{price:.2f}", "retail_price": f"{product['price']:.2f}",
            "supply_price": f"{int(price * 0.6):.2f}", "display": "T", "selling": "T",
            "product_condition": "N", "summary_description": f"{leaf.path_names[-1]} · {product['material']}",
            "detail_image": image, "list_image": image, "tiny_image": image, "small_image": image,
            "supplier_code": f"S{SUPPLIERS.index(product['supplier']):07d}", "supplier_name": product["supplier"],
            "made_date": "", "origin_place_value": product["origin"], "product_material": product["material"],
            "created_date": created, "updated_date": updated, "sold_out": "F",
            "category": [{"category_no": no, "recommend": "F", "new": "F"} for no in leaf.path_nos],
            "additional_information": [
                {"key": "custom_option1", "name": "소재", "value": product["material"]},
                {"key": "custom_option2", "name": "원산지", "value": product["origin"]},
                {"key": "custom_option3", "name": "품질보증기간", "value": f"구매일로부터 {product['warranty_months']}개월"},
            ],
        }

    def category_rows(self) -> list[dict[str, Any]]:
        rows = []
        for order, c in enumerate(self.categories):
            names = c.path_names + [None] * (4 - len(c.path_names))
            nos = c.path_nos + [None] * (4 - len(c.path_nos))
            rows.append({
                "shop_no": 1, "category_no": c.no, "category_depth": c.depth, "parent_category_no": c.parent,
                "category_name": c.name, "display_type": "A",
                "full_category_name": {str(k + 1): v for k, v in enumerate(names)},
                "full_category_no": {str(k + 1): v for k, v in enumerate(nos)},
                "root_category_no": c.path_nos[0], "use_main": "T" if c.depth == 1 else "F",
                "use_display": "T", "display_order": order + 1,
            })
        return rows

    # ----------------------------------------------------------------- carts (sandbox extension)
    def cart_updated(self, idx: np.ndarray, now_s: int) -> np.ndarray:
        c = self.c
        ordered_at = np.where(c["order"][idx] >= 0, self.o["order"][np.maximum(c["order"][idx], 0)], NEVER)
        activity = np.where(c["activity"][idx] <= now_s, c["activity"][idx], c["created"][idx])
        return np.where(ordered_at <= now_s, ordered_at, activity)

    def carts_between(self, start_s: int, end_s: int, now_s: int) -> np.ndarray:
        key = ("carts", start_s, end_s, now_s)
        with self._guard:
            hit = self._selection_cache.get(key)
        if hit is not None:
            return hit
        visible = np.nonzero(self.c["created"] <= now_s)[0]
        updated = self.cart_updated(visible, now_s)
        keep = (updated >= start_s) & (updated <= min(end_s, now_s))
        idx, upd = visible[keep], updated[keep]
        idx = idx[np.lexsort((idx, upd))]
        with self._guard:
            self._selection_cache[key] = idx
        return idx

    def cart_rows(self, idx: np.ndarray, now_s: int, *, image_base: str) -> list[dict[str, Any]]:
        c = self.c
        idx = np.asarray(idx, dtype=np.int64)
        updated = iso_kst(self.cart_updated(idx, now_s))
        created = iso_kst(c["created"][idx])
        rows = []
        for j, i in enumerate(idx.tolist()):
            member = self.member_rows(np.array([int(c["member"][i])]))[0]
            order = int(c["order"][i])
            ordered = order >= 0 and self.o["order"][order] <= now_s
            lines = [(int(p), int(q)) for p, q in zip(c["prod"][i], c["qty"][i], strict=True) if p >= 0]
            items = [{
                "basket_product_no": k + 1, "product_no": self.products[p]["no"],
                "product_name": self.products[p]["name"], "option_value": "", "quantity": q,
                "product_price": f"{self._price_at(p, int(c['created'][i])):.2f}",
                "product_image": f"{image_base}/web/product/big/{self.products[p]['no']}.svg",
            } for k, (p, q) in enumerate(lines)]
            total = sum(float(it["product_price"]) * it["quantity"] for it in items)
            order_id = None
            if ordered:
                day = dt.datetime.fromtimestamp(int(self.o["order"][order]), KST).strftime("%Y%m%d")
                order_id = f"{day}-{int(self.o['seq'][order]):07d}"
            rows.append({
                "shop_no": 1, "cart_no": i + 1, "member_id": member["member_id"], "email": member["email"],
                "status": "ordered" if ordered else "open", "order_id": order_id,
                "created_date": created[j], "updated_date": updated[j], "currency": "KRW",
                "total_amount": f"{total:.2f}",
                "recovery_url": f"{image_base}/order/basket.html?cart_no={i + 1}", "items": items,
            })
        return rows

    def member_index(self, member_id: str, now_s: int) -> int | None:
        """The index of the member `member_id` (a given name and the member's number), if joined by `now_s`."""
        digits = member_id.lstrip("abcdefghijklmnopqrstuvwxyz")
        if not digits.isdigit():
            return None
        i = int(digits) - 1
        if 0 <= i < self.m_created.size and self.member_key(i) == member_id and self.m_created[i] <= now_s:
            return i
        return None

    def cart_lines(self, member_ids: list[str], now_s: int) -> list[dict[str, Any]]:
        """What is in these members' carts at `now_s`, one row per line, shaped as the Admin API's `carts`.

        A member has one basket: their newest cart not yet ordered (what the basket page shows them)."""
        c = self.c
        rows: list[dict[str, Any]] = []
        for member_id in dict.fromkeys(member_ids):
            i = self.open_cart_of(member_id, now_s)
            if i is None:
                continue
            created = iso_kst(np.array([c["created"][i]]))[0]
            lines = [(int(p), int(q)) for p, q in zip(c["prod"][i], c["qty"][i], strict=True) if p >= 0]
            for k, (p, q) in enumerate(lines):
                no = self.products[p]["no"]
                rows.append({
                    "shop_no": 1, "basket_product_no": i * 10 + k + 1, "member_id": member_id,
                    "created_date": created, "product_no": no, "additional_option_values": [],
                    "variant_code": f"P{no:07d}000A"[:12], "quantity": q,
                    "product_price": f"{self._price_at(p, int(c['created'][i])):.2f}", "option_price": "0.00",
                    "product_bundle": "F", "shipping_type": "A", "category_no": 1,
                })
        rows.sort(key=lambda r: (r["member_id"], r["basket_product_no"]))
        return rows

    def basket_of(self, member_id: str, now_s: int) -> int | None:
        """The member's basket at `now_s`: their newest cart (the basket page shows it, ordered or not)."""
        member = self.member_index(member_id, now_s)
        if member is None:
            return None
        mine = np.nonzero((self.c["member"] == member) & (self.c["created"] <= now_s))[0]
        return int(mine[-1]) if mine.size else None

    def open_cart_of(self, member_id: str, now_s: int) -> int | None:
        """The member's basket if it holds lines still (not yet ordered by `now_s`)."""
        i = self.basket_of(member_id, now_s)
        if i is None:
            return None
        order = int(self.c["order"][i])
        return None if order >= 0 and self.o["order"][order] <= now_s else i

    def events_between(self, start_s: int, end_s: int) -> list[dict[str, Any]]:
        """What the mall's webhooks announce for (start_s, end_s]: members joined, orders placed, paid and
        delivered; each as `{"event_no", "resource"}` in the order it happened."""
        o = self.o
        found: list[tuple[int, int, dict[str, Any]]] = []
        joined = np.nonzero((self.m_created > start_s) & (self.m_created <= end_s))[0]
        for i in joined.tolist():
            found.append((int(self.m_created[i]), 0, {"event_no": EVENT_MEMBER_JOINED, "resource": {
                "event_shop_no": "1", "member_id": self.member_key(i),
                "created_date": iso_kst(np.array([self.m_created[i]]))[0]}}))
        for date, event_no, code in (("order", EVENT_ORDER_PLACED, "order_placed"),
                                     ("pay", EVENT_ORDER_PAYMENT, "payment_complete"),
                                     ("deliver", EVENT_ORDER_SHIPPING, "shipping_complete")):
            idx = np.nonzero((o[date] > start_s) & (o[date] <= end_s))[0]
            for i in idx.tolist():
                member = int(o["member"][i])
                found.append((int(o[date][i]), 1, {"event_no": event_no, "resource": {
                    "event_shop_no": "1", "event_code": code, "order_id": self.order_id(i),
                    "member_id": self.member_key(member) if member >= 0 else "",
                    "order_date": iso_kst(np.array([o["order"][i]]))[0]}}))
        found.sort(key=lambda f: (f[0], f[1]))
        return [f[2] for f in found]

    # ----------------------------------------------------------------- the storefront
    def product_index(self, product_no: int, now_s: int) -> int | None:
        """The catalogue index of the product numbered `product_no`, if it is on sale by `now_s`."""
        i = product_no - 11
        if 0 <= i < len(self.products) and self.products[i]["created"] <= now_s:
            return i
        return None

    def cart_index(self, cart_no: int, now_s: int) -> int | None:
        """The index of the cart numbered `cart_no`, if it has been filled by `now_s`."""
        i = cart_no - 1
        if 0 <= i < self.c["created"].size and self.c["created"][i] <= now_s:
            return i
        return None

    def order_id(self, i: int) -> str:
        day = dt.datetime.fromtimestamp(int(self.o["order"][i]), KST).strftime("%Y%m%d")
        return f"{day}-{int(self.o['seq'][i]):07d}"

    def order_by_id(self, order_id: str, now_s: int) -> int | None:
        """The index of the order `order_id`, if it has been placed by `now_s`."""
        _, _, seq = order_id.partition("-")
        if not seq.isdigit():
            return None
        found = np.nonzero(self.o["seq"] == int(seq))[0]
        if not found.size or self.o["order"][found[0]] > now_s or self.order_id(int(found[0])) != order_id:
            return None
        return int(found[0])

    def place_order(self, cart: int, now_s: int) -> str:
        """The cart's owner checks out at `now_s` (the storefront's 주문하기): an order of the cart's items,
        paid by card a few seconds later and on its way at the mall's pace. A cart already ordered by now
        answers its order instead of ordering twice. The order's id comes back."""
        pace = self.pace if self.pace.lively else QUIET_PIPELINE
        rng = np.random.default_rng([self.seed, 2, cart, now_s])
        with self._guard:
            o, c = self.o, self.c
            ordered = int(c["order"][cart])
            if ordered >= 0 and o["order"][ordered] <= now_s:
                return self.order_id(ordered)
            member = int(c["member"][cart])
            pay = now_s + int(rng.integers(*pace.pay_s))
            ship = pay + int(rng.integers(*pace.ship_s))
            deliver = ship + int(rng.integers(*pace.deliver_s))
            new: dict[str, np.ndarray] = {
                "member": np.array([member]), "buyer": np.array([member]),
                "seq": np.array([self._next_storefront_seq]), "order": np.array([now_s]), "pay": np.array([pay]),
                "ship": np.array([ship]), "deliver": np.array([deliver]), "cancel": np.array([NEVER]),
                "unpaid": np.array([False]), "return": np.array([NEVER]), "confirm": np.array([NEVER]),
                "prod": c["prod"][cart:cart + 1].copy(), "qty": c["qty"][cart:cart + 1].copy(),
                "cash": np.array([False]), "mobile": np.array([False]),
            }
            index = o["order"].size
            self._next_storefront_seq += 1
            self.o = {k: np.concatenate([v, new[k].astype(v.dtype)]) for k, v in o.items()}
            orders = c["order"].copy()
            orders[cart] = index
            self.c = {**c, "order": orders}
            self._selection_cache.clear()
        return self.order_id(index)

    # ----------------------------------------------------------------- what happened
    def life(self, start_s: int, end_s: int) -> dict[str, int]:
        """What happened in the mall in (start_s, end_s]: sign-ups, carts filled (and of them, left behind
        for good), orders placed, paid, shipped and delivered. A plain function of the mall and two
        instants, so a test reads ten minutes of the mall's life without waiting them out."""
        def between(at: np.ndarray) -> np.ndarray:
            return (at > start_s) & (at <= end_s)
        c, o = self.c, self.o
        carts = between(c["created"])
        return {
            "signups": int(between(self.m_created).sum()), "carts": int(carts.sum()),
            "abandoned": int((carts & (c["order"] < 0)).sum()), "orders": int(between(o["order"]).sum()),
            "payments": int(between(o["pay"]).sum()), "shipments": int(between(o["ship"]).sum()),
            "deliveries": int(between(o["deliver"]).sum()),
        }

    # ----------------------------------------------------------------- what the mall holds now
    def counts(self, now_s: int | None = None) -> dict[str, int]:
        """What a complete sync up to `now_s` (default: the mall's now) must land."""
        now_s = self.clock.now_s() if now_s is None else now_s
        orders = self.o["order"] <= now_s
        carts = self.c["created"] <= now_s
        return {
            "members": self.member_count(now_s), "orders": int(orders.sum()),
            "order_items": int((self.o["prod"][orders] >= 0).sum()),
            "products": len(self.products_visible(now_s)), "categories": len(self.categories),
            "carts": int(carts.sum()), "cart_items": int((self.c["prod"][carts] >= 0).sum()),
        }


STATUS_TEXT = {"N00": "입금전", "N10": "상품준비중", "N20": "배송준비중", "N30": "배송중", "N40": "배송완료",
               "N50": "구매확정", "C40": "취소완료", "C48": "입금전취소 - 자동취소", "R40": "반품완료 - 환불완료"}
