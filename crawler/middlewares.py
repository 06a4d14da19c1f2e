"""Downloader middleware that tells a denied page from an empty shop.

A CDN denial, a login wall or a captcha is not a shop without hazards: it is marked on the
response (``response.meta["hazards_blocked"]``) and counted in the crawl stats as
``hazards/blocked/<reason>``, so the run and the listing can say ``blocked``.
"""

from __future__ import annotations

import re

from scrapy.http import Response, TextResponse

_MARKERS = {
    "cdn_denied": re.compile(r"access denied|you don't have permission to access|attention required|"
                             r"request blocked|errors\.edgesuite\.net", re.I),
    "captcha": re.compile(r"captcha|보안\s*문자|로봇이 아닙니다|are you a robot|unusual traffic|slide to verify|"
                          r"验证码|人机验证", re.I),
    "login_wall": re.compile(r"로그인이 필요|로그인 후 이용|please (?:log|sign) in|login required|请登录", re.I),
}
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
    head = response.text[:20_000]
    for reason, pattern in _MARKERS.items():
        if pattern.search(head):
            return reason
    if response.status in (401, 403):
        return "forbidden"
    return None


class BlockedPageMiddleware:
    """Marks and counts denied pages; the spider turns them into ``blocked`` records."""

    def __init__(self, stats):
        self.stats = stats

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler.stats)

    def process_response(self, request, response):
        reason = blocked_reason(response)
        if reason:
            request.meta["hazards_blocked"] = reason
            self.stats.inc_value("hazards/blocked")
            self.stats.inc_value(f"hazards/blocked/{reason}")
        return response
