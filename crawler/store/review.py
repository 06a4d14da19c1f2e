"""The reviewer's side of flags: lifecycle with an audit trail, takedown checks, relisting links, exports.

Every status change goes through :meth:`ReviewMixin.set_flag_status` (or the follow-up and relisting
paths here), which writes a ``flag_events`` row: when, who, from, to, note. The compliance views
(``takedowns``, ``overdue_takedowns``, ``platform_compliance``) are defined in store/schema.py.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from crawler.store._util import loads, now
from crawler.store.flags import flag_filters

#: status -> statuses a reviewer may move a flag to. ``cleared`` is set by rescans, ``relisted`` and
#: ``removed`` also by the follow-up; a reviewer may set them too (with a note saying why).
TRANSITIONS: dict[str, tuple[str, ...]] = {
    "new": ("confirmed", "dismissed"),
    "confirmed": ("reported", "dismissed"),
    "dismissed": ("new", "confirmed"),
    "reported": ("removed", "relisted", "confirmed"),
    "removed": ("relisted", "reported"),
    "relisted": ("reported", "removed", "dismissed"),
    "cleared": ("new", "confirmed", "dismissed"),
}
STATUSES = tuple(TRANSITIONS)
OUTCOMES = ("live", "removed", "blocked", "unreachable")
#: Flag statuses whose listing a relisting may be linked to.
RELIST_SOURCES = ("removed", "reported")
FOLLOWUP = "followup"

EXPORT_COLUMNS = (
    "flag_id", "status", "severity", "hazard", "rule_id", "site", "listing_id", "url", "title", "seller", "brand",
    "model", "gtin", "kc_cert", "price_krw", "recall_id", "recall_title", "recall_hazard", "recall_url",
    "recall_published", "evidence", "first_flagged", "reported_at", "last_check_outcome", "last_checked_at",
    "screenshot_path",
)


class FlagNotFound(LookupError):
    """No flag has this id."""


class IllegalTransition(ValueError):
    """A status change the lifecycle does not allow; the message names the allowed ones."""


class ReviewMixin:
    """Flag lifecycle, takedown checks, relisting links and the queries behind flags show/export."""

    # --- lifecycle ----------------------------------------------------------------------------------

    def get_flag_row(self, flag_id: int) -> dict[str, Any]:
        """The raw `flags` row, or FlagNotFound."""
        rows = list(self.db.query("SELECT * FROM flags WHERE id = ?", [flag_id]))
        if not rows:
            raise FlagNotFound(f"no flag with id {flag_id}; see `hazards flags list` for ids")
        return rows[0]

    def set_flag_status(self, flag_id: int, status: str, by: str, note: str = "", at: str | None = None) -> dict:
        """Move a flag along its lifecycle and record who did it and why; returns the updated row.

        Raises FlagNotFound for an unknown id and IllegalTransition (naming the allowed statuses) for a
        change the lifecycle forbids. ``removed`` stamps ``removed_at``.
        """
        if status not in TRANSITIONS:
            raise IllegalTransition(f"unknown status {status!r}; use one of: {', '.join(STATUSES)}")
        if not by or not by.strip():
            raise ValueError("say who made the change (--by NAME)")
        row = self.get_flag_row(flag_id)
        old = row["status"]
        allowed = TRANSITIONS.get(old, ())
        if status not in allowed:
            raise IllegalTransition(
                f"flag {flag_id} is {old}; it can move to {', '.join(allowed) or 'nothing'}, not {status}"
            )
        at = at or now()
        columns = {"removed_at": at} if status == "removed" else {}
        with self.db.atomic():
            self._set_status(flag_id, old, status, note, at, by.strip(), **columns)
        return self.get_flag_row(flag_id)

    def flag_history(self, flag_id: int) -> list[dict[str, Any]]:
        """Every status change of a flag, oldest first."""
        return list(self.db.query(
            "SELECT at, by, from_status, to_status, note FROM flag_events WHERE flag_id = ? ORDER BY id", [flag_id]
        ))

    def flag_detail(self, flag_id: int) -> dict[str, Any]:
        """A flag with its listing, evidence, recall notice, history, takedown checks and relisting links."""
        flag = self.get_flag_row(flag_id)
        flag["evidence"] = loads(flag["evidence"], {})
        listing = self.get_listing_row(flag["site"], flag["listing_id"])
        recall = None
        if flag["recall_id"]:
            rows = list(self.db.query(
                "SELECT recall_id, source, title, brand, model, hazard, country, published, url FROM recalls"
                " WHERE recall_id = ?", [flag["recall_id"]]))
            recall = rows[0] if rows else {"recall_id": flag["recall_id"]}
        checks = list(self.db.query(
            "SELECT checked_at, outcome, http_status, reason, url, final_url, screenshot_path, run_id"
            " FROM takedown_checks WHERE flag_id = ? ORDER BY id", [flag_id]))
        relisted_as = [r["id"] for r in self.db.query("SELECT id FROM flags WHERE relisted_from = ?", [flag_id])]
        return {"flag": flag, "listing": listing, "recall": recall, "history": self.flag_history(flag_id),
                "takedown_checks": checks, "relisted_as": relisted_as}

    # --- relisting ----------------------------------------------------------------------------------

    def link_relisting(self, flag_id: int, at: str | None = None) -> int | None:
        """Mark a NEW flag ``relisted`` when its product was already reported or removed on the same site.

        The same product is a flag on another listing of the same site, reported or removed, with the
        same non-empty recall id, or (same rule) the same GTIN, KC number, or brand + model. Returns the
        old flag id when linked. Called for every new flag during a crawl, so every lookup is indexed and
        a site with nothing reported costs one probe.
        """
        row = next(iter(self.db.query(
            "SELECT f.site, f.listing_id, f.rule_id, f.recall_id, l.gtin, l.kc_cert, l.brand, l.model"
            " FROM flags f LEFT JOIN listings l ON l.site = f.site AND l.listing_id = f.listing_id"
            " WHERE f.id = ? AND f.status = 'new'", [flag_id])), None)
        if row is None:
            return None
        site, listing_id = row["site"], row["listing_id"]
        probe = "SELECT 1 FROM flags WHERE site = ? AND status IN ('removed', 'reported') LIMIT 1"
        if not list(self.db.query(probe, [site])):
            return None
        lookups: list[tuple[str, str, list[Any]]] = []
        if row["recall_id"]:
            lookups.append(("recall " + row["recall_id"],
                            "SELECT id, listing_id, status FROM flags WHERE recall_id = ? AND site = ?"
                            " AND listing_id != ? AND status IN ('removed', 'reported') ORDER BY id DESC LIMIT 1",
                            [row["recall_id"], site, listing_id]))
        joined = ("SELECT f.id, f.listing_id, f.status FROM listings l JOIN flags f"
                  " ON f.site = l.site AND f.listing_id = l.listing_id WHERE {cond} AND l.site = ?"
                  " AND l.listing_id != ? AND f.rule_id = ? AND f.status IN ('removed', 'reported')"
                  " ORDER BY f.id DESC LIMIT 1")
        rest = [site, listing_id, row["rule_id"]]
        if row["gtin"]:
            lookups.append(("GTIN " + row["gtin"], joined.format(cond="l.gtin = ?"), [row["gtin"], *rest]))
        if row["kc_cert"]:
            lookups.append(("KC " + row["kc_cert"], joined.format(cond="l.kc_cert = ?"), [row["kc_cert"], *rest]))
        if row["brand"] and row["model"]:
            lookups.append((f"brand+model {row['brand']} {row['model']}",
                            joined.format(cond="l.brand = ? AND l.model = ?"), [row["brand"], row["model"], *rest]))
        for what, sql, params in lookups:
            old = next(iter(self.db.query(sql, params)), None)
            if old is None:
                continue
            note = f"same {what} as flag {old['id']} (listing {old['listing_id']}, {old['status']})"
            self._set_status(flag_id, "new", "relisted", note, at or now(), FOLLOWUP, relisted_from=old["id"])
            return old["id"]
        return None

    # --- takedown checks ----------------------------------------------------------------------------

    def followup_targets(self, site: str | None = None, statuses: Sequence[str] = ("reported",)) -> list[dict]:
        """One target per listing with a flag in ``statuses``: site, listing_id, url, flag_ids."""
        where = [f"f.status IN ({', '.join('?' * len(statuses))})"]
        params: list[Any] = list(statuses)
        if site:
            where.append("f.site = ?")
            params.append(site)
        rows = self.db.query(
            "SELECT f.site, f.listing_id, l.url, group_concat(f.id) AS flag_ids FROM flags f"
            " JOIN listings l ON l.site = f.site AND l.listing_id = f.listing_id"
            f" WHERE {' AND '.join(where)} GROUP BY f.site, f.listing_id ORDER BY f.site, f.listing_id", params)
        return [{**r, "flag_ids": sorted(int(i) for i in r["flag_ids"].split(","))} for r in rows]

    def record_takedown_check(self, flag_ids: Iterable[int], site: str, listing_id: str, url: str, outcome: str,
                              http_status: int | None = None, reason: str = "", final_url: str | None = None,
                              screenshot_path: str | None = None, run_id: int | None = None,
                              checked_at: str | None = None) -> dict[str, int]:
        """Record one follow-up check for each flag of a listing; a removed listing's reported flags
        become ``removed`` (removed_at = the check time). Returns counts of checks and flags removed."""
        if outcome not in OUTCOMES:
            raise ValueError(f"unknown outcome {outcome!r}; use one of: {', '.join(OUTCOMES)}")
        at = checked_at or now()
        counts = {"checks": 0, "removed": 0}
        with self.db.atomic():
            for flag_id in flag_ids:
                self.db.execute(
                    "INSERT INTO takedown_checks (flag_id, site, listing_id, url, checked_at, outcome, http_status,"
                    " reason, run_id, final_url, screenshot_path) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    [flag_id, site, listing_id, url, at, outcome, http_status, reason, run_id, final_url,
                     screenshot_path])
                counts["checks"] += 1
                status = next(iter(self.db.query("SELECT status FROM flags WHERE id = ?", [flag_id])), {}).get("status")
                if outcome == "removed" and status == "reported":
                    self._set_status(flag_id, status, "removed", f"follow-up: {reason or 'removed'}", at, FOLLOWUP,
                                     removed_at=at)
                    counts["removed"] += 1
            if outcome == "removed":
                self.mark_listing_status(site, listing_id, "removed", run_id)
        return counts

    # --- reviewer queries ---------------------------------------------------------------------------

    def set_takedown_working_days(self, days: int) -> None:
        """The N of "removed within N working days" that the compliance views use."""
        if days < 1:
            raise ValueError("the takedown deadline must be at least 1 working day")
        self.db.execute("INSERT OR REPLACE INTO review_settings (name, value) VALUES ('takedown_working_days', ?)",
                        [str(days)])

    def export_flags(self, status: Iterable[str] | None = None, site: str | None = None,
                     severity: str | None = None, hazard: str | None = None, rule_id: str | None = None,
                     since: str | None = None, text: str | None = None) -> list[dict[str, Any]]:
        """The evidence pack: one row per flag with listing, recall notice, report time, last check and
        the latest screenshot. Without ``status``, every flag a reviewer has not dismissed or a rescan cleared."""
        where, params = flag_filters(status, site, severity, hazard, rule_id, since, text, open_only=True)
        sql = (
            "SELECT f.id AS flag_id, f.status, f.severity, f.hazard, f.rule_id, f.site, f.listing_id, l.url, l.title,"
            " l.seller, l.brand, l.model, l.gtin, l.kc_cert, l.price_krw, f.recall_id, r.title AS recall_title,"
            " r.hazard AS recall_hazard, r.url AS recall_url, r.published AS recall_published, f.evidence,"
            " f.first_flagged,"
            " (SELECT max(at) FROM flag_events e WHERE e.flag_id = f.id AND e.to_status = 'reported') AS reported_at,"
            " (SELECT outcome FROM takedown_checks c WHERE c.flag_id = f.id ORDER BY c.id DESC LIMIT 1)"
            " AS last_check_outcome,"
            " (SELECT max(checked_at) FROM takedown_checks c WHERE c.flag_id = f.id) AS last_checked_at,"
            " (SELECT screenshot_path FROM takedown_checks c WHERE c.flag_id = f.id AND c.screenshot_path IS NOT NULL"
            "  ORDER BY c.id DESC LIMIT 1) AS screenshot_path"
            " FROM flags f JOIN listings l ON l.site = f.site AND l.listing_id = f.listing_id"
            " LEFT JOIN recalls r ON r.recall_id = f.recall_id AND f.recall_id != ''"
            " WHERE " + " AND ".join(where) + " ORDER BY f.id"
        )
        return list(self.db.query(sql, params))

    def search_listings(self, text: str, site: str | None = None, limit: int = 50) -> list[dict[str, Any]]:
        """Listings whose title or description contains ``text`` (Korean substrings included).

        Three characters or more use the trigram full-text index; shorter terms (유아) fall back to instr().
        """
        params: list[Any] = []
        if len(text.strip()) >= 3:
            sql = ("SELECT l.site, l.listing_id, l.title, l.url, l.status FROM listings_fts"
                   " JOIN listings l ON l.rowid = listings_fts.rowid WHERE listings_fts MATCH ?")
            params.append('"' + text.strip().replace('"', '""') + '"')
        else:
            sql = ("SELECT l.site, l.listing_id, l.title, l.url, l.status FROM listings l"
                   " WHERE (instr(l.title, ?) > 0 OR instr(coalesce(l.description, ''), ?) > 0)")
            params += [text.strip(), text.strip()]
        if site:
            sql += " AND l.site = ?"
            params.append(site)
        sql += " ORDER BY l.site, l.listing_id LIMIT ?"
        params.append(limit)
        return list(self.db.query(sql, params))

    def takedown_working_days(self) -> int:
        """The N of "removed within N working days" the compliance views use now."""
        row = next(iter(self.db.query("SELECT value FROM review_settings WHERE name = 'takedown_working_days'")),
                   {"value": 2})
        return int(row["value"])

    def open_flags_by_site_hazard(self) -> list[dict[str, Any]]:
        """Open (not cleared or dismissed) flags counted per site and hazard (``?`` for none)."""
        return list(self.db.query(
            "SELECT site, coalesce(hazard, '?') AS hazard, count(*) AS n FROM flags"
            " WHERE status NOT IN ('cleared', 'dismissed') GROUP BY site, hazard ORDER BY site, hazard"))

    def flag_status_counts(self) -> dict[str, int]:
        """Flags per status."""
        return {r["status"]: r["n"] for r in self.db.query("SELECT status, count(*) AS n FROM flags GROUP BY status")}

    def removal_hours(self) -> list[float]:
        """Hours from report to removal of every removed takedown."""
        return [r["hours_to_removal"] for r in self.db.query(
            "SELECT hours_to_removal FROM takedowns WHERE hours_to_removal IS NOT NULL")]

    def open_flags(self, limit: int) -> list[dict[str, Any]]:
        """Rows of the open_flags view (most severe first), at most ``limit``."""
        return list(self.db.query("SELECT * FROM open_flags LIMIT ?", [limit]))

    def compliance(self) -> list[dict[str, Any]]:
        """Rows of the platform_compliance view."""
        return list(self.db.query("SELECT * FROM platform_compliance"))

    def overdue(self) -> list[dict[str, Any]]:
        """Rows of the overdue_takedowns view."""
        return list(self.db.query("SELECT * FROM overdue_takedowns"))

    def takedowns(self) -> list[dict[str, Any]]:
        """Rows of the takedowns view (every flag ever reported, with its deadline and outcome)."""
        return list(self.db.query("SELECT * FROM takedowns ORDER BY reported_at"))

