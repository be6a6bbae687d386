"""`newsmon import`: articles from another installation's `export`, validated before writing.

The whole file is checked first, so a bad line 9,000 leaves the archive exactly
as it was instead of half-imported.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

from crawler.article import Article
from indexer.store import DataDir
from indexer.stories import in_publication_order

BATCH = 5000


class BadImportFile(ValueError):
    pass


def _articles(path: Path) -> Iterator[Article]:
    try:
        handle = path.open(encoding="utf-8")
    except OSError as exc:
        raise BadImportFile(f"cannot read {path}: {exc.strerror}") from None
    with handle:
        try:
            for number, line in enumerate(handle, 1):
                if not line.strip():
                    continue
                try:
                    yield Article.from_json(json.loads(line))
                except ValueError as exc:
                    raise BadImportFile(f"{path}:{number}: {exc}") from None
        except UnicodeDecodeError:
            raise BadImportFile(f"{path}: not UTF-8 text") from None


def import_jsonl(path: Path, data_dir: DataDir) -> Counter[str]:
    for _ in _articles(path):
        pass
    states: Counter[str] = Counter()
    with data_dir.open_archive(create=True) as archive:
        data_dir.catch_up(archive)
        batch: list[tuple[Article, bytes | None, list[str]]] = []
        for article in _articles(path):
            batch.append((article, None, []))
            if len(batch) >= BATCH:
                states.update(data_dir.store(archive, in_publication_order(batch), bulk=True))
                batch = []
        if batch or not states:  # an empty file still leaves a searchable, empty index
            states.update(data_dir.store(archive, in_publication_order(batch), bulk=True))
    return states
