"""Crawl progress: a live status line on a terminal, plain periodic log lines everywhere else.

An inspector running ``hazards crawl`` interactively sees one line that updates in place::

    elevenst  412 pages  380 listings  57 flags  0 blocked  2 errors  18.3 pages/s  0:22

When stderr is not a terminal (cron, Scrapyd, a pipe, a CI log) the same figures are logged as an
ordinary INFO line every ``HAZARDS_PROGRESS_INTERVAL`` seconds, so log files get no escape codes.

Settings: ``HAZARDS_PROGRESS`` = ``auto`` (default: line on a TTY, log lines otherwise) | ``line`` |
``log`` | ``off``; ``HAZARDS_PROGRESS_INTERVAL`` (seconds between log lines, default 30; the
terminal line is redrawn every ``HAZARDS_PROGRESS_REFRESH`` seconds, default 0.5).
"""

from __future__ import annotations

import logging
import sys
import time
from typing import Any, TextIO

from scrapy import signals
from scrapy.exceptions import NotConfigured
from scrapy.utils.asyncio import create_looping_call

logger = logging.getLogger(__name__)

MODES = ("auto", "line", "log", "off")
_CLEAR = "\r\x1b[K"


def progress_figures(stats: dict[str, Any]) -> dict[str, int]:
    """Pages, listings, flags, blocked pages and errors so far, from Scrapy's stats."""
    errors = sum(v for k, v in stats.items() if k.startswith(("downloader/exception_type_count/",
                                                               "spider_exceptions/")))
    errors += sum(v for k, v in stats.items()
                  if k.startswith("downloader/response_status_count/5"))
    return {
        "pages": stats.get("response_received_count", 0),
        "items": stats.get("hazards/listings", 0) + stats.get("hazards/recalls", 0),
        "flags": stats.get("hazards/hits", 0),
        "blocked": stats.get("hazards/blocked", 0),
        "errors": errors,
        "dropped": stats.get("hazards/dropped", 0),
    }


def progress_line(name: str, figures: dict[str, int], seconds: float) -> str:
    """One line of figures with the page rate and the elapsed time."""
    rate = figures["pages"] / seconds if seconds > 0 else 0.0
    minutes, secs = divmod(int(seconds), 60)
    hours, minutes = divmod(minutes, 60)
    elapsed = f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"
    return (f"{name}  {figures['pages']} pages  {figures['items']} listings  {figures['flags']} flags  "
            f"{figures['blocked']} blocked  {figures['errors']} errors  {rate:.1f} pages/s  {elapsed}")


class _ClearLine(logging.Filter):
    """Wipes the status line before a log record reaches the same terminal; the next tick redraws it."""

    def __init__(self, stream: TextIO):
        super().__init__()
        self.stream = stream

    def filter(self, record: logging.LogRecord) -> bool:
        self.stream.write(_CLEAR)
        return True


class CrawlProgress:
    """Scrapy extension (EXTENSIONS in crawler/settings.py) reporting a crawl's progress."""

    def __init__(self, crawler, mode: str, interval: float, refresh: float, stream: TextIO | None = None):
        self.crawler = crawler
        self.stream = stream or sys.stderr
        if mode == "auto":
            mode = "line" if _is_terminal(self.stream) else "log"
        self.mode = mode
        self.interval = refresh if mode == "line" else interval
        self.task = None
        self.started = 0.0
        self._filters: list[tuple[logging.Handler, _ClearLine]] = []

    @classmethod
    def from_crawler(cls, crawler):
        settings = crawler.settings
        mode = (settings.get("HAZARDS_PROGRESS") or "auto").lower()
        if mode not in MODES:
            raise ValueError(f"HAZARDS_PROGRESS={mode!r}: use one of {', '.join(MODES)}")
        if mode == "off":
            raise NotConfigured
        extension = cls(crawler, mode, settings.getfloat("HAZARDS_PROGRESS_INTERVAL", 30.0),
                        settings.getfloat("HAZARDS_PROGRESS_REFRESH", 0.5))
        crawler.signals.connect(extension.spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(extension.spider_closed, signal=signals.spider_closed)
        return extension

    def spider_opened(self, spider) -> None:
        self.started = time.monotonic()
        if self.mode == "line":
            for handler in logging.getLogger().handlers:
                if getattr(handler, "stream", None) is self.stream:
                    clear = _ClearLine(self.stream)
                    handler.addFilter(clear)
                    self._filters.append((handler, clear))
        self.task = create_looping_call(self.report, spider)
        self.task.start(self.interval, now=False)

    def line(self, spider) -> str:
        """The current progress line."""
        return progress_line(spider.name, progress_figures(self.crawler.stats.get_stats()),
                             time.monotonic() - self.started)

    def report(self, spider) -> None:
        """Redraw the terminal line, or log one line."""
        if self.mode == "line":
            self.stream.write(_CLEAR + self.line(spider))
            self.stream.flush()
        else:
            logger.info("progress: %s", self.line(spider))

    def spider_closed(self, spider, reason: str) -> None:
        if self.task is not None and self.task.running:
            self.task.stop()
        for handler, clear in self._filters:
            handler.removeFilter(clear)
        if self.mode == "line":
            self.stream.write(_CLEAR + self.line(spider) + f"  ({reason})\n")
            self.stream.flush()
        else:
            logger.info("progress: %s (%s)", self.line(spider), reason)


def _is_terminal(stream: TextIO) -> bool:
    try:
        return stream.isatty()
    except (AttributeError, ValueError):
        return False
