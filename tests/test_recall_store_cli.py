"""Recall storage and the `hazards recalls` commands: idempotent import, list, search."""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner

from crawler.cli import main
from crawler.recalls.importers import load_file
from crawler.store import Store

CPSC = Path(__file__).parent / "data" / "recalls" / "cpsc_sample.json"


def test_upsert_recalls_is_idempotent_and_updates(tmp_path):
    notices = load_file(CPSC, "cpsc").notices
    with Store(tmp_path / "h.db") as store:
        assert store.upsert_recalls(notices) == {"new": 4, "updated": 0, "unchanged": 0}
        assert store.upsert_recalls(notices) == {"new": 0, "updated": 0, "unchanged": 4}
        changed = notices[0].model_copy(update={"hazard": "new wording"})
        assert store.upsert_recalls([changed]) == {"new": 0, "updated": 1, "unchanged": 0}
        assert store.db["recalls"].count == 4
        back = store.get_recall("cpsc:26101")
        assert back.hazard == "new wording" and back.gtins == notices[0].gtins and back.raw == notices[0].raw
        assert [n.recall_id for n in store.iter_recalls()] == sorted(n.recall_id for n in notices)
        assert store.get_recall("cpsc:nope") is None


def test_search_by_text_model_and_gtin(tmp_path):
    with Store(tmp_path / "h.db") as store:
        store.upsert_recalls(load_file(CPSC, "cpsc").notices)
        assert [r["recall_id"] for r in store.search_recalls("magna build")] == ["cpsc:26102"]
        assert [r["recall_id"] for r in store.search_recalls("tt 200b")] == ["cpsc:26104"]
        assert [r["recall_id"] for r in store.search_recalls("812345001013")] == ["cpsc:26101"]
        assert store.search_recalls("  ") == []


def test_cli_import_prints_counts_and_reasons(tmp_path):
    db = str(tmp_path / "h.db")
    runner = CliRunner()
    first = runner.invoke(main, ["recalls", "import", str(CPSC), "--format", "cpsc", "--db", db])
    assert first.exit_code == 0, first.output
    assert "new 4, updated 0, unchanged 0, skipped 1" in first.output
    assert "skipped 1: missing RecallNumber (first at record 5)" in first.output
    again = runner.invoke(main, ["recalls", "import", str(CPSC), "--format", "cpsc", "--db", db])
    assert "new 0, updated 0, unchanged 4, skipped 1" in again.output
    listed = runner.invoke(main, ["recalls", "list", "--db", db, "--limit", "2"])
    assert listed.output.splitlines()[0].startswith("cpsc:26104\t2026-06-30\tTiny Talk Toys")
    found = runner.invoke(main, ["recalls", "search", "water bead", "--db", db])
    assert found.output.startswith("cpsc:26101")


def test_cli_bad_input_is_one_line(tmp_path):
    runner = CliRunner()
    db = str(tmp_path / "h.db")
    wrong = runner.invoke(main, ["recalls", "import", str(CPSC), "--format", "safetykorea", "--db", db])
    assert wrong.exit_code == 1 and "check --format" in wrong.output
    missing = runner.invoke(main, ["recalls", "import", str(tmp_path / "no.json"), "--format", "cpsc", "--db", db])
    assert missing.exit_code == 2 and "does not exist" in missing.output
    for args in (["recalls", "--help"], ["recalls", "import", "--help"], ["recalls", "search", "--help"]):
        assert "Example:" in runner.invoke(main, args).output
