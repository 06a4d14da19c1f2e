"""Temu-KR-like skin: category pages show the first products and load more by infinite scroll
(JS fetch of /api/goods); product pages are plain HTML with 정가/할인가 prices."""

from __future__ import annotations

import re
from urllib.parse import quote

from ..catalog import scramble, serial
from .base import Request, Response, Skin, discount_pct, esc, int_arg, json_response, krw_sign, page_response

PRODUCT_RE = re.compile(r"^/kr/[a-z0-9-]*-g-(\d+)\.html$")
CATEGORY_RE = re.compile(r"^/kr/([a-z-]+)\.html$")
SEARCH_PATH = "/kr/search_result.html"
HIDDEN = ' style="display:none"'

SCROLL_JS = """
(function () {
  var list = document.getElementById('goods-list');
  var more = document.getElementById('load-more');
  var cat = list.getAttribute('data-category');
  var busy = false;
  function load() {
    if (busy || more.getAttribute('data-has-more') !== 'true') return;
    busy = true;
    fetch('/api/goods?category=' + cat + '&offset=' + more.getAttribute('data-offset') + '&limit=12')
      .then(function (r) { return r.json(); })
      .then(function (d) {
        d.goods.forEach(function (g) {
          var li = document.createElement('li');
          li.className = 'goods-item';
          li.innerHTML = '<a href="' + g.url + '"><p class="goods-name">' + g.title + '</p>' +
                         '<span class="goods-price">' + g.price + '</span></a>';
          list.appendChild(li);
        });
        more.setAttribute('data-offset', d.nextOffset);
        more.setAttribute('data-has-more', d.hasMore ? 'true' : 'false');
        if (!d.hasMore) more.style.display = 'none';
        busy = false;
      });
  }
  more.addEventListener('click', load);
  window.addEventListener('scroll', function () {
    if (window.innerHeight + window.scrollY >= document.body.offsetHeight - 50) load();
  });
})();
"""


def slugify(title: str) -> str:
    """ASCII words of a title joined by hyphens (Temu-style URL text), 'goods' when none."""
    words = re.findall(r"[a-z0-9]+", title.lower())
    return "-".join(words[:6]) or "goods"


class TemuKrSkin(Skin):
    """Products at /kr/<text>-g-<goods_id>.html; categories at /kr/<slug>.html (first `per_page` in HTML,
    the rest from GET /api/goods?category=<slug>&offset=N&limit=M)."""

    name = "temu_kr"
    per_page = 12
    removal_default = "redirect"
    robots_disallow = ("/cart", "/search", SEARCH_PATH, "/kr/cart.html")

    def listing_id(self, entry: dict) -> str:
        return str(601_099_000_000_000 + scramble(serial(entry["id"]), self.name))

    def product_path(self, entry: dict) -> str:
        return f"/kr/{slugify(entry['title'])}-g-{self.listing_id(entry)}.html"

    def removed_redirect(self, entry: dict) -> str:
        return f"{SEARCH_PATH}?search_key={quote(entry['title'][:20])}"

    def route(self, req: Request) -> Response | None:
        if req.path == "/" or req.path == "/kr/":
            links = "".join(f'<li><a href="/kr/{s}.html">{esc(self.category_name(s))}</a></li>' for s in self.slugs)
            return page_response(self.shell("Temu", f'<ul class="nav-category">{links}</ul>'))
        if m := PRODUCT_RE.match(req.path):
            return self.product(m.group(1), req)
        if req.path == SEARCH_PATH:
            return page_response(self.shell("검색 결과", '<p class="empty">검색 결과가 없습니다</p>'))
        if (m := CATEGORY_RE.match(req.path)) and m.group(1) in self.slugs:
            return self.category(m.group(1))
        if req.path == "/api/goods" and req.query.get("category") in self.slugs:
            limit = min(int_arg(req.query, "limit", self.per_page) or self.per_page, 60)
            return self.goods_api(req.query["category"], int_arg(req.query, "offset", 0), limit)
        return None

    def shell(self, title: str, body: str, script: str = "") -> str:
        return (
            '<!DOCTYPE html><html lang="ko"><head><meta charset="utf-8">'
            f'<title>{esc(title)} | Temu 한국</title></head><body><header><a href="/">Temu</a></header>'
            f"<main>{body}</main>{script}</body></html>"
        )

    def card(self, lid: str, e: dict) -> dict:
        return {"goodsId": lid, "title": e["title"], "price": krw_sign(e["price"]), "url": self.product_path(e)}

    def category(self, slug: str) -> Response:
        live = self.live(slug)
        first = live[: self.per_page]
        items = "".join(
            f'<li class="goods-item"><a href="{esc(self.product_path(e))}"><p class="goods-name">{esc(e["title"])}</p>'
            f'<span class="goods-price">{krw_sign(e["price"])}</span></a></li>'
            for _, e in first
        )
        more = len(live) > self.per_page
        body = (
            f'<h1>{esc(self.category_name(slug))}</h1><ul id="goods-list" data-category="{slug}">{items}</ul>'
            f'<button id="load-more" type="button" data-offset="{len(first)}" data-has-more="{str(more).lower()}"'
            f"{'' if more else HIDDEN}>더보기</button>"
        )
        return page_response(self.shell(self.category_name(slug), body, f"<script>{SCROLL_JS}</script>"))

    def goods_api(self, slug: str, offset: int, limit: int) -> Response:
        live = self.live(slug)
        chunk = live[offset : offset + limit]
        nxt = offset + len(chunk)
        return json_response(
            {
                "goods": [self.card(lid, e) for lid, e in chunk],
                "offset": offset,
                "nextOffset": nxt,
                "hasMore": nxt < len(live),
                "total": len(live),
            }
        )

    def render_product(self, e: dict, lid: str, req: Request, sold_out: bool) -> Response:
        pct = discount_pct(e["price"], e.get("original_price"))
        prices = f'<span class="price-sale">할인가 {krw_sign(e["price"])}</span>'
        if pct:
            prices = (
                f'<span class="price-origin">정가 <del>{krw_sign(e["original_price"])}</del></span> {prices}'
                f' <span class="discount-rate">-{pct}%</span>'
            )
        props = [
            ("브랜드", e.get("brand")),
            ("모델", e.get("model")),
            ("KC 인증", e.get("kc_cert")),
            ("권장 연령", e.get("age")),
        ]
        rows = "".join(
            f'<li><span class="prop-key">{esc(k)}</span><span class="prop-val">{esc(v)}</span></li>'
            for k, v in props
            if v is not None
        )
        skus = "".join(
            f'<li class="sku" data-price="{o["price"]}">{esc(o["name"])} {krw_sign(o["price"])}</li>'
            for o in e.get("options") or []
        )
        state = (
            '<div class="sold-out">품절 (Sold out)</div>'
            if sold_out
            else '<button class="add-cart">장바구니 담기</button>'
        )
        agent = '<div class="overseas">해외 직배송 · 구매대행</div>' if e.get("purchase_agent") else ""
        notice = (
            '<p class="agent-notice">이 제품은 구매대행을 통하여 유통되는 제품임</p>'
            if e.get("purchase_agent_notice")
            else ""
        )
        body = (
            f'<div class="goods-detail" data-goods-id="{lid}">'
            f'<img class="goods-img" src="{esc(self.image_url(req, lid))}">'
            f'<h1 class="goods-title">{esc(e["title"])}</h1><div class="goods-price">{prices}</div>'
            f'<div class="mall-name">판매자: {esc(e.get("seller"))}</div>{agent}'
            f'<ul class="sku-list">{skus}</ul>{state}<ul class="goods-props">{rows}</ul>'
            f'<div class="goods-desc">{esc(e.get("description"))}</div>{notice}</div>'
        )
        return page_response(self.shell(e["title"], body))
