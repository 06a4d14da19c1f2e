"""`python -m crawler.sandbox serve [--port N] [--size N] [--seed N] [--site NAME ...]`: serve in the
foreground, print `site<TAB>url` per site, run until SIGINT/SIGTERM.
`python -m crawler.sandbox save-pages DIR`: write the golden page files for spider tests."""

from __future__ import annotations

import argparse
import signal
import sys
import threading

from .market import SandboxMarket


def main(argv: list[str] | None = None) -> int:
    """Parse arguments and serve until interrupted."""
    parser = argparse.ArgumentParser(prog="python -m crawler.sandbox")
    sub = parser.add_subparsers(dest="command", required=True)
    serve_args = sub.add_parser("serve", help="serve the sandbox market (example: serve --port 8000)")
    serve_args.add_argument("--port", type=int, default=0, help="port of the first site, next sites +1 (0: free ports)")
    serve_args.add_argument("--size", type=int, default=None, help="serve a generated catalog of this size")
    serve_args.add_argument("--seed", type=int, default=0, help="seed of the generated catalog")
    serve_args.add_argument("--site", action="append", dest="sites", help="serve only this site (repeatable)")
    pages = sub.add_parser("save-pages", help="write golden page files (example: save-pages tests/pages)")
    pages.add_argument("out_dir", help="directory that gets one folder per site")
    args = parser.parse_args(argv)
    if args.command == "save-pages":
        from .pages import save_golden_pages

        for path in save_golden_pages(args.out_dir):
            print(path)
        return 0

    serve(port=args.port, size=args.size, seed=args.seed, sites=args.sites)
    return 0


def serve(port: int = 0, size: int | None = None, seed: int = 0, sites: list[str] | None = None) -> None:
    """Serve the market in the foreground, printing `site<TAB>url` lines, until SIGINT/SIGTERM."""
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    market = SandboxMarket(size=size, seed=seed, sites=sites).start(port)
    try:
        for site, url in market.urls.items():
            print(f"{site}\t{url}", flush=True)
        while not stop.wait(0.5):
            pass
    finally:
        market.stop()


if __name__ == "__main__":
    sys.exit(main())
