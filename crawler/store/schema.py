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


@migrations()
def m003_review_takedowns(db: Database) -> None:
    """Takedown follow-up and compliance: check details, relisting lookups and the reviewer views.

    The deadline of a report is the end (Korea time) of the N-th working day (Mon-Fri) after the day it
    was reported; N lives in ``review_settings`` (synced from HAZARDS_TAKEDOWN_WORKING_DAYS by the review
    commands) so the views stay plain SQL that Datasette can serve. Public holidays are not counted.
    """
    db.executescript(
        """
        ALTER TABLE takedown_checks ADD COLUMN final_url TEXT;
        ALTER TABLE takedown_checks ADD COLUMN screenshot_path TEXT;
        CREATE INDEX flags_recall ON flags(recall_id, site) WHERE recall_id != '';
        CREATE INDEX flags_site_status ON flags(site, status);
        CREATE INDEX flags_relisted_from ON flags(relisted_from);
        CREATE INDEX listings_brand_model ON listings(brand, model);
        CREATE TABLE review_settings (name TEXT PRIMARY KEY, value TEXT NOT NULL);
        INSERT INTO review_settings (name, value) VALUES ('takedown_working_days', '2');

        CREATE VIEW takedowns AS
        WITH reported AS (
            SELECT flag_id, max(at) AS reported_at FROM flag_events WHERE to_status = 'reported' GROUP BY flag_id
        ),
        params AS (
            SELECT CAST(coalesce((SELECT value FROM review_settings WHERE name = 'takedown_working_days'), 2)
                        AS INTEGER) AS n
        ),
        base AS (
            SELECT r.flag_id, r.reported_at, p.n, date(r.reported_at, '+9 hours') AS day_kst,
                   (CAST(strftime('%w', r.reported_at, '+9 hours') AS INTEGER) + 6) % 7 AS wd
            FROM reported r, params p
        ),
        shifted AS (
            SELECT flag_id, reported_at, n,
                   CASE WHEN wd >= 5 THEN date(day_kst, '-' || (wd - 4) || ' days') ELSE day_kst END AS day0,
                   CASE WHEN wd >= 5 THEN 4 ELSE wd END AS wd0
            FROM base
        ),
        due AS (
            SELECT flag_id, reported_at, n,
                   strftime('%Y-%m-%dT%H:%M:%S+00:00', day0,
                            '+' || ((n / 5) * 7 + n % 5 + CASE WHEN wd0 + n % 5 >= 5 THEN 2 ELSE 0 END + 1) || ' days',
                            '-9 hours') AS due_at
            FROM shifted
        ),
        last_check AS (
            SELECT flag_id, outcome, checked_at, max(id) AS check_id FROM takedown_checks GROUP BY flag_id
        )
        SELECT f.id AS flag_id, f.site, f.listing_id, l.title, l.url, f.rule_id, f.severity, f.hazard, f.status,
               d.reported_at, d.due_at, d.n AS working_days, f.removed_at,
               round((julianday(f.removed_at) - julianday(d.reported_at)) * 24, 1) AS hours_to_removal,
               CASE WHEN f.removed_at IS NOT NULL AND julianday(f.removed_at) <= julianday(d.due_at)
                    THEN 1 ELSE 0 END AS removed_in_time,
               c.outcome AS last_outcome, c.checked_at AS last_checked_at
        FROM due d
        JOIN flags f ON f.id = d.flag_id
        LEFT JOIN listings l ON l.site = f.site AND l.listing_id = f.listing_id
        LEFT JOIN last_check c ON c.flag_id = f.id;

        CREATE VIEW overdue_takedowns AS
        SELECT t.flag_id, t.site, t.listing_id, t.title, t.url, t.rule_id, t.severity, t.reported_at, t.due_at,
               round((julianday('now') - julianday(t.due_at)) * 24, 1) AS hours_overdue,
               t.last_outcome, t.last_checked_at
        FROM takedowns t
        WHERE t.status = 'reported' AND julianday('now') > julianday(t.due_at)
        ORDER BY t.due_at;

        CREATE VIEW platform_compliance AS
        WITH ranked AS (
            SELECT site, hours_to_removal,
                   row_number() OVER (PARTITION BY site ORDER BY hours_to_removal) AS rn,
                   count(*) OVER (PARTITION BY site) AS cnt
            FROM takedowns WHERE hours_to_removal IS NOT NULL
        ),
        medians AS (
            SELECT site, round(avg(hours_to_removal), 1) AS median_hours
            FROM ranked WHERE rn IN ((cnt + 1) / 2, (cnt + 2) / 2) GROUP BY site
        ),
        relisted AS (
            SELECT site, count(*) AS relisted FROM flags
            WHERE status = 'relisted' OR relisted_from IS NOT NULL GROUP BY site
        )
        SELECT t.site, count(*) AS reported, sum(t.removed_at IS NOT NULL) AS removed,
               sum(t.removed_in_time) AS removed_in_time,
               round(100.0 * sum(t.removed_in_time) / count(*), 1) AS pct_removed_in_time,
               m.median_hours AS median_hours_to_removal,
               coalesce(r.relisted, 0) AS relisted,
               sum(t.status = 'reported' AND julianday('now') > julianday(t.due_at)) AS overdue,
               max(t.working_days) AS working_days
        FROM takedowns t
        LEFT JOIN medians m ON m.site = t.site
        LEFT JOIN relisted r ON r.site = t.site
        GROUP BY t.site
        ORDER BY t.site;
        """
    )
