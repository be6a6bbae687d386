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
SITE = FIXTURES / "site"
BASE = "https://vesti-privolzhya.example"
FETCHED = "2026-11-26T11:00:00+03:00"
URLS = {
    "vpravda-drupal": "https://vpravda.ru/obshchestvo/volgogradskiy-opyt-v-razvitii-sistemy-spo-"
                      "poluchil-federalnoe-priznanie-146902/?utm_source=rss",
    "kp-utc-infinite": "https://www.volgograd.kp.ru/online/news/6012345/",
    "relative-date": "https://v34.example/news/2026/11/25/studenty-volontery/",
    "wordpress-koi8": "https://vesti-kamyshina.example/2025/03/03/uchitelya/",
}
# golden pages that are fixture-site pages, read from there (with __BASE__ filled in)
# rather than kept twice
FROM_SITE = {
    "bitrix-cp1251": "obrazovanie/priemnaya-kampaniya-kolledzhi-147460/index.html",
    "broken-markup": "obrazovanie/roditeli-vybrali-shkolnuyu-formu-147700/index.html",
    "jsonld-graph": "obrazovanie/novye-detskie-sady-147120/index.html",
    "listing-drupal": "obrazovanie/index.html",
    "microdata-teasers": "obrazovanie/yunyy-volgar-olimpiada-147333/index.html",
    "soft-404": "obrazovanie/staraya-stranica-100000/index.html",
    "text-date-only": "obshchestvo/volgo-donskoy-kanal-akciya-147520/index.html",
}


def pages() -> list[Path]:
    """The golden pages, each named by the path of its expected JSON (stem.json); a saved
    page without its JSON fails rather than being skipped."""
    saved = {p.with_suffix(".json") for p in PAGES.glob("*.html")}
    return sorted(saved | {PAGES / f"{stem}.json" for stem in FROM_SITE})


def html_of(page: Path) -> bytes:
    if page.stem in FROM_SITE:
        return (SITE / FROM_SITE[page.stem]).read_bytes().replace(b"__BASE__", BASE.encode())
    return page.with_suffix(".html").read_bytes()


def url_of(page: Path) -> str:
    return URLS.get(page.stem, f"{BASE}/{page.stem}/")


@pytest.mark.parametrize("page", pages(), ids=lambda p: p.stem)
def test_golden_page(page: Path):
    expected_path = page.with_suffix(".json")
    try:
        actual = clean(html_of(page), url_of(page),
                       fetched=datetime.fromisoformat(FETCHED)).to_json()
    except NotArticle as exc:
        actual = {"not_article": True, "reason": str(exc)}
    if os.environ.get("NEWSMON_UPDATE_GOLDEN") == "1":
        expected_path.write_text(json.dumps(actual, ensure_ascii=False, indent=2) + "\n",
                                 encoding="utf-8")
    expected = json.loads(expected_path.read_text(encoding="utf-8"))
    assert actual == expected


def test_golden_set_covers_the_layouts():
    # the failure classes seen on real pages each have a page of their own
    assert {"short-item", "div-paragraphs", "table-cells", "elementor", "microdata-dozen",
            "date-above-headline", "date-after-body", "date-views", "author-itemprop-link",
            "author-jsonld", "author-signature", "title-404"} <= {p.stem for p in pages()}
    assert all(p.with_suffix(".html").exists() or p.stem in FROM_SITE for p in pages())
    not_articles = [p for p in pages() if json.loads(p.read_text()).get("not_article")]
    assert {p.stem for p in not_articles} == {"listing-drupal", "soft-404"}
