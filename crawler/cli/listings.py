"""``hazards listings …``: find stored listings and read one with its history."""

from __future__ import annotations

import json

import click

from crawler.cli import main
from crawler.cli._options import db_option, open_store
from crawler.output import render, terminal_safe

SEARCH_COLUMNS = ("site", "listing_id", "status", "title", "url")
SHOWN_FIELDS = ("site", "listing_id", "url", "title", "brand", "model", "gtin", "kc_cert", "kc_cert_raw",
                "price_krw", "seller", "category", "age_raw", "availability", "status", "first_seen", "last_seen")


@main.group()
def listings() -> None:
    """Look up stored listings: search their text, show one with its history and flags."""


@listings.command("search")
@click.argument("text")
@db_option
@click.option("--site", help="Only this site, e.g. coupang.")
@click.option("--limit", type=click.IntRange(min=1), default=50, show_default=True)
@click.option("--format", "fmt", type=click.Choice(["table", "json", "csv"]), default="table", show_default=True)
def search(text: str, db: str, site: str | None, limit: int, fmt: str) -> None:
    """Listings whose title or description contains TEXT (Korean substrings too: 프탈레이트, 유아).

    Example:

        hazards listings search 프탈레이트 --site temu_kr
    """
    if not text.strip():
        raise click.BadParameter("give the text to look for", param_hint="TEXT")
    with open_store(db) as store:
        rows = store.search_listings(text, site=site, limit=limit)
    click.echo(render(rows, SEARCH_COLUMNS, fmt))


@listings.command("show")
@click.argument("site")
@click.argument("listing_id")
@db_option
def show(site: str, listing_id: str, db: str) -> None:
    """One listing as stored, what changed between crawls, and its flags.

    Example:

        hazards listings show coupang 7525524698
    """
    with open_store(db) as store:
        row = store.get_listing_row(site, listing_id)
        if row is None:
            raise click.ClickException(f"no listing {listing_id!r} on site {site!r} in {db}; "
                                       "find it with: hazards listings search TEXT")
        history = store.listing_history(site, listing_id)
        flag_rows = store.listing_flags(site, listing_id)
    width = max(map(len, SHOWN_FIELDS))
    for name in SHOWN_FIELDS:
        if row.get(name) not in (None, ""):
            click.echo(f"{name:<{width}}  {terminal_safe(row[name])}")
    click.echo("\nhistory")
    for version in history or [{"seen_at": row["first_seen"], "run_id": None, "changes": {"": "first seen"}}]:
        changes = "; ".join(f"{k}: {terminal_safe(json.dumps(v, ensure_ascii=False))}" if k else v
                            for k, v in version["changes"].items())
        click.echo(f"  {version['seen_at']}  run {version['run_id']}  {changes}")
    click.echo("\nflags")
    click.echo(render(flag_rows, ("id", "status", "severity", "rule_id", "recall_id", "score"), "table"))
