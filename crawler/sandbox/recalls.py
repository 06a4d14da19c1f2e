"""Real SafetyKorea recall records for the recalls_kr portal (a bundled snapshot of the real export)."""

from __future__ import annotations

import json
from pathlib import Path

from crawler.recalls.bundled import SAFETYKOREA_FILE

SNAPSHOT_PATH = Path(__file__).with_name("recalls_kr.jsonl")
#: The full real export the snapshot was selected from (bundled with the recall importers).
REALDATA_PATH = SAFETYKOREA_FILE


def load_recalls(path: str | Path | None = None) -> list[dict]:
    """Read recall records (JSON Lines, SafetyKorea Open API field names); default: the bundled snapshot."""
    with open(path or SNAPSHOT_PATH, encoding="utf-8") as fh:
        return [json.loads(line) for line in fh if line.strip()]


def newest_first(records: list[dict]) -> list[dict]:
    """Sort recall records the way the portal lists them: newest publishDate first, then highest uid."""
    return sorted(records, key=lambda r: (r.get("publishDate") or "", r["recallUid"]), reverse=True)


def select_recalls(records: list[dict], catalog: list[dict], recent: int = 300) -> list[dict]:
    """The portal's default set: the `recent` newest children's-product recalls plus every recall a catalog
    entry references (recall_id 'safetykorea:<uid>'), newest first."""
    wanted = {
        int(e["recall_id"].split(":", 1)[1]) for e in catalog if str(e.get("recall_id", "")).startswith("safetykorea:")
    }
    children = [r for r in newest_first(records) if (r.get("categoryName") or "").startswith("어린이")]
    keep = {r["recallUid"] for r in children[:recent]} | wanted
    return newest_first([r for r in records if r["recallUid"] in keep])


def write_snapshot(records: list[dict], path: str | Path = SNAPSHOT_PATH) -> None:
    """Write records verbatim as JSON Lines (UTF-8)."""
    with open(path, "w", encoding="utf-8") as fh:
        for r in records:
            fh.write(json.dumps(r, ensure_ascii=False) + "\n")
