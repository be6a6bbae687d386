"""The real crawler against the fixture site: what a user sees after `newsmon crawl`."""

from __future__ import annotations

import json
import socket
import subprocess
import sys

import pytest
from conftest import search_json

ARTICLE_PATHS = ("/obrazovanie/", "/obshchestvo/", "/sport/", "/private/")


def article_requests(requests: list[str]) -> list[str]:
    return [r for r in requests if r.startswith(ARTICLE_PATHS) and r.count("/") >= 3
            and "/page/" not in r]


def test_first_crawl_archives_every_article_and_reports_it(crawled):
    assert crawled.first.returncode == 0, crawled.first.stderr
    assert "Traceback" not in crawled.first.stderr
    assert "testsite: 13 new" in crawled.first.stdout
    assert "0 errors" in crawled.first.stdout


def test_stats_counts_by_source_and_month(cli):
    code, out, _ = cli("stats", "--format", "json")
    stats = json.loads(out)
    assert code == 0
    assert stats["articles"] == 13
    assert stats["by_source"] == {"testsite": 13}
    assert stats["by_month"]["2025-03"] == 3
    assert sum(stats["by_month"].values()) == 13


def test_robots_disallowed_page_is_never_requested(crawled):
    assert "/robots.txt" in crawled.first_requests
    assert not [r for r in crawled.first_requests + crawled.second_requests
                if r.startswith("/private/")]


def test_second_crawl_refetches_no_article(crawled):
    assert crawled.second.returncode == 0, crawled.second.stderr
    assert "0 new" in crawled.second.stdout
    assert "already archived" in crawled.second.stdout  # fewer than 13: feeds answer 304
    # only discovery pages again: not the soft-404 page or the dead link either, which are
    # remembered as not articles; and the listing stops at its first page of known articles
    assert article_requests(crawled.second_requests) == []
    assert "/obrazovanie/page/2/" not in crawled.second_requests
    fetched_once = article_requests(crawled.first_requests)
    assert len(fetched_once) == len(set(fetched_once))


@pytest.mark.parametrize(("query", "expected_title_word"), [
    ("колледжи", "колледжах"),          # plural finds the prepositional plural
    ("учитель", "учителя"),             # and singular finds the genitive
    ("волгарем", "призером"),           # «волгарём» in the body, written without ё
    ("елка", "Ёлку"),                   # ё = е
    ("Волго-Донской", "Волго-Донского"),
    ("стипендия", "стипендии"),
])
def test_search_finds_other_word_forms(cli, query, expected_title_word):
    hits = search_json(cli, query)
    assert any(expected_title_word in h["title"] for h in hits), [h["title"] for h in hits]


def test_search_json_hit_shape_and_highlight(cli):
    hits = search_json(cli, "колледжи")
    assert hits
    assert set(hits[0]) == {"id", "url", "title", "source", "published", "score", "snippet",
                            "story", "story_size"}
    assert any("<b>" in h["snippet"] for h in hits)
    assert all(h["source"] == "testsite" for h in hits)


def test_windows_1251_article_is_decoded(cli):
    hits = search_json(cli, "приёмной кампании")
    assert [h["title"] for h in hits] == [
        "Комитет образования подвёл итоги приёмной кампании в колледжах"]
    assert hits[0]["published"] == "2025-09-05T18:20:00+03:00"


def test_date_written_only_in_russian_text(cli):
    hits = search_json(cli, "title:канала")
    assert hits[0]["published"] == "2025-03-12T14:30:00+03:00"


def test_utc_publication_time_keeps_its_offset(cli):
    hits = search_json(cli, '"учитель будущего"')
    assert hits[0]["published"] == "2025-04-10T06:30:00+00:00"


def test_soft_404_and_listings_are_not_archived(cli):
    assert search_json(cli, "title:найдена") == []
    _code, out, _ = cli("stats", "--format", "json")
    assert json.loads(out)["articles"] == 13


def test_show_by_id_and_by_fetched_url(cli, crawled):
    hit = search_json(cli, "ЕГЭ математике")[0]
    code, out, _ = cli("show", hit["id"])
    assert code == 0
    assert "Школьники Волгограда написали пробный ЕГЭ по математике" in out
    assert "Автор: Анна Климова" in out
    assert "Текст: Анна Климова" not in out  # the signature became the author
    # the canonical URL has no trailing slash; the URL the crawler fetched had one
    code, out, _ = cli("show", hit["url"] + "/", "--format", "json")
    assert code == 0
    article = json.loads(out)
    assert article["id"] == hit["id"]
    assert article["body"].startswith("Пробный единый государственный экзамен")


def test_yandex_full_text_from_feed_is_used(cli):
    hits = search_json(cli, "общежития")
    assert [h["title"] for h in hits] == [
        "Студенты волгоградских вузов будут получать повышенные стипендии"]


def test_network_beyond_loopback_fails_loudly():
    with pytest.raises(OSError, match="blocked"):
        socket.create_connection(("93.184.216.34", 80), timeout=1)
    with pytest.raises(OSError, match="blocked"):
        socket.getaddrinfo("example.org", 443)
    # and in every child the tests start (a crawl, a scheduler's runs): PYTHONPATH carries it
    child = subprocess.run([sys.executable, "-c", "import socket\n"
                            "socket.create_connection(('93.184.216.34', 80), timeout=1)"],
                           capture_output=True, text=True, timeout=60)
    assert child.returncode == 1
    assert "newsmon tests: name lookup of 93.184.216.34 blocked" in child.stderr


def test_second_crawl_asks_for_feeds_conditionally(crawled):
    assert "/rss.xml" in crawled.not_modified
    assert "/rss-1251.xml" in crawled.not_modified


def test_run_history_records_both_crawls(cli):
    code, out, _ = cli("status", "--format", "json")
    (row,) = json.loads(out)
    assert code == 0
    assert row["source"] == "testsite" and row["runs"] == 2
    assert row["last_run"]["ok"] and row["last_run"]["articles_new"] == 0
    assert row["next_run"] > row["last_run"]["started"]


def test_raw_html_is_kept_to_clean_again(cli, crawled):
    from crawler.clean import clean
    from indexer.archive import Archive

    hit = search_json(cli, "приёмной кампании")[0]
    with Archive(crawled.data_dir / "archive.sqlite") as archive:
        raw = archive.html(hit["id"])
        stored = archive.get(hit["id"])
    assert raw is not None and b"windows-1251" in raw  # the page as fetched, bytes and all
    again = clean(raw, stored.url)
    assert (again.title, again.body) == (stored.title, stored.body)
