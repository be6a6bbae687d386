"""The search index in PostgreSQL: newsmon's server IndexBackend (indexer/backend.py).

Selected with `--database postgresql://…` or NEWSMON_DATABASE (indexer/store.py), which
put the archive in the same database too (indexer/archive.py, in schema `archive`; this
index's tables are in `public`).  PostgreSQL does the full-text matching, but over
newsmon's OWN Russian analysis (indexer/analysis.py), not a PostgreSQL dictionary:

* indexing runs each field through the same tokenizer Whoosh indexes with (pymorphy3
  lemmas, ё folded, every near-tie reading at the word's position) and writes the
  result as tsvector literals, `'lemma':pos[weight] …`, so positions (phrases) survive:
  `doc` holds title (A) then lead and body (D), a position apart, so only the body's
  tail is hit by PostgreSQL's limits (a position is at most 16383; 256 positions a
  lexeme are kept); `title_doc` the title alone; `fields` author (B) and section (C);
* `pairs` (migration 005) numbers each two of the index's most widespread words found
  side by side in `doc`: GIN keeps no positions, so a phrase is otherwise checked by
  re-reading the tsvector of every article with all its words, seconds for two common
  ones at a million articles.  The words (`pair_words`, at most PAIR_WORDS of those in
  PAIR_SHARE of the articles) are chosen once, when a write first leaves PAIRS_FROM
  articles, from those articles: a phrase with a rarer word has fewer articles to
  re-read.  The choice is never revised (a pair's number must keep its meaning); an
  index upgraded past PAIRS_UNTIL articles gets them from `newsmon reindex`;
* queries are translated to tsquery and SQL by indexer/pg_query.py, which also says how
  a search stays fast at a million articles: exact totals from the GIN indexes alone,
  the costly ranking bounded;
* filters are SQL on columns (`day` YYYYMMDD, `source`, `id`); grouping by story is
  DISTINCT ON the story with the best ranked (or newest) article first; facets are
  counts per day and per source over the matches.

Scores are ts_rank_cd (cover density), not Whoosh's BM25F: the same query finds the
same articles and the same totals, and sort=date gives the same order, but relevance
order and score values differ.  Schema: numbered SQL files in indexer/pg_migrations/
(the archive's among them), each applied in one transaction and recorded in
`schema_version` by indexer/sql.py's migrate(); a database of an older schema is upgraded
when opened, a newer one refused.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from datetime import date
from typing import Any

from whoosh.query import Phrase, Query

from indexer import analysis
from indexer.analysis import STOP_WORDS
from indexer.article import Article
from indexer.backend import BatchWrites, Hit, IndexBusy, IndexMissing, SearchPage, Write
from indexer.i18n import _
from indexer.pg_query import (
    DATED,
    PAIR_BASE,
    Translation,
    Unanswerable,
    counting,
    day_lexeme,
    days_query,
    dense,
    lexeme,
    statement,
    wanted,
)
from indexer.sql import SCHEMA_LOCK, SchemaNewer, forget, location, migrate
from indexer.stories import story_number

WRITE_TIMEOUT = 120.0
FLUSH = 2000  # rows per COPY
MAX_POS = 16383  # PostgreSQL's largest tsvector position
MAX_LEXEME = 2000  # bytes; PostgreSQL refuses lexemes over 2047
WRITE_LOCK = SCHEMA_LOCK  # pg_advisory_xact_lock key: "newsmon"
COLUMNS = ("id", "url", "source", "title", "published", "published_at", "day", "story",
           "tags", "doc", "fields", "title_doc", "pairs")
# pair_words (migration 005): chosen when a write leaves the index with PAIRS_FROM articles
# or more (up to PAIRS_UNTIL: a larger index gets them when rebuilt), the PAIR_WORDS words
# in most articles and in PAIR_SHARE of them at least
PAIRS_FROM = 2000
PAIRS_UNTIL = 20_000
PAIR_WORDS = 1000
PAIR_SHARE = 0.05
STORY = COLUMNS.index("story")
_WORD = re.compile(r"\w+")
_POOLS: dict[str, Any] = {}


IndexNewer = SchemaNewer  # the database's schema is newer than this newsmon knows


def _location(url: str) -> str:
    return location(url)


class PostgresIndex(BatchWrites):
    """The index in one PostgreSQL database (IndexBackend; see indexer/backend.py)."""

    def __init__(self, url: str) -> None:
        self.url = url

    @property
    def location(self) -> str:
        return _location(self.url)

    # --- connections ------------------------------------------------------------------------

    def _pool(self) -> Any:
        pool = _POOLS.get(self.url)
        if pool is None:
            import psycopg
            from psycopg_pool import ConnectionPool, PoolTimeout

            try:
                migrate(self.url)
            except psycopg.OperationalError as exc:
                raise IndexMissing(_("cannot reach the search index at {location} "
                                     "({error})").format(location=self.location,
                                                         error=_first_line(exc))) from None
            pool = ConnectionPool(self.url, min_size=1, max_size=4, open=False, timeout=30,
                                  kwargs={"connect_timeout": 10})
            try:
                pool.open(wait=True, timeout=15)
            except PoolTimeout:
                pool.close()
                raise IndexMissing(_("cannot reach the search index at {location}").format(
                    location=self.location)) from None
            _POOLS[self.url] = pool
        return pool

    @contextmanager
    def _conn(self) -> Iterator[Any]:
        import psycopg

        try:
            with self._pool().connection() as conn:
                yield conn
        except psycopg.errors.LockNotAvailable:
            raise IndexBusy(_("search index at {path} stayed locked for {seconds:.0f} s by "
                              "another newsmon process").format(
                                  path=self.location, seconds=WRITE_TIMEOUT)) from None
        except psycopg.errors.UndefinedTable as exc:
            raise IndexMissing(_("search index at {path} is damaged ({error}); "
                                 "run `newsmon reindex`").format(
                                     path=self.location, error=_first_line(exc))) from None
        except psycopg.OperationalError as exc:
            raise IndexMissing(_("search index at {location} cannot be read ({error})").format(
                location=self.location, error=_first_line(exc))) from None

    def close(self) -> None:
        pool = _POOLS.pop(self.url, None)
        if pool is not None:
            pool.close()
        forget(self.url)

    def _target(self, conn: Any) -> tuple[str, str]:
        """Where readings are saved (analysis.ReadingsCache): this database's index."""
        row = conn.execute("SELECT value FROM index_meta WHERE key = 'instance'").fetchone()
        return ("postgresql", f"{self.url}#{row[0] if row else ''}")

    # --- writing ----------------------------------------------------------------------------

    def commit(self) -> None:
        """Every write commits itself."""

    @contextmanager
    def writing(self, bulk: bool = False) -> Iterator[Write]:
        """One transaction under the write lock; rows go in by COPY every FLUSH articles,
        from a thread, so the server stores one batch while the next one is analysed.
        `bulk`: the planner's statistics renewed after it when the table has doubled."""
        with self._conn() as conn, conn.transaction(), _Flusher(conn) as flusher:
            _lock(conn)
            target = self._target(conn)
            pending: dict[str, tuple] = {}
            written = 0
            words = _pair_words(conn)

            def write(article: Article, is_new: bool, story: str | None = None) -> None:
                nonlocal pending, written, words
                written += 1
                pending.pop(article.id, None)  # written twice: the last one, in order
                pending[article.id] = _row(article, story, words)
                if len(pending) >= FLUSH:
                    flusher.send(pending)
                    pending = {}
                    if not words:
                        flusher.wait()
                        words = _choose_pairs(conn)

            yield write
            flusher.send(pending)
            flusher.wait()
            if not words:
                _choose_pairs(conn)
            _save_readings(conn, target)
        analysis.READINGS.mark_saved(target)
        if bulk and written:
            self._analyze(unless_above=written)

    def delete(self, ids: Iterable[str]) -> int:
        doomed = list(ids)
        if not doomed:
            return 0
        with self._conn() as conn, conn.transaction():
            _lock(conn)
            conn.execute("DELETE FROM articles WHERE id = ANY(%s)", (doomed,))
        return len(doomed)

    def rebuild(self, articles: Iterable[Article], batch: int = 5000,
                story_of: Callable[[str], str | None] | None = None) -> int:
        """The old rows deleted and the new ones written in one transaction: searches see
        the old index (MVCC) until it commits, then the new one."""
        story_of = story_of or (lambda _: None)
        total = 0
        with self._conn() as conn, conn.transaction():
            _lock(conn)
            target = self._target(conn)
            conn.execute("DELETE FROM articles")
            words = _pair_words(conn)  # kept; an index upgraded to them chooses them now
            pending: dict[str, tuple] = {}
            for article in articles:
                pending.pop(article.id, None)
                pending[article.id] = _row(article, story_of(article.id), words)
                total += 1
                if len(pending) >= min(batch, FLUSH):
                    _flush(conn, pending, replace=False)
                    words = words or _choose_pairs(conn)
            _flush(conn, pending, replace=False)
            if not words:
                _choose_pairs(conn)
            _save_readings(conn, target)
            conn.execute("UPDATE index_meta SET value = '1' WHERE key = 'readings_complete'")
        analysis.READINGS.mark_saved(target)
        self._analyze()
        return total

    def compact(self) -> int:
        """VACUUM ANALYZE: dead rows of replaced articles reclaimed, planner statistics
        fresh.  Nothing is merged (PostgreSQL keeps no segments), so 0."""
        with self._conn() as conn:
            conn.autocommit = True
            try:
                conn.execute("VACUUM (ANALYZE) articles")
            finally:
                conn.autocommit = False
        return 0

    def _analyze(self, unless_above: int | None = None) -> None:
        """ANALYZE, or with `unless_above`, only when the statistics counted no more rows
        than that (never analysed: -1): an import writes batch after batch, and renewing
        them after each read a sample of 30,000 tsvectors each time.  Autovacuum (on by
        default) renews them as the table grows later."""
        with self._conn() as conn:
            if unless_above is not None:
                counted = conn.execute("SELECT reltuples FROM pg_class "
                                       "WHERE oid = 'articles'::regclass").fetchone()[0]
                if counted > unless_above:
                    return
            conn.execute("ANALYZE articles")

    # --- reading ----------------------------------------------------------------------------

    def query_schema(self) -> Any:
        from indexer.whoosh_index.index import make_schema

        return make_schema()

    def count(self) -> int:
        with self._conn() as conn:
            return conn.execute("SELECT count(*) FROM articles").fetchone()[0]

    def ids(self) -> set[str]:
        with self._conn() as conn:
            return {row[0] for row in conn.execute("SELECT id FROM articles")}

    def frequencies(self, terms: Iterable[str]) -> dict[str, int]:
        """How many articles hold each term in title or text: what a spelling repair
        weighs its candidates by.  Whoosh adds the title's and the body's counts; here
        one count of `doc`, which GIN answers without reading the articles' tsvectors."""
        wanted = sorted(set(terms))
        if not wanted:
            return {}
        with self._conn() as conn, conn.transaction():
            _planned(conn)
            return {term: int(conn.execute(
                "SELECT count(*) FROM articles WHERE doc @@ %s::tsquery",
                (lexeme(term),)).fetchone()[0]) for term in wanted}

    def readings(self) -> PostgresReadings:
        return PostgresReadings(self)

    def search(self, query: Query, *, day_from: date | None = None, day_to: date | None = None,
               sources: list[str] | None = None, sort: str = "relevance", limit: int = 10,
               offset: int = 0, ids: list[str] | None = None, group: bool = False,
               facets: bool = False) -> SearchPage:
        """Two statements (indexer/pg_query.py builds them) in one snapshot: the matches
        counted exactly, then a bounded set of them ranked or sorted into the page."""
        if ids is not None and not ids:
            return SearchPage(total=0)
        phrased = sorted({w for leaf in query.leaves() if isinstance(leaf, Phrase)
                          for w in leaf.words if w})
        with self._conn() as conn, conn.transaction():
            # both statements see one snapshot: the page agrees with the totals
            conn.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
            pairs = dict(conn.execute(
                "SELECT word, number FROM pair_words WHERE word = ANY(%s)", (phrased,)
            ).fetchall()) if phrased else {}
            tr = Translation(pairs)
            try:
                found = [tr.condition(query)]
            except Unanswerable as exc:
                raise IndexMissing(str(exc)) from None
            if ids is not None:  # a watch list's few new articles: read by id first
                found.append(f"id = ANY({tr.param(list(ids))})")
            filters = []
            if sources:
                filters.append(f"source = ANY({tr.param(list(sources))})")
            if day_from or day_to:
                filters.append(f"day BETWEEN {tr.param(_day(day_from) if day_from else 0)} "
                               f"AND {tr.param(_day(day_to) if day_to else 99991231)}")
            if day_from:  # not without: day 0, undated, has no lexeme (migration 006)
                found.append(f"doc @@ {tr.param(days_query(day_from, day_to or date.max))}"
                             "::tsquery")
            rank = tr.rank_query() if sort != "date" else None
            where, only = " AND ".join(found), " AND ".join(filters) or "TRUE"
            _planned(conn)
            articles, total, table = conn.execute(counting(where, only, group),
                                                  tr.params).fetchone()
            if not articles:
                return SearchPage(total=0, articles=0)
            walk = not filters and ids is None and dense(
                articles, table, wanted(rank, group, offset + max(0, limit)))
            if walk:
                conn.execute("SET LOCAL enable_indexscan = on")
            rows, days, by_source = conn.execute(statement(
                where, only, tr, articles=articles, rank=rank, by_date=sort == "date",
                group=group, facets=facets, limit=max(0, limit), offset=max(0, offset),
                walk=walk), tr.params).fetchone()
        hits = [Hit(id=r[0], url=r[1], title=r[2], source=r[3], published=r[4],
                    score=round(float(r[6]), 4) if sort != "date" else None,
                    story=f"{int(r[5]):012x}" if r[5] else None)
                for r in rows or []]
        page = SearchPage(total=total, hits=hits, articles=articles)
        if facets and total:
            page = SearchPage(total=total, hits=hits, articles=articles,
                              days={int(k): int(v) for k, v in (days or {}).items()},
                              sources={k: int(v) for k, v in (by_source or {}).items()})
        return page


class PostgresReadings:
    """The readings table (indexer/backend.py's WordReadings); empty answers on failure."""

    def __init__(self, index: PostgresIndex) -> None:
        self.index = index

    def lemmas(self, words: Iterable[str]) -> dict[str, tuple[str, ...]]:
        wanted = sorted(set(words))
        if not wanted:
            return {}
        found: dict[str, list[str]] = {}
        try:
            with self.index._conn() as conn:
                for word, lemma in conn.execute(
                        "SELECT word, lemma FROM readings WHERE word = ANY(%s) "
                        "ORDER BY word, rank", (wanted,)):
                    found.setdefault(word, []).append(lemma)
        except (IndexMissing, IndexBusy):
            return {}
        return {word: tuple(lemmas) for word, lemmas in found.items()}

    def forms(self, lemmas: Iterable[str]) -> frozenset[str] | None:
        wanted = sorted(set(lemmas))
        try:
            with self.index._conn() as conn:
                row = conn.execute("SELECT value FROM index_meta "
                                   "WHERE key = 'readings_complete'").fetchone()
                if not row or row[0] != "1":
                    return None
                rows = conn.execute("SELECT word FROM readings WHERE lemma = ANY(%s)",
                                    (wanted,)).fetchall() if wanted else []
        except (IndexMissing, IndexBusy):
            return None
        return frozenset(word.replace("ё", "е") for word, in rows) | set(wanted)

    def similar(self, word: str, spread: int = 2, limit: int = 20_000) -> list[str]:
        """Archived words and lemmas with the same first letter and a length within
        `spread` of `word`: the candidates a spelling fix is chosen from."""
        if not word:
            return []
        low, high = word[0], chr(ord(word[0]) + 1)
        shortest, longest = len(word) - spread, len(word) + spread
        try:
            with self.index._conn() as conn:
                rows = conn.execute(
                    "SELECT word FROM readings WHERE word >= %s AND word < %s "
                    "AND length(word) BETWEEN %s AND %s UNION "
                    "SELECT lemma FROM readings WHERE lemma >= %s AND lemma < %s "
                    "AND length(lemma) BETWEEN %s AND %s LIMIT %s",
                    (low, high, shortest, longest, low, high, shortest, longest, limit)
                ).fetchall()
        except (IndexMissing, IndexBusy):
            return []
        return [found for found, in rows]

    def close(self) -> None:
        """Connections belong to the index's pool."""


# --- rows -------------------------------------------------------------------------------------


def _row(article: Article, story: str | None, words: dict[str, int] | None = None) -> tuple:
    """`words`: the pair words, quoted, and their numbers (_pair_words)."""
    published = article.published
    body = f"{article.lead}\n\n{article.body}" if article.lead else article.body
    tags = sorted({t.replace(",", " ").strip().lower() for t in article.tags} - {""})
    pairs: set[int] = set()
    doc = _literal(_table([(article.title, "A"), (body, "")], words, pairs))
    day = _day(published.date()) if published else 0
    if day:
        doc = f"{doc} {day_lexeme(day)}"
    return (article.id, article.url, article.source or "", article.title, published,
            published.isoformat() if published else None, day, story_number(story), tags,
            doc, tsvector([(article.author or "", "B"), (article.section or "", "C")]),
            tsvector([(article.title, "")]), sorted(pairs))


def tsvector(fields: list[tuple[str, str]]) -> str:
    """The tsvector literal of these (text, weight) fields, laid out one after another a
    position apart: each word's index forms (indexer/analysis.py, as Whoosh indexes them)
    at the word's position (1-based; stop words keep their place, so phrases keep gaps)."""
    return _literal(_table(fields))


def _table(fields: list[tuple[str, str]], words: dict[str, int] | None = None,
           pairs: set[int] | None = None) -> dict[str, list[str]]:
    """Quoted lexeme -> its positions, as tsvector() writes them; with `words` (the pair
    words, quoted, and their numbers), also the number of each two of them side by side
    into `pairs` (_pairs reads the same off a written tsvector).  Import spends most of
    its time here, so a word as written is looked up once in the cache of quoted forms
    (_rendered), positions are strings made once (_marks) and the pairs are found on the
    way."""
    table: dict[str, list[str]] = {}
    rendered = analysis.READINGS.rendered
    words = words or {}
    start = 1
    for text, weight in fields:
        marks = _marks(weight)
        pos = start
        before: list[int] = []  # the pair words' numbers at the position before
        for raw in _WORD.findall(text):
            forms = rendered.get(raw)
            if forms is None:
                forms = _rendered(raw)
            here: list[int] = []
            if forms:
                mark = marks[pos if pos < MAX_POS else MAX_POS]
                for form in forms:
                    found = table.get(form)
                    if found is None:
                        found = table[form] = [mark]
                    else:
                        found.append(mark)
                    number = words.get(form)
                    if number is not None and len(found) <= 256 and pos < MAX_POS:
                        here.append(number)
                        for first in before:
                            pairs.add(first * PAIR_BASE + number)  # type: ignore[union-attr]
            before = here
            pos += 1
        start = pos + 1
    return table


def _literal(table: dict[str, list[str]]) -> str:
    """PostgreSQL keeps a lexeme's first 256 positions."""
    return " ".join(f"{form}:{','.join(marks[:256])}" for form, marks in table.items())


def _pairs(table: dict[str, list[str]], words: dict[str, int]) -> list[int]:
    """The `pairs` numbers (migration 005) of a doc tsvector's table: every two forms of
    `words` (quoted) at neighbouring positions, a then b, where `doc @@ 'a' <-> 'b'` finds
    them: among a lexeme's first 256 positions and below the last position, where
    PostgreSQL piles up the ones beyond.  Rows are written with the pairs _table finds;
    this is for the rows already there when the pair words are chosen."""
    at: dict[int, list[int]] = {}
    for form, marks in table.items():
        number = words.get(form)
        if number is not None:
            for mark in marks[:256]:
                pos = int(mark.rstrip("ABCD"))
                if pos < MAX_POS:
                    at.setdefault(pos, []).append(number)
    return sorted({a * PAIR_BASE + b for pos, first in at.items() if pos + 1 in at
                   for a in first for b in at[pos + 1]})


_ENTRY = re.compile(r"('(?:[^']|'')*'):([0-9A-D,]+)")


def _parsed(doc: str) -> dict[str, list[str]]:
    """A doc tsvector as PostgreSQL prints it (quoted as lexeme() quotes) back into its
    table: the rows already there when pair words are chosen get their pairs from it."""
    return {form: marks.split(",") for form, marks in _ENTRY.findall(doc)}


def _rendered(raw: str) -> tuple[str, ...]:
    """A word's index forms as tsvector lexemes, kept under the word as written and
    lower-cased (Whoosh lower-cases each word found, so «İ» stays one word): none for a
    stop word or a form longer than PostgreSQL takes.  Read through the readings cache,
    which the readings table is written from."""
    cache = analysis.READINGS
    word = raw.lower()
    found = cache.rendered.get(word)
    if found is None:
        found = () if word in STOP_WORDS else tuple(
            lexeme(form) for form in cache.lemmas.get(word) or cache.remember(word)
            if len(form.encode()) <= MAX_LEXEME)
        cache.rendered[word] = found
    cache.rendered[raw] = found
    return found


_MARKS: dict[str, list[str]] = {}  # weight -> "1A", "2A", … up to MAX_POS


def _marks(weight: str) -> list[str]:
    found = _MARKS.get(weight)
    if found is None:
        found = _MARKS[weight] = [f"{pos}{weight}" for pos in range(MAX_POS + 1)]
    return found


class _Flusher:
    """One COPY at a time in a thread of its own; the connection is the thread's while it
    runs (wait() before anything else uses it).  psycopg waits for the server without the
    GIL, so analysing the next batch goes on meanwhile: 0.55 ms an article of the import's
    3 ms was that wait."""

    def __init__(self, conn: Any) -> None:
        self.conn = conn
        self.running: Any = None

    def __enter__(self) -> _Flusher:
        from concurrent.futures import ThreadPoolExecutor

        self.pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="newsmon-copy")
        return self

    def send(self, rows: dict[str, tuple]) -> None:
        self.wait()
        if rows:
            self.running = self.pool.submit(_flush, self.conn, rows)

    def wait(self) -> None:
        running, self.running = self.running, None
        if running is not None:
            running.result()  # its error, here

    def __exit__(self, *exc: object) -> None:
        try:
            if self.running is not None:
                self.running.exception()  # finished before the transaction ends
        finally:
            self.pool.shutdown(wait=True)


def _flush(conn: Any, pending: dict[str, tuple], replace: bool = True) -> None:
    if not pending:
        return
    with conn.cursor() as cur:
        if replace:
            cur.execute("DELETE FROM articles WHERE id = ANY(%s)", (list(pending),))
        with cur.copy(f"COPY articles ({', '.join(COLUMNS)}) FROM STDIN") as copy:
            for row in pending.values():
                copy.write_row(row)
        # a story these rows share with each other or with rows already there: `multi`
        stories = sorted({row[STORY] for row in pending.values()} - {0})
        if stories:
            cur.execute("UPDATE articles SET multi = true WHERE NOT multi AND story IN ("
                        "SELECT story FROM articles WHERE story = ANY(%s) "
                        "GROUP BY story HAVING count(*) > 1)", (stories,))
    pending.clear()


def _save_readings(conn: Any, target: object) -> None:
    """The readings this process made that the table may lack, before the commit."""
    found = analysis.READINGS.unsaved(target)
    if not found:
        return
    with conn.cursor() as cur:
        cur.execute("CREATE TEMP TABLE new_readings (word text, rank integer, lemma text) "
                    "ON COMMIT DROP")
        with cur.copy("COPY new_readings FROM STDIN") as copy:
            for word, lemmas in found.items():
                for rank, lemma in enumerate(lemmas):
                    copy.write_row((word, rank, lemma))
        cur.execute("INSERT INTO readings SELECT DISTINCT ON (word, rank) * FROM new_readings "
                    "ON CONFLICT DO NOTHING")


def _pair_words(conn: Any) -> dict[str, int]:
    """The pair words, quoted as in a tsvector, and their numbers."""
    return {lexeme(word): number
            for word, number in conn.execute("SELECT word, number FROM pair_words")}


def _choose_pairs(conn: Any) -> dict[str, int]:
    """When the index holds PAIRS_FROM to PAIRS_UNTIL articles and has no pair words yet:
    they are chosen (the words in most articles, in PAIR_SHARE at least) and the rows
    there get their pairs, in the write's transaction, so a search sees either no pair
    words or every row's pairs.  Returns the pair words (_pair_words), none when not
    chosen."""
    import math

    n = conn.execute("SELECT count(*) FROM (SELECT FROM articles LIMIT %s) t",
                     (PAIRS_UNTIL + 1,)).fetchone()[0]
    if not PAIRS_FROM <= n <= PAIRS_UNTIL or _pair_words(conn):
        return {}
    conn.execute("INSERT INTO pair_words SELECT word, row_number() OVER (ORDER BY ndoc DESC, "
                 "word) - 1 FROM ts_stat('SELECT doc FROM articles') WHERE ndoc >= %s "
                 "AND NOT starts_with(word, %s) "
                 "ORDER BY ndoc DESC, word LIMIT %s",
                 (max(2, math.ceil(PAIR_SHARE * n)), DATED, min(PAIR_WORDS, PAIR_BASE)))
    words = _pair_words(conn)
    rows = conn.execute("SELECT seq, doc::text FROM articles").fetchall()
    with conn.cursor() as cur:
        cur.execute("CREATE TEMP TABLE new_pairs (seq bigint, pairs integer[]) "
                    "ON COMMIT DROP")
        with cur.copy("COPY new_pairs FROM STDIN") as copy:
            for seq, doc in rows:
                found = _pairs(_parsed(doc), words)
                if found:
                    copy.write_row((seq, found))
        cur.execute("UPDATE articles a SET pairs = n.pairs FROM new_pairs n WHERE a.seq = n.seq")
    return words


def _planned(conn: Any) -> None:
    """How a search's statement is run (in its transaction).  The planner prices `@@` on a
    row as a cheap operator, not as the tsvector read out of line that it is, so with a
    common word it picks a scan of the whole table, or of an index in date order that
    checks row after row: only bitmap scans of the indexes are let lead.
    The matches' stories are counted in memory (64 MB), and compiling (JIT) costs more
    than it saves on statements of a few hundred milliseconds."""
    conn.execute("SET LOCAL enable_seqscan = off")
    conn.execute("SET LOCAL enable_indexscan = off")
    conn.execute("SET LOCAL work_mem = '64MB'")
    conn.execute("SET LOCAL jit = off")


def _lock(conn: Any) -> None:
    """Writers wait for each other, up to WRITE_TIMEOUT (then IndexBusy)."""
    conn.execute(f"SET LOCAL lock_timeout = '{int(WRITE_TIMEOUT * 1000)}ms'")
    conn.execute("SELECT pg_advisory_xact_lock(%s)", (WRITE_LOCK,))


def _day(value: date) -> int:
    return value.year * 10000 + value.month * 100 + value.day


def _first_line(exc: BaseException) -> str:
    return (str(exc).strip().splitlines() or [type(exc).__name__])[0]
