"""ShopSpider: the base class that does the work for every marketplace spider.

A marketplace is one short declarative file::

    class ElevenstSpider(ShopSpider):
        name = "elevenst"
        allowed_domains = ["11st.co.kr", "www.11st.co.kr"]
        category_links = "nav.categories a::attr(href)"
        product_links = "ul.products a.item::attr(href)"
        next_page = "a.next::attr(href)"
        listing_id_pattern = r"/products/(\\d+)"
        selectors = {"title": "h1.title::text", "price": ".price strong::text"}

Pages are read in this order, each step filling only the fields still missing:
1. schema.org data (JSON-LD, microdata, OpenGraph) when ``structured_data`` is on;
2. an embedded JavaScript state object (``state_pattern`` + ``state_fields``);
3. the CSS/XPath ``selectors``;
4. labelled spec tables (``KC 인증번호``, ``모델명``, ``제조자``, ``사용연령`` …);
5. identifiers found in the description text (KC numbers, GTINs, ages);
6. the hook :meth:`post_process_item` for whatever is left.

Only spiders with ``render_listing_pages = True`` send their category pages through the browser
(scrapy-playwright, with ``PLAYWRIGHT_SETTINGS``); product pages are always plain HTTP. With no
``base_url`` argument the spider starts the embedded sandbox market and crawls that.
"""

from __future__ import annotations

import json
import re
from collections.abc import AsyncIterator, Iterable
from typing import Any, ClassVar
from urllib.parse import urljoin, urlsplit

import extruct
import scrapy
from scrapy import signals
from scrapy.http import Response

from crawler import normalize
from crawler.spiders.extract import (
    SPEC_LABELS,
    dig,
    product_from_structured,
    select,
    spec_pairs,
)


class ShopSpider(scrapy.Spider):
    """Base class for marketplace spiders; subclasses only declare where things are."""

    #: Real domains this marketplace may be crawled on (the base URL's host is always allowed too).
    allowed_domains: ClassVar[list[str]] = []
    #: Paths requested first (relative to the base URL).
    start_paths: ClassVar[tuple[str, ...]] = ("/",)
    #: Selector of links from the start page to category pages.
    category_links: ClassVar[str | None] = None
    #: Selector of links from a category page to product pages.
    product_links: ClassVar[str] = "a[href]::attr(href)"
    #: Selector of the next-page link on a category page.
    next_page: ClassVar[str | None] = None
    #: Regex on a product URL whose first group is the listing id.
    listing_id_pattern: ClassVar[str] = r"(\d+)"
    #: Look for schema.org Product data first.
    structured_data: ClassVar[bool] = False
    #: Regex whose first group is an embedded JSON state object.
    state_pattern: ClassVar[str | None] = None
    #: Dotted path inside the state to the product object ('' = the state itself).
    state_root: ClassVar[str] = ""
    #: Field -> dotted path inside the product object of the state.
    state_fields: ClassVar[dict[str, str]] = {}
    #: Field -> CSS selector (or XPath when it starts with '/' or '('); ``notices`` collects badges.
    selectors: ClassVar[dict[str, str]] = {}
    #: A site's own spec rows: (row XPath, label XPath, value XPath); th/td and dt/dd are always read.
    spec_rows: ClassVar[tuple[str, str, str] | None] = None
    #: Render category pages with the browser (their product links are filled by JavaScript).
    render_listing_pages: ClassVar[bool] = False
    #: scrapy-playwright PageMethods run on rendered category pages.
    playwright_page_methods: ClassVar[list] = []
    #: Arguments recorded with the run.
    run_args: ClassVar[tuple[str, ...]] = ("base_url", "start_url")

    def __init__(self, *args: Any, base_url: str | None = None, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.base_url = base_url.rstrip("/") if base_url else None
        self._listing_id_re = re.compile(self.listing_id_pattern)
        self._state_re = re.compile(self.state_pattern, re.S) if self.state_pattern else None
        self.sandbox = None

    @classmethod
    def from_crawler(cls, crawler, *args: Any, **kwargs: Any):
        spider = super().from_crawler(crawler, *args, **kwargs)
        if spider.base_url is None:
            spider._start_sandbox()
        spider.allowed_domains = sorted({*cls.allowed_domains, urlsplit(spider.base_url).hostname})
        crawler.signals.connect(spider._stop_sandbox, signal=signals.spider_closed)
        return spider

    def _start_sandbox(self) -> None:
        from crawler.sandbox import SandboxMarket

        self.sandbox = SandboxMarket(sites=[self.name]).start()
        self.base_url = self.sandbox.urls[self.name]
        self.logger.info("no base_url given: crawling the sandbox market at %s", self.base_url)

    def _stop_sandbox(self) -> None:
        if self.sandbox is not None:
            self.sandbox.stop()

    # --- requests ---------------------------------------------------------------------------------

    async def start(self) -> AsyncIterator[Any]:
        for path in self.start_paths:
            yield scrapy.Request(urljoin(self.base_url + "/", path.lstrip("/")), callback=self.parse_start)

    def listing_request(self, url: str) -> scrapy.Request:
        """A request for a category page, through the browser when this site needs it."""
        meta = {}
        if self.render_listing_pages:
            meta = {"playwright": True, "playwright_page_methods": list(self.playwright_page_methods)}
        return scrapy.Request(url, callback=self.parse_listing, meta=meta)

    def product_request(self, url: str) -> scrapy.Request:
        """A plain HTTP request for a product page."""
        return scrapy.Request(url, callback=self.parse_product)

    def parse_start(self, response: Response) -> Iterable[scrapy.Request]:
        """The start page: follow category links (and any product links shown there)."""
        if self._blocked(response):
            return
        for href in select(response, self.category_links, many=True) if self.category_links else []:
            yield self.listing_request(response.urljoin(href))
        yield from self.parse_listing(response)

    def parse_listing(self, response: Response) -> Iterable[scrapy.Request]:
        """A category page: follow product links and the next page."""
        if self._blocked(response):
            return
        for href in select(response, self.product_links, many=True):
            url = response.urljoin(href)
            if self._listing_id_re.search(url):
                yield self.product_request(url)
        if self.next_page:
            for href in select(response, self.next_page, many=True):
                yield self.listing_request(response.urljoin(href))

    def _blocked(self, response: Response) -> bool:
        reason = response.meta.get("hazards_blocked")
        if reason:
            self.logger.info("blocked (%s): %s", reason, response.url)
        return bool(reason)

    # --- product pages ----------------------------------------------------------------------------

    def listing_id(self, response: Response) -> str | None:
        """The listing id from the product URL."""
        match = self._listing_id_re.search(response.url)
        return match.group(1) if match else None

    def parse_product(self, response: Response) -> Iterable[dict[str, Any]]:
        """A product page: one raw listing dict (or a blocked / removed record)."""
        base = {"site": self.name, "url": response.url, "listing_id": self.listing_id(response)}
        reason = response.meta.get("hazards_blocked")
        if reason:
            yield {**base, "status": "blocked", "blocked_reason": reason}
            return
        if response.status in (404, 410):
            yield {**base, "status": "removed"}
            return
        item = self.extract(response, base)
        item = self.post_process_item(item, response)
        if not item or not item.get("title") or not item.get("listing_id"):
            self.crawler.stats.inc_value("hazards/dropped")
            self.crawler.stats.inc_value("hazards/dropped/no_product_data")
            self.logger.warning("no product data on %s", response.url)
            return
        yield item

    def extract(self, response: Response, item: dict[str, Any]) -> dict[str, Any]:
        """Fill a raw listing from every source on the page, strongest first."""
        item = dict(item)
        if self.structured_data:
            _fill(item, self.structured(response))
        sku = item.pop("sku", None)
        if not item.get("listing_id") and sku:
            item["listing_id"] = str(sku)
        if self._state_re:
            _fill(item, self.state(response))
        _fill(item, {field: select(response, query) for field, query in self.selectors.items() if field != "notices"})
        specs = spec_pairs(response, self.spec_rows)
        if specs:
            item.setdefault("specs", {}).update(specs)
            _fill(item, self.fields_from_specs(specs))
        notices = select(response, self.selectors.get("notices"), many=True) if "notices" in self.selectors else []
        item["notices"] = list(dict.fromkeys(notices + required_notices(response.text)))
        text = _all_text(item)
        _fill(item, _identifiers_in_text(text))
        if item.get("purchase_agent") is None and _PURCHASE_AGENT.search(text):
            item["purchase_agent"] = True
        return item

    def structured(self, response: Response) -> dict[str, Any]:
        """schema.org Product fields from JSON-LD, microdata and OpenGraph (parsed once per response)."""
        if "_hazards_structured" in response.meta:
            return response.meta["_hazards_structured"]
        try:
            data = extruct.extract(response.text, base_url=response.url, uniform=True,
                                   syntaxes=["json-ld", "microdata", "opengraph"], errors="strict")
        except Exception:
            self.crawler.stats.inc_value("hazards/malformed_structured_data")
            data = {}
            for syntax in ("microdata", "opengraph"):
                try:
                    data.update(extruct.extract(response.text, base_url=response.url, uniform=True,
                                                syntaxes=[syntax], errors="strict"))
                except Exception:
                    continue
        product = product_from_structured(data)
        response.meta["_hazards_structured"] = product
        return product

    def state(self, response: Response) -> dict[str, Any]:
        """Fields from the embedded JavaScript state object."""
        product = self.state_object(response)
        return {field: dig(product, path) for field, path in self.state_fields.items()}

    def state_object(self, response: Response) -> dict[str, Any]:
        """The product object inside the page's embedded state (parsed once per response)."""
        if "_hazards_state" in response.meta:
            return response.meta["_hazards_state"]
        product: Any = {}
        match = self._state_re.search(response.text) if self._state_re else None
        if match:
            try:
                state = json.loads(match.group(1))
                product = dig(state, self.state_root) if self.state_root else state
            except json.JSONDecodeError:
                self.crawler.stats.inc_value("hazards/malformed_state")
        product = product if isinstance(product, dict) else {}
        response.meta["_hazards_state"] = product
        return product

    @staticmethod
    def fields_from_specs(specs: dict[str, str]) -> dict[str, str]:
        """Listing fields named by spec labels (KC 인증번호 -> kc_cert, 모델명 -> model …)."""
        return {SPEC_LABELS[normalize.key(k)]: v for k, v in specs.items() if normalize.key(k) in SPEC_LABELS}

    def post_process_item(self, item: dict[str, Any], response: Response) -> dict[str, Any]:
        """Hook: fix a site's quirks on the raw item; return it (or None to drop it)."""
        return item


_PURCHASE_AGENT = re.compile(r"구매\s*대행|해외\s*직구|직구|purchase agent|代购")
#: Legally required phrases whose presence (or absence) rules check, found anywhere on the page.
_REQUIRED_NOTICES = re.compile(
    r"이\s*제품은\s*구매\s*대행을\s*통하여\s*유통되는\s*제품임|\d+\s*개월\s*미만[^<>\"]{0,12}사용\s*금지"
    r"|어린이\s*보호\s*포장|작은\s*부품[^<>\"]{0,20}(?:삼킬|질식)[^<>\"]{0,20}"
)


def required_notices(page_text: str) -> list[str]:
    """Required notices and warnings anywhere in the page source (also inside embedded JSON)."""
    return list(dict.fromkeys(" ".join(m.group(0).split()) for m in _REQUIRED_NOTICES.finditer(page_text)))


_MODEL_IN_TEXT = re.compile(
    r"(?:모델명|모델\s*번호|품번|model\s*(?:no\.?|number)?)\s*[:：]\s*([A-Za-z0-9][\w\-./]{1,30})", re.I
)
_AGE_IN_TEXT = re.compile(
    r"(?:만\s*)?\d+\s*(?:개월|세)\s*(?:[~\-]\s*\d+\s*(?:개월|세)\s*)?(?:이상|미만|이하)?(?:\s*사용\s*금지)?"
)


def _fill(item: dict[str, Any], values: dict[str, Any]) -> None:
    for field, value in values.items():
        if value in (None, "", [], {}):
            continue
        if field == "specs" and isinstance(value, dict):
            item["specs"] = {**value, **item.get("specs", {})}
        elif item.get(field) in (None, "", [], {}):
            item[field] = value


def _all_text(item: dict[str, Any]) -> str:
    parts = [item.get("title"), item.get("description"), item.get("seller")]
    parts += [f"{k} {v}" for k, v in (item.get("specs") or {}).items()]
    parts += item.get("notices") or []
    return " ".join(str(p) for p in parts if p)


def _identifiers_in_text(text: str) -> dict[str, Any]:
    found: dict[str, Any] = {}
    kc = normalize.kc_certs(text)
    if kc:
        found["kc_cert"] = kc[0]
    codes = normalize.gtins(text)
    if codes:
        found["gtin"] = codes[0]
    model = _MODEL_IN_TEXT.search(text)
    if model:
        found["model"] = model.group(1).rstrip(".,")
    age = _AGE_IN_TEXT.search(text)
    if age:
        found["age"] = age.group(0)
    return found
