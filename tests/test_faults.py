"""Reliability under faults: every sandbox fault mode against one small crawl, with an asserted outcome.

Each case arms one fault on a tiny catalog, runs ``hazards crawl`` in its own process (all cases in
parallel) and checks the database: the crawl finished, every good listing is stored exactly once, and
the failure is counted by reason in ``runs.stats``.
"""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
from dataclasses import dataclass, field

import pytest

from crawler import normalize
from crawler.sandbox import SandboxMarket
from crawler.sandbox.catalog import load_catalog

#: Fast crawls: no throttling, short timeouts, small backoff.
FAST = {
    "AUTOTHROTTLE_ENABLED": "False",
    "CONCURRENT_REQUESTS_PER_DOMAIN": "16",
    "DOWNLOAD_TIMEOUT": "1",
    "RETRY_TIMES": "2",
    "RETRY_BACKOFF_BASE": "0.1",
    "LOG_LEVEL": "WARNING",
}


@dataclass
class Case:
    """One fault: where it is armed (``victim`` = the first listing's product page only) and what a
    correct crawl stores: every listing, or every listing but the victim."""

    site: str
    mode: str
    prefix: str = "victim"
    opts: dict = field(default_factory=dict)
    #: Crawl in its own process (a 20 MB page blocks the reactor long enough to time out others' requests).
    alone: bool = False
    victim_lost: bool = True
    spider_args: dict = field(default_factory=dict)


CASES = {
    "5xx_burst": Case("elevenst", "5xx", "/products/", {"count": 2, "status": 503}, victim_lost=False),
    "slow": Case("elevenst", "slow", opts={"delay": 2.5}),
    "reset": Case("elevenst", "reset"),
    "truncated": Case("elevenst", "truncated"),
    "charset_wrong": Case("elevenst", "charset", "/products/", {"how": "wrong"}, victim_lost=False),
    "charset_missing": Case("gmarket", "charset", "/item", {"how": "missing"}, victim_lost=False),
    "huge": Case("elevenst", "huge", opts={"size_mb": 20}, spider_args={"download_timeout": 30.0}, alone=True),
    "redirect_loop": Case("elevenst", "redirect_loop"),
    "offsite_redirect": Case("elevenst", "offsite_redirect"),
    "robots_disallow": Case("elevenst", "robots_disallow"),
    "markup_changed": Case("elevenst", "markup_changed"),
    "bad_jsonld": Case("coupang", "bad_jsonld", "/vp/", victim_lost=False),
}


PER_CASE = 4
#: One process runs every case's spider (one reactor, one startup): the cases differ in their sandbox,
#: their catalog slice (so listing ids never collide in the shared database) and the fault armed.
DRIVER = """
import json, sys
from crawler.crawl import CrawlJob, project_settings, run
jobs, db, overrides = json.loads(sys.argv[1])
run([CrawlJob(site, args) for site, args in jobs], project_settings(db=db, overrides=overrides))
"""


def catalog_slices(site: str, count: int) -> list[list[dict]]:
    """`count` disjoint slices of PER_CASE shipped catalog entries on a site (coupang: not CDN-blocked)."""
    skin = SandboxMarket(sites=[site]).skins[site]
    good = {e["id"] for lid, e in skin.by_id.items() if not getattr(skin, "is_blocked", lambda _: False)(lid)}
    entries = [e for e in load_catalog() if site in e["sites"] and e["id"] in good]
    assert len(entries) >= count * PER_CASE
    return [entries[i * PER_CASE:(i + 1) * PER_CASE] for i in range(count)]


def listing_ids(market: SandboxMarket, site: str, catalog: list[dict]) -> list[str]:
    """Site listing ids of catalog entries, in catalog order."""
    by_catalog = {cid: lid for lid, cid in market.listing_ids(site).items()}
    return [by_catalog[e["id"]] for e in catalog]


@dataclass
class Outcome:
    """What one faulty crawl left in the database."""

    case: Case
    expected: dict[str, str]  # listing id -> catalog title of every good listing
    listings: list[dict]
    run: dict

    @property
    def stats(self) -> dict:
        return self.run["stats"]


@pytest.fixture(scope="module")
def outcomes(tmp_path_factory) -> dict[str, Outcome]:
    """Crawl every case's faulty sandbox at once (one process); read back each case's rows."""
    db_path = tmp_path_factory.mktemp("faults") / "faults.db"
    slices = {site: catalog_slices(site, sum(c.site == site for c in CASES.values()))
              for site in {c.site for c in CASES.values()}}
    markets, expected, bases = [], {}, {}
    groups: dict[str, list] = {}
    try:
        for name, case in CASES.items():
            catalog = slices[case.site].pop()
            market = SandboxMarket(catalog=catalog, sites=[case.site]).start()
            markets.append(market)
            victim = market.skins[case.site].product_path(catalog[0])
            market.set_fault(case.site, case.mode, victim if case.prefix == "victim" else case.prefix, **case.opts)
            ids = listing_ids(market, case.site, catalog)
            expected[name] = {lid: e["title"] for lid, e in zip(ids, catalog, strict=True)}
            if case.victim_lost:
                expected[name].pop(ids[0])
            bases[name] = market.urls[case.site]
            job = (case.site, {"base_url": bases[name], **case.spider_args})
            groups.setdefault(name if case.alone else "", []).append(job)
        procs = [subprocess.Popen([sys.executable, "-c", DRIVER, json.dumps([jobs, str(db_path), FAST])],
                                  stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
                 for jobs in groups.values()]
        for proc in procs:
            _, err = proc.communicate(timeout=120)
            assert proc.returncode == 0, err[-3000:]
    finally:
        for market in markets:
            market.stop()
    db = sqlite3.connect(db_path)
    db.row_factory = sqlite3.Row
    runs = {}
    for row in db.execute("select * from runs where kind = 'crawl'"):
        run = dict(row) | {"stats": json.loads(row["stats"]), "args": json.loads(row["args"])}
        runs[run["args"]["base_url"]] = run
    results = {}
    for name, case in CASES.items():
        listings = [dict(r) for r in db.execute("select * from listings where url like ?", (bases[name] + "/%",))]
        results[name] = Outcome(case, expected[name], listings, runs[bases[name]])
    db.close()
    return results


@pytest.mark.parametrize("name", CASES)
def test_crawl_finishes_and_stores_every_good_listing_once(outcomes, name):
    outcome = outcomes[name]
    assert outcome.run["status"] in ("ok", "suspect"), outcome.run
    stored = [row["listing_id"] for row in outcome.listings]
    assert sorted(stored) == sorted(outcome.expected), outcome.stats
    titles = {row["listing_id"]: row["title"] for row in outcome.listings}
    for listing_id, title in outcome.expected.items():
        assert normalize.text(titles[listing_id]) == normalize.text(title)


def test_5xx_burst_is_retried_with_backoff(outcomes):
    stats = outcomes["5xx_burst"].stats
    assert stats["http_errors"] == {"503": 2}
    assert stats["retries"] == 2 and stats["retries_gave_up"] == 0
    assert stats["retry_backoff_seconds"] >= 0.2
    assert outcomes["5xx_burst"].run["status"] == "ok"


@pytest.mark.parametrize(("name", "exception"), [
    ("slow", "DownloadTimeoutError"),
    ("reset", "DownloadFailedError"),
    ("truncated", "ResponseDataLossError"),
])
def test_network_failures_are_retried_then_counted_by_type(outcomes, name, exception):
    stats = outcomes[name].stats
    tries = int(FAST["RETRY_TIMES"]) + 1
    assert stats["exceptions"] == {f"exception_type_count/scrapy.exceptions.{exception}": tries}
    assert stats["retries"] == tries - 1 and stats["retries_gave_up"] == 1
    assert stats["errors"] == tries


@pytest.mark.parametrize("name", ["charset_wrong", "charset_missing"])
def test_wrong_or_missing_charset_still_reads_korean(outcomes, name):
    # Titles equal the catalog's (test above); a UTF-8 page labelled EUC-KR needs re-decoding, an
    # EUC-KR page without a label is already sniffed right by Scrapy.
    if name == "charset_wrong":
        assert outcomes[name].stats["charset_fixed"] >= len(outcomes[name].expected)
    assert outcomes[name].run["status"] == "ok"


def test_huge_page_is_fetched_and_counted_as_a_drop(outcomes):
    outcome = outcomes["huge"]
    assert outcome.stats["drops"] == {"no_product_data": 1}
    assert outcome.run["status"] == "suspect"


def test_redirect_loop_is_counted(outcomes):
    assert outcomes["redirect_loop"].stats["failed"] == {"redirect_loop": 1}
    assert outcomes["redirect_loop"].stats["errors"] == 1


def test_offsite_redirect_is_filtered_and_counted(outcomes):
    assert outcomes["offsite_redirect"].stats["offsite"] == 1


def test_robots_disallowed_path_is_not_fetched_and_counted(outcomes):
    assert outcomes["robots_disallow"].stats["robots_forbidden"] == 1


def test_changed_markup_is_a_drop_with_a_reason_and_the_run_is_suspect(outcomes):
    outcome = outcomes["markup_changed"]
    assert outcome.stats["drops"] == {"no_product_data": 1}
    assert outcome.run["status"] == "suspect"
    assert any("markup changed" in why for why in outcome.stats["suspect_reasons"])


def test_malformed_jsonld_still_yields_the_listing(outcomes):
    # extruct recovers these defects (raw line break, trailing comma); JSON-LD it cannot parse is
    # counted as malformed/structured_data and the page is read from its microdata and markup.
    outcome = outcomes["bad_jsonld"]
    assert outcome.stats["drops"] == {} and outcome.run["status"] == "ok"
    assert all(row["price_krw"] for row in outcome.listings)
