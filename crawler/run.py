"""One crawl in this process: Scrapy settings from sources.toml, run history, a report.

Twisted's reactor cannot restart, so a process runs at most one crawl; the
scheduler starts a child process per run.
"""

from __future__ import annotations

import logging
import os
import sys
import time
import uuid
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from urllib.parse import urlsplit

from crawler import __version__
from crawler.config import Config, Source
from indexer.i18n import N_, _
from indexer.store import DataDir, Locked

MAX_PAGE_BYTES = 16 * 1024 * 1024
KEEP_RUN_LOGS = 200


@dataclass
class CrawlReport:
    run_id: str
    by_source: dict[str, Counter[str]] = field(default_factory=dict)
    pages: Counter[str] = field(default_factory=Counter)
    skipped_known: int = 0
    not_articles: int = 0
    partial: int = 0
    off_topic: int = 0
    errors: dict[str, list[str]] = field(default_factory=dict)
    new_ids: list[str] = field(default_factory=list)
    seconds: float = 0.0
    log: Path | None = None

    @property
    def new(self) -> int:
        return sum(c["new"] for c in self.by_source.values())

    @property
    def updated(self) -> int:
        return sum(c["updated"] for c in self.by_source.values())

    @property
    def all_errors(self) -> list[str]:
        return [f"{slug}: {m}" for slug, messages in self.errors.items() for m in messages]


def user_agent(contact: str) -> str:
    return f"newsmon/{__version__} (news monitoring crawler; +{contact})"


def settings(config: Config, sources: list[Source], data_dir: DataDir) -> dict[str, object]:
    """A crawl's settings: how it fetches (`fetch_settings`), and where articles go."""
    return {
        **fetch_settings(config, sources),
        "ITEM_PIPELINES": {"crawler.pipeline.ArchivePipeline": 300},
        "NEWSMON_DATA_DIR": data_dir.root,
    }


def fetch_settings(config: Config, sources: list[Source]) -> dict[str, object]:
    """Scrapy's politeness machinery, tuned per source by sources.toml: robots.txt, the
    User-Agent, TLS per source, throttling, timeouts, size caps.  A crawl and every other
    fetch (`crawler.fetch`: `extract URL`, `sources --check`) use these same settings."""
    slots: dict[str, dict[str, object]] = {}
    for source in sources:
        for url in (source.home, *source.feeds, *source.listings, *source.sitemaps):
            parts = urlsplit(url)
            slot = {"delay": source.delay, "concurrency": source.concurrency}
            slots[parts.hostname or ""] = slot
            if parts.port:
                slots[f"{parts.hostname}:{parts.port}"] = slot
    throttled = [s.delay for s in sources if s.delay > 0]
    tls = {host: {"verify": s.verify, "ca_bundle": s.ca_bundle}
           for s in sources for host in s.domains if not s.verify or s.ca_bundle}
    return {
        "DOWNLOAD_VERIFY_CERTIFICATES": True,
        "DOWNLOADER_CLIENTCONTEXTFACTORY": "crawler.tls.SourceTLSPolicy",
        "NEWSMON_TLS": tls,
        "BOT_NAME": "newsmon",
        "USER_AGENT": user_agent(config.contact),
        "ROBOTSTXT_OBEY": True,
        "ROBOTSTXT_PARSER": "crawler.robots.CappedRobotParser",
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
        # before robots.txt (100) so an offsite URL never costs a robots.txt request
        "DOWNLOADER_MIDDLEWARES": {"crawler.guard.DomainGuard": 50},
        "LOG_LEVEL": "INFO",
        "LOG_INSTALL_ROOT_HANDLER": False,
        # Scrapy 2.19 on the asyncio reactor starts every queued request of a slot whose delay
        # is 0 at once (the slot's `transferring` set fills only after the loop that checks
        # it), so per-source concurrency would not hold; Twisted's own reactor keeps it.
        "TWISTED_REACTOR": "twisted.internet.epollreactor.EPollReactor"
        if sys.platform.startswith("linux") else "twisted.internet.pollreactor.PollReactor",
    }


class SourceBusy(RuntimeError):
    """Another process is crawling one of these sources on this data dir."""


@contextmanager
def source_locks(data_dir: DataDir, slugs: list[str]) -> Iterator[None]:
    """Two crawls of one source on one archive would fetch everything twice: the second
    refuses.  Crawls of different sources run side by side (the scheduler's --jobs).  An
    archive in PostgreSQL may be crawled from several machines: the locks are there too."""
    handles = []
    if data_dir.database:
        from indexer.sql import location, try_locks

        held, busy = try_locks(data_dir.database, slugs)
        if busy:
            raise SourceBusy(_("source {slug!r} is already being crawled into {location}").format(
                slug=busy, location=location(data_dir.database)))
        handles.append(held)
    try:
        for slug in slugs:
            try:
                handles.append(data_dir.lock(f"locks/{slug}.lock"))
            except Locked as exc:
                raise SourceBusy(_("source {slug!r} is already being crawled on {root} "
                                   "(pid {pid})").format(
                                       slug=slug, root=data_dir.root, pid=exc.pid)) from None
        yield
    finally:
        for handle in handles:
            handle.close()


def crawl(config: Config, sources: list[Source], data_dir: DataDir, *,
          max_articles: int | None = None, since: date | None = None,
          backfill: int | None = None, run_id: str | None = None,
          queue: str | None = None) -> CrawlReport:
    """Run one crawl to the end and record it in the run history; errors are collected.

    With `queue` (a redis:// URL) this process is one worker of a shared crawl
    (crawler/queue.py): no source lock, since several workers crawl one source together."""
    if queue:
        from crawler.queue import Frontier

        Frontier.connect(queue)  # a wrong URL or an unreachable Redis fails here, at once
        return _crawl(config, sources, data_dir, max_articles=max_articles, since=since,
                      backfill=backfill, run_id=run_id, queue=queue)
    with source_locks(data_dir, [s.slug for s in sources]):
        return _crawl(config, sources, data_dir, max_articles=max_articles, since=since,
                      backfill=backfill, run_id=run_id)


def _crawl(config: Config, sources: list[Source], data_dir: DataDir, *,
           max_articles: int | None, since: date | None, backfill: int | None,
           run_id: str | None, queue: str | None = None) -> CrawlReport:
    from scrapy.crawler import CrawlerProcess

    from crawler.spider import NewsSpider

    run_id = run_id or uuid.uuid4().hex[:12]
    slugs = [s.slug for s in sources]
    log_path = _run_log(data_dir, run_id, slugs)
    for source in sources:
        if not source.verify:
            message = N_("certificate checks are OFF for {hosts} (source {source}: verify = "
                         "false); anyone between you and the site can forge its pages")
            fields = {"hosts": ", ".join(source.domains), "source": source.slug}
            # in the run log, in English; on the terminal, in the user's language
            logging.getLogger("newsmon.tls").warning(message.format(**fields))
            print("newsmon: " + _("warning: {message}").format(
                message=_(message).format(**fields)), file=sys.stderr)
    with data_dir.open_archive(create=True) as archive:
        data_dir.catch_up(archive)
        known = archive.known_urls()
        validators = archive.validators()
        archive.run_started(run_id, slugs, os.getpid(), str(log_path))
    scrapy_settings = settings(config, sources, data_dir)
    if queue:
        from crawler.queue import apply

        scrapy_settings = apply(scrapy_settings, queue)
    process = CrawlerProcess(scrapy_settings)
    crawler = process.create_crawler(NewsSpider)
    started = time.monotonic()
    from crawler.topic import load_lexicon

    lexicon = load_lexicon(config.lexicon) if any(s.topic == "education" for s in sources) \
        else None
    process.crawl(crawler, sources=sources, archive_path=data_dir.archive_location, known=known,
                  validators=validators, max_articles=max_articles, since=since,
                  backfill=backfill, lexicon=lexicon)
    process.start()
    stats = crawler.stats.get_stats()
    spider = crawler.spider
    pipeline = getattr(crawler, "newsmon_pipeline", None)
    report = CrawlReport(
        run_id=run_id,
        by_source=pipeline.by_source if pipeline else {},
        pages=spider.pages,
        skipped_known=int(stats.get("newsmon/skipped_known", 0)),
        not_articles=int(stats.get("newsmon/not_article", 0)),
        partial=int(stats.get("newsmon/partial", 0)),
        off_topic=int(stats.get("newsmon/off_topic", 0)),
        errors={slug: list(messages) for slug, messages in spider.problems.items()},
        new_ids=pipeline.new_ids if pipeline else [],
        seconds=time.monotonic() - started,
        log=log_path,
    )
    failures = int(stats.get("spider_exceptions/count", 0))
    if failures:
        first = slugs[0]
        report.errors.setdefault(first, []).append(
            f"{failures} pages failed in processing (see {log_path})")
    if pipeline and pipeline.failure:
        for slug in slugs:
            report.errors.setdefault(slug, []).append(f"archive write failed: {pipeline.failure}")
    with data_dir.open_archive() as archive:
        archive.save_validators(spider.new_validators)
        for slug in slugs:
            counts = report.by_source.get(slug, Counter())
            messages = report.errors.get(slug, [])
            archive.run_finished(run_id, slug, pages=report.pages[slug], new=counts["new"],
                                 updated=counts["updated"], messages=messages,
                                 outcome="errors" if messages else "ok")
    return report


def _run_log(data_dir: DataDir, run_id: str, slugs: list[str]) -> Path:
    """One log file per run, under DATA_DIR/logs/runs; the oldest beyond KEEP_RUN_LOGS go."""
    runs = data_dir.logs / "runs"
    runs.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    name = "+".join(slugs) if len(slugs) <= 3 else f"{len(slugs)}-sources"
    path = runs / f"{stamp}-{name}-{run_id}.log"
    for old in sorted(runs.glob("*.log"))[:-KEEP_RUN_LOGS]:
        old.unlink(missing_ok=True)
    handler = logging.FileHandler(path, encoding="utf-8")
    handler.setFormatter(logging.Formatter("%(asctime)s [%(name)s] %(levelname)s: %(message)s"))
    root = logging.getLogger()
    root.addHandler(handler)
    root.setLevel(logging.INFO)
    return path
