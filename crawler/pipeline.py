"""Scrapy item pipeline: cleaned articles go to the archive, then to the index, in batches."""

from __future__ import annotations

import sys
from collections import Counter
from typing import Any

from indexer.store import DataDir

BATCH = 50


class ArchivePipeline:
    def __init__(self, data_dir: DataDir) -> None:
        self.data_dir = data_dir
        self.pending: list[tuple[Any, bytes | None, list[str]]] = []
        self.by_source: dict[str, Counter[str]] = {}
        self.seen = 0
        self.progress = sys.stderr.isatty()

    @classmethod
    def from_crawler(cls, crawler: Any) -> ArchivePipeline:
        pipeline = cls(DataDir(crawler.settings["NEWSMON_DATA_DIR"]))
        crawler.newsmon_pipeline = pipeline
        return pipeline

    def open_spider(self, spider: Any = None) -> None:
        self.archive = self.data_dir.open_archive(create=True)

    def process_item(self, item: dict[str, Any], spider: Any = None) -> dict[str, Any]:
        self.pending.append((item["article"], item["html"], item["urls"]))
        self.seen += 1
        if self.progress:
            sys.stderr.write(f"\r  {self.seen} articles fetched…")
            sys.stderr.flush()
        if len(self.pending) >= BATCH:
            self.flush()
        return item

    def flush(self) -> None:
        if not self.pending:
            return
        batch, self.pending = self.pending, []
        states = self.data_dir.store(self.archive, batch)
        for (article, _, _), state in zip(batch, states, strict=True):
            self.by_source.setdefault(article.source or "", Counter())[state] += 1

    def close_spider(self, spider: Any = None) -> None:
        if self.progress and self.seen:
            sys.stderr.write("\r\033[K")
        try:
            self.flush()
        finally:
            self.archive.close()
