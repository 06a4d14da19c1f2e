"""Skin base class: routing, listing ids, pagination, takedowns and shared HTML helpers for every site."""

from __future__ import annotations

import html
import json
from dataclasses import dataclass, field
from urllib.parse import quote

from ..catalog import CATEGORY_NAMES, category_slug

REMOVAL_HOWS = ("404", "410", "soldout", "redirect", "gone")

# 1x1 transparent GIF, served for every product image so pages look complete to a browser.
PIXEL_GIF = bytes.fromhex("47494638396101000100800000000000ffffff21f90401000000002c00000000010001000002024401003b")


@dataclass
class Request:
    """One parsed HTTP request as a skin sees it; `base` is the scheme+host the client used."""

    method: str
    path: str
    query: dict[str, str]
    base: str = "http://127.0.0.1:8000"


@dataclass
class Response:
    """What a skin answers: status, body bytes, Content-Type (None = no header) and extra headers."""

    status: int = 200
    body: bytes = b""
    content_type: str | None = "text/html; charset=utf-8"
    headers: list[tuple[str, str]] = field(default_factory=list)


def esc(value: object) -> str:
    """HTML-escape any value; None becomes ''."""
    return "" if value is None else html.escape(str(value), quote=True)


def won(n: int | None) -> str:
    """12900 -> '12,900원'."""
    return "" if n is None else f"{n:,}원"


def krw_sign(n: int | None) -> str:
    """12900 -> '₩12,900'."""
    return "" if n is None else f"₩{n:,}"


def page_response(text: str, status: int = 200) -> Response:
    """A UTF-8 HTML response."""
    return Response(status, text.encode("utf-8"))


def json_response(obj: object, status: int = 200) -> Response:
    """A UTF-8 JSON response."""
    body = json.dumps(obj, ensure_ascii=False).encode("utf-8")
    return Response(status, body, "application/json; charset=utf-8")


def redirect(location: str, status: int = 302) -> Response:
    """A redirect with a tiny HTML body."""
    body = f'<html><body><a href="{esc(location)}">moved</a></body></html>'.encode()
    return Response(status, body, headers=[("Location", location)])


def script_json(obj: object) -> str:
    """JSON safe to embed inside a <script> element."""
    return json.dumps(obj, ensure_ascii=False).replace("</", "<\\/")


def discount_pct(price: int, original: int | None) -> int | None:
    """Whole-percent discount of price against original, or None when there is no discount."""
    if not original or original <= price:
        return None
    return round((original - price) * 100 / original)


class Skin:
    """One shop site. Subclasses set `name`, implement `listing_id`, `category_code` and `route`, and render
    their own markup; the base keeps the catalog slice, category index, pagination and takedown state."""

    name = ""
    per_page = 16
    removal_default = "404"
    robots_disallow: tuple[str, ...] = ("/cart", "/search")
    gone_message = "판매 종료된 상품입니다"

    def __init__(self, catalog: list[dict], removed: dict[str, str] | None = None):
        self.entries = [e for e in catalog if self.name in e.get("sites", ())]
        self.removed = removed if removed is not None else {}
        self.by_id: dict[str, dict] = {}
        for entry in self.entries:
            lid = self.listing_id(entry)
            if lid in self.by_id:
                raise ValueError(f"{self.name}: listing id {lid} of {entry['id']} collides")
            self.by_id[lid] = entry
        # Category pages are served from this index: scanning a 20k-entry catalog per page would make
        # the fixture, not the crawler, the bottleneck of a benchmark.
        self.by_slug: dict[str, list[tuple[str, dict]]] = {"all": list(self.by_id.items())}
        for lid, entry in self.by_id.items():
            self.by_slug.setdefault(category_slug(entry), []).append((lid, entry))
        slugs = sorted({category_slug(e) for e in self.entries})
        self.slugs = ["all", *slugs]
        self.by_code = {self.category_code(s): s for s in self.slugs}

    # --- to implement -------------------------------------------------------------------------------
    def listing_id(self, entry: dict) -> str:
        """The site's own listing id for a catalog entry (deterministic)."""
        raise NotImplementedError

    def category_code(self, slug: str) -> str:
        """The site's own category id for a shared slug."""
        return slug

    def route(self, req: Request) -> Response | None:
        """Answer a request for this site, or None for 404."""
        raise NotImplementedError

    def render_product(self, entry: dict, lid: str, req: Request, sold_out: bool) -> Response:
        """The product page of one live listing."""
        raise NotImplementedError

    def product_path(self, entry: dict) -> str:
        """Site-relative URL of a listing's product page."""
        raise NotImplementedError

    # --- shared behaviour ---------------------------------------------------------------------------
    def handle(self, req: Request) -> Response:
        """Dispatch: robots.txt, images, then the skin's own routes."""
        if req.path == "/robots.txt":
            return self.robots()
        if req.path.startswith("/img/"):
            return Response(200, PIXEL_GIF, "image/gif")
        return self.route(req) or self.not_found()

    def robots(self) -> Response:
        """robots.txt with the site's Disallow lines."""
        lines = ["User-agent: *", *(f"Disallow: {p}" for p in (*self.robots_disallow, "/_sandbox/")), ""]
        return Response(200, "\n".join(lines).encode(), "text/plain; charset=utf-8")

    def not_found(self) -> Response:
        """A plain 404 page."""
        return page_response("<html><body><h1>404 Not Found</h1><p>페이지를 찾을 수 없습니다.</p></body></html>", 404)

    def category_name(self, slug: str) -> str:
        """Korean display name of a shared slug."""
        return CATEGORY_NAMES.get(slug, slug)

    def live(self, slug: str) -> list[tuple[str, dict]]:
        """(listing id, entry) pairs shown on a category, removed listings left out, catalog order."""
        entries = self.by_slug.get(slug, [])
        return [(lid, e) for lid, e in entries if lid not in self.removed] if self.removed else list(entries)

    def paginate(self, items: list, page: int) -> tuple[list, int]:
        """(items on 1-based page, number of pages)."""
        pages = max(1, -(-len(items) // self.per_page))
        start = (page - 1) * self.per_page
        return items[start : start + self.per_page], pages

    def product(self, lid: str, req: Request) -> Response | None:
        """A product page, honouring takedowns; None when the id is unknown."""
        entry = self.by_id.get(lid)
        if entry is None:
            return None
        how = self.removed.get(lid)
        if how is None:
            return self.render_product(entry, lid, req, entry.get("sold_out", False))
        return self.removed_page(entry, lid, how, req)

    def removed_page(self, entry: dict, lid: str, how: str, req: Request) -> Response:
        """How a taken-down listing answers: 404, 410, sold out, redirect, or a 200 'gone' page."""
        if how == "soldout":
            return self.render_product(entry, lid, req, True)
        if how == "redirect":
            return redirect(self.removed_redirect(entry))
        if how == "410":
            return page_response(
                "<html><body><h1>410 Gone</h1><p>This item is no longer available.</p></body></html>", 410
            )
        if how == "gone":
            return page_response(
                f'<html><head><meta charset="utf-8"><title>{esc(self.gone_message)}</title></head>'
                f'<body><div class="notice-removed"><p>{esc(self.gone_message)}</p>'
                f'<a href="/">홈으로</a></div></body></html>'
            )
        return self.not_found()

    def removed_redirect(self, entry: dict) -> str:
        """Where a removed listing redirects to (default: the home page)."""
        return "/"

    def image_url(self, req: Request, lid: str) -> str:
        """Absolute URL of a listing's (placeholder) product photo."""
        return f"{req.base}/img/{self.name}/{quote(lid)}.jpg"


def int_arg(query: dict[str, str], key: str, default: int = 1) -> int:
    """A positive integer query parameter, default when absent or malformed."""
    try:
        return max(0, int(query.get(key, default)))
    except ValueError:
        return default
