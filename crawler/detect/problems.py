"""Validation problems: each one knows its file, line and column, what is wrong and how to fix it."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Literal


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a rule or test file, with its place (1-based line and column)."""

    path: Path
    line: int
    col: int
    what: str
    fix: str = ""
    severity: Literal["error", "warning"] = "error"

    def __str__(self) -> str:
        where = f"{self.path}:{self.line}:{self.col}"
        label = "" if self.severity == "error" else "warning: "
        return f"{where}: {label}{self.what}" + (f" — {self.fix}" if self.fix else "")


class RuleFileError(Exception):
    """A rule file is broken; ``str(err)`` is ``file:line:col: what is wrong — how to fix it``."""

    def __init__(self, problems: list[Problem]):
        self.problems = problems
        super().__init__(str(problems[0]) if problems else "rule file error")
