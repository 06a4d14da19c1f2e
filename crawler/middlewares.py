"""Downloader middlewares: denied pages, retries with backoff, wrong charsets, redirect loops.

A CDN denial, a login wall or a captcha is not a shop without hazards: it is marked on the
response (``response.meta["hazards_blocked"]``) and counted in the crawl stats as
``hazards/blocked/<reason>``, so the run and the listing can say ``blocked``. The other middlewares
keep a flaky or hostile site from losing listings silently: every failure ends up counted by reason.
"""

from __future__ import annotations

import codecs
import re
from urllib.parse import urldefrag, urljoin

from scrapy import Request
from scrapy.downloadermiddlewares.retry import RetryMiddleware
from scrapy.exceptions import IgnoreRequest
from scrapy.http import Response, TextResponse
from scrapy.utils.asyncio import sleep

# One pass over the page finds whichever marker comes first; the group name is the reason.
_MARKERS = re.compile(
    r"(?P<cdn_denied>access denied|you don't have permission to access|attention required|request blocked"
    r"|errors\.edgesuite\.net)"
    r"|(?P<captcha>captcha|보안\s*문자|로봇이 아닙니다|are you a robot|unusual traffic|slide to verify|验证码|人机验证)"
    r"|(?P<login_wall>로그인이 필요|로그인 후 이용|please (?:log|sign) in|login required|请登录)",
    re.I,
)
_SUSPECT_STATUS = {401, 403, 429, 503}
_SMALL_PAGE = 30_000


def blocked_reason(response: Response) -> str | None:
    """Why this response is a denial rather than a shop page, or None."""
    if response.status == 429:
        return "rate_limited"
    if not isinstance(response, TextResponse):
        return None
    if response.status not in _SUSPECT_STATUS and len(response.body) > _SMALL_PAGE:
        return None
    found = _MARKERS.search(response.text, 0, 20_000)
    if found:
        return found.lastgroup
    if response.status in (401, 403):
        return "forbidden"
    return None


class _CountingMiddleware:
    """A downloader middleware that only needs the crawl stats to count what it did."""

    def __init__(self, stats):
        self.stats = stats

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler.stats)


class BlockedPageMiddleware(_CountingMiddleware):
    """Marks and counts denied pages; the spider turns them into ``blocked`` records."""

    def process_response(self, request, response):
        reason = blocked_reason(response)
        if reason:
            request.meta["hazards_blocked"] = reason
            self.stats.inc_value("hazards/blocked")
            self.stats.inc_value(f"hazards/blocked/{reason}")
        return response


class BackoffRetryMiddleware(RetryMiddleware):
    """Scrapy's RetryMiddleware (which re-queues at once) with exponential backoff between tries.

    The n-th retry of a request waits ``RETRY_BACKOFF_BASE * 2**(n-1)`` seconds (at most
    ``RETRY_BACKOFF_MAX``) before it goes back to the scheduler, so a site answering a burst of 5xx
    or resetting connections gets time to recover. The total wait is counted in
    ``retry/backoff_seconds``.
    """

    def __init__(self, settings):
        super().__init__(settings)
        self.base = settings.getfloat("RETRY_BACKOFF_BASE", 1.0)
        self.cap = settings.getfloat("RETRY_BACKOFF_MAX", 30.0)

    async def process_response(self, request, response, spider=None):
        result = super().process_response(request, response)
        return await self._backoff(result) if isinstance(result, Request) else result

    async def process_exception(self, request, exception, spider=None):
        result = super().process_exception(request, exception)
        return await self._backoff(result) if isinstance(result, Request) else result

    async def _backoff(self, retry: Request) -> Request:
        delay = min(self.cap, self.base * 2 ** max(retry.meta.get("retry_times", 1) - 1, 0))
        if delay > 0:
            self.crawler.stats.inc_value("retry/backoff_seconds", delay)
            await sleep(delay)
        return retry


_KOREAN_LEGACY = {"euc_kr", "cp949", "johab", "iso2022_kr"}


def fixed_encoding(response: TextResponse) -> str | None:
    """The charset a page's bytes are really in when its declared (or missing) charset is wrong, else None.

    Shops declare EUC-KR and send UTF-8, or the other way round, or declare nothing: valid UTF-8 with
    non-ASCII bytes is UTF-8; bytes that are not valid in the declared charset but are valid CP949
    (the superset of EUC-KR) are CP949.
    """
    body = response.body
    if body.isascii():
        return None
    declared = codecs.lookup(response.encoding).name
    try:
        body.decode("utf-8")
        return None if declared == "utf-8" else "utf-8"
    except UnicodeDecodeError:
        pass
    if declared in _KOREAN_LEGACY:
        return None
    try:
        body.decode("cp949")
    except UnicodeDecodeError:
        return None
    return "cp949"


class CharsetMiddleware(_CountingMiddleware):
    """Re-decodes pages whose declared charset is wrong or missing (counted as ``hazards/charset_fixed``)."""

    def process_response(self, request, response):
        if not isinstance(response, TextResponse):
            return response
        encoding = fixed_encoding(response)
        if encoding is None:
            return response
        self.stats.inc_value("hazards/charset_fixed")
        return response.replace(encoding=encoding)


_REDIRECTS = {301, 302, 303, 307, 308}


class RedirectLoopMiddleware:
    """Counts a redirect back to a URL of its own chain as ``hazards/failed/redirect_loop`` and drops it.

    Without this a loop vanishes silently: the redirect back to the first URL is a duplicate request
    that the dupefilter discards, so the listing would be missing with no reason recorded.
    """

    def __init__(self, stats, max_redirects: int):
        self.stats = stats
        self.max_redirects = max_redirects

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler.stats, crawler.settings.getint("REDIRECT_MAX_TIMES", 20))

    def process_response(self, request, response):
        location = response.headers.get("Location")
        if response.status not in _REDIRECTS or not location or request.meta.get("dont_redirect"):
            return response
        target = urldefrag(urljoin(request.url, location.decode("latin-1"))).url
        chain = [urldefrag(url).url for url in (*request.meta.get("redirect_urls", ()), request.url)]
        if target in chain:
            reason = "redirect_loop"
        elif len(chain) > self.max_redirects:
            reason = "too_many_redirects"
        else:
            return response
        self.stats.inc_value("hazards/failed")
        self.stats.inc_value(f"hazards/failed/{reason}")
        raise IgnoreRequest(f"{reason}: {' -> '.join(chain)} -> {target}")
