"""One crawl in this process: Scrapy settings from sources.toml, then a summary.

Twisted's reactor cannot restart, so a process runs at most one crawl; the
scheduler starts a child process per run.
"""

from __future__ import annotations

import logging
from collections import Counter
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from urllib.parse import urlsplit

from crawler import __version__
from crawler.config import Config, Source
from indexer.store import DataDir

MAX_PAGE_BYTES = 16 * 1024 * 1024


@dataclass
class CrawlReport:
    by_source: dict[str, Counter[str]] = field(default_factory=dict)
    pages: int = 0
    skipped_known: int = 0
    not_articles: int = 0
    errors: list[str] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def new(self) -> int:
        return sum(c["new"] for c in self.by_source.values())

    @property
    def updated(self) -> int:
        return sum(c["updated"] for c in self.by_source.values())


def user_agent(contact: str) -> str:
    return f"newsmon/{__version__} (news monitoring crawler; +{contact})"


def settings(config: Config, sources: list[Source], data_dir: DataDir) -> dict[str, object]:
    """Scrapy's politeness machinery, tuned per source by sources.toml."""
    slots: dict[str, dict[str, object]] = {}
    for source in sources:
        for host in source.domains:
            slots[host] = {"delay": source.delay, "concurrency": source.concurrency}
            port = {urlsplit(u).port for u in (source.home, *source.feeds, *source.listings,
                                               *source.sitemaps) if urlsplit(u).hostname == host}
            for p in port - {None}:
                slots[f"{host}:{p}"] = slots[host]
    throttled = [s.delay for s in sources if s.delay > 0]
    data_dir.logs.mkdir(parents=True, exist_ok=True)
    return {
        "BOT_NAME": "newsmon",
        "USER_AGENT": user_agent(config.contact),
        "ROBOTSTXT_OBEY": True,
        "AUTOTHROTTLE_ENABLED": bool(throttled),
        "AUTOTHROTTLE_START_DELAY": max(throttled, default=1.0),
        "AUTOTHROTTLE_MAX_DELAY": 60.0,
        "AUTOTHROTTLE_TARGET_CONCURRENCY": 1.0,
        "DOWNLOAD_SLOTS": slots,
        "CONCURRENT_REQUESTS": 16,
        "CONCURRENT_REQUESTS_PER_DOMAIN": max((s.concurrency for s in sources), default=2),
        "DOWNLOAD_TIMEOUT": 30,
        "DOWNLOAD_MAXSIZE": MAX_PAGE_BYTES,
        "DOWNLOAD_WARNSIZE": MAX_PAGE_BYTES // 4,
        "RETRY_ENABLED": True,
        "RETRY_TIMES": 2,
        "REDIRECT_MAX_TIMES": 5,
        "COOKIES_ENABLED": False,
        "TELNETCONSOLE_ENABLED": False,
        "DEFAULT_REQUEST_HEADERS": {
            "Accept": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8",
            "Accept-Language": "ru,en;q=0.5",
        },
        "ITEM_PIPELINES": {"crawler.pipeline.ArchivePipeline": 300},
        "NEWSMON_DATA_DIR": data_dir.root,
        "LOG_LEVEL": "INFO",
        "LOG_INSTALL_ROOT_HANDLER": False,
    }


def crawl(config: Config, sources: list[Source], data_dir: DataDir, *,
          max_articles: int | None = None, since: date | None = None) -> CrawlReport:
    """Run one crawl to the end; returns what it did (errors are collected, not raised)."""
    import time

    from scrapy.crawler import CrawlerProcess

    from crawler.spider import NewsSpider

    data_dir.ensure_writable()
    with data_dir.open_archive(create=True) as archive:
        known = archive.known_urls()
    process = CrawlerProcess(settings(config, sources, data_dir))
    _route_logs(data_dir.logs / "crawl.log")
    crawler = process.create_crawler(NewsSpider)
    started = time.monotonic()
    process.crawl(crawler, sources=sources, known=known, max_articles=max_articles, since=since)
    process.start()
    stats = crawler.stats.get_stats()
    spider_problems = getattr(crawler.spider, "problems", [])
    pipeline = getattr(crawler, "newsmon_pipeline", None)
    report = CrawlReport(
        by_source=pipeline.by_source if pipeline else {},
        pages=int(stats.get("response_received_count", 0)),
        skipped_known=int(stats.get("newsmon/skipped_known", 0)),
        not_articles=int(stats.get("newsmon/not_article", 0)),
        errors=list(spider_problems),
        seconds=time.monotonic() - started,
    )
    for key in ("log_count/CRITICAL",):
        if stats.get(key) and not report.errors:
            report.errors.append(f"{stats[key]} critical errors (see {data_dir.logs})")
    if stats.get("spider_exceptions/count"):
        report.errors.append(f"{stats['spider_exceptions/count']} pages failed in processing "
                             f"(see {data_dir.logs / 'crawl.log'})")
    return report


def _route_logs(path: Path) -> None:
    """Scrapy's log goes to the data dir's log file, never to the user's terminal."""
    handler = logging.FileHandler(path, encoding="utf-8")
    handler.setFormatter(logging.Formatter("%(asctime)s [%(name)s] %(levelname)s: %(message)s"))
    root = logging.getLogger()
    root.addHandler(handler)
    root.setLevel(logging.INFO)
