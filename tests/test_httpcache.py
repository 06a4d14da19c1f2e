"""The evidence cache keeps what a crawl saw, and never replays an old page as if it were live."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import sqlite_utils

from crawler.sandbox import SandboxMarket
from crawler.sandbox.catalog import load_catalog

ROOT = Path(__file__).resolve().parents[1]


def crawl(base_url: str, db: Path, cache: Path) -> None:
    env = {**os.environ, "HAZARDS_HTTPCACHE": "1", "HAZARDS_HTTPCACHE_DIR": str(cache)}
    proc = subprocess.run([sys.executable, "-m", "crawler.cli", "crawl", "elevenst", "--base-url", base_url,
                           "--db", str(db), "-s", "AUTOTHROTTLE_ENABLED=False"],
                          cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr[-2000:]


def cached_products(cache: Path) -> dict[str, bytes]:
    """Cached product pages by request fingerprint."""
    return {path.parent.name: path.read_bytes() for path in cache.rglob("response_body")
            if b"/products/" in (path.parent / "meta").read_bytes()}


def test_every_page_is_kept_and_a_recrawl_fetches_fresh_pages_instead_of_replaying(tmp_path):
    catalog = [e for e in load_catalog() if "elevenst" in e["sites"]][:6]
    db, cache = tmp_path / "h.db", tmp_path / "cache"
    with SandboxMarket(catalog=catalog, sites=["elevenst"]) as market:
        crawl(market.urls["elevenst"], db, cache)
        first = cached_products(cache)
        assert len(first) == len(catalog)
        assert all(entry["title"].encode() in b"".join(first.values()) for entry in catalog)
        # The shop changes every product page's markup; a replaying cache would hide that.
        market.set_fault("elevenst", "markup_changed", "/products/")
        crawl(market.urls["elevenst"], db, cache)
    second = cached_products(cache)
    assert second.keys() == first.keys()
    assert all(second[key] != first[key] for key in first)
    last = sqlite_utils.Database(db).execute("SELECT stats FROM runs ORDER BY id DESC LIMIT 1").fetchone()[0]
    assert json.loads(last)["drops"]["no_product_data"] == len(catalog)
