"""G마켓: old-style table pages in EUC-KR (declared in the HTTP header on some pages, in <meta> on others)."""

from __future__ import annotations

from crawler.spiders.base import ShopSpider


class GmarketSpider(ShopSpider):
    """G마켓 item pages; Scrapy decodes EUC-KR from the header or the <meta> declaration."""

    name = "gmarket"
    allowed_domains = ["item.gmarket.co.kr", "www.gmarket.co.kr", "gmarket.co.kr"]
    category_links = "table.cate_list a::attr(href)"
    product_links = "table.list_tbl td.item_name a::attr(href)"
    next_page = "td.paging a.next::attr(href)"
    listing_id_pattern = r"goodscode=(\d+)"
    spec_rows = ("//table[contains(@class, 'item_info')]//tr[td[@class='th']]", "./td[@class='th']",
                 "./td[@class='td']")
    selectors = {
        "title": "//h1[@class='itemtit']/text()",
        "price": "strong.price_real::text",
        "original_price": "strike.price_org::text",
        "description": "td.item_desc::text",
        "image_url": "table.item_topinfo img::attr(src)",
        "availability": "font.soldout::text",
        "notices": "b.global::text, td.notice::text",
    }

    def post_process_item(self, item, response):
        item["options"] = [
            {"name": text.rsplit(" / ", 1)[0], "price": text.rsplit(" / ", 1)[-1]}
            for text in response.css("select.opt_select option[value]::text").getall()
        ]
        return item
