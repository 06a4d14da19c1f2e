"""``hazards runs list|show``, the crawl-health judgement of resumed runs, and the progress line."""

from __future__ import annotations

import io
import json
import logging

from click.testing import CliRunner
from scrapy.settings import Settings

from crawler.cli import main
from crawler.progress import CrawlProgress, progress_figures, progress_line
from crawler.runs import judge_run
from crawler.store import Store

GOOD = {
    "pages": 120, "items": 80, "flags": 12, "new_flags": 3, "errors": 1, "requests": 124,
    "drops": {"price_int_parsing": 2}, "http_errors": {"404": 3, "503": 1}, "exceptions": {},
    "blocked": 2, "blocked_by_reason": {"captcha": 2}, "offsite": 4, "robots_forbidden": 0, "retries": 1,
    "duration_seconds": 9.5, "finish_reason": "finished", "suspect_reasons": [],
}


def _db(tmp_path):
    db = tmp_path / "h.db"
    with Store(db) as store:
        good = store.start_run("crawl", "coupang", {"base_url": "http://127.0.0.1:8702"})
        store.finish_run(good, "ok", GOOD)
        bad = store.start_run("crawl", "coupang", {})
        store.finish_run(bad, "suspect", {**GOOD, "items": 0, "pages": 1,
                                          "suspect_reasons": ["stored no items", "items fell from 80 (run 1) to 0"]})
        store.start_run("import", "safetykorea", {})
    return db


def _cli(*args):
    return CliRunner().invoke(main, [str(a) for a in args])


def test_runs_list_newest_first_with_the_reason_a_run_is_suspect(tmp_path):
    db = _db(tmp_path)
    result = _cli("runs", "list", "--db", db)
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0].split()[:4] == ["id", "kind", "name", "status"]
    assert [line.split()[0] for line in lines[2:]] == ["3", "2", "1"]
    assert "stored no items" in result.output and "9.5" in result.output

    only = _cli("runs", "list", "--db", db, "--status", "suspect", "--format", "json")
    rows = json.loads(only.output)
    assert [row["id"] for row in rows] == [2]
    assert rows[0]["stats"]["suspect_reasons"][0] == "stored no items"
    crawls = _cli("runs", "list", "--db", db, "--kind", "crawl", "--spider", "coupang", "--limit", "1")
    assert [line.split()[0] for line in crawls.output.splitlines()[2:]] == ["2"]


def test_runs_show_has_every_health_figure(tmp_path):
    db = _db(tmp_path)
    result = _cli("runs", "show", "1", "--db", db)
    assert result.exit_code == 0, result.output
    text = result.output
    for expected in ("status             ok", "duration           9.5 s", "pages              120",
                     "items              80", "flags              12 (3 new)", "drops              price_int_parsing 2",
                     "http errors        404 3, 503 1", "blocked pages      2 (captcha 2)", "offsite drops      4",
                     "exit               finished", "http://127.0.0.1:8702"):
        assert expected in text, expected
    suspect = _cli("runs", "show", "2", "--db", db)
    assert "SUSPECT" in suspect.output and "  why              stored no items" in suspect.output
    as_json = json.loads(_cli("runs", "show", "2", "--db", db, "--format", "json").output)
    assert as_json["status"] == "suspect" and as_json["stats"]["items"] == 0


def test_runs_show_unknown_id_is_a_one_line_error(tmp_path):
    result = _cli("runs", "show", "99", "--db", _db(tmp_path))
    assert result.exit_code == 1
    assert result.output.strip() == "Error: no run 99; see hazards runs list (the latest is 3)"


def test_a_resumed_run_is_judged_with_what_the_killed_attempt_stored():
    settings = Settings({"HAZARDS_SUSPECT_ERROR_RATE": 0.2, "HAZARDS_SUSPECT_DROP_RATIO": 0.5})
    summary = {"items": 0, "resume_skipped": 40, "requests": 5, "errors": 0, "http_errors": {}, "drops": {}}
    assert judge_run(summary, "finished", None, settings) == ("ok", [])
    assert judge_run({**summary, "resume_skipped": 0}, "finished", None, settings)[0] == "suspect"
    assert judge_run(summary, "shutdown", None, settings)[0] == "interrupted"


# --- progress ------------------------------------------------------------------------------------------

STATS = {"response_received_count": 50, "hazards/listings": 40, "hazards/hits": 7, "hazards/blocked": 1,
         "downloader/exception_type_count/twisted.internet.error.ConnectionRefusedError": 2,
         "downloader/response_status_count/503": 1, "downloader/response_status_count/200": 49}


def test_progress_line_figures():
    figures = progress_figures(STATS)
    assert figures == {"pages": 50, "items": 40, "flags": 7, "blocked": 1, "errors": 3, "dropped": 0}
    assert progress_line("coupang", figures, 3725) == (
        "coupang  50 pages  40 listings  7 flags  1 blocked  3 errors  0.0 pages/s  1:02:05")
    assert progress_line("coupang", figures, 10).endswith("5.0 pages/s  0:10")


class _Stats:
    def get_stats(self):
        return STATS


class _Crawler:
    stats = _Stats()


class _Spider:
    name = "coupang"


class _Tty(io.StringIO):
    def isatty(self):
        return True


def test_progress_draws_one_updating_line_on_a_terminal_and_logs_otherwise(caplog):
    tty = _Tty()
    live = CrawlProgress(_Crawler(), "auto", 30, 0.5, stream=tty)
    assert live.mode == "line"
    live.report(_Spider())
    live.report(_Spider())
    assert tty.getvalue().count("\r\x1b[K") == 2 and "\n" not in tty.getvalue()

    piped = io.StringIO()
    plain = CrawlProgress(_Crawler(), "auto", 30, 0.5, stream=piped)
    assert plain.mode == "log" and plain.interval == 30
    with caplog.at_level(logging.INFO, logger="crawler.progress"):
        plain.report(_Spider())
    assert piped.getvalue() == ""
    assert "progress: coupang  50 pages  40 listings  7 flags" in caplog.text
    assert "\x1b" not in caplog.text
