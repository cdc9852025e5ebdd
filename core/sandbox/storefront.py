"""The sandbox mall's storefront: the few shop pages a message's links lead to, in Korean.

A recovery link in a cart e-mail, a product link, a tracked click: each lands on a page here, served
by the sandbox shop beside its Admin API, at the paths a Cafe24 mall's default skin uses
(`/product/detail.html?product_no=N`, `/order/basket.html`: a real mall shows the signed-in member's basket
there; the sandbox, which has no sign-in, takes `member_id` (or a `cart_no`) in the link). "주문하기" on a
cart places a real order in the mall, which the next
sync brings in like any other (and so recovers the cart).

Pages are plain functions of the mall and an instant that answer (status, HTML); the server only routes.
Jinja2 renders them, escaping every value (product and member names come from the mall's data).
"""
from __future__ import annotations

import datetime as dt
from typing import Any

import jinja2
import numpy as np

from core.sandbox.mall import KST, STATUS_TEXT, Mall

SHOP_NAME = "샌드박스 쇼핑몰"
FREE_SHIPPING_FROM = 50_000   # the mall's orders ship free from this amount (see Mall.order_rows)
SHIPPING_FEE = 3_000
# What a buyer reads about their order: Cafe24's status words, but a card payment seconds away is not "입금전".
BUYER_STATUS = {**STATUS_TEXT, "N00": "결제 확인 중", "N20": "결제 완료 · 배송 준비 중"}

_LAYOUT = """<!doctype html>
<html lang="ko"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{% block title %}{% endblock %} · {{ shop }}</title>
<style>
  :root { --ink:#1f2937; --muted:#6b7280; --line:#e5e7eb; --accent:#2a9d8f; --bg:#f7f7f5; }
  * { box-sizing:border-box; }
  body { margin:0; font-family:"Noto Sans KR","Apple SD Gothic Neo","Malgun Gothic",sans-serif;
         color:var(--ink); background:var(--bg); line-height:1.55; word-break:keep-all; }
  a { color:inherit; text-decoration:none; }
  header { background:#fff; border-bottom:1px solid var(--line); }
  .bar { max-width:960px; margin:0 auto; padding:14px 20px; display:flex; align-items:center; gap:12px; }
  .logo { font-weight:700; font-size:20px; letter-spacing:-0.02em; }
  .badge { white-space:nowrap; font-size:12px; color:var(--accent); border:1px solid var(--accent);
           border-radius:999px; padding:1px 8px; }
  nav { margin-left:auto; font-size:14px; color:var(--muted); }
  main { max-width:960px; margin:0 auto; padding:28px 20px 48px; }
  h1 { font-size:24px; margin:0 0 18px; letter-spacing:-0.02em; }
  .crumbs { font-size:13px; color:var(--muted); margin-bottom:10px; }
  .grid { display:grid; grid-template-columns:repeat(auto-fill, minmax(200px, 1fr)); gap:18px; }
  .card { background:#fff; border:1px solid var(--line); border-radius:12px; overflow:hidden; }
  .card img { width:100%; aspect-ratio:1; display:block; }
  .card .body { padding:12px 14px 16px; }
  .name { font-size:15px; margin:0 0 6px; }
  .price { font-weight:700; font-size:16px; }
  .was { color:var(--muted); text-decoration:line-through; font-weight:400; font-size:14px; margin-left:6px; }
  .product { display:grid; grid-template-columns:minmax(0, 1fr) minmax(0, 1fr); gap:32px; background:#fff;
             border:1px solid var(--line); border-radius:16px; padding:28px; }
  .product img { width:100%; border-radius:12px; }
  .product .price { font-size:26px; margin:8px 0 18px; }
  table.info { width:100%; border-collapse:collapse; font-size:14px; }
  table.info th { text-align:left; color:var(--muted); font-weight:400; width:34%; padding:8px 0;
                  border-top:1px solid var(--line); }
  table.info td { padding:8px 0; border-top:1px solid var(--line); }
  .panel { background:#fff; border:1px solid var(--line); border-radius:16px; padding:8px 24px 24px; }
  .line { display:flex; gap:16px; align-items:center; padding:16px 0; border-bottom:1px solid var(--line); }
  .line img { width:84px; height:84px; border-radius:10px; flex:none; }
  .line .what { flex:1; }
  .line .qty { color:var(--muted); font-size:14px; }
  .sum { display:flex; justify-content:space-between; padding:8px 0; font-size:15px; }
  .sum.total { font-size:20px; font-weight:700; border-top:2px solid var(--ink); margin-top:8px; padding-top:14px; }
  button, .button { display:block; width:100%; margin-top:20px; padding:16px; border:0; border-radius:12px;
                    background:var(--ink); color:#fff; font-size:17px; font-weight:700; cursor:pointer;
                    text-align:center; font-family:inherit; }
  .note { color:var(--muted); font-size:14px; margin-top:14px; }
  .done { text-align:center; padding:36px 24px; }
  .done .mark { font-size:44px; color:var(--accent); }
  footer { max-width:960px; margin:0 auto; padding:0 20px 40px; color:var(--muted); font-size:12px; }
  @media (max-width:640px) { .product { grid-template-columns:1fr; padding:18px; gap:18px; } }
</style></head>
<body>
<header><div class="bar"><a class="logo" href="/">{{ shop }}</a><span class="badge">체험용</span>
<nav><a href="/">전체 상품</a></nav></div></header>
<main>{% block main %}{% endblock %}</main>
<footer>체험용 샌드박스 쇼핑몰이에요. 주문해도 실제 결제나 배송은 일어나지 않아요.</footer>
</body></html>
"""

_PAGES = {
    "layout.html": _LAYOUT,
    "home.html": """{% extends "layout.html" %}{% block title %}전체 상품{% endblock %}{% block main %}
<h1>지금 판매 중인 상품</h1>
<div class="grid">{% for p in products %}
<a class="card" href="{{ p.url }}"><img src="{{ p.image }}" alt="{{ p.name }}">
<div class="body"><p class="name">{{ p.name }}</p><div class="price">{{ p.price | won }}</div></div></a>
{% endfor %}</div>{% endblock %}""",
    "product.html": """{% extends "layout.html" %}{% block title %}{{ p.name }}{% endblock %}{% block main %}
<div class="crumbs">{{ p.path | join(" › ") }}</div>
<div class="product"><img src="{{ p.image }}" alt="{{ p.name }}">
<div><h1>{{ p.name }}</h1>
<div class="price">{{ p.price | won }}{% if p.was %}<span class="was">{{ p.was | won }}</span>{% endif %}</div>
<table class="info">
<tr><th>영문 상품명</th><td>{{ p.eng_name }}</td></tr>
<tr><th>모델명</th><td>{{ p.model }}</td></tr>
<tr><th>소재</th><td>{{ p.material }}</td></tr>
<tr><th>원산지</th><td>{{ p.origin }}</td></tr>
<tr><th>품질보증기간</th><td>구매일로부터 {{ p.warranty_months }}개월</td></tr>
<tr><th>배송비</th><td>{{ free_from | won }} 이상 무료배송 (그 외 {{ fee | won }})</td></tr>
</table></div></div>{% endblock %}""",
    "cart.html": """{% extends "layout.html" %}{% block title %}장바구니{% endblock %}{% block main %}
<h1>{{ owner }} 님의 장바구니</h1>
<div class="panel">{% for it in items %}
<div class="line"><a href="{{ it.url }}"><img src="{{ it.image }}" alt="{{ it.name }}"></a>
<div class="what"><a class="name" href="{{ it.url }}">{{ it.name }}</a>
<div class="qty">{{ it.price | won }} · {{ it.quantity }}개</div></div>
<div class="price">{{ it.line | won }}</div></div>{% endfor %}
<div class="sum" style="margin-top:12px"><span>상품 금액</span><span>{{ subtotal | won }}</span></div>
<div class="sum"><span>배송비</span><span>{% if shipping %}{{ shipping | won }}{% else %}무료{% endif %}</span></div>
<div class="sum total"><span>결제 예정 금액</span><span>{{ (subtotal + shipping) | won }}</span></div>
{% if order_id %}
<a class="button" href="/order/order_result.html?order_id={{ order_id }}">주문 내역 보기</a>
<p class="note">이미 주문한 장바구니예요. 주문번호 {{ order_id }}</p>
{% else %}
<form method="post" action="/order/basket.html?cart_no={{ cart_no }}"><button type="submit">주문하기</button></form>
<p class="note">주문하면 카드로 바로 결제되고, 곧 배송이 시작돼요.</p>
{% endif %}</div>{% endblock %}""",
    "order.html": """{% extends "layout.html" %}{% block title %}주문 완료{% endblock %}{% block main %}
<div class="panel done"><div class="mark">✓</div><h1>주문이 완료됐어요</h1>
<p>주문번호 <strong>{{ order_id }}</strong></p>
<p><span class="badge">{{ status }}</span></p>
<p class="note">{{ ordered_at }}에 주문했어요.</p></div>
<div class="panel" style="margin-top:18px">{% for it in items %}
<div class="line"><img src="{{ it.image }}" alt="{{ it.name }}"><div class="what"><a class="name" href="{{ it.url }}">
{{ it.name }}</a><div class="qty">{{ it.price | won }} · {{ it.quantity }}개</div></div></div>{% endfor %}
<div class="sum total"><span>결제 금액</span><span>{{ paid | won }}</span></div></div>{% endblock %}""",
    "missing.html": """{% extends "layout.html" %}{% block title %}페이지를 찾을 수 없어요{% endblock %}{% block main %}
<div class="panel done"><h1>페이지를 찾을 수 없어요</h1>
<p class="note">{{ what }}</p><a class="button" href="/">전체 상품 보러 가기</a></div>{% endblock %}""",
}


def _won(value: float) -> str:
    return f"{int(round(value)):,}원"


_ENV = jinja2.Environment(loader=jinja2.DictLoader(_PAGES), autoescape=True, undefined=jinja2.StrictUndefined)
_ENV.filters["won"] = _won

Page = tuple[int, str]


def _render(name: str, **context: Any) -> str:
    return _ENV.get_template(name).render(shop=SHOP_NAME, **context)


def product_path(product_no: int) -> str:
    return f"/product/detail.html?product_no={product_no}"


def _number(query: dict[str, str], name: str) -> int | None:
    raw = query.get(name, "")
    return int(raw) if raw.isdigit() else None


def missing(what: str = "주소가 바뀌었거나 없어진 페이지예요.") -> Page:
    return 404, _render("missing.html", what=what)


def home(mall: Mall, now_s: int, image_base: str) -> Page:
    """The newest products on sale by `now_s`."""
    on_sale = sorted(mall.products_visible(now_s), key=lambda p: mall.products[p]["created"], reverse=True)[:24]
    products = [{"url": product_path(mall.products[p]["no"]), "name": mall.products[p]["name"],
                 "image": f"{image_base}/web/product/big/{mall.products[p]['no']}.svg",
                 "price": float(mall.product_row(p, now_s, image_base)["price"])} for p in on_sale]
    return 200, _render("home.html", products=products)


def product(mall: Mall, query: dict[str, str], now_s: int, image_base: str) -> Page:
    """A product's page: name, price (and the price before a cut), image, category path, details."""
    no = _number(query, "product_no")
    p = None if no is None else mall.product_index(no, now_s)
    if p is None:
        return missing("판매하지 않는 상품이에요. 상품 번호를 확인해 주세요.")
    row = mall.product_row(p, now_s, image_base)
    price, retail = float(row["price"]), float(row["retail_price"])
    item = mall.products[p]
    return 200, _render("product.html", free_from=FREE_SHIPPING_FROM, fee=SHIPPING_FEE, p={
        "name": row["product_name"], "eng_name": row["eng_product_name"], "model": row["model_name"],
        "image": row["detail_image"], "price": price, "was": retail if retail > price else None,
        "path": item["leaf"].path_names, "material": item["material"], "origin": item["origin"],
        "warranty_months": item["warranty_months"]})


def _lines(items: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [{"name": it["product_name"], "image": it["product_image"], "url": product_path(it["product_no"]),
             "price": float(it["product_price"]), "quantity": int(it["quantity"]),
             "line": float(it["product_price"]) * int(it["quantity"])} for it in items]


def cart(mall: Mall, query: dict[str, str], now_s: int, image_base: str) -> Page:
    """The page a cart's recovery link opens: its owner, items and total, and "주문하기"."""
    no = _number(query, "cart_no")
    i = None if no is None else mall.cart_index(no, now_s)
    if i is None and query.get("member_id"):  # the mall's own basket link: the member's basket
        i = mall.basket_of(query["member_id"], now_s)
        no = None if i is None else i + 1
    if i is None:
        return missing("장바구니를 찾을 수 없어요. 링크가 맞는지 확인해 주세요.")
    row = mall.cart_rows(np.array([i]), now_s, image_base=image_base)[0]
    owner = mall.member_rows(np.array([int(mall.c["member"][i])]))[0]["name"]
    items = _lines(row["items"])
    subtotal = sum(it["line"] for it in items)
    shipping = 0 if subtotal >= FREE_SHIPPING_FROM else SHIPPING_FEE
    return 200, _render("cart.html", owner=owner, items=items, subtotal=subtotal, shipping=shipping,
                        order_id=row["order_id"], cart_no=no)


def checkout(mall: Mall, query: dict[str, str], now_s: int) -> tuple[int, str | None]:
    """"주문하기": the cart becomes an order in the mall; answers (status, the order page to go to)."""
    no = _number(query, "cart_no")
    i = None if no is None else mall.cart_index(no, now_s)
    if i is None and query.get("member_id"):
        i = mall.basket_of(query["member_id"], now_s)
    if i is None:
        return 404, None
    return 303, f"/order/order_result.html?order_id={mall.place_order(i, now_s)}"


def order(mall: Mall, query: dict[str, str], now_s: int, image_base: str) -> Page:
    """The order-complete page "주문하기" leads to."""
    i = mall.order_by_id(query.get("order_id", ""), now_s)
    if i is None:
        return missing("주문을 찾을 수 없어요. 주문번호를 확인해 주세요.")
    row = mall.order_rows(np.array([i]), now_s, embed={"items"}, image_base=image_base)[0]
    code = row["items"][0]["order_status"] if row["items"] else ""
    ordered_at = dt.datetime.fromisoformat(row["order_date"]).astimezone(KST)
    return 200, _render("order.html", order_id=row["order_id"], status=BUYER_STATUS.get(code, ""),
                        ordered_at=f"{ordered_at:%Y년 %m월 %d일 %H:%M}", items=_lines(row["items"]),
                        paid=float(row["actual_order_amount"]["payment_amount"]))
