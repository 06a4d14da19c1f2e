"""HTTP cache policy for evidence: keep every response a crawl saw, never answer from the cache.

Scrapy's ``DummyPolicy`` would replay a stored page on the next crawl, so a listing taken down since
would still look live. With this policy each request goes to the site and the fresh response is
written to the cache, which then holds exactly what the crawl saw.
"""

from __future__ import annotations

from scrapy.extensions.httpcache import DummyPolicy


class EvidencePolicy(DummyPolicy):
    """Store every response; always fetch."""

    def is_cached_response_fresh(self, cachedresponse, request) -> bool:
        return False

    def is_cached_response_valid(self, cachedresponse, response, request) -> bool:
        return False
