"""Rule test cases: ``<id>.test.yaml`` beside each rule, run by ``hazards rules test`` and pytest.

A test file is a list of cases. Each case holds raw listing fields as a spider would yield them
(``title``, ``description``, ``category``, ``kc_cert``, ``age``, ``price``, ``site``,
``purchase_agent`` …) and ``expect``: ``flag`` (the rule must flag it), ``ok`` (it must not) or
``todo`` (a known miss: it should flag but does not yet; reported, never failed).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from crawler.detect import yamlmarks
from crawler.detect.engine import CompiledRule, Context
from crawler.detect.loader import cases_file_for, parse_yaml, validation_problems
from crawler.detect.problems import Problem
from crawler.items import Listing, RecallNotice


class Case(BaseModel):
    """One test case: a raw listing and what the rule must do with it."""

    model_config = ConfigDict(extra="forbid")

    name: str | None = None
    expect: Literal["flag", "ok", "todo"]
    note: str | None = None
    recalls: list[dict[str, Any]] = Field(default_factory=list, description="Recall notices to match against.")
    title: str
    description: str | None = None
    category: str | None = None
    brand: str | None = None
    model: str | None = None
    seller: str | None = None
    gtin: str | None = None
    kc_cert: str | None = None
    age: str | None = None
    price: str | int | float | None = None
    original_price: str | int | float | None = None
    site: str = "test"
    listing_id: str | None = None
    url: str | None = None
    purchase_agent: bool | None = None
    availability: str | None = None
    specs: dict[str, str] = Field(default_factory=dict)
    options: list[dict[str, Any]] = Field(default_factory=list)

    def listing(self, number: int) -> Listing:
        """The Listing this case describes (site, id and url filled in when not given)."""
        raw = self.model_dump(exclude={"name", "expect", "note", "recalls"}, exclude_none=True)
        raw.setdefault("listing_id", f"case-{number}")
        raw.setdefault("url", f"https://example.test/{raw['site']}/{raw['listing_id']}")
        return Listing.from_raw(raw)

    def label(self, number: int) -> str:
        return self.name or f"case {number}: {self.title[:50]}"


@dataclass
class CaseResult:
    """Outcome of one case: pass, fail, todo (still missed), fixed (a todo that now flags) or skipped."""

    rule_id: str
    number: int
    line: int
    case: Case
    outcome: Literal["pass", "fail", "todo", "fixed", "skipped"]
    detail: str = ""


def load_cases(path: Path) -> tuple[list[tuple[int, Case]], list[Problem]]:
    """(line, case) pairs of a test file, plus every problem with it."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as err:
        return [], [Problem(path, 1, 1, f"cannot read the test file ({err.strerror})", "check the file")]
    located, problems = parse_yaml(path, text)
    if located is None:
        return [], problems
    if not isinstance(located.data, list) or not located.data:
        return [], [
            Problem(
                path,
                1,
                1,
                "a test file must be a list of cases",
                "write one '- {expect: flag, title: …}' per case",
            )
        ]
    cases: list[tuple[int, Case]] = []
    for index, raw in enumerate(located.data):
        line = located.where((index,))[0]
        try:
            cases.append((line, Case.model_validate(raw)))
        except ValidationError as exc:
            sub = yamlmarks.Located(raw, _shift(located.values, index), _shift(located.keys, index))
            problems += validation_problems(path, sub, exc, Case)
    return cases, problems


def _shift(table: dict[tuple, tuple[int, int]], index: int) -> dict[tuple, tuple[int, int]]:
    return {loc[1:]: mark for loc, mark in table.items() if loc[:1] == (index,)}


def recall_index_for(case: Case) -> Any:
    """A recall index built from the case's own recall notices (None without any)."""
    if not case.recalls:
        return None
    from crawler.recalls.index import RecallIndex  # imported only when a case needs it

    return RecallIndex([RecallNotice.model_validate(n) for n in case.recalls])


def run_case(rule: CompiledRule, number: int, line: int, case: Case) -> CaseResult:
    """Evaluate one case against one rule."""
    try:
        listing = case.listing(number)
    except ValidationError as exc:
        return CaseResult(rule.id, number, line, case, "fail", f"the case is not a valid listing: {exc}")
    try:
        index = recall_index_for(case)
    except ImportError:
        return CaseResult(rule.id, number, line, case, "skipped", "needs crawler.recalls (not installed yet)")
    ctx = Context(listing, index)
    flagged = bool(rule.hits(ctx))
    if case.expect == "todo":
        return CaseResult(
            rule.id,
            number,
            line,
            case,
            "fixed" if flagged else "todo",
            "now flags: change expect to flag" if flagged else "known miss",
        )
    if flagged == (case.expect == "flag"):
        return CaseResult(rule.id, number, line, case, "pass")
    explanation = "\n".join(["normalised text: " + ctx.text(None), *rule.explain(Context(listing, index))])
    got = "flagged" if flagged else "did not flag"
    return CaseResult(rule.id, number, line, case, "fail", f"expected {case.expect}, {got}\n{explanation}")


def run_rule_tests(rule: CompiledRule) -> tuple[list[CaseResult], list[Problem]]:
    """Run every case of a rule's test file."""
    path = cases_file_for(rule.path) if rule.path else None
    if path is None or not path.exists():
        where = path or Path(f"{rule.id}.test.yaml")
        return [], [
            Problem(
                where,
                1,
                1,
                f"rule '{rule.id}' has no test file",
                f"create {where.name} with at least 3 flag and 3 ok cases",
            )
        ]
    cases, problems = load_cases(path)
    return [run_case(rule, n, line, case) for n, (line, case) in enumerate(cases, 1)], problems


def format_result(result: CaseResult, path: Path | None) -> str:
    """A readable report line (and, for failures, the explanation under it)."""
    where = f"{path}:{result.line}" if path else f"{result.rule_id}#{result.number}"
    head = f"{result.outcome.upper():7} {where} {result.case.label(result.number)}"
    if result.outcome == "fail":
        return head + "\n" + "\n".join("        " + line for line in result.detail.splitlines())
    if result.outcome in ("todo", "fixed", "skipped"):
        return f"{head} ({result.detail})"
    return head
