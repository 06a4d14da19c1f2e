"""The sandbox market: robots, pagination, encodings, blocking, takedowns, JS-only grids, faults, catalog."""

from __future__ import annotations

import html
import http.client
import json
import re
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path
from urllib.parse import urljoin, urlsplit

import pytest

from crawler.sandbox import ALL_SITES, SHOP_SITES, SandboxMarket, generate_catalog, load_catalog
from crawler.sandbox.catalog import HAZARDS, REQUIRED_KEYS, TRUTHS
from crawler.sandbox.recalls import REALDATA_PATH, load_recalls

PRODUCT_PATTERNS = {
    "coupang": re.compile(r"/vp/products/(\d+)"),
    "elevenst": re.compile(r"/products/(\d+)$"),
    "gmarket": re.compile(r"/item\?goodscode=(\d+)"),
    "naver_smartstore": re.compile(r"/[a-z0-9_-]+/products/(\d+)$"),
    "recalls_kr": re.compile(r"/recall/detail\?recallUid=(\d+)"),
}
HREF_RE = re.compile(r'href="([^"]+)"')


@pytest.fixture(scope="module")
def market():
    with SandboxMarket() as m:
        yield m


@pytest.fixture(autouse=True)
def clean(request):
    yield
    if "market" in request.fixturenames:
        m = request.getfixturevalue("market")
        m.clear_faults()
        for site in m.sites:
            for lid in list(m.removed[site]):
                m.restore(site, lid)


def fetch(url: str, method: str = "GET", timeout: float = 10) -> tuple[int, dict, bytes]:
    """One request without following redirects: (status, lower-cased headers, body)."""
    parts = urlsplit(url)
    conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=timeout)
    path = parts.path + (f"?{parts.query}" if parts.query else "")
    conn.request(method, path)
    resp = conn.getresponse()
    body = resp.read()
    conn.close()
    return resp.status, {k.lower(): v for k, v in resp.getheaders()}, body


def decode(headers: dict, body: bytes) -> str:
    charset = "euc-kr" if b"charset=euc-kr" in body[:400] or "euc-kr" in headers.get("content-type", "") else "utf-8"
    return body.decode(charset)


def crawl_static(base: str, pattern: re.Pattern, limit: int = 2000) -> set[str]:
    """Follow every same-site non-product link from '/', collecting product ids seen on listing pages."""
    seen_pages, found, queue = set(), set(), [base + "/"]
    while queue and len(seen_pages) < limit:
        url = queue.pop()
        if url in seen_pages:
            continue
        seen_pages.add(url)
        status, headers, body = fetch(url)
        assert status == 200, url
        for href in HREF_RE.findall(decode(headers, body)):
            target = urljoin(url, html.unescape(href))
            if not target.startswith(base) or "/img/" in target or "/cart" in target or "search" in target:
                continue
            if m := pattern.search(target):
                found.add(m.group(1))
            else:
                queue.append(target)
    return found


def test_every_site_serves_robots_with_disallow_lines(market):
    for site, url in market.urls.items():
        status, headers, body = fetch(url + "/robots.txt")
        text = body.decode()
        assert status == 200 and headers["content-type"].startswith("text/plain")
        assert text.count("Disallow:") >= 2, site
        assert "search" in text and "/_sandbox/" in text


@pytest.mark.parametrize("site", ["coupang", "elevenst", "gmarket", "naver_smartstore", "recalls_kr"])
def test_pagination_reaches_every_listing(market, site):
    found = crawl_static(market.urls[site], PRODUCT_PATTERNS[site])
    assert found == set(market.listing_ids(site))


def test_recall_list_is_twenty_per_page_newest_first(market):
    status, _, body = fetch(market.urls["recalls_kr"] + "/recall/list?page=1")
    dates = re.findall(r"<td>(\d{4}-\d{2}-\d{2})</td></tr>", body.decode())
    assert status == 200 and len(dates) == 20 and dates == sorted(dates, reverse=True)


def test_aliexpress_category_html_has_no_links_but_api_has_all(market):
    base = market.urls["aliexpress_kr"]
    index = fetch(base + "/")[2].decode()
    cat = next(h for h in HREF_RE.findall(index) if h.endswith("/all.html"))
    status, _, shell = fetch(base + cat)
    assert status == 200 and "/item/" not in shell.decode() and "/api/search" in shell.decode()
    code, found, page = cat.split("/")[2], set(), 1
    while page:
        data = json.loads(fetch(f"{base}/api/search?category={code}&page={page}")[2])
        found |= {re.search(r"/item/(\d+)\.html", it["url"]).group(1) for it in data["items"]}
        page = data["nextPage"]
    assert found == set(market.listing_ids("aliexpress_kr"))


def test_temu_shows_first_twelve_and_scroll_api_has_the_rest(market):
    base = market.urls["temu_kr"]
    page = fetch(base + "/kr/all.html")[2].decode()
    first = set(re.findall(r"-g-(\d+)\.html", page))
    assert len(first) == 12 and 'id="load-more"' in page and "/api/goods" in page
    found, offset, more = set(), 12, True
    while more:
        data = json.loads(fetch(f"{base}/api/goods?category=all&offset={offset}&limit=12")[2])
        found |= {g["goodsId"] for g in data["goods"]}
        offset, more = data["nextOffset"], data["hasMore"]
    assert first | found == set(market.listing_ids("temu_kr")) and not first & found


def test_gmarket_pages_are_euc_kr_with_header_or_meta_only(market):
    kinds = set()
    for lid, cid in market.listing_ids("gmarket").items():
        status, headers, body = fetch(f"{market.urls['gmarket']}/item?goodscode={lid}")
        text = body.decode("euc-kr")
        assert status == 200 and 'charset=euc-kr">' in text
        title = next(e["title"] for e in market.catalog if e["id"] == cid)
        assert html.unescape(re.search(r'<h1 class="itemtit">(.*?)</h1>', text).group(1)).endswith(title)
        kinds.add(headers["content-type"])
    assert kinds == {"text/html", "text/html; charset=euc-kr"}


def test_coupang_blocks_a_subset_with_akamai_403(market):
    blocked = [lid for lid in market.listing_ids("coupang") if market.skins["coupang"].is_blocked(lid)]
    assert blocked
    status, headers, body = fetch(f"{market.urls['coupang']}/vp/products/{blocked[0]}")
    assert status == 403 and b"Access Denied" in body and b"Reference&#32;&#35;18&#46;" in body


def test_coupang_product_has_jsonld_and_essential_info(market):
    lid = next(lid for lid in market.listing_ids("coupang") if not market.skins["coupang"].is_blocked(lid))
    text = fetch(f"{market.urls['coupang']}/vp/products/{lid}")[2].decode()
    data = json.loads(re.search(r'<script type="application/ld\+json">(.*?)</script>', text).group(1))
    assert data["@type"] == "Product" and data["offers"]["priceCurrency"] == "KRW"
    assert "필수 표기정보" in text and "제조자" in text


DEFAULT_REMOVAL = {
    "coupang": (404, None),
    "elevenst": (200, "판매 종료된 상품입니다"),
    "gmarket": (302, "/"),
    "naver_smartstore": (200, "삭제된 상품입니다"),
    "aliexpress_kr": (410, None),
    "temu_kr": (302, "/kr/search_result.html"),
}


@pytest.mark.parametrize("site", SHOP_SITES)
def test_remove_and_restore_over_http(market, site):
    base = market.urls[site]
    lid, cid = next(
        (lid, c)
        for lid, c in market.listing_ids(site).items()
        if site != "coupang" or not market.skins[site].is_blocked(lid)
    )
    url = market.product_url(site, cid)
    assert fetch(url)[0] == 200
    assert fetch(f"{base}/_sandbox/remove?id={lid}", "POST")[0] == 200
    status, headers, body = fetch(url)
    want_status, marker = DEFAULT_REMOVAL[site]
    assert status == want_status
    if status == 302:
        assert headers["location"].startswith(marker)
    elif marker:
        assert marker in body.decode()
    assert lid not in dict(market.skins[site].live("all"))
    assert fetch(f"{base}/_sandbox/restore?id={lid}", "POST")[0] == 200
    assert fetch(url)[0] == 200 and lid in dict(market.skins[site].live("all"))


def test_remove_how_soldout_and_unknown_id(market):
    base = market.urls["elevenst"]
    lid, cid = next(iter(market.listing_ids("elevenst").items()))
    assert fetch(f"{base}/_sandbox/remove?id={lid}&how=soldout", "POST")[0] == 200
    assert "품절" in fetch(market.product_url("elevenst", cid))[2].decode()
    assert fetch(f"{base}/_sandbox/remove?id=999", "POST")[0] == 404
    assert fetch(f"{base}/_sandbox/remove?id={lid}", "GET")[0] == 405


def test_removed_listing_disappears_from_category_pages(market):
    lid = next(iter(market.listing_ids("gmarket")))
    market.remove("gmarket", lid)
    found = crawl_static(market.urls["gmarket"], PRODUCT_PATTERNS["gmarket"])
    assert found == set(market.listing_ids("gmarket")) - {lid}


def test_fault_5xx_then_recovery_over_http(market):
    base = market.urls["elevenst"]
    assert fetch(f"{base}/_sandbox/fault?mode=5xx&path=/products/&count=2", "POST")[0] == 200
    url = market.product_url("elevenst", next(iter(market.listing_ids("elevenst").values())))
    assert [fetch(url)[0] for _ in range(3)] == [503, 503, 200]
    assert fetch(base + "/robots.txt")[0] == 200


def test_fault_reset_truncated_and_redirects(market):
    base = market.urls["gmarket"]
    market.set_fault("gmarket", "reset", "/list")
    with pytest.raises((ConnectionError, http.client.HTTPException)):
        fetch(base + "/list?category=x")
    market.clear_faults()
    market.set_fault("gmarket", "truncated", "/")
    with pytest.raises(http.client.IncompleteRead):
        fetch(base + "/")
    market.clear_faults()
    market.set_fault("gmarket", "offsite_redirect", "/")
    status, headers, _ = fetch(base + "/")
    assert status == 302 and headers["location"] == f"http://localhost:{urlsplit(base).port}/"
    market.clear_faults()
    market.set_fault("gmarket", "redirect_loop", "/")
    first = fetch(base + "/?a=1")[1]["location"]
    assert fetch(base + first)[1]["location"] == "/?a=1"


def test_fault_markup_bad_jsonld_charset_slow_huge(market):
    base = market.urls["coupang"]
    lid = next(lid for lid in market.listing_ids("coupang") if not market.skins["coupang"].is_blocked(lid))
    url = f"{base}/vp/products/{lid}"
    market.set_fault("coupang", "bad_jsonld", "/vp/")
    payload = re.search(r"ld\+json\">(.*?)</script>", fetch(url)[2].decode(), re.DOTALL).group(1)
    with pytest.raises(json.JSONDecodeError):
        json.loads(payload)
    market.set_fault("coupang", "markup_changed", "/vp/")
    text = fetch(url)[2].decode()
    assert "ld+json" not in text and "<table" not in text and 'class="prod-atf"' not in text
    market.set_fault("coupang", "charset", "/vp/")
    assert fetch(url)[1]["content-type"] == "text/html; charset=euc-kr"
    market.set_fault("coupang", "slow", "/vp/", delay=0.3)
    start = time.monotonic()
    fetch(url)
    assert time.monotonic() - start >= 0.3
    market.set_fault("coupang", "huge", "/vp/")
    assert len(fetch(url, timeout=30)[2]) > 19 * 1024 * 1024


def test_generate_catalog_is_deterministic_and_fast():
    start = time.monotonic()
    first = generate_catalog(20000, 7)
    assert time.monotonic() - start < 2
    assert first == generate_catalog(20000, 7) and first != generate_catalog(20000, 8)
    share = sum(e["truth"] == "hazard" for e in first) / len(first)
    assert 0.07 < share < 0.13
    assert set(Counter(s for e in first for s in e["sites"])) == set(SHOP_SITES)
    assert all(set(REQUIRED_KEYS) <= set(e) for e in first[:500])


def test_generated_market_serves_unique_listing_ids():
    market = SandboxMarket(size=3000, seed=1, sites=["coupang", "temu_kr"])
    assert len(market.listing_ids("coupang")) == sum("coupang" in e["sites"] for e in market.catalog)


def test_catalog_json_validates():
    catalog = load_catalog()
    assert len(catalog) >= 120
    assert len({e["id"] for e in catalog}) == len(catalog)
    for e in catalog:
        assert set(REQUIRED_KEYS) <= set(e), e["id"]
        assert e["truth"] in TRUTHS and e["hazard"] in HAZARDS, e["id"]
        assert isinstance(e["price"], int) and e["sites"] and set(e["sites"]) <= set(SHOP_SITES), e["id"]
        assert e["gtin"] is None or e["gtin"].isdigit(), e["id"]
        assert ("recall_id" in e) == (e["truth"] == "recall"), e["id"]
    per_site = Counter(s for e in catalog for s in e["sites"])
    assert all(per_site[s] >= 30 for s in SHOP_SITES), per_site
    recall_ids = {e["recall_id"] for e in catalog if "recall_id" in e}
    known = {f"safetykorea:{r['recallUid']}" for r in load_recalls(REALDATA_PATH)}
    assert recall_ids <= known


def test_serve_command_prints_urls_and_stops_on_sigterm():
    proc = subprocess.Popen(
        [sys.executable, "-m", "crawler.sandbox", "serve", "--port", "0", "--site", "coupang"],
        stdout=subprocess.PIPE,
        text=True,
        cwd=Path(__file__).resolve().parents[1],
    )
    try:
        site, url = proc.stdout.readline().rstrip("\n").split("\t")
        assert site == "coupang" and fetch(url + "/robots.txt")[0] == 200
    finally:
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=10) == 0


def test_all_sites_are_served(market):
    assert set(market.urls) == set(ALL_SITES)


def test_naver_store_categories_paginate_on_a_generated_catalog():
    with SandboxMarket(size=1500, seed=3, sites=["naver_smartstore"]) as big:
        found = crawl_static(big.urls["naver_smartstore"], PRODUCT_PATTERNS["naver_smartstore"])
        assert found == set(big.listing_ids("naver_smartstore"))


def test_saved_golden_pages_match_the_sandbox(tmp_path):
    from crawler.sandbox.pages import save_golden_pages

    pages = Path(__file__).parent / "pages"
    for path in save_golden_pages(tmp_path):
        saved = pages / path.relative_to(tmp_path)
        assert saved.read_bytes() == path.read_bytes(), (
            f"{saved} is stale: python -m crawler.sandbox save-pages tests/pages"
        )
        assert saved.with_suffix(".url").read_text() == path.with_suffix(".url").read_text()
