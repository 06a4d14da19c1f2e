"""`hazards listings search|show`: a reviewer finds listings by Korean text and reads their history."""

from __future__ import annotations

from click.testing import CliRunner

from crawler.cli import main
from crawler.items import Listing
from crawler.store import Store


def listing(listing_id: str, title: str, **raw) -> Listing:
    return Listing.from_raw({"site": "coupang", "listing_id": listing_id, "url": f"http://shop/{listing_id}",
                             "title": title, **raw})


def test_search_finds_korean_substrings_and_show_tells_the_history(tmp_path):
    db = tmp_path / "h.db"
    with Store(db) as store:
        umbrella = listing("2", "어린이 우산", description="프탈레이트 82배 검출 제품과 같은 원단")
        store.upsert_listings([listing("1", "무프탈레이트 유아 치발기", price="9,900원"), umbrella], run_id=1)
        store.upsert_listings([listing("1", "무프탈레이트 유아 치발기", price="7,900원")], run_id=2)
    runner = CliRunner()
    found = runner.invoke(main, ["listings", "search", "프탈레이트", "--db", str(db), "--format", "csv"])
    assert found.exit_code == 0 and {line.split(",")[1] for line in found.output.splitlines()[1:]} == {"1", "2"}
    short = runner.invoke(main, ["listings", "search", "유아", "--db", str(db), "--format", "csv"])
    assert [line.split(",")[1] for line in short.output.splitlines()[1:]] == ["1"]
    shown = runner.invoke(main, ["listings", "show", "coupang", "1", "--db", str(db)])
    assert shown.exit_code == 0
    assert "price_krw" in shown.output and "7900" in shown.output
    assert 'run 2  price_krw: [9900, 7900]' in shown.output
    missing = runner.invoke(main, ["listings", "show", "coupang", "404", "--db", str(db)])
    assert missing.exit_code == 1 and "no listing '404'" in missing.output
