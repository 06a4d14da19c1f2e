"""`hazards rescan`: dry run lists per-rule changes without writing; a real run syncs and clears."""

from __future__ import annotations

from click.testing import CliRunner

from crawler.cli import main
from crawler.items import Listing
from crawler.store import Store

RULE = """\
id: magnet-words
title: magnet words
status: test
severity: high
hazard: ingestion
description: test rule for rescans
match:
  any_words: [{words}]
"""


def setup(tmp_path):
    rules = tmp_path / "rules"
    rules.mkdir()
    (rules / "magnet-words.yaml").write_text(RULE.format(words="자석"), encoding="utf-8")
    db = tmp_path / "h.db"
    with Store(db) as store:
        listings = [
            Listing.from_raw({"site": "s", "listing_id": str(i), "url": f"https://x.test/{i}", "title": title})
            for i, title in enumerate(["자석 구슬", "네오디뮴 볼", "원목 블록"])
        ]
        store.upsert_listings(listings)
    return rules, db


def run(*args):
    result = CliRunner().invoke(main, ["rescan", *args])
    assert result.exit_code == 0, result.output
    return result.output


def flags(db):
    with Store(db) as store:
        return {(r["listing_id"], r["status"], r["rule_version"]) for r in store.db.query("SELECT * FROM flags")}


def test_rescan_dry_run_then_real(tmp_path):
    rules, db = setup(tmp_path)
    out = run("--dry-run", "--db", str(db), "--rules", str(rules))
    assert "magnet-words" in out and "+1 added" in out and "+ s/0 자석 구슬" in out
    assert flags(db) == set()

    out = run("--db", str(db), "--rules", str(rules))
    assert "1 new" in out
    [(listing_id, status, version)] = flags(db)
    assert (listing_id, status, len(version)) == ("0", "new", 12)

    (rules / "magnet-words.yaml").write_text(RULE.format(words="네오디뮴"), encoding="utf-8")
    out = run("--dry-run", "--db", str(db), "--rules", str(rules))
    assert "+1 added, -1 cleared" in out and "+ s/1" in out and "- s/0" in out
    assert {f[0] for f in flags(db)} == {"0"}

    run("--db", str(db), "--rules", str(rules))
    states = {(f[0], f[1]) for f in flags(db)}
    assert states == {("0", "cleared"), ("1", "new")}
    assert "no change" in run("--dry-run", "--db", str(db), "--rules", str(rules))


def test_rescan_reports_broken_rules(tmp_path):
    rules, db = setup(tmp_path)
    (rules / "magnet-words.yaml").write_text(RULE.format(words="자석").replace("any_words", "any_wordz"))
    result = CliRunner().invoke(main, ["rescan", "--dry-run", "--db", str(db), "--rules", str(rules)])
    assert result.exit_code == 1 and "magnet-words.yaml:8:3: unknown key 'any_wordz'" in result.output
