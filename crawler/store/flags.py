"""Flags and their audit trail: the only SQL that creates, refreshes and clears flags."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any, Protocol

from crawler.store._util import dumps, now

#: Flags a rule change may clear. Reviewed flags (confirmed, reported …) are left to the reviewer.
CLEARABLE = ("new",)
SYSTEM = "hazards"


class HitLike(Protocol):
    """What the store needs of a detection hit (crawler.detect.Hit)."""

    rule_id: str
    recall_id: str
    score: float
    evidence: dict
    severity: str
    hazard: str
    rule_version: str


class FlagsMixin:
    """Keeps `flags` in step with detection results, writing every status change to `flag_events`."""

    def sync_flags(
        self, site: str, listing_id: str, hits: Sequence[HitLike], run_id: int | None = None,
        rule_ids: Iterable[str] | None = None,
    ) -> dict[str, int]:
        """Record one listing's hits; see :meth:`sync_flags_many`."""
        return self.sync_flags_many([(site, listing_id, hits)], run_id, rule_ids)

    def sync_flags_many(
        self, results: Iterable[tuple[str, str, Sequence[HitLike]]], run_id: int | None = None,
        rule_ids: Iterable[str] | None = None,
    ) -> dict[str, int]:
        """Record the hits of many listings in one transaction.

        New hits become flags with status ``new``; existing ones get fresh evidence and last_seen; a
        ``cleared`` flag that matches again is reopened. A ``new`` flag of one of ``rule_ids`` (all
        rules when None) that no longer matches becomes ``cleared`` — kept, never deleted.
        """
        counts = {"new": 0, "updated": 0, "reopened": 0, "cleared": 0}
        evaluated = set(rule_ids) if rule_ids is not None else None
        seen_at = now()
        with self.db.atomic():
            for site, listing_id, hits in results:
                existing = {
                    (row["rule_id"], row["recall_id"]): row
                    for row in self.db.query(
                        "SELECT id, rule_id, recall_id, status FROM flags WHERE site = ? AND listing_id = ?",
                        [site, listing_id],
                    )
                }
                matched = set()
                for hit in hits:
                    key = (hit.rule_id, hit.recall_id or "")
                    matched.add(key)
                    row = existing.get(key)
                    values = [hit.score, dumps(hit.evidence), hit.severity, hit.hazard, hit.rule_version,
                              seen_at, run_id]
                    if row is None:
                        cursor = self.db.execute(
                            "INSERT INTO flags (site, listing_id, rule_id, recall_id, score, evidence, severity,"
                            " hazard, rule_version, last_seen, run_id, first_flagged, status, status_changed_at)"
                            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'new', ?)",
                            [site, listing_id, *key, *values, seen_at, seen_at],
                        )
                        self._event(cursor.lastrowid, None, "new", f"matched rule {hit.rule_id}", seen_at)
                        self.link_relisting(cursor.lastrowid, seen_at)
                        counts["new"] += 1
                        continue
                    self.db.execute(
                        "UPDATE flags SET score = ?, evidence = ?, severity = ?, hazard = ?, rule_version = ?,"
                        " last_seen = ?, run_id = ? WHERE id = ?",
                        [*values, row["id"]],
                    )
                    if row["status"] == "cleared":
                        self._set_status(row["id"], "cleared", "new", "matches again", seen_at)
                        counts["reopened"] += 1
                    else:
                        counts["updated"] += 1
                for key, row in existing.items():
                    if key in matched or row["status"] not in CLEARABLE:
                        continue
                    if evaluated is not None and key[0] not in evaluated:
                        continue
                    self._set_status(row["id"], row["status"], "cleared", "no longer matches", seen_at)
                    counts["cleared"] += 1
        return counts

    def _set_status(self, flag_id: int, old: str | None, new: str, note: str, at: str, by: str = SYSTEM,
                    **columns: Any) -> None:
        assignments = ", ".join(f"{name} = ?" for name in columns)
        self.db.execute(
            "UPDATE flags SET status = ?, status_changed_at = ?" + (", " + assignments if columns else "")
            + " WHERE id = ?",
            [new, at, *columns.values(), flag_id],
        )
        self._event(flag_id, old, new, note, at, by)

    def _event(self, flag_id: int, old: str | None, new: str, note: str, at: str, by: str = SYSTEM) -> None:
        self.db.execute(
            "INSERT INTO flag_events (flag_id, at, by, from_status, to_status, note) VALUES (?, ?, ?, ?, ?, ?)",
            [flag_id, at, by, old, new, note],
        )

    def open_flag_keys(self, rule_ids: Iterable[str] | None = None) -> set[tuple[str, str, str, str]]:
        """(site, listing_id, rule_id, recall_id) of every flag that is not cleared or dismissed."""
        rows = self.db.query(
            "SELECT site, listing_id, rule_id, recall_id FROM flags WHERE status NOT IN ('cleared', 'dismissed')"
        )
        wanted = set(rule_ids) if rule_ids is not None else None
        return {
            (r["site"], r["listing_id"], r["rule_id"], r["recall_id"])
            for r in rows
            if wanted is None or r["rule_id"] in wanted
        }

    def listing_flags(self, site: str, listing_id: str) -> list[dict[str, Any]]:
        """Every flag of one listing, cleared and dismissed ones included."""
        return list(self.db.query(
            "SELECT id, status, severity, hazard, rule_id, recall_id, score, first_flagged, last_seen FROM flags"
            " WHERE site = ? AND listing_id = ? ORDER BY id", [site, listing_id]))

    def flag_summary(self) -> list[dict[str, Any]]:
        """Open flags per rule and severity."""
        return list(
            self.db.query(
                "SELECT rule_id, severity, count(*) AS flags FROM flags WHERE status NOT IN ('cleared', 'dismissed')"
                " GROUP BY rule_id, severity ORDER BY flags DESC, rule_id"
            )
        )

    def list_flags(self, status: Iterable[str] | None = None, site: str | None = None,
                   severity: str | None = None, hazard: str | None = None, rule_id: str | None = None,
                   since: str | None = None, text: str | None = None, limit: int | None = None) -> list[dict]:
        """Flags joined to their listing, filtered; every filter is a bound parameter."""
        where, params = flag_filters(status, site, severity, hazard, rule_id, since, text)
        sql = (
            "SELECT f.id, f.status, f.severity, f.hazard, f.rule_id, f.recall_id, f.score, f.site, f.listing_id,"
            " l.title, l.url, l.seller, l.price_krw, l.kc_cert, f.evidence, f.first_flagged, f.last_seen"
            " FROM flags f JOIN listings l ON l.site = f.site AND l.listing_id = f.listing_id"
        )
        if where:
            sql += " WHERE " + " AND ".join(where)
        sql += " ORDER BY f.id"
        if limit:
            sql += " LIMIT ?"
            params.append(limit)
        return list(self.db.query(sql, params))


def flag_filters(status: Iterable[str] | None = None, site: str | None = None, severity: str | None = None,
                 hazard: str | None = None, rule_id: str | None = None, since: str | None = None,
                 text: str | None = None, open_only: bool = False) -> tuple[list[str], list[Any]]:
    """WHERE clauses and their bound parameters for the reviewer's flag filters (``f`` flags, ``l`` listings).

    Without statuses and with ``open_only``, flags a reviewer dismissed or a rescan cleared are left out.
    """
    where: list[str] = []
    params: list[Any] = []
    statuses = list(status or [])
    if statuses:
        where.append(f"f.status IN ({', '.join('?' * len(statuses))})")
        params += statuses
    elif open_only:
        where.append("f.status NOT IN ('cleared', 'dismissed')")
    for column, value in (("f.site", site), ("f.severity", severity), ("f.hazard", hazard), ("f.rule_id", rule_id)):
        if value:
            where.append(f"{column} = ?")
            params.append(value)
    if since:
        where.append("f.first_flagged >= ?")
        params.append(since)
    if text:
        where.append(_text_condition(text))
        params.append(text)
    return where, params


def _text_condition(text: str) -> str:
    """Title and description search: the trigram index for 3+ characters, instr() for shorter words (유아)."""
    if len(text.strip()) >= 3:
        return ("l.rowid IN (SELECT rowid FROM listings_fts WHERE listings_fts MATCH"
                " '\"' || replace(trim(?), '\"', '\"\"') || '\"')")
    return "instr(lower(l.title || ' ' || coalesce(l.description, '')), lower(trim(?))) > 0"
