"""The detection engine: word matching, conditions, audience, hits and explain."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pytest
from click.testing import CliRunner

from crawler.cli import main
from crawler.detect import Detector, load_rules
from crawler.detect.audience import derive
from crawler.items import Listing

RULE = """\
id: {id}
title: engine test rule
status: test
severity: high
hazard: chemical
description: engine test
{body}
"""


def listing(title: str, **raw) -> Listing:
    return Listing.from_raw({"site": "t", "listing_id": "1", "url": "https://x.test/1", "title": title, **raw})


def detector(tmp_path: Path, body: str, recall_index=None, rule_id: str = "r") -> Detector:
    (tmp_path / f"{rule_id}.yaml").write_text(RULE.format(id=rule_id, body=body), encoding="utf-8")
    return Detector(load_rules([tmp_path]), recall_index)


@pytest.mark.parametrize(
    "title, flagged",
    [
        ("어린이용자석", True),
        ("어린이 용 자석", True),
        ("ＰＶＣ 인형", True),
        ("Pvc-doll", True),
        ("儿童 磁力珠", True),
        ("uPVC window", False),
        ("pvcs", False),
        ("plain toy", False),
    ],
)
def test_words_ignore_spacing_width_case(tmp_path, title, flagged):
    found = detector(tmp_path, "match:\n  any_words: [어린이용 자석, pvc, 磁力珠]").detect(listing(title))
    assert bool(found) is flagged


def test_all_none_and_in(tmp_path):
    det = detector(tmp_path, "match:\n  all_words: [후드, 조임끈]\n  in: [title]\n  none_words: [끈 없음]")
    assert det.detect(listing("아동 후드 조임끈"))
    assert not det.detect(listing("아동 후드", description="조임끈"))
    assert not det.detect(listing("아동 후드 조임끈 끈 없음"))


def test_unless_excludes_negated_form(tmp_path):
    det = detector(
        tmp_path, "match:\n  any_words: [프탈레이트, phthalate]\nunless:\n  any_words: [무프탈레이트, phthalate-free]"
    )
    assert det.detect(listing("프탈레이트 검출 인형"))
    assert not det.detect(listing("무프탈레이트 인형"))
    assert not det.detect(listing("Phthalate-free doll"))


def test_attribute_kc_states(tmp_path):
    det = detector(tmp_path, "match:\n  attribute: {field: kc_cert, is: invalid}")
    assert det.detect(listing("toy", kc_cert="KC 12345"))
    assert not det.detect(listing("toy", kc_cert="-"))
    assert not det.detect(listing("toy", kc_cert="CB063R10760-6013"))


def test_attribute_numbers_and_any_not(tmp_path):
    body = (
        "match:\n  any:\n    - attribute: {field: price_krw, below: 1000}\n"
        "    - not: {attribute: {field: age_min_months, above: 12}}"
    )
    det = detector(tmp_path, body)
    assert det.detect(listing("toy", price="900원", age="3세 이상"))
    assert det.detect(listing("toy", price="9,900원"))
    assert not det.detect(listing("toy", price="9,900원", age="3세 이상"))


def test_when_audience_site_price(tmp_path):
    body = "when:\n  audience: children\n  site: [t]\n  price: {max: 5000}\nmatch:\n  any_words: [반지]"
    det = detector(tmp_path, body)
    assert det.detect(listing("어린이 반지", price="1,000원"))
    assert not det.detect(listing("어린이 반지", price="10,000원"))
    assert not det.detect(listing("반지", price="1,000원"))


@pytest.mark.parametrize(
    "title, age, category, expected",
    [
        ("어린이 선물 자석 구슬", "14세 이상", None, "children"),
        ("데스크 자석 구슬", "14세 이상", None, "any"),
        ("자석 구슬", "14세 이상", "완구", "any"),
        ("블록", "8~13세", None, "children"),
        ("쪽쪽이 클립", None, None, "infant"),
        ("Toddler shoes", None, None, "infant"),
        ("水宝宝 园艺", None, None, "any"),
        ("세제 (어린이 손이 닿지 않는 곳에 보관)", None, None, "any"),
        ("블록", None, "유아동 > 완구", "children"),
    ],
)
def test_audience(title, age, category, expected):
    raw = {k: v for k, v in {"age": age, "category": category}.items() if v}
    assert derive(listing(title, **raw)).label == expected


def test_watchlist_fuzzy_with_evidence(tmp_path):
    body = "match:\n  watchlist:\n    threshold: 85\n    items:\n      - {name: 어린이 가죽 가방, note: phthalates}"
    det = detector(tmp_path, body)
    [hit] = det.detect(listing("신상 어린이가죽가방 미니"))
    evidence = hit.evidence["matched"][0]
    assert evidence["item"]["name"] == "어린이 가죽 가방" and evidence["score"] >= 85 and hit.score >= 85
    assert not det.detect(listing("여성 소가죽 토트백"))


@dataclass
class FakeMatch:
    recall_id: str
    score: float
    evidence: dict


class FakeIndex:
    def match(self, listing, min_score=0):
        return [FakeMatch("kr:1", 95, {"gtin": "x"}), FakeMatch("kr:2", 70, {})]


def test_recall_hits_one_per_recall(tmp_path):
    det = detector(tmp_path, "match:\n  recall: {min_score: 80}", FakeIndex())
    [hit] = det.detect(listing("toy"))
    assert (hit.recall_id, hit.score, hit.evidence["recall"]) == ("kr:1", 95, {"gtin": "x"})
    assert (
        detector(tmp_path, "match:\n  recall: {min_score: 60}", FakeIndex()).detect(listing("toy"))[1].recall_id
        == "kr:2"
    )
    assert Detector(det.ruleset).detect(listing("toy")) == []


def test_hit_fields_and_version(tmp_path):
    det = detector(tmp_path, "match:\n  any_words: [자석]")
    [hit] = det.detect(listing("자석 장난감"))
    assert (hit.rule_id, hit.recall_id, hit.severity, hit.hazard) == ("r", "", "high", "chemical")
    assert len(hit.rule_version) == 12
    assert hit.evidence["matched"] == [{"kind": "any_words", "words": ["자석"], "field": "title"}]


def test_explain_cli_shows_text_conditions_and_decision():
    args = [
        "rules",
        "explain",
        "magnets-marketed-to-children",
        "--title",
        "어린이 선물 네오디뮴 자석 구슬 216개",
        "--age",
        "14세 이상",
    ]
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 0, result.output
    assert "normalised text:" in result.output and "어린이 선물 네오디뮴 자석 구슬 216개" in result.output
    assert "✓ when: audience children (word '어린이')" in result.output
    assert "found ['네오디뮴', '자석 구슬'" in result.output and "=> FLAG" in result.output
    bad = CliRunner().invoke(main, ["rules", "explain", "no-such-rule", "--title", "x"])
    assert bad.exit_code == 2 and "no rule 'no-such-rule'" in bad.output
