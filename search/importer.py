"""`newsmon import`: articles from another installation's `export`, all or nothing.

The whole file is checked first, every field's type and size included
(search/validate.py), and then archived in one transaction (SQLite or PostgreSQL): a bad
line, a full disk or a kill at any moment leaves the archive exactly as it was.  Indexing follows
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
from indexer.stories import Signer, Signing, Stories, in_publication_order
from search.i18n import _
from search.validate import check_record

BATCH = 5000  # articles per index commit: a batch's postings are held in memory


class BadImportFile(ValueError):
    pass


def _articles(path: Path) -> Iterator[Article]:
    try:
        handle = path.open(encoding="utf-8")
    except OSError as exc:
        raise BadImportFile(_("cannot read {path}: {error}").format(
            path=path, error=exc.strerror)) from None
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
            raise BadImportFile(_("{path}: not UTF-8 text").format(path=path)) from None


def _plain(items: Any, total: int | None = None, desc: str = "") -> Any:
    return items


def import_jsonl(path: Path, data_dir: DataDir, progress: Any = _plain) -> Counter[str]:
    """`progress(items, total, desc)`: wraps the articles as they are archived (a bar)."""
    count = sum(1 for _article in progress(_articles(path), None, _("checking")))
    states: Counter[str] = Counter()
    changed: dict[str, bool] = {}  # id: is new
    # the signer's workers shingle and MinHash each batch while this process archives it
    # (benchmarks/reprints.py --import); one batch at a time, so no more is held
    with Signer() as signer, data_dir.open_archive(create=True, importing=True) as archive:
        data_dir.catch_up(archive)
        with archive.transaction():
            stories = Stories(archive.db)
            for batch in _batches(progress(_articles(path), count, _("archiving"))):
                ordered = [a for a, _, _ in in_publication_order([(a, None, []) for a in batch])]
                del batch
                signing = signer.submit(ordered)
                _assign(stories, ordered, signing, _save(archive, ordered, states, changed))
                del ordered, signing
        signer.close()  # its workers are not needed for indexing
        # nor the texts kept for checking reprints, which the indexing workers, forked
        # from this process, would otherwise carry too
        del stories
        _trim()
        ids = list(changed)
        for start in progress(range(0, len(ids), BATCH), -(-len(ids) // BATCH),
                              _("indexing (batches of {n})").format(n=BATCH)):
            chunk = ids[start:start + BATCH]
            data_dir.index_archived(archive, [(i, changed[i]) for i in chunk])
        if not ids:  # an empty file still leaves a searchable, empty index
            data_dir.store(archive, [], bulk=True)
    return states


def _trim() -> None:
    """Hand the memory freed after archiving back to the system (glibc keeps it), so the
    indexing workers forked next do not start with it mapped."""
    try:
        import ctypes

        ctypes.CDLL("libc.so.6").malloc_trim(0)
    except (OSError, AttributeError):
        pass


def _batches(articles: Iterator[Article]) -> Iterator[list[Article]]:
    batch: list[Article] = []
    for article in articles:
        batch.append(article)
        if len(batch) >= BATCH:
            yield batch
            batch = []
    if batch:
        yield batch


def _save(archive: Any, ordered: list[Article], states: Counter[str],
          changed: dict[str, bool]) -> list[int]:
    """One batch, earliest published first, into the open import transaction; returns
    where the articles that changed are in it.  Each of those then joins its story in
    _assign (an export lists articles by id: an original archived before its reposts
    gathers them all)."""
    saved = []
    for i, (article, state) in enumerate(zip(ordered, archive.save_many(ordered), strict=True)):
        states[state] += 1
        if state != "unchanged":
            changed[article.id] = state == "new"
            saved.append(i)
    return saved


def _assign(stories: Stories, ordered: list[Article], signing: Signing,
            saved: list[int]) -> None:
    signed = signing.get()
    stories.assign([ordered[i] for i in saved], [signed[i] for i in saved])
