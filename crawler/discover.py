"""Finding article links in feeds, sitemaps and listing pages: pure functions over text.

Kept apart from the spider so discovery can be tested on saved files and
reused by `sources --check` without a reactor.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import urljoin, urlsplit

from parsel import Selector
from scrapy.utils.gz import gunzip
from scrapy.utils.sitemap import Sitemap

from crawler.config import Source

MAX_SITEMAP_BYTES = 50 * 1024 * 1024
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
    url: str
    full_text: str | None = None  # yandex:full-text or turbo:content, when the feed carries it


def feed_items(body: bytes) -> list[FeedItem]:
    """Items of an RSS 2.0 / Atom / Yandex feed; the XML declaration decides the encoding."""
    try:
        selector = Selector(body=body, type="xml")
    except Exception:
        return []
    selector.remove_namespaces()
    items = []
    for node in selector.xpath(f"(//item | //entry)[position() <= {MAX_FEED_ITEMS}]"):
        link = (node.xpath("normalize-space(link/text())").get()
                or node.xpath("link[@rel='alternate']/@href").get()
                or node.xpath("link/@href").get()
                or node.xpath("normalize-space(guid[not(@isPermaLink='false')]/text())").get())
        if not link:
            continue
        full = node.xpath("full-text/text()").get() or node.xpath("content/text()").get()
        items.append(FeedItem(url=link.strip(), full_text=full.strip() if full else None))
    return items


def sitemap_entries(body: bytes) -> tuple[str, list[str]]:
    """("sitemapindex" | "urlset", locations); gzip is undone here, within a size cap."""
    if body[:2] == b"\x1f\x8b":
        body = gunzip(body, max_size=MAX_SITEMAP_BYTES)
    try:
        sitemap = Sitemap(body)
    except Exception:
        return "urlset", []
    entries = sorted(sitemap, key=lambda e: e.get("lastmod", ""), reverse=True)
    return sitemap.type or "urlset", [e["loc"].strip() for e in entries if e.get("loc")]


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
