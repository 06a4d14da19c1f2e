"""Scrapy and hazards settings: the one settings module.

Tuning comes from environment variables (``HAZARDS_*``) or CLI options, never from constants buried
in code. Optional stacks are named dicts that only the spiders needing them pull in, e.g.
``custom_settings = PLAYWRIGHT_SETTINGS``.
"""

from __future__ import annotations

import os

from crawler import __version__

BOT_NAME = "hazards"
SPIDER_MODULES = ["crawler.spiders"]
NEWSPIDER_MODULE = "crawler.spiders"

# --- hazards ------------------------------------------------------------------------------------------
HAZARDS_DB = os.environ.get("HAZARDS_DB", "hazards.db")
HAZARDS_RULES_DIR = os.environ.get("HAZARDS_RULES", "")  # empty: crawler.detect.default_rules_dir()
HAZARDS_CONTACT = os.environ.get("HAZARDS_CONTACT", "set HAZARDS_CONTACT to an inspector's e-mail")
#: Listings written to SQLite per transaction during a crawl.
HAZARDS_FLUSH_EVERY = int(os.environ.get("HAZARDS_FLUSH_EVERY", "200"))
#: Working days a platform has to take a reported listing down (EU Product Safety Pledge: 2).
HAZARDS_TAKEDOWN_WORKING_DAYS = int(os.environ.get("HAZARDS_TAKEDOWN_WORKING_DAYS", "2"))
#: A run is suspect when more than this share of its requests failed.
HAZARDS_SUSPECT_ERROR_RATE = float(os.environ.get("HAZARDS_SUSPECT_ERROR_RATE", "0.2"))
#: A run is suspect when it stored fewer than this share of the previous run's items.
HAZARDS_SUSPECT_DROP_RATIO = float(os.environ.get("HAZARDS_SUSPECT_DROP_RATIO", "0.5"))

# --- polite crawling of permitted sites -------------------------------------------------------------
USER_AGENT = f"hazards/{__version__} (product-safety monitoring; +{HAZARDS_CONTACT})"
ROBOTSTXT_OBEY = True
AUTOTHROTTLE_ENABLED = True
AUTOTHROTTLE_START_DELAY = float(os.environ.get("HAZARDS_START_DELAY", "1.0"))
AUTOTHROTTLE_MAX_DELAY = 30.0
AUTOTHROTTLE_TARGET_CONCURRENCY = float(os.environ.get("HAZARDS_TARGET_CONCURRENCY", "2.0"))
CONCURRENT_REQUESTS = 16
CONCURRENT_REQUESTS_PER_DOMAIN = int(os.environ.get("HAZARDS_PER_DOMAIN", "4"))
# The default of 100 creates a task storm that halves throughput (BASELINES.md).
CONCURRENT_ITEMS = 8
DOWNLOAD_TIMEOUT = int(os.environ.get("HAZARDS_DOWNLOAD_TIMEOUT", "30"))
DOWNLOAD_MAXSIZE = 32 * 1024 * 1024
DOWNLOAD_WARNSIZE = 8 * 1024 * 1024
RETRY_TIMES = int(os.environ.get("HAZARDS_RETRY_TIMES", "3"))
#: Scrapy's retries are immediate; crawler.middlewares.BackoffRetryMiddleware waits base * 2**(n-1) s.
RETRY_BACKOFF_BASE = float(os.environ.get("HAZARDS_RETRY_BACKOFF", "1.0"))
RETRY_BACKOFF_MAX = 30.0
RETRY_HTTP_CODES = [500, 502, 503, 504, 522, 524, 408]
REDIRECT_MAX_TIMES = 10
HTTPERROR_ALLOWED_CODES = [403, 404, 410, 429]
COOKIES_ENABLED = False
TELNETCONSOLE_ENABLED = False
FEED_EXPORT_ENCODING = "utf-8"
LOG_LEVEL = os.environ.get("HAZARDS_LOG_LEVEL", "INFO")

# Evidence: keep the exact responses a crawl saw (enable with HAZARDS_HTTPCACHE=1).
HTTPCACHE_ENABLED = os.environ.get("HAZARDS_HTTPCACHE", "") not in ("", "0")
HTTPCACHE_DIR = os.environ.get("HAZARDS_HTTPCACHE_DIR", "httpcache")
HTTPCACHE_EXPIRATION_SECS = 0
HTTPCACHE_POLICY = "crawler.httpcache.EvidencePolicy"

DOWNLOADER_MIDDLEWARES = {
    "scrapy.downloadermiddlewares.retry.RetryMiddleware": None,
    "crawler.middlewares.BackoffRetryMiddleware": 550,
    "crawler.middlewares.BlockedPageMiddleware": 560,
    "crawler.middlewares.CharsetMiddleware": 590,
    "crawler.middlewares.RedirectLoopMiddleware": 610,
}
ITEM_PIPELINES = {
    "crawler.pipelines.HazardsPipeline": 300,
}
EXTENSIONS = {
    "crawler.progress.CrawlProgress": 500,
}
#: auto (a live line on a terminal, log lines otherwise) | line | log | off; see crawler/progress.py.
HAZARDS_PROGRESS = os.environ.get("HAZARDS_PROGRESS", "auto")
HAZARDS_PROGRESS_INTERVAL = float(os.environ.get("HAZARDS_PROGRESS_INTERVAL", "30"))
# With JOBDIR, resume from what is stored, not from Scrapy's queue files, which a SIGKILL leaves
# stale (crawler/resume.py).
DUPEFILTER_CLASS = "crawler.resume.ResumableDupeFilter"
SCHEDULER = "crawler.resume.ResumableScheduler"

#: The embedded sandbox market is on loopback: no need to be gentle with it.
SANDBOX_SETTINGS = {
    "AUTOTHROTTLE_ENABLED": False,
    "CONCURRENT_REQUESTS": 32,
    "CONCURRENT_REQUESTS_PER_DOMAIN": 32,
    "DOWNLOAD_DELAY": 0,
}

# --- the browser, only for spiders whose pages need JavaScript ------------------------------------
CHROMIUM_PATH = os.environ.get("HAZARDS_CHROMIUM", "/usr/bin/chromium")
BROWSER_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-quic",
    "--no-first-run",
    "--disable-sync",
]
BLOCKED_RESOURCE_TYPES = ("image", "font", "media")


def _abort_heavy_resources(request) -> bool:
    return request.resource_type in BLOCKED_RESOURCE_TYPES


PLAYWRIGHT_SETTINGS = {
    "DOWNLOAD_HANDLERS": {
        "http": "scrapy_playwright.handler.ScrapyPlaywrightDownloadHandler",
        "https": "scrapy_playwright.handler.ScrapyPlaywrightDownloadHandler",
    },
    "PLAYWRIGHT_BROWSER_TYPE": "chromium",
    "PLAYWRIGHT_LAUNCH_OPTIONS": {"executable_path": CHROMIUM_PATH, "headless": True, "args": BROWSER_ARGS},
    "PLAYWRIGHT_ABORT_REQUEST": _abort_heavy_resources,
    "PLAYWRIGHT_MAX_PAGES_PER_CONTEXT": 4,
    "PLAYWRIGHT_DEFAULT_NAVIGATION_TIMEOUT": 30_000,
}

# --- several crawler processes sharing one crawl (scrapy-redis); see crawler/distributed.py -------
#: Setting REDIS_URL is the one switch: shared request queue and dupefilter in Redis, items pushed to
#: a Redis list that `hazards ingest` (the single SQLite writer) consumes.
REDIS_URL = os.environ.get("REDIS_URL", "")
HAZARDS_REDIS_PREFIX = os.environ.get("HAZARDS_REDIS_PREFIX", "hazards")
#: A crawler process closes once the shared queue has been empty this long.
HAZARDS_REDIS_IDLE_SECONDS = float(os.environ.get("HAZARDS_REDIS_IDLE_SECONDS", "10"))
if REDIS_URL:
    SCHEDULER = "scrapy_redis.scheduler.Scheduler"
    DUPEFILTER_CLASS = "scrapy_redis.dupefilter.RFPDupeFilter"
    SCHEDULER_PERSIST = True  # the first process to finish must not wipe the others' queue
    SCHEDULER_QUEUE_KEY = HAZARDS_REDIS_PREFIX + ":%(spider)s:requests"
    SCHEDULER_DUPEFILTER_KEY = HAZARDS_REDIS_PREFIX + ":%(spider)s:dupefilter"
    ITEM_PIPELINES = {"crawler.distributed.RedisItemPipeline": 300}
    EXTENSIONS = {**globals().get("EXTENSIONS", {}), "crawler.distributed.SharedQueueIdle": 510}
