"""``hazards serve``: browse the database in Datasette with the reviewers' canned queries."""

from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
from importlib.util import find_spec
from pathlib import Path

import click

from crawler.cli import main
from crawler.cli._options import db_option, existing_store

METADATA = Path(__file__).resolve().parent.parent / "datasette" / "metadata.yaml"


def metadata_for(db: str) -> Path:
    """The shipped metadata, or (when the file is not named hazards.db) a copy keyed by the file's
    stem, because Datasette attaches canned queries by database name."""
    name = Path(db).stem
    if name == "hazards":
        return METADATA
    import yaml

    data = yaml.safe_load(METADATA.read_text(encoding="utf-8"))
    data["databases"] = {name: data["databases"]["hazards"]}
    handle = tempfile.NamedTemporaryFile("w", suffix=".yaml", prefix="hazards-metadata-", delete=False,
                                         encoding="utf-8")
    with handle:
        yaml.safe_dump(data, handle, allow_unicode=True, sort_keys=False)
    return Path(handle.name)


def datasette_command(db: str, host: str, port: int, metadata: Path = METADATA) -> list[str]:
    """The datasette command line ``hazards serve`` runs (also the documented manual way)."""
    return [sys.executable, "-m", "datasette", "serve", db, "-m", str(metadata), "--host", host,
            "--port", str(port), "--setting", "sql_time_limit_ms", "3000"]


@main.command()
@db_option
@click.option("--host", default="127.0.0.1", show_default=True, help="Interface to listen on (keep it loopback).")
@click.option("--port", type=click.IntRange(0, 65535), default=8001, show_default=True)
@click.option("--print-command", is_flag=True, help="Print the datasette command instead of running it.")
def serve(db: str, host: str, port: int, print_command: bool) -> None:
    """Serve the database in Datasette (optional extra: pip install 'hazards[datasette]').

    Opens with canned queries for reviewers: open flags by severity, overdue takedowns, compliance
    by platform and a listing's history. Equivalent to
    `datasette hazards.db -m crawler/datasette/metadata.yaml`.

    Example:

        hazards serve --db hazards.db --port 8001
    """
    from crawler import settings

    command = datasette_command(db, host, port, METADATA if print_command else metadata_for(db))
    if print_command:
        click.echo(" ".join(command))
        return
    if find_spec("datasette") is None and not shutil.which("datasette"):
        raise click.ClickException("datasette is not installed; pip install 'hazards[datasette]'")
    with existing_store(db) as store:
        store.set_takedown_working_days(settings.HAZARDS_TAKEDOWN_WORKING_DAYS)
    click.echo(f"serving {db} at http://{host}:{port}/ (Ctrl-C to stop)")
    raise SystemExit(subprocess.call(command))
