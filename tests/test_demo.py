"""End to end: `hazards demo` on the sandbox market, as a user runs it (a real process, real spiders,
the real browser for the two JavaScript shops, the rules in rules/, the bundled recall data)."""

from __future__ import annotations

import json
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest
import sqlite_utils

from crawler.sandbox.catalog import load_catalog
from crawler.sandbox.skins import SKINS

ROOT = Path(__file__).resolve().parents[1]
HAZARDS = [sys.executable, "-m", "crawler.cli"]
SHOPS = ("aliexpress_kr", "temu_kr", "coupang", "naver_smartstore", "gmarket", "elevenst")
CATALOG = {entry["id"]: entry for entry in load_catalog()}


def hazards(*args: str, timeout: int = 300) -> subprocess.CompletedProcess:
    return subprocess.run([*HAZARDS, *args], cwd=ROOT, capture_output=True, text=True, timeout=timeout)


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    db = tmp_path_factory.mktemp("demo") / "hazards.db"
    result = hazards("demo", "--db", str(db))
    assert result.returncode == 0, result.stderr[-3000:]
    return db, result.stdout


def listing_key(entry_id: str, site: str) -> tuple[str, str]:
    skin = SKINS[site](list(CATALOG.values()), {})
    return site, skin.listing_id(CATALOG[entry_id])


def flags_of(db: Path, entry_id: str) -> dict[str, set[str]]:
    """Rule ids flagged on each site that carries the catalog entry (and whose page was not blocked)."""
    found = {}
    database = sqlite_utils.Database(db)
    for site in CATALOG[entry_id]["sites"]:
        site, listing_id = listing_key(entry_id, site)
        stored = database.execute("SELECT 1 FROM listings WHERE site = ? AND listing_id = ?", [site, listing_id])
        if not stored.fetchone():
            continue
        rows = database.query(
            "SELECT rule_id, recall_id FROM flags WHERE site = ? AND listing_id = ? AND status != 'cleared'",
            [site, listing_id],
        )
        found[site] = {r["rule_id"] + (f"@{r['recall_id']}" if r["recall_id"] else "") for r in rows}
    return found


def test_demo_prints_a_summary_with_every_site_and_example_queries(demo):
    _, out = demo
    for site in SHOPS:
        assert site in out
    assert "water-beads-for-children" in out
    assert out.count("SELECT") >= 3


def test_every_shop_listing_is_stored_including_javascript_rendered_ones(demo):
    db, _ = demo
    stored = Counter(r["site"] for r in sqlite_utils.Database(db).query("SELECT site FROM listings"))
    for site in SHOPS:
        skin = SKINS[site](list(CATALOG.values()), {})
        expected = [e for e in CATALOG.values() if site in e["sites"]]
        blocked = [e for e in expected if site == "coupang" and skin.is_blocked(skin.listing_id(e))]
        assert stored[site] == len(expected) - len(blocked), site


def test_only_the_javascript_shops_start_a_browser_and_only_for_category_pages(demo):
    db, _ = demo
    runs = {r["name"]: json.loads(r["stats"]) for r in sqlite_utils.Database(db).query(
        "SELECT name, stats FROM runs WHERE kind = 'crawl'")}
    for site in SHOPS:
        rendered = runs[site]["rendered_pages"]
        if site in ("aliexpress_kr", "temu_kr"):
            assert 0 < rendered < runs[site]["items"], site
        else:
            assert rendered == 0, site


def test_cdn_denials_are_counted_as_blocked_not_as_an_empty_result(demo):
    db, _ = demo
    run = next(sqlite_utils.Database(db).query("SELECT stats FROM runs WHERE name = 'coupang'"))
    assert json.loads(run["stats"])["blocked_by_reason"]["cdn_denied"] >= 1


@pytest.mark.parametrize(
    ("entry_id", "rule_id"),
    [
        ("c019", "water-beads-for-children"),  # 수정토 10000알 … 어린이 오감놀이
        ("c020", "water-beads-for-children"),  # 水宝宝 워터비즈
        ("c022", "magnets-marketed-to-children"),  # 네오디뮴 구슬자석 … 어린이 선물 巴克球
        ("c024", "magnets-marketed-to-children"),  # 버키볼 labelled 14세 이상, sold for 어린이날
        ("c027", "button-cells-in-childrens-products"),  # 요술봉 버튼전지
        ("c030", "slime-boron-preservatives"),  # 슬라임 만들기 키트 붕사
        ("c018", "hood-drawstrings-childrens-wear"),  # 키즈 후드티 조임끈
        ("c010", "heavy-metals-kids-jewellery"),  # 여아 반지 10종 (cadmium 3,026x in tests)
        ("c001", "phthalate-pvc-childrens-items"),  # PVC shoe charms
        ("c041", "childrens-product-without-kc"),  # 킥보드, KC shown only as 공급자적합성
        ("c043", "purchase-agent-notice-missing"),  # [구매대행] 보행기 without the notice
    ],
)
def test_hazardous_listings_are_flagged_by_the_expected_rule(demo, entry_id, rule_id):
    db, _ = demo
    for site, rules in flags_of(db, entry_id).items():
        assert rule_id in {r.split("@")[0] for r in rules}, f"{entry_id} on {site}: {sorted(rules)}"


@pytest.mark.parametrize("entry_id", [e for e, v in CATALOG.items() if v["truth"] == "recall"])
def test_relisted_recalled_products_match_their_recall_notice(demo, entry_id):
    db, _ = demo
    expected = f"recalled-product@{CATALOG[entry_id]['recall_id']}"
    hits = flags_of(db, entry_id)
    assert any(expected in rules for rules in hits.values()), f"{entry_id}: {hits}"


@pytest.mark.parametrize(
    "entry_id",
    ["c106", "c107", "c108", "c109", "c110", "c111", "c112", "c113", "c119", "c121", "c126", "c127"],
)
def test_near_misses_are_not_flagged(demo, entry_id):
    """무프탈레이트 teethers, 원예용 수정토, adult CR2032, 후드 끈 없음, adult silver rings …"""
    db, _ = demo
    for site, rules in flags_of(db, entry_id).items():
        hazard_rules = {r for r in rules if not r.startswith(("childrens-product-without-kc", "purchase-agent"))}
        assert not hazard_rules, f"{entry_id} ({CATALOG[entry_id]['title']}) on {site}: {sorted(hazard_rules)}"


def test_a_second_crawl_updates_rows_instead_of_duplicating_them(demo):
    db, _ = demo
    database = sqlite_utils.Database(db)
    before = list(database.query("SELECT listing_id, first_seen FROM listings WHERE site = 'elevenst' ORDER BY 1"))
    flags_before = database.execute("SELECT count(*) FROM flags").fetchone()[0]
    result = hazards("crawl", "elevenst", "--db", str(db))
    assert result.returncode == 0, result.stderr[-2000:]
    after = list(database.query("SELECT listing_id, first_seen FROM listings WHERE site = 'elevenst' ORDER BY 1"))
    assert after == before
    assert database.execute("SELECT count(*) FROM flags").fetchone()[0] == flags_before
    dupes = database.execute(
        "SELECT count(*) FROM (SELECT 1 FROM flags GROUP BY site, listing_id, rule_id, recall_id HAVING count(*) > 1)"
    ).fetchone()[0]
    assert dupes == 0
