"""Generic spider for any shop whose product pages carry schema.org Product data.

Follows same-host links from ``--start-url`` (up to ``max_pages``) and yields a listing for every page
with a Product in JSON-LD, microdata or OpenGraph; KC numbers, GTINs, model numbers and ages are also
read from spec tables and description text.

Example::

    hazards crawl structured --start-url https://shop.example.kr/
"""

from __future__ import annotations

import hashlib
from collections.abc import AsyncIterator, Iterable
from typing import Any
from urllib.parse import urlsplit

import scrapy
from scrapy.http import Response, TextResponse
from scrapy.linkextractors import LinkExtractor

from crawler.spiders.base import ShopSpider


class StructuredSpider(ShopSpider):
    """Crawls one site from a start URL and keeps every page that describes a Product."""

    name = "structured"
    structured_data = True
    run_args = ("start_url", "max_pages")

    def __init__(self, *args: Any, start_url: str | None = None, max_pages: int | str = 500, **kwargs: Any):
        if not start_url:
            raise ValueError("the structured spider needs a start URL: -a start_url=https://shop.example/ "
                             "(hazards crawl structured --start-url URL)")
        parts = urlsplit(start_url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError(f"--start-url {start_url!r} is not an http(s) URL")
        super().__init__(*args, base_url=f"{parts.scheme}://{parts.netloc}", **kwargs)
        self.start_url = start_url
        self.max_pages = int(max_pages)
        self.site = parts.hostname
        # LinkExtractor(allow_domains=...) compares host:port, so a shop on a port would follow nothing.
        self.links = LinkExtractor(deny_extensions=None)
        self.pages = 0

    async def start(self) -> AsyncIterator[Any]:
        yield scrapy.Request(self.start_url, callback=self.parse_page)

    def parse_page(self, response: Response) -> Iterable[Any]:
        """Yield the page's Product (if any) and follow same-host links."""
        self.pages += 1
        if response.meta.get("hazards_blocked"):
            yield from self.parse_product(response)
            return
        if not isinstance(response, TextResponse):
            return
        if self.structured(response).get("title"):
            yield from self.parse_product(response)
        for link in self.links.extract_links(response):
            if self.pages >= self.max_pages:
                break
            if urlsplit(link.url).hostname == self.site:
                yield scrapy.Request(link.url, callback=self.parse_page)

    def listing_id(self, response: Response) -> None:
        return None  # the Product's sku, else a hash of the URL (post_process_item)

    def post_process_item(self, item: dict[str, Any], response: Response) -> dict[str, Any]:
        item["site"] = self.site
        if not item.get("listing_id"):
            item["listing_id"] = hashlib.sha1(response.url.encode("utf-8")).hexdigest()[:16]
        return item
