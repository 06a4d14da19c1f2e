"""Re-run detection over stored listings when rules or recalls change, without crawling again.

:func:`plan` compares what the rules find now with the open flags in the database and reports,
per rule, the flags a rescan would add and the ones it would clear (a dry run writes nothing).
:func:`apply` records the hits through the store, stamping each flag with its rule version;
flags that no longer match become ``cleared`` (kept, never deleted).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from crawler.detect.engine import Detector

FlagKey = tuple[str, str, str, str]  # site, listing_id, rule_id, recall_id

BATCH = 500


@dataclass
class RuleChange:
    """What a rescan would do to one rule's flags."""

    added: list[FlagKey] = field(default_factory=list)
    cleared: list[FlagKey] = field(default_factory=list)
    kept: list[FlagKey] = field(default_factory=list)


@dataclass
class Plan:
    """The outcome of a dry run: per-rule changes, and how many listings and hits were seen."""

    listings: int = 0
    hits: int = 0
    rules: dict[str, RuleChange] = field(default_factory=dict)
    titles: dict[tuple[str, str], str] = field(default_factory=dict)

    def change(self, rule_id: str) -> RuleChange:
        return self.rules.setdefault(rule_id, RuleChange())


def _results(store: Any, detector: Detector, site: str | None, rule_ids: set[str]) -> Iterable[tuple]:
    for listing in store.iter_listings(site):
        hits = [h for h in detector.detect(listing) if h.rule_id in rule_ids]
        yield listing, hits


def plan(store: Any, detector: Detector, rule_ids: Iterable[str] | None = None, site: str | None = None) -> Plan:
    """Dry run: the flags a rescan would add, clear, or leave to reviewers, per rule. Writes nothing."""
    wanted = set(rule_ids) if rule_ids is not None else set(detector.ruleset.ids)
    open_keys = {k for k in store.open_flag_keys(wanted) if site is None or k[0] == site}
    clearable = {
        (r["site"], r["listing_id"], r["rule_id"], r["recall_id"])
        for r in store.list_flags(status=["new"], site=site)
        if r["rule_id"] in wanted
    }
    result = Plan()
    found: set[FlagKey] = set()
    for listing, hits in _results(store, detector, site, wanted):
        result.listings += 1
        result.hits += len(hits)
        for hit in hits:
            key = (listing.site, listing.listing_id, hit.rule_id, hit.recall_id or "")
            found.add(key)
            if key not in open_keys:
                result.change(hit.rule_id).added.append(key)
                result.titles[key[:2]] = listing.title
    for key in sorted(open_keys - found):
        change = result.change(key[2])
        (change.cleared if key in clearable else change.kept).append(key)
    return result


def apply(
    store: Any,
    detector: Detector,
    rule_ids: Iterable[str] | None = None,
    site: str | None = None,
    args: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """Real rescan: sync every listing's hits into flags inside a ``rescan`` run; returns the counts."""
    wanted = sorted(set(rule_ids) if rule_ids is not None else set(detector.ruleset.ids))
    run_id = store.start_run("rescan", site, {**(args or {}), "rules": detector.ruleset.versions()})
    counts: dict[str, Any] = {"items": 0, "flags": 0, "new": 0, "updated": 0, "reopened": 0, "cleared": 0}
    batch: list[tuple[str, str, list]] = []

    def flush() -> None:
        for name, value in store.sync_flags_many(batch, run_id, wanted).items():
            counts[name] = counts.get(name, 0) + value
        batch.clear()

    try:
        for listing, hits in _results(store, detector, site, set(wanted)):
            counts["items"] += 1
            counts["flags"] += len(hits)
            batch.append((listing.site, listing.listing_id, hits))
            if len(batch) >= BATCH:
                flush()
        if batch:
            flush()
    except BaseException:
        store.finish_run(run_id, "failed", counts)
        raise
    store.finish_run(run_id, "ok", counts)
    counts["run_id"] = run_id
    return counts
