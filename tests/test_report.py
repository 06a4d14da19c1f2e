"""The compliance report: self-contained, escaped, and its charts and figures render in Chromium."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from crawler import settings
from crawler.cli import main
from tests.review_data import XSS_TITLE, build


@pytest.fixture(scope="module")
def report(tmp_path_factory):
    folder = tmp_path_factory.mktemp("report")
    build(folder / "h.db")
    out = folder / "report.html"
    result = CliRunner().invoke(main, ["report", "--db", str(folder / "h.db"), "--out", str(out)])
    assert result.exit_code == 0, result.output
    return out


def test_report_is_self_contained_and_escaped(report):
    text = report.read_text(encoding="utf-8")
    assert "<script" not in text and "onerror=alert" not in text.replace("onerror=alert(1)&gt;", "")
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; 무프탈레이트" in text
    assert "src=" not in text.replace("src=x", "") and "http-equiv" not in text
    assert 'href="https://coupang.example/p/c3"' in text


def test_report_missing_db_is_one_line(tmp_path):
    result = CliRunner().invoke(main, ["report", "--db", str(tmp_path / "none.db"), "--out", str(tmp_path / "r.html")])
    assert result.exit_code == 1 and "no database at" in result.output


def test_report_renders_charts_and_numbers_in_chromium(report):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=settings.CHROMIUM_PATH, args=settings.BROWSER_ARGS)
        page = browser.new_page()
        requests = []
        page.on("request", lambda r: requests.append(r.url))
        dialogs = []
        page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
        page.goto(report.as_uri())
        charts = page.eval_on_selector_all("svg.chart", "els => els.map(e => e.dataset.chart)")
        assert charts == ["flags-by-site-hazard", "time-to-removal", "overdue"]
        for chart in charts:
            box = page.locator(f'svg[data-chart="{chart}"]').bounding_box()
            assert box["width"] > 300 and box["height"] > 100
        segments = page.eval_on_selector_all(
            'svg[data-chart="flags-by-site-hazard"] rect.bar',
            "els => els.map(e => [e.dataset.site, e.dataset.hazard, +e.dataset.value, e.getBBox().width])")
        totals = {}
        for site, _hazard, value, width in segments:
            assert width > 0
            totals[site] = totals.get(site, 0) + value
        assert totals == {"coupang": 4, "temu_kr": 3}
        histogram = page.eval_on_selector_all('svg[data-chart="time-to-removal"] rect.bar',
                                              "els => els.map(e => [e.dataset.label, +e.dataset.value])")
        assert dict(histogram)["< 1 day"] == 1 and dict(histogram)["5-10 days"] == 1
        row = page.locator("#compliance tbody tr", has_text="coupang").inner_text().split("\t")
        assert row[:8] == ["coupang", "3", "2", "1", "33.3", "94.0", "0", "1"]
        assert page.locator("#overdue tbody tr").count() == 1
        assert page.locator('[data-card="relisted"] b').inner_text() == "1"
        assert page.locator("#open-flags").get_by_text(XSS_TITLE).count() == 1
        assert dialogs == [] and all(u.startswith("file:") for u in requests)
        browser.close()
