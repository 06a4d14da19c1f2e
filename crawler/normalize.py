"""The one text normaliser of hazards: every spider, rule and matcher compares text through it.

Korean shop pages mix full-width characters, Hangul written with and without spaces, HTML
entities, Korean price and age notations and identifiers with free punctuation. These helpers
turn such raw strings into comparable values; the detection engine and the recall matcher never
preprocess text on their own.
"""

from __future__ import annotations

import html
import re
import unicodedata
from functools import lru_cache

_TAG = re.compile(r"<[^>]+>")
_SPACE = re.compile(r"\s+")
_NON_KEY = re.compile(r"[\W_]+", re.UNICODE)
_TOKEN = re.compile(r"[0-9a-z]+|[\uac00-\ud7a3]+|[\u3040-\u30ff]+|[\u4e00-\u9fff]", re.UNICODE)

#: Values that shops and recall feeds write where they have no real value.
PLACEHOLDERS = frozenset(
    {
        "", "-", "--", "—", "·", ".", "0", "n/a", "na", "none", "null", "없음", "-없음", "해당없음",
        "해당 없음", "해당사항없음", "비대상", "미대상", "공급자적합성", "공급자적합셩", "공급자적합성확인",
        "안전품질표시", "미인증", "미인증제품", "상세페이지참조", "상세페이지 참조", "상세설명참조",
        "상품상세참조", "상품 상세 참조", "상세정보참조", "정보없음", "미상", "기타", "unknown",
    }
)


@lru_cache(maxsize=65536)
def text(value: str | None) -> str:
    """NFKC, HTML entities decoded, tags removed, case folded, whitespace collapsed.

    >>> text("ＫＣ　인증  <b>완구</b> &amp; Toy")
    'kc 인증 완구 & toy'
    """
    if not value:
        return ""
    value = html.unescape(_TAG.sub(" ", str(value)))
    value = unicodedata.normalize("NFKC", value).casefold()
    return _SPACE.sub(" ", value).strip()


@lru_cache(maxsize=65536)
def key(value: str | None) -> str:
    """Comparison key: text() with every space and punctuation mark removed.

    Korean is written with free spacing (``어린이 용 자석`` / ``어린이용자석``); comparing keys makes
    that spacing irrelevant.
    """
    return _NON_KEY.sub("", text(value))


def tokens(value: str | None) -> list[str]:
    """Word tokens of text(): Latin/digit runs, Hangul runs, kana runs and single CJK ideographs."""
    return _TOKEN.findall(text(value))


def is_placeholder(value: object) -> bool:
    """True for values that stand for 'no value' (``-``, ``해당없음``, ``공급자적합성``, blanks …)."""
    if value is None:
        return True
    folded = text(str(value))
    return folded in PLACEHOLDERS or key(folded) in PLACEHOLDERS or not key(folded)



# --- spelling variants (matching keys) -------------------------------------------------------------

# Hangul loanword spellings shops use interchangeably, replaced inside words (원목블럭 -> 원목블록).
_HANGUL_VARIANTS = {
    "블럭": "블록", "악세사리": "액세서리", "악세서리": "액세서리", "액세사리": "액세서리",
    "케릭터": "캐릭터", "캐랙터": "캐릭터", "스티카": "스티커", "쥬얼리": "주얼리",
    "매직블럭": "매직블록", "레자": "레더", "가죽": "레더", "킥보오드": "킥보드",
    "메트": "매트", "퍼즐메트": "퍼즐매트", "쿠숀": "쿠션", "자켓": "재킷", "쟈켓": "재킷", "잠바": "점퍼",
    "썬글라스": "선글라스", "선그라스": "선글라스", "유모챠": "유모차", "장난감": "완구",
}
# English words shops mix into Korean titles, mapped to the Korean spelling recall notices use.
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
_ENGLISH_WORD = re.compile(r"[a-z]+")
_HANGUL_VARIANT = re.compile("|".join(sorted(map(re.escape, _HANGUL_VARIANTS), key=len, reverse=True)))


@lru_cache(maxsize=262144)
def spelling(value: str | None) -> str:
    """text() with spelling variants folded to one spelling, for matching (not for display).

    Korean shops write loanwords several ways (블록/블럭, 악세사리/액세서리) and mix English words
    into Korean titles (``원목 block 세트``); both become the spelling recall notices use.

    >>> spelling("원목 BLOCK 블럭 장난감")
    '원목 블록 블록 완구'
    """
    folded = _ENGLISH_WORD.sub(lambda m: _ENGLISH_WORDS.get(m.group(0), m.group(0)), text(value))
    return _HANGUL_VARIANT.sub(lambda m: _HANGUL_VARIANTS[m.group(0)], folded)


@lru_cache(maxsize=262144)
def spelling_key(value: str | None) -> str:
    """key() of spelling(): spacing-, case-, width- and spelling-insensitive (``원목 블럭`` == ``원목블록``)."""
    return key(spelling(value))

# --- prices -----------------------------------------------------------------------------------------

_MANWON = re.compile(r"(\d+(?:\.\d+)?)\s*만(?:\s*(\d+)\s*천)?(?:\s*(\d+))?\s*원?")
_NUMBER = re.compile(r"\d[\d,]*(?:\.\d+)?")


def price_krw(value: object) -> int | None:
    """Price in whole won from Korean shop notations.

    >>> [price_krw(v) for v in ("12,900원", "₩12,900", "KRW 12900", "1만2천원", 9900.0)]
    [12900, 12900, 12900, 12000, 9900]
    """
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return int(round(value)) if value >= 0 else None
    folded = text(str(value)).replace(" ", "")
    if not folded:
        return None
    man = _MANWON.search(folded)
    if man:
        amount = float(man.group(1)) * 10000
        amount += int(man.group(2) or 0) * 1000 + int(man.group(3) or 0)
        return int(amount)
    number = _NUMBER.search(folded)
    if not number:
        return None
    return int(round(float(number.group(0).replace(",", ""))))


# --- ages ---------------------------------------------------------------------------------------------

_AGE_UNIT = r"(개월|세|살|years?|yrs?|months?|m)?"
_AGE_RANGE = re.compile(r"(\d+)\s*" + _AGE_UNIT + r"\s*[~\-–〜∼]\s*(\d+)\s*" + _AGE_UNIT)
_AGE_ONE = re.compile(r"(?:만\s*)?(\d+)\s*(개월|세|살|years?|yrs?|months?|\+)")
_BELOW = ("미만", "이하", "under", "below")
_FORBIDDEN = ("금지", "불가", "not for", "not suitable")


def _months(number: int, unit: str | None) -> int:
    if unit and (unit.startswith("개월") or unit.startswith("month") or unit == "m"):
        return number
    return number * 12


def age_range(value: str | None) -> tuple[int | None, int | None]:
    """(minimum, maximum) age in months from Korean/English age notations.

    >>> [age_range(v) for v in ("만 3세 이상", "36개월 미만", "3+", "8~13세", "14세 이상")]
    [(36, None), (None, 35), (36, None), (96, 167), (168, None)]
    """
    folded = text(value)
    if not folded:
        return (None, None)
    span = _AGE_RANGE.search(folded)
    if span:
        unit = span.group(4) or span.group(2)
        low = _months(int(span.group(1)), span.group(2) or unit)
        high = _months(int(span.group(3)) + 1, unit) - 1
        if low <= high:
            return (low, high)
    one = _AGE_ONE.search(folded)
    if not one:
        return (None, None)
    unit = one.group(2) if one.group(2) != "+" else None
    months = _months(int(one.group(1)), unit)
    tail = folded[one.end():one.end() + 12]
    if any(word in tail for word in _FORBIDDEN):
        # "36개월 미만 사용금지" forbids use below the age, so it sets the minimum.
        return (months, None)
    if any(word in tail for word in _BELOW):
        if "이하" in tail:
            return (None, _months(int(one.group(1)) + 1, unit) - 1)
        return (None, months - 1)
    return (months, None)


# --- GTIN / barcodes ---------------------------------------------------------------------------------

_DIGIT_RUN = re.compile(r"(?<!\d)(\d{8}|\d{12,14})(?!\d)")


def gtin_check_digit_ok(digits: str) -> bool:
    """GS1 mod-10 check digit of a GTIN-8/12/13/14."""
    body, check = digits[:-1], int(digits[-1])
    total = sum(int(d) * (3 if i % 2 == 0 else 1) for i, d in enumerate(reversed(body)))
    return (10 - total % 10) % 10 == check


def gtin(value: object) -> str | None:
    """A valid GTIN as its canonical zero-padded GTIN-14, else None.

    Placeholders, masked codes (``8809****25***``), wrong lengths and wrong check digits give None.
    """
    if value is None:
        return None
    raw = text(str(value)).replace(" ", "").replace("-", "")
    if not raw.isdigit() or len(raw) not in (8, 12, 13, 14):
        return None
    if not gtin_check_digit_ok(raw) or set(raw[:-1]) <= {"0"} or raw.endswith("000000"):
        # A run of zeros is a company prefix written where the item code should be.
        return None
    return raw.zfill(14)


def gtins(value: str | None) -> list[str]:
    """Every valid GTIN in a free text (lists, glued codes such as ``8809474031426(단품)8809…``)."""
    found: list[str] = []
    for run in _DIGIT_RUN.findall(text(value)):
        code = gtin(run)
        if code and code not in found:
            found.append(code)
    return found


# --- KC certificate numbers ---------------------------------------------------------------------------

# Children's products (안전인증/안전확인): CB063R10760-6013, B364R970-2001, CA011R021-4001, and since
# 2017 five-digit tails (B021R006-17001); older electrical numbers have four digits (HC7061-3001).
# Electrical (안전인증/안전확인): HU07123-12001, SU071234-12001A, XU100134-15001.
_KC_PATTERNS = (
    re.compile(r"(?<![a-z0-9])([a-z]{1,2}\d{3,4}[a-z]\d{3,6})\s*[-‐‑–]\s*(\d{4,5}[a-z]?)(?![a-z0-9])"),
    re.compile(r"(?<![a-z0-9])([a-z]{2}\d{4,6})\s*[-‐‑–]\s*(\d{4,5}[a-z]?)(?![a-z0-9])"),
)


def kc_certs(value: str | None) -> list[str]:
    """Every KC certificate number in a free text, upper-cased and joined with one hyphen."""
    folded = text(value)
    found: list[str] = []
    for pattern in _KC_PATTERNS:
        for head, tail in pattern.findall(folded):
            number = f"{head}-{tail}".upper()
            if number not in found:
                found.append(number)
    return found


def kc_cert(value: str | None) -> str | None:
    """The first KC certificate number in value; placeholders such as ``공급자적합성`` give None."""
    if is_placeholder(value):
        return None
    found = kc_certs(value)
    return found[0] if found else None


# --- model numbers ------------------------------------------------------------------------------------

_MODEL_LABEL = re.compile(r"^\s*[\(\[](?:품번|품명|제품명|상품명|모델명|온라인|style no\.?)[\)\]]\s*", re.IGNORECASE)
_MODEL_STRIP = re.compile(r"[\s\-_./·:]+")


def model_key(value: str | None) -> str | None:
    """Comparison key for a model number: labels, case, hyphens, spaces and width removed."""
    if is_placeholder(value):
        return None
    stripped = _MODEL_LABEL.sub("", unicodedata.normalize("NFKC", html.unescape(str(value))))
    folded = _MODEL_STRIP.sub("", stripped).upper()
    return folded or None


def split_list(value: str | None) -> list[str]:
    """Split a comma/slash/newline list from recall feeds into trimmed non-placeholder items."""
    if not value:
        return []
    cleaned = _TAG.sub("\n", html.unescape(str(value)))
    parts = re.split(r"[,\n/;、，]+", cleaned)
    return [p.strip() for p in parts if not is_placeholder(p)]
