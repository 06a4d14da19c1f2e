"""Every spider against its saved pages, and the spider registry itself."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from scrapy.spiderloader import SpiderLoader
from scrapy.utils.project import get_project_settings

from tests.golden import PAGES, run_page, saved_pages

LOADER = SpiderLoader.from_settings(get_project_settings())
PAGES_LIST = saved_pages()


@pytest.mark.parametrize("page", PAGES_LIST, ids=[f"{p.spider}/{p.name}" for p in PAGES_LIST])
def test_spider_extracts_what_the_saved_page_shows(page, request):
    produced = run_page(page, LOADER.load(page.spider))
    if request.config.getoption("--update-golden"):
        page.expected_path.write_text(json.dumps(produced, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    assert page.expected_path.exists(), f"no expected items for {page.path}; review them with --update-golden"
    expected = json.loads(page.expected_path.read_text(encoding="utf-8"))
    assert produced["follows"] == expected["follows"]
    assert len(produced["items"]) == len(expected["items"])
    for got, want in zip(produced["items"], expected["items"], strict=True):
        for field in sorted(set(got) | set(want)):
            assert got.get(field) == want.get(field), f"{page.spider}/{page.name}: field {field}"


@pytest.mark.parametrize("name", LOADER.list())
def test_every_spider_is_named_after_its_file_and_has_saved_pages(name):
    spider_cls = LOADER.load(name)
    assert Path(spider_cls.__module__.replace(".", "/")).name == name
    assert list((PAGES / name).glob("*.bin")), f"add a saved page under tests/pages/{name}/"
    assert spider_cls.__doc__, f"{name}: the spider class needs a docstring"
