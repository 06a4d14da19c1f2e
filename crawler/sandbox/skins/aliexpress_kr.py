"""AliExpress-KR-like skin: category pages are a JS shell filled from /api/search; product pages embed
`window.runParams = {data: {...}}` (a JS object literal, not JSON: the outer key is unquoted)."""

from __future__ import annotations

import re

from ..catalog import scramble, serial, stable_hash
from .base import Request, Response, Skin, esc, int_arg, json_response, page_response, script_json

PRODUCT_RE = re.compile(r"^/item/(\d+)\.html$")
CATEGORY_RE = re.compile(r"^/category/(\d+)/([a-z-]+)\.html$")

GRID_JS = """
(function () {
  var root = document.getElementById('product-grid');
  var pager = document.getElementById('pagination');
  var cat = root.getAttribute('data-category');
  var page = parseInt(new URLSearchParams(location.search).get('page') || '1', 10);
  fetch('/api/search?category=' + cat + '&page=' + page)
    .then(function (r) { return r.json(); })
    .then(function (data) {
      root.innerHTML = data.items.map(function (it) {
        return '<a class="product-card" href="' + it.url + '"><img src="' + it.image + '">' +
               '<h3 class="product-title">' + it.title + '</h3><div class="product-price">' + it.price + '</div></a>';
      }).join('');
      var html = '';
      if (data.page > 1) html += '<a class="prev" href="?page=' + (data.page - 1) + '">&lt;</a>';
      html += '<span class="cur">' + data.page + ' / ' + data.totalPages + '</span>';
      if (data.nextPage) html += '<a class="next-page" href="?page=' + data.nextPage + '">&gt;</a>';
      pager.innerHTML = html;
    });
})();
"""


def krw_text(n: int | None) -> str:
    """12900 -> 'KRW 12900'."""
    return "" if n is None else f"KRW {n}"


class AliexpressKrSkin(Skin):
    """Products at /item/<id>.html; category shells at /category/<id>/<slug>.html, whose grid and pagination
    come from GET /api/search?category=<id>&page=N (JSON)."""

    name = "aliexpress_kr"
    per_page = 20
    removal_default = "410"
    robots_disallow = ("/cart", "/search", "/wholesale", "/api/cart")

    def listing_id(self, entry: dict) -> str:
        return str(1_005_006_000_000_000 + scramble(serial(entry["id"]), self.name))

    def category_code(self, slug: str) -> str:
        return str(200_000_000 + stable_hash(self.name, slug) % 100_000_000)

    def product_path(self, entry: dict) -> str:
        return f"/item/{self.listing_id(entry)}.html"

    def route(self, req: Request) -> Response | None:
        if req.path == "/":
            links = "".join(
                f'<li><a href="/category/{self.category_code(s)}/{s}.html">{esc(self.category_name(s))}</a></li>'
                for s in self.slugs
            )
            return page_response(self.shell("AliExpress", f'<ul class="categories">{links}</ul>'))
        if m := CATEGORY_RE.match(req.path):
            slug = self.by_code.get(m.group(1))
            return self.category_shell(slug, m.group(1)) if slug else None
        if req.path == "/api/search":
            slug = self.by_code.get(req.query.get("category", ""))
            return self.search_api(slug, int_arg(req.query, "page"), req) if slug else None
        if m := PRODUCT_RE.match(req.path):
            return self.product(m.group(1), req)
        return None

    def shell(self, title: str, body: str, script: str = "") -> str:
        return (
            '<!DOCTYPE html><html lang="ko"><head><meta charset="utf-8">'
            f'<title>{esc(title)}</title></head><body><div id="header"><a href="/">AliExpress</a></div>'
            f"{body}{script}</body></html>"
        )

    def category_shell(self, slug: str, code: str) -> Response:
        body = (
            f'<h1 class="category-title">{esc(self.category_name(slug))}</h1>'
            f'<div id="product-grid" data-category="{code}"><div class="loading">Loading...</div></div>'
            '<div id="pagination"></div><noscript>JavaScript를 활성화해 주세요.</noscript>'
        )
        return page_response(self.shell(self.category_name(slug), body, f"<script>{GRID_JS}</script>"))

    def search_api(self, slug: str, page: int, req: Request) -> Response:
        live = self.live(slug)
        items, pages = self.paginate(live, max(page, 1))
        return json_response(
            {
                "page": page,
                "pageSize": self.per_page,
                "totalPages": pages,
                "totalResults": len(live),
                "nextPage": page + 1 if page < pages else None,
                "items": [
                    {
                        "productId": lid,
                        "title": e["title"],
                        "price": krw_text(e["price"]),
                        "url": f"/item/{lid}.html",
                        "image": self.image_url(req, lid),
                    }
                    for lid, e in items
                ],
            }
        )

    def run_params(self, e: dict, lid: str, req: Request, sold_out: bool) -> dict:
        specs = []
        for label, key in (("브랜드", "brand"), ("모델 번호", "model"), ("KC 인증", "kc_cert"), ("권장 연령", "age")):
            if e.get(key) is not None:
                specs.append({"attrName": label, "attrValue": e[key]})
        data = {
            "productInfoComponent": {"id": int(lid), "subject": e["title"], "categoryPath": e.get("category")},
            "priceComponent": {
                "discountPrice": {"formatedAmount": krw_text(e["price"]), "value": e["price"]},
                "origPrice": {"formatedAmount": krw_text(e.get("original_price") or e["price"])},
                "currencyCode": "KRW",
            },
            "storeModule": {"storeName": e.get("seller"), "storeNum": 1100000000 + int(lid) % 99999999},
            "specsModule": {"props": specs},
            "skuModule": {
                "skuList": [{"skuAttr": o["name"], "price": krw_text(o["price"])} for o in e.get("options") or []]
            },
            "quantityModule": {"totalAvailQuantity": 0 if sold_out else 100 + int(lid) % 900},
            "descriptionModule": {"text": e.get("description") or ""},
            "imageModule": {"imagePathList": [self.image_url(req, lid)]},
            "globalShipping": bool(e.get("purchase_agent")),
        }
        if e.get("purchase_agent_notice"):
            data["noticeModule"] = {"text": "이 제품은 구매대행을 통하여 유통되는 제품임"}
        return data

    def render_product(self, e: dict, lid: str, req: Request, sold_out: bool) -> Response:
        params = self.run_params(e, lid, req, sold_out)
        script = f"<script>\nwindow.runParams = {{\n  data: {script_json(params)}\n}};\n</script>"
        body = '<div id="root"><div class="pdp-loading"></div></div>'
        return page_response(self.shell(f"{e['title']} - AliExpress", body, script))
