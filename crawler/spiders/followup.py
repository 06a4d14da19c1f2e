"""The follow-up spider: re-check reported listings and record whether each one came down."""

from __future__ import annotations

import json
import re
from collections.abc import AsyncIterator, Iterable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import scrapy
from scrapy.exceptions import IgnoreRequest
from scrapy.http import Response, TextResponse

from crawler.followup import apply_origins, classify


class FollowupSpider(scrapy.Spider):
    """Re-crawls the URLs of reported flags and classifies each as live, removed, blocked or unreachable.

    Targets come from the ``targets`` argument (a list, or JSON text, of ``{site, listing_id, url,
    flag_ids}``) or, without it, from the reported flags in the database (``HAZARDS_DB``). ``base_url``
    moves every URL to that origin (a sandbox or mirror serving the same paths). robots.txt and the
    allowed domains (the hosts of the targets) are honoured like in every other spider; a check that
    robots.txt forbids is recorded as ``blocked``, never skipped silently.

    Example::

        scrapy crawl followup -s HAZARDS_DB=hazards.db
        hazards followup --db hazards.db
    """

    name = "followup"
    #: Every URL the golden harness hands over is a listing page.
    listing_id_pattern = r"^https?://"
    handle_httpstatus_list = [401, 403, 404, 410, 429, 500, 502, 503, 504]
    custom_settings = {
        "ITEM_PIPELINES": {"crawler.spiders.followup.FollowupPipeline": 300},
        "RETRY_TIMES": 2,
        "REDIRECT_MAX_TIMES": 5,
    }
    run_args = ("base_url", "screenshots")

    def __init__(self, *args: Any, targets: list[dict] | str | None = None, base_url: str | None = None,
                 screenshots: str | None = None, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.targets = json.loads(targets) if isinstance(targets, str) else targets
        self.base_url = base_url.rstrip("/") if base_url else None
        self.screenshots = screenshots
        self._listing_id_re = re.compile(self.listing_id_pattern)

    @classmethod
    def from_crawler(cls, crawler, *args: Any, **kwargs: Any):
        spider = super().from_crawler(crawler, *args, **kwargs)
        if spider.targets is None:
            spider.targets = cls.targets_from_db(crawler.settings.get("HAZARDS_DB"))
        if spider.base_url:
            spider.targets = apply_origins(spider.targets, {t["site"]: spider.base_url for t in spider.targets})
        hosts = {urlsplit(t["url"]).hostname for t in spider.targets}
        if spider.base_url:
            hosts.add(urlsplit(spider.base_url).hostname)
        spider.allowed_domains = sorted(h for h in hosts if h)
        return spider

    @staticmethod
    def targets_from_db(path: str | None) -> list[dict[str, Any]]:
        """The reported listings of an existing database (none when the file does not exist)."""
        if not path or not Path(path).exists():
            return []
        from crawler.store import Store

        with Store(path) as store:
            return store.followup_targets()

    async def start(self) -> AsyncIterator[scrapy.Request]:
        for target in self.targets:
            yield self.check_request(target)

    def check_request(self, target: dict[str, Any]) -> scrapy.Request:
        """The request that checks one target, through the browser when screenshots are wanted."""
        meta: dict[str, Any] = {"target": target}
        if self.screenshots:
            from scrapy_playwright.page import PageMethod

            folder = Path(self.screenshots)
            folder.mkdir(parents=True, exist_ok=True)
            stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
            path = folder / f"{target['site']}-{target['listing_id']}-{stamp}.png"
            meta.update(playwright=True, screenshot_path=str(path),
                        playwright_page_methods=[PageMethod("screenshot", path=str(path), full_page=True)])
        return scrapy.Request(target["url"], callback=self.parse_product, errback=self.failed, meta=meta,
                              dont_filter=True)

    def parse_product(self, response: Response) -> Iterable[dict[str, Any]]:
        """Classify the page a reported listing's URL answers with."""
        target = response.meta.get("target") or {}
        url = target.get("url") or (response.meta.get("redirect_urls") or [response.url])[0]
        html = response.text if isinstance(response, TextResponse) else ""
        outcome, reason = classify(response.status, url, response.url, html,
                                   blocked=response.meta.get("hazards_blocked"))
        shot = response.meta.get("screenshot_path")
        yield self.check(target, url, outcome, reason, response.status, response.url,
                         shot if shot and Path(shot).exists() else None)

    parse_listing = parse_product

    def failed(self, failure) -> Iterable[dict[str, Any]]:
        """A check that got no page: robots.txt or offsite (blocked), or a network failure (unreachable)."""
        request = failure.request
        target = request.meta.get("target") or {}
        message = str(failure.value) or failure.type.__name__
        if failure.check(IgnoreRequest):
            outcome, reason = "blocked", message
        else:
            outcome, reason = classify(None, request.url, error=f"{failure.type.__name__}: {message}")
        yield self.check(target, target.get("url", request.url), outcome, reason, None, None, None)

    def check(self, target: dict[str, Any], url: str, outcome: str, reason: str, status: int | None,
              final_url: str | None, screenshot: str | None) -> dict[str, Any]:
        """The item the pipeline records: one check of one listing (for each of its flags)."""
        self.crawler.stats.inc_value(f"followup/outcome/{outcome}")
        return {"kind": "takedown_check", "site": target.get("site"), "listing_id": target.get("listing_id"),
                "flag_ids": target.get("flag_ids", []), "url": url, "final_url": final_url, "http_status": status,
                "outcome": outcome, "reason": reason, "screenshot_path": screenshot}


class FollowupPipeline:
    """Writes each check to ``takedown_checks`` and the run to ``runs`` (kind ``followup``)."""

    def __init__(self, crawler):
        self.crawler = crawler
        self.stats = crawler.stats
        self.store = None
        self.run_id: int | None = None

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler)

    def open_spider(self) -> None:
        from crawler.store import Store

        spider = self.crawler.spider
        self.store = Store(self.crawler.settings.get("HAZARDS_DB"))
        args = {k: getattr(spider, k, None) for k in spider.run_args}
        args["targets"] = len(spider.targets or [])
        self.run_id = self.store.start_run("followup", spider.name, args)
        self.stats.set_value("hazards/run_id", self.run_id)

    def process_item(self, item: dict[str, Any]) -> dict[str, Any]:
        if item.get("kind") != "takedown_check" or not item.get("site"):
            return item
        counts = self.store.record_takedown_check(
            item["flag_ids"], item["site"], item["listing_id"], item["url"], item["outcome"],
            http_status=item["http_status"], reason=item["reason"], final_url=item["final_url"],
            screenshot_path=item["screenshot_path"], run_id=self.run_id)
        self.stats.inc_value("followup/checks", counts["checks"])
        self.stats.inc_value("followup/flags_removed", counts["removed"])
        return item

    def close_spider(self) -> None:
        if self.store is None:
            return
        stats = self.stats.get_stats()
        outcomes = {k.rsplit("/", 1)[1]: v for k, v in stats.items() if k.startswith("followup/outcome/")}
        checked = sum(outcomes.values())
        failed = outcomes.get("unreachable", 0) + outcomes.get("blocked", 0)
        status = "suspect" if checked and failed == checked else "finished"
        self.store.finish_run(self.run_id, status, {
            "pages": stats.get("response_received_count", 0), "items": checked,
            "flags": stats.get("followup/flags_removed", 0), "errors": failed, "outcomes": outcomes,
            "checks": stats.get("followup/checks", 0), "finish_reason": stats.get("finish_reason"),
            "robots_forbidden": stats.get("robotstxt/forbidden", 0),
        })
        self.store.close()
