"""Scrapy item pipeline: cleaned articles go to the archive, then to the index, in batches."""

from __future__ import annotations

import sys
import time
from collections import Counter
from typing import Any

from scrapy.exceptions import DropItem

from indexer.backend import IndexBusy, IndexMissing
from indexer.i18n import ngettext
from indexer.sql import errors
from indexer.store import DataDir
from indexer.stories import Stories

BATCH = 50
FLUSH_SECONDS = 2.0  # a killed crawl loses at most this much work (it is refetched next run)


class ArchivePipeline:
    def __init__(self, data_dir: DataDir, crawler: Any = None) -> None:
        self.data_dir = data_dir
        self.crawler = crawler
        self.unindexed: list[tuple[str, bool]] = []  # a shared crawl's, archived already
        self.pending: list[tuple[Any, bytes | None, list[str]]] = []
        self.by_source: dict[str, Counter[str]] = {}
        self.new_ids: list[str] = []
        self.failure: str | None = None
        self.seen = 0
        self.progress = sys.stderr.isatty()
        self.flushed = time.monotonic()

    @classmethod
    def from_crawler(cls, crawler: Any) -> ArchivePipeline:
        pipeline = cls(DataDir(crawler.settings["NEWSMON_DATA_DIR"]), crawler)
        crawler.newsmon_pipeline = pipeline
        return pipeline

    def open_spider(self, spider: Any = None) -> None:
        self.archive = self.data_dir.open_archive(create=True)

    def process_item(self, item: dict[str, Any], spider: Any = None) -> dict[str, Any]:
        shared = getattr(self.crawler, "newsmon_queue", None)
        if self.failure:
            if shared and item.get("lease"):
                shared.failed(item["lease"], item["urls"][0])
            raise DropItem(f"archive unavailable: {self.failure}")
        if shared and item.get("lease"):
            return self.archive_now(item, shared)
        self.pending.append((item["article"], item["html"], item["urls"]))
        self.seen += 1
        if self.progress:
            sys.stderr.write("\r  " + ngettext("{n} article fetched…", "{n} articles fetched…",
                                                self.seen).format(n=self.seen))
            sys.stderr.flush()
        if len(self.pending) >= BATCH or time.monotonic() - self.flushed > FLUSH_SECONDS:
            self.flush()
        return item

    def flush(self) -> None:
        if not self.pending:
            return
        batch, self.pending = self.pending, []
        self.flushed = time.monotonic()
        try:
            states = self.data_dir.store(self.archive, batch)
        except (*errors(), OSError) as exc:
            # the batch's articles stay in the frontier and are fetched again next run
            self.failure = f"{type(exc).__name__}: {exc}"
            return
        for (article, _, _), state in zip(batch, states, strict=True):
            self.by_source.setdefault(article.source or "", Counter())[state] += 1
            if state == "new":
                self.new_ids.append(article.id)

    def archive_now(self, item: dict[str, Any], shared: Any) -> dict[str, Any]:
        """A shared crawl archives each article at once, then acks its queue item: a worker
        killed with -9 has nothing fetched and unarchived but the pages still in flight.
        The index follows in batches; what a killed worker archived but did not index,
        the next crawl's catch-up indexes."""
        article = item["article"]
        try:
            with self.archive.transaction():
                state = self.archive.save(article, item["html"], item["urls"])
                if state != "unchanged":
                    Stories(self.archive.db).assign([article])
        except (*errors(), OSError) as exc:
            self.failure = f"{type(exc).__name__}: {exc}"
            shared.failed(item["lease"], item["urls"][0])
            raise DropItem(f"archive unavailable: {self.failure}") from None
        lease = item.pop("lease")
        shared.done(*lease)
        self.seen += 1
        self.by_source.setdefault(article.source or "", Counter())[state] += 1
        if state == "new":
            self.new_ids.append(article.id)
        if state != "unchanged":
            self.unindexed.append((article.id, state == "new"))
        if len(self.unindexed) >= BATCH or time.monotonic() - self.flushed > FLUSH_SECONDS:
            self.index_now()
        return item

    def index_now(self) -> None:
        batch, self.unindexed = self.unindexed, []
        self.flushed = time.monotonic()
        if not batch:
            return
        stories = Stories(self.archive.db).story_of([i for i, _ in batch])
        articles = self.archive.get_many([i for i, _ in batch])
        try:
            with self.data_dir.index.writing() as write:
                for article_id, is_new in batch:
                    if (article := articles.get(article_id)) is not None:
                        write(article, is_new, stories.get(article_id))
        except (IndexBusy, IndexMissing, OSError):
            return  # archived, unindexed: the next crawl's catch-up indexes them
        self.archive.mark_indexed(i for i, _ in batch)

    def close_spider(self, spider: Any = None) -> None:
        if self.progress and self.seen:
            sys.stderr.write("\r\033[K")
        try:
            self.flush()
            self.index_now()
        finally:
            self.archive.close()
