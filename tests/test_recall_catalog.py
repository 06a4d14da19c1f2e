"""Recall matching on the sandbox catalog as the spiders see it, without crawling.

Each catalog entry's product page is rendered by its site's skin and parsed by the real spider
(some sites show no brand, barcode or KC number); the listing is matched against the bundled
recall data at the threshold of the ``recalled-product`` rule, like the demo does.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from scrapy import Request
from scrapy.http import HtmlResponse
from scrapy.spiderloader import SpiderLoader
from scrapy.utils.project import get_project_settings
from scrapy.utils.test import get_crawler

from crawler.demo import BUNDLED_RECALLS
from crawler.items import Listing
from crawler.middlewares import blocked_reason
from crawler.recalls.importers import load_file
from crawler.recalls.index import RecallIndex
from crawler.sandbox import SandboxMarket
from crawler.sandbox.catalog import load_catalog

ROOT = Path(__file__).resolve().parents[1]
BASE = "http://127.0.0.1:8000"
SHOPS = ("aliexpress_kr", "temu_kr", "coupang", "naver_smartstore", "gmarket", "elevenst")
RULE = yaml.safe_load((ROOT / "rules" / "recalled-product.yaml").read_text(encoding="utf-8"))
MIN_SCORE = RULE["match"]["recall"]["min_score"]
ENTRIES = [e for e in load_catalog() if e["truth"] in ("recall", "benign", "near-miss")]


@pytest.fixture(scope="module")
def seen() -> list[tuple[dict, Listing, list[str]]]:
    """(catalog entry, listing as its spider parsed it, recall ids matched) for every page shown."""
    index = RecallIndex([n for path, fmt in BUNDLED_RECALLS for n in load_file(path, fmt).notices])
    market = SandboxMarket(sites=list(SHOPS))
    loader = SpiderLoader.from_settings(get_project_settings())
    out = []
    for site in SHOPS:
        crawler = get_crawler(loader.load(site))
        spider = crawler.spidercls.from_crawler(crawler, base_url=BASE)
        crawler.spider = spider
        skin = market.skins[site]
        for entry in (e for e in ENTRIES if site in e["sites"]):
            path = skin.product_path(next(x for x in skin.by_id.values() if x["id"] == entry["id"]))
            page = market.render(site, path, BASE)
            response = HtmlResponse(BASE + path, status=page.status, body=page.body,
                                    headers={"Content-Type": page.content_type}, request=Request(BASE + path))
            if blocked_reason(response):
                continue
            for item in spider.parse_product(response):
                listing = Listing.from_raw(item)
                out.append((entry, listing, [m.recall_id for m in index.match(listing, min_score=MIN_SCORE)]))
    return out


def test_every_relisted_recall_matches_its_recall_on_every_site_that_shows_it(seen):
    recalled = [(e, listing, found) for e, listing, found in seen if e["truth"] == "recall"]
    assert not [(e["id"], listing.site) for e, listing, found in recalled if e["recall_id"] not in found]
    assert {e["id"] for e, _, _ in recalled} == {e["id"] for e in ENTRIES if e["truth"] == "recall"}


def test_benign_and_near_miss_listings_match_no_recall(seen):
    false = [(e["id"], listing.site, found) for e, listing, found in seen if e["truth"] != "recall" and found]
    assert not false
