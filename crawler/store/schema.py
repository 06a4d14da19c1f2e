"""Schema migrations for the hazards database, applied in order when a Store opens.

Add a new function at the END of the list to change the schema; never edit one that has shipped,
because existing databases have recorded it as applied.
"""

from __future__ import annotations

from sqlite_utils import Database
from sqlite_utils.migrations import Migrations

migrations = Migrations("hazards")


@migrations()
def m001_core_tables(db: Database) -> None:
    db.executescript(
        """
        CREATE TABLE listings (
            site TEXT NOT NULL, listing_id TEXT NOT NULL, url TEXT NOT NULL, title TEXT NOT NULL,
            brand TEXT, model TEXT, gtin TEXT, kc_cert TEXT, kc_cert_raw TEXT,
            price_krw INTEGER, original_price_krw INTEGER, currency TEXT, seller TEXT, category TEXT,
            age_min_months INTEGER, age_max_months INTEGER, age_raw TEXT, description TEXT, image_url TEXT,
            availability TEXT, status TEXT NOT NULL DEFAULT 'live', purchase_agent INTEGER,
            specs TEXT, options TEXT, notices TEXT, content_hash TEXT,
            first_seen TEXT NOT NULL, last_seen TEXT NOT NULL, last_run_id INTEGER,
            PRIMARY KEY (site, listing_id)
        );
        CREATE INDEX listings_gtin ON listings(gtin);
        CREATE INDEX listings_kc_cert ON listings(kc_cert);
        CREATE TABLE listing_versions (
            id INTEGER PRIMARY KEY, site TEXT NOT NULL, listing_id TEXT NOT NULL, run_id INTEGER,
            seen_at TEXT NOT NULL, changes TEXT NOT NULL
        );
        CREATE INDEX listing_versions_listing ON listing_versions(site, listing_id);
        CREATE TABLE recalls (
            recall_id TEXT PRIMARY KEY, source TEXT NOT NULL, title TEXT NOT NULL, brand TEXT, model TEXT,
            models TEXT, gtins TEXT, kc_certs TEXT, maker TEXT, category TEXT, hazard TEXT,
            hazard_types TEXT, country TEXT, published TEXT, url TEXT, raw TEXT,
            imported_at TEXT, updated_at TEXT
        );
        CREATE TABLE flags (
            id INTEGER PRIMARY KEY, site TEXT NOT NULL, listing_id TEXT NOT NULL, rule_id TEXT NOT NULL,
            recall_id TEXT NOT NULL DEFAULT '', score REAL, evidence TEXT, severity TEXT, hazard TEXT,
            rule_version TEXT, first_flagged TEXT NOT NULL, last_seen TEXT NOT NULL,
            status TEXT NOT NULL DEFAULT 'new', status_changed_at TEXT, removed_at TEXT,
            relisted_from INTEGER REFERENCES flags(id), run_id INTEGER
        );
        CREATE UNIQUE INDEX flags_key ON flags(site, listing_id, rule_id, recall_id);
        CREATE INDEX flags_status ON flags(status);
        CREATE TABLE flag_events (
            id INTEGER PRIMARY KEY, flag_id INTEGER NOT NULL REFERENCES flags(id), at TEXT NOT NULL,
            by TEXT NOT NULL, from_status TEXT, to_status TEXT NOT NULL, note TEXT
        );
        CREATE INDEX flag_events_flag ON flag_events(flag_id);
        CREATE TABLE runs (
            id INTEGER PRIMARY KEY, kind TEXT NOT NULL, name TEXT, args TEXT, started_at TEXT NOT NULL,
            finished_at TEXT, status TEXT NOT NULL DEFAULT 'running', pages INTEGER, items INTEGER,
            flags INTEGER, errors INTEGER, stats TEXT
        );
        CREATE TABLE schedules (
            name TEXT PRIMARY KEY, spider TEXT NOT NULL, every_seconds INTEGER, cron TEXT, args TEXT,
            enabled INTEGER NOT NULL DEFAULT 1, created_at TEXT NOT NULL, last_run_id INTEGER,
            last_started_at TEXT, next_due_at TEXT, pid INTEGER
        );
        CREATE TABLE takedown_checks (
            id INTEGER PRIMARY KEY, flag_id INTEGER REFERENCES flags(id), site TEXT NOT NULL,
            listing_id TEXT NOT NULL, url TEXT NOT NULL, checked_at TEXT NOT NULL, outcome TEXT NOT NULL,
            http_status INTEGER, reason TEXT, run_id INTEGER
        );
        CREATE INDEX takedown_checks_flag ON takedown_checks(flag_id);
        """
    )
    # Trigram tokens find Korean substrings (프탈레이트 inside 무프탈레이트); see BASELINES.md.
    db["listings"].enable_fts(["title", "description"], tokenize="trigram", create_triggers=True)


@migrations()
def m002_open_flags_view(db: Database) -> None:
    db.create_view(
        "open_flags",
        """
        SELECT f.id, f.status, f.severity, f.hazard, f.rule_id, f.recall_id, f.score,
               f.site, f.listing_id, l.title, l.url, l.seller, l.price_krw, f.first_flagged, f.last_seen
        FROM flags f JOIN listings l ON l.site = f.site AND l.listing_id = f.listing_id
        WHERE f.status IN ('new', 'confirmed', 'reported', 'relisted')
        ORDER BY CASE f.severity WHEN 'critical' THEN 0 WHEN 'high' THEN 1 WHEN 'medium' THEN 2 ELSE 3 END,
                 f.first_flagged
        """,
    )
