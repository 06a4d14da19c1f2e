"""Data safety: a SIGKILL mid-crawl or mid-rescan leaves a sound database that the next run completes;
reviewers read while a crawl writes; two hazards processes writing one database wait for each other."""

from __future__ import annotations

import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from crawler.items import Listing
from crawler.sandbox import SandboxMarket
from crawler.sandbox.catalog import load_catalog
from crawler.sandbox.generate import generate_catalog
from crawler.store import Store

HAZARDS = str(Path(sys.executable).with_name("hazards"))
FAST = ["-s", "AUTOTHROTTLE_ENABLED=False", "-s", "CONCURRENT_REQUESTS_PER_DOMAIN=8", "-s", "LOG_LEVEL=WARNING"]
SQLITE3 = shutil.which("sqlite3")


def count(db: Path, sql: str = "select count(*) from listings") -> int:
    if not db.exists():
        return 0
    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    try:
        return conn.execute(sql).fetchone()[0]
    except sqlite3.OperationalError:  # tables not created yet
        return 0
    finally:
        conn.close()


def integrity(db: Path) -> str:
    conn = sqlite3.connect(db)
    try:
        return conn.execute("pragma integrity_check").fetchone()[0]
    finally:
        conn.close()


def wait_for(predicate, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.05)


class Reviewer(threading.Thread):
    """Reads the database the way a reviewer does (Python sqlite3 read-only, and the sqlite3 CLI)
    in a loop until stopped; keeps every error it saw."""

    def __init__(self, db: Path):
        super().__init__(daemon=True)
        self.db, self.errors, self.reads = db, [], 0
        self.stop = threading.Event()

    def run(self) -> None:
        queries = ["select count(*) from listings", "select site, listing_id, title from listings limit 50",
                   "select count(*) from flags where status = 'new'", "select * from runs"]
        while not self.stop.is_set():
            for sql in queries:
                try:
                    conn = sqlite3.connect(f"file:{self.db}?mode=ro", uri=True)
                    conn.execute(sql).fetchall()
                    conn.close()
                    if SQLITE3 and self.reads % 10 == 0:
                        # As the README tells reviewers: the shell has no busy timeout of its own, and the first
                        # process to open the db after the SIGKILL holds a lock while it recovers the WAL.
                        proc = subprocess.run([SQLITE3, "-readonly", "-cmd", ".timeout 5000", str(self.db), sql],
                                              capture_output=True, text=True)
                        if proc.returncode or proc.stderr:
                            self.errors.append(f"sqlite3 CLI: {proc.stderr.strip()}")
                    self.reads += 1
                except sqlite3.Error as error:
                    if "no such table" not in str(error):
                        self.errors.append(f"{sql}: {error}")
            time.sleep(0.01)


def test_sigkill_mid_crawl_leaves_a_sound_db_and_the_next_run_completes_while_a_reviewer_reads(tmp_path):
    db, jobdir = tmp_path / "hazards.db", tmp_path / "job"
    catalog = [{**entry, "sites": ["elevenst"]} for entry in generate_catalog(400, 1)]
    env = {**os.environ, "HAZARDS_FLUSH_EVERY": "10"}
    reviewer = Reviewer(db)
    with SandboxMarket(catalog=catalog, sites=["elevenst"]) as market:
        market.set_fault("elevenst", "slow", "/products/", delay=0.02)
        expected = set(market.listing_ids("elevenst"))
        cmd = [HAZARDS, "crawl", "elevenst", "--base-url", market.urls["elevenst"], "--db", str(db),
               "--jobdir", str(jobdir), *FAST]
        first = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        wait_for(lambda: count(db) >= 1)
        reviewer.start()
        wait_for(lambda: count(db) >= 40)
        first.send_signal(signal.SIGKILL)
        first.wait(timeout=10)
        assert integrity(db) == "ok"
        conn = sqlite3.connect(db)
        before = {row[0]: row[1] for row in conn.execute("select listing_id, title from listings")}
        conn.close()
        assert 40 <= len(before) < len(expected)
        assert all(before.values())
        market.clear_faults()
        second = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=120)
        assert second.returncode == 0, second.stderr[-3000:]
    reviewer.stop.set()
    reviewer.join(timeout=10)
    assert reviewer.errors == [] and reviewer.reads > 20
    assert integrity(db) == "ok"
    conn = sqlite3.connect(db)
    after = {row[0]: row[1] for row in conn.execute("select listing_id, title from listings")}
    assert set(after) == expected
    assert all(after[lid] == title for lid, title in before.items())
    statuses = [row[0] for row in conn.execute("select status from runs where kind = 'crawl' order by id")]
    assert statuses[-1] in ("ok", "suspect") and "running" not in statuses[-1:]


def seed_listings(db: Path, n: int) -> None:
    """n stored listings (generated catalog text) without crawling."""
    with Store(db) as store:
        run = store.start_run("crawl", "elevenst", {})
        listings = [
            Listing.from_raw({"site": "elevenst", "listing_id": str(i), "url": f"http://shop.test/products/{i}",
                              "title": e["title"], "brand": e["brand"], "model": e["model"], "gtin": e["gtin"],
                              "kc_cert": e["kc_cert"], "price": e["price"], "seller": e["seller"],
                              "category": e["category"], "age": e["age"], "description": e["description"],
                              "purchase_agent": e["purchase_agent"]})
            for i, e in enumerate(generate_catalog(n, 2))
        ]
        store.upsert_listings(listings, run)
        store.finish_run(run, "ok", {})


def flag_set(db: Path) -> set[tuple]:
    conn = sqlite3.connect(db)
    try:
        return set(conn.execute("select site, listing_id, rule_id, recall_id, status from flags"))
    finally:
        conn.close()


def test_sigkill_mid_rescan_leaves_a_sound_db_and_the_next_rescan_completes(tmp_path):
    db, reference = tmp_path / "hazards.db", tmp_path / "reference.db"
    seed_listings(db, 6000)
    shutil.copy(db, reference)
    ref = subprocess.Popen([HAZARDS, "rescan", "--db", str(reference)], stdout=subprocess.DEVNULL,
                           stderr=subprocess.PIPE, text=True)
    victim = subprocess.Popen([HAZARDS, "rescan", "--db", str(db)], stdout=subprocess.DEVNULL,
                              stderr=subprocess.DEVNULL)
    wait_for(lambda: count(db, "select count(*) from runs where kind = 'rescan'") > 0 or victim.poll() is not None)
    time.sleep(0.5)
    killed_mid_way = victim.poll() is None
    victim.send_signal(signal.SIGKILL)
    victim.wait(timeout=10)
    assert integrity(db) == "ok"
    assert count(db) == 6000
    conn = sqlite3.connect(db)
    orphans = conn.execute("select count(*) from flags f left join listings l using (site, listing_id) "
                           "where l.listing_id is null").fetchone()[0]
    conn.close()
    assert orphans == 0
    again = subprocess.run([HAZARDS, "rescan", "--db", str(db)], capture_output=True, text=True, timeout=120)
    assert again.returncode == 0, again.stderr[-3000:]
    assert ref.wait(timeout=120) == 0, ref.stderr.read()[-3000:]
    assert integrity(db) == "ok"
    assert flag_set(db) == flag_set(reference) != set()
    assert killed_mid_way, "the rescan finished before it could be killed; seed more listings"


@pytest.mark.parametrize("flush_every", ["1"])
def test_two_processes_writing_one_db_wait_instead_of_failing(tmp_path, flush_every):
    db = tmp_path / "shared.db"
    env = {**os.environ, "HAZARDS_FLUSH_EVERY": flush_every}
    sites = ("elevenst", "naver_smartstore")
    catalog = [e for e in load_catalog() if set(sites) & set(e["sites"])]
    with SandboxMarket(catalog=catalog, sites=list(sites)) as market:
        procs = [subprocess.Popen([HAZARDS, "crawl", site, "--base-url", market.urls[site], "--db", str(db), *FAST],
                                  env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
                 for site in sites]
        results = [proc.communicate(timeout=120) for proc in procs]
        expected = {site: set(market.listing_ids(site)) for site in sites}
    for proc, (_, err) in zip(procs, results, strict=True):
        assert proc.returncode == 0, err[-3000:]
        assert "locked" not in err
    conn = sqlite3.connect(db)
    for site in sites:
        stored = [row[0] for row in conn.execute("select listing_id from listings where site = ?", (site,))]
        assert sorted(stored) == sorted(expected[site])
    assert [row[0] for row in conn.execute("select status from runs order by id")] == ["ok", "ok"]
    assert integrity(db) == "ok"
