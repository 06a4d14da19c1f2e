"""``hazards demo``, ``hazards crawl`` and ``hazards sandbox serve``."""

from __future__ import annotations

import os
import sys

import click

from crawler.cli import main
from crawler.cli._options import db_option, key_value_pairs, one_line_errors, open_store, rules_option
from crawler.crawl import CrawlError, CrawlJob, project_settings, run
from crawler.detect import RuleFileError
from crawler.store import StoreError

_INPUT_ERRORS = (CrawlError, RuleFileError, StoreError)


@main.command()
@db_option
@rules_option
@one_line_errors(*_INPUT_ERRORS)
def demo(db: str, rules_dir: str | None) -> None:
    """Crawl the sandbox market end to end and print what was found.

    Starts the local sandbox market, imports the bundled real recall data, crawls all six shops and
    the recall portal with the real spiders, applies the rules and writes the database.

    Example:

        hazards demo --db hazards.db
    """
    from crawler.demo import run_demo

    click.echo(run_demo(db, rules_dir))


@main.command()
@click.argument("spider")
@click.option("--base-url", help="Crawl this host instead of the sandbox market (a permitted site).")
@click.option("--start-url", help="Start page for the structured spider.")
@click.option("-a", "spider_args", multiple=True, callback=key_value_pairs, metavar="NAME=VALUE",
              help="Extra spider argument (repeatable).")
@click.option("-s", "setting_overrides", multiple=True, callback=key_value_pairs, metavar="NAME=VALUE",
              help="Override a Scrapy/hazards setting for this crawl (repeatable), e.g. -s DOWNLOAD_TIMEOUT=10.")
@click.option("--jobdir", type=click.Path(file_okay=False), help="Keep crawl state here so a killed crawl resumes.")
@click.option("--sandbox-size", type=click.IntRange(min=1), help="Serve a generated sandbox catalog of N listings.")
@db_option
@rules_option
@one_line_errors(*_INPUT_ERRORS)
def crawl(spider: str, base_url: str | None, start_url: str | None, spider_args: dict, setting_overrides: dict,
          jobdir: str | None,
          sandbox_size: int | None, db: str, rules_dir: str | None) -> None:
    """Crawl one site, detect hazards and store the listings.

    Without --base-url the spider crawls the embedded sandbox market.

    Example:

        hazards crawl coupang --db hazards.db

        hazards crawl structured --start-url https://shop.example.kr/
    """
    args = dict(spider_args)
    if base_url:
        args["base_url"] = base_url
    if start_url:
        args["start_url"] = start_url
    sandbox = spider != "structured" and not base_url
    overrides = {**setting_overrides, **({"JOBDIR": jobdir} if jobdir else {})}
    if sys.stderr.isatty() and "LOG_LEVEL" not in overrides and "HAZARDS_LOG_LEVEL" not in os.environ:
        # At a terminal the live progress line is the output; Scrapy's INFO dumps would bury it.
        overrides["LOG_LEVEL"] = "WARNING"
    settings = project_settings(db=db, rules_dir=rules_dir, sandbox=sandbox, overrides=overrides)
    stats = run([CrawlJob(spider, args)], settings, sandbox_size=sandbox_size)
    with open_store(db) as store:
        for name, values in stats.items():
            run_row = store.get_run(values.get("hazards/run_id")) if values.get("hazards/run_id") else None
            status = run_row["status"] if run_row else values.get("finish_reason")
            recalls = values.get("hazards/recalls", 0)
            stored = f"{recalls} recall notices" if recalls else f"{values.get('hazards/listings', 0)} listings"
            click.echo(f"{name}: run {values.get('hazards/run_id')} {status}: {stored}, "
                       f"{values.get('hazards/hits', 0)} flags, {values.get('hazards/blocked', 0)} blocked pages")
            for reason in (run_row or {}).get("stats", {}).get("suspect_reasons") or []:
                click.echo(f"  suspect: {reason}")


@main.group()
def sandbox() -> None:
    """The local sandbox market (fixture shops for demos and tests)."""


@sandbox.command("serve")
@click.option("--port", type=click.IntRange(0, 65535), default=8700, show_default=True,
              help="Port of the first site; the others follow (0: free ports).")
@click.option("--size", type=click.IntRange(min=1), help="Serve a generated catalog of N listings.")
@click.option("--seed", type=int, default=0, show_default=True, help="Seed of the generated catalog.")
@click.option("--site", "sites", multiple=True, help="Serve only this site (repeatable).")
def sandbox_serve(port: int, size: int | None, seed: int, sites: tuple[str, ...]) -> None:
    """Serve the sandbox market in the foreground until Ctrl-C.

    Example:

        hazards sandbox serve --port 8700
    """
    from crawler.sandbox.__main__ import serve

    try:
        serve(port=port, size=size, seed=seed, sites=list(sites) or None)
    except (OSError, ValueError) as error:
        raise click.ClickException(f"cannot serve the sandbox market: {error}") from error
