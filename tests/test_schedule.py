"""Schedules: --every and cron timing, the schedule CLI, run-due (real crawls as subprocesses) and the scheduler."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner

from crawler.cli import main
from crawler.schedule import Cron, ScheduleError, iso, next_due, parse_every
from crawler.store import Store

ROOT = Path(__file__).resolve().parents[1]
HAZARDS = str(Path(sys.executable).with_name("hazards"))
#: Crawls of the loopback sandbox need no politeness delay.
CRAWL_ENV = {**os.environ, "HAZARDS_START_DELAY": "0", "HAZARDS_PROGRESS": "off", "HAZARDS_RETRY_TIMES": "0"}


# --- timing --------------------------------------------------------------------------------------------

@pytest.mark.parametrize(("text", "seconds"), [
    ("30m", 1800), ("6h", 21600), ("1d", 86400), ("1w", 604800), ("1h30m", 5400), ("90s", 90), (" 2H ", 7200),
])
def test_every_parses(text, seconds):
    assert parse_every(text) == seconds


@pytest.mark.parametrize("text", ["6x", "", "h", "6", "-1h", "1.5h", "30s", "6h junk"])
def test_every_rejects_bad_input_naming_the_option(text):
    with pytest.raises(ScheduleError, match="--every"):
        parse_every(text)


@pytest.mark.parametrize(("expr", "after", "expected"), [
    ("0 2 * * *", "2024-03-01 01:59", "2024-03-01 02:00"),
    ("0 2 * * *", "2024-03-01 02:00", "2024-03-02 02:00"),
    ("*/15 9-18 * * mon-fri", "2024-03-02 10:00", "2024-03-04 09:00"),  # Saturday -> Monday
    ("*/15 9-18 * * mon-fri", "2024-03-04 18:45", "2024-03-05 09:00"),
    ("0 0 29 2 *", "2024-03-01 00:00", "2028-02-29 00:00"),
    ("0 12 1 * mon", "2024-03-02 00:00", "2024-03-04 12:00"),  # both day fields restricted: either matches
    ("@daily", "2024-12-31 23:59", "2025-01-01 00:00"),
    ("5,35 */6 * jan,jul 0", "2024-01-01 00:00", "2024-01-07 00:05"),
    ("0 3 * * 7", "2024-03-01 00:00", "2024-03-03 03:00"),  # 7 is Sunday too
])
def test_cron_next_after(expr, after, expected):
    parse = lambda s: datetime.strptime(s, "%Y-%m-%d %H:%M")  # noqa: E731
    assert Cron.parse(expr).next_after(parse(after)) == parse(expected)


@pytest.mark.parametrize(("expr", "message"), [
    ("0 2 * *", "need 5 fields"),
    ("61 * * * *", "minute field '61' is outside 0-59"),
    ("0 25 * * *", "hour field"),
    ("*/0 * * * *", "bad step"),
    ("0 0 * * funday", "not a number or a name"),
    ("0 0 31 2 *", "never occurs"),
    ("0 0 10-5 * *", "backwards"),
])
def test_cron_rejects_bad_input(expr, message):
    with pytest.raises(ScheduleError, match=message):
        Cron.parse(expr)


def test_every_keeps_its_rhythm_and_skips_missed_slots():
    start = datetime(2024, 1, 1, 0, 0, tzinfo=UTC)
    now = start + timedelta(hours=13, minutes=5)  # slots 06:00 and 12:00 were missed
    assert next_due(6 * 3600, None, now, previous_due=start) == start + timedelta(hours=18)
    assert next_due(6 * 3600, None, start, previous_due=start) == start + timedelta(hours=6)


# --- the schedule CLI ---------------------------------------------------------------------------------

def _cli(*args):
    return CliRunner().invoke(main, [str(a) for a in args])


def test_add_list_remove_and_one_line_errors(tmp_path):
    db = tmp_path / "h.db"
    ok = _cli("schedule", "add", "eleven-6h", "--spider", "elevenst", "--every", "6h", "-a", "base_url=http://x",
              "--db", db)
    assert ok.exit_code == 0, ok.output
    assert "first run due" in ok.output
    assert _cli("schedule", "add", "nightly", "--spider", "coupang", "--cron", "0 2 * * *", "--db", db).exit_code == 0
    listing = _cli("schedule", "list", "--db", db)
    assert "eleven-6h" in listing.output and "every 6h" in listing.output and "cron 0 2 * * *" in listing.output
    assert "base_url=http://x" in listing.output

    errors = {
        "bad --every": (["eleven", "--spider", "elevenst", "--every", "6x"], "--every '6x'"),
        "bad cron": (["eleven", "--spider", "elevenst", "--cron", "0 2 * *"], "need 5 fields"),
        "unknown spider": (["eleven", "--spider", "ebay", "--every", "6h"], "unknown spider 'ebay'"),
        "duplicate": (["eleven-6h", "--spider", "elevenst", "--every", "6h"], "exists already"),
        "both": (["eleven", "--spider", "elevenst", "--every", "6h", "--cron", "0 2 * * *"], "exactly one"),
        "neither": (["eleven", "--spider", "elevenst"], "exactly one"),
    }
    for case, (args, message) in errors.items():
        result = _cli("schedule", "add", *args, "--db", db)
        assert result.exit_code != 0, case
        assert message in result.output, (case, result.output)
        assert "Traceback" not in result.output

    assert _cli("schedule", "remove", "nightly", "--db", db).exit_code == 0
    missing = _cli("schedule", "remove", "nightly", "--db", db)
    assert missing.exit_code == 1 and "no schedule 'nightly'" in missing.output
    with Store(db) as store:
        assert [row["name"] for row in store.list_schedules()] == ["eleven-6h"]


def _due_now(db: Path, name: str) -> None:
    with Store(db) as store:
        store.db.execute("UPDATE schedules SET next_due_at = ? WHERE name = ?",
                         [iso(datetime.now(UTC) - timedelta(minutes=1)), name])


def test_a_job_still_running_is_not_started_twice(tmp_path):
    db = tmp_path / "h.db"
    assert _cli("schedule", "add", "busy", "--spider", "elevenst", "--every", "1h", "--db", db).exit_code == 0
    # Stands in for the crawl an earlier run-due started (its command line names scrapy, as a real one does).
    sleeper = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)", "scrapy", "crawl"])
    try:
        with Store(db) as store:
            store.db.execute("UPDATE schedules SET pid = ? WHERE name = 'busy'", [sleeper.pid])
        _due_now(db, "busy")
        result = _cli("schedule", "run-due", "--db", db)
        assert result.exit_code == 0, result.output
        assert "still running" in result.output
        with Store(db) as store:
            assert store.last_run_id() == 0
            assert store.get_schedule("busy")["pid"] == sleeper.pid
    finally:
        sleeper.kill()
        sleeper.wait()


def test_run_due_closes_a_job_whose_runner_died_and_exits_nonzero(tmp_path):
    db = tmp_path / "h.db"
    assert _cli("schedule", "add", "orphan", "--spider", "elevenst", "--every", "1h", "--db", db).exit_code == 0
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    with Store(db) as store:
        run_id = store.start_run("crawl", "elevenst", {"schedule": "orphan"})  # the crawl was SIGKILLed
        store.db.execute("UPDATE schedules SET pid = ?, next_due_at = ? WHERE name = 'orphan'",
                         [dead.pid, iso(datetime.now(UTC) + timedelta(hours=1))])
    result = _cli("schedule", "run-due", "--db", db)
    assert result.exit_code == 3, result.output
    assert f"run {run_id} FAILED" in result.output
    with Store(db) as store:
        assert store.get_run(run_id)["status"] == "failed"
        assert store.get_schedule("orphan")["pid"] is None
        assert store.get_schedule("orphan")["last_run_id"] == run_id


def test_run_due_runs_a_crawl_then_nothing_until_the_next_slot(tmp_path, market):
    db = tmp_path / "h.db"
    _cli("schedule", "add", "eleven", "--spider", "elevenst", "--every", "6h", "-a",
         f"base_url={market.urls['elevenst']}", "--db", db)
    first = subprocess.run([HAZARDS, "schedule", "run-due", "--db", db], cwd=tmp_path, env=CRAWL_ENV,
                           capture_output=True, text=True, timeout=120)
    assert first.returncode == 0, first.stdout + first.stderr
    assert "eleven: run 1 ok, 41 items, exit code 0" in first.stdout
    with Store(db) as store:
        row = store.get_schedule("eleven")
        run = store.get_run(1)
        assert row["last_run_id"] == 1 and row["pid"] is None
        assert row["next_due_at"] > iso(datetime.now(UTC) + timedelta(hours=5))
        assert run["args"]["schedule"] == "eleven" and run["stats"]["exit_code"] == 0
        assert store.count_listings()
    assert list((tmp_path / "hazards-logs").glob("eleven-*.log"))
    again = subprocess.run([HAZARDS, "schedule", "run-due", "--db", db], cwd=tmp_path, env=CRAWL_ENV,
                           capture_output=True, text=True, timeout=60)
    assert again.returncode == 0 and "nothing due" in again.stdout


def test_run_due_exits_nonzero_when_a_crawl_is_suspect(tmp_path, market):
    db = tmp_path / "h.db"
    # The elevenst spider on another shop's markup finds no products: zero items must not look clean.
    _cli("schedule", "add", "wrong-shop", "--spider", "elevenst", "--every", "1h", "-a",
         f"base_url={market.urls['coupang']}", "--db", db)
    result = subprocess.run([HAZARDS, "schedule", "run-due", "--db", db], cwd=tmp_path, env=CRAWL_ENV,
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 3, result.stdout + result.stderr
    assert "SUSPECT" in result.stderr and "stored no items" in result.stderr
    assert "log:" in result.stderr


def test_scheduler_runs_due_jobs_and_stops_cleanly_on_sigterm(tmp_path, market):
    db = tmp_path / "h.db"
    _cli("schedule", "add", "eleven", "--spider", "elevenst", "--every", "1h", "-a",
         f"base_url={market.urls['elevenst']}", "--db", db)
    loop = subprocess.Popen([HAZARDS, "scheduler", "--db", db, "--interval", "0.3"], cwd=tmp_path, env=CRAWL_ENV,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            with Store(db) as store:
                if store.get_schedule("eleven")["last_run_id"]:
                    break
            time.sleep(0.3)
        loop.send_signal(signal.SIGTERM)
        out, err = loop.communicate(timeout=30)
    finally:
        if loop.poll() is None:
            loop.kill()
    assert loop.returncode == 0, out + err
    assert "eleven: started elevenst" in out and "eleven: run 1 ok" in out and "scheduler: stopped" in out
