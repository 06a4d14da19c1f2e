"""The generic structured spider, end to end: any shop with schema.org Product data, from a start URL."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import sqlite_utils

from crawler.sandbox import SandboxMarket
from crawler.sandbox.catalog import load_catalog

ROOT = Path(__file__).resolve().parents[1]


def test_structured_spider_finds_every_json_ld_product_from_a_start_url(tmp_path):
    catalog = [e for e in load_catalog() if "coupang" in e["sites"]][:25]
    db = tmp_path / "h.db"
    with SandboxMarket(catalog=catalog, sites=["coupang"]) as market:
        skin, shop = market.skins["coupang"], market.urls["coupang"]
        readable = {e["title"] for e in catalog if not skin.is_blocked(skin.listing_id(e))}
        proc = subprocess.run(
            [sys.executable, "-m", "crawler.cli", "crawl", "structured", "--start-url", shop + "/",
             "--db", str(db), "-s", "AUTOTHROTTLE_ENABLED=False"],
            cwd=ROOT, capture_output=True, text=True, timeout=120,
        )
    assert proc.returncode == 0, proc.stderr[-2000:]
    database = sqlite_utils.Database(db)
    stored = {r["title"]: r for r in database.query("SELECT * FROM listings")}
    assert set(stored) == readable
    assert {r["site"] for r in stored.values()} == {"127.0.0.1"}
    assert all(r["price_krw"] and r["url"].startswith(shop) for r in stored.values())
    # What JSON-LD does not carry (KC number, age) came from the page's 필수 표기정보 table.
    assert any(r["kc_cert"] for r in stored.values()) and any(r["age_raw"] for r in stored.values())
    assert database.execute("SELECT count(*) FROM flags").fetchone()[0] > 0
