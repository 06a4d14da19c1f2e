"""``hazards runs list|show``: crawl health — can this run be trusted?"""

from __future__ import annotations

import json

import click

from crawler.cli import main
from crawler.cli._options import db_option, open_store
from crawler.output import render, terminal_safe
from crawler.store._util import loads

LIST_COLUMNS = ("id", "kind", "name", "status", "started_at", "seconds", "pages", "items", "flags", "errors",
                "why")
STATUSES = ("running", "ok", "suspect", "interrupted", "failed")


@main.group()
def runs() -> None:
    """Crawl health: every crawl, import, rescan and follow-up with its figures."""


def _list_row(row: dict) -> dict:
    stats = loads(row.get("stats"), {})
    return {**row, "stats": stats, "args": loads(row.get("args"), {}), "seconds": stats.get("duration_seconds"),
            "why": "; ".join(stats.get("suspect_reasons") or [])}


@runs.command("list")
@db_option
@click.option("--spider", "--name", "name", help="Only runs of this spider (or import/rescan name).")
@click.option("--kind", help="Only this kind of run: crawl, import, rescan, followup.")
@click.option("--status", type=click.Choice(STATUSES), multiple=True, help="Only these statuses (repeatable).")
@click.option("--limit", type=click.IntRange(min=1), default=20, show_default=True, help="At most N runs.")
@click.option("--format", "fmt", type=click.Choice(["table", "json", "csv"]), default="table", show_default=True)
def list_runs(db: str, name: str | None, kind: str | None, status: tuple[str, ...], limit: int, fmt: str) -> None:
    """List the most recent runs, newest first; suspect runs say why.

    A run is suspect when it stored no items, too many requests failed, product pages yielded no
    data, or it stored far fewer items than the previous run of the same spider.

    Example:

        hazards runs list --spider coupang --status suspect --status failed
    """
    with open_store(db) as store:
        rows = [_list_row(row) for row in store.list_runs(limit=limit, kind=kind, name=name, status=status)]
    click.echo(render(rows, LIST_COLUMNS, fmt))


@runs.command("show")
@click.argument("run_id", type=int)
@db_option
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
def show_run(run_id: int, db: str, fmt: str) -> None:
    """Show one run: timing, pages, items, drops by reason, HTTP errors, blocked and offsite pages.

    Example:

        hazards runs show 12
    """
    with open_store(db) as store:
        run = store.get_run(run_id)
        if run is None:
            last = store.last_run_id()
            raise click.ClickException(f"no run {run_id}; see hazards runs list"
                                       + (f" (the latest is {last})" if last else " (there are none yet)"))
    if fmt == "json":
        click.echo(json.dumps(run, ensure_ascii=False, indent=2, default=str))
        return
    click.echo(run_report(run))


def _counts(values: dict | None) -> str:
    return ", ".join(f"{key} {count}" for key, count in sorted((values or {}).items())) or "none"


def run_report(run: dict) -> str:
    """A run as ``label: value`` lines for a terminal."""
    stats = run.get("stats") or {}
    lines = [
        ("run", f"{run['id']} ({run['kind']} {run.get('name') or ''})".rstrip()),
        ("status", run["status"].upper() if run["status"] in ("suspect", "failed") else run["status"]),
    ]
    for reason in stats.get("suspect_reasons") or []:
        lines.append(("  why", reason))
    lines += [
        ("args", json.dumps(run.get("args") or {}, ensure_ascii=False)),
        ("started", run["started_at"]),
        ("finished", run.get("finished_at") or "-"),
    ]
    if "duration_seconds" in stats:
        lines.append(("duration", f"{stats['duration_seconds']} s"))
    if run["kind"] == "crawl" or "pages" in stats:
        lines += [
            ("exit", ", ".join(filter(None, [stats.get("finish_reason"), f"exit code {stats['exit_code']}"
                                             if stats.get("exit_code") is not None else None])) or "-"),
            ("pages", stats.get("pages", run.get("pages"))),
            ("requests", stats.get("requests", "-")),
            ("items", stats.get("items", run.get("items"))),
            ("flags", f"{stats.get('flags', run.get('flags'))} ({stats.get('new_flags', 0)} new)"),
            ("drops", _counts(stats.get("drops"))),
            ("http errors", _counts(stats.get("http_errors"))),
            ("exceptions", _counts(stats.get("exceptions"))),
            ("blocked pages", f"{stats.get('blocked', 0)} ({_counts(stats.get('blocked_by_reason'))})"),
            ("offsite drops", stats.get("offsite", 0)),
            ("robots.txt denied", stats.get("robots_forbidden", 0)),
            ("retries", stats.get("retries", 0)),
        ]
        if stats.get("resume_skipped"):
            lines.append(("resumed", f"{stats['resume_skipped']} pages already stored by run "
                                     f"{(run.get('args') or {}).get('resumes', '?')}"))
        if stats.get("log"):
            lines.append(("log", stats["log"]))
    else:
        lines += [(key, value) for key, value in sorted(stats.items())]
    width = max(len(label) for label, _ in lines)
    return "\n".join(f"{label:<{width}}  {terminal_safe(value)}" for label, value in lines)
