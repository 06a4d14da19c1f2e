"""``hazards ingest``: the single SQLite writer for crawls spread over several processes (scrapy-redis)."""

from __future__ import annotations

import click

from crawler.cli import main
from crawler.cli._options import db_option, one_line_errors, rules_option
from crawler.crawl import project_settings
from crawler.detect import RuleFileError
from crawler.store import StoreError


@main.command()
@click.option("--redis-url", envvar="REDIS_URL", required=True,
              help="Redis the crawler processes push items to (env REDIS_URL), e.g. redis://10.0.0.5:6379/0.")
@click.option("--key", help="Redis list of items (default: <HAZARDS_REDIS_PREFIX>:items, i.e. hazards:items).")
@click.option("--crawlers", type=click.IntRange(min=1),
              help="Stop once this many crawler processes have finished and every item is stored.")
@click.option("--idle-exit", type=click.FloatRange(min=0),
              help="Stop once no item has arrived for this many seconds.")
@db_option
@rules_option
@one_line_errors(RuleFileError, StoreError)
def ingest(redis_url: str, key: str | None, crawlers: int | None, idle_exit: float | None, db: str,
           rules_dir: str | None) -> None:
    """Store the items that crawler processes push to Redis (normalise, detect, store).

    Run one ingest per database, next to it; run `hazards crawl` with REDIS_URL set on as many
    machines as you like. Without --crawlers or --idle-exit it runs until Ctrl-C / SIGTERM.

    Example:

        REDIS_URL=redis://10.0.0.5:6379/0 hazards crawl coupang --base-url https://www.coupang.com

        hazards ingest --redis-url redis://10.0.0.5:6379/0 --db hazards.db --crawlers 4
    """
    import redis

    from crawler.distributed import Ingestor

    settings = project_settings(db=db, rules_dir=rules_dir)
    try:
        ingestor = Ingestor(redis_url, settings, key=key)
        ingestor.server.ping()
        counts = ingestor.run(crawlers=crawlers, idle_exit=idle_exit)
    except redis.exceptions.ConnectionError as error:
        raise click.ClickException(
            f"--redis-url {redis_url}: cannot connect ({error}); is redis-server running?"
        ) from None
    click.echo(f"ingested {counts.get('items', 0)} items ({counts.get('dropped', 0)} dropped) "
               f"from {len(ingestor.closed)} crawler processes into {db}")
    for closed in ingestor.closed:
        click.echo(f"  {closed['spider']} on {closed['host']} pid {closed['pid']}: "
                   f"{closed['stats'].get('hazards/redis_pushed', 0)} items, "
                   f"{closed['stats'].get('response_received_count', 0)} pages")
