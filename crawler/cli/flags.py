"""``hazards flags …``: what the rules found, for reviewers."""

from __future__ import annotations

import json

import click

from crawler.cli import main
from crawler.cli._options import db_option, existing_store, open_store
from crawler.output import render, terminal_safe, to_csv, to_json

LIST_COLUMNS = ("id", "status", "severity", "rule_id", "recall_id", "site", "listing_id", "title", "url")
FORMATS = click.Choice(["table", "json", "csv"])


@main.group()
def flags() -> None:
    """Review flags: list, show, set a status (with an audit trail), export evidence.

    Example:

        hazards flags list --status new --severity critical
    """


def flag_filter_options(command):
    """The reviewer's filters shared by `flags list` and `flags export` (all bound SQL parameters)."""
    for option in reversed((
        click.option("--site", help="Only this site, e.g. coupang."),
        click.option("--severity", type=click.Choice(["critical", "high", "medium", "low"])),
        click.option("--hazard", help="Only this hazard type, e.g. chemical."),
        click.option("--rule", "rule_id", help="Only this rule id."),
        click.option("--since", help="Flagged on or after this date (YYYY-MM-DD)."),
        click.option("--search", "text", help="Text in the listing's title or description (Korean substrings too)."),
    )):
        command = option(command)
    return command


@flags.command("list")
@db_option
@click.option("--status", multiple=True, help="Only these statuses (repeatable), e.g. new, confirmed.")
@flag_filter_options
@click.option("--limit", type=click.IntRange(min=1), help="At most N rows.")
@click.option("--format", "fmt", type=FORMATS, default="table", show_default=True)
def list_flags(db: str, status, site, severity, hazard, rule_id, since, text, limit, fmt) -> None:
    """List flags with their listing.

    Example:

        hazards flags list --severity high --site temu_kr --format csv > flags.csv
    """
    with open_store(db) as store:
        rows = store.list_flags(status=status, site=site, severity=severity, hazard=hazard, rule_id=rule_id,
                                since=since, text=text, limit=limit)
    click.echo(render(rows, LIST_COLUMNS, fmt))


def _flag_id(value: str) -> int:
    try:
        return int(value)
    except ValueError:
        raise click.BadParameter(f"{value!r} is not a flag id; see `hazards flags list` for ids") from None


@flags.command("show")
@click.argument("flag_id")
@db_option
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
def show_flag(flag_id: str, db: str, fmt: str) -> None:
    """Show one flag: listing, evidence, recall notice, history and takedown checks.

    Example:

        hazards flags show 12 --db hazards.db
    """
    from crawler.store.review import FlagNotFound

    with existing_store(db) as store:
        try:
            detail = store.flag_detail(_flag_id(flag_id))
        except FlagNotFound as error:
            raise click.ClickException(str(error)) from None
    if fmt == "json":
        click.echo(json.dumps(detail, ensure_ascii=False, indent=2, default=str))
        return
    click.echo(render_detail(detail))


def render_detail(detail: dict) -> str:
    """A flag's detail as plain text for a terminal (hostile listing text made safe)."""
    flag, listing, recall = detail["flag"], detail["listing"] or {}, detail["recall"]
    lines = [
        f"flag {flag['id']}  [{flag['status']}]  {flag['severity']} {flag['hazard']}  rule {flag['rule_id']}"
        f"  score {flag['score']}",
        f"  first flagged {flag['first_flagged']}  last seen {flag['last_seen']}"
        + (f"  removed {flag['removed_at']}" if flag["removed_at"] else "")
        + (f"  relisted from flag {flag['relisted_from']}" if flag["relisted_from"] else ""),
        "",
        "listing",
    ]
    for key in ("site", "listing_id", "title", "url", "seller", "brand", "model", "gtin", "kc_cert", "kc_cert_raw",
                "price_krw", "category", "age_raw", "status", "first_seen", "last_seen"):
        if listing.get(key) not in (None, ""):
            lines.append(f"  {key:<12} {terminal_safe(listing[key])}")
    lines += ["", "evidence"]
    for key, value in (flag["evidence"] or {}).items():
        lines.append(f"  {key:<12} {terminal_safe(json.dumps(value, ensure_ascii=False, default=str))}")
    if recall:
        lines += ["", "recall notice"]
        for key, value in recall.items():
            if value not in (None, ""):
                lines.append(f"  {key:<12} {terminal_safe(value)}")
    lines += ["", "history"]
    for event in detail["history"]:
        lines.append(f"  {event['at']}  {terminal_safe(event['by'])}: {event['from_status'] or '-'} -> "
                     f"{event['to_status']}" + (f"  ({terminal_safe(event['note'])})" if event["note"] else ""))
    if detail["takedown_checks"]:
        lines += ["", "takedown checks"]
        for check in detail["takedown_checks"]:
            lines.append(f"  {check['checked_at']}  {check['outcome']:<11} HTTP {check['http_status'] or '-'}  "
                         f"{terminal_safe(check['reason'])}"
                         + (f"  screenshot {check['screenshot_path']}" if check["screenshot_path"] else ""))
    if detail["relisted_as"]:
        lines += ["", "relisted as flag(s) " + ", ".join(str(i) for i in detail["relisted_as"])]
    return "\n".join(lines)


@flags.command("set")
@click.argument("flag_id")
@click.argument("status")
@click.option("--by", "by", required=True, help="Who makes the change (recorded in the audit trail).")
@click.option("--note", default="", help="Why (recorded in the audit trail), e.g. the platform's ticket number.")
@db_option
def set_flag(flag_id: str, status: str, by: str, note: str, db: str) -> None:
    """Move a flag along its lifecycle; every change is recorded in flag_events.

    new -> confirmed | dismissed; confirmed -> reported; reported -> removed | relisted. A change the
    lifecycle does not allow is refused with the statuses that are allowed.

    Example:

        hazards flags set 12 reported --by kim.inspector --note "sent to Coupang, ticket 4411"
    """
    from crawler.store.review import FlagNotFound, IllegalTransition

    with existing_store(db) as store:
        try:
            row = store.set_flag_status(_flag_id(flag_id), status, by, note)
        except (FlagNotFound, IllegalTransition, ValueError) as error:
            raise click.ClickException(str(error)) from None
    click.echo(f"flag {row['id']}: {row['status']} ({row['status_changed_at']}, by {terminal_safe(by)})")


@flags.command("export")
@db_option
@click.option("--format", "fmt", type=click.Choice(["csv", "json"]), default="csv", show_default=True)
@click.option("--status", multiple=True, help="Only these statuses (default: all but dismissed and cleared).")
@flag_filter_options
@click.option("--out", type=click.Path(dir_okay=False, writable=True), help="Write to this file instead of stdout.")
def export_flags(db: str, fmt: str, status, site, severity, hazard, rule_id, since, text, out) -> None:
    """Export the evidence pack a reviewer sends to a platform.

    One row per flag: URL, title, seller, identifiers, rule, evidence, recall notice, when it was
    reported, the last takedown check and the screenshot path when one exists. CSV cells are safe to
    open in a spreadsheet.

    Example:

        hazards flags export --status reported --site coupang --format csv --out coupang-evidence.csv
    """
    from crawler.store.review import EXPORT_COLUMNS

    with existing_store(db) as store:
        rows = store.export_flags(status=status, site=site, severity=severity, hazard=hazard, rule_id=rule_id,
                                  since=since, text=text)
    if fmt == "json":
        for row in rows:
            row["evidence"] = json.loads(row["evidence"]) if row["evidence"] else {}
        text_out = to_json(rows)
    else:
        text_out = to_csv(rows, EXPORT_COLUMNS)
    if out:
        with open(out, "w", encoding="utf-8", newline="") as handle:
            handle.write(text_out if text_out.endswith("\n") else text_out + "\n")
        click.echo(f"{len(rows)} flags written to {out}", err=True)
    else:
        click.echo(text_out, nl=not text_out.endswith("\n"))
