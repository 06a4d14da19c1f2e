"""Listings and their history: the only SQL that writes `listings` and `listing_versions`."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

from crawler.items import TRACKED_FIELDS, Listing
from crawler.store._util import dumps, loads, now

_JSON_COLUMNS = ("specs", "options", "notices")


def _row(listing: Listing) -> dict[str, Any]:
    row = listing.model_dump(mode="json")
    content_hash = listing.content_hash(row)
    for column in _JSON_COLUMNS:
        row[column] = dumps(row[column])
    if row["purchase_agent"] is not None:
        row["purchase_agent"] = int(row["purchase_agent"])
    row["content_hash"] = content_hash
    return row


def listing_from_row(row: dict[str, Any]) -> Listing:
    """Rebuild a Listing from a `listings` row (for rescans and follow-ups)."""
    fields = {name: row.get(name) for name in Listing.model_fields}
    for column in _JSON_COLUMNS:
        fields[column] = loads(row.get(column), {} if column == "specs" else [])
    if fields["purchase_agent"] is not None:
        fields["purchase_agent"] = bool(fields["purchase_agent"])
    return Listing(**fields)


class ListingsMixin:
    """Upserts listings in batches, keeping first_seen and recording what changed."""

    def upsert_listings(self, listings: Iterable[Listing], run_id: int | None = None) -> dict[str, int]:
        """Store a batch of listings in one transaction.

        A listing seen before keeps its ``first_seen``; a changed one gets a ``listing_versions`` row
        naming the fields that changed. Returns counts of new, updated and unchanged listings.
        """
        rows = {(item.site, item.listing_id): _row(item) for item in listings}
        counts = {"new": 0, "updated": 0, "unchanged": 0}
        if not rows:
            return counts
        seen_at = now()
        with self.db.atomic():
            existing = self._existing(rows.keys())
            inserts, updates, versions = [], [], []
            for pk, row in rows.items():
                row["last_seen"] = seen_at
                row["last_run_id"] = run_id
                old = existing.get(pk)
                if old is None:
                    row["first_seen"] = seen_at
                    inserts.append(row)
                    counts["new"] += 1
                    continue
                row["first_seen"] = old["first_seen"]
                updates.append(row)
                if old["content_hash"] == row["content_hash"]:
                    counts["unchanged"] += 1
                    continue
                counts["updated"] += 1
                changes = {f: [old[f], row[f]] for f in TRACKED_FIELDS if old[f] != row[f]}
                if changes:
                    versions.append(
                        {"site": pk[0], "listing_id": pk[1], "run_id": run_id, "seen_at": seen_at,
                         "changes": dumps(changes)}
                    )
            written = inserts + updates
            columns = list(written[0])
            # One prepared upsert for the batch: sqlite-utils' insert_all/upsert_all rebuild the SQL per
            # chunk and cost more than the rest of storing (BASELINES: 17-38k vs 100k+ rows/s).
            self.db.conn.executemany(
                f"INSERT INTO listings ({', '.join(columns)}) VALUES ({', '.join('?' * len(columns))})"
                " ON CONFLICT (site, listing_id) DO UPDATE SET "
                + ", ".join(f"{c} = excluded.{c}" for c in columns if c not in ("site", "listing_id")),
                [[row[c] for c in columns] for row in written],
            )
            if versions:
                self.db.conn.executemany(
                    "INSERT INTO listing_versions (site, listing_id, run_id, seen_at, changes) VALUES (?, ?, ?, ?, ?)",
                    [[v["site"], v["listing_id"], v["run_id"], v["seen_at"], v["changes"]] for v in versions],
                )
        return counts

    def _existing(self, keys: Iterable[tuple[str, str]]) -> dict[tuple[str, str], dict[str, Any]]:
        by_site: dict[str, list[str]] = {}
        for site, listing_id in keys:
            by_site.setdefault(site, []).append(listing_id)
        columns = ", ".join(("site", "listing_id", "first_seen", "content_hash", *TRACKED_FIELDS))
        found: dict[tuple[str, str], dict[str, Any]] = {}
        for site, ids in by_site.items():
            for start in range(0, len(ids), 500):
                chunk = ids[start : start + 500]
                marks = ", ".join("?" * len(chunk))
                sql = f"SELECT {columns} FROM listings WHERE site = ? AND listing_id IN ({marks})"
                for row in self.db.query(sql, [site, *chunk]):
                    found[(row["site"], row["listing_id"])] = row
        return found

    def mark_listing_status(self, site: str, listing_id: str, status: str, run_id: int | None = None) -> None:
        """Set a stored listing's status (live / removed / blocked), recording the change."""
        row = self.get_listing_row(site, listing_id)
        if row is None or row["status"] == status:
            return
        seen_at = now()
        with self.db.atomic():
            self.db.execute(
                "UPDATE listings SET status = ?, last_seen = ? WHERE site = ? AND listing_id = ?",
                [status, seen_at, site, listing_id],
            )
            self.db["listing_versions"].insert(
                {"site": site, "listing_id": listing_id, "run_id": run_id, "seen_at": seen_at,
                 "changes": dumps({"status": [row["status"], status]})}
            )

    def get_listing_row(self, site: str, listing_id: str) -> dict[str, Any] | None:
        """The stored row of one listing, or None."""
        rows = list(self.db.query("SELECT * FROM listings WHERE site = ? AND listing_id = ?", [site, listing_id]))
        return rows[0] if rows else None

    def listing_history(self, site: str, listing_id: str) -> list[dict[str, Any]]:
        """What changed in a listing between crawls, oldest first: run id, time and {field: [old, new]}."""
        rows = self.db.query(
            "SELECT run_id, seen_at, changes FROM listing_versions WHERE site = ? AND listing_id = ? ORDER BY id",
            [site, listing_id],
        )
        return [{**row, "changes": loads(row["changes"], {})} for row in rows]

    def get_listing(self, site: str, listing_id: str) -> Listing | None:
        """One stored listing as a Listing, or None."""
        row = self.get_listing_row(site, listing_id)
        return listing_from_row(row) if row else None

    def iter_listings(self, site: str | None = None) -> Iterator[Listing]:
        """Every stored listing (of one site, if given), in primary-key order."""
        sql, params = "SELECT * FROM listings", []
        if site:
            sql, params = sql + " WHERE site = ?", [site]
        for row in self.db.query(sql + " ORDER BY site, listing_id", params):
            yield listing_from_row(row)

    def count_listings(self) -> dict[str, int]:
        """Listings per site."""
        sql = "SELECT site, count(*) AS n FROM listings GROUP BY site ORDER BY site"
        return {row["site"]: row["n"] for row in self.db.query(sql)}
