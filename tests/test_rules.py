"""Registry-wide rule tests: every rule file is valid, has tests, and passes each of its cases."""

from __future__ import annotations

from pathlib import Path

import pytest

from crawler.detect import load_rules
from crawler.detect.cases import format_result, load_cases, run_case
from crawler.detect.check import check_paths
from crawler.detect.loader import cases_file_for
from crawler.detect.schema import schema_text

RULES_DIR = Path(__file__).resolve().parents[1] / "rules"
RULESET = load_rules([RULES_DIR])

REQUIRED_IDS = {
    "water-beads-for-children",
    "magnets-marketed-to-children",
    "button-cells-in-childrens-products",
    "slime-boron-preservatives",
    "hood-drawstrings-childrens-wear",
    "phthalate-pvc-childrens-items",
    "heavy-metals-kids-jewellery",
    "childrens-product-without-kc",
    "purchase-agent-notice-missing",
    "seoul-test-findings-watchlist",
    "recalled-product",
}


def _cases():
    for rule in RULESET:
        cases, problems = load_cases(cases_file_for(rule.path))
        assert not problems, problems
        for number, (line, case) in enumerate(cases, 1):
            yield pytest.param(rule, number, line, case, id=f"{rule.id}:{line}:{case.expect}")


def test_rules_check_clean():
    problems = check_paths([RULES_DIR])
    assert [str(p) for p in problems if p.severity == "error"] == []


def test_required_rules_exist_and_enough_rules():
    assert REQUIRED_IDS <= set(RULESET.ids)
    assert len(RULESET) >= 25


def test_schema_is_current():
    committed = (RULES_DIR / "schema.json").read_text(encoding="utf-8")
    assert committed == schema_text(), "rules/schema.json is stale: run `hazards rules schema`"


@pytest.mark.parametrize("rule, number, line, case", list(_cases()))
def test_rule_case(rule, number, line, case):
    result = run_case(rule, number, line, case)
    if result.outcome == "skipped":
        pytest.skip(result.detail)
    assert result.outcome in ("pass", "todo", "fixed"), format_result(result, cases_file_for(rule.path))


def test_every_rule_has_three_flag_and_three_ok_cases():
    for rule in RULESET:
        cases, _ = load_cases(cases_file_for(rule.path))
        expects = [c.expect for _, c in cases]
        assert expects.count("flag") >= 3 and expects.count("ok") >= 3, rule.id
