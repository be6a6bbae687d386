"""The crawler's Scrapy components, each built the way Scrapy builds it (`get_crawler`,
`from_crawler`, the settings of `crawler.run.settings`) and driven directly: the domain
guard, the archive pipeline, the TLS policy, the request budget and the spider's callbacks
fed with responses built from the fixture site's bytes.  No reactor, no sockets."""

from __future__ import annotations

import asyncio
import datetime as dt
import sqlite3
import sys
from pathlib import Path

import pytest
from conftest import FIXTURES
from scrapy.core.downloader.middleware import DownloaderMiddlewareManager
from scrapy.exceptions import DropItem, IgnoreRequest
from scrapy.http import HtmlResponse, Request, TextResponse, XmlResponse
from scrapy.utils.misc import build_from_crawler, load_object
from scrapy.utils.test import get_crawler
from twisted.python.failure import Failure

import crawler.pipeline
from crawler.config import Config, load_config
from crawler.guard import DomainGuard
from crawler.pipeline import ArchivePipeline
from crawler.run import settings
from crawler.spider import NewsSpider
from indexer.article import normalize_url
from indexer.store import DataDir

SITE = FIXTURES / "site"
BASE = "https://vesti.example"
ARTICLE = f"{BASE}/obrazovanie/stipendii-studentam-147200/"


def served(name: str) -> bytes:
    return (SITE / name).read_bytes().replace(b"__BASE__", BASE.encode())


def write_config(tmp_path: Path, extra: str = "", **keys: str) -> Config:
    lines = [
        "[sources.vesti]",
        'name = "Вести Приволжья"',
        f'home = "{BASE}/"',
        f'feeds = ["{BASE}/rss.xml"]',
        f'sitemaps = ["{BASE}/sitemap_index.xml"]',
        f'listings = ["{BASE}/obrazovanie/"]',
        "delay = 0",
        *(f"{k} = {v}" for k, v in keys.items()),
    ]
    path = tmp_path / "sources.toml"
    path.write_text("\n".join(lines) + "\n" + extra, encoding="utf-8")
    return load_config(path)


def make_crawler(tmp_path: Path, config: Config | None = None, known: set[str] | None = None,
                 **spider_kwargs):
    """A crawler with newsmon's settings and a NewsSpider on an empty archive in tmp_path."""
    tmp_path.mkdir(parents=True, exist_ok=True)
    config = config or write_config(tmp_path)
    sources = list(config.sources.values())
    data_dir = DataDir(tmp_path / "data")
    data_dir.open_archive(create=True).close()
    # the reactor is the one get_crawler finds (none: no reactor in the test process)
    values = {k: v for k, v in settings(config, sources, data_dir).items()
              if k != "TWISTED_REACTOR"}
    made = get_crawler(NewsSpider, values)
    made.spider = NewsSpider.from_crawler(made, sources=sources,
                                          archive_path=data_dir.archive_path,
                                          known=known or set(), **spider_kwargs)
    return made


def html(url: str, body: bytes, request: Request | None = None, **kwargs) -> HtmlResponse:
    request = request or Request(url)
    return HtmlResponse(url=url, body=body, request=request, **kwargs)


def frontier(made) -> dict[str, str | None]:
    db = sqlite3.connect(Path(made.settings["NEWSMON_DATA_DIR"]) / "archive.sqlite")
    return dict(db.execute("SELECT url, hints FROM frontier"))


def skipped(data_dir: Path) -> dict[str, tuple[str, str]]:
    db = sqlite3.connect(data_dir / "archive.sqlite")
    return {url: (kind, reason) for url, kind, reason in
            db.execute("SELECT url, kind, reason FROM skipped")}


def requested(output) -> dict[str, Request]:
    out = {}
    for value in output:
        assert isinstance(value, Request), value
        out[value.url] = value
    return out


# --- the domain guard -----------------------------------------------------------------------

def test_the_guard_runs_before_robots_txt_in_scrapys_middleware_chain(tmp_path):
    made = make_crawler(tmp_path)
    chain = [type(m).__name__ for m in
             DownloaderMiddlewareManager.from_crawler(made).middlewares]
    # an off-site URL must never cost a robots.txt request to the off-site host
    assert chain.index("DomainGuard") < chain.index("RobotsTxtMiddleware")


@pytest.mark.parametrize(("url", "passes"), [
    (f"{BASE}/obrazovanie/x/", True),
    ("https://news.vesti.example/a/", True),  # a subdomain of a source's host
    ("https://evil.example/vesti.example/", False),
    ("https://vesti.example.evil.example/", False),
    ("https://notvesti.example/", False),
])
def test_the_guard_drops_off_site_requests(tmp_path, url, passes):
    made = make_crawler(tmp_path)
    guard = build_from_crawler(DomainGuard, made)
    if passes:
        assert guard.process_request(Request(url)) is None
    else:
        with pytest.raises(IgnoreRequest, match=r"^Filtered offsite request to"):
            guard.process_request(Request(url))


def test_the_guard_drops_non_http_schemes_even_on_the_sources_host(tmp_path):
    guard = build_from_crawler(DomainGuard, make_crawler(tmp_path))
    for url in ("ftp://vesti.example/file.txt", "file:///etc/passwd", "data:,x"):
        with pytest.raises(IgnoreRequest, match="Not an http"):
            guard.process_request(Request(url))


def test_a_guarded_article_is_recorded_as_ignored_not_as_an_error(tmp_path):
    made = make_crawler(tmp_path)
    spider = made.spider
    (request,) = spider._article(ARTICLE, spider.sources["vesti"])
    redirected = request.replace(url="https://evil.example/landing/")
    try:
        build_from_crawler(DomainGuard, made).process_request(redirected)
    except IgnoreRequest as exc:
        failure = Failure(exc)
    else:
        pytest.fail("the guard let an off-site redirect through")
    failure.request = redirected
    spider.on_error(failure)
    assert spider.problems["vesti"] == []
    assert made.stats.get_value("newsmon/ignored") == 1
    assert skipped(tmp_path / "data")[normalize_url(ARTICLE)][0] == "ignored"
    assert frontier(made) == {}  # dealt with: not retried every run


# --- the spider's callbacks -----------------------------------------------------------------

def test_feed_items_become_article_requests_carrying_their_hints(tmp_path):
    made = make_crawler(tmp_path)
    spider = made.spider
    response = XmlResponse(url=f"{BASE}/rss.xml", body=served("rss.xml"),
                           headers={"ETag": '"v1"'}, request=Request(f"{BASE}/rss.xml"))
    out = requested(spider.parse_feed(response, spider.sources["vesti"]))
    assert sorted(u.rsplit("/", 2)[-2] for u in out) == [
        "elki-na-ploshchadi-147640", "novye-detskie-sady-147120", "stipendii-studentam-147200",
        "uchitel-budushchego-147260"]
    request = out[ARTICLE]
    assert request.callback == spider.parse_article and request.dont_filter
    hints = request.cb_kwargs["hints"]
    assert hints.title == "Студенты волгоградских вузов будут получать повышенные стипендии"
    assert hints.published == dt.datetime(2025, 4, 1, 10, 0, tzinfo=dt.timezone(
        dt.timedelta(hours=3)))
    assert hints.listed and "общежития" in hints.full_text
    # each request is in the frontier first: a crawl killed now resumes from it
    assert set(frontier(made)) == {normalize_url(u) for u in out}
    assert spider.new_validators == {f"{BASE}/rss.xml": ('"v1"', None)}


def test_a_known_url_is_not_fetched_again_and_a_repeat_is_requested_once(tmp_path):
    known = {normalize_url(ARTICLE)}
    made = make_crawler(tmp_path, known=known)
    spider = made.spider
    response = XmlResponse(url=f"{BASE}/rss.xml", body=served("rss.xml"),
                           request=Request(f"{BASE}/rss.xml"))
    first = requested(spider.parse_feed(response, spider.sources["vesti"]))
    assert ARTICLE not in first and len(first) == 3
    assert made.stats.get_value("newsmon/skipped_known") == 1
    again = list(spider.parse_feed(response, spider.sources["vesti"]))
    assert again == []  # the same items found twice in one run: one request each


def test_a_not_modified_feed_yields_nothing(tmp_path):
    made = make_crawler(tmp_path)
    spider = made.spider
    response = XmlResponse(url=f"{BASE}/rss.xml", status=304, body=b"",
                           request=Request(f"{BASE}/rss.xml"))
    assert list(spider.parse_feed(response, spider.sources["vesti"])) == []
    assert spider.new_validators == {} and frontier(made) == {}


def test_start_sends_the_feeds_validators_back(tmp_path):
    made = make_crawler(tmp_path, validators={f"{BASE}/rss.xml": ('"v1"', "Tue, 01 Apr 2025")})

    async def collect():
        return [r async for r in made.spider.start()]

    out = requested(asyncio.run(collect()))
    assert set(out) == {f"{BASE}/rss.xml", f"{BASE}/sitemap_index.xml", f"{BASE}/obrazovanie/"}
    feed = out[f"{BASE}/rss.xml"]
    assert feed.headers[b"If-None-Match"] == b'"v1"'
    assert feed.headers[b"If-Modified-Since"] == b"Tue, 01 Apr 2025"
    assert b"If-None-Match" not in out[f"{BASE}/obrazovanie/"].headers


def test_a_sitemap_index_is_followed_once_and_its_urlset_gives_the_articles(tmp_path):
    made = make_crawler(tmp_path)
    spider = made.spider
    source = spider.sources["vesti"]
    index_url = f"{BASE}/sitemap_index.xml"
    assert spider.budget.first_visit(index_url)  # as start() does for the configured one
    index = XmlResponse(url=index_url, body=served("sitemap_index.xml"),
                        request=Request(index_url, meta={"newsmon_depth": 1}))
    (child,) = requested(spider.parse_sitemap(index, source)).values()
    assert child.url == f"{BASE}/sitemap-news.xml" and child.meta["newsmon_depth"] == 2
    assert child.callback == spider.parse_sitemap
    assert list(spider.parse_sitemap(index, source)) == []  # read once per run
    urlset = XmlResponse(url=child.url, body=served("sitemap-news.xml"), request=child)
    out = requested(spider.parse_sitemap(urlset, source))
    # every URL of a urlset is tried; only those that look like articles are "listed", kept
    # (partial if need be) when their text cannot be found; the listing page is not
    assert {u.removeprefix(BASE): r.cb_kwargs["hints"].listed for u, r in out.items()} == {
        "/obrazovanie/": False,
        "/obrazovanie/novaya-shkola-volzhskiy-147401/": True,
        "/obrazovanie/yunyy-volgar-olimpiada-147333/": True,
        "/sport/rotor-domashniy-match-147580/": True,
    }
    assert all(r.callback == spider.parse_article for r in out.values())
    lastmod = out[f"{BASE}/sport/rotor-domashniy-match-147580/"].cb_kwargs["hints"].lastmod
    assert lastmod is not None and lastmod.date() == dt.date(2025, 6, 1)


def test_a_sitemap_index_that_lists_itself_is_not_fetched_again(tmp_path):
    made = make_crawler(tmp_path)
    spider = made.spider
    url = f"{BASE}/sitemap_index.xml"
    assert spider.budget.first_visit(url)
    body = (b'<?xml version="1.0"?><sitemapindex xmlns="http://www.sitemaps.org/schemas/'
            b'sitemap/0.9"><sitemap><loc>' + url.encode() + b"</loc></sitemap></sitemapindex>")
    response = XmlResponse(url=url, body=body, request=Request(url, meta={"newsmon_depth": 1}))
    assert list(spider.parse_sitemap(response, spider.sources["vesti"])) == []


def test_a_listing_yields_its_articles_and_the_next_page(tmp_path):
    made = make_crawler(tmp_path)
    spider = made.spider
    url = f"{BASE}/obrazovanie/"
    response = html(url, served("obrazovanie/index.html"))
    out = requested(spider.parse_listing(response, spider.sources["vesti"], page=1))
    pages = [r for r in out.values() if r.callback == spider.parse_listing]
    articles = [r for r in out.values() if r.callback == spider.parse_article]
    assert [(p.url, p.cb_kwargs["page"]) for p in pages] == [(f"{BASE}/obrazovanie/page/2/", 2)]
    # every link of the list, robots.txt's /private/ too (Scrapy's robots middleware drops it)
    assert sorted(r.url.removeprefix(BASE) for r in articles) == [
        "/obrazovanie/probnyy-ege-matematika-147010/",
        "/obrazovanie/staraya-stranica-100000/",
        "/obrazovanie/uchitel-goda-2025-146955/",
        "/obrazovanie/volgogradskiy-opyt-spo-146902/",
        "/private/chernovik-900001/",
    ]


def test_a_listed_page_waits_for_the_feeds_so_their_hints_reach_it(tmp_path):
    """The listing's response may come first; its article must still be cleaned with what
    the feed says of it (a page the cleaner cannot read is then kept from the feed)."""
    made = make_crawler(tmp_path)
    spider = made.spider

    async def collect():
        return [r async for r in spider.start()]

    start = requested(asyncio.run(collect()))
    listing = html(f"{BASE}/obrazovanie/", served("obrazovanie/index.html"))
    # only the next listing page goes out while the feed is being read
    early = requested(spider.parse_listing(listing, spider.sources["vesti"], page=1))
    assert all(r.callback == spider.parse_listing for r in early.values())
    feed = XmlResponse(url=f"{BASE}/rss.xml", body=served("rss.xml"),
                       request=start[f"{BASE}/rss.xml"])
    released = requested(spider.parse_feed(feed, spider.sources["vesti"]))
    assert f"{BASE}/obrazovanie/volgogradskiy-opyt-spo-146902/" in released
    assert ARTICLE in released  # the feed's own items, and the held pages after them
    article = html(ARTICLE, b"<html><body><p>x</p></body></html>", request=released[ARTICLE])
    assert spider.hints[normalize_url(ARTICLE)].full_text
    failed = Request(f"{BASE}/rss-2.xml", meta={"newsmon_source": "vesti"})
    spider.feeds_pending["vesti"] += 1  # a second feed that fails: its held pages go too
    spider.held["vesti"] = [article.request]
    assert spider.on_feed_error(_failure(failed)) == [article.request]


def test_a_feed_item_adds_its_hints_to_a_page_a_listing_named_an_article_first(tmp_path):
    """The listing's link matched article_url (listed, but no title or text); the feed's
    item for it, read later, still gives the page its title, date and full text."""
    from crawler.clean import Hints

    made = make_crawler(tmp_path)
    spider, source = made.spider, made.spider.sources["vesti"]
    url = f"{BASE}/obrazovanie/uchitel-goda-2025-146955/"
    (_first,) = spider._article(url, source, Hints(listed=True))
    item = Hints(title="Учитель года", full_text="<p>Текст из ленты</p>", listed=True,
                 published=dt.datetime(2025, 5, 1, tzinfo=dt.UTC))
    assert list(spider._article(url, source, item, check=None)) == []  # requested once
    hints = spider.hints[normalize_url(url)]
    assert (hints.title, hints.full_text, hints.listed) == (
        "Учитель года", "<p>Текст из ленты</p>", True)
    assert "Текст из ленты" in frontier(made)[normalize_url(url)]  # the frontier keeps them


def _failure(request: Request) -> Failure:
    try:
        raise ConnectionRefusedError("refused")
    except ConnectionRefusedError:
        failure = Failure()
    failure.request = request
    return failure


def test_a_listing_of_only_archived_articles_is_not_paged_further(tmp_path):
    url = f"{BASE}/obrazovanie/"
    response = html(url, served("obrazovanie/index.html"))
    probe = make_crawler(tmp_path / "probe")
    links = [r.url for r in probe.spider.parse_listing(response, probe.spider.sources["vesti"], 1)
             if r.callback == probe.spider.parse_article]
    made = make_crawler(tmp_path / "run", known={normalize_url(u) for u in links})
    out = list(made.spider.parse_listing(response, made.spider.sources["vesti"], page=1))
    assert out == []  # no article to fetch, and no page 2 to read
    assert made.stats.get_value("newsmon/skipped_known") == len(links)


def test_the_listings_depth_is_bounded_by_max_pages(tmp_path):
    made = make_crawler(tmp_path, write_config(tmp_path, max_pages="2"))
    spider = made.spider
    url = f"{BASE}/obrazovanie/page/2/"
    response = html(url, served("obrazovanie/page/2/index.html"))
    out = list(spider.parse_listing(response, spider.sources["vesti"], page=2))
    assert out and not [r for r in out if r.callback == spider.parse_listing]


def article_response(spider, url: str = ARTICLE,
                     page: str = "obrazovanie/stipendii-studentam-147200/index.html"):
    (request,) = spider._article(url, spider.sources["vesti"])
    return request, html(url, served(page), request=request,
                         headers={"Content-Type": "text/html; charset=utf-8"})


def test_an_article_page_becomes_one_item_with_its_urls(tmp_path):
    made = make_crawler(tmp_path)
    spider = made.spider
    request, response = article_response(spider)
    (item,) = list(spider.parse_article(response, **request.cb_kwargs))
    article = item["article"]
    assert article.title == "Студенты волгоградских вузов будут получать повышенные стипендии"
    assert article.source == "vesti" and article.url == ARTICLE
    assert article.published.date() == dt.date(2025, 4, 1)
    assert "шестисот" in article.body and not article.partial
    assert item["html"] == response.body and item["urls"][:2] == [ARTICLE, ARTICLE]


def test_a_rejected_page_is_recorded_with_its_reason(tmp_path):
    made = make_crawler(tmp_path)
    spider = made.spider
    url = f"{BASE}/obrazovanie/novosti-147999/"
    request, response = article_response(spider, url, page="404.html")
    assert list(spider.parse_article(response, **request.cb_kwargs)) == []
    assert made.stats.get_value("newsmon/not_article") == 1
    kind, reason = skipped(tmp_path / "data")[normalize_url(url)]
    assert kind == "rejected" and reason
    assert normalize_url(url) not in frontier(made)
    assert spider.problems["vesti"] == []  # a page that is no article is not an error


def test_a_dead_link_is_recorded_and_a_server_error_reported(tmp_path):
    from scrapy.spidermiddlewares.httperror import HttpError

    made = make_crawler(tmp_path)
    spider = made.spider
    for status in (404, 503):
        url = f"{BASE}/obrazovanie/gone-{status}/"
        (request,) = spider._article(url, spider.sources["vesti"], check=None)
        failure = Failure(HttpError(TextResponse(url, status=status, request=request)))
        failure.request = request
        spider.on_error(failure)
    assert skipped(tmp_path / "data") == {
        normalize_url(f"{BASE}/obrazovanie/gone-404/"): ("http", "HTTP 404")}
    assert spider.problems["vesti"] == [f"HTTP 503 for {BASE}/obrazovanie/gone-503/"]
    assert normalize_url(f"{BASE}/obrazovanie/gone-503/") in frontier(made)  # tried next run


# --- the request budget ---------------------------------------------------------------------

def test_the_request_budget_stops_a_source_and_says_so(tmp_path):
    made = make_crawler(tmp_path, write_config(tmp_path, max_requests="3"))
    spider = made.spider
    response = XmlResponse(url=f"{BASE}/rss.xml", body=served("rss.xml"),
                           request=Request(f"{BASE}/rss.xml"))
    out = requested(spider.parse_feed(response, spider.sources["vesti"]))
    assert len(out) == 3 and spider.budget.refused["vesti"] == 1
    # the refused item is not in the frontier either: it is found again next run
    assert set(frontier(made)) == {normalize_url(u) for u in out}
    spider.closed("finished")
    (message,) = spider.problems["vesti"]
    assert message.startswith("request budget reached: 3 requests this run")
    assert "1 more refused" in message
    assert made.stats.get_value("newsmon/errors") == 1


def test_budgets_are_per_source(tmp_path):
    other = """
[sources.other]
name = "Другой"
home = "https://other.example/"
feeds = ["https://other.example/rss.xml"]
max_requests = 1
"""
    made = make_crawler(tmp_path, write_config(tmp_path, extra=other, max_requests="5"))
    spider = made.spider
    response = XmlResponse(url=f"{BASE}/rss.xml", body=served("rss.xml"),
                           request=Request(f"{BASE}/rss.xml"))
    assert len(list(spider.parse_feed(response, spider.sources["vesti"]))) == 4
    assert spider.budget.spend("other") and not spider.budget.spend("other")
    spider.closed("finished")
    assert spider.problems["vesti"] == [] and len(spider.problems["other"]) == 1


# --- the archive pipeline -------------------------------------------------------------------

def crawled_item(made) -> dict:
    request, response = article_response(made.spider)
    (item,) = made.spider.parse_article(response, **request.cb_kwargs)
    return item


def archive_rows(data_dir: Path) -> list[tuple[str, str]]:
    db = sqlite3.connect(data_dir / "archive.sqlite")
    return db.execute("SELECT id, url FROM articles").fetchall()


def test_the_pipeline_archives_and_indexes_an_article_once(tmp_path):
    made = make_crawler(tmp_path)
    item = crawled_item(made)
    pipeline = build_from_crawler(ArchivePipeline, made)
    assert made.newsmon_pipeline is pipeline  # crawler.run reads the counts from here
    pipeline.open_spider()
    assert pipeline.process_item(item) is item
    assert pipeline.process_item(item) is item  # the same page again (a redirect's twin)
    pipeline.close_spider()
    data_dir = tmp_path / "data"
    rows = archive_rows(data_dir)
    assert len(rows) == 1 and rows[0][0] == item["article"].id
    assert pipeline.new_ids == [item["article"].id]
    assert pipeline.by_source["vesti"]["new"] == 1 and pipeline.by_source["vesti"]["updated"] == 0
    assert DataDir(data_dir).index.ids() == {item["article"].id}
    assert pipeline.failure is None


def test_the_pipeline_writes_in_batches(tmp_path, monkeypatch):
    monkeypatch.setattr(crawler.pipeline, "BATCH", 2)
    made = make_crawler(tmp_path)
    item = crawled_item(made)
    pipeline = build_from_crawler(ArchivePipeline, made)
    pipeline.open_spider()
    pipeline.process_item(item)
    assert archive_rows(tmp_path / "data") == []  # held until the batch fills
    pipeline.process_item(item)
    assert len(archive_rows(tmp_path / "data")) == 1 and pipeline.pending == []
    pipeline.close_spider()


def test_the_pipeline_flushes_after_a_while_even_with_a_small_batch(tmp_path, monkeypatch):
    made = make_crawler(tmp_path)
    item = crawled_item(made)
    pipeline = build_from_crawler(ArchivePipeline, made)
    pipeline.open_spider()
    pipeline.flushed -= crawler.pipeline.FLUSH_SECONDS + 1  # the last write was long ago
    pipeline.process_item(item)
    # a crawl killed now keeps the article: it is on disk, not in memory
    assert len(archive_rows(tmp_path / "data")) == 1
    pipeline.close_spider()


def test_an_archive_that_fails_stops_taking_items_and_says_why(tmp_path, monkeypatch):
    made = make_crawler(tmp_path)
    item = crawled_item(made)
    pipeline = build_from_crawler(ArchivePipeline, made)
    pipeline.open_spider()

    def full(*args, **kwargs):
        raise sqlite3.OperationalError("database or disk is full")

    monkeypatch.setattr(DataDir, "store", full)
    pipeline.process_item(item)
    pipeline.flush()
    assert pipeline.failure == "OperationalError: database or disk is full"
    with pytest.raises(DropItem, match="archive unavailable: OperationalError"):
        pipeline.process_item(item)
    pipeline.close_spider()
    assert pipeline.new_ids == [] and archive_rows(tmp_path / "data") == []
    # the article stays in the frontier, to be fetched again next run
    assert normalize_url(ARTICLE) in frontier(made)


# --- the TLS policy -------------------------------------------------------------------------

def certificate(tmp_path: Path, hosts: list[str]):
    """A self-signed certificate for `hosts`: (key, cert) as pyOpenSSL objects, PEM path."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID
    from OpenSSL import crypto

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "newsmon test CA")])
    now = dt.datetime.now(dt.UTC)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name)
            .public_key(key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(now - dt.timedelta(days=1))
            .not_valid_after(now + dt.timedelta(days=2))
            .add_extension(x509.SubjectAlternativeName([x509.DNSName(h) for h in hosts]),
                           critical=False)
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
            .sign(key, hashes.SHA256()))
    pem = tmp_path / "bundle.pem"
    pem.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    return crypto.PKey.from_cryptography_key(key), crypto.X509.from_cryptography(cert), pem


def handshake(creator, key, cert) -> tuple[bytes, str | None]:
    """A TLS connection in memory: what the server received, and why the client gave up."""
    from twisted.internet.protocol import Factory, Protocol
    from twisted.internet.ssl import CertificateOptions
    from twisted.internet.task import Clock
    from twisted.protocols.tls import TLSMemoryBIOFactory
    from twisted.test.iosim import connectedServerAndClient

    got: dict[str, object] = {"data": b"", "lost": None}

    class Client(Protocol):
        def connectionMade(self):  # noqa: N802 - Twisted's name
            self.transport.write(b"GET / HTTP/1.1\r\n\r\n")

        def connectionLost(self, reason):  # noqa: N802
            got["lost"] = reason

    class Server(Protocol):
        def dataReceived(self, data):  # noqa: N802
            got["data"] += data

    clock = Clock()  # not the global reactor: this process installs none
    clients = TLSMemoryBIOFactory(creator, True, Factory.forProtocol(Client), clock=clock)
    servers = TLSMemoryBIOFactory(CertificateOptions(privateKey=key, certificate=cert), False,
                                  Factory.forProtocol(Server), clock=clock)
    _, _, pump = connectedServerAndClient(lambda: servers.buildProtocol(None),
                                          lambda: clients.buildProtocol(None), clock=clock)
    pump.flush()
    assert "twisted.internet.reactor" not in sys.modules
    lost = got["lost"]
    return got["data"], None if lost is None else str(lost.value)


@pytest.fixture(scope="module")
def tls_policy(tmp_path_factory):
    tmp_path = tmp_path_factory.mktemp("tls")
    hosts = ["bundle.example", "plain.example", "unchecked.example"]
    key, cert, pem = certificate(tmp_path, hosts)
    extra = f"""
[sources.bundle]
name = "Своя CA"
home = "https://bundle.example/"
feeds = ["https://bundle.example/rss.xml"]
ca_bundle = "{pem.name}"

[sources.unchecked]
name = "Без проверки"
home = "https://unchecked.example/"
feeds = ["https://unchecked.example/rss.xml"]
verify = false

[sources.plain]
name = "Обычный"
home = "https://plain.example/"
feeds = ["https://plain.example/rss.xml"]
"""
    made = make_crawler(tmp_path, write_config(tmp_path, extra=extra))
    # as Scrapy's HTTP handler makes it: the class the settings name, from the crawler
    factory = build_from_crawler(load_object(made.settings["DOWNLOADER_CLIENTCONTEXTFACTORY"]),
                                 made)
    return factory, key, cert


def test_a_sources_ca_bundle_is_trusted_for_its_hosts(tls_policy):
    factory, key, cert = tls_policy
    data, lost = handshake(factory.creatorForNetloc(b"bundle.example", 443), key, cert)
    assert lost is None and data == b"GET / HTTP/1.1\r\n\r\n"


def test_an_unknown_ca_is_refused_by_default(tls_policy):
    factory, key, cert = tls_policy
    data, lost = handshake(factory.creatorForNetloc(b"plain.example", 443), key, cert)
    assert data == b"" and "certificate verify failed" in lost


def test_verify_false_switches_checks_off_for_that_source_only(tls_policy):
    factory, key, cert = tls_policy
    data, lost = handshake(factory.creatorForNetloc(b"unchecked.example", 443), key, cert)
    assert lost is None and data == b"GET / HTTP/1.1\r\n\r\n"
    # and the host asked next is checked again
    data, lost = handshake(factory.creatorForNetloc(b"plain.example", 443), key, cert)
    assert data == b"" and "certificate verify failed" in lost


def test_a_ca_bundle_does_not_vouch_for_another_name(tls_policy, tmp_path):
    factory, _, _ = tls_policy
    key, cert, _ = certificate(tmp_path, ["someone-else.example"])
    data, lost = handshake(factory.creatorForNetloc(b"bundle.example", 443), key, cert)
    assert data == b"" and lost is not None
