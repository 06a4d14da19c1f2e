"""Takedown follow-up: is a reported listing still for sale?

The pure functions here decide what a re-crawled page means (:func:`classify`), move stored URLs to
the origin a site is served from now (:func:`rewrite_origin`), and compute a report's deadline in
working days (:func:`takedown_deadline`, the same arithmetic as the ``takedowns`` SQL view).
:func:`run_followup` is the library call behind ``hazards followup``: it runs the ``followup`` spider
(crawler/spiders/followup.py), whose pipeline writes ``takedown_checks`` and a ``runs`` row of kind
``followup``.

Outcomes: ``live`` (the product page still answers; a sold-out page is still live), ``removed`` (404,
410, a "판매 종료" / "삭제된 상품" page, or a redirect to the home or a search page), ``blocked`` (a
denial, captcha, login wall or robots.txt forbids the check) and ``unreachable`` (connection errors,
timeouts, 5xx after retries). Only ``removed`` changes a flag.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta, timezone
from typing import Any
from urllib.parse import parse_qsl, urlsplit, urlunsplit

KST = timezone(timedelta(hours=9))

#: Text a marketplace shows in place of a taken-down product (Korean, English, Chinese).
REMOVED_TEXT = re.compile(
    r"판매\s*(?:가\s*)?종료(?:된|되었|\s*상품)|삭제된\s*상품|존재하지\s*않는\s*상품|판매\s*중지된\s*상품"
    r"|상품\s*정보가\s*없습니다|no longer available|item (?:is )?unavailable|product (?:was )?removed"
    r"|商品已下架|该商品已失效",
    re.I,
)
SOLD_OUT_TEXT = re.compile(r"일시\s*품절|품절|sold\s*out|out of stock", re.I)
_SCRIPT = re.compile(r"<(script|style)\b.*?</\1>", re.S | re.I)
_TAG = re.compile(r"<[^>]+>")
_SEARCH_PATH = re.compile(r"search|/s/|/find|검색", re.I)
_SEARCH_KEYS = {"q", "query", "keyword", "kwd", "search_key", "searchkeyword", "k"}
_HOME_PATHS = {"", "/", "/index.html", "/kr", "/kr/", "/ko", "/ko/", "/main", "/home"}


def visible_text(html: str, limit: int = 200_000) -> str:
    """The text of a page without scripts, styles and tags (enough to look for notices)."""
    return " ".join(_TAG.sub(" ", _SCRIPT.sub(" ", html[:limit])).split())


def is_home_or_search(url: str) -> bool:
    """True for a site's home page or a search-results page (where marketplaces send dead links)."""
    parts = urlsplit(url)
    if parts.path in _HOME_PATHS and not parts.query:
        return True
    keys = {k.lower() for k, _ in parse_qsl(parts.query, keep_blank_values=True)}
    return bool(_SEARCH_PATH.search(parts.path)) or bool(keys & _SEARCH_KEYS) and parts.path in _HOME_PATHS


def classify(http_status: int | None, url: str, final_url: str | None = None, html: str = "",
             blocked: str | None = None, error: str | None = None) -> tuple[str, str]:
    """(outcome, reason) for one follow-up fetch of ``url``.

    >>> classify(404, "http://shop/p/1")
    ('removed', 'HTTP 404')
    >>> classify(200, "http://shop/p/1", "http://shop/")
    ('removed', 'redirected to http://shop/')
    """
    if error:
        return "unreachable", error
    if blocked:
        return "blocked", blocked
    if http_status in (404, 410):
        return "removed", f"HTTP {http_status}"
    if http_status in (401, 403, 429):
        return "blocked", f"HTTP {http_status}"
    if http_status is None or http_status >= 500:
        return "unreachable", f"HTTP {http_status}" if http_status else "no response"
    if final_url and final_url != url and is_home_or_search(final_url) and not is_home_or_search(url):
        return "removed", f"redirected to {final_url}"
    text = visible_text(html)
    found = REMOVED_TEXT.search(text)
    if found:
        return "removed", f"page says {found.group(0)!r}"
    if http_status >= 300:
        return "unreachable", f"HTTP {http_status}"
    if SOLD_OUT_TEXT.search(text):
        return "live", "sold out, but the listing is still up"
    return "live", f"HTTP {http_status}"


def rewrite_origin(url: str, origin: str) -> str:
    """``url`` with its scheme and host:port replaced by ``origin`` (path and query kept)."""
    new = urlsplit(origin)
    old = urlsplit(url)
    return urlunsplit((new.scheme or old.scheme, new.netloc, old.path, old.query, old.fragment))


def is_loopback(url: str) -> bool:
    """True for a URL on this machine (a sandbox market from an earlier run)."""
    return (urlsplit(url).hostname or "") in ("127.0.0.1", "localhost", "::1")


def apply_origins(targets: list[dict[str, Any]], base_urls: dict[str, str]) -> list[dict[str, Any]]:
    """Targets whose site has a base URL get their URL moved to it; the stored URL is kept as ``stored_url``."""
    moved = []
    for target in targets:
        origin = base_urls.get(target["site"])
        url = rewrite_origin(target["url"], origin) if origin else target["url"]
        moved.append({**target, "url": url, "stored_url": target["url"]})
    return moved


def takedown_deadline(reported_at: datetime, working_days: int) -> datetime:
    """End (Korea time, as UTC) of the N-th working day (Mon-Fri) after the day a listing was reported.

    A report on Friday with N=2 is due at the end of Tuesday; one on Saturday too. Korean public
    holidays are not taken into account.
    """
    day = reported_at.astimezone(KST).date()
    weekday = day.weekday()
    if weekday >= 5:
        day -= timedelta(days=weekday - 4)
        weekday = 4
    full, rest = divmod(working_days, 5)
    offset = full * 7 + rest + (2 if weekday + rest >= 5 else 0)
    end = datetime.combine(day + timedelta(days=offset + 1), datetime.min.time(), KST)
    return end.astimezone(UTC)


def working_days_between(start: date, end: date) -> int:
    """Mon-Fri days after ``start`` up to and including ``end`` (0 when end <= start)."""
    days, current = 0, start
    while current < end:
        current += timedelta(days=1)
        days += current.weekday() < 5
    return days


def run_followup(db: str, base_urls: dict[str, str] | None = None, site: str | None = None,
                 screenshots: str | None = None, working_days: int | None = None) -> dict[str, Any]:
    """Re-check every reported listing (of one site, if given) and return the run's summary.

    ``base_urls`` maps a site to the origin it is served from now. With none given and stored URLs on
    127.0.0.1 (a sandbox crawl), a fresh SandboxMarket is started and each URL moved to it: the new
    market has none of the old run's takedowns, so this mode is for demos, not for evidence.
    Runs the Scrapy reactor: call once per process.
    """
    from contextlib import nullcontext

    from scrapy.crawler import CrawlerProcess

    from crawler import settings as hazards_settings
    from crawler.crawl import project_settings
    from crawler.store import Store

    base_urls = dict(base_urls or {})
    with Store(db) as store:
        store.set_takedown_working_days(working_days or hazards_settings.HAZARDS_TAKEDOWN_WORKING_DAYS)
        targets = store.followup_targets(site=site)
    if not targets:
        return {"targets": 0, "checks": 0, "outcomes": {}, "removed": 0, "run_id": None}
    sandbox_sites = sorted({t["site"] for t in targets if is_loopback(t["url"]) and t["site"] not in base_urls})
    use_sandbox = bool(sandbox_sites) and not base_urls
    overrides: dict[str, Any] = {"LOG_LEVEL": "WARNING"}
    if screenshots:
        overrides.update(hazards_settings.PLAYWRIGHT_SETTINGS)
    settings = project_settings(db=db, sandbox=any(is_loopback(t["url"]) for t in targets), overrides=overrides)
    market = _sandbox(sandbox_sites) if use_sandbox else nullcontext()
    with market as started:
        if started is not None:
            base_urls.update({name: started.urls[name] for name in sandbox_sites})
        process = CrawlerProcess(settings)
        crawler = process.create_crawler("followup")
        process.crawl(crawler, targets=apply_origins(targets, base_urls), screenshots=screenshots)
        process.start()
    stats = crawler.stats.get_stats()
    outcomes = {k.rsplit("/", 1)[1]: v for k, v in stats.items() if k.startswith("followup/outcome/")}
    return {"targets": len(targets), "checks": stats.get("followup/checks", 0), "outcomes": outcomes,
            "removed": stats.get("followup/flags_removed", 0), "run_id": stats.get("hazards/run_id"),
            "sandbox": use_sandbox}


def _sandbox(sites: list[str]):
    from crawler.sandbox import SandboxMarket

    return SandboxMarket(sites=sites)
