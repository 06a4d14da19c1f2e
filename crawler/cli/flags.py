"""``hazards flags …``: what the rules found, for reviewers."""

from __future__ import annotations

import click

from crawler.cli import main
from crawler.cli._options import db_option, open_store
from crawler.output import render

LIST_COLUMNS = ("id", "status", "severity", "rule_id", "recall_id", "site", "listing_id", "title", "url")
FORMATS = click.Choice(["table", "json", "csv"])


@main.group()
def flags() -> None:
    """Review flags: list them (more commands: show, set, export)."""


@flags.command("list")
@db_option
@click.option("--status", multiple=True, help="Only these statuses (repeatable), e.g. new, confirmed.")
@click.option("--site", help="Only this site, e.g. coupang.")
@click.option("--severity", type=click.Choice(["critical", "high", "medium", "low"]))
@click.option("--hazard", help="Only this hazard type, e.g. chemical.")
@click.option("--rule", "rule_id", help="Only this rule id.")
@click.option("--since", help="Flagged on or after this date (YYYY-MM-DD).")
@click.option("--search", "text", help="Text that the listing title contains.")
@click.option("--limit", type=click.IntRange(min=1), help="At most N rows.")
@click.option("--format", "fmt", type=FORMATS, default="table", show_default=True)
def list_flags(db: str, status, site, severity, hazard, rule_id, since, text, limit, fmt) -> None:
    """List flags with their listing.

    Example:

        hazards flags list --severity high --site temu_kr --format csv > flags.csv
    """
    with open_store(db) as store:
        rows = store.list_flags(status=status, site=site, severity=severity, hazard=hazard, rule_id=rule_id,
                                since=since, text=text, limit=limit)
    click.echo(render(rows, LIST_COLUMNS, fmt))
