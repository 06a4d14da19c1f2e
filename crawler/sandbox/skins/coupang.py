"""Coupang-like skin: server-rendered pages, schema.org JSON-LD on products, an Akamai-style 403 on a subset."""

from __future__ import annotations

import re

from ..catalog import scramble, serial, stable_hash
from .base import Request, Response, Skin, esc, int_arg, page_response, script_json, won

BLOCK_EVERY = 15
PRODUCT_RE = re.compile(r"^/vp/products/(\d+)$")
CATEGORY_RE = re.compile(r"^/np/categories/(\d+)$")


class CoupangSkin(Skin):
    """Products at /vp/products/<pid>?itemId=<iid>&vendorItemId=<vid>; categories at
    /np/categories/<id>?page=N; one product in BLOCK_EVERY answers 403 'Access Denied'."""

    name = "coupang"
    per_page = 20
    removal_default = "404"
    robots_disallow = ("/np/search", "/np/cart", "/vp/cart", "/search", "/cart")

    def listing_id(self, entry: dict) -> str:
        return str(7_000_000_000 + scramble(serial(entry["id"]), self.name))

    def item_ids(self, lid: str) -> tuple[str, str]:
        n = int(lid)
        return str(10_000_000_000 + scramble(n % 10**9, "coupang-item", 10**10)), str(
            80_000_000_000 + scramble(n % 10**9, "coupang-vendor", 10**10)
        )

    def category_code(self, slug: str) -> str:
        return str(100_000 + stable_hash(self.name, slug) % 400_000)

    def product_path(self, entry: dict) -> str:
        lid = self.listing_id(entry)
        iid, vid = self.item_ids(lid)
        return f"/vp/products/{lid}?itemId={iid}&vendorItemId={vid}"

    def is_blocked(self, lid: str) -> bool:
        """Whether the CDN denies this product page (deterministic, about 1 in BLOCK_EVERY)."""
        return stable_hash("akamai", lid) % BLOCK_EVERY == 0

    def route(self, req: Request) -> Response | None:
        if req.path == "/":
            return self.index()
        if m := CATEGORY_RE.match(req.path):
            slug = self.by_code.get(m.group(1))
            return self.category(slug, m.group(1), int_arg(req.query, "page")) if slug else None
        if m := PRODUCT_RE.match(req.path):
            lid = m.group(1)
            if lid in self.by_id and self.is_blocked(lid):
                return self.access_denied(req)
            return self.product(lid, req)
        return None

    def access_denied(self, req: Request) -> Response:
        host = req.base.split("//", 1)[-1]
        target = f"http://{host}{req.path}".replace(":", "&#58;").replace("/", "&#47;").replace(".", "&#46;")
        ref = f"18&#46;{stable_hash(req.path) % 0xFFFFFFFF:08x}&#46;1717{stable_hash('t', req.path) % 10**6:06d}"
        body = (
            "<HTML><HEAD>\n<TITLE>Access Denied</TITLE>\n</HEAD><BODY>\n<H1>Access Denied</H1>\n \n"
            f'You don\'t have permission to access "{target}" on this server.<P>\n'
            f"Reference&#32;&#35;{ref}&#46;{stable_hash('r', req.path) % 0xFFFFFFF:07x}\n"
            "</BODY>\n</HTML>\n"
        )
        return Response(403, body.encode(), "text/html", [("Server", "AkamaiGHost"), ("Mime-Version", "1.0")])

    def shell(self, title: str, body: str) -> str:
        return (
            '<!DOCTYPE html><html lang="ko"><head><meta charset="UTF-8">'
            f"<title>{esc(title)}</title></head><body>"
            '<header id="header"><a class="coupang-logo" href="/">쿠팡!</a>'
            '<form action="/np/search"><input name="q" placeholder="찾고 싶은 상품을 검색해보세요!"></form></header>'
            f'<main id="contents">{body}</main></body></html>'
        )

    def index(self) -> Response:
        links = "".join(
            f'<li><a href="/np/categories/{self.category_code(s)}">{esc(self.category_name(s))}</a></li>'
            for s in self.slugs
        )
        return page_response(self.shell("쿠팡!", f'<nav class="category-list"><ul>{links}</ul></nav>'))

    def category(self, slug: str, code: str, page: int) -> Response:
        items, pages = self.paginate(self.live(slug), max(page, 1))
        cards = []
        for lid, e in items:
            price = f'<strong class="price-value">{e["price"]:,}</strong>원'
            base = f'<del class="base-price">{e["original_price"]:,}</del>' if e.get("original_price") else ""
            badge = '<span class="badge rocket-global">로켓직구</span>' if e.get("purchase_agent") else ""
            sold = '<div class="out-of-stock">일시품절</div>' if e.get("sold_out") else ""
            cards.append(
                f'<li class="search-product" id="{lid}">'
                f'<a class="search-product-link" href="{esc(self.product_path(e))}">'
                f'<div class="name">{esc(e["title"])}</div><div class="price-area">{base}{price}</div>{badge}{sold}'
                "</a></li>"
            )
        nav = f'<span class="page-current">{page}</span>'
        if page > 1:
            nav = f'<a class="btn-prev" href="/np/categories/{code}?page={page - 1}">이전</a>' + nav
        if page < pages:
            nav += f'<a class="btn-next" href="/np/categories/{code}?page={page + 1}">다음</a>'
        body = (
            f'<h2 class="category-title">{esc(self.category_name(slug))}</h2>'
            f'<ul id="productList" class="baby-product-list">{"".join(cards)}</ul>'
            f'<div class="product-list-paging">{nav}</div>'
        )
        return page_response(self.shell(self.category_name(slug), body))

    def jsonld(self, e: dict, lid: str, req: Request, sold_out: bool) -> dict:
        data: dict = {"@context": "https://schema.org", "@type": "Product", "name": e["title"]}
        data["image"] = [self.image_url(req, lid)]
        data["description"] = e.get("description") or ""
        data["sku"] = self.item_ids(lid)[0]
        if e.get("brand"):
            data["brand"] = {"@type": "Brand", "name": e["brand"]}
        if e.get("model"):
            data["mpn"] = e["model"]
            data["model"] = e["model"]
        gtin = e.get("gtin")
        if gtin:
            data["gtin13" if len(gtin) == 13 else "gtin"] = gtin
        data["offers"] = {
            "@type": "Offer",
            "url": f"{req.base}{self.product_path(e)}",
            "price": e["price"],
            "priceCurrency": "KRW",
            "availability": "https://schema.org/" + ("OutOfStock" if sold_out else "InStock"),
            "seller": {"@type": "Organization", "name": e.get("seller") or ""},
        }
        return data

    def render_product(self, e: dict, lid: str, req: Request, sold_out: bool) -> Response:
        brand = esc(e.get("brand") or "")
        rows = [("품명 및 모델명", " / ".join(x for x in (e["title"], e.get("model")) if x))]
        if e.get("kc_cert") is not None:
            rows.append(("KC 인증정보", e["kc_cert"]))
        if e.get("age"):
            rows.append(("사용연령", e["age"]))
        rows.append(("제조자", e.get("brand") or e.get("seller") or "상세페이지 참조"))
        rows.append(("제조국", "중국" if e.get("purchase_agent") else "상세페이지 참조"))
        table = "".join(f"<tr><th>{esc(k)}</th><td>{esc(v)}</td></tr>" for k, v in rows)
        opts = "".join(
            f'<li class="prod-option__item" data-price="{o["price"]}"><span class="title">{esc(o["name"])}</span>'
            f'<span class="price">{won(o["price"])}</span></li>'
            for o in e.get("options") or []
        )
        origin = f'<span class="origin-price">{won(e["original_price"])}</span>' if e.get("original_price") else ""
        agent = '<div class="prod-badge rocket-global">로켓직구 · 해외구매대행</div>' if e.get("purchase_agent") else ""
        notice = (
            '<p class="purchase-agent-notice">이 제품은 구매대행을 통하여 유통되는 제품임</p>'
            if e.get("purchase_agent_notice")
            else ""
        )
        buy = (
            '<div class="prod-buy-btn sold-out">품절</div>'
            if sold_out
            else '<button class="prod-buy-btn">바로구매</button>'
        )
        body = (
            f'<div class="prod-atf" data-product-id="{lid}">'
            f'<img class="prod-image__detail" src="{esc(self.image_url(req, lid))}" alt="">'
            f'<h2 class="prod-buy-header__title">{esc(e["title"])}</h2>'
            f'<a class="prod-brand-name" href="/np/search?q={brand}">{brand}</a>'
            f'<div class="prod-price">{origin}<span class="total-price"><strong>{won(e["price"])}</strong></span></div>'
            f"{agent}"
            f'<div class="prod-sale-vendor"><a class="prod-sale-vendor-name">{esc(e.get("seller"))}</a></div>'
            f'<ul class="prod-option__list">{opts}</ul>{buy}</div>'
            f'<div class="product-detail-content">{esc(e.get("description"))}</div>'
            f'<div class="product-essential-info"><h3>필수 표기정보</h3>'
            f'<table class="prod-delivery-return-policy-table">{table}</table></div>'
            f"{notice}"
        )
        ld = f'<script type="application/ld+json">{script_json(self.jsonld(e, lid, req, sold_out))}</script>'
        page = self.shell(f"{e['title']} - 쿠팡!", body).replace("</head>", ld + "</head>", 1)
        return page_response(page)
