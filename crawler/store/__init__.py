"""The hazards database: the only code that writes SQL.

``Store(path)`` opens (or creates) a SQLite file in WAL mode with a busy timeout, so reviewers can
read while a crawl writes and two writers wait for each other instead of failing, and applies any
pending migrations. Each area's SQL lives in its own mixin module.
"""

from __future__ import annotations

import fcntl
import sqlite3
from contextlib import contextmanager
from pathlib import Path

from sqlite_utils import Database

from crawler.store.flags import FlagsMixin
from crawler.store.listings import ListingsMixin, listing_from_row
from crawler.store.recalls import RecallsMixin
from crawler.store.review import ReviewMixin
from crawler.store.runs import RunsMixin
from crawler.store.schedules import SchedulesMixin
from crawler.store.schema import migrations

__all__ = ["Store", "StoreError", "listing_from_row"]

BUSY_TIMEOUT_SECONDS = 60


class StoreError(Exception):
    """The database cannot be opened or used; the message says which file and why."""


class _Database(Database):
    """A sqlite-utils Database whose transactions take the write lock when they begin.

    ``atomic()`` normally issues a deferred BEGIN: a transaction that reads and then writes while
    another process has committed in between fails at once with "database is locked"
    (SQLITE_BUSY_SNAPSHOT), without waiting for the busy timeout. BEGIN IMMEDIATE waits instead.
    """

    @contextmanager
    def atomic(self):
        if self.conn.in_transaction:
            with super().atomic():
                yield self
            return
        self.conn.execute("BEGIN IMMEDIATE")
        try:
            yield self
        except BaseException:
            self.rollback()
            raise
        self.conn.execute("COMMIT")


@contextmanager
def _exclusive(lock_path: Path):
    """Hold an exclusive lock on a side file so only one process at a time creates or migrates the
    database (a migration's DDL cannot share one transaction with the check of what is pending)."""
    with open(lock_path, "a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


class Store(ListingsMixin, FlagsMixin, RunsMixin, RecallsMixin, ReviewMixin, SchedulesMixin):
    """A hazards SQLite database."""

    def __init__(self, path: str | Path, busy_timeout: float = BUSY_TIMEOUT_SECONDS):
        self.path = Path(path)
        if not self.path.parent.exists():
            raise StoreError(f"{self.path}: folder {self.path.parent} does not exist; create it or pick another --db")
        try:
            conn = sqlite3.connect(str(self.path), timeout=busy_timeout, check_same_thread=False)
            self.db = _Database(conn)
            self.db.execute("PRAGMA synchronous=NORMAL")
            self.db.execute("PRAGMA foreign_keys=ON")
            if self.db.execute("PRAGMA journal_mode").fetchone()[0] != "wal" or migrations.pending(self.db):
                with _exclusive(self.path.with_name(self.path.name + ".lock")):
                    self.db.execute("PRAGMA journal_mode=WAL")
                    migrations.apply(self.db)
        except sqlite3.DatabaseError as error:
            raise StoreError(f"{self.path}: cannot open as a hazards database ({error})") from error

    def close(self) -> None:
        """Close the connection."""
        self.db.close()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
