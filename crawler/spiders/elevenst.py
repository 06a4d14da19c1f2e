"""11번가: plain HTML with a labelled spec table and options priced relative to the base price."""

from __future__ import annotations

import re

from crawler import normalize
from crawler.spiders.base import ShopSpider

_OPTION = re.compile(r"^(?P<name>.*?)\s*\((?P<sign>[+-])(?P<diff>[\d,]+)원\)\s*$")


class ElevenstSpider(ShopSpider):
    """11번가 product pages: title, price and seller in HTML; KC 인증번호/모델명/제조자/사용연령 in a table."""

    name = "elevenst"
    allowed_domains = ["www.11st.co.kr", "11st.co.kr"]
    category_links = "ul.gnb-category a::attr(href)"
    product_links = "ul.c_listing .c_prd_name a::attr(href)"
    next_page = "div.c_paging a.next::attr(href)"
    listing_id_pattern = r"/products/(\d+)"
    selectors = {
        "title": "h1.title::text",
        "price": ".price_wrap .price strong::text",
        "original_price": ".price_before s::text",
        "seller": ".seller_nickname a::text",
        "description": ".prd_description::text",
        "image_url": ".c_product_img img::attr(src)",
        "availability": "p.sold_out::text",
        "notices": ".flag_global::text, .global_notice::text",
    }

    def post_process_item(self, item, response):
        base = normalize.price_krw(item.get("price"))
        options = []
        for label in response.css("#optSelect option[value]:not([value=''])::text").getall():
            match = _OPTION.match(label.strip())
            name, diff = (match["name"], int(match["diff"].replace(",", "")) * (1 if match["sign"] == "+" else -1)) \
                if match else (label.strip(), 0)
            options.append({"name": name, "price": base + diff if base is not None else None})
        item["options"] = options
        return item
