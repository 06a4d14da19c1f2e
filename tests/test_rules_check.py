"""`hazards rules check` messages: each problem at file:line:col with a plain-language fix."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from crawler.cli import main
from crawler.detect import RuleFileError, load_rules
from crawler.detect.check import check_paths

GOOD = """\
id: {id}
title: test rule
status: test
severity: low
hazard: choking
description: a rule for tests
match:
  any_words: [구슬]
"""
CASES = """\
- {expect: flag, title: 구슬}
- {expect: flag, title: 구 슬}
- {expect: flag, title: 구슬 2}
- {expect: ok, title: 블록}
- {expect: ok, title: 블록 2}
- {expect: ok, title: 블록 3}
"""


def write(folder: Path, name: str, text: str, cases: bool = True) -> Path:
    path = folder / f"{name}.yaml"
    path.write_text(text, encoding="utf-8")
    if cases:
        (folder / f"{name}.test.yaml").write_text(CASES, encoding="utf-8")
    return path


def messages(folder: Path) -> list[str]:
    return [str(p) for p in check_paths([folder])]


def test_good_rule_has_no_problems(tmp_path):
    write(tmp_path, "good", GOOD.format(id="good"))
    assert messages(tmp_path) == []


def test_unknown_key_with_did_you_mean(tmp_path):
    path = write(tmp_path, "typo", GOOD.format(id="typo").replace("any_words", "any_wrds"))
    [message] = messages(tmp_path)
    assert message.startswith(f"{path}:8:3: unknown key 'any_wrds'")
    assert "did you mean 'any_words'?" in message


def test_unknown_top_level_key(tmp_path):
    path = write(tmp_path, "top", GOOD.format(id="top") + "severty: high\n")
    [message] = messages(tmp_path)
    assert message.startswith(f"{path}:9:1: unknown key 'severty'") and "'severity'" in message


def test_bad_regex_points_at_the_pattern(tmp_path):
    path = write(tmp_path, "regex", GOOD.format(id="regex") + "unless:\n  pattern: '(abc'\n")
    [message] = messages(tmp_path)
    assert message.startswith(f"{path}:10:12: unless.pattern: the pattern is not a valid regular expression")
    assert " — " in message


def test_nested_quantifier_is_rejected(tmp_path):
    write(tmp_path, "redos", GOOD.format(id="redos") + "unless:\n  pattern: '(a+)+b'\n")
    [message] = messages(tmp_path)
    assert "repeats a group that itself repeats" in message


def test_file_name_differs_from_id(tmp_path):
    path = write(tmp_path, "named", GOOD.format(id="other-name"))
    [message] = messages(tmp_path)
    assert message.startswith(f"{path}:1:5: the id 'other-name' differs from the file name")
    assert "rename the file" in message


def test_duplicate_id_across_files(tmp_path):
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    write(tmp_path / "a", "dup", GOOD.format(id="dup"))
    second = write(tmp_path / "b", "dup", GOOD.format(id="dup"))
    [message] = messages(tmp_path)
    assert message.startswith(f"{second}:1:5: duplicate id 'dup'")


def test_missing_test_file(tmp_path):
    path = write(tmp_path, "lonely", GOOD.format(id="lonely"), cases=False)
    [message] = messages(tmp_path)
    assert message.startswith(f"{path}:1:5: no test file lonely.test.yaml")


def test_yaml_syntax_error_has_line(tmp_path):
    path = write(tmp_path, "broken", GOOD.format(id="broken") + "unless:\n  any_words: [a, b\n")
    [message] = messages(tmp_path)
    assert message.startswith(f"{path}:11:") and "YAML syntax error" in message


def test_empty_word_list_and_threshold_out_of_range(tmp_path):
    text = GOOD.format(id="empty").replace(
        "any_words: [구슬]", "any_words: []\n  watchlist: {threshold: 150, items: [{name: 키링 인형}]}"
    )
    path = write(tmp_path, "empty", text)
    found = messages(tmp_path)
    assert any(m.startswith(f"{path}:8:14: match.any_words is empty") for m in found), found
    assert any("match.watchlist.threshold: 150 is out of range — use a number from 0 to 100" in m for m in found)


def test_bad_enum_lists_the_choices(tmp_path):
    path = write(tmp_path, "sev", GOOD.format(id="sev").replace("severity: low", "severity: hgh"))
    [message] = messages(tmp_path)
    assert message.startswith(f"{path}:4:11: severity: 'hgh' is not allowed — use one of")


def test_load_rules_raises_first_error(tmp_path):
    write(tmp_path, "typo", GOOD.format(id="typo").replace("any_words", "any_wrds"))
    with pytest.raises(RuleFileError) as err:
        load_rules([tmp_path])
    assert str(err.value).startswith(f"{tmp_path / 'typo.yaml'}:8:3: unknown key 'any_wrds'")


def test_cli_check_exit_codes(tmp_path):
    write(tmp_path, "good", GOOD.format(id="good"))
    runner = CliRunner()
    assert runner.invoke(main, ["rules", "check", str(tmp_path)]).exit_code == 0
    write(tmp_path, "bad", GOOD.format(id="bad").replace("any_words", "any_wrds"))
    result = runner.invoke(main, ["rules", "check", str(tmp_path)])
    assert result.exit_code == 1 and "unknown key 'any_wrds'" in result.output


def test_cli_test_reports_failure_with_explanation(tmp_path):
    write(tmp_path, "good", GOOD.format(id="good"))
    (tmp_path / "good.test.yaml").write_text(CASES + "- {expect: flag, title: 블록 4}\n- {expect: todo, title: 비즈}\n")
    result = CliRunner().invoke(main, ["rules", "test", str(tmp_path)])
    assert result.exit_code == 1
    assert "FAIL" in result.output and "normalised text: 블록 4" in result.output
    assert "decided by match" in result.output
    assert "TODO" in result.output and "1 todo" in result.output
