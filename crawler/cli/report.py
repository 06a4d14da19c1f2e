"""``hazards report``: the compliance report as one self-contained HTML file."""

from __future__ import annotations

from pathlib import Path

import click

from crawler.cli import main
from crawler.cli._options import db_option, existing_store


@main.command()
@db_option
@click.option("--out", type=click.Path(dir_okay=False), default="report.html", show_default=True,
              help="HTML file to write.")
@click.option("--working-days", type=click.IntRange(min=1),
              help="Takedown deadline in working days (default: HAZARDS_TAKEDOWN_WORKING_DAYS, 2).")
def report(db: str, out: str, working_days: int | None) -> None:
    """Write the takedown compliance report: charts and tables in one HTML file.

    Flags by site and hazard, time-to-removal distribution, overdue takedowns and compliance per
    platform (reported, removed, share removed within N working days, median hours, relisted). The
    file has no scripts and loads nothing from the network; all listing text is escaped.

    Example:

        hazards report --db hazards.db --out report.html
    """
    from crawler import settings
    from crawler.report import render_report

    folder = Path(out).expanduser().resolve().parent
    if not folder.is_dir():
        raise click.BadParameter(f"folder {folder} does not exist", param_hint="--out")
    with existing_store(db) as store:
        store.set_takedown_working_days(working_days or settings.HAZARDS_TAKEDOWN_WORKING_DAYS)
        text = render_report(store, source=Path(db).name)
    Path(out).write_text(text, encoding="utf-8")
    click.echo(f"report written to {out} ({len(text) // 1024} KB)")
