"""AliExpress (Korean storefront): category grids are filled by JavaScript, so they are rendered in the
browser; product pages carry their data in ``window.runParams`` and are fetched without it."""

from __future__ import annotations

from scrapy_playwright.page import PageMethod

from crawler.settings import PLAYWRIGHT_SETTINGS
from crawler.spiders.base import ShopSpider


class AliexpressKRSpider(ShopSpider):
    """AliExpress product pages from the embedded runParams blob; category pages through Chromium."""

    name = "aliexpress_kr"
    allowed_domains = ["ko.aliexpress.com", "aliexpress.com", "www.aliexpress.com"]
    custom_settings = PLAYWRIGHT_SETTINGS
    category_links = "ul.categories a::attr(href)"
    product_links = "#product-grid a.product-card::attr(href)"
    next_page = "#pagination a.next-page::attr(href)"
    listing_id_pattern = r"/item/(\d+)\.html"
    render_listing_pages = True
    playwright_page_methods = [PageMethod("wait_for_selector", "#product-grid a.product-card, #pagination .cur")]
    state_pattern = r"window\.runParams\s*=\s*\{\s*data:\s*(\{.*?\})\s*\};\s*</script>"
    state_fields = {
        "title": "productInfoComponent.subject",
        "category": "productInfoComponent.categoryPath",
        "price": "priceComponent.discountPrice.formatedAmount|priceComponent.discountPrice.value",
        "original_price": "priceComponent.origPrice.formatedAmount",
        "currency": "priceComponent.currencyCode",
        "seller": "storeModule.storeName",
        "description": "descriptionModule.text",
        "image_url": "imageModule.imagePathList.0",
        "purchase_agent": "globalShipping",
    }

    def post_process_item(self, item, response):
        data = self.state_object(response)
        specs = {p["attrName"]: str(p["attrValue"]) for p in (data.get("specsModule") or {}).get("props", [])
                 if p.get("attrName") and p.get("attrValue") not in (None, "")}
        item["specs"] = {**specs, **item.get("specs", {})}
        for field, value in self.fields_from_specs(specs).items():
            item.setdefault(field, value)
        quantity = (data.get("quantityModule") or {}).get("totalAvailQuantity")
        if quantity is not None:
            item["availability"] = "in_stock" if quantity > 0 else "sold_out"
        item["options"] = [{"name": sku.get("skuAttr"), "price": sku.get("price")}
                           for sku in (data.get("skuModule") or {}).get("skuList", [])]
        return item
