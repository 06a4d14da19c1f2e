"""Datasette serves the database with the reviewers' canned queries (on loopback, over HTTP)."""

from __future__ import annotations

import json
import socket
import subprocess
import time
import urllib.parse
import urllib.request

import pytest
from click.testing import CliRunner

from crawler.cli import main
from crawler.cli.serve import METADATA, datasette_command, metadata_for
from tests.review_data import build

pytest.importorskip("datasette")


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _get(url: str):
    with urllib.request.urlopen(url, timeout=5) as answer:
        return json.loads(answer.read())


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    db = tmp_path_factory.mktemp("ds") / "hazards.db"
    build(db)
    port = _free_port()
    process = subprocess.Popen(datasette_command(str(db), "127.0.0.1", port), stdout=subprocess.DEVNULL,
                               stderr=subprocess.PIPE)
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while True:
        try:
            _get(base + "/-/versions.json")
            break
        except OSError:
            if process.poll() is not None or time.monotonic() > deadline:
                process.kill()
                raise AssertionError(process.stderr.read().decode()[-2000:]) from None
            time.sleep(0.2)
    yield base
    process.terminate()
    process.wait(timeout=10)


def test_canned_compliance_query_over_http(server):
    rows = _get(server + "/hazards/compliance_by_platform.json?_shape=array")
    coupang = next(r for r in rows if r["site"] == "coupang")
    assert (coupang["reported"], coupang["removed"], coupang["pct_removed_in_time"]) == (3, 2, 33.3)


def test_canned_queries_with_parameters(server):
    rows = _get(server + "/hazards/open_flags_by_severity.json?_shape=array&severity=critical&site=")
    assert {r["severity"] for r in rows} == {"critical"} and rows
    query = urllib.parse.urlencode({"site": "coupang", "listing_id": "c1", "_shape": "array"})
    history = _get(server + "/hazards/listing_history.json?" + query)
    changes = [r["change"] for r in history if r["what"].startswith("flag")]
    assert "confirmed -> reported" in changes and "reported -> removed" in changes
    assert _get(server + "/hazards/overdue_takedowns.json?_shape=array")[0]["listing_id"] == "c3"


def test_listing_search_finds_korean_substrings(server):
    rows = _get(server + "/hazards/listings.json?_shape=array&_search=" + urllib.parse.quote("프탈레이트"))
    assert [r["listing_id"] for r in rows] == ["t2"]


def test_metadata_follows_the_database_name(tmp_path):
    assert metadata_for("hazards.db") == METADATA
    other = metadata_for(str(tmp_path / "inspections.db"))
    assert "inspections:" in other.read_text(encoding="utf-8")
    result = CliRunner().invoke(main, ["serve", "--db", str(tmp_path / "none.db")])
    assert result.exit_code == 1 and "no database at" in result.output
