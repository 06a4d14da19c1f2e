"""A crawl SIGKILLed mid-way and started again with the same job directory loses no listing and stores
none twice (crawler/resume.py explains why Scrapy's own JOBDIR files cannot promise that)."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from crawler.sandbox import SandboxMarket
from crawler.store import Store

ROOT = Path(__file__).resolve().parents[1]
HAZARDS = str(Path(sys.executable).with_name("hazards"))
SIZE = 300
SITE_COUNT = 7  # `hazards sandbox serve --port N` binds N, N+1, … one port per site


def _free_port_range(count: int) -> int:
    for _ in range(200):
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            base = probe.getsockname()[1]
        if base + count > 65535:
            continue
        sockets = []
        try:
            for offset in range(count):
                sock = socket.socket()
                sockets.append(sock)
                sock.bind(("127.0.0.1", base + offset))
            return base
        except OSError:
            continue
        finally:
            for sock in sockets:
                sock.close()
    raise RuntimeError("no free range of loopback ports")


def _post(url: str) -> None:
    urllib.request.urlopen(urllib.request.Request(url, method="POST"), timeout=5).read()


@pytest.fixture
def stable_market(tmp_path):
    """`hazards sandbox serve` on fixed ports, so the killed and the resumed crawl see the same URLs."""
    port = _free_port_range(SITE_COUNT)
    server = subprocess.Popen([HAZARDS, "sandbox", "serve", "--port", str(port), "--size", str(SIZE)],
                              stdout=subprocess.PIPE, text=True, cwd=ROOT)
    try:
        urls = {}
        while len(urls) < SITE_COUNT:
            line = server.stdout.readline()
            if not line:
                raise RuntimeError("the sandbox did not start")
            site, url = line.strip().split("\t")
            urls[site] = url
        yield urls
    finally:
        server.terminate()
        server.wait(timeout=10)


def _crawl(url: str, jobdir: Path, db: Path) -> subprocess.Popen:
    env = {**os.environ, "HAZARDS_FLUSH_EVERY": "10", "HAZARDS_START_DELAY": "0", "HAZARDS_PROGRESS": "off"}
    return subprocess.Popen([HAZARDS, "crawl", "elevenst", "--base-url", url, "--jobdir", str(jobdir),
                             "--db", str(db)], cwd=ROOT, env=env, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)


def _stored(db: Path) -> set[str]:
    if not db.exists():
        return set()
    try:
        with Store(db) as store:
            return {row["listing_id"] for row in store.db.query("SELECT listing_id FROM listings")}
    except Exception:  # the crawl may still be creating the schema
        return set()


def test_a_sigkilled_crawl_resumes_without_losing_or_duplicating_listings(tmp_path, stable_market):
    url = stable_market["elevenst"]
    expected = set(SandboxMarket(size=SIZE, sites=["elevenst"]).listing_ids("elevenst"))
    jobdir, db = tmp_path / "job", tmp_path / "h.db"
    _post(f"{url}/_sandbox/fault?mode=slow&path=/products&delay=0.1")

    first = _crawl(url, jobdir, db)
    deadline = time.monotonic() + 60
    while len(_stored(db)) < 25 and time.monotonic() < deadline and first.poll() is None:
        time.sleep(0.1)
    first.send_signal(signal.SIGKILL)
    first.wait()
    before = _stored(db)
    assert 25 <= len(before) < len(expected), "the crawl must be killed mid-way"

    _post(f"{url}/_sandbox/clear")
    second = _crawl(url, jobdir, db)
    assert second.wait(timeout=90) == 0

    after = _stored(db)
    assert after == expected, f"lost: {sorted(expected - after)[:5]}"
    with Store(db) as store:
        assert store.db.execute("SELECT COUNT(*) FROM listings").fetchone()[0] == len(expected)
        runs = store.list_runs(kind="crawl")
        killed, resumed = store.get_run(runs[1]["id"]), store.get_run(runs[0]["id"])
    assert killed["status"] == "interrupted"
    assert "killed before it finished" in killed["stats"]["suspect_reasons"][0]
    assert resumed["status"] == "ok" and resumed["args"]["resumes"] == killed["id"]
    # It continued where the killed crawl stopped instead of starting over.
    assert resumed["stats"]["resume_skipped"] >= len(before) - 10
    assert resumed["items"] <= len(expected) - resumed["stats"]["resume_skipped"]
