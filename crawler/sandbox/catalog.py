"""The sandbox catalog: loading, site names, category slugs and deterministic listing-id helpers."""

from __future__ import annotations

import json
import re
import zlib
from pathlib import Path

CATALOG_PATH = Path(__file__).with_name("catalog.json")

SHOP_SITES = ("coupang", "elevenst", "gmarket", "naver_smartstore", "aliexpress_kr", "temu_kr")
ALL_SITES = SHOP_SITES + ("recalls_kr",)

TRUTHS = ("hazard", "recall", "benign", "near-miss")
HAZARDS = ("chemical", "choking", "ingestion", "strangulation", "injury", "fire", "electric", None)
REQUIRED_KEYS = (
    "id",
    "truth",
    "hazard",
    "note",
    "title",
    "brand",
    "model",
    "gtin",
    "kc_cert",
    "price",
    "original_price",
    "seller",
    "category",
    "age",
    "description",
    "purchase_agent",
    "purchase_agent_notice",
    "sold_out",
    "options",
    "sites",
)

# Top-level category (first segment of an entry's "category" path) -> URL slug shared by all skins.
CATEGORY_SLUGS = {
    "완구/취미": "toys",
    "출산/유아동": "baby",
    "유아동패션": "kids-fashion",
    "패션잡화": "accessories",
    "문구/오피스": "stationery",
    "도서": "books",
    "스포츠/레저": "sports",
    "생활/건강": "living",
    "디지털/가전": "digital",
    "가구/인테리어": "home",
    "원예/반려": "garden",
    "공구/산업": "tools",
    "식품": "food",
}
CATEGORY_NAMES = {slug: name for name, slug in CATEGORY_SLUGS.items()} | {"etc": "기타", "all": "전체상품"}


def load_catalog(path: str | Path | None = None) -> list[dict]:
    """Read a catalog JSON list (default: the bundled, hand-written catalog.json)."""
    with open(path or CATALOG_PATH, encoding="utf-8") as fh:
        return json.load(fh)


def category_slug(entry: dict) -> str:
    """The shared URL slug of an entry's top-level category ('etc' when unknown)."""
    top = (entry.get("category") or "").split(">")[0].strip()
    return CATEGORY_SLUGS.get(top, "etc")


def serial(entry_id: str) -> int:
    """A small integer that is unique per catalog id (below 10**9), the seed of every site's listing id."""
    m = re.fullmatch(r"([A-Za-z_-]*)(\d{1,6})", entry_id)
    if not m:
        return zlib.crc32(entry_id.encode()) % 10**9
    prefix, num = m.groups()
    return zlib.crc32(prefix.encode()) % 1000 * 10**6 + int(num)


def scramble(n: int, site: str, modulus: int = 10**9) -> int:
    """Map n to a random-looking number below modulus; a bijection for n < modulus (powers of ten)."""
    mult = 3 ** (11 + zlib.crc32(site.encode()) % 7)
    return (n * mult + zlib.crc32(site.encode())) % modulus


def stable_hash(*parts: object) -> int:
    """A process-independent hash (unlike hash()), for deterministic per-site choices."""
    return zlib.crc32("|".join(map(str, parts)).encode())
