"""Scrapy item pipeline: cleaned articles go to the archive, then to the index, in batches."""

from __future__ import annotations

import sqlite3
import sys
import time
from collections import Counter
from typing import Any

from scrapy.exceptions import DropItem

from indexer.store import DataDir

BATCH = 50
FLUSH_SECONDS = 2.0  # a killed crawl loses at most this much work (it is refetched next run)


class ArchivePipeline:
    def __init__(self, data_dir: DataDir) -> None:
        self.data_dir = data_dir
        self.pending: list[tuple[Any, bytes | None, list[str]]] = []
        self.by_source: dict[str, Counter[str]] = {}
        self.new_ids: list[str] = []
        self.failure: str | None = None
        self.seen = 0
        self.progress = sys.stderr.isatty()
        self.flushed = time.monotonic()

    @classmethod
    def from_crawler(cls, crawler: Any) -> ArchivePipeline:
        pipeline = cls(DataDir(crawler.settings["NEWSMON_DATA_DIR"]))
        crawler.newsmon_pipeline = pipeline
        return pipeline

    def open_spider(self, spider: Any = None) -> None:
        self.archive = self.data_dir.open_archive(create=True)

    def process_item(self, item: dict[str, Any], spider: Any = None) -> dict[str, Any]:
        if self.failure:
            raise DropItem(f"archive unavailable: {self.failure}")
        self.pending.append((item["article"], item["html"], item["urls"]))
        self.seen += 1
        if self.progress:
            sys.stderr.write(f"\r  {self.seen} articles fetched…")
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
        except (sqlite3.Error, OSError) as exc:
            # the batch's articles stay in the frontier and are fetched again next run
            self.failure = f"{type(exc).__name__}: {exc}"
            return
        for (article, _, _), state in zip(batch, states, strict=True):
            self.by_source.setdefault(article.source or "", Counter())[state] += 1
            if state == "new":
                self.new_ids.append(article.id)

    def close_spider(self, spider: Any = None) -> None:
        if self.progress and self.seen:
            sys.stderr.write("\r\033[K")
        try:
            self.flush()
        finally:
            self.archive.close()
