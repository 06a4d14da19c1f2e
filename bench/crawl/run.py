"""Crawl throughput benchmark: full pipeline vs. a bare spider, rendered pages/s, peak memory.

Starts the sandbox market (a generated catalog) in its own process, then runs each crawl in its own
subprocess (own reactor, own peak RSS), alternating bare and full so machine noise hits both:

- bare: the real site spider with the project's sandbox settings and ``ITEM_PIPELINES = {}``;
- full: the same spider and settings with the real pipeline (Listing -> Detector with the real rules
  and the bundled SafetyKorea recalls -> SQLite), on a fresh database per run;
- render: category pages of a JS site through scrapy-playwright with ``PLAYWRIGHT_SETTINGS``.

Both crawls go through ``crawler.crawl.run`` (the library behind ``hazards crawl``) with
``project_settings(sandbox=True)``; the only difference between them is ``ITEM_PIPELINES``.
Items/s = ``item_scraped_count / elapsed_time_seconds`` (Scrapy's elapsed time runs from spider_opened
to spider_closed: process start-up, rule loading and recall-index building are excluded and reported
apart; the pipeline's final flush is included).

Example:

    .venv/bin/python bench/crawl/run.py --size 75000 --site elevenst --repeats 2 --render-pages 60
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
VENV_BIN = Path(sys.executable).parent
HAZARDS = str(VENV_BIN / "hazards")
RECALLS = ROOT / "crawler/recalls/data/safetykorea_recalls.jsonl"
MIN_LISTINGS = 20_000
RSS_GOAL_MB = 400
RATIO_GOAL = 0.70


# --- child side: one crawl per process ---------------------------------------------------------------

class Probe:
    """Scrapy extension: wall-clock marks of a crawl (set-up, first/last item) for the parent."""

    marks: dict[str, float] = {}

    @classmethod
    def from_crawler(cls, crawler):
        probe = cls()
        from scrapy import signals

        crawler.signals.connect(probe.opened, signal=signals.spider_opened)
        crawler.signals.connect(probe.scraped, signal=signals.item_scraped)
        crawler.signals.connect(probe.closed, signal=signals.spider_closed)
        cls.marks["engine_created"] = time.monotonic()
        return probe

    def opened(self):
        self.marks["spider_opened"] = time.monotonic()
        self.marks["cpu_opened"] = _cpu_seconds()

    def scraped(self):
        now = time.monotonic()
        self.marks.setdefault("first_item", now)
        self.marks["last_item"] = now

    def closed(self):
        self.marks["spider_closed"] = time.monotonic()
        self.marks["cpu_closed"] = _cpu_seconds()


def _cpu_seconds() -> float:
    """User + system CPU time of this process (all its threads)."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def child_crawl(args: argparse.Namespace) -> None:
    """Run one bare or full crawl of --site at --base-url and print a JSON result line."""
    from crawler.crawl import CrawlJob, project_settings, run

    t0 = time.monotonic()
    overrides = {"EXTENSIONS": {Probe: 0}, "LOG_LEVEL": "WARNING"}
    if args.mode == "bare":
        overrides["ITEM_PIPELINES"] = {}
    settings = project_settings(db=args.db, sandbox=True, overrides=overrides)
    if args.profile:
        import cProfile

        profiler = cProfile.Profile()
        profiler.enable()
    stats = run([CrawlJob(args.site, {"base_url": args.base_url})], settings)[args.site]
    if args.profile:
        profiler.disable()
        profiler.dump_stats(args.profile)
    marks = Probe.marks
    keep = ("item_scraped_count", "elapsed_time_seconds", "response_received_count", "finish_reason",
            "hazards/listings", "hazards/hits", "hazards/flagged_listings", "hazards/dropped",
            "downloader/request_count", "scheduler/enqueued", "log_count/ERROR", "retry/count")
    out = {k: stats.get(k) for k in keep}
    out.update(
        mode=args.mode,
        setup_seconds=round(marks["spider_opened"] - t0, 3),
        steady_seconds=round(marks.get("last_item", 0) - marks.get("first_item", 0), 3),
        crawl_cpu_seconds=round(marks["cpu_closed"] - marks["cpu_opened"], 2),
        peak_rss_mb=round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
    )
    print("RESULT " + json.dumps(out, default=str), flush=True)


def child_render(args: argparse.Namespace) -> None:
    """Render --pages category pages of the JS site through scrapy-playwright; print a JSON result line."""
    import scrapy
    from scrapy.crawler import CrawlerProcess

    from crawler.crawl import project_settings
    from crawler.spiders import aliexpress_kr, temu_kr

    base = {"aliexpress_kr": aliexpress_kr.AliexpressKRSpider, "temu_kr": temu_kr.TemuKRSpider}[args.site]
    stamps: list[float] = []
    links: list[int] = []

    class RenderBench(base):
        """The real JS spider, asked to render one category page N times and follow nothing."""

        name = f"{args.site}_render_bench"

        async def start(self):
            yield scrapy.Request(self.base_url + "/", callback=self.pick_category, dont_filter=True)

        def pick_category(self, response):
            from crawler.spiders.extract import select

            href = select(response, self.category_links, many=True)[0]
            for _ in range(args.pages):
                request = self.listing_request(response.urljoin(href)).replace(dont_filter=True)
                yield request.replace(callback=self.count)

        def count(self, response):
            stamps.append(time.monotonic())
            links.append(sum(1 for r in self.parse_listing(response) if r.callback == self.parse_product))

    settings = project_settings(sandbox=True, overrides={"LOG_LEVEL": "WARNING", "ITEM_PIPELINES": {}})
    settings.setdict(RenderBench.custom_settings or {}, priority="spider")
    process = CrawlerProcess(settings)
    crawler = process.create_crawler(RenderBench)
    process.crawl(crawler, base_url=args.base_url)
    process.start()
    stats = crawler.stats.get_stats()
    pages = len(stamps)
    span = stamps[-1] - stamps[0] if pages > 1 else 0.0
    out = {
        "site": args.site,
        "pages": pages,
        "elapsed_time_seconds": stats.get("elapsed_time_seconds"),
        "pages_per_s": round(pages / stats["elapsed_time_seconds"], 2) if stats.get("elapsed_time_seconds") else None,
        "steady_pages_per_s": round((pages - 1) / span, 2) if span else None,
        "product_links_per_page": round(statistics.mean(links), 1) if links else 0,
        "pages_without_links": sum(1 for n in links if n == 0),
        "crawler_peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
        "concurrent_requests": settings.getint("CONCURRENT_REQUESTS"),
        "max_pages_per_context": settings.getint("PLAYWRIGHT_MAX_PAGES_PER_CONTEXT"),
    }
    print("RESULT " + json.dumps(out, default=str), flush=True)


# --- parent side ---------------------------------------------------------------------------------------

def tree_rss_mb(pid: int) -> float:
    """Memory of a process and all its descendants (MB), from /proc: the sum of PSS (shared pages split
    between the processes that map them; Chromium's many processes share most of theirs), else RSS."""
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat") as f:
                    ppid = int(f.read().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
            children.setdefault(ppid, []).append(int(entry))
    total, todo = 0, [pid]
    while todo:
        p = todo.pop()
        todo.extend(children.get(p, ()))
        try:
            with open(f"/proc/{p}/smaps_rollup") as f:
                total += next(int(line.split()[1]) for line in f if line.startswith("Pss:")) * 1024
        except (OSError, StopIteration, IndexError, ValueError):
            try:
                with open(f"/proc/{p}/statm") as f:
                    total += int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
            except (OSError, IndexError, ValueError):
                pass
    return total / 2**20


def run_child(argv: list[str], poll_tree: bool = False) -> dict:
    """Run this script in child mode; return its RESULT dict (plus the peak tree RSS when polled)."""
    proc = subprocess.Popen([sys.executable, __file__, *argv], cwd=ROOT, stdout=subprocess.PIPE, text=True)
    peak = [0.0]
    done = threading.Event()

    def poll():
        while not done.wait(0.5):
            peak[0] = max(peak[0], tree_rss_mb(proc.pid))

    poller = threading.Thread(target=poll, daemon=True) if poll_tree else None
    if poller:
        poller.start()
    out, _ = proc.communicate()
    done.set()
    if proc.returncode:
        raise SystemExit(f"child {argv[:2]} failed with exit code {proc.returncode}")
    result = json.loads(next(line for line in out.splitlines() if line.startswith("RESULT "))[7:])
    if poller:
        result["tree_peak_rss_mb"] = round(peak[0], 1)
    return result


def start_market(size: int, seed: int, sites: list[str]) -> tuple[subprocess.Popen, dict[str, str]]:
    """The sandbox market in its own process (so it does not share the crawler's GIL)."""
    argv = [HAZARDS, "sandbox", "serve", "--port", "0", "--size", str(size), "--seed", str(seed)]
    for site in sites:
        argv += ["--site", site]
    proc = subprocess.Popen(argv, cwd=ROOT, stdout=subprocess.PIPE, text=True)
    urls = {}
    while len(urls) < len(sites):
        line = proc.stdout.readline()
        if not line:
            raise SystemExit("the sandbox market exited before printing its URLs")
        site, _, url = line.strip().partition("\t")
        urls[site] = url
    return proc, urls


def fresh_db(tmp: Path, n: int) -> str:
    """A new database with the bundled SafetyKorea recalls imported (so recall matching runs)."""
    db = str(tmp / f"full{n}.db")
    subprocess.run([HAZARDS, "recalls", "import", str(RECALLS), "--format", "safetykorea", "--db", db],
                   cwd=ROOT, check=True, stdout=subprocess.DEVNULL)
    return db


def versions() -> dict[str, str]:
    from importlib.metadata import version

    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True)
    dirty = subprocess.run(["git", "status", "--porcelain", "crawler"], cwd=ROOT, capture_output=True, text=True)
    return {
        "nproc": str(os.cpu_count()),
        "python": platform.python_version(),
        "scrapy": version("scrapy"),
        "scrapy-playwright": version("scrapy-playwright"),
        "playwright": version("playwright"),
        "commit": commit.stdout.strip() + (" (+uncommitted changes in crawler/)" if dirty.stdout.strip() else ""),
    }


def parent(args: argparse.Namespace) -> None:
    info = versions()
    print("machine:", " ".join(f"{k}={v}" for k, v in info.items()), flush=True)
    sites = [args.site] + ([args.render_site] if args.render_pages else [])
    t = time.monotonic()
    market, urls = start_market(args.size, args.seed, sites)
    print(f"sandbox market: catalog of {args.size} entries, up in {time.monotonic() - t:.1f} s", flush=True)
    results: dict = {"machine": info, "args": vars(args), "crawls": [], "render": None}
    try:
        with tempfile.TemporaryDirectory(prefix="crawlbench-") as tmp:
            order = ["bare", "full"] * args.repeats
            for n, mode in enumerate(order):
                db = fresh_db(Path(tmp), n) if mode == "full" else str(Path(tmp) / f"bare{n}.db")
                argv = ["_crawl", "--mode", mode, "--site", args.site, "--base-url", urls[args.site], "--db", db]
                load = os.getloadavg()[0]
                r = run_child(argv)
                r["load_before"], r["load_after"] = round(load, 2), round(os.getloadavg()[0], 2)
                r["items_per_s"] = round(r["item_scraped_count"] / r["elapsed_time_seconds"], 1)
                r["items_per_cpu_s"] = round(r["item_scraped_count"] / r["crawl_cpu_seconds"], 1)
                results["crawls"].append(r)
                print(f"{mode:4s} items={r['item_scraped_count']} elapsed={r['elapsed_time_seconds']:.1f}s "
                      f"items/s={r['items_per_s']} items/cpu-s={r['items_per_cpu_s']} setup={r['setup_seconds']}s "
                      f"peak_rss={r['peak_rss_mb']} MB "
                      f"hits={r.get('hazards/hits')} load={r['load_before']}->{r['load_after']}", flush=True)
            if args.profile:
                prof = str(Path(args.profile).resolve())
                argv = ["_crawl", "--mode", "full", "--site", args.site, "--base-url", urls[args.site],
                        "--db", fresh_db(Path(tmp), 99), "--profile", prof]
                run_child(argv)
                print(f"profile of a full crawl written to {prof}", flush=True)
        if args.render_pages:
            argv = ["_render", "--site", args.render_site, "--base-url", urls[args.render_site],
                    "--pages", str(args.render_pages)]
            r = run_child(argv, poll_tree=True)
            results["render"] = r
            print(f"render {r['site']}: {r['pages']} pages in {r['elapsed_time_seconds']:.1f}s = "
                  f"{r['pages_per_s']} pages/s (steady {r['steady_pages_per_s']}), "
                  f"{r['product_links_per_page']} links/page, crawler+chromium peak {r['tree_peak_rss_mb']} MB",
                  flush=True)
    finally:
        market.terminate()
        market.wait(timeout=30)
    summarise(results)
    if args.out:
        Path(args.out).write_text(json.dumps(results, indent=1, default=str) + "\n")


def summarise(results: dict) -> None:
    """Print medians, the full/bare ratio and whether each goal is met."""
    rate = {m: [r["items_per_s"] for r in results["crawls"] if r["mode"] == m] for m in ("bare", "full")}
    if not rate["bare"] or not rate["full"]:
        return
    bare, full = statistics.median(rate["bare"]), statistics.median(rate["full"])
    ratio = full / bare
    cpu = {m: statistics.median(r["items_per_cpu_s"] for r in results["crawls"] if r["mode"] == m)
           for m in ("bare", "full")}
    items = min(r["item_scraped_count"] for r in results["crawls"])
    peak = max(r["peak_rss_mb"] for r in results["crawls"])
    peak_full = max(r["peak_rss_mb"] for r in results["crawls"] if r["mode"] == "full")
    pairs = [f / b for b, f in zip(rate["bare"], rate["full"], strict=False)]
    results["summary"] = {
        "bare_median_items_per_s": bare, "full_median_items_per_s": full, "ratio": round(ratio, 3),
        "pair_ratios": [round(p, 3) for p in pairs], "min_items": items,
        "peak_rss_mb": peak, "peak_rss_full_mb": peak_full,
        "bare_median_items_per_cpu_s": cpu["bare"], "full_median_items_per_cpu_s": cpu["full"],
        "cpu_ratio": round(cpu["full"] / cpu["bare"], 3),
    }
    print(f"\nmedian items/s: bare {bare:.1f}, full {full:.1f}; ratio full/bare {ratio:.2f} "
          f"(pairs: {', '.join(f'{p:.2f}' for p in pairs)}) goal >= {RATIO_GOAL:.2f}: "
          f"{'MET' if ratio >= RATIO_GOAL else 'NOT MET'}")
    print(f"median items per crawler CPU-second: bare {cpu['bare']:.1f}, full {cpu['full']:.1f}; "
          f"ratio {cpu['full'] / cpu['bare']:.2f} (less sensitive to other load on the machine)")
    enough = "ok" if items >= MIN_LISTINGS else "TOO FEW"
    print(f"listings crawled per run: >= {items} (need >= {MIN_LISTINGS}: {enough})")
    print(f"peak RSS of the static crawl: {peak_full} MB full, {peak} MB max "
          f"(goal < {RSS_GOAL_MB} MB: {'MET' if peak < RSS_GOAL_MB else 'NOT MET'})")


def main(argv: list[str] | None = None) -> None:
    argv = sys.argv[1:] if argv is None else argv
    if argv and argv[0] in ("_crawl", "_render"):
        p = argparse.ArgumentParser()
        p.add_argument("cmd")
        p.add_argument("--mode", choices=("bare", "full"))
        p.add_argument("--site", required=True)
        p.add_argument("--base-url", required=True)
        p.add_argument("--db")
        p.add_argument("--pages", type=int, default=60)
        p.add_argument("--profile")
        args = p.parse_args(argv)
        (child_crawl if args.cmd == "_crawl" else child_render)(args)
        return
    p = argparse.ArgumentParser(prog="bench/crawl/run.py", description=__doc__.split("\n\n")[0])
    p.add_argument("--size", type=int, default=75_000,
                   help="generated catalog size; ~28 %% of entries land on a given static site (default 75000)")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--site", default="elevenst", help="static site to crawl (default elevenst)")
    p.add_argument("--repeats", type=int, default=2, help="bare/full pairs, alternated (default 2)")
    p.add_argument("--render-site", default="aliexpress_kr", choices=("aliexpress_kr", "temu_kr"))
    p.add_argument("--render-pages", type=int, default=60, help="category pages to render (0: skip)")
    p.add_argument("--profile", help="also run one full crawl under cProfile and write the stats here")
    p.add_argument("--out", help="write every figure as JSON here")
    parent(p.parse_args(argv))


if __name__ == "__main__":
    os.chdir(ROOT)
    sys.path.insert(0, str(ROOT))
    main()
