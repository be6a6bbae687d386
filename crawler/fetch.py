"""One fetcher: `newsmon extract URL` and `sources --check` fetch as a crawl does.

    fetch_pages(config, [(url, source or None), ...]) -> [Fetched, ...]  (in that order)

Every page comes through Scrapy with the crawl's own settings (`crawler.run.fetch_settings`:
robots.txt obeyed, the User-Agent with the contact, the source's TLS settings and headers,
its timeout, throttling and retries, DOWNLOAD_MAXSIZE) and a tiny spider that requests the
given URLs and nothing else.  A URL fetched for a source stays on the source's hosts (and
its own), redirects included, as in a crawl; a URL without a source may redirect anywhere.
TLS settings go by host, as in a crawl: within one call, every URL on a host a source
names is fetched with that source's CA bundle or `verify`.
Errors are one line each: "disallowed by robots.txt", "larger than 16 MB ...", "TLS: ...".

Why a child process (`python -m crawler.fetch`, a JSON job on stdin, JSON results on
stdout): Twisted's reactor cannot be restarted, so one process could fetch only once, and
`sources --check` fetches in rounds (feeds and listings, then a sitemap an index names,
then the articles they link) — and a caller that has already run a crawl, or a test
process, could not fetch at all.  A child per call always starts with a fresh reactor,
keeps Scrapy's logging and signal handlers out of the caller, and costs Scrapy's start-up
(a second or a few); fetching a whole round in one call keeps that to two or three
children per check, however many sources.
"""

from __future__ import annotations

import base64
import json
import subprocess
import sys
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from crawler.config import Config, Source
from crawler.guard import allowed
from crawler.run import MAX_PAGE_BYTES, fetch_settings
from indexer.i18n import _

if TYPE_CHECKING:
    from scrapy.http import Response
    from twisted.python.failure import Failure


@dataclass
class Fetched:
    requested: str  # the URL asked for
    url: str  # the final URL, after redirects
    status: int | None = None
    body: bytes = b""
    content_type: str | None = None
    error: str | None = None  # one line; None when the page came with a 2xx status

    @property
    def ok(self) -> bool:
        return self.error is None

    def to_json(self) -> dict[str, Any]:
        return {**asdict(self), "body": base64.b64encode(self.body).decode("ascii")}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Fetched:
        return cls(**{**data, "body": base64.b64decode(data["body"])})


class FetchFailed(RuntimeError):
    """The fetching process itself failed (not one page: those carry `Fetched.error`)."""


def source_for(config: Config, url: str) -> Source | None:
    """The configured source whose hosts include the URL's, if one does."""
    host = urlsplit(url).hostname or ""
    return next((s for s in config.sources.values() if allowed(host, list(s.domains))), None)


def fetch_pages(config: Config, requests: list[tuple[str, Source | None]]) -> list[Fetched]:
    """Fetch every URL as a crawl would, all at once; one Fetched per request, in order."""
    results: dict[int, Fetched] = {}
    jobs: list[tuple[int, str, Source | None]] = []
    for index, (url, source) in enumerate(requests):
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            results[index] = Fetched(url, url, error=_("not an http(s) URL"))
        else:
            jobs.append((index, url, source))
    if jobs:
        sources = {s.slug: s for _, _, s in jobs if s is not None}
        job = {"contact": config.contact, "config": str(config.path),
               "sources": [asdict(s) for s in sources.values()],
               "requests": [[url, s.slug if s else None] for _, url, s in jobs]}
        done = subprocess.run([sys.executable, "-m", "crawler.fetch"], input=json.dumps(job),
                              capture_output=True, text=True)
        try:
            fetched = [Fetched.from_json(r) for r in json.loads(done.stdout)]
        except (ValueError, KeyError, TypeError):
            lines = [line for line in done.stderr.splitlines() if line.strip()]
            raise FetchFailed(_("the fetching process failed (exit {code}): {error}").format(
                code=done.returncode, error=lines[-1] if lines else _("no output"))) from None
        results.update(zip((index for index, _, _ in jobs), fetched, strict=True))
    return [results[i] for i in range(len(requests))]


def _source_from_json(data: dict[str, Any]) -> Source:
    for key in ("feeds", "sitemaps", "listings"):
        data[key] = tuple(data[key])
    return Source(**data)


# --- the child process ---------------------------------------------------------------------

def describe(failure: Failure) -> str:
    """One line for a failed request, worded for the person who asked for the page."""
    from scrapy.exceptions import IgnoreRequest

    value = failure.value
    response = getattr(value, "response", None)
    message = failure.getErrorMessage()
    if response is not None:
        return f"HTTP {response.status}"
    if failure.check(IgnoreRequest):
        if message.startswith("Forbidden by robots.txt"):
            return _("disallowed by robots.txt")
        if message.startswith("Filtered offsite request"):
            return _("redirected off the source's hosts ({host})").format(
                host=message.split(" to ", 1)[-1])
        if "max redirections" in message:
            return _("too many redirects")
        return _one_line(message)
    chain = _chain(value)
    # the size cap: Content-Length said too much, or the body grew past it (then Scrapy
    # cancels the download without saying why; nothing else cancels a fetch here)
    if "max size" in message or any(type(e).__name__ == "DownloadCancelledError"
                                    for e in chain):
        return _("larger than {mb} MB, the largest page the crawler fetches").format(
            mb=MAX_PAGE_BYTES // 2**20)
    tls = _tls_reason(chain)
    if tls:
        return "TLS: " + tls
    names = {type(e).__name__ for e in chain}
    if names & {"CannotResolveHostError", "DNSLookupError"}:
        return _("cannot resolve the host ({error})").format(error=_one_line(message))
    if names & {"DownloadConnectionRefusedError", "ConnectionRefusedError"}:
        return _("connection refused")
    if names & {"DownloadTimeoutError", "TimeoutError", "TCPTimedOutError"}:
        return _("timed out ({error})").format(error=_one_line(message))
    reasons = [r.getErrorMessage() for e in chain for r in getattr(e, "reasons", None) or []]
    if reasons:
        return _("no response ({error})").format(error=_one_line("; ".join(reasons)))
    return _one_line(f"{type(value).__name__}: {message}" if message else type(value).__name__)


def _chain(value: BaseException) -> list[BaseException]:
    """The exception, what it wraps (Scrapy wraps Twisted's), and the reasons Twisted gives."""
    chain: list[BaseException] = []
    while value is not None and value not in chain:
        chain.append(value)
        chain += [r.value for r in getattr(value, "reasons", None) or []
                  if isinstance(getattr(r, "value", None), BaseException)]
        value = value.__cause__ or value.__context__  # type: ignore[assignment]
    return chain


def _tls_reason(chain: list[BaseException]) -> str | None:
    from OpenSSL import SSL

    for exc in chain:
        if isinstance(exc, SSL.Error):
            parts = [str(entry[-1]) if isinstance(entry, tuple) else str(entry)
                     for arg in exc.args for entry in (arg if isinstance(arg, list) else [arg])]
            text = "; ".join(p for p in parts if p) or _("handshake failed")
            if "certificate verify failed" in text:
                return _("certificate verify failed (an unknown CA? a source's ca_bundle can "
                         "name it)")
            return _one_line(text)
    return None


def _one_line(text: str) -> str:
    return " ".join(text.split())[:300]


def _fetch_here(config: Config, jobs: list[tuple[str, Source | None]]) -> list[Fetched]:
    """One reactor run in this process: at most once per process (see the module doc)."""
    import scrapy
    from scrapy.crawler import CrawlerProcess

    class FetchSpider(scrapy.Spider):
        """Requests the given URLs once each and keeps what came back."""

        name = "newsmon-fetch"

        def __init__(self, jobs: list[tuple[str, Source | None]], **kwargs: Any) -> None:
            super().__init__(**kwargs)
            self.jobs = jobs
            self.allowed_domains: list[str] = []  # per request instead: meta newsmon_domains
            self.results: dict[int, Fetched] = {}

        async def start(self) -> Any:
            for index, (url, source) in enumerate(self.jobs):
                meta: dict[str, Any] = {"newsmon_index": index}
                if source is not None:
                    host = urlsplit(url).hostname or ""
                    meta.update(download_timeout=source.timeout,
                                newsmon_domains=sorted({*source.domains, host}))
                try:
                    yield scrapy.Request(url, callback=self.got, errback=self.failed,
                                         headers=source.headers if source else None,
                                         meta=meta, dont_filter=True)
                except ValueError as exc:
                    self.results[index] = Fetched(url, url, error=_one_line(str(exc)))

        def got(self, response: Response) -> None:
            content_type = response.headers.get("Content-Type", b"").decode("latin-1") or None
            self.results[response.meta["newsmon_index"]] = Fetched(
                self.jobs[response.meta["newsmon_index"]][0], response.url, response.status,
                response.body, content_type)

        def failed(self, failure: Failure) -> None:
            request = failure.request  # type: ignore[attr-defined]
            index = request.meta["newsmon_index"]
            response = getattr(failure.value, "response", None)
            fetched = Fetched(self.jobs[index][0], request.url, error=describe(failure))
            if response is not None:
                content_type = response.headers.get("Content-Type", b"").decode("latin-1") or None
                fetched.url, fetched.status, fetched.body, fetched.content_type = \
                    response.url, response.status, response.body, content_type
            self.results[index] = fetched

    sources = list({s.slug: s for _, s in jobs if s is not None}.values())
    settings = fetch_settings(config, sources)
    tls = dict(settings["NEWSMON_TLS"])  # type: ignore[call-overload]
    for url, source in jobs:  # a URL on a host the source does not name still gets its TLS
        host = urlsplit(url).hostname or ""
        if source and host not in tls and (not source.verify or source.ca_bundle):
            tls[host] = {"verify": source.verify, "ca_bundle": source.ca_bundle}
    settings.update(NEWSMON_TLS=tls, LOG_LEVEL="WARNING")
    process = CrawlerProcess(settings)
    crawler = process.create_crawler(FetchSpider)
    process.crawl(crawler, jobs=jobs)
    process.start()
    results = crawler.spider.results
    return [results.get(i) or Fetched(url, url, error=_("not fetched (the fetch was stopped)"))
            for i, (url, _source) in enumerate(jobs)]


def main() -> int:
    out, sys.stdout = sys.stdout, sys.stderr  # stdout carries the results and nothing else
    job = json.load(sys.stdin)
    sources = {d["slug"]: _source_from_json(d) for d in job["sources"]}
    config = Config(path=Path(job["config"]), sources=sources, contact=job["contact"])
    jobs = [(url, sources[slug] if slug else None) for url, slug in job["requests"]]
    json.dump([r.to_json() for r in _fetch_here(config, jobs)], out)
    out.flush()
    return 0


if __name__ == "__main__":
    sys.exit(main())
