"""`newsmon import`: articles from another installation's `export`, all or nothing.

The whole file is checked first, every field's type and size included
(search/validate.py), and then archived in one SQLite transaction: a bad line, a full
disk or a kill at any moment leaves the archive exactly as it was.  Indexing follows
the commit, as for a crawl: what is archived but not yet indexed is indexed by the next
command that writes, or by `newsmon check`.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from indexer.article import Article
from indexer.store import DataDir
from indexer.stories import Stories, in_publication_order
from search.validate import check_record

BATCH = 5000  # articles per index commit: a batch's postings are held in memory


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
                    data = json.loads(line)
                    check_record(data)
                    yield Article.from_json(data)
                except (ValueError, RecursionError) as exc:
                    raise BadImportFile(f"{path}:{number}: {exc}") from None
        except UnicodeDecodeError:
            raise BadImportFile(f"{path}: not UTF-8 text") from None


def _plain(items: Any, total: int | None = None, desc: str = "") -> Any:
    return items


def import_jsonl(path: Path, data_dir: DataDir, progress: Any = _plain) -> Counter[str]:
    """`progress(items, total, desc)`: wraps the articles as they are archived (a bar)."""
    count = sum(1 for _ in progress(_articles(path), None, "checking"))
    states: Counter[str] = Counter()
    changed: dict[str, bool] = {}  # id: is new
    with data_dir.open_archive(create=True) as archive:
        data_dir.catch_up(archive)
        with archive.transaction():
            stories = Stories(archive.db)
            batch: list[Article] = []
            for article in progress(_articles(path), count, "archiving"):
                batch.append(article)
                if len(batch) >= BATCH:
                    _save(archive, stories, batch, states, changed)
                    batch = []
            _save(archive, stories, batch, states, changed)
        ids = list(changed)
        for start in progress(range(0, len(ids), BATCH), -(-len(ids) // BATCH),
                              f"indexing (batches of {BATCH})"):
            chunk = ids[start:start + BATCH]
            data_dir.index_archived(archive, [(i, changed[i]) for i in chunk])
        if not ids:  # an empty file still leaves a searchable, empty index
            data_dir.store(archive, [], bulk=True)
    return states


def _save(archive: Any, stories: Stories, batch: list[Article], states: Counter[str],
          changed: dict[str, bool]) -> None:
    """One batch into the open import transaction, earliest published first, each article
    joining its story (an export lists articles by id: an original archived before its
    reposts gathers them all)."""
    ordered = [a for a, _, _ in in_publication_order([(a, None, []) for a in batch])]
    saved = []
    for article in ordered:
        state = archive.save(article)
        states[state] += 1
        if state != "unchanged":
            changed[article.id] = state == "new"
            saved.append(article)
    stories.assign(saved)
