"""Writing rows for people and spreadsheets safely: tables, CSV and JSON.

Listing text comes from hostile pages: terminal output drops control characters (no escape
sequences reach the reviewer's terminal) and CSV cells that a spreadsheet would run as a formula
(``=``, ``+``, ``-``, ``@``) are prefixed with a quote.
"""

from __future__ import annotations

import csv
import io
import json
import re
import unicodedata
from collections.abc import Sequence
from typing import Any

_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def terminal_safe(value: Any) -> str:
    """Text for a terminal: no control characters or bidi overrides, newlines as spaces."""
    text = "" if value is None else str(value)
    return _CONTROL.sub("", text.replace("\n", " ").replace("\r", " "))


def csv_safe(value: Any) -> Any:
    """A CSV cell that spreadsheets will not run as a formula."""
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    return value


def _width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _fit(text: str, width: int) -> str:
    out, used = "", 0
    for ch in text:
        w = 2 if unicodedata.east_asian_width(ch) in "WF" else 1
        if used + w > width:
            return out[:-1] + "…" if out else ""
        out, used = out + ch, used + w
    return out + " " * (width - used)


def table(rows: Sequence[dict[str, Any]], columns: Sequence[str], max_width: int = 40) -> str:
    """A plain-text table that lines up Korean (double-width) text."""
    cells = [[terminal_safe(row.get(c)) for c in columns] for row in rows]
    widths = [min(max([_width(c)] + [_width(r[i]) for r in cells]), max_width) for i, c in enumerate(columns)]
    lines = ["  ".join(_fit(c, w) for c, w in zip(columns, widths, strict=True)).rstrip()]
    lines.append("  ".join("-" * w for w in widths))
    lines += ["  ".join(_fit(v, w) for v, w in zip(r, widths, strict=True)).rstrip() for r in cells]
    return "\n".join(lines)


def to_csv(rows: Sequence[dict[str, Any]], columns: Sequence[str]) -> str:
    """CSV with a header row and formula-safe cells."""
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=list(columns), extrasaction="ignore", lineterminator="\n")
    writer.writeheader()
    for row in rows:
        writer.writerow({c: csv_safe(row.get(c)) for c in columns})
    return buffer.getvalue()


def to_json(rows: Sequence[dict[str, Any]]) -> str:
    """Pretty JSON, Korean kept readable."""
    return json.dumps(list(rows), ensure_ascii=False, indent=2, default=str)


def render(rows: Sequence[dict[str, Any]], columns: Sequence[str], fmt: str) -> str:
    """Rows in the requested format: table, csv or json (for click.echo, which adds the last newline)."""
    if fmt == "json":
        return to_json(rows)
    if fmt == "csv":
        return to_csv(rows, columns).removesuffix("\n")
    return table(rows, columns) if rows else "(no rows)"
