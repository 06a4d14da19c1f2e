"""Load rule files: safe YAML, typed validation, and problems that point at file:line:col.

:func:`check_paths` collects every problem (for ``hazards rules check``); :func:`load_rules` stops
at the first broken file with a :class:`RuleFileError`, so a crawl never runs on half a rule set.
"""

from __future__ import annotations

import difflib
import hashlib
import os
import types
import typing
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ValidationError

from crawler.detect import yamlmarks
from crawler.detect.models import Rule
from crawler.detect.problems import Problem, RuleFileError

TEST_SUFFIX = ".test.yaml"


def default_rules_dir() -> Path:
    """The rules folder: env HAZARDS_RULES, else ./rules if it exists, else the repository's rules/."""
    env = os.environ.get("HAZARDS_RULES")
    if env:
        return Path(env)
    local = Path("rules")
    if local.is_dir():
        return local
    return Path(__file__).resolve().parents[2] / "rules"


def rule_files(paths: Iterable[str | Path]) -> list[Path]:
    """Every rule file (``*.yaml`` but not ``*.test.yaml``) under the given files and folders, sorted."""
    found: list[Path] = []
    for path in map(Path, paths):
        if path.is_dir():
            candidates = sorted(p for p in path.rglob("*.yaml") if p.is_file())
        else:
            candidates = [path]
        found += [p for p in candidates if not p.name.endswith(TEST_SUFFIX)]
    return sorted(dict.fromkeys(found))


def cases_file_for(path: Path) -> Path:
    """The test-case file beside a rule file: ``x.yaml`` -> ``x.test.yaml``."""
    return path.with_name(path.name[: -len(".yaml")] + TEST_SUFFIX)


def rule_version(content: bytes) -> str:
    """Rule version recorded on flags: the first 12 hex digits of the sha1 of the file bytes."""
    return hashlib.sha1(content).hexdigest()[:12]


@dataclass
class ParsedFile:
    """A rule file after parsing and validation (``rule`` is None when it has errors)."""

    path: Path
    content: bytes
    rule: Rule | None = None
    located: yamlmarks.Located | None = None
    problems: list[Problem] = field(default_factory=list)

    @property
    def version(self) -> str:
        return rule_version(self.content)

    def where(self, *loc: Any, key: bool = False) -> tuple[int, int]:
        return self.located.where(loc, key=key) if self.located else (1, 1)


def parse_yaml(path: Path, text: str) -> tuple[yamlmarks.Located | None, list[Problem]]:
    """Parse YAML text, turning a syntax error into a Problem at its line and column."""
    try:
        return yamlmarks.load(text), []
    except yaml.MarkedYAMLError as err:
        mark = err.problem_mark or err.context_mark
        line, col = (mark.line + 1, mark.column + 1) if mark else (1, 1)
        what = f"YAML syntax error: {err.problem or err.context}"
        return None, [Problem(path, line, col, what, "check indentation, colons and quotes on this line")]
    except yaml.YAMLError as err:
        return None, [Problem(path, 1, 1, f"YAML error: {err}", "fix the YAML syntax")]


def parse_rule_file(path: Path) -> ParsedFile:
    """Read, parse and validate one rule file; every problem found is in ``.problems``."""
    content = path.read_bytes()
    parsed = ParsedFile(path, content)
    try:
        text = content.decode("utf-8")
    except UnicodeDecodeError as err:
        parsed.problems.append(Problem(path, 1, 1, f"not UTF-8 text ({err.reason})", "save the file as UTF-8"))
        return parsed
    parsed.located, parsed.problems = parse_yaml(path, text)
    if parsed.located is None:
        return parsed
    located = parsed.located
    for loc, (line, col) in located.duplicates:
        parsed.problems.append(
            Problem(
                path,
                line,
                col,
                f"the key '{loc[-1]}' appears twice",
                "keep one of them; YAML keeps only the last",
            )
        )
    if not isinstance(located.data, dict):
        parsed.problems.append(
            Problem(
                path,
                1,
                1,
                "a rule file must be a mapping of keys (id:, title:, match: …)",
                "start from an existing rule in rules/ and change it",
            )
        )
        return parsed
    try:
        parsed.rule = Rule.model_validate(located.data)
    except ValidationError as exc:
        parsed.problems += validation_problems(path, located, exc, Rule)
        return parsed
    expected = path.name[: -len(".yaml")]
    if parsed.rule.id != expected:
        line, col = parsed.where("id")
        parsed.problems.append(
            Problem(
                path,
                line,
                col,
                f"the id '{parsed.rule.id}' differs from the file name '{path.name}'",
                f"write `id: {expected}` or rename the file to {parsed.rule.id}.yaml",
            )
        )
    return parsed


# --- pydantic errors in plain words ---------------------------------------------------------------------


def validation_problems(
    path: Path, located: yamlmarks.Located, exc: ValidationError, root: type[BaseModel]
) -> list[Problem]:
    """Turn pydantic's errors into Problems with a place and a fix, one per error."""
    problems: list[Problem] = []
    for error in exc.errors():
        loc = _data_loc(located, tuple(error["loc"]))
        kind = error["type"]
        name = _describe(loc)
        if kind == "extra_forbidden":
            line, col = located.where(loc, key=True)
            allowed = _allowed_keys(root, loc[:-1])
            guess = difflib.get_close_matches(str(loc[-1]), allowed, n=1, cutoff=0.6)
            fix = f"did you mean '{guess[0]}'?" if guess else "remove it or check the spelling"
            if allowed:
                fix += " Allowed here: " + ", ".join(allowed)
            problems.append(Problem(path, line, col, f"unknown key '{loc[-1]}'", fix))
            continue
        if kind == "missing":
            line, col = located.where(loc[:-1])
            problems.append(
                Problem(
                    path,
                    line,
                    col,
                    f"the required key '{loc[-1]}' is missing",
                    f"add `{loc[-1]}: …` here (see rules/README.md)",
                )
            )
            continue
        line, col = located.where(loc)
        ctx = error.get("ctx") or {}
        if kind == "literal_error":
            what = f"{name}: {error['input']!r} is not allowed"
            fix = f"use one of {ctx.get('expected', '')}"
        elif kind == "too_short":
            what = f"{name} is empty"
            fix = "add at least one entry, or remove the key"
        elif kind in ("greater_than_equal", "less_than_equal", "greater_than", "less_than"):
            what = f"{name}: {error['input']!r} is out of range"
            fix = "use a number from 0 to 100" if "threshold" in name or "score" in name else error["msg"]
        elif kind == "value_error":
            what = f"{name}: " + str(error["msg"]).removeprefix("Value error, ")
            what, _, fix = what.partition("; ")
            fix = fix or "see rules/README.md"
        elif kind == "string_pattern_mismatch":
            what = f"{name}: {error['input']!r} is not a valid id"
            fix = "use lower-case letters, digits and hyphens, e.g. water-beads-for-children"
        elif kind.endswith("_type") or kind.endswith("_parsing"):
            what = f"{name}: expected {_expected(kind)}, got {type(error['input']).__name__} {error['input']!r}"
            fix = "quote text with \"…\"; write lists as [a, b] or one '- item' per line"
        else:
            what, fix = f"{name}: {error['msg']}", "see rules/README.md"
        problems.append(Problem(path, line, col, what, fix))
    return _dedupe(problems)


def _dedupe(problems: list[Problem]) -> list[Problem]:
    seen: set[tuple[int, int, str]] = set()
    unique = []
    for problem in problems:
        mark = (problem.line, problem.col, problem.what)
        if mark not in seen:
            seen.add(mark)
            unique.append(problem)
    return unique


def _data_loc(located: yamlmarks.Located, loc: tuple[Any, ...]) -> tuple[Any, ...]:
    """Drop pydantic's union-branch tags from an error location, keeping the real data path."""
    data_loc: list[Any] = []
    node = located.data
    for part in loc:
        if isinstance(node, dict) and part in node:
            data_loc.append(part)
            node = node[part]
        elif isinstance(node, list) and isinstance(part, int) and part < len(node):
            data_loc.append(part)
            node = node[part]
        elif isinstance(node, dict) and isinstance(part, str) and part == loc[-1]:
            data_loc.append(part)  # a missing key: keep its name
        else:
            continue
    return tuple(data_loc)


def _describe(loc: tuple[Any, ...]) -> str:
    text = ""
    for part in loc:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text or "the file"


def _expected(kind: str) -> str:
    return {
        "string_type": "text",
        "int_type": "a whole number",
        "int_parsing": "a whole number",
        "float_type": "a number",
        "float_parsing": "a number",
        "list_type": "a list",
        "dict_type": "a mapping",
        "model_type": "a mapping of keys",
        "bool_type": "true or false",
        "bool_parsing": "true or false",
    }.get(kind, kind.replace("_", " "))


def _allowed_keys(root: type[BaseModel], loc: tuple[Any, ...]) -> list[str]:
    model: Any = root
    for part in loc:
        if isinstance(part, int):
            continue
        if not (isinstance(model, type) and issubclass(model, BaseModel)):
            return []
        for name, info in model.model_fields.items():
            if part in (name, info.alias):
                model = _model_in(info.annotation)
                break
        else:
            return []
    if isinstance(model, type) and issubclass(model, BaseModel):
        return [info.alias or name for name, info in model.model_fields.items()]
    return []


def _model_in(annotation: Any) -> Any:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    if typing.get_origin(annotation) in (list, typing.Union, types.UnionType) or typing.get_args(annotation):
        for arg in typing.get_args(annotation):
            found = _model_in(arg)
            if found is not None:
                return found
    return None


# --- loading a whole rule set ---------------------------------------------------------------------------


def parse_all(paths: Iterable[str | Path]) -> Iterator[ParsedFile]:
    """Parse every rule file under paths (no cross-file checks)."""
    for path in rule_files(paths):
        yield parse_rule_file(path)


def finalize(files: list[ParsedFile]) -> list[Problem]:
    """Checks across files: duplicate ids."""
    problems: list[Problem] = []
    first: dict[str, ParsedFile] = {}
    for parsed in files:
        if parsed.rule is None:
            continue
        other = first.setdefault(parsed.rule.id, parsed)
        if other is not parsed:
            line, col = parsed.where("id")
            problems.append(
                Problem(
                    parsed.path,
                    line,
                    col,
                    f"duplicate id '{parsed.rule.id}' (also in {other.path})",
                    "give each rule its own id and file name",
                )
            )
    return problems


def load_rules(paths: Iterable[str | Path] | str | Path | None = None):
    """Load and compile every rule under paths (default: :func:`default_rules_dir`).

    Raises :class:`RuleFileError` for the first broken file, ``file:line:col: what — how to fix``.
    """
    from crawler.detect.engine import RuleSet, compile_rule

    if paths is None:
        paths = [default_rules_dir()]
    elif isinstance(paths, str | Path):
        paths = [paths]
    paths = list(paths)
    for path in map(Path, paths):
        if not path.exists():
            raise RuleFileError([Problem(path, 1, 1, "no such file or folder", "check the --rules path")])
    files = []
    for parsed in parse_all(paths):
        errors = [p for p in parsed.problems if p.severity == "error"]
        if errors:
            raise RuleFileError(errors)
        files.append(parsed)
    cross = finalize(files)
    if cross:
        raise RuleFileError(cross)
    return RuleSet([compile_rule(p.rule, p.version, p.path) for p in files if p.rule is not None])
