"""The Whoosh index: newsmon's embedded IndexBackend (indexer/backend.py).

Only this package (and the query builder in search/query.py) imports Whoosh, so
the distribution changes in one place, and a server backend implements the same
protocol.  The index is derived data: `newsmon reindex` rebuilds it from the
archive at any time.

Segments are written with compound=False: a compound segment is copied into
memory on open, which made a cold CLI search 0.4–1.3 s and 830 MB in
docs/measurements.md against 0.1–0.2 s without.
"""

from __future__ import annotations

import mmap
import os
import shutil
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import replace
from datetime import UTC, date
from pathlib import Path
from typing import Any

import numpy as np
from whoosh import index as whoosh_index
from whoosh.columns import NumericColumn
from whoosh.fields import COLUMN, DATETIME, ID, KEYWORD, NUMERIC, STORED, TEXT, Schema
from whoosh.filedb.filestore import FileStorage
from whoosh.filedb.structfile import StructFile
from whoosh.query import Or, Query, Term
from whoosh.writing import LockError

from indexer import readings
from indexer.analysis import russian_analyzer
from indexer.article import Article
from indexer.backend import BatchWrites, Hit, IndexBusy, IndexMissing, SearchPage, Write
from indexer.i18n import _
from indexer.readings import Readings
from indexer.stories import story_number
from indexer.whoosh_index.bulk import ArrayWriter, BulkWriter, compact
from indexer.whoosh_index.codec import ArrayPositions
from indexer.whoosh_index.evaluate import Evaluator
from indexer.whoosh_index.private import DEFAULT_INDEX_NAME, column_default, segments

WRITE_TIMEOUT = 120.0
# what every segment holding documents has (Whoosh keeps no list of a segment's files)
SEGMENT_FILES = (".trm", ".pst", "._stored.col", ".day.col")  # `day` is 0 when undated
BULK_PROCS = max(1, min(2, os.cpu_count() or 1))


class MappedFile(StructFile):
    """A segment file read through mmap: a read is a slice, not a seek and a read call
    (a query looks each word up in every segment's term table)."""

    def get(self, position: int, length: int) -> bytes:
        return self.file[position:position + length]


class MappedStorage(FileStorage):
    """Whoosh's FileStorage, reading through mmap.  Segment files are written once and
    replaced, never changed in place, so a mapping stays valid."""

    def open_file(self, name: str, **kwargs: Any) -> StructFile:
        with open(self._fpath(name), "rb") as handle:
            try:
                mapped = mmap.mmap(handle.fileno(), 0, access=mmap.ACCESS_READ)
            except ValueError:  # an empty file cannot be mapped
                return super().open_file(name, **kwargs)
        return MappedFile(mapped, name=name, **kwargs)


def make_schema() -> Schema:
    ru = russian_analyzer()
    schema = Schema(
        id=ID(stored=True, unique=True),
        url=ID(stored=True),
        source=ID(stored=True),
        title=TEXT(analyzer=ru, stored=True, field_boost=3.0, multitoken_query="phrase"),
        # lead and body in one field: one matcher less per query word; not stored, because
        # snippets are cut from the archive's text
        body=TEXT(analyzer=ru, multitoken_query="phrase"),
        author=TEXT(analyzer=ru, multitoken_query="phrase"),
        section=TEXT(analyzer=ru, multitoken_query="phrase"),
        tags=KEYWORD(commas=True, lowercase=True, scorable=True),
        published=DATETIME(sortable=True),
        published_at=STORED(),  # ISO 8601 in the article's own zone, as printed
        # the article's own calendar day, YYYYMMDD, for date filters in the article's own zone;
        # a column, read per match, rather than range terms that enumerate every day's docs
        day=NUMERIC(int, bits=32, signed=False, sortable=True),
        # the article's story (indexer/stories.py) as a number, read per match to group
        # reprints before paging; 0: none.  A column only: as a NUMERIC field its 16 range
        # terms per article, nearly all unique, were 8% of an import's indexing time
        story=COLUMN(NumericColumn("Q", default=0)),
    )
    for name in ("title", "body", "author", "section"):
        field_type = schema[name]
        field_type.format = ArrayPositions(field_boost=field_type.format.field_boost)
    return schema


def _current(schema: Schema) -> bool:
    """Whether an index was built by this newsmon: the day column (date filters), the
    array positions (codec.py) and the story column came later."""
    return ("day" in schema and "story" in schema
            and type(schema["body"].format) is ArrayPositions)


class WhooshIndex(BatchWrites):
    """The index in one directory (IndexBackend; see indexer/backend.py for what each
    method promises).  The open searcher and its evaluator, which hold the segments'
    columns, are kept on the object while the index is unchanged."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._searcher: Any = None
        self._evaluator: Evaluator | None = None
        self._searcher_stamp: tuple[int, list[str]] = (0, [])

    # --- opening ----------------------------------------------------------------------------

    def _exists(self) -> bool:
        try:
            return whoosh_index.exists_in(str(self.path))
        except Exception:
            return True  # exists, and _open() reports it damaged

    def _open(self) -> Any:
        if not self._exists():
            raise IndexMissing(_("no search index at {path}; run `newsmon reindex`").format(
                path=self.path))
        for attempt in range(20):
            try:
                ix = MappedStorage(str(self.path)).open_index()
            except FileNotFoundError:
                # a commit in another process is replacing the table of contents
                time.sleep(0.05 * (attempt + 1))
            except (ModuleNotFoundError, AttributeError):
                # its pickled schema names classes by a path an older newsmon had
                raise IndexMissing(_("search index at {path} was built by an older "
                                     "newsmon; run `newsmon reindex`").format(
                                         path=self.path)) from None
            except Exception as exc:
                raise IndexMissing(_("search index at {path} is damaged ({error}); "
                                     "run `newsmon reindex`").format(
                                         path=self.path, error=exc)) from None
            else:
                if not _current(ix.schema):
                    raise IndexMissing(_("search index at {path} was built by an older "
                                         "newsmon; run `newsmon reindex`").format(
                                             path=self.path))
                return ix
        raise IndexMissing(_("search index at {path} could not be opened; "
                             "run `newsmon reindex`").format(path=self.path))

    def _open_or_create(self) -> Any:
        if not self._exists():
            self.path.mkdir(parents=True, exist_ok=True)
            readings.begin(self.path)
            return whoosh_index.create_in(str(self.path), make_schema())
        return self._open()

    def _writer(self, ix: Any, procs: int = 1) -> Any:
        """Writers wait for each other (up to WRITE_TIMEOUT) instead of failing at once.

        A bulk load uses `procs` processes, each writing its own segment (docs/measurements.md:
        nearly twice the throughput with two)."""
        try:
            if procs > 1:
                return BulkWriter(ix, procs, timeout=WRITE_TIMEOUT, delay=0.25)
            return ArrayWriter(ix, timeout=WRITE_TIMEOUT, delay=0.25)
        except LockError:
            raise IndexBusy(_("search index at {path} stayed locked for {seconds:.0f} s by "
                              "another newsmon process").format(
                                  path=self.path, seconds=WRITE_TIMEOUT)) from None

    @property
    def location(self) -> str:
        return str(self.path)

    # --- writing ----------------------------------------------------------------------------

    def commit(self) -> None:
        """Every write here commits itself: nothing is buffered between calls."""

    @contextmanager
    def writing(self, bulk: bool = False) -> Iterator[Write]:
        """One commit for many articles: yields write(article, is_new, story); a new article skips
        the delete lookup.  With bulk=True the writing happens in BULK_PROCS processes while
        the caller goes on (e.g. archiving the next articles)."""
        ix = self._open_or_create()
        writer = self._writer(ix, procs=BULK_PROCS if bulk else 1)

        def write(article: Article, is_new: bool, story: str | None = None) -> None:
            if is_new:
                writer.add_document(**_document(article, story))
            else:
                writer.update_document(**_document(article, story))

        try:
            yield write
        except BaseException:
            writer.cancel()
            raise
        # a bulk load adds segments without merging them into the old ones each time
        writer.commit(merge=not bulk)

    def compact(self) -> int:
        """Merge all segments into one (after a bulk load); returns how many were merged."""
        try:
            return compact(self._open(), WRITE_TIMEOUT, 0.25)
        except LockError:
            raise IndexBusy(_("search index at {path} stayed locked for {seconds:.0f} s by "
                              "another newsmon process").format(
                                  path=self.path, seconds=WRITE_TIMEOUT)) from None

    def delete(self, ids: Iterable[str]) -> int:
        doomed = list(ids)
        if not doomed:
            return 0
        ix = self._open()
        writer = self._writer(ix)
        for doc_id in doomed:
            writer.delete_by_term("id", doc_id)
        writer.commit()
        return len(doomed)

    def rebuild(self, articles: Iterable[Article], batch: int = 5000,
                story_of: Callable[[str], str | None] | None = None) -> int:
        """Build a fresh index beside the old one and swap it in, so searches never see half."""
        lock = None
        if self.path.is_dir():
            # writers wait while the new index is built, so nothing lands in the old one only;
            # the lock file is taken directly, so a damaged index can still be rebuilt
            lock = FileStorage(str(self.path)).lock(f"{DEFAULT_INDEX_NAME}_WRITELOCK")
            if not lock.acquire(blocking=True):
                raise IndexBusy(_("search index at {path} is locked by another "
                                  "process").format(path=self.path))
        try:
            return self._rebuild(articles, batch, story_of or (lambda _: None))
        finally:
            if lock is not None:
                lock.release()

    def _rebuild(self, articles: Iterable[Article], batch: int,
                 story_of: Callable[[str], str | None]) -> int:
        fresh = self.path.with_name(self.path.name + ".new")
        shutil.rmtree(fresh, ignore_errors=True)
        fresh.mkdir(parents=True)
        readings.begin(fresh)
        ix = whoosh_index.create_in(str(fresh), make_schema())
        total = 0
        writer = self._writer(ix, procs=BULK_PROCS)
        for article in articles:
            writer.add_document(**_document(article, story_of(article.id)))
            total += 1
            if total % batch == 0:  # a batch's postings are held in memory until its commit
                writer.commit()
                writer = self._writer(ix, procs=BULK_PROCS)
        writer.commit()
        compact(ix, WRITE_TIMEOUT, 0.25)
        old = self.path.with_name(self.path.name + ".old")
        shutil.rmtree(old, ignore_errors=True)
        if self.path.exists():
            self.path.rename(old)
        fresh.rename(self.path)
        shutil.rmtree(old, ignore_errors=True)
        return total

    # --- reading ----------------------------------------------------------------------------

    def _view(self) -> tuple[Any, Evaluator]:
        """An open searcher and its evaluator, kept while the index is unchanged: a batch
        of queries or a watch run reads the segments' columns once."""
        stamp = self._stamp()
        if self._searcher is None or stamp != self._searcher_stamp:
            self.close()
            self._searcher = self._open_searcher()
            self._evaluator = Evaluator(self._searcher)
            self._searcher_stamp = stamp
        return self._searcher, self._evaluator

    def _open_searcher(self) -> Any:
        """A searcher over the current segments.  A segment file that is gone is either a
        commit in another process that just merged it away (the next table of contents
        no longer names it) or a damaged index, which `newsmon check` rebuilds."""
        missing = "?"
        for attempt in range(5):
            try:
                ix = self._open()
                # Whoosh reads a missing column file as no values at all: checked here
                present = set(os.listdir(self.path))
                for segment in segments(ix):
                    for ext in SEGMENT_FILES if segment.doc_count_all() else ():
                        if segment.make_filename(ext) not in present:
                            raise FileNotFoundError(2, "missing", segment.make_filename(ext))
                return ix.searcher()
            except FileNotFoundError as exc:
                missing = Path(exc.filename or "?").name
                time.sleep(0.05 * (attempt + 1))
        raise IndexMissing(_("search index at {path} is missing its file {missing}; "
                             "run `newsmon check` (it rebuilds the index from the archive, as "
                             "`newsmon reindex` does)").format(path=self.path, missing=missing))

    def _stamp(self) -> tuple[int, list[str]]:
        """Changes with every commit (a new table of contents) and with a rebuild (a new
        directory, whose generation numbers may repeat the old one's)."""
        try:
            return (self.path.stat().st_ino,
                    sorted(n for n in os.listdir(self.path) if n.endswith(".toc")))
        except OSError:
            return (0, [])

    def close(self) -> None:
        if self._searcher is not None:
            self._searcher.close()
            self._searcher = self._evaluator = None

    def ids(self) -> set[str]:
        with self._open_searcher() as searcher:
            return {fields["id"] for fields in searcher.all_stored_fields()}

    def count(self) -> int:
        if not self._exists():
            return 0
        with self._open_searcher() as searcher:
            return searcher.doc_count()

    def query_schema(self) -> Schema:
        return make_schema()

    def readings(self) -> Readings:
        """The index folder's readings.sqlite (indexer/readings.py)."""
        return Readings(self.path)

    def search(self, query: Query, *, day_from: date | None = None, day_to: date | None = None,
               sources: list[str] | None = None, sort: str = "relevance", limit: int = 10,
               offset: int = 0, ids: list[str] | None = None, group: bool = False,
               facets: bool = False) -> SearchPage:
        """One page of hits; `ids` restricts the search to those articles (watch lists);
        `group`: one hit per story, its best-ranked matching article, and a total of stories.

        Every match is scored and counted (evaluate.py), so the total is exact and
        the filters are checked on the matches: the cost follows the hits, not the number
        of articles in a date range or a source."""
        if ids is not None and not ids:
            return SearchPage(total=0)
        searcher, evaluator = self._view()
        found = evaluator.matches(query)
        docs, scores = found.ids, found.scores
        keep = np.ones(len(docs), dtype=bool)
        if ids is not None:
            keep &= np.isin(docs, evaluator.docs(Or([Term("id", i) for i in ids])))
        if sources:
            keep &= np.isin(docs, evaluator.docs(Or([Term("source", s) for s in sources])))
        if day_from or day_to:
            days = evaluator.column("day")[docs]
            keep &= (days >= (_day(day_from) if day_from else 0)) & \
                    (days <= (_day(day_to) if day_to else 99991231))
        docs, scores = docs[keep], scores[keep]
        articles = len(docs)
        if sort == "date":
            published = evaluator.column("published")[docs]
            undated = column_default(searcher.schema["published"].column_type)  # the largest
            # newest first, undated last, ties in index order
            keys = np.where(published != undated, undated - 1 - published, undated)
        else:
            keys = -scores
        stories = (evaluator.column("story")[docs].astype(np.int64) if len(docs)
                   else np.empty(0, dtype=np.int64))  # an empty index has no columns
        if group and len(docs):
            best = _best_of_each(stories, keys, docs)
            docs, scores, keys, stories = docs[best], scores[best], keys[best], stories[best]
        order = _first(keys, docs, offset + limit)
        hits = [replace(_hit(searcher.stored_fields(int(docs[i])),
                             float(scores[i]) if sort != "date" else None),
                        story=f"{int(stories[i]):012x}" if stories[i] else None)
                for i in order[offset:]]
        page = SearchPage(total=len(docs), hits=hits, articles=articles)
        return _with_facets(page, searcher, evaluator, docs) if facets else page

    def frequencies(self, terms: Iterable[str]) -> dict[str, int]:
        """How many articles hold each term in title or body (for «Did you mean»)."""
        with self._open_searcher() as searcher:
            reader = searcher.reader()
            return {t: reader.doc_frequency("body", t) + reader.doc_frequency("title", t)
                    for t in terms}


def _document(article: Article, story: str | None = None) -> dict[str, Any]:
    published = article.published
    return {
        "id": article.id, "url": article.url, "source": article.source or "",
        "title": article.title, "body": f"{article.lead}\n\n{article.body}"
        if article.lead else article.body,
        "author": article.author or "", "section": article.section or "",
        "tags": ",".join(t.replace(",", " ") for t in article.tags),
        "published": published.astimezone(UTC).replace(tzinfo=None)
        if published else None,
        "published_at": published.isoformat() if published else None,
        "day": _day(published.date()) if published else 0,
        "story": story_number(story),
    }


def _with_facets(page: SearchPage, searcher: Any, evaluator: Evaluator,
                 docs: np.ndarray) -> SearchPage:
    """Counts over every match, not only the page: for a chart over time and by outlet.
    Read from the day column and the source terms, so no stored field is opened."""
    if not len(docs):
        return page
    values, counts = np.unique(evaluator.column("day")[docs], return_counts=True)
    days = {int(v): int(n) for v, n in zip(values, counts, strict=True) if v}
    sources = {}
    for term in searcher.reader().field_terms("source"):
        found = int(np.isin(docs, evaluator.docs(Term("source", term)), assume_unique=True).sum())
        if found:
            sources[term] = found
    return replace(page, days=days, sources=sources)


def _best_of_each(stories: np.ndarray, keys: np.ndarray, docs: np.ndarray) -> np.ndarray:
    """Where the best (smallest key, then first document) match of each story is.  A match
    without a story (0: an index written before stories) is a story of its own.  Sorting
    only the story numbers (not by story and key) keeps this a few ms at 50,000 matches."""
    stories = np.where(stories != 0, stories, -1 - docs)
    _, inverse = np.unique(stories, return_inverse=True)
    inverse = inverse.ravel()
    largest = np.inf if keys.dtype.kind == "f" else np.iinfo(keys.dtype).max
    best = np.full(inverse.max() + 1, largest, dtype=keys.dtype)
    np.minimum.at(best, inverse, keys)
    candidates = np.flatnonzero(keys == best[inverse])
    first = np.full(len(best), len(docs), dtype=np.int64)
    np.minimum.at(first, inverse[candidates], candidates)
    return np.sort(first)


def _first(keys: np.ndarray, docs: np.ndarray, count: int) -> np.ndarray:
    """Where the `count` smallest (key, doc) pairs are, in order.  Only the keys up to the
    count-th smallest are sorted: sorting all 50,000 matches of a common word for a page
    of ten took 17 ms."""
    if count <= 0:
        return np.empty(0, dtype=np.int64)
    if count < len(keys):
        chosen = np.flatnonzero(keys <= np.partition(keys, count - 1)[count - 1])
    else:
        chosen = np.arange(len(keys))
    return chosen[np.lexsort((docs[chosen], keys[chosen]))][:count]


def _day(value: date) -> int:
    return value.year * 10000 + value.month * 100 + value.day


def _hit(fields: dict[str, Any], score: Any) -> Hit:
    return Hit(
        id=fields["id"], url=fields["url"], title=fields["title"],
        source=fields.get("source", ""), published=fields.get("published_at"),
        score=round(float(score), 4) if score is not None else None,
    )
