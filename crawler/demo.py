"""``hazards demo``: the whole tool on the sandbox market, from an empty database to findings.

Imports the bundled real recall data, starts the sandbox market, crawls every shop in it (and its
recall portal) with the real spiders, detects hazards with the rules in ``rules/`` and prints a
summary a reviewer can act on.
"""

from __future__ import annotations

from crawler.crawl import SHOP_SPIDERS, CrawlJob, project_settings, run
from crawler.recalls.bundled import BUNDLED
from crawler.recalls.importers import load_file
from crawler.store import Store

#: Real recall data shipped with the package (see crawler/recalls/bundled.py).
BUNDLED_RECALLS = BUNDLED

_SEVERITY_RANK = {"critical": 0, "high": 1, "medium": 2, "low": 3}

EXAMPLE_QUERIES = (
    ("Open flags, most severe first",
     "SELECT severity, rule_id, site, title, url FROM open_flags LIMIT 20;"),
    ("Listings that match a recall notice, with the evidence",
     "SELECT f.site, l.title, r.title AS recalled_product, f.score, f.evidence FROM flags f "
     "JOIN listings l USING (site, listing_id) JOIN recalls r ON r.recall_id = f.recall_id "
     "WHERE f.recall_id != '' ORDER BY f.score DESC LIMIT 20;"),
    ("Children's listings without a valid KC number, per site",
     "SELECT site, count(*) FROM flags WHERE rule_id = 'childrens-product-without-kc' GROUP BY site;"),
)


def import_bundled_recalls(store: Store) -> dict[str, int]:
    """Import the shipped recall files (idempotent); returns counts summed over the files."""
    totals = {"new": 0, "updated": 0, "unchanged": 0, "skipped": 0}
    for path, fmt in BUNDLED_RECALLS:
        result = load_file(path, fmt)
        for key, value in store.upsert_recalls(result.notices).items():
            totals[key] = totals.get(key, 0) + value
        totals["skipped"] += len(result.skipped)
    return totals


def run_demo(db: str, rules_dir: str | None = None) -> str:
    """Run the demo end to end and return the printed summary."""
    # The summary is the demo's output; Scrapy's per-spider stats dumps would bury it.
    settings = project_settings(db=db, rules_dir=rules_dir, sandbox=True, overrides={"LOG_LEVEL": "WARNING"})
    with Store(db) as store:
        store_run = store.start_run("import", "bundled-recalls")
        counts = import_bundled_recalls(store)
        store.finish_run(store_run, "ok", {"items": counts["new"] + counts["updated"], **counts})
    jobs = [CrawlJob("recalls_kr"), *(CrawlJob(name) for name in SHOP_SPIDERS)]
    run(jobs, settings)
    with Store(db) as store:
        return summary(store, db)


def summary(store: Store, db: str) -> str:
    """Listings per site, flags per rule and severity, runs needing attention, example queries."""
    lines = ["", f"hazards demo: results in {db}", "", "Listings per site:"]
    for site, count in store.count_listings().items():
        lines.append(f"  {site:<20} {count:>6}")
    recalls = next(iter(store.db.query("SELECT count(*) AS n FROM recalls")))["n"]
    lines += [f"  {'(recall notices)':<20} {recalls:>6}", "", "Open flags per rule, most severe first:"]
    rows = sorted(store.flag_summary(), key=lambda r: (_SEVERITY_RANK.get(r["severity"], 9), -r["flags"]))
    width = max((len(r["rule_id"]) for r in rows), default=10)
    for row in rows:
        lines.append(f"  {row['severity']:<9} {row['rule_id']:<{width}} {row['flags']:>5}")
    runs = [r for r in store.list_runs(limit=20) if r["status"] not in ("ok", "running")]
    if runs:
        lines += ["", "Runs needing attention:"]
        lines += [f"  run {r['id']} {r['name']}: {r['status']}" for r in runs]
    lines += ["", f'Try these in sqlite3 (sqlite3 -cmd ".timeout 5000" {db}):']
    for title, sql in EXAMPLE_QUERIES:
        lines += [f"  -- {title}", f"  {sql}"]
    lines += [
        "",
        "Where to look next:",
        f"  hazards flags list --db {db} --severity critical      # triage, then: hazards flags show ID",
        f"  hazards report --db {db} --out report.html            # charts and tables for the whole run",
        f"  hazards serve --db {db}                               # browse it in Datasette",
    ]
    return "\n".join(lines)
