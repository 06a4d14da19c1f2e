"""`hazards rescan`: re-run the rules over stored listings (dry run shows what would change)."""

from __future__ import annotations

from pathlib import Path

import click

from crawler.cli import main
from crawler.cli._options import db_option, open_store
from crawler.detect import Detector, RuleFileError, load_rules
from crawler.detect import rescan as rescan_lib


def _recall_index(store):
    try:
        from crawler.recalls.index import RecallIndex
    except ImportError:
        return None
    return RecallIndex.from_store(store)


@main.command()
@db_option
@click.option(
    "--rules",
    "rules_dir",
    type=click.Path(),
    default=None,
    help="Rules folder or file (default: $HAZARDS_RULES, ./rules, or the bundled rules).",
)
@click.option("--rule", "rule_ids", multiple=True, help="Only this rule id (repeatable).")
@click.option("--site", default=None, help="Only listings of this site.")
@click.option("--dry-run", is_flag=True, help="List the flags that would be added and cleared; write nothing.")
@click.option("--show", default=5, show_default=True, type=click.IntRange(0), help="Examples listed per rule.")
def rescan(db, rules_dir, rule_ids, site, dry_run, show):
    """Re-run detection over every stored listing after a rule or recall change.

    A real rescan records each flag's rule version (content hash); flags that no longer match
    become `cleared` (kept, not deleted). Flags a reviewer already handled stay as they are.

    Example:

        hazards rescan --dry-run --db hazards.db
    """
    try:
        ruleset = load_rules([Path(rules_dir)] if rules_dir else None)
    except RuleFileError as err:
        raise click.ClickException(f"{err} (run `hazards rules check`)") from None
    unknown = sorted(set(rule_ids) - set(ruleset.ids))
    if unknown:
        raise click.BadParameter(f"no rule {', '.join(unknown)}; see `hazards rules check`", param_hint="--rule")
    store = open_store(db)
    try:
        detector = Detector(ruleset, _recall_index(store))
        wanted = list(rule_ids) or None
        if not dry_run:
            counts = rescan_lib.apply(store, detector, wanted, site, {"db": db, "site": site})
            click.echo(
                f"rescan run {counts['run_id']}: {counts['items']} listings, {counts['flags']} hits; flags "
                f"{counts['new']} new, {counts['updated']} updated, {counts['reopened']} reopened, "
                f"{counts['cleared']} cleared"
            )
            return
        result = rescan_lib.plan(store, detector, wanted, site)
    finally:
        store.close()
    click.echo(f"dry run: {result.listings} listings, {result.hits} hits; nothing written")
    if not any(c.added or c.cleared or c.kept for c in result.rules.values()):
        click.echo("no change: the open flags already match the rules")
        return
    for rule_id in sorted(result.rules):
        change = result.rules[rule_id]
        version = ruleset.by_id[rule_id].version if rule_id in ruleset.by_id else "-"
        click.echo(
            f"{rule_id} ({version}): +{len(change.added)} added, -{len(change.cleared)} cleared"
            + (f", {len(change.kept)} no longer match but were reviewed (kept)" if change.kept else "")
        )
        for sign, keys in (("+", change.added), ("-", change.cleared), ("=", change.kept)):
            for key in keys[:show]:
                recall = f" recall {key[3]}" if key[3] else ""
                title = result.titles.get(key[:2], "")
                click.echo(f"    {sign} {key[0]}/{key[1]}{recall} {title[:60]}".rstrip())
            if len(keys) > show:
                click.echo(f"    {sign} … and {len(keys) - show} more")
