"""11번가-like skin: plain HTML, a labelled spec table and an options <select> with price differences."""

from __future__ import annotations

import re

from ..catalog import scramble, serial, stable_hash
from .base import Request, Response, Skin, esc, int_arg, page_response, won

PRODUCT_RE = re.compile(r"^/products/(\d+)$")
CATEGORY_RE = re.compile(r"^/category/(\d+)$")


class ElevenstSkin(Skin):
    """Products at /products/<prdNo>; categories at /category/<dispCtgrNo>?pageNo=N."""

    name = "elevenst"
    per_page = 15
    removal_default = "gone"
    gone_message = "판매 종료된 상품입니다"
    robots_disallow = ("/cart", "/search", "/order/")

    def listing_id(self, entry: dict) -> str:
        return str(2_000_000_000 + scramble(serial(entry["id"]), self.name))

    def category_code(self, slug: str) -> str:
        return str(1001000 + stable_hash(self.name, slug) % 9000)

    def product_path(self, entry: dict) -> str:
        return f"/products/{self.listing_id(entry)}"

    def route(self, req: Request) -> Response | None:
        if req.path == "/":
            links = "".join(
                f'<li><a href="/category/{self.category_code(s)}">{esc(self.category_name(s))}</a></li>'
                for s in self.slugs
            )
            return page_response(self.shell("11번가", f'<ul class="gnb-category">{links}</ul>'))
        if m := CATEGORY_RE.match(req.path):
            slug = self.by_code.get(m.group(1))
            return self.category(slug, m.group(1), int_arg(req.query, "pageNo")) if slug else None
        if m := PRODUCT_RE.match(req.path):
            return self.product(m.group(1), req)
        return None

    def shell(self, title: str, body: str) -> str:
        return (
            '<!DOCTYPE html><html><head><meta charset="utf-8">'
            f'<title>{esc(title)}</title></head><body><div id="wrap">'
            '<div id="header"><h1><a href="/">11번가</a></h1></div>'
            f'<div id="container">{body}</div></div></body></html>'
        )

    def category(self, slug: str, code: str, page: int) -> Response:
        items, pages = self.paginate(self.live(slug), max(page, 1))
        rows = "".join(
            f'<li class="c_prd_item"><div class="c_prd_name"><a href="/products/{lid}">{esc(e["title"])}</a></div>'
            f'<div class="c_prd_price"><span class="value">{e["price"]:,}</span><span class="unit">원</span></div></li>'
            for lid, e in items
        )
        links = "".join(
            f'<strong class="on">{p}</strong>' if p == page else f'<a href="/category/{code}?pageNo={p}">{p}</a>'
            for p in range(1, pages + 1)
        )
        if page < pages:
            links += f'<a class="next" href="/category/{code}?pageNo={page + 1}">다음 페이지</a>'
        body = (
            f'<h2 class="c_title">{esc(self.category_name(slug))}</h2><ul class="c_listing">{rows}</ul>'
            f'<div class="c_paging">{links}</div>'
        )
        return page_response(self.shell(self.category_name(slug), body))

    def render_product(self, e: dict, lid: str, req: Request, sold_out: bool) -> Response:
        spec = [
            ("KC 인증번호", e.get("kc_cert") if e.get("kc_cert") is not None else "해당사항 없음"),
            ("모델명", e.get("model") or "상품상세참조"),
            ("제조자", e.get("brand") or e.get("seller")),
            ("사용연령", e.get("age") or "상품상세참조"),
            ("원산지", "중국" if e.get("purchase_agent") else "상품상세참조"),
            ("브랜드", e.get("brand") or "기타"),
        ]
        cells = "".join(f'<tr><th scope="row">{esc(k)}</th><td>{esc(v)}</td></tr>' for k, v in spec)
        options = ""
        if e.get("options"):
            base = e["price"]
            opts = []
            for o in e["options"]:
                diff = o["price"] - base
                extra = f" (+{diff:,}원)" if diff > 0 else (f" (-{-diff:,}원)" if diff < 0 else "")
                opts.append(f'<option value="{esc(o["name"])}">{esc(o["name"])}{extra}</option>')
            options = (
                '<div class="c_product_option"><label for="optSelect">옵션 선택</label>'
                f'<select id="optSelect" name="option">'
                f'<option value="">선택하세요</option>{"".join(opts)}</select></div>'
            )
        before = (
            f'<span class="price_before"><s>{won(e["original_price"])}</s></span>' if e.get("original_price") else ""
        )
        state = '<p class="sold_out">품절</p>' if sold_out else '<a class="btn_buy" href="/cart/add">구매하기</a>'
        agent = '<span class="flag_global">해외직구</span>' if e.get("purchase_agent") else ""
        notice = (
            '<p class="global_notice">이 제품은 구매대행을 통하여 유통되는 제품임</p>'
            if e.get("purchase_agent_notice")
            else ""
        )
        body = (
            f'<div class="l_product_summary" id="prd{lid}">'
            f'<div class="c_product_img"><img src="{esc(self.image_url(req, lid))}" alt=""></div>'
            f'<h1 class="title">{esc(e["title"])}</h1>{agent}'
            f'<div class="price_wrap">{before}<span class="price"><strong>{won(e["price"])}</strong></span></div>'
            f'<div class="seller_nickname"><a>{esc(e.get("seller"))}</a></div>{options}{state}</div>'
            f'<div class="l_product_detail"><h3>상품정보 제공고시</h3><table class="prdc_detail_table">{cells}</table>'
            f'<div class="prd_description">{esc(e.get("description"))}</div>{notice}</div>'
        )
        return page_response(self.shell(f"[11번가] {e['title']}", body))
