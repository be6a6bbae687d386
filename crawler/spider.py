"""The Scrapy spider: discovery and fetching only; cleaning is `crawler.clean`.

Politeness (robots.txt, AutoThrottle, per-host delays, retries, size caps) is
Scrapy's own machinery, configured in `crawler.run`; this class decides what
to request and hands fetched pages to the cleaner.

Every article URL is written to the archive's frontier before it is requested
and leaves it when archived or found not to be an article, so a crawl killed
at any moment resumes from what it had discovered.
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import AsyncIterator, Iterator
from dataclasses import replace
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import scrapy
from scrapy.exceptions import IgnoreRequest
from scrapy.http import Response
from twisted.python.failure import Failure

from crawler import dates
from crawler.budget import MAX_SITEMAP_DEPTH, RequestBudget
from crawler.clean import Hints, NotArticle, clean
from crawler.config import Source
from crawler.discover import feed_items, listing_links, looks_like_article, sitemap_entries
from crawler.topic import classify
from indexer.archive import Archive
from indexer.article import normalize_url

log = logging.getLogger("newsmon.crawl")


class NewsSpider(scrapy.Spider):
    name = "newsmon"

    def __init__(self, sources: list[Source], archive_path: Path | str, known: set[str],
                 validators: dict[str, tuple[str | None, str | None]] | None = None,
                 max_articles: int | None = None, since: date | None = None,
                 backfill: int | None = None, lexicon: Any = None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.sources = {s.slug: s for s in sources}
        self.archive = Archive(archive_path)
        self.known = known
        self.seen: set[str] = set()
        # what discovery said of each URL requested; a feed item found after a listing
        # linked the same URL replaces the listing's empty hints before the page is cleaned
        self.hints: dict[str, Hints] = {}
        self.validators = validators or {}
        self.new_validators: dict[str, tuple[str | None, str | None]] = {}
        self.max_articles = max_articles
        self.since = since
        self.backfill = backfill
        self.lexicon = lexicon
        self.requested = 0
        self.allowed_domains = sorted({d for s in sources for d in s.domains})
        self.problems: dict[str, list[str]] = {slug: [] for slug in self.sources}
        self.pages: Counter[str] = Counter()
        self.budget = RequestBudget({s.slug: s.max_requests for s in sources})
        # a page a listing or sitemap links waits while its source's feeds are read, so the
        # feed item's hints (title, date, full text) reach it however the responses race
        self.feeds_pending: Counter[str] = Counter()
        self.held: dict[str, list[scrapy.Request]] = {}
        self.shared: Any = None  # the shared frontier's scheduler, in a shared crawl

    def closed(self, reason: str) -> None:
        for source in self.sources.values():
            if message := self.budget.message(source.slug):
                self._problem(source, message, error=True)
        self.archive.close()

    async def start(self) -> AsyncIterator[scrapy.Request]:
        if self.shared is not None:
            # a worker of a shared crawl: the seeds are a queue item (crawler.queue)
            return
        for request in self._resume(list(self.sources)):
            yield request
        for source in self.sources.values():
            for request in self._seeds(source):
                yield request

    def seed(self, slug: str) -> Iterator[scrapy.Request]:
        """One source's start: its frontier in the archive, then its feeds, sitemaps and
        listings (a shared crawl's seed item)."""
        yield from self._resume([slug])
        yield from self._seeds(self.sources[slug])

    def _resume(self, slugs: list[str]) -> Iterator[scrapy.Request]:
        for slug, url, hints in self.archive.frontier(slugs):
            yield from self._article(url, self.sources[slug], Hints.from_json(hints),
                                     check=None, resumed=True)

    def _seeds(self, source: Source) -> Iterator[scrapy.Request]:
        for url in source.feeds:
            etag, modified = self.validators.get(url, (None, None))
            headers = {**source.headers}
            if etag:
                headers["If-None-Match"] = etag
            if modified:
                headers["If-Modified-Since"] = modified
            if not self.budget.spend(source.slug):
                break
            request = self._request(url, source, self.parse_feed, priority=10, headers=headers,
                                    meta={"handle_httpstatus_list": [304]})
            if self.shared is None:  # a shared crawl's feed may be read by another worker
                self.feeds_pending[source.slug] += 1
                request = request.replace(errback=self.on_feed_error)
            yield request
        for url in source.sitemaps:
            if self.budget.first_visit(url) and self.budget.spend(source.slug):
                yield self._request(url, source, self.parse_sitemap, priority=5,
                                    meta={"newsmon_depth": 1})
        for url in source.listings:
            if self.budget.spend(source.slug):
                yield self._request(url, source, self.parse_listing, page=1)

    def _request(self, url: str, source: Source, callback: Any, priority: int = 0,
                 headers: dict[str, str] | None = None, meta: dict[str, Any] | None = None,
                 **kwargs: Any) -> scrapy.Request:
        return scrapy.Request(url, callback=callback, errback=self.on_error,
                              headers=headers if headers is not None else source.headers or None,
                              priority=priority, cb_kwargs={"source": source, **kwargs},
                              meta={"newsmon_source": source.slug,
                                    "download_timeout": source.timeout, **(meta or {})},
                              dont_filter=True)

    # --- discovery --------------------------------------------------------------------------

    def parse_feed(self, response: Response, source: Source) -> Iterator[scrapy.Request]:
        yield from self._feed_items(response, source)
        yield from self._feed_done(source)

    def on_feed_error(self, failure: Failure) -> list[scrapy.Request]:
        self.on_error(failure)
        return list(self._feed_done(self.sources[failure.request.meta["newsmon_source"]]))

    def _feed_done(self, source: Source) -> Iterator[scrapy.Request]:
        """The last of a source's feeds read (or failed): the pages held for it go out."""
        self.feeds_pending[source.slug] -= 1
        if self.feeds_pending[source.slug] <= 0:
            yield from self.held.pop(source.slug, [])

    def _feed_items(self, response: Response, source: Source) -> Iterator[scrapy.Request]:
        self.pages[source.slug] += 1
        if response.status == 304:
            log.info("%s: feed not modified: %s", source.slug, response.url)
            return
        etag = response.headers.get("ETag")
        modified = response.headers.get("Last-Modified")
        if etag or modified:
            url = response.request.url
            self.new_validators[url] = (etag.decode("latin-1") if etag else None,
                                        modified.decode("latin-1") if modified else None)
        items = feed_items(response.body, dates.zone(source.timezone))
        if not items:
            self._problem(source, f"feed has no items: {response.url}", error=False)
        for item in items:
            yield from self._article(item.url, source, item.hints, check=None)

    def parse_sitemap(self, response: Response, source: Source) -> Iterator[scrapy.Request]:
        self.pages[source.slug] += 1
        kind, entries = sitemap_entries(response.body, dates.zone(source.timezone))
        depth = response.meta.get("newsmon_depth", 1)
        if kind == "sitemapindex" and depth >= MAX_SITEMAP_DEPTH:
            self._problem(source, f"sitemap index nested deeper than {MAX_SITEMAP_DEPTH}: "
                                  f"{response.url} (not followed)", error=False)
            return
        for entry in entries:
            if kind == "sitemapindex":
                # each sitemap once per run: an index may list itself or another that lists it
                if self.budget.first_visit(entry.url) and self.budget.spend(source.slug):
                    yield self._request(entry.url, source, self.parse_sitemap, priority=5,
                                        meta={"newsmon_depth": depth + 1})
            else:
                # a news sitemap's entries, or URLs that look like articles, are listed
                # articles: kept (partial if need be) rather than lost
                listed = entry.hints.listed or looks_like_article(entry.url, source)
                yield from self._article(entry.url, source, replace(entry.hints, listed=listed),
                                         check="lenient")

    def parse_listing(self, response: Response, source: Source,
                      page: int) -> Iterator[scrapy.Request]:
        self.pages[source.slug] += 1
        if not hasattr(response, "text"):
            return
        links, next_url = listing_links(response.text, response.url, source)
        fresh = [u for u in links if normalize_url(u) not in self.known]
        for url in links:
            # a link the source's own article_url pattern names is an article for sure
            yield from self._article(url, source, Hints(listed=bool(source.is_article_url(url))))
        depth = self.backfill or source.max_pages
        if links and not fresh and not self.backfill:
            log.info("%s: listing page %d holds only archived articles; not paging further",
                     source.slug, page)
            return
        if next_url and page < depth and self.budget.spend(source.slug):
            yield self._request(next_url, source, self.parse_listing, page=page + 1)

    def _article(self, url: str, source: Source, hints: Hints | None = None,
                 check: str | None = "strict", resumed: bool = False
                 ) -> Iterator[scrapy.Request]:
        """Request an article page once; `check` is how hard its URL must look like one
        (None: a feed item or a frontier entry, articles by definition)."""
        if not url.startswith(("http://", "https://")):
            return
        key = normalize_url(url)
        if key in self.seen:  # one request per URL per run, whichever page linked it
            known = self.hints.get(key)
            if hints and known is not None and (merged := known.merged(hints)) != known:
                # a feed item for a page a listing found first: its title, date, text
                self.hints[key] = merged
                self.archive.frontier_add(source.slug, url, merged.to_json())
            return
        self.seen.add(key)
        if key in self.known:
            self.crawler.stats.inc_value("newsmon/skipped_known")
            if resumed:
                self.archive.frontier_done(url)
            return
        if check and not looks_like_article(url, source, strict=check == "strict"):
            return
        if self.max_articles is not None and self.requested >= self.max_articles:
            return
        if not self.budget.spend(source.slug):
            return
        self.requested += 1
        hints = self.hints[key] = hints or Hints()
        if not resumed:
            self.archive.frontier_add(source.slug, url, hints.to_json())
        # dont_filter: `seen` already dedupes, and Scrapy's filter would silently swallow a
        # redirect loop that must be reported as an error
        request = scrapy.Request(url, callback=self.parse_article, errback=self.on_error,
                                 headers=source.headers or None, dont_filter=True,
                                 cb_kwargs={"source": source, "hints": hints},
                                 meta={"newsmon_source": source.slug, "newsmon_article": url,
                                       "download_timeout": source.timeout})
        if check is not None and self.feeds_pending[source.slug] > 0:
            self.held.setdefault(source.slug, []).append(request)
            return
        yield request

    # --- articles ---------------------------------------------------------------------------

    def parse_article(self, response: Response, source: Source,
                      hints: Hints) -> Iterator[dict[str, Any]]:
        self.pages[source.slug] += 1
        hints = self.hints.pop(normalize_url(response.meta["newsmon_article"]), hints)
        fetched = datetime.now(UTC).replace(microsecond=0)
        content_type = response.headers.get("Content-Type", b"").decode("latin-1") or None
        try:
            article = clean(response.body, response.url, source, fetched=fetched,
                            content_type=content_type, hints=hints)
        except NotArticle as exc:
            # recorded with its reason: `newsmon rejected` lists it, `status` counts it
            self.crawler.stats.inc_value("newsmon/not_article")
            log.info("not an article: %s (%s)", response.url, exc)
            self.archive.frontier_done(response.meta["newsmon_article"], skipped=str(exc),
                                       kind="rejected", source=source.slug)
            return
        if article.partial:
            self.crawler.stats.inc_value("newsmon/partial")
            log.warning("%s: text not found, archived from the feed (partial): %s",
                        source.slug, response.url)
        if source.topic == "education":
            verdict = classify(article, self.lexicon)
            if not verdict.keep:
                self.crawler.stats.inc_value("newsmon/off_topic")
                log.info("off topic (score %s): %s", verdict.score, response.url)
                self.archive.frontier_done(response.meta["newsmon_article"],
                                           skipped=f"off topic (score {verdict.score})",
                                           kind="off-topic", source=source.slug)
                return
            article = replace(article, matched=verdict.matched)
        if self.since and article.published and article.published.date() < self.since:
            self.crawler.stats.inc_value("newsmon/older_than_since")
            self.archive.frontier_done(response.meta["newsmon_article"])
            return
        urls = [response.meta["newsmon_article"], response.url,
                *response.meta.get("redirect_urls", [])]
        yield {"article": article, "html": response.body, "urls": urls}

    def on_error(self, failure: Failure) -> None:
        request = failure.request
        response = getattr(failure.value, "response", None)
        source = self.sources[request.meta.get("newsmon_source")]
        article_url = request.meta.get("newsmon_article")
        if response is not None:
            self.pages[source.slug] += 1
        message = failure.getErrorMessage()
        if failure.check(IgnoreRequest) and response is None and message.startswith(
                ("Forbidden by robots.txt", "Filtered offsite request")):
            # robots.txt said no, or the URL left the allowed domains: a rule kept, not an error
            self.crawler.stats.inc_value("newsmon/ignored")
            log.info("%s: not fetched (%s): %s", source.slug, message, request.url)
            if article_url:
                self.archive.frontier_done(article_url, skipped=message, kind="ignored",
                                           source=source.slug)
            return
        if response is not None and response.status in (404, 410):
            # candidate feeds that do not exist and dead links: logged once, not an error
            self._problem(source, f"{response.status} for {request.url} (skipped)", error=False)
            if article_url:
                self.archive.frontier_done(article_url, skipped=f"HTTP {response.status}",
                                           kind="http", source=source.slug)
            return
        what = f"HTTP {response.status}" if response is not None else \
            f"{failure.type.__name__}: {message}" if message else failure.type.__name__
        self._problem(source, f"{what} for {request.url}", error=True)

    def _problem(self, source: Source, message: str, error: bool) -> None:
        if error:
            self.crawler.stats.inc_value("newsmon/errors")
            self.problems[source.slug].append(message)
            log.error("%s: %s", source.slug, message)
        else:
            log.warning("%s: %s", source.slug, message)
