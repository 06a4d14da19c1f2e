"""Reviewer workflow: lifecycle with an audit trail, relisting, exports, search and compliance views."""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, datetime, timedelta

import pytest
from click.testing import CliRunner

from crawler.cli import main
from crawler.followup import takedown_deadline
from crawler.store import Store
from crawler.store.review import TRANSITIONS, FlagNotFound, IllegalTransition
from tests.review_data import XSS_TITLE, build


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    path = tmp_path_factory.mktemp("review") / "h.db"
    return path, build(path)


@pytest.fixture
def fresh(tmp_path):
    path = tmp_path / "h.db"
    return path, build(path)


def cli(*args):
    return CliRunner().invoke(main, [str(a) for a in args])


def test_lifecycle_records_who_when_from_to_and_note(fresh):
    path, ids = fresh
    with Store(path) as store:
        history = store.flag_history(ids["c1"])
        row = store.get_flag_row(ids["c1"])
    assert [(e["from_status"], e["to_status"], e["by"]) for e in history] == [
        (None, "new", "hazards"), ("new", "confirmed", "kim"), ("confirmed", "reported", "kim"),
        ("reported", "removed", "kim")]
    assert history[2]["note"] == "sent to Coupang"
    assert row["removed_at"] == history[3]["at"]


def test_illegal_transition_is_refused_naming_the_allowed_ones(fresh):
    path, ids = fresh
    with Store(path) as store:
        with pytest.raises(IllegalTransition, match="it can move to confirmed, dismissed, not removed"):
            store.set_flag_status(ids["c4"], "removed", "kim")
        with pytest.raises(FlagNotFound):
            store.set_flag_status(9999, "confirmed", "kim")
        assert store.get_flag_row(ids["c4"])["status"] == "new"
        assert len(store.flag_history(ids["c4"])) == 1


def test_every_status_can_be_reached_and_left():
    reachable = {s for targets in TRANSITIONS.values() for s in targets}
    assert reachable >= {"confirmed", "dismissed", "reported", "removed", "relisted", "new"}


def test_cli_set_show_and_one_line_errors(fresh, tmp_path):
    path, ids = fresh
    ok = cli("flags", "set", ids["c4"], "confirmed", "--by", "park", "--note", "KC 없음 확인", "--db", path)
    assert ok.exit_code == 0, ok.output
    assert f"flag {ids['c4']}: confirmed" in ok.output
    bad = cli("flags", "set", ids["c4"], "removed", "--by", "park", "--db", path)
    assert bad.exit_code == 1 and bad.output.count("\n") == 1
    assert "can move to reported, dismissed" in bad.output
    assert "no flag with id 4242" in cli("flags", "show", 4242, "--db", path).output
    assert "not a flag id" in cli("flags", "show", "abc", "--db", path).output
    missing = cli("flags", "show", 1, "--db", tmp_path / "nope.db")
    assert missing.exit_code == 1 and "no database at" in missing.output
    assert not (tmp_path / "nope.db").exists()
    assert cli("flags", "set", ids["c4"], "reported", "--db", path).exit_code == 2  # --by is required
    shown = cli("flags", "show", ids["c4"], "--db", path).output
    assert "park: new -> confirmed  (KC 없음 확인)" in shown
    assert "water-beads-for-children" in shown and "coupang.example/p/c4" in shown


def test_show_links_a_relisting_both_ways(built):
    path, ids = built
    with Store(path) as store:
        new = store.flag_detail(ids["t9"])
        old = store.flag_detail(ids["t1"])
    assert new["flag"]["status"] == "relisted" and new["flag"]["relisted_from"] == ids["t1"]
    assert "GTIN 08806358512316" in new["history"][-1]["note"]
    assert old["relisted_as"] == [ids["t9"]]


def test_relisting_needs_the_same_site_and_a_reported_or_removed_flag(tmp_path):
    from tests.review_data import Hit, listing

    with Store(tmp_path / "h.db") as store:
        store.upsert_listings([listing("coupang", "a", "수정토", gtin="8801234567893"),
                               listing("gmarket", "b", "수정토", gtin="8801234567893"),
                               listing("coupang", "c", "수정토", gtin="8801234567893")])
        store.sync_flags_many([(s, lid, [Hit("water-beads-for-children")]) for s, lid in
                               (("coupang", "a"), ("gmarket", "b"))])
        assert {r["status"] for r in store.db.query("SELECT status FROM flags")} == {"new"}
        store.set_flag_status(1, "confirmed", "kim")
        store.set_flag_status(1, "reported", "kim")
        store.sync_flags_many([("coupang", "c", [Hit("water-beads-for-children"), Hit("other-rule")])])
        rows = {r["listing_id"] + r["rule_id"]: r for r in store.db.query("SELECT * FROM flags")}
    assert rows["cwater-beads-for-children"]["status"] == "relisted"
    assert rows["cwater-beads-for-children"]["relisted_from"] == 1
    assert rows["cother-rule"]["status"] == "new"  # identifiers link the same finding only
    assert rows["bwater-beads-for-children"]["status"] == "new"


def test_export_is_an_evidence_pack_safe_for_spreadsheets(built):
    path, ids = built
    result = cli("flags", "export", "--db", path, "--format", "csv", "--status", "reported", "--status", "removed")
    assert result.exit_code == 0, result.output
    rows = list(csv.DictReader(io.StringIO(result.output)))
    assert {r["flag_id"] for r in rows} == {str(ids[k]) for k in ("c1", "c2", "c3", "t1")}
    c3 = next(r for r in rows if r["listing_id"] == "c3")
    assert c3["url"] == "https://coupang.example/p/c3" and c3["rule_id"] == "water-beads-for-children"
    assert c3["seller"].startswith("'=")  # a formula in a seller name is defused
    assert c3["reported_at"] and "screenshot_path" in c3
    data = json.loads(cli("flags", "export", "--db", path, "--format", "json", "--site", "temu_kr").output)
    assert {r["listing_id"] for r in data} == {"t1", "t2", "t9"}
    assert isinstance(data[0]["evidence"], dict)


@pytest.mark.parametrize("term, expected", [("프탈레이트", {"t2"}), ("어린이", {"c1", "t1", "t2", "t9"}),
                                            ("유아", {"c2"})])
def test_full_text_search_finds_korean_substrings(built, term, expected):
    path, _ = built
    with Store(path) as store:
        assert {r["listing_id"] for r in store.search_listings(term)} == expected
        found = {r["listing_id"] for r in store.export_flags(text=term)}
    assert found == expected  # removed flags stay in the evidence pack


def test_flags_list_filters(built):
    path, ids = built
    out = cli("flags", "list", "--db", path, "--status", "reported", "--site", "coupang", "--format", "json").output
    assert [r["id"] for r in json.loads(out)] == [ids["c3"]]
    out = cli("flags", "list", "--db", path, "--search", "무프탈", "--format", "json").output
    assert [r["title"] for r in json.loads(out)] == [XSS_TITLE]


def test_compliance_views_have_the_known_figures(built):
    path, ids = built
    with Store(path) as store:
        compliance = {r["site"]: r for r in store.compliance()}
        overdue = store.overdue()
        open_ids = {r["id"] for r in store.db.query("SELECT id FROM open_flags")}
    coupang = compliance["coupang"]
    assert (coupang["reported"], coupang["removed"], coupang["removed_in_time"]) == (3, 2, 1)
    assert coupang["pct_removed_in_time"] == 33.3 and coupang["median_hours_to_removal"] == 94.0
    assert compliance["temu_kr"]["relisted"] == 1 and compliance["temu_kr"]["overdue"] == 0
    assert [r["flag_id"] for r in overdue] == [ids["c3"]]
    assert open_ids == {ids[k] for k in ("c3", "c4", "t1", "t2", "t9")}


def test_sql_deadline_matches_python_working_days(tmp_path):
    """The takedowns view and takedown_deadline agree on every hour of two weeks, for N = 1, 2 and 7."""
    start = datetime(2025, 3, 2, 0, 30, tzinfo=UTC)  # a Sunday
    moments = [start + timedelta(hours=h) for h in range(0, 14 * 24, 5)]
    with Store(tmp_path / "h.db") as store:
        for n in (1, 2, 7):
            store.set_takedown_working_days(n)
            sql = [r["due"] for r in store.db.query(
                "WITH t(at) AS (SELECT value FROM json_each(?)) SELECT at, ("
                " SELECT strftime('%Y-%m-%dT%H:%M:%S+00:00', day0, '+' || ((? / 5) * 7 + ? % 5"
                " + CASE WHEN wd0 + ? % 5 >= 5 THEN 2 ELSE 0 END + 1) || ' days', '-9 hours') FROM ("
                "  SELECT CASE WHEN wd >= 5 THEN date(d, '-' || (wd - 4) || ' days') ELSE d END AS day0,"
                "         CASE WHEN wd >= 5 THEN 4 ELSE wd END AS wd0 FROM ("
                "   SELECT date(at, '+9 hours') AS d, (CAST(strftime('%w', at, '+9 hours') AS INTEGER) + 6) % 7 AS wd"
                "  ))) AS due FROM t", [json.dumps([m.isoformat() for m in moments]), n, n, n])]
            python = [takedown_deadline(m, n).isoformat() for m in moments]
            assert sql == python, n
    friday_evening_kst = datetime(2025, 3, 7, 10, 0, tzinfo=UTC)  # 19:00 KST
    assert takedown_deadline(friday_evening_kst, 2) == datetime(2025, 3, 11, 15, 0, tzinfo=UTC)  # end of Tuesday


def test_view_uses_the_same_deadline(built):
    path, ids = built
    with Store(path) as store:
        for row in store.takedowns():
            reported = datetime.fromisoformat(row["reported_at"])
            assert row["due_at"] == takedown_deadline(reported, row["working_days"]).isoformat()
