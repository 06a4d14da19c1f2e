"""Naver smartstore-like skin: the data lives in window.__PRELOADED_STATE__; the visible HTML is minimal."""

from __future__ import annotations

import hashlib
import re

from ..catalog import category_slug, scramble, serial, stable_hash
from .base import Request, Response, Skin, esc, int_arg, page_response, script_json

PRODUCT_RE = re.compile(r"^/([a-z0-9_-]+)/products/(\d+)$")
CATEGORY_RE = re.compile(r"^/([a-z0-9_-]+)/category/([0-9a-fA-F]{32}|ALL)$")
STORE_RE = re.compile(r"^/([a-z0-9_-]+)/?$")


def store_slug(seller: str | None) -> str:
    """A smartstore URL name for a seller: its ASCII letters when it has enough, else 'store' + digits."""
    ascii_part = re.sub(r"[^a-z0-9]", "", (seller or "").lower())
    return ascii_part if len(ascii_part) >= 4 else f"store{stable_hash('naver', seller) % 100000:05d}"


class NaverSmartstoreSkin(Skin):
    """Products at /<store>/products/<id>; categories at /<store>/category/<32-hex or ALL>?page=N."""

    name = "naver_smartstore"
    per_page = 12
    removal_default = "gone"
    gone_message = "삭제된 상품입니다"
    robots_disallow = ("/cart", "/search", "/*/search", "/main/order")

    def __init__(self, catalog: list[dict], removed: dict[str, str] | None = None):
        super().__init__(catalog, removed)
        self.stores: dict[str, list[str]] = {}
        for lid, e in self.by_id.items():
            self.stores.setdefault(store_slug(e.get("seller")), []).append(lid)

    def listing_id(self, entry: dict) -> str:
        return str(4_000_000_000 + scramble(serial(entry["id"]), self.name))

    def category_code(self, slug: str) -> str:
        return "ALL" if slug == "all" else hashlib.md5(f"naver|{slug}".encode()).hexdigest()

    def product_path(self, entry: dict) -> str:
        return f"/{store_slug(entry.get('seller'))}/products/{self.listing_id(entry)}"

    def store_slugs(self, store: str) -> list[str]:
        return ["all", *sorted({category_slug(self.by_id[lid]) for lid in self.stores[store]})]

    def route(self, req: Request) -> Response | None:
        if req.path == "/":
            return self.index()
        if m := PRODUCT_RE.match(req.path):
            store, lid = m.groups()
            e = self.by_id.get(lid)
            return self.product(lid, req) if e and store_slug(e.get("seller")) == store else None
        if m := CATEGORY_RE.match(req.path):
            store, code = m.groups()
            slug = self.by_code.get(code)
            if store in self.stores and slug:
                return self.category(store, slug, int_arg(req.query, "page"))
            return None
        if (m := STORE_RE.match(req.path)) and m.group(1) in self.stores:
            return self.store_home(m.group(1))
        return None

    def shell(self, title: str, state: dict, body: str) -> str:
        return (
            '<!DOCTYPE html><html lang="ko"><head><meta charset="utf-8">'
            f'<title>{esc(title)}</title></head><body><div id="root">{body}</div>'
            f"<script>window.__PRELOADED_STATE__ = {script_json(state)};</script></body></html>"
        )

    def index(self) -> Response:
        parts = []
        for store in sorted(self.stores):
            seller = self.by_id[self.stores[store][0]].get("seller")
            cats = "".join(
                f'<a href="/{store}/category/{self.category_code(s)}">{esc(self.category_name(s))}</a> '
                for s in self.store_slugs(store)
            )
            parts.append(f'<li><a class="store" href="/{store}">{esc(seller)}</a> {cats}</li>')
        state = {"stores": sorted(self.stores)}
        return page_response(self.shell("스마트스토어", state, f"<ul>{''.join(parts)}</ul>"))

    def store_home(self, store: str) -> Response:
        seller = self.by_id[self.stores[store][0]].get("seller")
        cats = "".join(
            f'<li><a href="/{store}/category/{self.category_code(s)}">{esc(self.category_name(s))}</a></li>'
            for s in self.store_slugs(store)
        )
        state = {"channel": {"channelName": seller, "url": f"/{store}"}}
        return page_response(self.shell(seller or store, state, f"<h1>{esc(seller)}</h1><ul>{cats}</ul>"))

    def category(self, store: str, slug: str, page: int) -> Response:
        mine = set(self.stores[store])
        items, pages = self.paginate([(lid, e) for lid, e in self.live(slug) if lid in mine], max(page, 1))
        code = self.category_code(slug)
        links = "".join(f'<li><a href="/{store}/products/{lid}">{esc(e["title"])}</a></li>' for lid, e in items)
        nav = f'<a class="next" href="/{store}/category/{code}?page={page + 1}">다음</a>' if page < pages else ""
        state = {
            "category": {"categoryId": code, "categoryName": self.category_name(slug)},
            "categoryProducts": {
                "page": page,
                "totalPages": pages,
                "simpleProducts": [
                    {
                        "id": int(lid),
                        "name": e["title"],
                        "salePrice": e.get("original_price") or e["price"],
                        "discountedSalePrice": e["price"],
                    }
                    for lid, e in items
                ],
            },
        }
        return page_response(self.shell(self.category_name(slug), state, f"<ul>{links}</ul>{nav}"))

    def state(self, e: dict, lid: str, req: Request, sold_out: bool) -> dict:
        notice: dict = {"productInfoProvidedNoticeType": "KIDS" if e.get("age") else "ETC"}
        kids: dict = {"manufacturer": e.get("brand") or e.get("seller") or "상세페이지 참조"}
        if e.get("kc_cert") is not None:
            kids["certificationType"] = "KC 안전확인" if e["kc_cert"] not in ("", "-") else ""
            kids["kcCertifiedProductYn"] = e["kc_cert"]
        if e.get("age"):
            kids["useAge"] = e["age"]
        notice["kids" if e.get("age") else "etc"] = kids
        price = e.get("original_price") or e["price"]
        product = {
            "id": int(lid),
            "productNo": int(lid) // 7,
            "name": e["title"],
            "salePrice": price,
            "discountedSalePrice": e["price"],
            "productStatusType": "OUTOFSTOCK" if sold_out else "SALE",
            "channel": {"channelName": e.get("seller"), "channelSiteUrl": store_slug(e.get("seller"))},
            "naverShoppingSearchInfo": {
                "modelName": e.get("model"),
                "brandName": e.get("brand"),
                "manufacturerName": e.get("brand") or e.get("seller"),
            },
            "productInfoProvidedNotice": notice,
            "representImage": {"url": self.image_url(req, lid)},
            "detailContents": {"detailContentText": e.get("description") or ""},
            "category": {"wholeCategoryName": e.get("category", "").replace(" > ", ">")},
            "optionCombinations": [
                {
                    "id": i + 1,
                    "optionName1": o["name"],
                    "price": o["price"] - e["price"],
                    "stockQuantity": 0 if sold_out else 99,
                }
                for i, o in enumerate(e.get("options") or [])
            ],
            "overseasPurchase": bool(e.get("purchase_agent")),
        }
        if e.get("purchase_agent_notice"):
            product["purchaseAgentNotice"] = "이 제품은 구매대행을 통하여 유통되는 제품임"
        return {"product": {"A": product}}

    def render_product(self, e: dict, lid: str, req: Request, sold_out: bool) -> Response:
        body = f'<div class="_product_root"><h3 class="_product_title">{esc(e["title"])}</h3></div>'
        return page_response(self.shell(f"{e['title']} : {e.get('seller')}", self.state(e, lid, req, sold_out), body))
