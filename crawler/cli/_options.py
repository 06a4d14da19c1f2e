"""Options and helpers shared by the CLI modules."""

from __future__ import annotations

import functools
from pathlib import Path

import click

from crawler import settings
from crawler.store import Store, StoreError


def _check_db(ctx: click.Context, param: click.Parameter, value: str) -> str:
    folder = Path(value).expanduser().resolve().parent
    if not folder.is_dir():
        raise click.BadParameter(f"folder {folder} does not exist; create it or choose another path", param=param)
    return value


db_option = click.option(
    "--db", "db", default=lambda: settings.HAZARDS_DB, show_default="hazards.db (or $HAZARDS_DB)",
    callback=_check_db, help="SQLite database file.",
)
rules_option = click.option(
    "--rules", "rules_dir", default=None, type=click.Path(file_okay=False),
    help="Folder of YAML rules (default: $HAZARDS_RULES or ./rules).",
)


def open_store(path: str) -> Store:
    """Open the database or exit with a one-line reason."""
    try:
        return Store(path)
    except StoreError as error:
        raise click.ClickException(str(error)) from error


def existing_store(path: str) -> Store:
    """Open a database that must already exist (review commands never create an empty one)."""
    if not Path(path).exists():
        raise click.ClickException(f"no database at {path}; run `hazards crawl` or `hazards demo` first, or pass --db")
    return open_store(path)


def one_line_errors(*errors: type[Exception]):
    """Decorator: turn the given library errors into a one-line CLI error (exit 1)."""

    def wrap(func):
        @functools.wraps(func)
        def inner(*args, **kwargs):
            try:
                return func(*args, **kwargs)
            except errors as error:
                message = str(error).splitlines()[0] if str(error) else type(error).__name__
                raise click.ClickException(message) from error

        return inner

    return wrap


def key_value_pairs(ctx: click.Context, param: click.Parameter, values: tuple[str, ...]) -> dict[str, str]:
    """Click callback for repeatable NAME=VALUE options (-a spider arguments, -s settings)."""
    pairs = {}
    for value in values:
        name, sep, arg = value.partition("=")
        if not sep or not name:
            raise click.BadParameter(f"{value!r} is not NAME=VALUE", param=param)
        pairs[name] = arg
    return pairs
