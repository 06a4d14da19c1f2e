"""``hazards followup``: check whether reported listings came down."""

from __future__ import annotations

import click

from crawler.cli import main
from crawler.cli._options import db_option, existing_store


def _origins(ctx: click.Context, param: click.Parameter, values: tuple[str, ...]) -> dict[str, str]:
    origins = {}
    for value in values:
        site, sep, url = value.partition("=")
        if not sep or not site or not url.startswith(("http://", "https://")):
            raise click.BadParameter(f"{value!r} is not SITE=URL (e.g. coupang=http://127.0.0.1:8702)", param=param)
        origins[site] = url.rstrip("/")
    return origins


@main.command()
@db_option
@click.option("--base-url", "base_urls", multiple=True, callback=_origins, metavar="SITE=URL",
              help="Check SITE's listings on this origin instead of the stored one (repeatable).")
@click.option("--site", help="Only check this site's reported listings.")
@click.option("--screenshots", type=click.Path(file_okay=False),
              help="Save a PNG of each checked page here (renders through Chromium; slower).")
@click.option("--working-days", type=click.IntRange(min=1),
              help="Takedown deadline in working days (default: HAZARDS_TAKEDOWN_WORKING_DAYS, 2).")
def followup(db: str, base_urls: dict[str, str], site: str | None, screenshots: str | None,
             working_days: int | None) -> None:
    """Re-crawl the URLs of reported flags and record whether each listing came down.

    Each listing is classified live, removed (404/410, a "판매 종료" or "삭제된 상품" page, a redirect
    to the home or search page), blocked or unreachable, and a row is written to takedown_checks; a
    removed listing's reported flags become `removed` with removed_at. The run is recorded in `runs`
    (kind followup).

    URLs stored by a sandbox crawl point at that run's ports. Pass --base-url SITE=URL for each site
    to check them on a market running now; with no --base-url and URLs on 127.0.0.1, a fresh sandbox
    market is started and the URLs moved to it (it has none of the earlier takedowns: a demo only).

    Example:

        hazards followup --db hazards.db

        hazards followup --db hazards.db --base-url elevenst=http://127.0.0.1:8705
    """
    from crawler.followup import run_followup

    with existing_store(db) as store:
        if site and not store.followup_targets(site=site):
            known = sorted({t["site"] for t in store.followup_targets()})
            raise click.ClickException(
                f"no reported flags on site {site!r}" + (f"; sites with reported flags: {', '.join(known)}" if known
                                                         else "; mark flags reported with `hazards flags set`"))
    summary = run_followup(db, base_urls=base_urls, site=site, screenshots=screenshots, working_days=working_days)
    if not summary["targets"]:
        click.echo("no reported flags to follow up; mark some with `hazards flags set ID reported --by NAME`")
        return
    outcomes = ", ".join(f"{n} {k}" for k, n in sorted(summary["outcomes"].items())) or "no answers"
    click.echo(f"followup run {summary['run_id']}: {summary['targets']} listings checked ({outcomes}); "
               f"{summary['removed']} flags now removed"
               + (" [fresh sandbox market: earlier takedowns are not visible]" if summary.get("sandbox") else ""))
