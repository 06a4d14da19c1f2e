"""Schedules of recurring crawls: the only SQL that writes `schedules`."""

from __future__ import annotations

import sqlite3
from typing import Any

from crawler.store._util import dumps, loads, now


class ScheduleExists(ValueError):
    """A schedule with this name exists already."""


class SchedulesMixin:
    """Recurring crawls (``--every`` or ``--cron``) and which process runs each one now."""

    def add_schedule(self, name: str, spider: str, every_seconds: int | None = None, cron: str | None = None,
                     args: dict[str, str] | None = None, next_due_at: str | None = None) -> None:
        """Create a schedule; ScheduleExists if the name is taken."""
        try:
            self.db.execute(
                "INSERT INTO schedules (name, spider, every_seconds, cron, args, enabled, created_at, next_due_at)"
                " VALUES (?, ?, ?, ?, ?, 1, ?, ?)",
                [name, spider, every_seconds, cron, dumps(args or {}), now(), next_due_at],
            )
        except sqlite3.IntegrityError as error:
            raise ScheduleExists(f"schedule {name!r} exists already; remove it first "
                                 f"(hazards schedule remove {name}) or choose another name") from error

    def get_schedule(self, name: str) -> dict[str, Any] | None:
        """One schedule with its args decoded, or None."""
        rows = list(self.db.query("SELECT * FROM schedules WHERE name = ?", [name]))
        return _decode(rows[0]) if rows else None

    def list_schedules(self) -> list[dict[str, Any]]:
        """Every schedule with its last run's status, by name."""
        rows = self.db.query(
            "SELECT s.*, r.status AS last_status, r.items AS last_items, r.finished_at AS last_finished_at"
            " FROM schedules s LEFT JOIN runs r ON r.id = s.last_run_id ORDER BY s.name"
        )
        return [_decode(row) for row in rows]

    def due_schedules(self, at: str) -> list[dict[str, Any]]:
        """Enabled schedules whose next due time is at or before ``at``."""
        rows = self.db.query(
            "SELECT * FROM schedules WHERE enabled = 1 AND next_due_at IS NOT NULL AND next_due_at <= ?"
            " ORDER BY next_due_at, name", [at],
        )
        return [_decode(row) for row in rows]

    def remove_schedule(self, name: str) -> bool:
        """Delete a schedule; whether it existed."""
        return self.db.execute("DELETE FROM schedules WHERE name = ?", [name]).rowcount > 0

    def claim_schedule(self, name: str, pid: int, expected_pid: int | None, started_at: str, next_due_at: str,
                       due_by: str | None) -> bool:
        """Atomically take a schedule for one run: only if no other process has it (its pid is still the
        ``expected_pid`` seen before) and, unless ``due_by`` is None, it is due by then."""
        sql = ("UPDATE schedules SET pid = ?, last_started_at = ?, next_due_at = ? WHERE name = ? AND enabled = 1"
               " AND pid IS ?")
        params: list[Any] = [pid, started_at, next_due_at, name, expected_pid]
        if due_by is not None:
            sql += " AND next_due_at IS NOT NULL AND next_due_at <= ?"
            params.append(due_by)
        return self.db.execute(sql, params).rowcount == 1

    def set_schedule_pid(self, name: str, pid: int) -> None:
        """Record the pid of the crawl process a schedule started."""
        self.db.execute("UPDATE schedules SET pid = ? WHERE name = ?", [pid, name])

    def release_schedule(self, name: str, run_id: int | None) -> None:
        """The job ended: forget its pid and remember its run."""
        self.db.execute("UPDATE schedules SET pid = NULL, last_run_id = COALESCE(?, last_run_id) WHERE name = ?",
                        [run_id, name])

    def scheduled_run(self, name: str, after_run_id: int) -> dict[str, Any] | None:
        """The latest run started for schedule ``name`` after run ``after_run_id``."""
        rows = list(self.db.query(
            "SELECT id FROM runs WHERE id > ? AND kind = 'crawl' AND json_extract(args, '$.schedule') = ?"
            " ORDER BY id DESC LIMIT 1", [after_run_id, name],
        ))
        return self.get_run(rows[0]["id"]) if rows else None


def _decode(row: dict[str, Any]) -> dict[str, Any]:
    row = dict(row)
    row["args"] = loads(row.get("args"), {})
    return row
