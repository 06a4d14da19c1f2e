"""Benchmark: the indexed recall matcher against brute-force rapidfuzz cdist over all pairs.

    .venv/bin/python bench/matching/run.py [--listings 100000] [--synthetic 50000] [--brute-sample 1000]

For each recall set (the real SafetyKorea recalls, and a synthetic set) it matches every listing
with RecallIndex and, in the same run, scores listing x recall pairs by brute force with
``process.cdist`` (the same title similarity the index applies to its candidates). Brute force
over 100,000 listings is hours of CPU, so it runs on a random sample of listings and its time is
scaled to all listings; the README says so. Each phase runs in a fresh process so its peak RSS
(``ru_maxrss``) is its own.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import random
import resource
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from rapidfuzz import fuzz, process  # noqa: E402

from crawler.items import Listing, RecallNotice  # noqa: E402
from crawler.normalize import spelling_key as title_key  # noqa: E402
from crawler.recalls.bundled import SAFETYKOREA_FILE  # noqa: E402
from crawler.recalls.importers import load_file  # noqa: E402
from crawler.recalls.index import DEFAULT_MIN_SCORE, RecallIndex, is_code_title, title_similarity  # noqa: E402

REAL = SAFETYKOREA_FILE
PREFIXES = ["[무료배송]", "[정품]", "2025 신상", "★특가★", "(국내배송)", "인기", "", ""]
SUFFIXES = ["어린이 선물", "유아 장난감", "키즈", "1+1", "당일출고", "kids toy", "", ""]


def real_recalls() -> list[RecallNotice]:
    return load_file(REAL, "safetykorea").notices


def synthetic_recalls(n: int, seed: int = 7) -> list[RecallNotice]:
    """Recalls whose titles recombine words of real recall titles, with random codes and brands."""
    rng = random.Random(seed)
    words = sorted({w for r in real_recalls() for w in r.title.split() if 1 < len(w) < 12})
    brands = sorted({r.brand for r in real_recalls() if r.brand})
    out = []
    for i in range(n):
        title = " ".join(rng.sample(words, rng.randint(2, 4)))
        model = f"{rng.choice('ABCDEFGHJK')}{rng.choice('LMNPRSTUVW')}-{rng.randint(100, 99999)}"
        out.append(RecallNotice(
            recall_id=f"synthetic:{i}", source="synthetic", title=title,
            brand=rng.choice(brands) if rng.random() < 0.4 else None,
            models=[model] if rng.random() < 0.5 else [],
        ))
    return out


def listings(recalls: list[RecallNotice], n: int, seed: int = 11) -> list[Listing]:
    """20 % relistings of recalls (reworded, respaced), 80 % titles recombined from recall words."""
    rng = random.Random(seed)
    words = sorted({w for r in recalls[:20000] for w in r.title.split() if 1 < len(w) < 12})
    out = []
    for i in range(n):
        if rng.random() < 0.2:
            base = rng.choice(recalls).title
            if rng.random() < 0.3:
                base = base.replace(" ", "")
            title = " ".join(p for p in (rng.choice(PREFIXES), base, rng.choice(SUFFIXES)) if p)
        else:
            title = " ".join(rng.sample(words, rng.randint(2, 6)))
        out.append(Listing(site="bench", listing_id=str(i), url=f"http://bench/{i}", title=title))
    return out


def _rss_now_kb() -> int:
    with open("/proc/self/statm") as fh:
        return int(fh.read().split()[1]) * resource.getpagesize() // 1024


def _phase(kind: str, recall_set: str, n_listings: int, n_synthetic: int, sample: int, queue) -> None:
    recalls = real_recalls() if recall_set == "real" else synthetic_recalls(n_synthetic)
    items = listings(recalls, n_listings)
    sample_ids = sorted(random.Random(3).sample(range(len(items)), min(sample, len(items))))
    base_kb = _rss_now_kb()
    start = time.perf_counter()
    if kind == "indexed":
        index = RecallIndex(recalls)
        built = time.perf_counter() - start
        found, candidates = {}, 0
        sample_set = set(sample_ids)
        for i, item in enumerate(items):
            if i in sample_set:
                by_id, by_title = index.candidates(item)
                candidates += len(by_id | by_title)
                found[i] = [(m.recall_id, m.score) for m in index.match(item, 0.0)]
            else:
                index.match(item, DEFAULT_MIN_SCORE)
        result = {"build_s": built, "sample_candidates": candidates, "sample_found": found}
    else:
        keys = [title_key(r.title) for r in recalls]
        key_len = np.asarray([len(k) for k in keys], dtype=np.float32)
        codes = np.asarray([is_code_title(r.title) for r in recalls], dtype=bool)
        pairs = []
        for chunk_start in range(0, len(sample_ids), 100):
            chunk = sample_ids[chunk_start:chunk_start + 100]
            queries = [title_key(items[i].title) for i in chunk]
            partial = process.cdist(queries, keys, scorer=fuzz.partial_ratio, processor=None, workers=-1,
                                    dtype=np.uint8)
            plain = process.cdist(queries, keys, scorer=fuzz.ratio, processor=None, workers=-1, dtype=np.uint8)
            qlen = np.asarray([len(q) for q in queries], dtype=np.float32)[:, None]
            score = title_similarity(key_len[None, :], qlen, partial, plain, codes[None, :])
            for row, col in zip(*np.nonzero(score >= DEFAULT_MIN_SCORE), strict=True):
                pairs.append((chunk[row], recalls[col].recall_id, float(score[row, col])))
        result = {"sample_pairs": pairs}
    result["seconds"] = time.perf_counter() - start
    result["peak_rss_mb"] = (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - base_kb) / 1024
    result["recalls"], result["listings"], result["sample"] = len(recalls), len(items), len(sample_ids)
    queue.put(result)


def run_phase(*args) -> dict:
    ctx = multiprocessing.get_context("spawn")
    queue = ctx.Queue()
    proc = ctx.Process(target=_phase, args=(*args, queue))
    proc.start()
    result = queue.get()
    proc.join()
    return result


def compare(indexed: dict, brute: dict) -> dict:
    """Share of brute-force title pairs (>= threshold) the index scored as candidates with the same title."""
    found = {i: {rid for rid, _ in hits} for i, hits in indexed["sample_found"].items()}
    pairs = brute["sample_pairs"]
    scale = indexed["listings"] / max(1, brute["sample"])
    shares = {}
    for floor in (DEFAULT_MIN_SCORE, 80.0, 90.0):
        above = [(i, rid) for i, rid, score in pairs if score >= floor]
        also = sum(rid in found.get(i, ()) for i, rid in above)
        shares[f"brute_pairs_title_ge_{floor:.0f}"] = len(above)
        shares[f"share_found_by_index_ge_{floor:.0f}"] = also / len(above) if above else 1.0
    return {
        **shares,
        "brute_seconds_sample": brute["seconds"],
        "brute_seconds_all_listings_est": brute["seconds"] * scale,
        "brute_peak_rss_mb": brute["peak_rss_mb"],
        "indexed_seconds_all_listings": indexed["seconds"],
        "indexed_build_seconds": indexed["build_s"],
        "indexed_peak_rss_mb": indexed["peak_rss_mb"],
        "speedup": brute["seconds"] * scale / indexed["seconds"],
        "mean_candidates_per_listing": indexed["sample_candidates"] / max(1, indexed["sample"]),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--listings", type=int, default=100_000)
    parser.add_argument("--synthetic", type=int, default=50_000)
    parser.add_argument("--brute-sample", type=int, default=1000)
    args = parser.parse_args()
    report = {}
    for recall_set in ("real", "synthetic"):
        phases = {kind: run_phase(kind, recall_set, args.listings, args.synthetic, args.brute_sample)
                  for kind in ("indexed", "brute")}
        report[recall_set] = {"recalls": phases["indexed"]["recalls"], "listings": args.listings,
                              "brute_sample": phases["brute"]["sample"],
                              **compare(phases["indexed"], phases["brute"])}
        print(recall_set, json.dumps(report[recall_set], indent=1), flush=True)
    out = Path(__file__).with_name("results.json")
    out.write_text(json.dumps(report, indent=1) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
