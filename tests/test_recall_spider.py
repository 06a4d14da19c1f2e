"""The recalls_kr spider: portal pages become the same notices as the SafetyKorea Open API file."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from scrapy import Request
from scrapy.http import HtmlResponse
from scrapy.utils.test import get_crawler

from crawler.items import RecallNotice
from crawler.recalls.importers import parse_safetykorea
from crawler.sandbox import SandboxMarket
from crawler.sandbox.recalls import load_recalls
from crawler.spiders.recalls_kr import RecallsKrSpider
from crawler.store import Store

ROOT = Path(__file__).resolve().parents[1]
BASE = "http://127.0.0.1:8000"
RECORDS = load_recalls()
#: The crawl is a provenance, not a different notice: only the page URL and the raw fields differ.
SAME = {"exclude": {"url", "raw"}}


@pytest.fixture
def spider():
    crawler = get_crawler(RecallsKrSpider)
    spider = RecallsKrSpider.from_crawler(crawler, base_url=BASE)
    crawler.spider = spider
    return spider


def parse_detail(spider, market: SandboxMarket, uid: int) -> list[RecallNotice]:
    path = f"/recall/detail?recallUid={uid}"
    page = market.render("recalls_kr", path, BASE)
    response = HtmlResponse(BASE + path, status=page.status, body=page.body,
                            headers={"Content-Type": page.content_type}, request=Request(BASE + path))
    return list(spider.parse_product(response))


def test_every_portal_page_gives_the_notice_the_api_file_gives(spider):
    market = SandboxMarket(sites=["recalls_kr"], recalls=RECORDS)
    differ = []
    for record in RECORDS:
        crawled = parse_detail(spider, market, record["recallUid"])
        imported = parse_safetykorea(record)
        if len(crawled) != 1 or crawled[0].model_dump(**SAME) != imported.model_dump(**SAME):
            differ.append(record["recallUid"])
    assert not differ, f"portal and API notices differ for recallUid {differ[:10]}"


def test_a_crawled_notice_keeps_its_portal_url_and_the_fields_the_page_showed(spider):
    record = next(r for r in RECORDS if r["recallUid"] == 10018626)
    (notice,) = parse_detail(spider, SandboxMarket(sites=["recalls_kr"], recalls=[record]), 10018626)
    assert notice.recall_id == "safetykorea:10018626"
    assert notice.url == f"{BASE}/recall/detail?recallUid=10018626"
    assert notice.raw["certNum"] == "-\n(인증모델: -)"
    assert notice.raw["publishDate"] == "2022-12-19"
    assert notice.kc_certs == [] and notice.gtins == ["08804725955438"]


def test_a_removed_recall_page_is_counted_not_stored(spider):
    market = SandboxMarket(sites=["recalls_kr"], recalls=RECORDS[:3])
    market.remove("recalls_kr", str(RECORDS[0]["recallUid"]))
    assert parse_detail(spider, market, RECORDS[0]["recallUid"]) == []
    assert spider.crawler.stats.get_value("hazards/dropped/recall_page_unavailable") == 1


def test_crawling_the_portal_twice_stores_each_notice_once(tmp_path):
    records = RECORDS[:25]  # two list pages
    db = tmp_path / "recalls.db"
    with SandboxMarket(sites=["recalls_kr"], recalls=records) as market:
        command = [sys.executable, "-m", "crawler.cli", "crawl", "recalls_kr", "--db", str(db),
                   "--base-url", market.urls["recalls_kr"],
                   "-s", "AUTOTHROTTLE_ENABLED=False", "-s", "DOWNLOAD_DELAY=0"]
        for _ in range(2):
            result = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=120)
            assert result.returncode == 0, result.stderr[-2000:]
    store = Store(db)
    stored = {n.recall_id: n for n in store.iter_recalls()}
    assert len(stored) == len(records)
    for record in records:
        assert stored[f"safetykorea:{record['recallUid']}"].model_dump(**SAME) == \
            parse_safetykorea(record).model_dump(**SAME)
    counts = store.upsert_recalls(stored.values())
    assert counts == {"new": 0, "updated": 0, "unchanged": len(records)}
    runs = list(store.db.query("SELECT status, stats FROM runs WHERE kind = 'crawl' ORDER BY id"))
    assert [r["status"] for r in runs] == ["ok", "ok"]
    store.close()
