"""Golden page files for spider tests: chosen sandbox pages rendered from a fixed base URL, saved as raw
bytes (`<name>.bin`) with the URL they came from (`<name>.url`) and their status and Content-Type
(`<name>.headers.json`, which tells a meta-only EUC-KR page from one whose header names the charset)."""

from __future__ import annotations

import json
from pathlib import Path

from .market import SandboxMarket

BASE_URL = "http://127.0.0.1:8000"

# (site, file name, catalog id or a page path starting with '/'), each chosen for a quirk.
GOLDEN_PAGES = (
    ("coupang", "product_options_purchase_agent", "c008"),
    ("coupang", "product_sold_out", "c098"),
    ("coupang", "product_access_denied", "c018"),
    ("coupang", "category_all_page1", "/np/categories/{all}?page=1"),
    ("elevenst", "product_options_placeholder_kc", "c041"),
    ("elevenst", "product_options_price_diff", "c076"),
    ("elevenst", "product_recall_fullwidth_model", "c058"),
    ("elevenst", "category_all_page1", "/category/{all}?pageNo=1"),
    ("gmarket", "product_header_charset_placeholder_kc", "c027"),
    ("gmarket", "product_meta_charset_sold_out", "c098"),
    ("gmarket", "product_meta_charset_recall_gtin", "c056"),
    ("gmarket", "category_all_page1", "/list?category={all}&page=1"),
    ("naver_smartstore", "product_sold_out", "c098"),
    ("naver_smartstore", "product_purchase_agent_no_notice", "c043"),
    ("naver_smartstore", "product_placeholder_kc_magnets", "c024"),
    ("naver_smartstore", "category_store_all", "/store28411/category/ALL?page=1"),
    ("aliexpress_kr", "product_chinese_title_agent", "c001"),
    ("aliexpress_kr", "product_options_notice", "c008"),
    ("aliexpress_kr", "product_recall_chinese_mix", "c059"),
    ("temu_kr", "product_discount_options_notice", "c016"),
    ("temu_kr", "product_placeholder_kc", "c002"),
    ("temu_kr", "product_no_discount", "c012"),
    ("recalls_kr", "list_page1", "/recall/list?page=1"),
    ("recalls_kr", "detail_br_cert_tail_barcode", "/recall/detail?recallUid=10018626"),
    ("recalls_kr", "detail_labels_placeholders", "/recall/detail?recallUid=10022168"),
)


def save_golden_pages(out_dir: str | Path, market: SandboxMarket | None = None) -> list[Path]:
    """Render GOLDEN_PAGES from the bundled catalog into out_dir/<site>/ and return the .bin paths."""
    market = market or SandboxMarket()
    written = []
    for site, name, what in GOLDEN_PAGES:
        skin = market.skins[site]
        if what.startswith("/"):
            path = what.format(all=skin.category_code("all"))
        else:
            path = skin.product_path(next(e for e in skin.by_id.values() if e["id"] == what))
        resp = market.render(site, path, BASE_URL)
        target = Path(out_dir) / site
        target.mkdir(parents=True, exist_ok=True)
        (target / f"{name}.bin").write_bytes(resp.body)
        (target / f"{name}.url").write_text(BASE_URL + path + "\n", encoding="utf-8")
        headers = {"status": resp.status, "Content-Type": resp.content_type}
        (target / f"{name}.headers.json").write_text(json.dumps(headers) + "\n", encoding="utf-8")
        written.append(target / f"{name}.bin")
    return written
