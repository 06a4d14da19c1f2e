"""The item pipeline: raw dict -> Listing -> detection -> SQLite, in batches.

Every item problem is counted in the crawl stats (``hazards/dropped/<reason>``), never raised; the
run row in ``runs`` is opened when the spider opens and closed with its stats when it closes, so a
crawl that returned nothing is visible as such.
"""

from __future__ import annotations

import logging
import time
from typing import Any

from pydantic import ValidationError
from scrapy import signals
from scrapy.exceptions import DropItem

from crawler.detect import Detector, load_rules
from crawler.items import Listing, RecallNotice
from crawler.recalls.index import RecallIndex
from crawler.resume import ResumeJournal
from crawler.runs import judge_run
from crawler.store import Store

logger = logging.getLogger(__name__)


class HazardsPipeline:
    """Normalises, validates, detects and stores every listing a spider yields."""

    def __init__(self, crawler):
        self.crawler = crawler
        self.stats = crawler.stats
        settings = crawler.settings
        self.db_path = settings.get("HAZARDS_DB")
        self.rules_dir = settings.get("HAZARDS_RULES_DIR") or None
        self.flush_every = settings.getint("HAZARDS_FLUSH_EVERY", 200)
        self.store: Store | None = None
        self.detector: Detector | None = None
        self.run_id: int | None = None
        self.pending: list[tuple[Listing, list]] = []
        self.pending_recalls: list[RecallNotice] = []
        self.journal: ResumeJournal | None = None
        self.started = 0.0

    @classmethod
    def from_crawler(cls, crawler):
        pipeline = cls(crawler)
        # The run is judged on spider_closed: only that signal carries the finish reason (shutdown, timeout …).
        crawler.signals.connect(pipeline.spider_closed, signal=signals.spider_closed)
        return pipeline

    def open_spider(self) -> None:
        spider = self.crawler.spider
        self.store = Store(self.db_path)
        ruleset = load_rules(self.rules_dir)
        self.detector = Detector(ruleset, recall_index=RecallIndex.from_store(self.store))
        self.rule_ids = ruleset.ids
        args = {k: v for k, v in vars(spider).items() if k in getattr(spider, "run_args", ())}
        if self.crawler.settings.get("HAZARDS_SCHEDULE"):
            args["schedule"] = self.crawler.settings.get("HAZARDS_SCHEDULE")
        self.journal = ResumeJournal.for_crawler(self.crawler)
        killed = self.journal.previous_runs() if self.journal else []
        if killed:
            args["resumes"] = killed[-1]
        self.run_id = self.store.start_run("crawl", spider.name, args)
        if self.journal:
            self.journal.add_run(self.run_id)
            self._close_killed(killed)
        self.stats.set_value("hazards/run_id", self.run_id)
        self.started = time.monotonic()

    def process_item(self, item: Any) -> Any:
        if isinstance(item, RecallNotice):
            self.pending_recalls.append(item)
            self.stats.inc_value("hazards/recalls")
            if len(self.pending_recalls) >= self.flush_every:
                self._flush()
            return item
        status = item.get("status")
        if status in ("blocked", "removed") and not item.get("title"):
            self._mark(item, status)
            return item
        try:
            listing = Listing.from_raw(item)
        except (ValidationError, KeyError, TypeError, ValueError) as error:
            reason = _reason(error)
            self.stats.inc_value("hazards/dropped")
            self.stats.inc_value(f"hazards/dropped/{reason}")
            raise DropItem(f"invalid listing {item.get('url')}: {reason}") from error
        hits = self.detector.detect(listing)
        self.stats.inc_value("hazards/listings")
        if hits:
            self.stats.inc_value("hazards/flagged_listings")
            self.stats.inc_value("hazards/hits", len(hits))
        self.pending.append((listing, hits))
        if len(self.pending) >= self.flush_every:
            self._flush()
        return item

    def _close_killed(self, run_ids: list[int]) -> None:
        for run_id in run_ids:
            run = self.store.get_run(run_id)
            if run and run["status"] == "running":
                why = f"killed before it finished; resumed by run {self.run_id}"
                self.store.finish_run(run_id, "interrupted", {**run["stats"], "suspect_reasons": [why]})

    def _mark(self, item: dict, status: str) -> None:
        self.stats.inc_value(f"hazards/{status}_listings")
        if item.get("site") and item.get("listing_id"):
            self.store.mark_listing_status(item["site"], str(item["listing_id"]), status, self.run_id)

    def _flush(self) -> None:
        if self.pending:
            batch, self.pending = self.pending, []
            self.store.upsert_listings([listing for listing, _ in batch], self.run_id)
            counts = self.store.sync_flags_many(
                [(listing.site, listing.listing_id, hits) for listing, hits in batch], self.run_id, self.rule_ids
            )
            self.stats.inc_value("hazards/flags_new", counts["new"])
            if self.journal:
                self.journal.mark_done(listing.url for listing, _ in batch)
        if self.pending_recalls:
            batch, self.pending_recalls = self.pending_recalls, []
            self.store.upsert_recalls(batch)
            if self.journal:
                self.journal.mark_done(notice.url for notice in batch)

    def close_spider(self) -> None:
        if self.store is not None:
            self._flush()

    def spider_closed(self, spider, reason: str) -> None:
        if self.store is None:
            return
        stats = self.stats.get_stats()
        summary = crawl_summary({**stats, "finish_reason": reason}, time.monotonic() - self.started)
        previous = self.store.list_runs(limit=1, kind="crawl", name=self.crawler.spider.name, before=self.run_id)
        status, why = judge_run(summary, reason, previous[0] if previous else None, self.crawler.settings)
        summary["suspect_reasons"] = why
        self.store.finish_run(self.run_id, status, summary)
        self.store.close()
        self.store = None


def crawl_summary(stats: dict[str, Any], seconds: float) -> dict[str, Any]:
    """The figures an inspector needs from Scrapy's stats to trust a crawl."""
    drops = {k.split("/", 2)[2]: v for k, v in stats.items() if k.startswith("hazards/dropped/")}
    blocked = {k.split("/", 2)[2]: v for k, v in stats.items() if k.startswith("hazards/blocked/")}
    http_errors = {k.rsplit("/", 1)[1]: v for k, v in stats.items()
                   if k.startswith("downloader/response_status_count/") and not k.endswith(("/200", "/301", "/302"))}
    exceptions = {k.split("/", 1)[1]: v for k, v in stats.items()
                  if k.startswith("downloader/exception_type_count/")}
    failed = {k.split("/", 2)[2]: v for k, v in stats.items() if k.startswith("hazards/failed/")}
    malformed = {k.removeprefix("hazards/malformed_"): v for k, v in stats.items()
                 if k.startswith("hazards/malformed_")}
    spider_exceptions = sum(v for k, v in stats.items() if k.startswith("spider_exceptions/"))
    return {
        "pages": stats.get("response_received_count", 0),
        "items": stats.get("hazards/listings", 0) + stats.get("hazards/recalls", 0),
        "flags": stats.get("hazards/hits", 0),
        "new_flags": stats.get("hazards/flags_new", 0),
        "errors": sum(exceptions.values()) + sum(failed.values()) + spider_exceptions,
        "requests": stats.get("downloader/request_count", 0),
        "drops": drops,
        "blocked": stats.get("hazards/blocked", 0),
        "blocked_by_reason": blocked,
        "blocked_listings": stats.get("hazards/blocked_listings", 0),
        "removed_listings": stats.get("hazards/removed_listings", 0),
        "http_errors": http_errors,
        "exceptions": exceptions,
        "failed": failed,
        "malformed": malformed,
        "charset_fixed": stats.get("hazards/charset_fixed", 0),
        "retries_gave_up": stats.get("retry/max_reached", 0),
        "spider_exceptions": spider_exceptions,
        "retry_backoff_seconds": round(stats.get("retry/backoff_seconds", 0), 2),
        "offsite": stats.get("offsite/filtered", 0),
        "robots_forbidden": stats.get("robotstxt/forbidden", 0),
        "retries": stats.get("retry/count", 0),
        "resume_skipped": stats.get("hazards/resume/skipped", 0),
        "rendered_pages": stats.get("playwright/page_count", 0),
        "duration_seconds": round(seconds, 2),
        "finish_reason": stats.get("finish_reason"),
    }


def _reason(error: Exception) -> str:
    if isinstance(error, ValidationError):
        first = error.errors()[0]
        field = ".".join(str(part) for part in first.get("loc", ())) or "item"
        return f"{field}_{first.get('type', 'invalid')}"
    if isinstance(error, KeyError):
        return f"missing_{error.args[0]}"
    return type(error).__name__
