"""Coupang: server-rendered pages with schema.org JSON-LD; some product URLs get a CDN denial."""

from __future__ import annotations

from crawler.spiders.base import ShopSpider


class CoupangSpider(ShopSpider):
    """Coupang product pages: JSON-LD Product, plus the 필수 표기정보 table for KC number and age."""

    name = "coupang"
    allowed_domains = ["www.coupang.com", "coupang.com"]
    category_links = "nav.category-list a::attr(href)"
    product_links = "ul#productList a.search-product-link::attr(href)"
    next_page = "a.btn-next::attr(href)"
    listing_id_pattern = r"/vp/products/(\d+)"
    structured_data = True
    selectors = {
        "category": "h2.category-title::text",
        "original_price": "span.origin-price::text",
        "notices": ".prod-badge::text, .purchase-agent-notice::text",
    }

    def post_process_item(self, item, response):
        item["options"] = [
            {"name": option.css(".title::text").get(), "price": option.attrib.get("data-price")}
            for option in response.css("li.prod-option__item")
        ]
        return item
