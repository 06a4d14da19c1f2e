"""Takedown follow-up: classification of re-crawled pages, and the whole loop against the sandbox market."""

from __future__ import annotations

import json
import subprocess
import sys
import urllib.request
from pathlib import Path

import pytest
from click.testing import CliRunner

from crawler.cli import main
from crawler.followup import apply_origins, classify, is_home_or_search, rewrite_origin
from crawler.sandbox.catalog import load_catalog
from crawler.store import Store

HAZARDS = str(Path(sys.executable).with_name("hazards"))
GONE_PAGE = ('<html><head><title>판매 종료된 상품입니다</title></head><body><div class="notice-removed">'
             '<p>판매 종료된 상품입니다</p><a href="/">홈으로</a></div></body></html>')


@pytest.mark.parametrize("args, outcome", [
    ((404, "http://s/p/1"), "removed"),
    ((410, "http://s/p/1"), "removed"),
    ((200, "http://s/p/1", "http://s/p/1", GONE_PAGE), "removed"),
    ((200, "http://s/p/1", "http://s/p/1", "<p>삭제된 상품입니다</p>"), "removed"),
    ((200, "http://s/p/1", "http://s/"), "removed"),
    ((200, "http://s/kr/x-g-1.html", "http://s/kr/search_result.html?search_key=abc"), "removed"),
    ((200, "http://s/p/1", "http://s/p/1", "<h1>아기 치발기</h1><p class=sold_out>품절</p>"), "live"),
    ((200, "http://s/p/1", "http://s/p/2", "<h1>아기 치발기</h1>"), "live"),
    ((200, "http://s/p/1", "http://s/p/1", "<script>var t='판매 종료된 상품'</script><h1>치발기</h1>"), "live"),
    ((403, "http://s/p/1"), "blocked"),
    ((429, "http://s/p/1"), "blocked"),
    ((200, "http://s/p/1", "http://s/p/1", "", "captcha"), "blocked"),
    ((503, "http://s/p/1"), "unreachable"),
    ((None, "http://s/p/1", None, "", None, "TimeoutError: took too long"), "unreachable"),
])
def test_classify(args, outcome):
    assert classify(*args)[0] == outcome


def test_home_and_search_pages():
    assert is_home_or_search("http://s/") and is_home_or_search("http://s/search?q=x")
    assert is_home_or_search("http://s/?keyword=x") and not is_home_or_search("http://s/products/1")


def test_origins_are_rewritten_keeping_path_and_query():
    assert rewrite_origin("http://127.0.0.1:4001/item?goodscode=5#a", "http://127.0.0.1:9000") == \
        "http://127.0.0.1:9000/item?goodscode=5#a"
    targets = [{"site": "gmarket", "url": "http://127.0.0.1:1/x?a=1"}, {"site": "coupang", "url": "http://c/1"}]
    moved = apply_origins(targets, {"gmarket": "https://item.gmarket.co.kr"})
    assert moved[0]["url"] == "https://item.gmarket.co.kr/x?a=1" and moved[0]["stored_url"] == targets[0]["url"]
    assert moved[1]["url"] == "http://c/1"


def test_cli_rejects_bad_input(tmp_path):
    runner = CliRunner()
    result = runner.invoke(main, ["followup", "--db", str(tmp_path / "none.db")])
    assert result.exit_code == 1 and "no database at" in result.output
    result = runner.invoke(main, ["followup", "--db", str(tmp_path / "none.db"), "--base-url", "coupang"])
    assert result.exit_code == 2 and "SITE=URL" in result.output


def _control(base: str, action: str, **query: str) -> None:
    url = f"{base}/_sandbox/{action}?" + "&".join(f"{k}={v}" for k, v in query.items())
    with urllib.request.urlopen(urllib.request.Request(url, method="POST"), timeout=5) as answer:
        assert answer.status == 200


def test_followup_end_to_end_against_the_sandbox(tmp_path):
    from crawler.sandbox import SandboxMarket

    db = tmp_path / "hazards.db"
    crawl = subprocess.run([HAZARDS, "crawl", "elevenst", "--db", str(db)], capture_output=True, text=True,
                           timeout=120)
    assert crawl.returncode == 0, crawl.stderr[-2000:]
    with Store(db) as store:
        flagged = list(store.db.query("SELECT min(id) AS id, listing_id FROM flags GROUP BY listing_id ORDER BY 1"))
    assert len(flagged) >= 6, flagged
    picked = flagged[:6]
    runner = CliRunner()
    for row in picked:
        for status in ("confirmed", "reported"):
            done = runner.invoke(main, ["flags", "set", str(row["id"]), status, "--by", "kim", "--db", str(db)])
            assert done.exit_code == 0, done.output
    hows = ["404", "410", "gone", "redirect"]
    with SandboxMarket(sites=["elevenst"]) as market:
        base = market.urls["elevenst"]
        for row, how in zip(picked, hows, strict=False):
            _control(base, "remove", id=row["listing_id"], how=how)
        _control(base, "fault", mode="5xx", path=f"/products/{picked[4]['listing_id']}")
        result = subprocess.run([HAZARDS, "followup", "--db", str(db), "--base-url", f"elevenst={base}"],
                                capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr[-2000:]
    assert "4 removed" in result.stdout and "1 live" in result.stdout and "1 unreachable" in result.stdout
    with Store(db) as store:
        checks = {r["listing_id"]: r for r in store.db.query("SELECT * FROM takedown_checks")}
        flags = {r["id"]: r for r in store.db.query("SELECT * FROM flags")}
        runs = list(store.db.query("SELECT * FROM runs WHERE kind = 'followup'"))
        listing_status = {r["listing_id"]: r["status"]
                          for r in store.db.query("SELECT listing_id, status FROM listings")}
    outcomes = [(checks[r["listing_id"]]["outcome"], checks[r["listing_id"]]["http_status"]) for r in picked]
    assert outcomes == [("removed", 404), ("removed", 410), ("removed", 200), ("removed", 200), ("unreachable", 503),
                        ("live", 200)]
    assert checks[picked[3]["listing_id"]]["final_url"] == base + "/"
    assert all(checks[r["listing_id"]]["url"].startswith(base) for r in picked)
    for row in picked[:4]:
        assert flags[row["id"]]["status"] == "removed" and flags[row["id"]]["removed_at"]
        assert listing_status[row["listing_id"]] == "removed"
    for row in picked[4:]:
        assert flags[row["id"]]["status"] == "reported" and flags[row["id"]]["removed_at"] is None
    assert len(runs) == 1 and runs[0]["status"] == "finished" and runs[0]["items"] == 6
    assert {c["run_id"] for c in checks.values()} == {runs[0]["id"]}
    shown = runner.invoke(main, ["flags", "show", str(picked[0]["id"]), "--db", str(db)]).output
    assert "followup: reported -> removed  (follow-up: HTTP 404)" in shown


def test_followup_screenshots_are_evidence_in_the_export(tmp_path):
    from crawler.sandbox import SandboxMarket

    db, shots = tmp_path / "hazards.db", tmp_path / "shots"
    catalog = [e for e in load_catalog() if "elevenst" in e["sites"]][:4]
    with SandboxMarket(catalog=catalog, sites=["elevenst"]) as market:
        base = market.urls["elevenst"]
        crawl = subprocess.run([HAZARDS, "crawl", "elevenst", "--base-url", base, "--db", str(db),
                                "-s", "AUTOTHROTTLE_ENABLED=False"], capture_output=True, text=True, timeout=120)
        assert crawl.returncode == 0, crawl.stderr[-2000:]
        with Store(db) as store:
            flagged = list(store.db.query("SELECT min(id) AS id, listing_id FROM flags GROUP BY listing_id"))[:2]
        assert len(flagged) == 2
        runner = CliRunner()
        for row in flagged:
            for status in ("confirmed", "reported"):
                assert runner.invoke(main, ["flags", "set", str(row["id"]), status, "--by", "kim",
                                            "--db", str(db)]).exit_code == 0
        _control(base, "remove", id=flagged[0]["listing_id"], how="gone")
        result = subprocess.run([HAZARDS, "followup", "--db", str(db), "--base-url", f"elevenst={base}",
                                 "--screenshots", str(shots)], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr[-2000:]
    with Store(db) as store:
        paths = {r["listing_id"]: r["screenshot_path"] for r in store.db.query("SELECT * FROM takedown_checks")}
    assert set(paths) == {r["listing_id"] for r in flagged}
    for path in paths.values():
        assert path and Path(path).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    exported = runner.invoke(main, ["flags", "export", "--format", "json", "--status", "removed", "--status",
                                    "reported", "--db", str(db)])
    rows = json.loads(exported.output)
    assert {r["screenshot_path"] for r in rows} == set(paths.values())
