"""Runs (crawls, imports, rescans, follow-ups): the only SQL that writes `runs`."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from crawler.store._util import dumps, loads, now


class RunsMixin:
    """Every crawl, import, rescan and follow-up is a row in `runs` with its counts and stats."""

    def start_run(self, kind: str, name: str | None = None, args: dict[str, Any] | None = None) -> int:
        """Record the start of a run and return its id."""
        cursor = self.db.execute(
            "INSERT INTO runs (kind, name, args, started_at, status) VALUES (?, ?, ?, ?, 'running')",
            [kind, name, dumps(args or {}), now()],
        )
        return cursor.lastrowid

    def finish_run(self, run_id: int, status: str, stats: dict[str, Any] | None = None) -> None:
        """Record the end of a run: its status and its stats (pages, items, flags, errors …)."""
        stats = stats or {}
        self.db.execute(
            "UPDATE runs SET finished_at = ?, status = ?, pages = ?, items = ?, flags = ?, errors = ?,"
            " stats = ? WHERE id = ?",
            [now(), status, stats.get("pages"), stats.get("items"), stats.get("flags"), stats.get("errors"),
             dumps(stats), run_id],
        )

    def get_run(self, run_id: int) -> dict[str, Any] | None:
        """One run with its stats decoded, or None."""
        rows = list(self.db.query("SELECT * FROM runs WHERE id = ?", [run_id]))
        if not rows:
            return None
        row = rows[0]
        row["args"], row["stats"] = loads(row["args"], {}), loads(row["stats"], {})
        return row

    def last_run_id(self) -> int:
        """The highest run id so far (0 for none)."""
        return next(iter(self.db.query("SELECT COALESCE(MAX(id), 0) AS id FROM runs")))["id"]

    def list_runs(self, limit: int = 20, kind: str | None = None, name: str | None = None,
                  before: int | None = None, status: Iterable[str] | None = None) -> list[dict]:
        """Most recent runs first (only those older than run ``before`` and in ``status``, if given)."""
        where, params = [], []
        statuses = list(status or [])
        if statuses:
            where.append(f"status IN ({', '.join('?' * len(statuses))})")
            params += statuses
        if before is not None:
            where.append("id < ?")
            params.append(before)
        if kind:
            where.append("kind = ?")
            params.append(kind)
        if name:
            where.append("name = ?")
            params.append(name)
        sql = "SELECT * FROM runs" + (" WHERE " + " AND ".join(where) if where else "")
        return list(self.db.query(sql + " ORDER BY id DESC LIMIT ?", [*params, limit]))
