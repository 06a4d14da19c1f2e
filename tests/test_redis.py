"""Several crawler processes split one crawl through scrapy-redis; one writer stores every listing once."""

from __future__ import annotations

import json
import os
import shutil
import socket
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from crawler.sandbox import SandboxMarket
from crawler.sandbox.generate import generate_catalog

HAZARDS = str(Path(sys.executable).with_name("hazards"))
REDIS_SERVER = shutil.which("redis-server") or "/usr/bin/redis-server"

pytestmark = pytest.mark.skipif(not Path(REDIS_SERVER).exists(), reason="redis-server is not installed")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def redis_url(tmp_path):
    """A throwaway redis-server on a loopback port (no persistence)."""
    port = free_port()
    proc = subprocess.Popen([REDIS_SERVER, "--port", str(port), "--bind", "127.0.0.1", "--save", "",
                             "--appendonly", "no", "--dir", str(tmp_path)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 10
    while True:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            break
        except OSError:
            assert time.monotonic() < deadline, "redis-server did not start"
            time.sleep(0.05)
    yield f"redis://127.0.0.1:{port}/0"
    proc.terminate()
    proc.wait(timeout=10)


def test_two_crawler_processes_split_a_2000_listing_crawl_and_store_each_once(tmp_path, redis_url):
    db = tmp_path / "hazards.db"
    env = {**os.environ, "REDIS_URL": redis_url, "HAZARDS_REDIS_IDLE_SECONDS": "2", "HAZARDS_LOG_LEVEL": "WARNING"}
    fast = ["-s", "AUTOTHROTTLE_ENABLED=False", "-s", "CONCURRENT_REQUESTS_PER_DOMAIN=32"]
    catalog = [{**entry, "sites": ["elevenst"]} for entry in generate_catalog(2000, 0)]
    with SandboxMarket(catalog=catalog, sites=["elevenst"]) as market:
        expected = set(market.listing_ids("elevenst"))
        writer = subprocess.Popen([HAZARDS, "ingest", "--db", str(db), "--crawlers", "2"], env=env,
                                  stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        crawlers = [
            subprocess.Popen([HAZARDS, "crawl", "elevenst", "--base-url", market.urls["elevenst"],
                              "--db", str(tmp_path / f"unused{i}.db"), *fast], env=env,
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
            for i in range(2)
        ]
        outputs = [proc.communicate(timeout=150) for proc in crawlers]
        for proc, (_, err) in zip(crawlers, outputs, strict=True):
            assert proc.returncode == 0, err[-3000:]
        out, err = writer.communicate(timeout=60)
        assert writer.returncode == 0, err[-3000:]
    assert "from 2 crawler processes" in out
    conn = sqlite3.connect(db)
    stored = [row[0] for row in conn.execute("select listing_id from listings where site = 'elevenst'")]
    assert len(stored) == len(set(stored)) == len(expected) == 2000
    assert set(stored) == expected
    status, stats = conn.execute("select status, stats from runs where kind = 'crawl'").fetchone()
    stats = json.loads(stats)
    assert status == "ok", stats
    assert stats["items"] == len(expected)
    # The shared dupefilter: no product page was fetched twice across the two processes.
    assert stats["pages"] < len(expected) * 1.1 + 200
    # Each crawler process scraped a share (neither sat idle while the other did everything).
    shares = [int(line.split(": ")[1].split()[0]) for line in out.splitlines() if " pid " in line]
    assert len(shares) == 2 and sum(shares) == 2000 and min(shares) >= 200, out
    assert conn.execute("pragma integrity_check").fetchone()[0] == "ok"
