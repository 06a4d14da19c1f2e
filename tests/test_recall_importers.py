"""Recall importers on the real SafetyKorea / EU Safety Gate files and the CPSC fixture."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from crawler import normalize
from crawler.recalls.bundled import EU_SAFETY_GATE_FILE, SAFETYKOREA_FILE
from crawler.recalls.importers import SkipRecord, load_file, model_candidates, parse_safetykorea, strip_labels

SAFETYKOREA = SAFETYKOREA_FILE
EU_ALERTS = EU_SAFETY_GATE_FILE
CPSC = Path(__file__).parent / "data" / "recalls" / "cpsc_sample.json"


@pytest.fixture(scope="module")
def safetykorea():
    result = load_file(SAFETYKOREA, "safetykorea")
    return {n.recall_id: n for n in result.notices}, result


def test_every_safetykorea_record_imports(safetykorea):
    by_id, result = safetykorea
    assert len(by_id) == 4092 and result.skipped == []


def test_safetykorea_fields_and_traps(safetykorea):
    by_id, _ = safetykorea
    trike = by_id["safetykorea:10019239"]  # certNum 'CB072R004-1001<br>(인증모델: YUT-001)', brand '-'
    assert trike.kc_certs == ["CB072R004-1001"] and trike.models == ["YUT-001"] and trike.brand is None
    assert trike.maker == "㈜유아용품연구소" and trike.published == "2023-06-28"
    headband = by_id["safetykorea:10018539"]  # '(제품표기)…', certNum '- <br>(인증모델: -)'
    assert headband.title == "비단길 냥냥큐빅 머리띠 보라" and headband.kc_certs == [] and headband.models == []
    rope = by_id["safetykorea:10014573"]  # certNum '비대상', recallProductName is a category
    assert rope.title == "몰랑 점핑 줄넘기" and rope.kc_certs == [] and rope.gtins == ["08809627020956"]
    assert by_id["safetykorea:10015325"].models == ["SK500", "K501G"]


def test_placeholders_never_become_identifiers(safetykorea):
    by_id, _ = safetykorea
    for notice in by_id.values():
        for code in notice.gtins:
            assert normalize.gtin(code) == code and not code.endswith("000000")
        for number in notice.kc_certs:
            assert normalize.kc_cert(number) == number
        assert all(normalize.model_key(m) for m in notice.models)
        assert notice.brand is None or not normalize.is_placeholder(notice.brand)


def test_kc_numbers_with_five_digit_tails_and_four_digit_heads():
    assert normalize.kc_certs("B021R006-17001") == ["B021R006-17001"]
    assert normalize.kc_certs("HC7061-3001, B3666R248-2001A") == ["B3666R248-2001A", "HC7061-3001"]
    assert normalize.kc_certs("-<br>(인증모델: -)") == [] and normalize.kc_certs("010-1234-5678") == []


def test_labels_and_model_lists():
    assert strip_labels("(상품명) 허니 슬라임") == "허니 슬라임"
    assert model_candidates("SE28A260RK, SE54A563RK,<br> SE58A560RK ") == ["SE28A260RK", "SE54A563RK", "SE58A560RK"]
    assert model_candidates("HNK-7500 골드Q") == ["HNK-7500"]
    assert model_candidates("몰랑 점핑 줄넘기") == [] and model_candidates("-") == []


@pytest.mark.parametrize("record, reason", [
    ({"recallModelName": "x"}, "recallUid"),
    ({"recallUid": 5, "recallModelName": "-", "recallProductName": None}, "no product name"),
])
def test_malformed_safetykorea_records_are_skipped_with_reason(record, reason, tmp_path):
    path = tmp_path / "bad.jsonl"
    good = {"recallUid": 7, "recallModelName": "토끼 인형", "publishDate": "2024013"}
    path.write_text("\n".join([json.dumps(record), "{not json", json.dumps(good), "[1]"]), encoding="utf-8")
    result = load_file(path, "safetykorea")
    assert [n.recall_id for n in result.notices] == ["safetykorea:7"]
    assert result.notices[0].published is None
    assert reason in result.skipped[0][1] and "not JSON" in result.skipped[1][1]
    assert result.skipped[2][1] == "not a JSON object"
    with pytest.raises(SkipRecord, match="recallUid"):
        parse_safetykorea({"recallUid": "x"})


def test_eu_safety_gate_alerts():
    result = load_file(EU_ALERTS, "eu-safety-gate")
    by_id = {n.recall_id: n for n in result.notices}
    assert len(by_id) == 52 and not result.skipped
    keyring = by_id["eu-safety-gate:A12/00002/19"]
    assert keyring.models == ["MO8253"] and keyring.brand is None
    assert keyring.hazard_types == ["chemical", "injuries"] and keyring.published == "2019-12-11"
    assert by_id["eu-safety-gate:A12/00021/19"].brand == "King toy's"  # trailing space trimmed
    assert by_id["eu-safety-gate:A12/00019/19"].models == []  # type-approval numbers are not models


def test_cpsc_fixture():
    result = load_file(CPSC, "cpsc")
    by_id = {n.recall_id: n for n in result.notices}
    assert result.skipped == [("record 5", "missing RecallNumber")]
    beads = by_id["cpsc:26101"]
    assert beads.title == "Bright Bead Water Bead Activity Kit" and beads.models == ["BB-600", "BB-601"]
    assert beads.gtins == ["00812345001013", "00812345001020"] and beads.published == "2026-03-12"
    assert by_id["cpsc:26102"].maker.startswith("Magna Build")  # importer when no manufacturer
    assert by_id["cpsc:26103"].gtins == [] and by_id["cpsc:26103"].models == []  # N/A and '-'
    assert by_id["cpsc:26104"].models == ["TT-200", "TT-200B"]  # <br> list, 000000000000 dropped
    assert by_id["cpsc:26104"].gtins == ["00843210005515"]


def test_unknown_format():
    with pytest.raises(ValueError, match="unknown format"):
        load_file(CPSC, "rapex")
