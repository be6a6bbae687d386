"""`newsmon sources --check`: is each site still parseable?  The check staff run after a
redesign, or every morning.

Per source: fetch its feeds, sitemaps and listings, find article links, fetch one or two
articles and run the cleaner; report what worked.  Pages are fetched as a crawl fetches
them (`crawler.fetch`: robots.txt, User-Agent, the source's TLS settings and headers, its
timeout, the size cap), every source at once, in rounds: discovery pages, then the first
sitemap of a sitemap index, then the articles.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import datetime
from typing import Any

from bs4 import BeautifulSoup

from crawler.clean import NotArticle, clean, decode, rejection
from crawler.config import Config, Source
from crawler.discover import feed_items, listing_links, looks_like_article, sitemap_entries
from crawler.fetch import Fetched, fetch_pages
from indexer.i18n import _, ngettext

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


def check_sources(config: Config, sources: list[Source]) -> list[SourceCheck]:
    """Check every source; one fetch per round for all of them."""
    results = {s.slug: SourceCheck(source=s.slug) for s in sources}
    candidates: dict[str, list[str]] = {s.slug: [] for s in sources}
    discovery = [(kind, url, source) for source in sources
                 for kind, urls in (("feed", source.feeds), ("sitemap", source.sitemaps),
                                    ("listing", source.listings)) for url in urls]
    pages = fetch_pages(config, [(url, source) for _, url, source in discovery])
    links: list[list[str]] = []
    nested: list[tuple[int, str]] = []  # (discovery position, first sitemap an index names)
    for i, ((kind, _url, source), page) in enumerate(zip(discovery, pages, strict=True)):
        found, next_sitemap = _links(kind, page, source) if page.ok else ([], None)
        links.append(found)
        if next_sitemap:
            nested.append((i, next_sitemap))
    if nested:
        for (i, _next), page in zip(nested, fetch_pages(config, [(u, discovery[i][2])
                                                             for i, u in nested]), strict=True):
            links[i] = _sitemap_links(page.body, discovery[i][2])[0] if page.ok else []
    kinds = {"feed": _("feed"), "sitemap": _("sitemap"), "listing": _("listing")}
    for (kind, url, source), page, found in zip(discovery, pages, links, strict=True):
        ok = page.ok
        detail = f"{kinds[kind]}: " + (ngettext("{n} article link", "{n} article links",
                                                len(found)).format(n=len(found)) if ok
                                       else str(page.error))
        results[source.slug].discovery.append(PageCheck(url, ok, detail))
        candidates[source.slug] += [u for u in found if u not in candidates[source.slug]]
    articles = [(url, source) for source in sources
                if results[source.slug].reachable for url in candidates[source.slug][:ARTICLES]]
    fetched = fetch_pages(config, articles) if articles else []
    by_source: dict[str, list[Fetched]] = {}
    for (_article, source), page in zip(articles, fetched, strict=True):
        by_source.setdefault(source.slug, []).append(page)
    for source in sources:
        _judge(results[source.slug], source, candidates[source.slug],
               by_source.get(source.slug, []))
    return [results[s.slug] for s in sources]


def _judge(result: SourceCheck, source: Source, candidates: list[str],
           pages: list[Fetched]) -> None:
    result.links = len(candidates)
    if not result.reachable:
        result.problems.append(_("unreachable: {details}").format(
            details="; ".join(p.detail for p in result.discovery)))
        return
    if not candidates:
        result.problems.append(_("discovery found no article links (a redesign? check "
                                 "article_url and the feed and listing URLs)"))
    unmatched: dict[str, int] = {}
    for page in pages:
        check = ArticleCheck(url=page.requested)
        try:
            if page.error:
                raise NotArticle(page.error)
            article = clean(page.body, page.url, source, fetched=datetime.now().astimezone(),
                            content_type=page.content_type)
            check.title = article.title
            check.published = article.published.isoformat() if article.published else None
            check.body_chars = len(article.body)
            soup = BeautifulSoup(decode(page.body, page.content_type), "lxml")
            for name, selector in source.selectors.items():
                if name != "remove" and soup.select_one(selector) is None:
                    unmatched[name] = unmatched.get(name, 0) + 1
        except NotArticle as exc:
            check.error = rejection(str(exc))
        result.articles.append(check)
    for name, count in unmatched.items():
        result.problems.append(ngettext(
            "selector {name} = {selector!r} matched nothing on {count} of {n} article",
            "selector {name} = {selector!r} matched nothing on {count} of {n} articles",
            len(result.articles)).format(name=name, selector=source.selectors[name], count=count,
                                         n=len(result.articles)))
    for check in result.articles:
        missing = [n for n, v in ((_("no title"), check.title), (_("no date"), check.published),
                                  (_("no body"), check.body_chars >= 200)) if not v]
        if check.error or missing:
            result.problems.append(f"{check.url}: " + (check.error or ", ".join(missing)))


def _links(kind: str, page: Fetched, source: Source) -> tuple[list[str], str | None]:
    """Article links on a discovery page, and the sitemap to fetch next when it is an index."""
    if kind == "feed":
        return [i.url for i in feed_items(page.body)], None
    if kind == "sitemap":
        return _sitemap_links(page.body, source)
    links, _ = listing_links(decode(page.body, page.content_type), page.url, source)
    return links, None


def _sitemap_links(body: bytes, source: Source) -> tuple[list[str], str | None]:
    kind, entries = sitemap_entries(body)
    if kind == "sitemapindex":
        return [], entries[0].url if entries else None
    return [e.url for e in entries if looks_like_article(e.url, source, strict=False)], None
