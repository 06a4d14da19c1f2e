"""Scrapyd: deploy the project with scrapyd-deploy and run one sandbox crawl through schedule.json."""

from __future__ import annotations

import json
import shutil
import socket
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from pathlib import Path

import pytest

from crawler.store import Store

pytest.importorskip("scrapyd", reason="scrapyd is not installed (pip install -e '.[scrapyd]')")
pytest.importorskip("scrapyd_client", reason="scrapyd-client is not installed (pip install -e '.[scrapyd]')")

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
PROJECT_FILES = ("crawler", "pyproject.toml", "setup.py", "scrapy.cfg", "README.md")


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _call(base: str, endpoint: str, data: list[tuple[str, str]] | None = None) -> dict:
    body = urllib.parse.urlencode(data).encode() if data is not None else None
    with urllib.request.urlopen(f"{base}/{endpoint}", data=body, timeout=30) as response:
        return json.loads(response.read())


@pytest.fixture
def scrapyd(tmp_path):
    """A Scrapyd daemon on a free loopback port, with its config, eggs, logs and dbs in a temp folder."""
    home = tmp_path / "scrapyd"
    home.mkdir()
    port = _free_port()
    (home / "scrapyd.conf").write_text(
        "[scrapyd]\n"
        f"bind_address = 127.0.0.1\nhttp_port = {port}\n"
        f"eggs_dir = {home / 'eggs'}\nlogs_dir = {home / 'logs'}\ndbs_dir = {home / 'dbs'}\n"
        "items_dir =\npoll_interval = 0.2\nmax_proc = 1\n"
    )
    daemon = subprocess.Popen([str(BIN / "scrapyd")], cwd=home, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                if _call(base, "daemonstatus.json")["status"] == "ok":
                    break
            except OSError:
                if daemon.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"scrapyd did not start: {daemon.stderr.read().decode()[-2000:]}") from None
                time.sleep(0.2)
        yield base, home
    finally:
        daemon.terminate()
        daemon.wait(timeout=15)


def test_deploy_with_scrapyd_client_and_crawl_through_schedule_json(tmp_path, scrapyd, market):
    base, home = scrapyd
    # Deploy from a copy: scrapyd-deploy builds in the project folder (build/, *.egg-info), and other
    # test runs may share the checkout.
    project = tmp_path / "project"
    project.mkdir()
    for name in PROJECT_FILES:
        source = ROOT / name
        if source.is_dir():
            shutil.copytree(source, project / name, ignore=shutil.ignore_patterns("__pycache__"))
        else:
            shutil.copy(source, project / name)
    cfg = (project / "scrapy.cfg").read_text()
    assert "[deploy]" in cfg and "project = hazards" in cfg
    (project / "scrapy.cfg").write_text(cfg.replace("http://127.0.0.1:6800/", f"{base}/"))

    deploy = subprocess.run([str(BIN / "scrapyd-deploy")], cwd=project, capture_output=True, text=True, timeout=120)
    assert deploy.returncode == 0, deploy.stdout + deploy.stderr
    assert '"status": "ok"' in deploy.stdout + deploy.stderr
    assert "elevenst" in _call(base, "listspiders.json?project=hazards")["spiders"]

    db = tmp_path / "scrapyd.db"
    job = _call(base, "schedule.json", [
        ("project", "hazards"), ("spider", "elevenst"), ("base_url", market.urls["elevenst"]),
        ("setting", f"HAZARDS_DB={db}"), ("setting", f"HAZARDS_RULES_DIR={ROOT / 'rules'}"),
        ("setting", "AUTOTHROTTLE_ENABLED=0"),
    ])
    assert job["status"] == "ok", job
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        jobs = _call(base, "listjobs.json?project=hazards")
        if any(j["id"] == job["jobid"] for j in jobs["finished"]):
            break
        time.sleep(0.3)
    else:
        pytest.fail(f"the Scrapyd job did not finish: {jobs}")

    with Store(db) as store:
        run = store.list_runs(kind="crawl")[0]
        count = store.db.execute("SELECT COUNT(*) FROM listings WHERE site = 'elevenst'").fetchone()[0]
    log = next((home / "logs").rglob("*.log")).read_text()
    assert count == 41, log[-3000:]
    assert run["status"] == "ok" and run["items"] == 41
