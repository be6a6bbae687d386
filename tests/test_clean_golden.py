"""Golden pages: each saved page beside the article JSON the cleaner must produce.

To accept a deliberate change of output, run
    NEWSMON_UPDATE_GOLDEN=1 .venv/bin/python -m pytest tests/test_clean_golden.py
and read the diff of tests/fixtures/pages/*.json before committing it.
"""

from __future__ import annotations

import json
import os
from datetime import datetime
from pathlib import Path

import pytest
from conftest import FIXTURES

from crawler.clean import NotArticle, clean

PAGES = FIXTURES / "pages"
FETCHED = "2026-11-26T11:00:00+03:00"
URLS = {
    "vpravda-drupal": "https://vpravda.ru/obshchestvo/volgogradskiy-opyt-v-razvitii-sistemy-spo-"
                      "poluchil-federalnoe-priznanie-146902/?utm_source=rss",
    "kp-utc-infinite": "https://www.volgograd.kp.ru/online/news/6012345/",
    "relative-date": "https://v34.example/news/2026/11/25/studenty-volontery/",
    "wordpress-koi8": "https://vesti-kamyshina.example/2025/03/03/uchitelya/",
}


def pages() -> list[Path]:
    return sorted(PAGES.glob("*.html"))


def url_of(page: Path) -> str:
    return URLS.get(page.stem, f"https://vesti-privolzhya.example/{page.stem}/")


@pytest.mark.parametrize("page", pages(), ids=lambda p: p.stem)
def test_golden_page(page: Path):
    expected_path = page.with_suffix(".json")
    try:
        actual = clean(page.read_bytes(), url_of(page),
                       fetched=datetime.fromisoformat(FETCHED)).to_json()
    except NotArticle as exc:
        actual = {"not_article": True, "reason": str(exc)}
    if os.environ.get("NEWSMON_UPDATE_GOLDEN") == "1":
        expected_path.write_text(json.dumps(actual, ensure_ascii=False, indent=2) + "\n",
                                 encoding="utf-8")
    expected = json.loads(expected_path.read_text(encoding="utf-8"))
    assert actual == expected


def test_golden_set_covers_the_layouts():
    assert len(pages()) >= 10
    not_articles = [p for p in pages()
                    if json.loads(p.with_suffix(".json").read_text()).get("not_article")]
    assert {p.stem for p in not_articles} == {"listing-drupal", "soft-404"}
