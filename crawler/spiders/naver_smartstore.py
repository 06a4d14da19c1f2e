"""Naver smartstore: the product lives in window.__PRELOADED_STATE__; the HTML is nearly empty."""

from __future__ import annotations

from crawler.spiders.base import ShopSpider


class NaverSmartstoreSpider(ShopSpider):
    """Smartstore product pages read from the preloaded state, including the sold-out status."""

    name = "naver_smartstore"
    allowed_domains = ["smartstore.naver.com"]
    category_links = "a[href*='/category/']::attr(href)"
    product_links = "a[href*='/products/']::attr(href)"
    # A store's category pages link to its other categories as well as to the next page.
    next_page = "a.next::attr(href), a[href*='/category/']::attr(href)"
    listing_id_pattern = r"/products/(\d+)"
    state_pattern = r"window\.__PRELOADED_STATE__\s*=\s*(\{.*?\});\s*</script>"
    state_root = "product.A"
    state_fields = {
        "title": "name",
        "price": "discountedSalePrice|salePrice",
        "original_price": "salePrice",
        "availability": "productStatusType",
        "seller": "channel.channelName",
        "model": "naverShoppingSearchInfo.modelName",
        "brand": "naverShoppingSearchInfo.brandName|naverShoppingSearchInfo.manufacturerName",
        "kc_cert": "productInfoProvidedNotice.kids.kcCertifiedProductYn"
                   "|productInfoProvidedNotice.etc.kcCertifiedProductYn",
        "age": "productInfoProvidedNotice.kids.useAge",
        "image_url": "representImage.url",
        "description": "detailContents.detailContentText",
        "category": "category.wholeCategoryName",
        "purchase_agent": "overseasPurchase",
    }

    def post_process_item(self, item, response):
        state = self.state_object(response)
        base = item.get("price")
        item["options"] = [
            {"name": combo.get("optionName1"), "price": (base or 0) + (combo.get("price") or 0)}
            for combo in state.get("optionCombinations") or []
        ]
        return item
