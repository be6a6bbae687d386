"""A downloader middleware that keeps every request on http(s) and the sources' own hosts.

Scrapy's OffsiteMiddleware lets `dont_filter` requests through, and newsmon needs
`dont_filter` on article requests (so that a redirect loop is reported rather than
silently dropped by the duplicate filter); this guard applies to every request,
redirects included.  A request may carry its own hosts in meta `newsmon_domains`
(`crawler.fetch`: each URL fetched for one source), which redirects keep.
"""

from __future__ import annotations

from typing import Any

from scrapy.exceptions import IgnoreRequest
from scrapy.http import Request
from scrapy.utils.httpobj import urlparse_cached


def allowed(host: str, domains: list[str]) -> bool:
    return any(host == d or host.endswith("." + d) for d in domains)


class DomainGuard:
    def __init__(self, crawler: Any) -> None:
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler: Any) -> DomainGuard:
        return cls(crawler)

    def process_request(self, request: Request, spider: Any = None) -> None:
        parts = urlparse_cached(request)
        if parts.scheme not in ("http", "https"):
            raise IgnoreRequest(f"Not an http(s) URL: {request.url}")
        domains = request.meta.get("newsmon_domains") or \
            getattr(self.crawler.spider, "allowed_domains", None) or []
        host = parts.hostname or ""
        if domains and not allowed(host, domains):
            raise IgnoreRequest(f"Filtered offsite request to {host!r}")
