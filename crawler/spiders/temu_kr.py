"""Temu (Korean storefront): category pages load more products on scroll / "더보기", so they are
rendered in the browser and clicked until everything is shown; product pages are plain HTML."""

from __future__ import annotations

from scrapy_playwright.page import PageMethod

from crawler.settings import PLAYWRIGHT_SETTINGS
from crawler.spiders.base import ShopSpider

# Clicks "더보기" until the shop says there is no more, waiting for each batch to arrive.
LOAD_EVERYTHING = """
async () => {
  for (let round = 0; round < 200; round++) {
    const more = document.querySelector('#load-more');
    if (!more || more.getAttribute('data-has-more') !== 'true') return round;
    const before = document.querySelectorAll('li.goods-item').length;
    more.click();
    window.scrollTo(0, document.body.scrollHeight);
    for (let wait = 0; wait < 100 && document.querySelectorAll('li.goods-item').length === before; wait++) {
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }
}
"""


class TemuKRSpider(ShopSpider):
    """Temu product pages (정가/할인가 prices, a property list with KC number and age)."""

    name = "temu_kr"
    allowed_domains = ["www.temu.com", "temu.com"]
    custom_settings = PLAYWRIGHT_SETTINGS
    category_links = "ul.nav-category a::attr(href)"
    product_links = "#goods-list li.goods-item a::attr(href)"
    listing_id_pattern = r"-g-(\d+)\.html"
    render_listing_pages = True
    playwright_page_methods = [PageMethod("evaluate", LOAD_EVERYTHING)]
    spec_rows = ("//ul[@class='goods-props']/li", "./span[@class='prop-key']", "./span[@class='prop-val']")
    selectors = {
        "title": "h1.goods-title::text",
        "price": ".price-sale::text",
        "original_price": ".price-origin del::text",
        "seller": "//div[@class='mall-name']/text()",
        "description": ".goods-desc::text",
        "image_url": "img.goods-img::attr(src)",
        "availability": ".sold-out::text",
        "notices": ".overseas::text, .agent-notice::text",
    }

    def post_process_item(self, item, response):
        if item.get("seller"):
            item["seller"] = item["seller"].removeprefix("판매자:").strip()
        item["options"] = [
            {"name": " ".join(sku.css("::text").get("").split()[:-1]) or sku.css("::text").get(),
             "price": sku.attrib.get("data-price")}
            for sku in response.css("ul.sku-list li.sku")
        ]
        return item
