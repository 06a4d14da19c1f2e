"""Crawling with several processes (on one machine or many) through scrapy-redis.

One switch: with ``REDIS_URL`` set, crawler/settings.py swaps in scrapy-redis's shared scheduler queue
and dupefilter (``SCHEDULER_PERSIST`` on, so the first process to finish does not wipe the shared
state of the others) and replaces the SQLite pipeline by :class:`RedisItemPipeline`, which pushes each
raw item as JSON onto one Redis list. ``hazards ingest`` is the single writer: :class:`Ingestor` pops
the items and sends them through the very same :class:`crawler.pipelines.HazardsPipeline`
(normalise -> validate -> detect -> store), so SQLite has one writer however many crawlers run.

Seeding: every process runs the spider's normal ``start()``; the shared dupefilter drops the
duplicate start requests, and :class:`SharedQueueIdle` keeps a process that found nothing to do
alive until the shared queue has stayed empty for ``HAZARDS_REDIS_IDLE_SECONDS``.

Delivery: the ingestor moves items to a processing list before handling them and deletes that list
only after the batch is committed, so an ingestor killed mid-batch re-reads the batch when it restarts
(storing twice is harmless: the store upserts on (site, listing_id)).
"""

from __future__ import annotations

import json
import logging
import os
import signal
import socket
import time
from collections import defaultdict
from types import SimpleNamespace
from typing import Any

from scrapy import signals
from scrapy.exceptions import DontCloseSpider, DropItem
from scrapy.settings import Settings
from scrapy_redis.connection import get_redis, get_redis_from_settings

from crawler.items import RecallNotice

logger = logging.getLogger(__name__)

#: Message kinds on the items list.
LISTING, RECALL, CLOSED = "item", "recall", "crawl_closed"


def items_key(settings) -> str:
    """The Redis list that carries items from the crawlers to the writer."""
    return settings.get("HAZARDS_REDIS_ITEMS_KEY") or f"{settings.get('HAZARDS_REDIS_PREFIX', 'hazards')}:items"


class RedisItemPipeline:
    """Pushes every item a spider yields onto the shared items list (no SQLite in crawler processes).

    When the spider closes it pushes its Scrapy stats, so the writer can record the crawl's pages,
    errors and drops in ``runs`` together with what it stored.
    """

    def __init__(self, crawler):
        self.crawler = crawler
        self.server = get_redis_from_settings(crawler.settings)
        self.key = items_key(crawler.settings)

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler)

    def process_item(self, item: Any) -> Any:
        if isinstance(item, RecallNotice):
            message = {"kind": RECALL, "item": item.model_dump(mode="json")}
        else:
            message = {"kind": LISTING, "item": dict(item)}
        self.server.rpush(self.key, json.dumps(message, ensure_ascii=False, default=str))
        self.crawler.stats.inc_value("hazards/redis_pushed")
        return item

    def close_spider(self) -> None:
        stats = {k: v for k, v in self.crawler.stats.get_stats().items() if isinstance(v, int | float)}
        message = {"kind": CLOSED, "spider": self.crawler.spider.name, "stats": stats,
                   "host": socket.gethostname(), "pid": os.getpid()}
        self.server.rpush(self.key, json.dumps(message))


class SharedQueueIdle:
    """Keeps an idle crawler process open while other processes may still fill the shared queue.

    A process closes once the shared request queue has been empty for ``HAZARDS_REDIS_IDLE_SECONDS``
    (Scrapy re-checks an idle spider every 5 seconds).
    """

    def __init__(self, crawler):
        self.crawler = crawler
        self.server = get_redis_from_settings(crawler.settings)
        self.grace = crawler.settings.getfloat("HAZARDS_REDIS_IDLE_SECONDS", 10.0)
        self.empty_since: float | None = None
        crawler.signals.connect(self.spider_idle, signal=signals.spider_idle)

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler)

    def queued(self, spider) -> int:
        key = self.crawler.settings.get("SCHEDULER_QUEUE_KEY", "%(spider)s:requests") % {"spider": spider.name}
        kind = self.server.type(key)
        kind = kind.decode() if isinstance(kind, bytes) else kind
        return {"zset": self.server.zcard, "list": self.server.llen}.get(kind, lambda _key: 0)(key)

    def spider_idle(self, spider) -> None:
        if self.queued(spider):
            self.empty_since = None
            raise DontCloseSpider
        now = time.monotonic()
        self.empty_since = self.empty_since or now
        if now - self.empty_since < self.grace:
            raise DontCloseSpider


class _Stats:
    """The part of Scrapy's stats collector HazardsPipeline uses."""

    def __init__(self):
        self.values: dict[str, Any] = defaultdict(int)

    def inc_value(self, key: str, count: int = 1, start: int = 0) -> None:
        self.values[key] = self.values.get(key, start) + count

    def set_value(self, key: str, value: Any) -> None:
        self.values[key] = value

    def get_value(self, key: str, default: Any = None) -> Any:
        return self.values.get(key, default)

    def get_stats(self) -> dict[str, Any]:
        return dict(self.values)


class Ingestor:
    """The single writer: Redis items -> HazardsPipeline (normalise, detect, store) -> SQLite.

    One crawl run row is recorded per spider, with the stats of every crawler process added up.
    """

    def __init__(self, redis_url: str, settings: Settings, key: str | None = None):
        self.server = get_redis(url=redis_url)
        self.settings = settings
        self.key = key or items_key(settings)
        self.processing = f"{self.key}:processing"
        self.batch = settings.getint("HAZARDS_FLUSH_EVERY", 200)
        self.pipelines: dict[str, Any] = {}
        self.closed: list[dict] = []
        self.counts: dict[str, int] = defaultdict(int)

    def pipeline(self, spider: str):
        """The HazardsPipeline of one spider, opened on first use."""
        if spider not in self.pipelines:
            from crawler.pipelines import HazardsPipeline

            crawler = SimpleNamespace(settings=self.settings, stats=_Stats(),
                                      spider=SimpleNamespace(name=spider, run_args=()))
            pipeline = HazardsPipeline(crawler)
            pipeline.open_spider()
            crawler.stats.set_value("hazards/ingested_by", f"{socket.gethostname()}:{os.getpid()}")
            self.pipelines[spider] = pipeline
        return self.pipelines[spider]

    def handle(self, raw: bytes | str) -> None:
        message = json.loads(raw)
        kind = message.get("kind")
        if kind == CLOSED:
            stats = self.pipeline(message["spider"]).stats
            for name, value in message.get("stats", {}).items():
                if not name.startswith("hazards/run_id"):
                    stats.inc_value(name, value)
            stats.inc_value("hazards/crawler_processes")
            self.closed.append(message)
            return
        item = message.get("item") or {}
        if kind == RECALL:
            item = RecallNotice(**item)
            spider = "recalls_kr"
        else:
            spider = item.get("site") or "unknown"
        try:
            self.pipeline(spider).process_item(item)
            self.counts["items"] += 1
        except DropItem:
            self.counts["dropped"] += 1

    def run(self, crawlers: int | None = None, idle_exit: float | None = None) -> dict[str, int]:
        """Ingest until `crawlers` crawler processes have closed and the list is empty, or until the
        list has been empty for `idle_exit` seconds, or until SIGTERM / Ctrl-C."""
        stopping = []
        previous = signal.signal(signal.SIGTERM, lambda *_: stopping.append(True))
        idle_since = time.monotonic()
        try:
            self._recover()
            while not stopping:
                moved = self._take_batch()
                if moved:
                    idle_since = time.monotonic()
                    continue
                if crawlers is not None and len(self.closed) >= crawlers:
                    break
                if idle_exit is not None and time.monotonic() - idle_since >= idle_exit:
                    break
        except KeyboardInterrupt:
            pass
        finally:
            signal.signal(signal.SIGTERM, previous)
            self.close()
        return dict(self.counts)

    def _recover(self) -> None:
        """Items a killed ingestor had taken but not committed."""
        pending = self.server.lrange(self.processing, 0, -1)
        for raw in pending:
            self.handle(raw)
        self._commit()

    def _take_batch(self) -> int:
        raw = self.server.blmove(self.key, self.processing, 1.0, "LEFT", "RIGHT")
        if raw is None:
            return 0
        taken = [raw]
        while len(taken) < self.batch:
            raw = self.server.lmove(self.key, self.processing, "LEFT", "RIGHT")
            if raw is None:
                break
            taken.append(raw)
        for raw in taken:
            self.handle(raw)
        self._commit()
        return len(taken)

    def _commit(self) -> None:
        for pipeline in self.pipelines.values():
            pipeline._flush()
        self.server.delete(self.processing)

    def close(self) -> None:
        """Close every spider's run row with the added-up stats."""
        for spider, pipeline in self.pipelines.items():
            pipeline.stats.set_value("finish_reason", "finished")
            pipeline.close_spider()
            # HazardsPipeline closes the run row on the spider_closed signal, which nothing sends here.
            pipeline.spider_closed(pipeline.crawler.spider, "finished")
            logger.info("ingested %s: run %s", spider, pipeline.run_id)
        self.pipelines.clear()
