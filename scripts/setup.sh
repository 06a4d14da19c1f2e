#!/usr/bin/env bash
# Set up hazards on a fresh Debian machine: Debian's chromium (the browser for JavaScript pages),
# redis-server (for the multi-process crawl tests), the sqlite3 shell reviewers use, CJK fonts for
# screenshots, and a .venv with the package and pinned dependencies.
set -euo pipefail
cd "$(dirname "$0")/.."

need=()
command -v chromium >/dev/null 2>&1 || need+=(chromium)
command -v redis-server >/dev/null 2>&1 || need+=(redis-server)
command -v sqlite3 >/dev/null 2>&1 || need+=(sqlite3)
# Screenshots of Korean (and Chinese) listing pages are evidence: without CJK fonts they are empty boxes.
[ -n "$(fc-list :lang=ko 2>/dev/null)" ] || need+=(fonts-noto-cjk)
if [ ${#need[@]} -gt 0 ]; then
  sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${need[@]}" >/dev/null
fi

python3 -m venv .venv
.venv/bin/python -m pip install -q --upgrade pip
.venv/bin/python -m pip install -q -c constraints.txt -e '.[dev,datasette,scrapyd,redis]'
echo "hazards is installed in .venv (run: .venv/bin/hazards --help)"
