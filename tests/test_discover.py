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


def test_broken_feed_has_no_items():
    assert feed_items(b"<html><body>502 Bad Gateway</body></html>") == []
    assert feed_items(b"\x00\x01\x02") == []


def test_sitemap_index_and_gzipped_urlset():
    kind, locations = sitemap_entries(served("sitemap_index.xml"))
    assert kind == "sitemapindex"
    assert locations == [f"{BASE}/sitemap-news.xml"]
    kind, locations = sitemap_entries(gzip.compress(served("sitemap-news.xml")))
    assert kind == "urlset"
    assert f"{BASE}/sport/rotor-domashniy-match-147580/" in locations


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
