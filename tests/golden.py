"""Saved pages and the items a spider must extract from them (city-scrapers style golden files).

``tests/pages/<spider>/<name>.bin`` holds the exact bytes of a page (bytes, so EUC-KR survives),
``<name>.url`` the URL it came from, an optional ``<name>.headers.json`` the HTTP headers that
matter (a charset declared only in Content-Type), and ``<name>.json`` what the spider must produce:
the normalised listings and the URLs it must follow.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from scrapy import Request
from scrapy.http import HtmlResponse
from scrapy.utils.test import get_crawler

from crawler.items import Listing
from crawler.middlewares import blocked_reason

PAGES = Path(__file__).parent / "pages"


@dataclass
class SavedPage:
    """One saved page of one spider."""

    spider: str
    path: Path

    @property
    def name(self) -> str:
        return self.path.stem

    @property
    def url(self) -> str:
        return self.path.with_suffix(".url").read_text(encoding="utf-8").strip()

    @property
    def expected_path(self) -> Path:
        return self.path.with_suffix(".json")

    def response(self) -> HtmlResponse:
        headers_file = self.path.with_suffix(".headers.json")
        headers = json.loads(headers_file.read_text()) if headers_file.exists() else {}
        status = int(headers.pop("status", 200))
        request = Request(self.url)
        response = HtmlResponse(self.url, status=status, body=self.path.read_bytes(), headers=headers,
                                request=request)
        reason = blocked_reason(response)
        if reason:
            request.meta["hazards_blocked"] = reason
        return response


def saved_pages() -> list[SavedPage]:
    """Every saved page, for every spider."""
    return [SavedPage(p.parent.name, p) for p in sorted(PAGES.glob("*/*.bin"))]


def spider_for(page: SavedPage, spider_cls):
    """A spider instance pointed at the saved page's host, so no sandbox is started."""
    parts = urlsplit(page.url)
    crawler = get_crawler(spider_cls)
    kwargs = {"start_url": page.url} if page.spider == "structured" else {"base_url": f"{parts.scheme}://{parts.netloc}"}
    spider = spider_cls.from_crawler(crawler, **kwargs)
    crawler.spider = spider
    return spider


def run_page(page: SavedPage, spider_cls) -> dict:
    """What the spider produces from a saved page: normalised items and followed URLs."""
    spider = spider_for(page, spider_cls)
    response = page.response()
    callback = spider.parse_page if page.spider == "structured" else (
        spider.parse_product if spider._listing_id_re.search(page.url) else spider.parse_listing)
    items, follows = [], []
    for result in callback(response) or ():
        if isinstance(result, Request):
            follows.append(result.url)
        elif isinstance(result, dict) and not result.get("title"):
            items.append(result)
        elif isinstance(result, dict):
            items.append(Listing.from_raw(result).model_dump(mode="json"))
        else:
            items.append(result.model_dump(mode="json"))
    return {"items": items, "follows": sorted(set(follows))}
