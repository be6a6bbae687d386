"""The Scrapy spider: discovery and fetching only; cleaning is `crawler.clean`.

Politeness (robots.txt, AutoThrottle, per-host delays, retries, size caps) is
Scrapy's own machinery, configured in `crawler.run`; this class decides what
to request and hands fetched pages to the cleaner.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, date, datetime
from typing import Any

import scrapy
from scrapy.exceptions import IgnoreRequest
from scrapy.http import Response
from twisted.python.failure import Failure

from crawler.article import normalize_url
from crawler.clean import MIN_BODY_CHARS, NotArticle, clean, fragment_text
from crawler.config import Source
from crawler.discover import feed_items, listing_links, looks_like_article, sitemap_entries

log = logging.getLogger("newsmon.crawl")


class NewsSpider(scrapy.Spider):
    name = "newsmon"

    def __init__(self, sources: list[Source], known: set[str], max_articles: int | None = None,
                 since: date | None = None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.sources = {s.slug: s for s in sources}
        self.known = known
        self.seen: set[str] = set()
        self.max_articles = max_articles
        self.since = since
        self.requested = 0
        self.allowed_domains = sorted({d for s in sources for d in s.domains})
        self.problems: list[str] = []

    async def start(self) -> AsyncIterator[scrapy.Request]:
        for source in self.sources.values():
            for url in source.feeds:
                yield self._request(url, source, self.parse_feed, priority=10)
            for url in source.sitemaps:
                yield self._request(url, source, self.parse_sitemap, priority=5)
            for url in source.listings:
                yield self._request(url, source, self.parse_listing, page=1)

    def _request(self, url: str, source: Source, callback: Any, priority: int = 0,
                 **kwargs: Any) -> scrapy.Request:
        return scrapy.Request(url, callback=callback, errback=self.on_error,
                              headers=source.headers or None, priority=priority,
                              cb_kwargs={"source": source, **kwargs},
                              meta={"newsmon_source": source.slug}, dont_filter=True)

    # --- discovery --------------------------------------------------------------------------

    def parse_feed(self, response: Response, source: Source) -> Iterator[scrapy.Request]:
        items = feed_items(response.body)
        if not items:
            self._problem(f"{source.slug}: feed has no items: {response.url}", error=False)
        for item in items:
            yield from self._article(item.url, source, feed_text=item.full_text, check=None)

    def parse_sitemap(self, response: Response, source: Source) -> Iterator[scrapy.Request]:
        kind, locations = sitemap_entries(response.body)
        for url in locations:
            if kind == "sitemapindex":
                yield self._request(url, source, self.parse_sitemap, priority=5)
            else:
                yield from self._article(url, source, check="lenient")

    def parse_listing(self, response: Response, source: Source,
                      page: int) -> Iterator[scrapy.Request]:
        if not hasattr(response, "text"):
            return
        links, next_url = listing_links(response.text, response.url, source)
        for url in links:
            yield from self._article(url, source)
        if next_url and page < source.max_pages:
            yield self._request(next_url, source, self.parse_listing, page=page + 1)

    def _article(self, url: str, source: Source, feed_text: str | None = None,
                 check: str | None = "strict") -> Iterator[scrapy.Request]:
        """Request an article page once; `check` is how hard its URL must look like one
        (None: a feed item, which is an article by definition)."""
        if not url.startswith(("http://", "https://")):
            return
        key = normalize_url(url)
        if key in self.seen:  # one request per URL per run, whichever page linked it
            return
        self.seen.add(key)
        if key in self.known:
            self.crawler.stats.inc_value("newsmon/skipped_known")
            return
        if check and not looks_like_article(url, source, strict=check == "strict"):
            return
        if self.max_articles is not None and self.requested >= self.max_articles:
            return
        self.requested += 1
        yield scrapy.Request(url, callback=self.parse_article, errback=self.on_error,
                             headers=source.headers or None,
                             cb_kwargs={"source": source, "feed_text": feed_text},
                             meta={"newsmon_source": source.slug})

    # --- articles ---------------------------------------------------------------------------

    def parse_article(self, response: Response, source: Source,
                      feed_text: str | None) -> Iterator[dict[str, Any]]:
        fetched = datetime.now(UTC).replace(microsecond=0)
        content_type = response.headers.get("Content-Type", b"").decode("latin-1") or None
        try:
            article = clean(response.body, response.url, source, fetched=fetched,
                            content_type=content_type)
        except NotArticle as exc:
            self.crawler.stats.inc_value("newsmon/not_article")
            log.info("not an article: %s (%s)", response.url, exc)
            return
        if feed_text:
            text = fragment_text(feed_text)
            if len(text) >= MIN_BODY_CHARS:
                article = article.__class__(**{**article.__dict__, "body": text})
        if self.since and article.published and article.published.date() < self.since:
            self.crawler.stats.inc_value("newsmon/older_than_since")
            return
        redirects = response.meta.get("redirect_urls", [])
        yield {"article": article, "html": response.body, "urls": [response.url, *redirects]}

    def on_error(self, failure: Failure) -> None:
        request = failure.request
        response = getattr(failure.value, "response", None)
        slug = request.meta.get("newsmon_source", "?")
        if failure.check(IgnoreRequest) and response is None:
            # robots.txt said no, or the URL left the allowed domains: a rule kept, not an error
            self.crawler.stats.inc_value("newsmon/ignored")
            log.info("%s: not fetched (%s): %s", slug, failure.getErrorMessage(), request.url)
            return
        if response is not None and response.status in (404, 410):
            # candidate feeds that do not exist and dead links: logged once, not an error
            self._problem(f"{slug}: {response.status} for {request.url} (skipped)", error=False)
            return
        what = f"HTTP {response.status}" if response is not None else \
            failure.getErrorMessage() or failure.type.__name__
        self._problem(f"{slug}: {what} for {request.url}", error=True)

    def _problem(self, message: str, error: bool) -> None:
        if error:
            self.crawler.stats.inc_value("newsmon/errors")
            self.problems.append(message)
            log.error(message)
        else:
            log.warning(message)
