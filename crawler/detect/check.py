"""``hazards rules check``: every problem in every rule file and test file, not just the first."""

from __future__ import annotations

import re
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from crawler.detect.cases import load_cases
from crawler.detect.loader import ParsedFile, cases_file_for, finalize, parse_all
from crawler.detect.models import Condition
from crawler.detect.problems import Problem

MIN_CASES = 3
_ONE_SYLLABLE = re.compile(r"^[\uac00-\ud7a3]$")


def check_paths(paths: Iterable[str | Path]) -> list[Problem]:
    """Validate rule files and their test files; cross-file checks run last."""
    paths = [Path(p) for p in paths]
    problems: list[Problem] = []
    for path in paths:
        if not path.exists():
            problems.append(Problem(path, 1, 1, "no such file or folder", "check the path"))
    files = list(parse_all(p for p in paths if p.exists()))
    for parsed in files:
        problems += parsed.problems
        if parsed.rule is not None:
            problems += _lint(parsed)
        problems += _check_tests(parsed)
    problems += finalize(files)
    return problems


def _check_tests(parsed: ParsedFile) -> list[Problem]:
    test_path = cases_file_for(parsed.path)
    if not test_path.exists():
        line, col = parsed.where("id")
        return [
            Problem(
                parsed.path,
                line,
                col,
                f"no test file {test_path.name}",
                f"create {test_path.name} with at least {MIN_CASES} flag and {MIN_CASES} ok cases",
            )
        ]
    cases, problems = load_cases(test_path)
    if problems:
        return problems
    for expect in ("flag", "ok"):
        count = sum(1 for _, c in cases if c.expect == expect)
        if count < MIN_CASES:
            problems.append(
                Problem(
                    test_path,
                    1,
                    1,
                    f"only {count} '{expect}' case(s)",
                    f"add cases until there are at least {MIN_CASES}, including near-misses",
                    severity="warning",
                )
            )
    return problems


def _lint(parsed: ParsedFile) -> list[Problem]:
    """Warnings about rules that are valid but likely to misfire."""
    problems: list[Problem] = []
    rule = parsed.rule
    assert rule is not None
    for loc, condition in _conditions(rule.match, ("match",)):
        problems += _word_warnings(parsed, loc, condition)
    if rule.unless is not None:
        for loc, condition in _conditions(rule.unless, ("unless",)):
            problems += _word_warnings(parsed, loc, condition)
    return problems


def _word_warnings(parsed: ParsedFile, loc: tuple[Any, ...], condition: Condition) -> list[Problem]:
    problems = []
    for mode in ("any_words", "all_words", "none_words"):
        for index, word in enumerate(getattr(condition, mode) or []):
            if _ONE_SYLLABLE.match(word.strip()):
                line, col = parsed.where(*loc, mode, index)
                problems.append(
                    Problem(
                        parsed.path,
                        line,
                        col,
                        f"the one-syllable word '{word}' also matches inside longer words",
                        "write a longer form (e.g. '납 검출' instead of '납')",
                        severity="warning",
                    )
                )
    return problems


def _conditions(condition: Condition, loc: tuple[Any, ...]):
    yield loc, condition
    for name in ("all", "any"):
        for index, child in enumerate(getattr(condition, name + "_") or []):
            yield from _conditions(child, (*loc, name, index))
    if condition.not_ is not None:
        yield from _conditions(condition.not_, (*loc, "not"))
