"""The compliance report: one self-contained HTML file (inline CSS and SVG charts, no scripts, no CDN).

Every piece of text that came from a database is passed through :func:`html.escape` (listing titles
come from hostile pages), and URLs are only linked when they are http(s).
"""

from __future__ import annotations

import html
from collections import Counter
from datetime import UTC, datetime
from typing import Any

from crawler.store import Store

PALETTE = ("#c0392b", "#e67e22", "#f1c40f", "#27ae60", "#2980b9", "#8e44ad", "#16a085", "#7f8c8d", "#d35400",
           "#2c3e50")
#: Time-to-removal buckets (upper bound in hours, label).
BUCKETS = ((24, "< 1 day"), (48, "1-2 days"), (72, "2-3 days"), (120, "3-5 days"), (240, "5-10 days"),
           (float("inf"), "> 10 days"))


def esc(value: Any) -> str:
    """Text for HTML content and attributes."""
    return html.escape("" if value is None else str(value), quote=True)


def link(url: Any, text: Any = None) -> str:
    """A link for http(s) URLs; anything else is shown as text."""
    url = "" if url is None else str(url)
    if url.startswith(("http://", "https://")):
        return f'<a href="{esc(url)}" rel="noopener noreferrer">{esc(text if text is not None else url)}</a>'
    return esc(text if text is not None else url)


def gather(store: Store) -> dict[str, Any]:
    """Every figure the report shows, read from the views."""
    return {
        "by_site_hazard": store.open_flags_by_site_hazard(),
        "status_counts": store.flag_status_counts(),
        "compliance": store.compliance(),
        "overdue": store.overdue(),
        "hours": store.removal_hours(),
        "open": store.open_flags(limit=500),
        "working_days": store.takedown_working_days(),
    }


def stacked_bars(rows: list[dict[str, Any]], chart: str, title: str) -> str:
    """Horizontal stacked bars: one bar per site, one segment per hazard, with a legend."""
    sites = sorted({r["site"] for r in rows})
    hazards = sorted({r["hazard"] for r in rows})
    colour = {h: PALETTE[i % len(PALETTE)] for i, h in enumerate(hazards)}
    totals = Counter()
    for r in rows:
        totals[r["site"]] += r["n"]
    biggest = max(totals.values(), default=1)
    width, label_w, bar_h = 720, 150, 22
    scale = (width - label_w - 60) / biggest
    height = 30 + len(sites) * (bar_h + 8) + 24 * (1 + len(hazards) // 5)
    parts = [f'<svg class="chart" data-chart="{esc(chart)}" role="img" aria-label="{esc(title)}" '
             f'width="{width}" height="{height}" viewBox="0 0 {width} {height}">', f"<title>{esc(title)}</title>"]
    for i, site in enumerate(sites):
        y = 10 + i * (bar_h + 8)
        parts.append(f'<text x="{label_w - 6}" y="{y + 15}" text-anchor="end">{esc(site)}</text>')
        x = label_w
        for r in (r for r in rows if r["site"] == site):
            w = r["n"] * scale
            parts.append(f'<rect class="bar" x="{x:.1f}" y="{y}" width="{w:.1f}" height="{bar_h}" '
                         f'fill="{colour[r["hazard"]]}" data-site="{esc(site)}" data-hazard="{esc(r["hazard"])}" '
                         f'data-value="{r["n"]}"><title>{esc(site)} · {esc(r["hazard"])}: {r["n"]}</title></rect>')
            x += w
        parts.append(f'<text class="total" x="{x + 6:.1f}" y="{y + 15}">{totals[site]}</text>')
    y = 20 + len(sites) * (bar_h + 8)
    for i, hazard in enumerate(hazards):
        lx, ly = 10 + (i % 5) * 140, y + (i // 5) * 22
        parts.append(f'<rect x="{lx}" y="{ly}" width="12" height="12" fill="{colour[hazard]}"></rect>'
                     f'<text x="{lx + 16}" y="{ly + 11}">{esc(hazard)}</text>')
    parts.append("</svg>")
    return "".join(parts)


def bars(values: list[tuple[str, float]], chart: str, title: str, unit: str = "") -> str:
    """A vertical bar chart of labelled values."""
    width, height, pad = 720, 240, 36
    biggest = max((v for _, v in values), default=0) or 1
    step = (width - 2 * pad) / max(len(values), 1)
    parts = [f'<svg class="chart" data-chart="{esc(chart)}" role="img" aria-label="{esc(title)}" '
             f'width="{width}" height="{height}" viewBox="0 0 {width} {height}">', f"<title>{esc(title)}</title>",
             f'<line x1="{pad}" y1="{height - pad}" x2="{width - pad}" y2="{height - pad}" stroke="#555"></line>']
    for i, (label, value) in enumerate(values):
        h = (height - 2 * pad - 16) * value / biggest
        x = pad + i * step + step * 0.15
        y = height - pad - h
        shown = f"{value:g}{unit}"
        parts.append(f'<rect class="bar" x="{x:.1f}" y="{y:.1f}" width="{step * 0.7:.1f}" height="{h:.1f}" '
                     f'fill="#2980b9" data-label="{esc(label)}" data-value="{value:g}">'
                     f"<title>{esc(label)}: {esc(shown)}</title></rect>"
                     f'<text class="value" x="{x + step * 0.35:.1f}" y="{y - 4:.1f}" text-anchor="middle">'
                     f"{esc(shown)}</text>"
                     f'<text x="{x + step * 0.35:.1f}" y="{height - pad + 16}" text-anchor="middle">'
                     f"{esc(label)}</text>")
    parts.append("</svg>")
    return "".join(parts)


def removal_histogram(hours: list[float]) -> list[tuple[str, float]]:
    """Counts of removals per time-to-removal bucket."""
    counts = Counter()
    for value in hours:
        counts[next(label for bound, label in BUCKETS if value < bound)] += 1
    return [(label, counts[label]) for _, label in BUCKETS]


def table(rows: list[dict[str, Any]], columns: list[tuple[str, str]], table_id: str, empty: str) -> str:
    """An HTML table of rows; ``columns`` are (key, heading); url columns become safe links."""
    if not rows:
        return f'<p class="empty" id="{esc(table_id)}">{esc(empty)}</p>'
    head = "".join(f"<th>{esc(h)}</th>" for _, h in columns)
    body = []
    for row in rows:
        cells = "".join(f"<td>{link(row.get(k), 'link') if k == 'url' else esc(row.get(k))}</td>" for k, _ in columns)
        body.append(f"<tr>{cells}</tr>")
    return f'<table id="{esc(table_id)}"><thead><tr>{head}</tr></thead><tbody>{"".join(body)}</tbody></table>'


CSS = """
body{font-family:-apple-system,'Noto Sans KR','Malgun Gothic',sans-serif;margin:2rem;color:#222;max-width:1100px}
h1{font-size:1.6rem}h2{font-size:1.2rem;margin-top:2rem;border-bottom:1px solid #ddd}
.cards{display:flex;gap:1rem;flex-wrap:wrap}.card{border:1px solid #ddd;border-radius:6px;padding:.6rem 1rem}
.card b{display:block;font-size:1.5rem}table{border-collapse:collapse;width:100%;font-size:.85rem}
th,td{border:1px solid #ddd;padding:.25rem .4rem;text-align:left;vertical-align:top}th{background:#f4f4f4}
svg.chart text{font-size:12px;fill:#222}.empty{color:#777}.note{color:#555;font-size:.85rem}
"""


def render_report(store: Store, generated_at: datetime | None = None, source: str = "") -> str:
    """The whole report as one HTML document."""
    data = gather(store)
    at = (generated_at or datetime.now(UTC)).replace(microsecond=0).isoformat()
    n = data["working_days"]
    counts = data["status_counts"]
    open_total = sum(counts.get(s, 0) for s in ("new", "confirmed", "reported", "relisted"))
    reported_total = sum(r["reported"] for r in data["compliance"])
    cards = [("open flags", open_total), ("reported", reported_total),
             ("removed", sum(r["removed"] or 0 for r in data["compliance"])),
             ("overdue", len(data["overdue"])), ("relisted", counts.get("relisted", 0))]
    card_html = "".join(f'<div class="card" data-card="{esc(k)}"><b>{v}</b>{esc(k)}</div>' for k, v in cards)
    compliance_cols = [("site", "site"), ("reported", "reported"), ("removed", "removed"),
                       ("removed_in_time", f"removed within {n} working days"),
                       ("pct_removed_in_time", "% within deadline"),
                       ("median_hours_to_removal", "median hours to removal"), ("relisted", "relisted"),
                       ("overdue", "overdue")]
    overdue_cols = [("flag_id", "flag"), ("site", "site"), ("listing_id", "listing"), ("title", "title"),
                    ("url", "url"), ("rule_id", "rule"), ("severity", "severity"), ("reported_at", "reported"),
                    ("due_at", "due"), ("hours_overdue", "hours overdue"), ("last_outcome", "last check")]
    open_cols = [("id", "flag"), ("status", "status"), ("severity", "severity"), ("hazard", "hazard"),
                 ("rule_id", "rule"), ("site", "site"), ("title", "title"), ("url", "url"), ("seller", "seller"),
                 ("first_flagged", "flagged")]
    overdue_chart = bars([(f"#{r['flag_id']} {r['site']}", r["hours_overdue"] or 0) for r in data["overdue"][:30]],
                         "overdue", "Hours overdue per reported listing", "h") if data["overdue"] else ""
    return "".join([
        '<!DOCTYPE html><html lang="ko"><head><meta charset="utf-8">',
        "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">",
        "<title>hazards — takedown compliance report</title>", f"<style>{CSS}</style></head><body>",
        "<h1>Takedown compliance report</h1>",
        f'<p class="note">Generated {esc(at)}{" from " + esc(source) if source else ""}. Deadline: {n} working '
        "days (Mon–Fri, Korea time; public holidays not counted) after the day a listing was reported.</p>",
        f'<div class="cards">{card_html}</div>',
        "<h2>Compliance by platform</h2>",
        table(data["compliance"], compliance_cols, "compliance", "No listing has been reported to a platform yet."),
        "<h2>Flags by site and hazard</h2>",
        stacked_bars(data["by_site_hazard"], "flags-by-site-hazard", "Open flags by site and hazard")
        if data["by_site_hazard"] else '<p class="empty">No open flags.</p>',
        "<h2>Time to removal</h2>",
        bars(removal_histogram(data["hours"]), "time-to-removal", "Reported listings by time to removal"),
        "<h2>Overdue takedowns</h2>", overdue_chart,
        table(data["overdue"], overdue_cols, "overdue", "No overdue takedowns."),
        "<h2>Open flags</h2>",
        table(data["open"], open_cols, "open-flags", "No open flags."),
        "</body></html>\n",
    ])
