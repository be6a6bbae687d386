"""`newsmon sources --check`: is each site still parseable?  The check staff run after a
redesign, or every morning.

Per source: fetch its feeds, sitemaps and listings, find article links, fetch one or two
articles and run the cleaner; report what worked.  Plain blocking HTTP (no reactor), a
short timeout, the crawler's User-Agent and the source's TLS settings.
"""

from __future__ import annotations

import ssl
import urllib.error
import urllib.request
from dataclasses import asdict, dataclass, field
from datetime import datetime
from typing import Any

from bs4 import BeautifulSoup

from crawler.clean import NotArticle, clean, decode
from crawler.config import Source
from crawler.discover import feed_items, listing_links, looks_like_article, sitemap_entries

TIMEOUT = 15
MAX_BYTES = 8 * 1024 * 1024
ARTICLES = 2


@dataclass
class PageCheck:
    url: str
    ok: bool
    detail: str


@dataclass
class ArticleCheck:
    url: str
    title: str | None = None
    published: str | None = None
    body_chars: int = 0
    error: str | None = None

    @property
    def ok(self) -> bool:
        return bool(self.title and self.published and self.body_chars >= 200)


@dataclass
class SourceCheck:
    source: str
    discovery: list[PageCheck] = field(default_factory=list)
    links: int = 0
    articles: list[ArticleCheck] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)

    @property
    def reachable(self) -> bool:
        return any(p.ok for p in self.discovery)

    @property
    def healthy(self) -> bool:
        return self.reachable and self.links > 0 and bool(self.articles) and \
            all(a.ok for a in self.articles) and not self.problems

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["articles"] = [{**asdict(a), "ok": a.ok} for a in self.articles]
        data.update(reachable=self.reachable, healthy=self.healthy)
        return data


def check_source(source: Source, user_agent: str) -> SourceCheck:
    result = SourceCheck(source=source.slug)
    fetch = _Fetcher(source, user_agent)
    candidates: list[str] = []
    for kind, urls in (("feed", source.feeds), ("sitemap", source.sitemaps),
                       ("listing", source.listings)):
        for url in urls:
            try:
                body, final_url, content_type = fetch(url)
            except FetchError as exc:
                result.discovery.append(PageCheck(url, False, f"{kind}: {exc}"))
                continue
            links = _links(kind, body, final_url, content_type, source, fetch)
            result.discovery.append(PageCheck(url, True, f"{kind}: {len(links)} article links"))
            candidates += [u for u in links if u not in candidates]
    result.links = len(candidates)
    if not result.reachable:
        result.problems.append("unreachable: " + "; ".join(p.detail for p in result.discovery))
        return result
    if not candidates:
        result.problems.append("discovery found no article links (a redesign? check "
                               "article_url and the feed and listing URLs)")
    unmatched: dict[str, int] = {}
    for url in candidates[:ARTICLES]:
        check = ArticleCheck(url=url)
        try:
            body, final_url, content_type = fetch(url)
            article = clean(body, final_url, source, fetched=datetime.now().astimezone(),
                            content_type=content_type)
            check.title = article.title
            check.published = article.published.isoformat() if article.published else None
            check.body_chars = len(article.body)
            soup = BeautifulSoup(decode(body, content_type), "lxml")
            for name, selector in source.selectors.items():
                if name != "remove" and soup.select_one(selector) is None:
                    unmatched[name] = unmatched.get(name, 0) + 1
        except (FetchError, NotArticle) as exc:
            check.error = str(exc)
        result.articles.append(check)
    for name, count in unmatched.items():
        result.problems.append(f"selector {name} = {source.selectors[name]!r} matched nothing "
                               f"on {count} of {len(result.articles)} articles")
    for check in result.articles:
        missing = [n for n, v in (("title", check.title), ("date", check.published),
                                  ("body", check.body_chars >= 200)) if not v]
        if check.error or missing:
            result.problems.append(f"{check.url}: " + (check.error or "no " + ", ".join(missing)))
    return result


def _links(kind: str, body: bytes, url: str, content_type: str | None, source: Source,
           fetch: _Fetcher) -> list[str]:
    if kind == "feed":
        return [i.url for i in feed_items(body)]
    if kind == "sitemap":
        sitemap_kind, entries = sitemap_entries(body)
        if sitemap_kind == "sitemapindex" and entries:
            try:
                body, _, _ = fetch(entries[0].url)
            except FetchError:
                return []
            _, entries = sitemap_entries(body)
        return [e.url for e in entries if looks_like_article(e.url, source, strict=False)]
    links, _ = listing_links(decode(body, content_type), url, source)
    return links


class FetchError(Exception):
    pass


class _Fetcher:
    def __init__(self, source: Source, user_agent: str) -> None:
        self.headers = {"User-Agent": user_agent, "Accept-Language": "ru,en;q=0.5",
                        **source.headers}
        if not source.verify:
            self.context = ssl._create_unverified_context()
        else:
            self.context = ssl.create_default_context(cafile=source.ca_bundle)
            if source.ca_bundle:
                self.context.load_default_certs()
        self.timeout = min(TIMEOUT, source.timeout)

    def __call__(self, url: str) -> tuple[bytes, str, str | None]:
        request = urllib.request.Request(url, headers=self.headers)
        try:
            with urllib.request.urlopen(request, timeout=self.timeout,
                                        context=self.context) as response:
                body = response.read(MAX_BYTES + 1)
                if len(body) > MAX_BYTES:
                    raise FetchError(f"larger than {MAX_BYTES // 2**20} MB")
                return body, response.geturl(), response.headers.get("Content-Type")
        except urllib.error.HTTPError as exc:
            raise FetchError(f"HTTP {exc.code}") from None
        except (urllib.error.URLError, OSError, ValueError) as exc:
            reason = getattr(exc, "reason", exc)
            raise FetchError(f"cannot fetch ({reason})") from None
