"""`hazards rules check|test|explain|schema`: the rule author's tools."""

from __future__ import annotations

import json
from pathlib import Path

import click

from crawler.cli import main
from crawler.detect import Detector, RuleFileError, default_rules_dir, load_rules
from crawler.detect.cases import format_result, run_rule_tests
from crawler.detect.check import check_paths
from crawler.detect.loader import cases_file_for
from crawler.detect.schema import write_schema
from crawler.items import Listing


def _paths(paths: tuple[str, ...]) -> list[Path]:
    return [Path(p) for p in paths] or [default_rules_dir()]


def _load(paths: list[Path]):
    try:
        return load_rules(paths)
    except RuleFileError as err:
        raise click.ClickException(f"{err} (run `hazards rules check` for every problem)") from None


@main.group()
def rules() -> None:
    """Write, check, test and explain detection rules (rules/*.yaml).

    Example:

        hazards rules check && hazards rules test
    """


@rules.command()
@click.argument("paths", nargs=-1, type=click.Path())
def check(paths: tuple[str, ...]) -> None:
    """Validate rule files and their test files; print every problem as file:line:col.

    Checks unknown keys (with a did-you-mean), bad or dangerous regexes, empty word lists, thresholds
    out of range, ids that differ from the file name, duplicate ids and rules without test files.
    PATHS default to the rules folder. Exits 1 on any error (warnings alone exit 0).

    Example:

        hazards rules check rules/water-beads-for-children.yaml
    """
    targets = _paths(paths)
    problems = check_paths(targets)
    for problem in problems:
        click.echo(str(problem))
    errors = sum(1 for p in problems if p.severity == "error")
    warnings = len(problems) - errors
    if errors:
        raise click.ClickException(f"{errors} error(s), {warnings} warning(s) in {', '.join(map(str, targets))}")
    click.echo(f"ok: no errors ({warnings} warning(s))")


@rules.command("test")
@click.argument("paths", nargs=-1, type=click.Path())
@click.option("--verbose", "-v", is_flag=True, help="Also list the cases that pass.")
def test_rules(paths: tuple[str, ...], verbose: bool) -> None:
    """Run each rule's <id>.test.yaml cases (expect: flag | ok | todo).

    A failure shows the case, the normalised text and which condition decided. `todo` cases are
    known misses: they are reported, not failed. Exits 1 when any case fails.

    Example:

        hazards rules test rules/magnets-marketed-to-children.yaml
    """
    ruleset = _load(_paths(paths))
    counts = {"pass": 0, "fail": 0, "todo": 0, "fixed": 0, "skipped": 0}
    problems = 0
    for rule in ruleset:
        results, issues = run_rule_tests(rule)
        for issue in issues:
            click.echo(str(issue))
            problems += issue.severity == "error"
        test_path = cases_file_for(rule.path) if rule.path else None
        for result in results:
            counts[result.outcome] += 1
            if result.outcome != "pass" or verbose:
                click.echo(format_result(result, test_path))
    summary = ", ".join(f"{n} {k}" for k, n in counts.items() if n) or "no cases"
    click.echo(f"{len(ruleset)} rule(s): {summary}")
    if counts["fail"] or problems:
        raise click.ClickException(f"{counts['fail']} case(s) failed, {problems} test-file problem(s)")


@rules.command()
@click.argument("rule_id")
@click.option("--title", required=True, help="Listing title as the shop shows it.")
@click.option("--description", default=None, help="Listing description.")
@click.option("--category", default=None, help="Shop category path, e.g. '완구 > 자석'.")
@click.option("--kc", "kc_cert", default=None, help="KC certificate text as shown ('-' for none).")
@click.option("--age", default=None, help="Age text as shown, e.g. '14세 이상'.")
@click.option("--price", default=None, help="Price as shown, e.g. '12,900원'.")
@click.option("--site", default="explain", show_default=True, help="Site (spider) name.")
@click.option("--purchase-agent/--no-purchase-agent", default=None, help="Listed by a purchase agent.")
@click.option("--rules", "rules_dir", type=click.Path(), default=None, help="Rules folder or file.")
@click.option("--json", "as_json", is_flag=True, help="Print the hits as JSON after the explanation.")
def explain(rule_id, title, description, category, kc_cert, age, price, site, purchase_agent, rules_dir, as_json):
    """Show how one rule judges a listing: normalised text, each condition, scores against thresholds.

    Example:

        hazards rules explain magnets-marketed-to-children \\
            --title "어린이 선물 네오디뮴 자석 구슬 216개" --age "14세 이상"
    """
    ruleset = _load([Path(rules_dir)] if rules_dir else [default_rules_dir()])
    if rule_id not in ruleset.by_id:
        raise click.BadParameter(
            f"no rule '{rule_id}'; known ids: {', '.join(sorted(ruleset.ids))}", param_hint="RULE_ID"
        )
    raw = {
        "site": site,
        "listing_id": "explain",
        "url": "https://example.test/explain",
        "title": title,
        "description": description,
        "category": category,
        "kc_cert": kc_cert,
        "age": age,
        "price": price,
        "purchase_agent": purchase_agent,
    }
    listing = Listing.from_raw({k: v for k, v in raw.items() if v is not None})
    detector = Detector(ruleset)
    click.echo(detector.explain(rule_id, listing))
    if as_json:
        click.echo(
            json.dumps([h.to_dict() for h in detector.detect_rule(rule_id, listing)], ensure_ascii=False, indent=2)
        )


@rules.command()
@click.option("--out", type=click.Path(), default=None, help="Where to write (default: rules/schema.json).")
def schema(out: str | None) -> None:
    """Rewrite the JSON Schema editors use to autocomplete rule files.

    Example:

        hazards rules schema
    """
    path = Path(out) if out else default_rules_dir() / "schema.json"
    if not path.parent.is_dir():
        raise click.BadParameter(f"folder {path.parent} does not exist", param_hint="--out")
    click.echo(f"{path}: {'updated' if write_schema(path) else 'already current'}")
