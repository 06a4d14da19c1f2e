"""Run Scrapy crawls in this process: the library behind ``hazards crawl`` and ``hazards demo``.

Everything that can be wrong with a crawl's input (an unknown spider, a broken rule file, a database
in a missing folder, an unreachable start URL) is checked before the reactor starts, so the user
gets one line naming the problem and nothing is written.
"""

from __future__ import annotations

import os
import socket
from collections.abc import Iterable
from contextlib import nullcontext
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from scrapy.crawler import CrawlerProcess
from scrapy.settings import Settings
from scrapy.spiderloader import SpiderLoader
from scrapy.utils.project import get_project_settings

from crawler.detect import load_rules
from crawler.store import Store

#: Spiders that crawl shops in the sandbox market (the demo crawls them all).
SHOP_SPIDERS = ("aliexpress_kr", "temu_kr", "coupang", "naver_smartstore", "gmarket", "elevenst")


class CrawlError(Exception):
    """A crawl cannot start; the message names the input and how to fix it."""


@dataclass
class CrawlJob:
    """One spider to run, with its arguments."""

    spider: str
    args: dict[str, Any] = field(default_factory=dict)


def project_settings(db: str | None = None, rules_dir: str | None = None, sandbox: bool = False,
                     overrides: dict[str, Any] | None = None) -> Settings:
    """The project's Scrapy settings with hazards options applied (from any working folder)."""
    # Without scrapy.cfg in the working folder (cron runs in $HOME) Scrapy would not find the project.
    os.environ.setdefault("SCRAPY_SETTINGS_MODULE", "crawler.settings")
    settings = get_project_settings()
    if db:
        settings.set("HAZARDS_DB", db, priority="cmdline")
    if rules_dir:
        settings.set("HAZARDS_RULES_DIR", rules_dir, priority="cmdline")
    if sandbox:
        settings.setdict(settings.getdict("SANDBOX_SETTINGS") or _sandbox_settings(), priority="cmdline")
    for name, value in (overrides or {}).items():
        settings.set(name, value, priority="cmdline")
    return settings


def _sandbox_settings() -> dict[str, Any]:
    from crawler import settings as module

    return module.SANDBOX_SETTINGS


def spider_names(settings: Settings | None = None) -> list[str]:
    """Every spider the project defines."""
    return sorted(SpiderLoader.from_settings(settings or get_project_settings()).list())


def check_inputs(jobs: Iterable[CrawlJob], settings: Settings) -> None:
    """Raise CrawlError for an unknown spider, a broken rule file, a bad --db or a dead start URL."""
    known = spider_names(settings)
    for job in jobs:
        if job.spider not in known:
            raise CrawlError(f"unknown spider {job.spider!r}; choose one of: {', '.join(known)}")
        start_url = job.args.get("start_url")
        if job.spider == "structured" and not start_url:
            raise CrawlError("the structured spider needs --start-url URL (a shop page with schema.org data)")
        if start_url:
            _check_reachable(start_url)
    load_rules(settings.get("HAZARDS_RULES_DIR") or None)
    Store(settings.get("HAZARDS_DB")).close()


def _check_reachable(url: str) -> None:
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise CrawlError(f"--start-url {url!r} is not an http(s) URL")
    port = parts.port or (443 if parts.scheme == "https" else 80)
    try:
        with socket.create_connection((parts.hostname, port), timeout=5):
            pass
    except OSError as error:
        raise CrawlError(
            f"--start-url {url}: cannot connect to {parts.hostname}:{port} ({error.strerror or error})"
        ) from error


def run(jobs: list[CrawlJob], settings: Settings, sandbox_size: int | None = None) -> dict[str, dict]:
    """Run the jobs in one reactor and return each spider's final stats.

    Jobs without a ``base_url`` (and not the structured spider) crawl a sandbox market started here
    for the duration of the run.
    """
    check_inputs(jobs, settings)
    market = _market(sandbox_size) if any(map(_needs_sandbox, jobs)) else nullcontext()
    with market as started:
        process = CrawlerProcess(settings)
        crawlers = []
        for job in jobs:
            args = dict(job.args)
            if started is not None and _needs_sandbox(job):
                args["base_url"] = started.urls[job.spider]
            crawler = process.create_crawler(job.spider)
            crawlers.append(crawler)
            process.crawl(crawler, **args)
        process.start()
    return {crawler.spider.name if crawler.spider else "?": crawler.stats.get_stats() for crawler in crawlers}


def _needs_sandbox(job: CrawlJob) -> bool:
    return job.spider != "structured" and not job.args.get("base_url")


def _market(size: int | None):
    from crawler.sandbox import SandboxMarket

    return SandboxMarket(size=size) if size else SandboxMarket()
