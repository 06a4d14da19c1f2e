"""`hazards recalls import|list|search`: load recall files and let reviewers look recalls up."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import click

from crawler.cli import main
from crawler.cli._options import db_option, open_store
from crawler.recalls.importers import FORMATS, load_file


@main.group()
def recalls() -> None:
    """Import recall notices and look them up.

    Example:

        hazards recalls import safetykorea_recalls.jsonl --format safetykorea
    """


@recalls.command("import")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--format", "fmt", required=True, type=click.Choice(FORMATS),
              help="Source format of FILE.")
@db_option
def import_(file: Path, fmt: str, db: str) -> None:
    """Import a recall file; re-importing updates changed recalls and never duplicates.

    Prints counts of new, updated, unchanged and skipped records, with the skip reasons.

    Example:

        hazards recalls import ../shared/realdata/safetykorea-recalls/safetykorea_recalls.jsonl \\
            --format safetykorea --db hazards.db
    """
    if not file.exists():
        raise click.BadParameter(f"{file} does not exist", param_hint="FILE")
    try:
        result = load_file(file, fmt)
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as error:
        raise click.ClickException(
            f"{file}: cannot read as {fmt} JSON ({error}); check the file and --format"
        ) from error
    if not result.notices and result.skipped:
        reason = result.skipped[0][1]
        raise click.ClickException(
            f"{file}: no record could be read as {fmt} (first: {reason}); check --format"
        )
    with open_store(db) as store:
        run_id = store.start_run("import", f"recalls:{fmt}", {"file": str(file), "format": fmt})
        counts = store.upsert_recalls(result.notices)
        counts["skipped"] = len(result.skipped)
        stats = {"items": len(result.notices), "errors": len(result.skipped), **counts}
        store.finish_run(run_id, "ok", stats)
    click.echo(f"{file.name}: new {counts['new']}, updated {counts['updated']}, "
               f"unchanged {counts['unchanged']}, skipped {counts['skipped']}")
    reasons = Counter(reason for _, reason in result.skipped)
    for reason, count in reasons.most_common():
        first = next(where for where, r in result.skipped if r == reason)
        click.echo(f"  skipped {count}: {reason} (first at {first})")


def _print_rows(rows: list[dict]) -> None:
    if not rows:
        click.echo("no recalls found")
        return
    for row in rows:
        who = row.get("brand") or row.get("maker") or "-"
        kinds = ",".join(json.loads(row.get("hazard_types") or "[]")) or "-"
        click.echo(f"{row['recall_id']}\t{row.get('published') or '-'}\t{who}\t{row['title']}\t{kinds}")


@recalls.command("list")
@click.option("--source", type=click.Choice(FORMATS), help="Only recalls of this source.")
@click.option("--limit", default=50, show_default=True, type=click.IntRange(1), help="Rows to show.")
@db_option
def list_(source: str | None, limit: int, db: str) -> None:
    """List stored recalls, newest first (id, date, brand or maker, title, hazard types).

    Example:

        hazards recalls list --source safetykorea --limit 20
    """
    with open_store(db) as store:
        _print_rows(store.list_recalls(source=source, limit=limit))


@recalls.command("search")
@click.argument("text")
@click.option("--limit", default=50, show_default=True, type=click.IntRange(1), help="Rows to show.")
@db_option
def search(text: str, limit: int, db: str) -> None:
    """Find recalls by title, brand, maker, model number, GTIN or KC certificate number.

    Example:

        hazards recalls search 슬라임
        hazards recalls search "yut 001"
    """
    if not text.strip():
        raise click.BadParameter("give a word, model, GTIN or KC number to search for", param_hint="TEXT")
    with open_store(db) as store:
        _print_rows(store.search_recalls(text, limit=limit))
