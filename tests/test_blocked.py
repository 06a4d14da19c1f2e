"""A denied page is not an empty shop: it is counted as blocked, and a known listing is marked blocked."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import sqlite_utils

from crawler.sandbox import SandboxMarket
from crawler.sandbox.catalog import load_catalog

ROOT = Path(__file__).resolve().parents[1]


def crawl(base_url: str, db: Path) -> None:
    proc = subprocess.run([sys.executable, "-m", "crawler.cli", "crawl", "elevenst", "--base-url", base_url,
                           "--db", str(db), "-s", "AUTOTHROTTLE_ENABLED=False"],
                          cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr[-2000:]


def test_a_listing_behind_a_captcha_is_marked_blocked_with_its_history(tmp_path):
    catalog = [e for e in load_catalog() if "elevenst" in e["sites"]][:5]
    db = tmp_path / "h.db"
    with SandboxMarket(catalog=catalog, sites=["elevenst"]) as market:
        shop = market.urls["elevenst"]
        crawl(shop, db)
        challenged = sorted(market.listing_ids("elevenst"))[0]
        market.set_fault("elevenst", "captcha", f"/products/{challenged}")
        crawl(shop, db)
    database = sqlite_utils.Database(db)
    statuses = {r["listing_id"]: r["status"] for r in database.query("SELECT listing_id, status FROM listings")}
    assert statuses.pop(challenged) == "blocked"
    assert set(statuses.values()) == {"live"} and len(statuses) == len(catalog) - 1
    changes = [json.loads(r["changes"]) for r in database.query(
        "SELECT changes FROM listing_versions WHERE listing_id = ?", [challenged])]
    assert {"status": ["live", "blocked"]} in changes
    last = json.loads(database.execute("SELECT stats FROM runs ORDER BY id DESC LIMIT 1").fetchone()[0])
    assert last["blocked_by_reason"] == {"captcha": 1} and last["blocked_listings"] == 1
