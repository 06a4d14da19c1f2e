"""A small review database with known figures, shared by the review, report and Datasette tests."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from crawler.items import Listing
from crawler.store import Store

XSS_TITLE = '<script>alert("x")</script> 무프탈레이트 어린이 장난감 <img src=x onerror=alert(1)>'


@dataclass
class Hit:
    rule_id: str
    recall_id: str = ""
    score: float = 90.0
    evidence: dict = field(default_factory=lambda: {"matched": ["수정토"]})
    severity: str = "high"
    hazard: str = "ingestion"
    rule_version: str = "abc123"


def listing(site: str, listing_id: str, title: str, **values) -> Listing:
    raw = {"site": site, "listing_id": listing_id, "url": f"https://{site}.example/p/{listing_id}", "title": title,
           "price": "12,900원", "seller": "=HYPERLINK(\"http://evil\")", "kc_cert": "공급자적합성"}
    return Listing.from_raw(raw | values)


def iso(moment: datetime) -> str:
    return moment.replace(microsecond=0).isoformat()


def build(path) -> dict[str, int]:
    """Coupang: 3 reported (one removed in 20 h, one in 168 h, one overdue) + 1 new;
    Temu: one reported an hour ago, one new with a hostile title, and a relisting of the reported one."""
    now = datetime.now(UTC)
    ago = now - timedelta(days=10)
    ids = {}
    with Store(path) as store:
        store.upsert_listings([
            listing("coupang", "c1", "어린이 수정토 키트"),
            listing("coupang", "c2", "워터비즈 대용량 1000개 유아"),
            listing("coupang", "c3", "아기 자석 블록 네오디뮴"),
            listing("coupang", "c4", "키즈 슬라임 붕사 세트", gtin="8801234567893"),
            listing("temu_kr", "t1", "LED 요술봉 버튼전지 어린이", gtin="8806358512316"),
            listing("temu_kr", "t2", XSS_TITLE),
        ], run_id=1)
        store.sync_flags_many([(s, lid, [Hit("water-beads-for-children")]) for s, lid in
                               (("coupang", "c1"), ("coupang", "c2"), ("coupang", "c3"), ("coupang", "c4"))])
        store.sync_flags_many([("temu_kr", "t1", [Hit("button-cells-in-childrens-products", severity="critical",
                                                      hazard="ingestion")]),
                               ("temu_kr", "t2", [Hit("phthalate-pvc-childrens-items", hazard="chemical")])])
        flags = {r["listing_id"]: r["id"] for r in store.db.query("SELECT id, listing_id FROM flags")}
        for lid in ("c1", "c2", "c3"):
            store.set_flag_status(flags[lid], "confirmed", "kim", at=iso(ago - timedelta(hours=1)))
            store.set_flag_status(flags[lid], "reported", "kim", note="sent to Coupang", at=iso(ago))
        store.set_flag_status(flags["c1"], "removed", "kim", at=iso(ago + timedelta(hours=20)))
        store.set_flag_status(flags["c2"], "removed", "kim", at=iso(now - timedelta(days=3)))
        store.set_flag_status(flags["t1"], "confirmed", "lee")
        store.set_flag_status(flags["t1"], "reported", "lee", at=iso(now - timedelta(hours=1)))
        # The same product (same GTIN) comes back under a new listing id on the next crawl.
        store.upsert_listings([listing("temu_kr", "t9", "LED 요술봉 버튼전지 어린이 신상", gtin="8806358512316")],
                              run_id=2)
        store.sync_flags_many([("temu_kr", "t9", [Hit("button-cells-in-childrens-products", severity="critical")])])
        ids = {r["listing_id"]: r["id"] for r in store.db.query("SELECT id, listing_id FROM flags")}
    return ids
