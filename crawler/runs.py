"""Crawl health: decide whether a finished run can be trusted.

A crawl that silently returned nothing must not look like a clean shop. A run is ``suspect`` when it
stored no items, when too many requests failed, when a product page yielded no data (the markup
changed), or when it stored far fewer items than the previous run of the same spider.
"""

from __future__ import annotations

from typing import Any

_INTERRUPTED = ("shutdown", "cancelled", "closespider_timeout")


def judge_run(summary: dict[str, Any], finish_reason: str, previous: dict[str, Any] | None,
              settings) -> tuple[str, list[str]]:
    """(status, reasons) for a finished crawl: ``ok``, ``suspect``, ``interrupted`` or ``failed``."""
    if finish_reason in _INTERRUPTED:
        return "interrupted", [f"finish reason {finish_reason}"]
    if finish_reason != "finished":
        return "failed", [f"finish reason {finish_reason}"]
    reasons = []
    # A resumed run only stores what the killed attempt had not: judge the job as a whole.
    items = summary.get("items", 0) + summary.get("resume_skipped", 0)
    if items == 0:
        reasons.append("stored no items")
    requests = max(summary.get("requests", 0), 1)
    # Only failures that stayed failures count: a 5xx or a reset that a retry recovered is not one.
    failures = (summary.get("retries_gave_up", 0) + sum(summary.get("failed", {}).values())
                + summary.get("spider_exceptions", 0))
    threshold = settings.getfloat("HAZARDS_SUSPECT_ERROR_RATE", 0.2)
    if failures / requests > threshold:
        reasons.append(f"{failures} of {requests} requests failed (more than {threshold:.0%})")
    no_data = summary.get("drops", {}).get("no_product_data", 0)
    if no_data:
        reasons.append(f"{no_data} product pages yielded no data (markup changed?)")
    if previous and previous.get("status") in ("ok", "suspect") and previous.get("items"):
        ratio = settings.getfloat("HAZARDS_SUSPECT_DROP_RATIO", 0.5)
        if items < previous["items"] * ratio:
            reasons.append(f"items fell from {previous['items']} (run {previous['id']}) to {items}")
    return ("suspect" if reasons else "ok"), reasons
