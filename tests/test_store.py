"""The SQLite store: re-crawls update instead of duplicating, history is kept, flags are never deleted."""

from dataclasses import dataclass, field

import pytest

from crawler.items import Listing
from crawler.store import Store, StoreError


def listing(**values):
    raw = {"site": "coupang", "listing_id": "1", "url": "http://shop/1", "title": "어린이 수정토 키트",
           "price": "12,900원", "kc_cert": "공급자적합성", "age": "만 3세 이상"}
    return Listing.from_raw(raw | values)


@dataclass
class Hit:
    rule_id: str
    recall_id: str = ""
    score: float = 100.0
    evidence: dict = field(default_factory=dict)
    severity: str = "high"
    hazard: str = "ingestion"
    rule_version: str = "abc"


@pytest.fixture
def store(tmp_path):
    with Store(tmp_path / "h.db") as s:
        yield s


def test_second_crawl_updates_and_keeps_first_seen(store):
    store.upsert_listings([listing()], run_id=1)
    first = store.get_listing_row("coupang", "1")
    counts = store.upsert_listings([listing(price="9,900원")], run_id=2)
    again = store.get_listing_row("coupang", "1")
    assert counts == {"new": 0, "updated": 1, "unchanged": 0}
    assert store.count_listings() == {"coupang": 1}
    assert again["first_seen"] == first["first_seen"] and again["price_krw"] == 9900
    versions = list(store.db.query("SELECT changes FROM listing_versions"))
    assert versions == [{"changes": '{"price_krw": [12900, 9900]}'}]


def test_unchanged_listing_is_not_a_new_version(store):
    store.upsert_listings([listing()], run_id=1)
    assert store.upsert_listings([listing()], run_id=2) == {"new": 0, "updated": 0, "unchanged": 1}
    assert list(store.db.query("SELECT * FROM listing_versions")) == []


def test_listing_round_trips(store):
    original = listing(specs={"KC 인증번호": "공급자적합성"}, options=[{"name": "파랑", "price": "1,000원"}])
    store.upsert_listings([original])
    assert store.get_listing("coupang", "1") == original


def test_full_text_search_finds_korean_substrings(store):
    store.upsert_listings([listing(title="무프탈레이트 어린이용 치발기"), listing(listing_id="2", title="성인용 우산")])
    rows = list(store.db.query("SELECT title FROM listings_fts WHERE listings_fts MATCH ?", ['"프탈레이트"']))
    assert rows == [{"title": "무프탈레이트 어린이용 치발기"}]


def test_flags_are_refreshed_cleared_and_reopened_never_deleted(store):
    store.upsert_listings([listing()])
    assert store.sync_flags("coupang", "1", [Hit("water-beads"), Hit("no-kc")])["new"] == 2
    assert store.sync_flags("coupang", "1", [Hit("water-beads", score=90)])["cleared"] == 1
    rows = {r["rule_id"]: r for r in store.db.query("SELECT rule_id, status, score FROM flags")}
    assert rows["no-kc"]["status"] == "cleared" and rows["water-beads"]["score"] == 90
    assert store.sync_flags("coupang", "1", [Hit("water-beads"), Hit("no-kc")])["reopened"] == 1
    events = [r["to_status"] for r in store.db.query("SELECT to_status FROM flag_events ORDER BY id")]
    assert events == ["new", "new", "cleared", "new"]


def test_flags_of_rules_not_evaluated_are_left_alone(store):
    store.upsert_listings([listing()])
    store.sync_flags("coupang", "1", [Hit("water-beads"), Hit("no-kc")])
    counts = store.sync_flags("coupang", "1", [], rule_ids=["water-beads"])
    assert counts["cleared"] == 1
    statuses = dict(store.db.execute("SELECT rule_id, status FROM flags").fetchall())
    assert statuses == {"water-beads": "cleared", "no-kc": "new"}


def test_reviewed_flags_are_not_cleared_by_a_rule_change(store):
    store.upsert_listings([listing()])
    store.sync_flags("coupang", "1", [Hit("water-beads")])
    store.db.execute("UPDATE flags SET status = 'reported'")
    assert store.sync_flags("coupang", "1", [])["cleared"] == 0


def test_runs_record_stats(store):
    run_id = store.start_run("crawl", "coupang", {"base_url": "http://x"})
    store.finish_run(run_id, "suspect", {"items": 0, "pages": 3, "drops": {"no_product_data": 3}})
    run = store.get_run(run_id)
    assert run["status"] == "suspect" and run["stats"]["drops"] == {"no_product_data": 3} and run["finished_at"]


def test_wal_mode_lets_a_reader_see_committed_rows_while_a_writer_is_open(store, tmp_path):
    store.upsert_listings([listing()])
    assert store.db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    with Store(tmp_path / "h.db") as reader:
        assert reader.count_listings() == {"coupang": 1}


def test_missing_folder_is_a_clear_error(tmp_path):
    with pytest.raises(StoreError, match="does not exist"):
        Store(tmp_path / "nope" / "h.db")


def test_list_flags_filters_are_parameters_not_sql(store):
    store.upsert_listings([listing()])
    store.sync_flags("coupang", "1", [Hit("water-beads")])
    assert store.list_flags(site="'; DROP TABLE flags; --") == []
    assert len(store.list_flags(text="수정토")) == 1
    assert "flags" in store.db.table_names()


def _judge(summary, previous=None):
    from scrapy.settings import Settings

    from crawler.runs import judge_run

    return judge_run(summary, "finished", previous, Settings({"HAZARDS_SUSPECT_ERROR_RATE": 0.2,
                                                              "HAZARDS_SUSPECT_DROP_RATIO": 0.5}))


def test_a_run_that_recovered_from_5xx_is_ok_but_one_that_gave_up_is_suspect():
    recovered = {"items": 10, "requests": 20, "http_errors": {"503": 8}, "retries": 8, "retries_gave_up": 0}
    assert _judge(recovered) == ("ok", [])
    gave_up = {**recovered, "retries_gave_up": 6}
    status, reasons = _judge(gave_up)
    assert status == "suspect" and "6 of 20 requests failed" in reasons[0]


def test_empty_runs_and_sharp_drops_are_suspect():
    assert _judge({"items": 0, "requests": 5})[0] == "suspect"
    status, reasons = _judge({"items": 10, "requests": 30}, {"id": 7, "status": "ok", "items": 100})
    assert status == "suspect" and "items fell from 100 (run 7) to 10" in reasons[0]


def test_flag_search_reads_title_and_description_for_short_and_long_terms(store):
    store.upsert_listings([listing(title="곰 인형", description="유아용 프탈레이트 검출")])
    store.sync_flags("coupang", "1", [Hit("phthalate")])
    assert len(store.list_flags(text="유아")) == 1
    assert len(store.list_flags(text="프탈레이트")) == 1
    assert store.list_flags(text="성인") == []
