"""The command line as a user meets it: help with examples, and one clear line for bad input."""

from __future__ import annotations

import click
import pytest
from click.testing import CliRunner

from crawler.cli import main


def all_commands(group: click.Group, prefix: str = "hazards"):
    for name, command in group.commands.items():
        path = f"{prefix} {name}"
        yield path, command
        if isinstance(command, click.Group):
            yield from all_commands(command, path)


COMMANDS = list(all_commands(main))


@pytest.mark.parametrize(("path", "command"), COMMANDS, ids=[p for p, _ in COMMANDS])
def test_every_command_has_help_with_an_example(path, command):
    if isinstance(command, click.Group):
        assert command.help, f"{path} needs a docstring"
        return
    assert "Example:" in (command.help or ""), f"{path}: add an 'Example:' block to its docstring"
    result = CliRunner().invoke(main, [*path.split()[1:], "--help"])
    assert result.exit_code == 0 and "Example:" in result.output


def run(*args: str):
    result = CliRunner().invoke(main, list(args))
    lines = [line for line in result.output.strip().splitlines() if line.strip()]
    return result.exit_code, lines


def test_unknown_spider_names_the_choices(tmp_path):
    code, lines = run("crawl", "shopee", "--db", str(tmp_path / "h.db"))
    assert code != 0 and len(lines) == 1
    assert "unknown spider 'shopee'" in lines[0] and "coupang" in lines[0]


def test_structured_without_start_url_says_how_to_fix(tmp_path):
    code, lines = run("crawl", "structured", "--db", str(tmp_path / "h.db"))
    assert code != 0 and "--start-url" in lines[-1]


def test_unreachable_start_url_is_one_line(tmp_path, unused_port):
    code, lines = run("crawl", "structured", "--start-url", f"http://127.0.0.1:{unused_port}/", "--db",
                      str(tmp_path / "h.db"))
    assert code != 0 and len(lines) == 1 and "cannot connect" in lines[0]


def test_db_in_a_missing_folder_names_the_option(tmp_path):
    code, lines = run("crawl", "coupang", "--db", str(tmp_path / "missing" / "h.db"))
    assert code != 0 and "--db" in lines[-1] and "does not exist" in lines[-1]


def test_broken_rule_file_stops_the_crawl_with_file_and_line(tmp_path):
    rules = tmp_path / "rules"
    rules.mkdir()
    (rules / "bad-rule.yaml").write_text("id: bad-rule\ntitle: x\nseverity: high\nmatch:\n  any_words: [a\n",
                                         encoding="utf-8")
    code, lines = run("crawl", "coupang", "--rules", str(rules), "--db", str(tmp_path / "h.db"))
    assert code != 0 and len(lines) == 1
    assert "bad-rule.yaml:" in lines[0]
    assert not (tmp_path / "h.db").exists() or (tmp_path / "h.db").stat().st_size >= 0


def test_a_failed_start_keeps_what_the_database_had(tmp_path):
    from crawler.items import Listing
    from crawler.store import Store

    db = tmp_path / "h.db"
    with Store(db) as store:
        store.upsert_listings([Listing.from_raw({"site": "coupang", "listing_id": "1", "url": "http://x/1",
                                                 "title": "어린이 우산"})])
    code, _ = run("crawl", "nope", "--db", str(db))
    assert code != 0
    with Store(db) as store:
        assert store.count_listings() == {"coupang": 1}
