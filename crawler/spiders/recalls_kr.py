"""제품안전정보센터-style recall portal: a paged notice list and one labelled table per recall."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, ClassVar

from scrapy.http import Response

from crawler.items import RecallNotice
from crawler.recalls.importers import SkipRecord, parse_safetykorea
from crawler.spiders.base import ShopSpider


class RecallsKrSpider(ShopSpider):
    """Recall notices from the portal's detail pages, parsed exactly like the SafetyKorea Open API file.

    The detail table's labels are mapped back to the Open API field names (``제품명`` is the
    *category* ``recallProductName``; the product name is ``모델명`` = ``recallModelName``) and the
    record goes through :func:`crawler.recalls.importers.parse_safetykorea`, so a crawled notice
    equals the imported one (same ``safetykorea:<uid>`` id and identifiers); only ``url`` (the
    detail page) and ``raw`` (the fields as the page shows them) differ.

    Example::

        hazards crawl recalls_kr --db hazards.db
    """

    name = "recalls_kr"
    allowed_domains = ["www.safetykorea.kr", "safetykorea.kr"]
    start_paths = ("/recall/list?page=1",)
    product_links = "table.tbl_list td.subject a::attr(href)"
    next_page = "div.paging a.next::attr(href)"
    listing_id_pattern = r"recallUid=(\d+)"
    #: Detail-table label -> SafetyKorea Open API field name.
    detail_fields: ClassVar[dict[str, str]] = {
        "제품명": "recallProductName",
        "품목": "categoryName",
        "모델명": "recallModelName",
        "브랜드": "recallBrandName",
        "바코드": "barcodeNum",
        "인증번호": "certNum",
        "업체명": "recallCmpnyName",
        "제조업체": "makerName",
        "제조국": "makingCntryName",
        "결함내용": "harmDscr",
        "리콜유형": "recallTypeName",
        "리콜방법": "recallMeans",
        "조치내용": "publishActionDscr",
        "공표일": "publishDate",
    }
    detail_rows: ClassVar[str] = "//table[contains(@class, 'tbl_view')]//tr[th and td]"

    def parse_product(self, response: Response) -> Iterable[RecallNotice]:
        """A detail page: one RecallNotice (pages that are gone or unparsable are counted, not raised)."""
        if self._blocked(response) or response.status in (404, 410):
            self.crawler.stats.inc_value("hazards/dropped")
            self.crawler.stats.inc_value("hazards/dropped/recall_page_unavailable")
            return
        record = self.record(response)
        try:
            notice = parse_safetykorea(record)
        except SkipRecord as exc:
            self.crawler.stats.inc_value("hazards/dropped")
            self.crawler.stats.inc_value("hazards/dropped/recall_unparsable")
            self.logger.warning("recall page %s skipped: %s", response.url, exc)
            return
        yield notice.model_copy(update={"url": response.url})

    def record(self, response: Response) -> dict[str, Any]:
        """The detail table as an Open API record (``recallUid`` from the table or the URL)."""
        uid = response.css("table.tbl_view::attr(data-recall-uid)").get() or self.listing_id(response)
        record: dict[str, Any] = {"recallUid": int(uid) if uid and uid.isdigit() else uid}
        for row in response.xpath(self.detail_rows):
            label = " ".join(row.xpath("./th").xpath("string()").get("").split())
            if label in self.detail_fields:
                record[self.detail_fields[label]] = cell_text(row.xpath("./td[1]"))
        return record


def cell_text(cell) -> str:
    """A table cell's text as the source value: ``<br>`` back to a line break, entities decoded."""
    parts = []
    for node in cell.xpath("./node()"):
        if isinstance(node.root, str):
            parts.append(node.get())
        elif node.xpath("name()").get() == "br":
            parts.append("\n")
        else:
            parts.append(node.xpath("string()").get())
    return "".join(parts)
