"""Finding article links in feeds, sitemaps and listing pages: pure functions over text.

Kept apart from the spider so discovery can be tested on saved files and
reused by `sources --check` without a reactor.
"""

from __future__ import annotations

import re
from calendar import timegm
from dataclasses import dataclass, field
from datetime import UTC, datetime, tzinfo
from email.utils import parsedate_to_datetime
from typing import Any
from urllib.parse import urljoin, urlsplit

import feedparser
from parsel import Selector
from scrapy.utils.gz import gunzip
from scrapy.utils.sitemap import Sitemap

from crawler import dates
from crawler.clean import Hints
from crawler.config import DEFAULT_TIMEZONE, Source
from indexer.text import squash

MAX_SITEMAP_BYTES = 50 * 1024 * 1024
MAX_SUMMARY = 4000
_ITEM_END = re.compile(rb"</(?:\w+:)?(?:item|entry)\s*>", re.IGNORECASE)
MAX_FEED_ITEMS = 5000  # a feed's newest items; 100,000 took seconds to read, every run
_NOT_ARTICLE_PATH = re.compile(
    r"/(tags?|rubric|category|categories|section|search|login|auth|register|author|authors"
    r"|page|rss|feed|sitemap|about|contacts?|advert|reklama|subscribe|video|photo)(/|$)"
    r"|\.(jpe?g|png|gif|webp|svg|pdf|docx?|xlsx?|zip|rar|mp[34]|xml|rss|css|js)$",
    re.IGNORECASE,
)
_NEXT_TEXT = re.compile(
    r"^\s*(?:следующая(?:\s+страница)?|далее|вперед|вперёд|next(?:\s+page)?|»|›|→|>>?)"
    r"[\s»›>→]*$", re.IGNORECASE)


@dataclass(frozen=True)
class FeedItem:
    """One feed item or sitemap entry: the article's URL and what the list said of it."""
    url: str
    hints: Hints = field(default_factory=lambda: Hints(listed=True))

    @property
    def full_text(self) -> str | None:
        return self.hints.full_text


def feed_items(body: bytes, tz: tzinfo | None = None) -> list[FeedItem]:
    """Items of an RSS 0.9x/1.0/2.0, Atom or Yandex feed, with their title, date, author,
    summary and full text (yandex:full-text, turbo:content, content:encoded) as hints.

    feedparser reads the encodings, entities, CDATA and broken feeds real sites serve
    (`&amp;amp;` in a link, windows-1251 declared or not); a date without a zone is in
    the source's zone."""
    tz = tz or dates.zone(DEFAULT_TIMEZONE)
    try:
        parsed = feedparser.parse(_first_items(body), sanitize_html=False,
                                  resolve_relative_uris=False)
    except Exception:  # feedparser is lenient; anything it still raises is not a feed
        return []
    items = []
    for entry in parsed.entries:
        # the alternate link is the article; feedparser's `link` can be an enclosure's
        links = [lnk for lnk in entry.get("links", []) if lnk.get("href")]
        link = next((lnk["href"] for lnk in links if lnk.get("rel") == "alternate"),
                    None) or entry.get("link") or next((lnk["href"] for lnk in links
                                                        if lnk.get("rel") != "enclosure"), None)
        if not link and entry.get("guidislink"):
            link = entry.get("id")
        if not isinstance(link, str) or not link.strip():
            continue
        full = entry.get("yandex_full-text") or entry.get("turbo_content") or next(
            (c.get("value") for c in entry.get("content", []) if c.get("value")), None)
        summary = entry.get("summary")
        author = (entry.get("author_detail") or {}).get("name") or entry.get("author")
        hints = Hints(
            title=squash(entry.get("title")) or None,
            published=_entry_date(entry, tz),
            author=squash(author) or None,
            # kept as the feed gave it (HTML or text): made text only if ever needed, as
            # turning every item's summary into text cost as much as parsing the feed
            summary=summary.strip()[:MAX_SUMMARY] or None if isinstance(summary, str)
            and summary != full else None,
            full_text=full.strip() if isinstance(full, str) and full.strip() else None,
            listed=True)
        items.append(FeedItem(url=link.strip(), hints=hints))
    return items


def _first_items(body: bytes) -> bytes:
    """The feed cut after its MAX_FEED_ITEMS-th item: feedparser reads a cut feed (it is
    lenient), and a feed of 100,000 items would take minutes to read in full every run."""
    for count, match in enumerate(_ITEM_END.finditer(body), 1):
        if count == MAX_FEED_ITEMS:
            return body[:match.end()]
    return body


def _entry_date(entry: Any, tz: tzinfo) -> datetime | None:
    present = set(entry.keys())  # not entry.get: feedparser maps updated to published, warned
    for key in ("published", "updated", "created"):
        raw = entry[key] if key in present else None
        if not isinstance(raw, str) or not raw.strip():
            continue
        value = dates.parse_iso(raw, tz)
        if value is None:
            try:
                value = parsedate_to_datetime(raw)
            except (TypeError, ValueError, IndexError):
                value = None
            if value is not None and value.tzinfo is None:
                value = value.replace(tzinfo=tz)
        if value is None and f"{key}_parsed" in present and entry[f"{key}_parsed"]:
            value = datetime.fromtimestamp(timegm(entry[f"{key}_parsed"]), UTC)
        if value is not None:
            return value
    return None


def sitemap_entries(body: bytes, tz: tzinfo | None = None) -> tuple[str, list[FeedItem]]:
    """("sitemapindex" | "urlset", entries); gzip is undone here, within a size cap.

    A Google News sitemap's publication date and title become hints, and its entries
    are listed articles; `lastmod` only fills a date the page lacks."""
    tz = tz or dates.zone(DEFAULT_TIMEZONE)
    if body[:2] == b"\x1f\x8b":
        body = gunzip(body, max_size=MAX_SITEMAP_BYTES)
    try:
        sitemap = Sitemap(body)
    except Exception:
        return "urlset", []
    news = _news_entries(body, tz) if b"news" in body[:4096] else {}
    entries = sorted(sitemap, key=lambda e: e.get("lastmod", ""), reverse=True)
    found = []
    for entry in entries:
        if not entry.get("loc"):
            continue
        url = entry["loc"].strip()
        title, published = news.get(url, (None, None))
        lastmod = dates.parse_iso(entry.get("lastmod", ""), tz)
        found.append(FeedItem(url=url, hints=Hints(title=title, published=published,
                                                   lastmod=lastmod, listed=url in news)))
    return sitemap.type or "urlset", found


def _news_entries(body: bytes, tz: tzinfo) -> dict[str, tuple[str | None, datetime | None]]:
    try:
        selector = Selector(body=body, type="xml")
    except Exception:
        return {}
    selector.remove_namespaces()
    found = {}
    for node in selector.xpath("//url[news]"):
        loc = node.xpath("normalize-space(loc)").get()
        if loc:
            title = node.xpath("normalize-space(news/title)").get() or None
            raw = node.xpath("normalize-space(news/publication_date)").get() or ""
            found[loc] = (title, dates.parse_iso(raw, tz))
    return found


def listing_links(html: str, page_url: str, source: Source) -> tuple[list[str], str | None]:
    """(article links in page order, the next page's URL or None)."""
    selector = Selector(text=html)
    next_url = None
    for href in selector.css("link[rel=next]::attr(href), a[rel=next]::attr(href)").getall():
        next_url = urljoin(page_url, href.strip())
        break
    if next_url is None:
        for anchor in selector.css("a"):
            if _NEXT_TEXT.match(anchor.xpath("normalize-space(.)").get() or ""):
                href = anchor.attrib.get("href")
                if href:
                    next_url = urljoin(page_url, href.strip())
                    break
    links: list[str] = []
    for anchor in selector.css("a[href]"):
        url = urljoin(page_url, anchor.attrib["href"].strip()).split("#")[0]
        if url == next_url or url in links:
            continue
        if looks_like_article(url, source, listing_url=page_url):
            links.append(url)
    return links, next_url


def looks_like_article(url: str, source: Source, listing_url: str | None = None,
                       strict: bool = True) -> bool:
    """The source's `article_url` pattern decides when given; otherwise a URL-shape heuristic.

    strict=False (sitemaps, which list pages on purpose) only rules out what is clearly
    not an article; listing pages link to everything, so their links must look like one.
    """
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or parts.hostname not in source.domains:
        return False
    verdict = source.is_article_url(url)
    if verdict is not None:
        return verdict
    path = parts.path
    if listing_url and path.rstrip("/") == urlsplit(listing_url).path.rstrip("/"):
        return False
    if parts.query and re.search(r"(^|&)(page|p|PAGEN_\d+)=", parts.query):
        return False
    if _NOT_ARTICLE_PATH.search(path):
        return False
    segments = [s for s in path.split("/") if s]
    if not strict:
        return bool(segments)
    return bool(segments) and (bool(re.search(r"\d{3,}", path)) or path.endswith(".html")
                               or (len(segments) >= 2 and len(segments[-1]) > 20))
