"""What a search index backend must provide, whatever engine is behind it.

newsmon's search index is derived data: the archive (indexer/archive.py) is the truth,
and `newsmon reindex` rebuilds an index from it at any time.  Callers (indexer/store.py,
search/engine.py, search/watch.py, search/cli.py) use an index only through
`IndexBackend`, and catch only the errors defined here.  The embedded default is
Whoosh (indexer/whoosh_index/); a server backend (PostgreSQL) implements the same
protocol.

Queries: `search()` takes the query tree that search/query.py builds from the user's
text against `query_schema()` (whoosh.query objects: Term, Phrase, Prefix, And, Or,
AndNot, Not, ranges).  The Whoosh backend evaluates it directly; another backend
translates the tree into its own query language.  Scores are BM25F as Whoosh computes
them; a backend that ranks differently says so in its own documentation, since the
comparison tests hold the Whoosh backend to exact scores.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from datetime import date
from typing import Any, Protocol, runtime_checkable

from indexer.article import Article


class IndexBusy(RuntimeError):
    """Another process held the index's write lock for longer than the backend waits."""


class IndexMissing(RuntimeError):
    """The index is absent, unreadable, damaged or built by an older newsmon; the message
    says so, and `newsmon reindex` (or `newsmon check`) rebuilds it."""


@dataclass(frozen=True)
class Hit:
    id: str
    url: str
    title: str
    source: str
    published: str | None
    score: float | None  # None when sorted by date: the date alone ranks then
    snippet: str = ""  # with HIT_START/HIT_END around matched words, filled by the caller
    story: str | None = None
    story_size: int = 1  # articles in the story; filled by the caller
    reprints: tuple[str, ...] = ()  # sources of the story's other articles; by the caller


@dataclass(frozen=True)
class SearchPage:
    total: int  # stories when grouped, else articles
    hits: list[Hit] = field(default_factory=list)
    articles: int = 0  # matching articles, grouped or not
    # with facets=True: matches (stories when grouped) per day (YYYYMMDD) and per source
    days: dict[int, int] = field(default_factory=dict)
    sources: dict[str, int] = field(default_factory=dict)


# write(article, is_new, story): is_new=True adds an article the index does not hold yet
# (no lookup of an old version); False adds or replaces it by id.  story: its story id.
Write = Callable[[Article, bool, "str | None"], None]


class WordReadings(Protocol):
    """The dictionary forms the index holds each archived word under (indexer/readings.py),
    so a search reads query words and marks snippets without loading the dictionary.
    Every method answers empty (or None) when the readings cannot be read."""

    def lemmas(self, words: Iterable[str]) -> dict[str, tuple[str, ...]]:
        """The index forms of those lower-case words the archive holds, likeliest first."""
        ...

    def forms(self, lemmas: Iterable[str]) -> frozenset[str] | None:
        """Every archived word indexed under one of `lemmas`; None when the readings do not
        cover the whole index (one begun by an older newsmon)."""
        ...

    def similar(self, word: str, spread: int = 2, limit: int = 20_000) -> list[str]:
        """Archived words and lemmas that may be a few edits from `word` (spelling fixes)."""
        ...

    def close(self) -> None: ...


@runtime_checkable
class IndexBackend(Protocol):
    """A search index over archived articles.

    Every write is atomic: a reader sees all of a commit or none of it, and a failed or
    cancelled write leaves the index as it was.  Writers wait for each other; one that
    waits too long raises IndexBusy.  Reading a missing, damaged or outdated index raises
    IndexMissing, never returns a partial answer.  Articles are identified by their
    archive id; an article is indexed with its story id (indexer/stories.py) or None.
    """

    @property
    def location(self) -> str:
        """Where the index lives, for messages (a directory, a server's name)."""
        ...

    # --- writing ----------------------------------------------------------------------------

    def add(self, articles: Iterable[Article], stories: dict[str, str] | None = None) -> int:
        """Add the articles, replacing any indexed version of each (by id), in one commit;
        `stories` maps ids to story ids.  Creates the index if there is none.  Returns how
        many articles were written."""
        ...

    def update(self, articles: Iterable[Article], stories: dict[str, str] | None = None
               ) -> int:
        """Replace the indexed versions of these articles (by id; one not indexed yet is
        added), in one commit.  Returns how many were written."""
        ...

    def writing(self, bulk: bool = False) -> AbstractContextManager[Write]:
        """One commit for many articles: the context yields a `Write` function, and the
        commit happens when the block ends without an exception (an exception cancels
        everything written in it).  `bulk`: a large load, which may be spread over worker
        processes while the caller goes on, and leave the index in several parts for a
        later compact()."""
        ...

    def delete(self, ids: Iterable[str]) -> int:
        """Remove these articles (ids not indexed are ignored) in one commit; returns how
        many ids were given.  Raises IndexMissing when there is no index."""
        ...

    def commit(self) -> None:
        """Make every write so far durable and visible.  add, update, delete, writing and
        rebuild commit themselves; this is for a backend that buffers (and a no-op for
        one that does not)."""
        ...

    def rebuild(self, articles: Iterable[Article], batch: int = 5000,
                story_of: Callable[[str], str | None] | None = None) -> int:
        """Replace the whole index by one of exactly these articles, built aside and
        swapped in: searches see the old index or the new one, never half.  Works on a
        damaged index too.  Writers wait meanwhile.  `story_of(id)` gives each article's
        story; `batch` bounds what is held in memory.  Returns how many were indexed."""
        ...

    def compact(self) -> int:
        """Reorganize after bulk loads so queries are fast (merge segments); returns how
        many parts were merged, 0 when there was nothing to do.  Answers do not change."""
        ...

    # --- reading ----------------------------------------------------------------------------

    def query_schema(self) -> Any:
        """The field layout search/query.py parses query text against: fields title, body
        (lead and text), author, section, tags, source, id, url, published."""
        ...

    def search(self, query: Any, *, day_from: date | None = None, day_to: date | None = None,
               sources: list[str] | None = None, sort: str = "relevance", limit: int = 10,
               offset: int = 0, ids: list[str] | None = None, group: bool = False,
               facets: bool = False) -> SearchPage:
        """One page of hits for a query tree, every match counted (the total is exact).

        Filters: publication day between day_from and day_to inclusive, in the article's
        own time zone (undated articles fail any day filter); one of `sources`; one of
        `ids` (an empty list matches nothing).  sort="relevance": by score, best first;
        sort="date": newest first, undated last, and scores are None.  Ties go in the
        order articles were indexed.  `group`: one hit per story (its best-ranked matching
        article), `total` then counts stories and `articles` the matching articles.  Hits
        carry id, url, title, source, published (ISO 8601 as archived), score (rounded to
        4 places) and story; snippets and story sizes are the caller's.  `facets`: also
        count every match (stories when grouped) per publication day and per source."""
        ...

    def count(self) -> int:
        """How many articles the index holds (0 for an empty or absent index)."""
        ...

    def ids(self) -> set[str]:
        """The id of every indexed article: the consistency check (`newsmon check`)
        compares it with the archive's and repairs the difference.  Raises IndexMissing
        when the index cannot be read, which the check answers with rebuild()."""
        ...

    def frequencies(self, terms: Iterable[str]) -> dict[str, int]:
        """How many articles hold each (analyzed) term in title or body, for «Did you
        mean»."""
        ...

    def readings(self) -> WordReadings:
        """The word readings recorded with this index (see WordReadings)."""
        ...

    def close(self) -> None:
        """Release what reading kept open (searchers, connections); the object stays
        usable and reopens on the next call."""
        ...


class BatchWrites:
    """add() and update() for a backend whose writing() is one commit: both backends'."""

    def writing(self, bulk: bool = False) -> AbstractContextManager[Write]:
        raise NotImplementedError

    def add(self, articles: Iterable[Article], stories: dict[str, str] | None = None) -> int:
        """Add or replace articles by id in one commit; returns how many."""
        batch = list(articles)
        if batch:
            with self.writing() as write:
                for article in batch:
                    write(article, False, (stories or {}).get(article.id))
        return len(batch)

    def update(self, articles: Iterable[Article], stories: dict[str, str] | None = None
               ) -> int:
        """Replace articles by id in one commit (one not indexed yet is added)."""
        return self.add(articles, stories)
