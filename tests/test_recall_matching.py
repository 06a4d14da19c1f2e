"""The recall match index: evidence, conflicts, and precision/recall on labelled real-data pairs."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from crawler.items import Listing, RecallNotice
from crawler.recalls.bundled import SAFETYKOREA_FILE
from crawler.recalls.importers import load_file
from crawler.recalls.index import DEFAULT_MIN_SCORE, RecallIndex

DATA = Path(__file__).parent / "data" / "recalls"
SAFETYKOREA = SAFETYKOREA_FILE


def listing(title: str, **raw: str) -> Listing:
    return Listing.from_raw({"site": "t", "listing_id": "1", "url": "http://t/1", "title": title, **raw})


@pytest.fixture(scope="module")
def small() -> RecallIndex:
    return RecallIndex([
        RecallNotice(recall_id="safetykorea:1", source="safetykorea", title="몰랑 점핑 줄넘기", brand="몰랑",
                     gtins=["08809627020956"], kc_certs=["CB063R2734-8001"]),
        RecallNotice(recall_id="safetykorea:2", source="safetykorea", title="YUT-001", models=["YUT-001"],
                     maker="㈜유아용품연구소", kc_certs=["CB072R004-1001"]),
        RecallNotice(recall_id="safetykorea:3", source="safetykorea", title="원목체스"),
        RecallNotice(recall_id="safetykorea:4", source="safetykorea", title="원목 블록 놀이 세트 100pcs"),
    ])


def ids(matches) -> list[str]:
    return [m.recall_id for m in matches]


def test_gtin_kc_and_model_evidence(small):
    by_gtin = small.match(listing("줄넘기", gtin="8809627020956"))
    assert ids(by_gtin) == ["safetykorea:1"] and by_gtin[0].evidence["matched"][0] == "gtin"
    by_kc = small.match(listing("유아 세발 자전거", kc_cert="KC 인증 CB072R004-1001"))
    assert ids(by_kc) == ["safetykorea:2"] and by_kc[0].evidence["kc_cert"] == "CB072R004-1001"
    by_model = small.match(listing("세발자전거", brand="유아용품연구소", model="yut 001"))
    assert ids(by_model) == ["safetykorea:2"] and by_model[0].score >= 95
    assert "model" in by_model[0].evidence["matched"] and "brand" in by_model[0].evidence["matched"]


def test_title_variants_spacing_spelling_english(small):
    assert ids(small.match(listing("[무료배송] 몰랑점핑줄넘기 어린이 선물"))) == ["safetykorea:1"]
    assert ids(small.match(listing("원목 블럭 놀이세트 100pcs 유아"))) == ["safetykorea:4"]
    assert ids(small.match(listing("원목 block 놀이 set 100pcs"))) == ["safetykorea:4"]


def test_conflicts_count_against(small):
    other_kc = small.match(listing("몰랑 점핑 줄넘기", kc_cert="CB111R428-7001"), min_score=0)
    assert other_kc[0].evidence["conflicts"] == ["kc_cert"] and other_kc[0].score < DEFAULT_MIN_SCORE
    sibling = small.match(listing("유아 세발자전거 YUT-002", brand="유아용품연구소"), min_score=0)
    assert "model" in sibling[0].evidence["conflicts"] and sibling[0].score < DEFAULT_MIN_SCORE


def test_generic_title_alone_is_weak_and_missing_values_never_match(small):
    weak = small.match(listing("원목 체스 세트"), min_score=0)
    assert weak[0].recall_id == "safetykorea:3" and weak[0].evidence["generic_title"]
    assert weak[0].score < DEFAULT_MIN_SCORE
    nothing = listing("아동 우산", gtin="-", kc_cert="공급자적합성", model="해당없음", brand="-")
    assert nothing.gtin is None and nothing.kc_cert is None and small.match(nothing, min_score=1) == []


def test_blocking_scores_only_candidates():
    index = RecallIndex(load_file(SAFETYKOREA, "safetykorea").notices)
    by_id, by_title = index.candidates(listing("[정품] 몰랑 점핑 줄넘기 어린이 선물"))
    assert 0 < len(by_id | by_title) <= 60 < len(index)


def test_precision_and_recall_on_labelled_pairs(capsys):
    index = RecallIndex(load_file(SAFETYKOREA, "safetykorea").notices)
    pairs = [json.loads(line) for line in (DATA / "eval_pairs.jsonl").read_text(encoding="utf-8").splitlines()]
    assert len(pairs) >= 150
    tp = fp = fn = 0
    misses = []
    for pair in pairs:
        item = Listing.from_raw({"site": "eval", "url": "http://eval/", **pair["listing"]})
        found = pair["recall_id"] in ids(index.match(item, DEFAULT_MIN_SCORE))
        tp += found and pair["label"]
        fp += found and not pair["label"]
        fn += pair["label"] and not found
        if found != pair["label"]:
            misses.append((pair["kind"], item.title, pair["recall_id"]))
    precision, recall = tp / (tp + fp), tp / (tp + fn)
    with capsys.disabled():
        print(f"\nrecall matching on {len(pairs)} labelled pairs: precision {precision:.3f}, recall {recall:.3f}")
    assert precision >= 0.9 and recall >= 0.9, misses


@pytest.fixture(scope="module")
def branded() -> RecallIndex:
    return RecallIndex([
        RecallNotice(recall_id="safetykorea:11", source="safetykorea", brand="리에티", maker="(주)라티그래",
                     title="NOI RT7001 C5/FREE / 리에티 주니어 안경 동글이 NOI 6색상 블루라이트차단 RT7001 C5",
                     model="RT7001", models=["RT7001"], category="안경테(어린이용 안경테 및 선글라스)"),
        RecallNotice(recall_id="safetykorea:12", source="safetykorea", title="키링", brand="바니랜드",
                     maker="㈜ 바니랜드", category="기타완구(완구)"),
        RecallNotice(recall_id="safetykorea:13", source="safetykorea",
                     title="전자총 / 리얼 무전기가 되는 경찰특공대 세트", brand="미라클토이", maker="㈜세주",
                     category="작동완구(완구)"),
        RecallNotice(recall_id="safetykorea:14", source="safetykorea", title="어린이용장신구", brand="성삼",
                     category="어린이용장신구"),
        RecallNotice(recall_id="safetykorea:15", source="safetykorea", title="우산", brand="베네통키즈"),
    ] + [RecallNotice(recall_id=f"safetykorea:{100 + i}", source="safetykorea", title=f"다른 제품 {i}호")
         for i in range(20)])


def test_a_declared_model_written_inside_the_recall_name_is_a_model_match(branded):
    found = branded.match(listing("리에티 주니어 안경 블루라이트차단 RT 7001 C5", brand="리에티", model="RT7001 C5"))
    assert ids(found) == ["safetykorea:11"] and found[0].score >= 95
    assert found[0].evidence["model_in_recall_text"] and "model" in found[0].evidence["matched"]
    sibling = branded.match(listing("리에티 주니어 안경 RT 7002 C5", brand="리에티", model="RT7002 C5"), min_score=0)
    assert "model" in sibling[0].evidence["conflicts"] and sibling[0].score < DEFAULT_MIN_SCORE


def test_brand_and_the_recall_name_words_match_in_any_order(branded):
    reordered = branded.match(listing("미라클토이 리얼 무전기 경찰 특공대 세트 전자총 SWAT", brand="미라클토이"))
    assert ids(reordered) == ["safetykorea:13"] and reordered[0].score >= 80
    assert reordered[0].evidence["name_coverage"] >= 80
    other_brand = branded.match(listing("토이킹 리얼 무전기 경찰 특공대 세트 전자총", brand="토이킹"), min_score=0)
    assert all("name_coverage" not in m.evidence and m.score < 80 for m in other_brand)


def test_brand_and_a_generic_recall_name_reach_the_flag_threshold_but_no_more(branded):
    keyring = branded.match(listing("바니랜드 투명 키링 가방고리 캐릭터 아크릴 키링", brand="바니랜드"))
    assert ids(keyring) == ["safetykorea:12"] and keyring[0].score == 80.0
    assert branded.match(listing("투명 키링 가방고리 캐릭터 아크릴 키링", brand="다른회사"), min_score=1) == []
    assert branded.match(listing("바니랜드 봉제 인형", brand="바니랜드"), min_score=DEFAULT_MIN_SCORE) == []


def test_same_brand_other_product_and_category_only_names_stay_unmatched(branded):
    assert branded.match(listing("베네통키즈 아동 장화 레인부츠 미끄럼방지", brand="베네통키즈")) == []
    # A notice whose "name" is only its category carries no product name for the brand rule to find.
    category_only = branded.match(listing("성삼 어린이용장신구 신상", brand="성삼"), min_score=0)
    assert all("name_coverage" not in m.evidence for m in category_only)


@pytest.fixture(scope="module")
def real() -> RecallIndex:
    return RecallIndex(load_file(SAFETYKOREA, "safetykorea").notices)


@pytest.mark.parametrize(
    "title",
    [
        # Water beads sold as "개구리알" are a product type, not the recalled "개구리알(완구)"; "10000알" is a
        # count, not the power bank "보조배터리10000".
        "수정토 10000알 대용량 워터비즈 촉감놀이 어린이 오감놀이 개구리알",
        # A kids' poncho described in the same common words as a recalled one, with no brand or identifier.
        "아동 우비 판초 레인코트 후드 조임끈 책가방 공간 초등 雨衣",
    ],
)
def test_product_type_words_alone_never_reach_the_flag_threshold(real, title):
    assert [m for m in real.match(listing(title), 0.0) if m.score >= 80] == []


def test_a_weak_title_match_stays_visible_below_the_threshold(real):
    weak = [m for m in real.match(listing("아동 우비 판초 레인코트 후드 조임끈 책가방 공간 초등"), 70.0)
            if m.evidence.get("weak_title")]
    assert weak and all(70 <= m.score < 80 for m in weak)
