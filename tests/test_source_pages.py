"""One page per bundled source, in that site's markup, cleaned with the source's own settings
and selectors from the bundled sources.toml (golden JSON beside each page).

Accept deliberate changes with NEWSMON_UPDATE_GOLDEN=1 and read the diff before committing.
"""

from __future__ import annotations

import json
import os
from datetime import datetime

import pytest
from conftest import FIXTURES

from crawler.clean import clean
from crawler.config import bundled_sources_path, load_config
from crawler.topic import classify

PAGES = FIXTURES / "sources"
URLS = json.loads((PAGES / "urls.json").read_text())
CONFIG = load_config(bundled_sources_path())


def test_every_bundled_source_has_a_page():
    assert set(URLS) == set(CONFIG.sources)


@pytest.mark.parametrize("slug", sorted(URLS))
def test_source_page(slug):
    source = CONFIG.sources[slug]
    page = PAGES / f"{slug}.html"
    article = clean(page.read_bytes(), URLS[slug], source,
                    fetched=datetime.fromisoformat("2026-11-26T11:00:00+03:00"))
    actual = article.to_json()
    actual["education"] = classify(article).keep
    expected_path = page.with_suffix(".json")
    if os.environ.get("NEWSMON_UPDATE_GOLDEN") == "1":
        expected_path.write_text(json.dumps(actual, ensure_ascii=False, indent=2) + "\n",
                                 encoding="utf-8")
    assert actual == json.loads(expected_path.read_text(encoding="utf-8"))
    # what every source must yield, whatever its markup
    assert actual["title"] == ("Губернатор обсудил с педагогами программы по математике"
                               if slug == "volgograd-ru"  # the regional government's own site
                               else "Педагоги обсудили новые программы по математике")
    assert actual["published"].startswith("2025-10-14")
    assert actual["body"].startswith("Педагоги региона обсудили")
    assert actual["body"].endswith("учителей начальных классов.")
    assert actual["education"] is True
