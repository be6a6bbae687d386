"""Link discovery on saved feeds, sitemaps and listings, without a reactor."""

from __future__ import annotations

import gzip

from conftest import FIXTURES

from crawler.config import Source
from crawler.discover import feed_items, listing_links, looks_like_article, sitemap_entries

SITE = FIXTURES / "site"
BASE = "http://127.0.0.1:8000"
SOURCE = Source(slug="t", name="t", home=f"{BASE}/", listings=(f"{BASE}/obrazovanie/",))


def served(name: str) -> bytes:
    return (SITE / name).read_bytes().replace(b"__BASE__", BASE.encode())


def test_rss_items_with_yandex_full_text():
    items = feed_items(served("rss.xml"))
    assert [i.url.rsplit("/", 2)[-2] for i in items] == [
        "novye-detskie-sady-147120", "stipendii-studentam-147200", "uchitel-budushchego-147260",
        "elki-na-ploshchadi-147640"]
    full = {i.url.rsplit("/", 2)[-2]: i.full_text for i in items}
    assert "общежития" in full["stipendii-studentam-147200"]
    assert full["novye-detskie-sady-147120"] is None


def test_windows_1251_feed():
    items = feed_items(served("rss-1251.xml"))
    assert len(items) == 2


def test_atom_feed():
    atom = b"""<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom"><title>x</title>
<entry><title>A</title><link rel="alternate" href="https://example.org/news/1.html"/></entry>
<entry><title>B</title><link href="https://example.org/news/2.html"/></entry></feed>"""
    assert [i.url for i in feed_items(atom)] == ["https://example.org/news/1.html",
                                                 "https://example.org/news/2.html"]


def test_feed_items_carry_their_metadata_as_hints():
    rss = """<?xml version="1.0" encoding="utf-8"?>
<rss version="2.0" xmlns:turbo="http://turbo.yandex.ru" xmlns:dc="http://purl.org/dc/elements/1.1/"
 xmlns:content="http://purl.org/rss/1.0/modules/content/"><channel><title>x</title>
<item><title>Школа № 5 &amp; лицей</title><link><![CDATA[https://a.ru/news?id=1&amp;p=2]]></link>
<pubDate>Tue, 18 Mar 2025 13:40:00 +0300</pubDate><dc:creator>Анна Ершова</dc:creator>
<description><![CDATA[<p>Коротко о <b>главном</b>.</p>]]></description>
<turbo:content><![CDATA[<header><h1>Школа</h1></header><p>Полный текст.</p>]]>
</turbo:content></item>
<item><title>Двойное экранирование</title><link>https://a.ru/news?id=2&amp;amp;p=3</link>
<author>ed@a.ru (Петр Сидоров)</author><pubDate>18.03.2025 13:40</pubDate>
<content:encoded><![CDATA[<p>Текст из content:encoded.</p>]]></content:encoded></item>
<item><title>Без зоны</title><link>https://a.ru/news?id=3</link>
<pubDate>Tue, 18 Mar 2025 13:40:00</pubDate></item>
</channel></rss>""".encode()
    first, second, third = feed_items(rss)
    assert first.url == "https://a.ru/news?id=1&p=2"  # not ?id=1=2
    assert second.url == "https://a.ru/news?id=2&p=3"
    assert first.hints.title == "Школа № 5 & лицей"
    assert first.hints.published.isoformat() == "2025-03-18T13:40:00+03:00"
    assert first.hints.author == "Анна Ершова"
    assert first.hints.summary == "<p>Коротко о <b>главном</b>.</p>"
    assert "Полный текст." in first.hints.full_text
    assert second.hints.author == "Петр Сидоров"
    assert "content:encoded" in second.hints.full_text
    assert all(i.hints.listed for i in (first, second, third))
    # a date written without a zone is in the source's zone (Volgograd by default)
    assert third.hints.published.isoformat() == "2025-03-18T13:40:00+03:00"


def test_news_sitemap_entries_are_listed_with_title_and_date():
    body = """<?xml version="1.0" encoding="UTF-8"?>
<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"
 xmlns:news="http://www.google.com/schemas/sitemap-news/0.9">
<url><loc>https://a.ru/news/1/</loc><lastmod>2025-03-19</lastmod><news:news>
<news:publication><news:name>A</news:name><news:language>ru</news:language></news:publication>
<news:publication_date>2025-03-18T13:40:00+03:00</news:publication_date>
<news:title>Заголовок из карты сайта</news:title></news:news></url>
<url><loc>https://a.ru/about/</loc><lastmod>2024-01-01</lastmod></url>
</urlset>""".encode()
    kind, entries = sitemap_entries(body)
    by_url = {e.url: e.hints for e in entries}
    news = by_url["https://a.ru/news/1/"]
    assert (kind, news.listed, news.title) == ("urlset", True, "Заголовок из карты сайта")
    assert news.published.isoformat() == "2025-03-18T13:40:00+03:00"
    assert not by_url["https://a.ru/about/"].listed
    assert by_url["https://a.ru/about/"].lastmod.date().isoformat() == "2024-01-01"


def test_broken_feed_has_no_items():
    assert feed_items(b"<html><body>502 Bad Gateway</body></html>") == []
    assert feed_items(b"\x00\x01\x02") == []


def test_sitemap_index_and_gzipped_urlset():
    kind, entries = sitemap_entries(served("sitemap_index.xml"))
    assert kind == "sitemapindex"
    assert [e.url for e in entries] == [f"{BASE}/sitemap-news.xml"]
    kind, entries = sitemap_entries(gzip.compress(served("sitemap-news.xml")))
    assert kind == "urlset"
    assert f"{BASE}/sport/rotor-domashniy-match-147580/" in [e.url for e in entries]


def test_listing_links_and_next_page():
    html = served("obrazovanie/index.html").decode()
    links, next_url = listing_links(html, f"{BASE}/obrazovanie/", SOURCE)
    assert next_url == f"{BASE}/obrazovanie/page/2/"
    assert f"{BASE}/obrazovanie/uchitel-goda-2025-146955/" in links
    assert f"{BASE}/obrazovanie/" not in links
    assert not [u for u in links if "/about/" in u or "/tags/" in u]


def test_next_page_found_by_its_russian_text():
    html = served("obrazovanie/page/2/index.html").decode()  # no rel=next on this page
    _, next_url = listing_links(html, f"{BASE}/obrazovanie/page/2/", SOURCE)
    assert next_url == f"{BASE}/obrazovanie/page/3/"


def test_article_url_pattern_decides_when_given():
    source = Source(slug="t", name="t", home="https://vpravda.ru/",
                    feeds=("https://vpravda.ru/feed/",),
                    article_url=r"^https://vpravda\.ru/[a-z-]+/[a-z0-9-]+-\d+/?$")
    assert looks_like_article("https://vpravda.ru/obshchestvo/kolledzh-146902/", source)
    assert not looks_like_article("https://vpravda.ru/obshchestvo/", source)
    assert not looks_like_article("https://evil.example/obshchestvo/x-146902/", source)
