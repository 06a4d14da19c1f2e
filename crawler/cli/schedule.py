"""``hazards schedule add|list|remove|run-due`` and ``hazards scheduler``: recurring crawls."""

from __future__ import annotations

import re
import signal
import sys
import threading
from datetime import datetime

import click

from crawler.cli import main
from crawler.cli._options import db_option, key_value_pairs, open_store
from crawler.output import render
from crawler.schedule import (
    Cron,
    Outcome,
    Runner,
    ScheduleError,
    first_due,
    format_every,
    parse_every,
    pid_alive,
    utc_now,
)
from crawler.store.schedules import ScheduleExists

#: Exit code of run-due / scheduler when a job's run is suspect, failed or interrupted.
EXIT_SUSPECT = 3
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")
LIST_COLUMNS = ("name", "spider", "when", "args", "next_due", "running", "last_run_id", "last_status",
                "last_started")


def _local(text: str | None) -> str:
    """A stored UTC time as local wall-clock time, to the minute."""
    if not text:
        return ""
    return datetime.fromisoformat(text).astimezone().strftime("%Y-%m-%d %H:%M %Z").strip()


log_dir_option = click.option(
    "--log-dir", type=click.Path(file_okay=False),
    help="Folder for each job's crawl log (default: hazards-logs/ beside the database).",
)


@main.group()
def schedule() -> None:
    """Recurring crawls kept in the database; run them from cron or with `hazards scheduler`."""


@schedule.command("add")
@click.argument("name")
@click.option("--spider", required=True, help="Spider to run, e.g. coupang (see hazards crawl --help).")
@click.option("--every", help="Interval: 30m, 6h, 1d, 1w or 1h30m (first run at once).")
@click.option("--cron", "cron", help='Cron expression in local time, e.g. "0 2 * * *" (02:00 daily).')
@click.option("-a", "spider_args", multiple=True, callback=key_value_pairs, metavar="NAME=VALUE",
              help="Spider argument (repeatable), e.g. -a base_url=https://shop.example.kr.")
@db_option
def add(name: str, spider: str, every: str | None, cron: str | None, spider_args: dict, db: str) -> None:
    """Add a recurring crawl.

    Example:

        hazards schedule add coupang-6h --spider coupang --every 6h

        hazards schedule add gmarket-nightly --spider gmarket --cron "0 2 * * *" -a base_url=http://127.0.0.1:8704
    """
    if not _NAME.match(name):
        raise click.BadParameter(f"{name!r}: use letters, digits, '-', '_' or '.' (at most 64)", param_hint="NAME")
    if bool(every) == bool(cron):
        raise click.UsageError("give exactly one of --every (e.g. 6h) or --cron (e.g. \"0 2 * * *\")")
    from scrapy.settings import Settings

    from crawler.crawl import spider_names

    settings = Settings()
    settings.setmodule("crawler.settings")
    known = spider_names(settings)
    if spider not in known:
        raise click.BadParameter(f"unknown spider {spider!r}; choose one of: {', '.join(known)}",
                                 param_hint="--spider")
    try:
        every_seconds = parse_every(every) if every else None
        if cron:
            Cron.parse(cron)
    except ScheduleError as error:
        raise click.UsageError(str(error)) from error
    due = first_due(every_seconds, cron, utc_now())
    with open_store(db) as store:
        try:
            store.add_schedule(name, spider, every_seconds, cron.strip() if cron else None, spider_args,
                               due.isoformat())
        except ScheduleExists as error:
            raise click.ClickException(str(error)) from error
    when = f"every {format_every(every_seconds)}" if every_seconds else f'cron "{cron.strip()}"'
    click.echo(f"added schedule {name}: {spider} {when}; first run due {_local(due.isoformat())}")


@schedule.command("list")
@db_option
@click.option("--format", "fmt", type=click.Choice(["table", "json", "csv"]), default="table", show_default=True)
def list_schedules(db: str, fmt: str) -> None:
    """List schedules with their next due time and how their last run went.

    Example:

        hazards schedule list
    """
    with open_store(db) as store:
        rows = store.list_schedules()
    for row in rows:
        row["when"] = f"every {format_every(row['every_seconds'])}" if row["every_seconds"] else f"cron {row['cron']}"
        row["running"] = f"pid {row['pid']}" if pid_alive(row.get("pid")) else ""
        if fmt == "table":
            row["args"] = " ".join(f"{k}={v}" for k, v in row["args"].items())
            row["next_due"], row["last_started"] = _local(row["next_due_at"]), _local(row["last_started_at"])
        else:
            row["next_due"], row["last_started"] = row["next_due_at"], row["last_started_at"]
    click.echo(render(rows, LIST_COLUMNS, fmt))


@schedule.command("remove")
@click.argument("name")
@db_option
def remove(name: str, db: str) -> None:
    """Remove a schedule (a crawl it started keeps running; its run stays in `hazards runs`).

    Example:

        hazards schedule remove coupang-6h
    """
    with open_store(db) as store:
        existing = store.get_schedule(name)
        if existing is None:
            names = [row["name"] for row in store.list_schedules()]
            raise click.ClickException(f"no schedule {name!r}; existing: {', '.join(names) or 'none'}")
        store.remove_schedule(name)
    running = f" (its crawl, pid {existing['pid']}, keeps running)" if pid_alive(existing.get("pid")) else ""
    click.echo(f"removed schedule {name}{running}")


def _report(outcomes: list[Outcome]) -> int:
    for outcome in outcomes:
        click.echo(outcome.line(), err=outcome.bad)
    return EXIT_SUSPECT if any(outcome.bad for outcome in outcomes) else 0


class _Stop:
    """SIGINT/SIGTERM: stop starting jobs and ask the running crawls to close gracefully; a second
    signal ends them at once."""

    def __init__(self, runner: Runner):
        self.runner = runner
        self.event = threading.Event()
        self.previous = {}

    def __enter__(self) -> _Stop:
        for signum in (signal.SIGINT, signal.SIGTERM):
            self.previous[signum] = signal.signal(signum, self.handle)
        return self

    def __exit__(self, *exc: object) -> None:
        for signum, handler in self.previous.items():
            signal.signal(signum, handler)

    def handle(self, signum, frame) -> None:
        if self.event.is_set():
            self.runner.signal_children(signal.SIGKILL)
        else:
            self.event.set()
            self.runner.signal_children(signal.SIGINT)


@schedule.command("run-due")
@db_option
@log_dir_option
def run_due(db: str, log_dir: str | None) -> None:
    """Run every due schedule once, each as its own `scrapy crawl`, wait, and report.

    Safe to call from cron every minute: a job whose crawl is still running is not started again.
    Exits 3 when any job's run is suspect, failed or interrupted (cron mails the output), 0 otherwise.

    Example:

        * * * * *  cd /srv/hazards && .venv/bin/hazards schedule run-due --db hazards.db
    """
    with open_store(db) as store:
        runner = Runner(store, db, log_dir)
        with _Stop(runner):
            outcomes = runner.run_due()
    if not outcomes:
        click.echo("nothing due")
    sys.exit(_report(outcomes))


@main.command()
@db_option
@log_dir_option
@click.option("--interval", type=click.FloatRange(min=0.1), default=30.0, show_default=True,
              help="Seconds between checks for due schedules.")
def scheduler(db: str, log_dir: str | None, interval: float) -> None:
    """Run schedules in the foreground until SIGINT/SIGTERM (what `schedule run-due` does, in a loop).

    On a signal it starts nothing new, asks running crawls to close gracefully, records them and
    exits; a second signal kills them. Exits 3 if any job ended suspect, failed or interrupted.

    Example:

        hazards scheduler --db hazards.db --interval 30
    """
    bad = False
    with open_store(db) as store:
        runner = Runner(store, db, log_dir)
        click.echo(f"scheduler: checking {db} every {interval:g} s; Ctrl-C to stop")
        with _Stop(runner) as stop:
            while not stop.event.is_set():
                outcomes = runner.reconcile() + runner.poll()
                started, skipped = runner.start_due()
                for job in started:
                    click.echo(f"{job.name}: started {job.spider} (pid {job.process.pid}, log {job.log_path})")
                bad = _report(outcomes + [s for s in skipped if s.action != "skipped"]) != 0 or bad
                stop.event.wait(interval)
            bad = _report(runner.wait()) != 0 or bad
    click.echo("scheduler: stopped")
    sys.exit(EXIT_SUSPECT if bad else 0)
