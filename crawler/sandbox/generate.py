"""Deterministic synthetic catalogs of any size, for benchmarks and load tests (about 10 % hazardous)."""

from __future__ import annotations

import random

from .catalog import SHOP_SITES

AGENT_SITES = ("aliexpress_kr", "temu_kr")

# (hazard, category, age, title stems, description, note) for hazardous entries.
HAZARD_TEMPLATES = (
    (
        "chemical",
        "패션잡화 > 신발용품 > 신발장식",
        "3+",
        ("신발 참 캐릭터 {n}개 세트 PVC", "鞋花 슈참 {n}pcs 키즈"),
        "말랑한 PVC 캐릭터 장식",
        "synthetic: phthalates in soft PVC shoe charms",
    ),
    (
        "chemical",
        "출산/유아동 > 우산/우비 > 아동우산",
        "3-10세",
        ("어린이 투명 우산 {n}cm 캐릭터", "儿童雨伞 아동 장우산 {n}cm"),
        "투명창 안전 우산, 말랑 손잡이",
        "synthetic: phthalates in kids' umbrella",
    ),
    (
        "chemical",
        "패션잡화 > 주얼리 > 아동 주얼리",
        "3세 이상",
        ("여아 반지 {n}종 세트 공주 반지", "儿童戒指 큐빅 반지 {n}P"),
        "합금 반지 세트",
        "synthetic: cadmium/lead in kids' jewellery",
    ),
    (
        "ingestion",
        "완구/취미 > 촉감/오감놀이 > 수정토",
        "3+",
        ("수정토 {n}알 워터비즈 촉감놀이", "水宝宝 워터비즈 {n}개"),
        "물에 불리면 커지는 구슬",
        "synthetic: water beads sold as a toy",
    ),
    (
        "ingestion",
        "완구/취미 > 퍼즐/큐브 > 자석퍼즐",
        "14세 이상",
        ("네오디뮴 구슬자석 {n}알 두뇌개발", "巴克球 자석 볼 {n}pcs 선물"),
        "어린이 선물 추천 자석 구슬",
        "synthetic: strong magnet balls sold as a kids' gift",
    ),
    (
        "ingestion",
        "완구/취미 > 작동완구 > 불빛완구",
        "3+",
        ("LED 불빛 팽이 {n}개입 LR44 포함", "발광 요요 {n}P 纽扣电池"),
        "버튼전지 내장",
        "synthetic: button cells without child-resistant packaging",
    ),
    (
        "chemical",
        "완구/취미 > 만들기/공예 > 슬라임",
        "3+",
        ("대용량 슬라임 {n}ml 붕사", "史莱姆 액체괴물 {n}ml"),
        "글리터 슬라임. 成分: 硼砂",
        "synthetic: boron in slime",
    ),
    (
        "strangulation",
        "유아동패션 > 상의 > 후드티",
        "5~13세",
        ("키즈 후드티 조임끈 {n}", "아동 점퍼 후드 끈 {n}호"),
        "조임끈으로 핏 조절",
        "synthetic: hood cord on children's wear",
    ),
    (
        "choking",
        "완구/취미 > 피규어 > 캡슐토이",
        "3+",
        ("미니 피규어 {n}종 랜덤 캡슐", "미니어처 장난감 {n}pcs"),
        "작은 부품 포함",
        "synthetic: small parts without the 36-month warning",
    ),
)

# (category, age, title stems, description, kc prefix or None) for benign entries.
BENIGN_TEMPLATES = (
    (
        "완구/취미 > 블록 > 조립블록",
        "만 4세 이상",
        ("클래식 블록 {n}피스 세트", "조립 블럭 {n}pcs 대형"),
        "블록 세트",
        "CB063R",
    ),
    (
        "완구/취미 > 인형 > 봉제인형",
        "전연령",
        ("곰인형 {n}cm 애착인형", "봉제 토끼 인형 {n}cm"),
        "극세사 인형",
        "CB065R",
    ),
    (
        "문구/오피스 > 필기구 > 색연필",
        "만 3세 이상",
        ("색연필 {n}색 세트", "크레파스 {n}색"),
        "유아 미술용품",
        "CB113R",
    ),
    (
        "출산/유아동 > 수유용품 > 빨대컵",
        "6개월 이상",
        ("유아 빨대컵 {n}ml", "아기 물병 {n}ml 원터치"),
        "실리콘 빨대",
        "CB025R",
    ),
    ("유아동패션 > 잠옷 > 아동잠옷", "3~8세", ("아동 면 잠옷 {n}호", "키즈 파자마 세트 {n}"), "면 100 %", "CB014R"),
    ("디지털/가전 > PC주변기기 > 마우스", None, ("무선 마우스 {n}DPI", "블루투스 키보드 {n}키"), "사무용", None),
    ("생활/건강 > 주방용품 > 텀블러", None, ("진공 텀블러 {n}ml", "보온병 {n}ml"), "스테인리스", None),
    ("스포츠/레저 > 헬스/요가 > 요가매트", None, ("요가매트 {n}mm", "폼롤러 {n}cm"), "홈트레이닝", None),
    ("식품 > 커피 > 원두", None, ("원두 커피 {n}g", "드립백 커피 {n}개입"), "갓 볶은 원두", None),
    ("원예/반려 > 원예용품 > 화분", None, ("플라스틱 화분 {n}호", "원예용 상토 {n}L"), "가드닝", None),
)
BRANDS = (
    "토이랩",
    "꼬마숲",
    "하루베이비",
    "모닝아트",
    "스쿨메이트",
    "로직스",
    "써모킹",
    "핏라이프",
    "빈스토리",
    "그린가든",
)
SELLERS = (
    "토이랩 공식스토어",
    "꼬마숲 키즈",
    "하루베이비",
    "문구천국",
    "장난감백화점",
    "리빙마켓",
    "디지털프라자",
    "그린가든",
)
AGENT_SELLERS = ("Global Kids Store", "Temu 셀러 HappyHome", "Shenzhen Toy Store", "Yiwu Gift Store")


def check_digit(body: str) -> str:
    """GTIN check digit for the digits in body."""
    total = sum(int(d) * (3 if i % 2 == 0 else 1) for i, d in enumerate(reversed(body)))
    return str((10 - total % 10) % 10)


def pick_sites(rng: random.Random, agent: bool) -> list[str]:
    """One to three shop sites; purchase-agent entries go mostly to AliExpress/Temu."""
    if agent:
        first = rng.choice(AGENT_SITES)
        return [first] if rng.random() < 0.6 else [first, rng.choice(SHOP_SITES[:4])]
    return rng.sample(SHOP_SITES, rng.choice((1, 1, 2, 2, 3)))


def hazard_entry(i: int, rng: random.Random) -> dict:
    hazard, category, age, stems, desc, note = rng.choice(HAZARD_TEMPLATES)
    n = rng.choice((10, 12, 24, 50, 100, 216, 500))
    price = rng.randrange(19, 300) * 100
    agent = rng.random() < 0.8
    return {
        "id": f"g{i:06d}",
        "truth": "hazard",
        "hazard": hazard,
        "note": note,
        "title": rng.choice(stems).format(n=n),
        "brand": None,
        "model": None,
        "gtin": None,
        "kc_cert": rng.choice((None, None, "-", "공급자적합성", "해당없음")),
        "price": price,
        "original_price": price * rng.choice((2, 3)) if rng.random() < 0.7 else None,
        "seller": rng.choice(AGENT_SELLERS if agent else SELLERS),
        "category": category,
        "age": age,
        "description": desc,
        "purchase_agent": agent,
        "purchase_agent_notice": agent and rng.random() < 0.4,
        "sold_out": rng.random() < 0.05,
        "options": [],
        "sites": pick_sites(rng, agent),
    }


def benign_entry(i: int, rng: random.Random) -> dict:
    category, age, stems, desc, kc_prefix = rng.choice(BENIGN_TEMPLATES)
    n = rng.choice((12, 24, 30, 48, 100, 300, 500, 1000))
    price = rng.randrange(30, 900) * 100
    body = f"88094{i:07d}"
    brand = rng.choice(BRANDS)
    options = []
    if rng.random() < 0.15:
        options = [{"name": c, "price": price + k * 1000} for k, c in enumerate(("블루", "핑크", "그레이"))]
    return {
        "id": f"g{i:06d}",
        "truth": "benign",
        "hazard": None,
        "note": "synthetic ordinary listing",
        "title": f"{brand} " + rng.choice(stems).format(n=n),
        "brand": brand,
        "model": f"{brand[:1]}-{n}{i % 97:02d}",
        "gtin": body + check_digit(body),
        "kc_cert": f"{kc_prefix}{1000 + i % 9000}-{2001 + i % 5}" if kc_prefix else None,
        "price": price,
        "original_price": price + 5000 if rng.random() < 0.3 else None,
        "seller": rng.choice(SELLERS),
        "category": category,
        "age": age,
        "description": desc,
        "purchase_agent": False,
        "purchase_agent_notice": False,
        "sold_out": rng.random() < 0.05,
        "options": options,
        "sites": pick_sites(rng, False),
    }


def generate_catalog(size: int, seed: int = 0) -> list[dict]:
    """`size` synthetic catalog entries (ids g000000..), the same for the same (size, seed)."""
    rng = random.Random(seed)
    return [hazard_entry(i, rng) if rng.random() < 0.1 else benign_entry(i, rng) for i in range(size)]
