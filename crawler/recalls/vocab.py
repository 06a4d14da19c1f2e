"""Spelling variants the recall matcher folds together before comparing titles.

Korean shops write loanwords several ways (블록/블럭, 악세사리/액세서리) and mix English words into
Korean titles (``원목 block 세트``). :func:`title_key` maps each variant to one spelling and then
applies :func:`crawler.normalize.key`, so spacing, case, width and punctuation never matter.
"""

from __future__ import annotations

import re
from functools import lru_cache

from crawler import normalize

# Hangul spelling variants, replaced inside words (원목블럭 -> 원목블록).
_HANGUL_VARIANTS = {
    "블럭": "블록", "악세사리": "액세서리", "악세서리": "액세서리", "액세사리": "액세서리",
    "케릭터": "캐릭터", "캐랙터": "캐릭터", "스티카": "스티커", "쥬얼리": "주얼리",
    "매직블럭": "매직블록", "레자": "레더", "가죽": "레더", "킥보오드": "킥보드",
    "메트": "매트", "퍼즐메트": "퍼즐매트", "쿠숀": "쿠션", "자켓": "재킷", "쟈켓": "재킷", "잠바": "점퍼",
    "썬글라스": "선글라스", "선그라스": "선글라스", "유모챠": "유모차", "장난감": "완구",
}
# English words shops mix into Korean titles, mapped to the Korean spelling recalls use.
_ENGLISH_WORDS = {
    "block": "블록", "blocks": "블록", "lego": "레고", "puzzle": "퍼즐", "slime": "슬라임", "toy": "완구",
    "toys": "완구", "doll": "인형", "baby": "베이비", "kids": "키즈", "kid": "키즈", "mat": "매트",
    "car": "카", "set": "세트", "bag": "가방", "backpack": "백팩", "shoes": "신발", "sneakers": "운동화",
    "umbrella": "우산", "raincoat": "우비", "jacket": "재킷", "jumper": "점퍼", "hairpin": "헤어핀",
    "necklace": "목걸이", "bracelet": "팔찌", "ring": "반지", "earring": "귀걸이", "earrings": "귀걸이",
    "sunglasses": "선글라스", "helmet": "헬멧", "stroller": "유모차", "scooter": "킥보드",
    "kickboard": "킥보드", "bicycle": "자전거", "bike": "자전거", "pencil": "연필", "eraser": "지우개",
    "case": "케이스", "magnet": "자석", "magnetic": "자석", "clay": "클레이", "stickers": "스티커",
    "sticker": "스티커", "wooden": "원목", "chess": "체스", "robot": "로봇", "figure": "피규어",
    "mini": "미니", "pink": "핑크", "blue": "블루", "white": "화이트", "black": "블랙", "red": "레드",
    "yellow": "옐로우", "green": "그린", "skates": "스케이트", "skate": "스케이트", "rope": "줄넘기",
    "pacifier": "쪽쪽이", "bottle": "젖병", "teether": "치발기", "bib": "턱받이", "mask": "마스크",
}
_ENGLISH = re.compile(r"[a-z]+")
_HANGUL_PATTERN = re.compile("|".join(sorted(map(re.escape, _HANGUL_VARIANTS), key=len, reverse=True)))


@lru_cache(maxsize=262144)
def title_key(value: str | None) -> str:
    """Spacing-, case- and spelling-insensitive key of a product title (``원목 블럭`` == ``원목블록``)."""
    folded = normalize.text(value)
    folded = _ENGLISH.sub(lambda m: _ENGLISH_WORDS.get(m.group(0), m.group(0)), folded)
    folded = _HANGUL_PATTERN.sub(lambda m: _HANGUL_VARIANTS[m.group(0)], folded)
    return normalize.key(folded)
