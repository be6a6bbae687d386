"""Nothing a feed lists is lost: pages that defeat the cleaner are archived partial from
their feed item, refusals are recorded, and `reclean` re-applies the current cleaner to
the archived raw HTML."""

from __future__ import annotations

import json
import sqlite3
import zlib
from datetime import datetime
from pathlib import Path

import pytest
from conftest import FIXTURES, newsmon_here, run_newsmon

from crawler.clean import clean
from crawler.serve import SiteServer
from indexer.archive import Archive

PARAGRAPH = ("Педагоги и родители обсудили расписание кружков: робототехника, шахматы и "
             "хоровое пение пройдут после уроков во вторник и четверг.")


def page(title: str, body: str, date: str = "") -> str:
    return (f'<!DOCTYPE html><html lang="ru"><head><meta charset="utf-8"><title>{title}</title>'
            f'</head><body><div class="menu"><a href="/">Главная</a></div>'
            f'<div class="main"><h1>{title}</h1>{date}{body}</div></body></html>')


def build_site(root: Path) -> Path:
    """A small site whose feed lists five articles, three of which defeat page cleaning."""
    pages = {
        # an ordinary article
        "news/1001/": page("Школы района готовятся к зиме", "".join(
            f"<p>{PARAGRAPH} Абзац {n}.</p>" for n in range(4)),
            '<div class="date">12.11.2026 10:00</div>'),
        # the text is drawn by a script: nothing on the page to find
        "news/1002/": page("Олимпиада по химии собрала двести школьников",
                           '<div id="app"></div><script>render()</script>'),
        # a one-sentence item, with its date
        "news/1003/": page("Занятия во второй смене отменены",
                           "<p>Из-за морозов занятия отменены до пятницы.</p>",
                           '<div class="date">13.11.2026 07:30</div>'),
        # no headline on the page at all, the text behind a script; the feed has full text
        "news/1004/": '<html><body><div id="root"></div></body></html>',
        # an error page listed by the feed: rejected, and recorded
        "news/1005/": page("Страница не найдена", "<p>Такой страницы нет.</p>"),
        # a listing page linked from the home page: not an article, recorded
        "rubric/obrazovanie/": page("Образование", "".join(
            f'<p><a href="/news/{n}/">Новость номер {n} о школах и детских садах района</a></p>'
            for n in range(2000, 2010))),
    }
    for path, html in pages.items():
        target = root / path / "index.html"
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(html, encoding="utf-8")
    items = [
        ("news/1001/", "Школы района готовятся к зиме", "Wed, 12 Nov 2026 10:00:00 +0300", ""),
        ("news/1002/", "Олимпиада по химии собрала двести школьников",
         "Wed, 12 Nov 2026 12:00:00 +0300",
         "<description>Региональный этап олимпиады прошел в университете.</description>"
         "<author>press@example.org (Ольга Белова)</author>"),
        ("news/1003/", "Занятия во второй смене отменены", "Thu, 13 Nov 2026 07:30:00 +0300",
         ""),
        ("news/1004/", "Новый детский сад примет детей в декабре",
         "Thu, 13 Nov 2026 09:00:00 +0300",
         "<yandex:full-text>&lt;p&gt;Детский сад на двести сорок мест в поселке Кировском "
         "откроется в декабре. Здание построили по национальному проекту.&lt;/p&gt;"
         "</yandex:full-text>"),
        ("news/1005/", "Старая новость", "Thu, 13 Nov 2026 10:00:00 +0300", ""),
    ]
    rss = ['<?xml version="1.0" encoding="utf-8"?>',
           '<rss version="2.0" xmlns:yandex="http://news.yandex.ru"><channel><title>t</title>']
    for path, title, date, extra in items:
        rss.append(f"<item><title>{title}</title><link>__BASE__/{path}</link>"
                   f"<pubDate>{date}</pubDate>{extra}</item>")
    rss.append("</channel></rss>")
    (root / "rss.xml").write_text("\n".join(rss), encoding="utf-8")
    (root / "index.html").write_text(
        # the home page also links the script-drawn article: whichever of it and the feed
        # is read first, the page is cleaned with the feed item's hints
        page("Районные новости", '<p><a href="/rubric/obrazovanie/">Образование</a></p>'
             '<p><a href="/news/1002/">Олимпиада по химии собрала двести школьников</a></p>'),
        encoding="utf-8")
    return root


@pytest.fixture(scope="module")
def partial_crawl(tmp_path_factory):
    root = tmp_path_factory.mktemp("partial")
    with SiteServer(build_site(root / "site")) as server:
        sources = root / "sources.toml"
        sources.write_text(
            f'[sources.rayon]\nname = "Районные новости"\nhome = "{server.base}/"\n'
            f'feeds = ["{server.base}/rss.xml"]\nlistings = ["{server.base}/"]\n'
            "article_url = '/(news|rubric)/'\ndelay = 0\n", encoding="utf-8")
        crawl = run_newsmon("crawl", data_dir=root / "data", sources=sources)
    return root / "data", sources, crawl


def articles(data_dir: Path) -> dict[str, dict]:
    exported = newsmon_here("export", data_dir=data_dir)
    found = [json.loads(line) for line in exported.stdout.splitlines()]
    return {a["url"].rstrip("/").rsplit("/", 1)[-1]: a for a in found}


def test_every_feed_item_is_archived_even_when_its_page_defeats_the_cleaner(partial_crawl):
    data_dir, _, crawl = partial_crawl
    assert crawl.returncode == 0, crawl.stderr
    archived = articles(data_dir)
    assert set(archived) == {"1001", "1002", "1003", "1004"}
    assert "1 partial" in crawl.stdout
    # the script-drawn page: kept from the feed item, marked partial
    chem = archived["1002"]
    assert chem["partial"] is True
    assert chem["title"] == "Олимпиада по химии собрала двести школьников"
    assert chem["body"] == "Региональный этап олимпиады прошел в университете."
    assert chem["published"] == "2026-11-12T12:00:00+03:00"
    assert chem["author"] == "Ольга Белова"
    # a one-sentence item with a headline and a date is an article, not partial
    assert "partial" not in archived["1003"]
    assert archived["1003"]["body"] == "Из-за морозов занятия отменены до пятницы."
    # no headline on the page: the feed's title and full text
    kindergarten = archived["1004"]
    assert kindergarten["title"] == "Новый детский сад примет детей в декабре"
    assert kindergarten["body"].startswith("Детский сад на двести сорок мест")
    assert "partial" not in archived["1001"]


def test_partial_articles_are_searchable(partial_crawl):
    data_dir, sources, _ = partial_crawl
    hits = newsmon_here("search", "олимпиада", "--format", "json", data_dir=data_dir,
                        sources=sources)
    assert [h["title"] for h in json.loads(hits.stdout)] == [
        "Олимпиада по химии собрала двести школьников"]


def test_rejected_pages_are_listed_with_their_reason(partial_crawl):
    data_dir, sources, _ = partial_crawl
    listed = newsmon_here("rejected", "--format", "json", data_dir=data_dir, sources=sources)
    assert listed.returncode == 0, listed.stderr
    rows = {r["url"].split("/", 3)[-1]: r for r in json.loads(listed.stdout)}
    assert set(rows) == {"news/1005/", "rubric/obrazovanie/"}
    assert "error page" in rows["news/1005/"]["reason"]
    assert all(r["source"] == "rayon" and r["seen"] for r in rows.values())
    table = newsmon_here("rejected", "rayon", data_dir=data_dir, sources=sources)
    assert "news/1005/" in table.stdout
    unknown = newsmon_here("rejected", "nosuch", data_dir=data_dir, sources=sources)
    assert unknown.returncode == 2 and "nosuch" in unknown.stderr


def test_status_counts_partial_and_rejected(partial_crawl):
    data_dir, sources, _ = partial_crawl
    status = newsmon_here("status", "--format", "json", data_dir=data_dir, sources=sources)
    row = json.loads(status.stdout)[0]
    assert (row["partial"], row["rejected"]) == (1, 2)
    table = newsmon_here("status", data_dir=data_dir, sources=sources)
    assert "1 partial" in table.stdout and "newsmon rejected rayon" in table.stdout


FETCHED = datetime.fromisoformat("2026-11-26T11:00:00+03:00")
GOLDEN = FIXTURES / "pages"


def test_reclean_applies_the_current_cleaner_to_an_older_archive(tmp_path):
    """An archive written by an older newsmon (no partial or hints columns) whose cleaner
    lost the author and a paragraph: reclean brings the current result, once."""
    data_dir = tmp_path / "data"
    html = (GOLDEN / "author-signature.html").read_bytes()
    url = "https://vesti-privolzhya.example/author-signature/"
    current = clean(html, url, fetched=FETCHED)
    older = current.__class__(**{**current.__dict__, "author": None,
                                 "body": current.body.split("\n\n")[0]})
    with Archive(data_dir / "archive.sqlite") as archive:
        archive.save(older, html, [url])
        archive.db.execute("ALTER TABLE articles DROP COLUMN partial")
        archive.db.execute("ALTER TABLE articles DROP COLUMN hints")
    newsmon_here("reindex", data_dir=data_dir)
    before = newsmon_here("search", "заявки", "--count", data_dir=data_dir)
    assert before.stdout.strip() == "0"

    first = newsmon_here("reclean", data_dir=data_dir)
    assert first.returncode == 0, first.stderr
    assert "1 updated" in first.stdout
    shown = json.loads(newsmon_here("show", older.id, "--format", "json",
                                    data_dir=data_dir).stdout)
    assert shown["author"] == "Елена Смирнова"
    assert shown["body"] == current.body
    assert shown["id"] == older.id
    after = newsmon_here("search", "заявки", "--count", data_dir=data_dir)
    assert after.stdout.strip() == "1"  # the index follows the archive

    again = newsmon_here("reclean", data_dir=data_dir)
    assert "0 updated, 1 unchanged" in again.stdout
    with sqlite3.connect(data_dir / "archive.sqlite") as db:
        stored = db.execute("SELECT html FROM articles").fetchone()[0]
    assert zlib.decompress(stored) == html  # the raw page is kept as fetched


def test_reclean_partial_only_and_never_loses_an_article(partial_crawl, tmp_path):
    data_dir, sources, _ = partial_crawl
    result = newsmon_here("reclean", "rayon", "--partial", data_dir=data_dir, sources=sources)
    assert result.returncode == 0, result.stderr
    assert "re-cleaned 1 article:" in result.stdout
    assert set(articles(data_dir)) == {"1001", "1002", "1003", "1004"}
    missing = newsmon_here("reclean", data_dir=tmp_path / "empty")
    assert missing.returncode == 2 and "no archive" in missing.stderr
