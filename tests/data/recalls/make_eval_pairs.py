"""Write eval_pairs.jsonl: labelled listing -> recall pairs built from real SafetyKorea records.

Run once (``python tests/data/recalls/make_eval_pairs.py``); the committed JSONL is the fixture,
so the evaluation does not move when this script changes. Every listing is derived from one real
recall the way relisted goods appear on marketplaces; each pair says whether the listing IS that
recall's product (label true) or only looks related (label false).

Positives: reworded relistings, spacing variants, spelling variants (블록/블럭), English/Korean
mixes, and identifier-only listings (GTIN, KC number, brand + model) with unrelated titles.
Negatives: the same brand selling a different product, the same product type from another
recall, the recall's title with a conflicting KC number or model, and generic titles alone.
"""

from __future__ import annotations

import json
import random
import re
import sys
from pathlib import Path

from rapidfuzz import fuzz

ROOT = Path(__file__).resolve().parents[3]
sys.path.insert(0, str(ROOT))

from crawler.normalize import spelling_key as title_key  # noqa: E402
from crawler.recalls.importers import load_file  # noqa: E402

SOURCE = Path(__file__).resolve().parents[3] / "crawler" / "recalls" / "data" / "safetykorea_recalls.jsonl"
OUT = Path(__file__).with_name("eval_pairs.jsonl")

PREFIXES = ["[무료배송]", "[당일발송]", "2025 신상", "[정품]", "★특가★", "(국내배송)", "인기", "[최저가]"]
SUFFIXES = ["어린이 선물", "유아 장난감", "키즈 생일선물", "아동용", "1+1", "당일출고", "kids toy", "for baby"]
SPELLING = [("블록", "블럭"), ("액세서리", "악세사리"), ("캐릭터", "케릭터"), ("재킷", "자켓"), ("매트", "메트"),
            ("선글라스", "썬글라스"), ("퍼즐", "puzzle"), ("슬라임", "slime"), ("인형", "doll"), ("세트", "set"),
            ("자석", "magnet"), ("가방", "bag"), ("우산", "umbrella"), ("헬멧", "helmet"), ("스티커", "sticker")]
GENERIC = ["원목 체스", "어린이 우산", "유아 슬라임", "아동 운동화", "퍼즐 매트", "어린이 가방", "키즈 머리띠",
           "유아 딸랑이", "어린이 색연필", "아동 점퍼"]


def _listing(title: str, **fields: str | None) -> dict:
    return {"title": title, **{k: v for k, v in fields.items() if v}}


def reword(rng: random.Random, title: str) -> str:
    parts = [rng.choice(PREFIXES), title]
    if rng.random() < 0.7:
        parts.append(rng.choice(SUFFIXES))
    return " ".join(parts)


def respace(rng: random.Random, title: str) -> str:
    if " " in title:
        return title.replace(" ", "")
    cut = max(1, len(title) // 2)
    return f"{title[:cut]} {title[cut:]}"


def respell(title: str) -> str | None:
    for korean, variant in SPELLING:
        if korean in title:
            return title.replace(korean, f" {variant} " if variant.isascii() else variant).strip()
    return None


def main() -> None:
    rng = random.Random(20260916)
    notices = [n for n in load_file(SOURCE, "safetykorea").notices
               if (n.raw.get("categoryName") or "").startswith("어린이")]
    notices.sort(key=lambda n: n.recall_id)
    named = [n for n in notices if len(title_key(n.title)) >= 7 and not re.fullmatch(r"[\w\-. ]+", n.title, re.A)]
    pairs: list[dict] = []

    def add(kind: str, listing: dict, recall_id: str, label: bool) -> None:
        pairs.append({"kind": kind, "recall_id": recall_id, "label": label, "listing": listing})

    for n in rng.sample(named, 40):
        add("reworded", _listing(reword(rng, n.title)), n.recall_id, True)
    for n in rng.sample(named, 25):
        add("spacing", _listing(respace(rng, n.title) + " " + rng.choice(SUFFIXES)), n.recall_id, True)
    spellable = [n for n in named if respell(n.title)]
    for n in rng.sample(spellable, min(20, len(spellable))):
        add("spelling", _listing(reword(rng, respell(n.title) or n.title)), n.recall_id, True)
    branded = [n for n in named if n.brand and len(n.brand) >= 2 and n.brand not in n.title]
    for n in rng.sample(branded, min(10, len(branded))):
        add("brand+title", _listing(f"{n.brand} {n.title} {rng.choice(SUFFIXES)}", brand=n.brand), n.recall_id, True)
    with_gtin = [n for n in notices if n.gtins]
    for n in rng.sample(with_gtin, 12):
        add("gtin", _listing(f"{rng.choice(GENERIC)} {rng.choice(SUFFIXES)}", gtin=n.gtins[0][1:]), n.recall_id, True)
    with_kc = [n for n in notices if n.kc_certs]
    for n in rng.sample(with_kc, 12):
        title = reword(rng, n.category or "어린이 제품")
        add("kc_cert", _listing(title, kc_cert=f"KC {n.kc_certs[0]}"), n.recall_id, True)
    with_model = [n for n in notices if n.models and (n.brand or n.maker)]
    for n in rng.sample(with_model, 12):
        model = n.models[0].lower().replace("-", " ")
        add("brand+model", _listing(f"{n.category or ''} {model}", brand=n.brand or n.maker, model=model),
            n.recall_id, True)

    # Negatives.
    by_brand: dict[str, list] = {}
    for n in named:
        if n.brand:
            by_brand.setdefault(n.brand, []).append(n)
    count = 0
    for brand, group in sorted(by_brand.items()):
        if len(group) < 2 or count >= 25:
            continue
        a, b = group[0], group[-1]
        if fuzz.ratio(title_key(a.title), title_key(b.title)) < 40:
            add("same-brand-other-product", _listing(reword(rng, b.title), brand=brand), a.recall_id, False)
            count += 1
    others = [n for n in named if not n.brand]
    for n in others:
        if count >= 45:
            break
        other = rng.choice(named)
        if other.recall_id != n.recall_id and other.maker and other.maker != n.maker \
                and fuzz.partial_ratio(title_key(n.title), title_key(other.title)) < 40:
            add("same-brand-other-product", _listing(f"{other.maker} {n.category or ''} 신상", brand=other.maker),
                other.recall_id, False)
            count += 1
    by_type: dict[str, list] = {}
    for n in named:
        by_type.setdefault(n.category or "", []).append(n)
    count = 0
    for _category, group in sorted(by_type.items(), key=lambda kv: -len(kv[1])):
        for a, b in zip(group[::2], group[1::2], strict=False):
            if count >= 45:
                break
            if a.maker != b.maker and fuzz.ratio(title_key(a.title), title_key(b.title)) < 50:
                add("same-type-other-product", _listing(reword(rng, b.title)), a.recall_id, False)
                count += 1
    for n in rng.sample([n for n in with_kc if n in named], 10):
        wrong = rng.choice([m for m in with_kc if not set(m.kc_certs) & set(n.kc_certs)])
        add("conflicting-kc", _listing(n.title, kc_cert=wrong.kc_certs[0]), n.recall_id, False)
    series = [n for n in with_model if re.search(r"\d$", n.models[0])]
    for n in rng.sample(series, 10):
        model = n.models[0]
        other = model[:-1] + str((int(model[-1]) + 1) % 10)
        add("conflicting-model", _listing(f"{n.category or '유아용품'} {other}", brand=n.brand or n.maker, model=other),
            n.recall_id, False)
    generic = [n for n in notices if len(title_key(n.title)) <= 5 and not n.models]
    for n in rng.sample(generic, 12):
        add("generic-title", _listing(reword(rng, n.title)), n.recall_id, False)

    with OUT.open("w", encoding="utf-8") as fh:
        for i, pair in enumerate(pairs, 1):
            pair["listing"] = {"listing_id": f"eval-{i}", **pair["listing"]}
            fh.write(json.dumps(pair, ensure_ascii=False) + "\n")
    print(f"{OUT.name}: {len(pairs)} pairs, {sum(p['label'] for p in pairs)} positive")


if __name__ == "__main__":
    main()
