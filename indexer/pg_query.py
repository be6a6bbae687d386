"""The PostgreSQL index's queries as SQL (indexer/postgres_index.py runs them): pure
functions of the query tree and the options, so they are tested without a server.

The query tree search/query.py builds (whoosh.query objects) becomes tsquery literals
cast with `::tsquery` (the lemmas are already normalized; to_tsquery would run
PostgreSQL's parser over them again): `&`, `|`, `!`, `<->` for phrases, `:*` for
prefixes.  Each field has its column (migration 004): `doc` title (A) and body (D),
`title_doc` the title, `fields` author (B) and section (C).  A word asked in title or body,
as a plain query asks it, is an unweighted lexeme on `doc`, which the GIN index answers
alone; a weight would make PostgreSQL read every matching tsvector again to check it.
Parts on other fields (source, id, url, tags, published ranges) are SQL conditions.

Reading at scale (`statement`): the matches are counted exactly, articles and stories,
by scans of the GIN indexes' bitmaps; the expensive part, reading articles' tsvectors
to rank them, is bounded.  When more than RANKED articles match, the ranked ones are the
newest RANKED matches and the matches among the newest RANKED articles with a query word
in the title; sorted by date (or in index order when nothing is ranked) a grouped page
is read from the first DATE_PREFIX matches when they hold enough stories.
"""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta
from itertools import pairwise
from typing import Any

from whoosh.query import (
    And,
    AndNot,
    DateRange,
    Every,
    ExpandingTerm,
    Not,
    NullQuery,
    NumericRange,
    Or,
    Phrase,
    Prefix,
    Query,
    Term,
    TermRange,
    Wildcard,
)

RANKED = 400  # at least this many matches ranked, and four times the page's end
DATE_PREFIX = 1000  # at least this many newest matches read for a grouped page
DENSE = 50  # a bitmap's row costs this many times less than a row checked in date order
WEIGHTS = {"title": "A", "author": "B", "section": "C", "body": "D"}
COLUMN = {"doc": "doc", "title": "title_doc", "fields": "fields"}  # kind: its column
PAIR_BASE = 32768  # migration 005: a pair's number, first word's * PAIR_BASE + second's
DATED = "§"  # migration 006: a dated row's doc holds '§YYYYMMDD', a character no word has
_KIND = {"title": "title", "body": "doc", "author": "fields", "section": "fields"}
_WORDS = (Term, ExpandingTerm, Phrase, Prefix, Wildcard)  # what a tsquery can ask


class Unanswerable(ValueError):
    """A query part the PostgreSQL index has no column for."""


class Translation:
    """A whoosh.query tree as one SQL condition with named parameters.  A subtree over one
    tsvector column is one tsquery on it; other fields are columns."""

    def __init__(self, pairs: dict[str, int] | None = None) -> None:
        self.pairs = pairs or {}  # the query's phrase words among the index's pair words
        self.params: dict[str, Any] = {}
        self.positive: list[str] = []  # doc's tsquery of the parts outside NOT: ranking
        self.titles: list[str] = []  # title_doc's tsquery of the same: ranked candidates

    def param(self, value: Any) -> str:
        name = f"p{len(self.params)}"
        self.params[name] = value
        return f"%({name})s"

    def rank_query(self) -> str | None:
        return " | ".join(f"({p})" for p in dict.fromkeys(self.positive)) or None

    def title_query(self) -> str | None:
        return " | ".join(f"({p})" for p in dict.fromkeys(self.titles)) or None

    def condition(self, query: Query) -> str:
        kind, text = self._node(query, True)
        return self._sql(kind, text)

    def _sql(self, kind: str, text: str) -> str:
        return f"{COLUMN[kind]} @@ {self.param(text)}::tsquery" if kind in COLUMN else text

    def _node(self, node: Query, positive: bool) -> tuple[str, str]:
        """(column kind, tsquery text) or ('sql', a condition)."""
        field = getattr(node, "fieldname", None)
        if isinstance(node, Or):
            twin = _text_twin(node)
            if twin is not None:
                return (positive and self._paired(node, twin)) or self._text(twin, positive)
        if isinstance(node, (And, Or)):
            parts = [self._node(q, positive) for q in node.subqueries]
            if not parts:
                return ("sql", "TRUE" if isinstance(node, And) else "FALSE")
            kinds = {k for k, _ in parts}
            if len(kinds) == 1 and kinds != {"sql"}:
                op = " & " if isinstance(node, And) else " | "
                return (parts[0][0], "(" + op.join(t for _, t in parts) + ")")
            op = " AND " if isinstance(node, And) else " OR "
            return ("sql", "(" + op.join(self._sql(k, t) for k, t in parts) + ")")
        if isinstance(node, AndNot):
            a, b = self._node(node.a, positive), self._node(node.b, not positive)
            if a[0] == b[0] != "sql":
                return (a[0], f"({a[1]} & !{b[1]})")
            return ("sql", f"({self._sql(*a)} AND NOT {self._sql(*b)})")
        if isinstance(node, Not):
            kind, text = self._node(node.query, not positive)
            return (kind, f"!{text}") if kind != "sql" else ("sql", f"(NOT {text})")
        if isinstance(node, Every):
            return ("sql", "TRUE")
        if node is NullQuery or isinstance(node, type(NullQuery)):
            return ("sql", "FALSE")
        if field in WEIGHTS and isinstance(node, _WORDS):
            text = _lexemes(node)
            if text is None:  # a phrase of stop words only
                return ("sql", "FALSE")
            return self._field(field, text, positive)
        if isinstance(node, Phrase):
            return self._column_term(field, " ".join(node.words))
        if isinstance(node, (Prefix, Wildcard)):
            stem = _stem(node)
            if field == "tags":
                return ("sql", f"EXISTS (SELECT 1 FROM unnest(tags) t "
                               f"WHERE starts_with(t, {self.param(stem)}))")
            if field in ("source", "id", "url"):
                return ("sql", f"starts_with({field}, {self.param(stem)})")
            return ("sql", "FALSE")
        if isinstance(node, (Term, ExpandingTerm)):
            return self._column_term(field, node.text)
        if isinstance(node, DateRange) and field == "published":
            conds = []
            if node.startdate is not None:
                conds.append(f"published {'>' if node.startexcl else '>='} "
                             f"{self.param(_utc(node.startdate))}")
            if node.enddate is not None:
                conds.append(f"published {'<' if node.endexcl else '<='} "
                             f"{self.param(_utc(node.enddate))}")
            return ("sql", "(" + (" AND ".join(conds) or "published IS NOT NULL") + ")")
        if (isinstance(node, NumericRange) and field in ("day", "story")) or (
                isinstance(node, TermRange) and field in ("source", "id", "url")):
            conds = []
            if node.start is not None:
                conds.append(f"{field} {'>' if node.startexcl else '>='} "
                             f"{self.param(node.start)}")
            if node.end is not None:
                conds.append(f"{field} {'<' if node.endexcl else '<='} {self.param(node.end)}")
            return ("sql", "(" + (" AND ".join(conds) or "TRUE") + ")")
        raise Unanswerable(f"the PostgreSQL index cannot answer a {type(node).__name__} "
                           f"query on {field}")

    def _text(self, text: str, positive: bool) -> tuple[str, str]:
        """title or body: unweighted on doc."""
        if positive:
            self.positive.append(text)
            self.titles.append(text)
        return ("doc", text)

    def _paired(self, node: Or, phrase: str) -> tuple[str, str] | None:
        """A phrase of pair words (migration 005) looked up by its neighbouring pairs: two
        words exactly, without re-reading any tsvector; more than two, by re-reading only
        the articles that hold every pair.  Not under NOT: `NOT pairs @@ …` would read the
        pairs of every article the rest matches.  Its ranked candidates by title are the
        articles with all its words in the title: checking the phrase in every such title
        is the same re-reading."""
        words = {tuple(w for w in sub.words if w) for sub in node.subqueries
                 if isinstance(sub, Phrase)}
        if len(words) != 1 or len(node.subqueries) != 2:
            return None
        (found,) = words
        if len(found) < 2 or not all(w in self.pairs for w in found):
            return None
        self.positive.append(phrase)
        self.titles.append("(" + " & ".join(lexeme(w) for w in dict.fromkeys(found)) + ")")
        numbers = sorted({self.pairs[a] * PAIR_BASE + self.pairs[b] for a, b in pairwise(found)})
        pairs = f"pairs @> {self.param(numbers)}::integer[]"
        if len(found) == 2:
            return ("sql", pairs)
        return ("sql", f"({pairs} AND {self._sql('doc', phrase)})")

    def _field(self, field: str, text: str, positive: bool) -> tuple[str, str]:
        kind = _KIND[field]
        if field in ("title", "body") and positive:
            self.positive.append(_weighted(text, WEIGHTS[field]))
            if field == "title":
                self.titles.append(text)
        if field == "title":
            return (kind, text)
        return (kind, _weighted(text, WEIGHTS[field]))

    def _column_term(self, field: str | None, text: str) -> tuple[str, str]:
        if field == "tags":
            return ("sql", f"tags @> ARRAY[{self.param(text.strip().lower())}]::text[]")
        if field in ("source", "id", "url"):
            return ("sql", f"{field} = {self.param(text)}")
        return ("sql", "FALSE")


def _text_twin(node: Or) -> str | None:
    """The tsquery of an Or of the same words in title and in body (a plain query word,
    phrase or prefix), or None when the Or is anything else."""
    wanted: dict[str, set[str]] = {}
    for sub in node.subqueries:
        field = getattr(sub, "fieldname", None)
        if field not in ("title", "body") or not isinstance(sub, _WORDS):
            return None
        text = _lexemes(sub)
        if text is None:
            return None
        wanted.setdefault(text, set()).add(field)
    if not wanted or any(fields != {"title", "body"} for fields in wanted.values()):
        return None
    texts = list(wanted)
    return texts[0] if len(texts) == 1 else "(" + " | ".join(texts) + ")"


def _lexemes(node: Query) -> str | None:
    """A word, phrase or prefix as unweighted tsquery text."""
    if isinstance(node, Phrase):
        words = [w for w in node.words if w]
        return "(" + " <-> ".join(lexeme(w) for w in words) + ")" if words else None
    if isinstance(node, (Prefix, Wildcard)):
        return f"{lexeme(_stem(node))}:*"
    if isinstance(node, (Term, ExpandingTerm)):  # a fuzzy term: its own word only
        return lexeme(node.text)
    return None


def _weighted(text: str, weight: str) -> str:
    """`'w'` → `'w':D`, `'w':*` → `'w':*D`, each lexeme of a phrase."""
    return re.sub(r"('(?:[^']|'')*')(:\*)?", lambda m: f"{m[1]}{m[2] or ':'}{weight}", text)


def _stem(node: Query) -> str:
    return node.text if isinstance(node, Prefix) else re.split(r"[*?]", node.text)[0]


def day_lexeme(day: int) -> str:
    """The lexeme of a row's day (YYYYMMDD) in its doc (migration 006)."""
    return f"'{DATED}{day:08d}'"


def days_query(first: date, last: date) -> str:
    """The days first to last as a tsquery on doc (migration 006): whole millennia,
    centuries, decades, years and months each a prefix, the days left one lexeme each, so
    a date range is a part of the one GIN lookup, and only the matches in the range are
    read, not every match of the query's words (a year of a common word: 0.4 s at a
    million articles).  At most a few dozen lexemes, whatever the range."""
    terms = []
    day = first
    while day <= last:
        if day.month == 1 and day.day == 1:
            span = next((s for s in (1000, 100, 10, 1) if day.year % s == 0
                         and day.year + s - 1 <= last.year
                         and date(day.year + s - 1, 12, 31) <= last), None)
            if span is not None:
                digits = 4 - len(str(span)) + 1
                terms.append(f"'{DATED}{day.year // span:0{digits}d}':*")
                if day.year + span > 9999:
                    break
                day = date(day.year + span, 1, 1)
                continue
        if day.day == 1:
            after = None if day.year == 9999 and day.month == 12 else date(
                day.year + day.month // 12, day.month % 12 + 1, 1)
            if (after - timedelta(days=1) if after else date.max) <= last:
                terms.append(f"'{DATED}{day.year:04d}{day.month:02d}':*")
                if after is None:
                    break
                day = after
                continue
        terms.append(day_lexeme(day.year * 10000 + day.month * 100 + day.day))
        if day == date.max:
            break
        day += timedelta(days=1)
    return "(" + " | ".join(terms) + ")" if terms else "''"


def lexeme(text: str) -> str:
    return "'" + text.replace("\\", "\\\\").replace("'", "''") + "'"


def _utc(value: datetime) -> datetime:
    """Whoosh's DATETIME values are naive UTC."""
    from datetime import UTC

    return value.replace(tzinfo=UTC) if value.tzinfo is None else value


# --- the statement ----------------------------------------------------------------------------

NEWEST = "published DESC NULLS LAST, seq"
_GRP = "CASE WHEN story <> 0 THEN story ELSE -seq END"
_PAGE_COLUMNS = ("json_build_array(a.id, a.url, a.title, a.source, a.published_at, "
                 "a.story, p.score) ORDER BY p.n")


def wanted(rank: str | None, group: bool, need: int) -> int:
    """How many of the newest matches the page statement reads (RANKED, DATE_PREFIX)."""
    if rank is not None:
        return max(RANKED, 4 * need)
    return max(DATE_PREFIX, 10 * need) if group else need


def counting(found: str, filters: str, group: bool) -> str:
    """The exact totals, (articles, stories), and the table's size as the planner's
    statistics have it (pg_class.reltuples): the first of a search's two statements."""
    # a story no other row has is one story a row; only the rest need DISTINCT's sort
    stories = ("count(*) FILTER (WHERE story = 0 OR NOT multi) "
               "+ count(DISTINCT story) FILTER (WHERE story <> 0 AND multi)"
               ) if group else "count(*)"
    # without filters, straight off the bitmap: a subquery's rows cost 7% more to count
    rows = f"articles WHERE {found}" if filters == "TRUE" else _matches(found, filters)
    return (f"SELECT count(*), {stories}, (SELECT reltuples FROM pg_class "
            f"WHERE oid = 'articles'::regclass) FROM {rows}")


def dense(articles: int, table: float, wanted: int) -> bool:
    """Whether the newest `wanted` matches are found faster by walking the articles in
    date order, checking each (about wanted * table / articles rows, each one's tsvector
    read out of line), than by sorting every match read from the bitmap: DENSE times
    cheaper a row, measured at a million articles."""
    return articles > 0 and wanted * max(table, articles) / articles * DENSE < articles


def statement(found: str, filters: str, tr: Translation, *, articles: int,
              rank: str | None, by_date: bool, group: bool, facets: bool, limit: int,
              offset: int, walk: bool = False) -> str:
    """The page as JSON, matches a day, matches a source: the second statement, given
    `counting`'s count of matching `articles`.  `found` is the query's condition,
    `filters` the days and sources, applied to what the query's indexes found (OFFSET 0
    keeps them there): with a common word in a year, the planner took the year's 90,000
    rows from the day index and read each one's tsvector to check the word (0.9 s, not
    0.2 s).  `walk` (no filters, a `dense` query): the newest matches are read in date
    order (the caller lets the planner use an index scan for that).

    The matches are read by scans of the GIN indexes' bitmaps, each aggregated as it
    goes (a count, a top-N sort), never kept as a whole: materializing 850,000 matches
    of a common word cost more than counting them twice."""
    need = offset + limit
    matches = _matches(found, filters)
    newest = f"articles WHERE {found}" if walk else matches
    if rank is None:
        ctes = _ordered(tr, matches, newest, NEWEST if by_date else "seq", group, need,
                        articles)
    else:
        ctes = _ranked(tr, found, filters, newest, rank, group, need, facets)
    ctes.append(f"p AS (SELECT *, row_number() OVER (ORDER BY {_key(rank)}) AS n FROM g "
                f"ORDER BY {_key(rank)} LIMIT {tr.param(limit)} OFFSET {tr.param(offset)})")
    facet_sql = "NULL, NULL"
    if facets:
        ranked_all = rank is not None and articles <= wanted(rank, group, need)
        ctes.append(_facet_rows(matches, group, ranked_all))
        facet_sql = ("(SELECT json_object_agg(day, c) FROM (SELECT day, count(*) c FROM f "
                     "WHERE day <> 0 GROUP BY day) x), "
                     "(SELECT json_object_agg(source, c) FROM (SELECT source, count(*) c "
                     "FROM f WHERE source <> '' GROUP BY source) x)")
    return (f"WITH {', '.join(ctes)} SELECT "
            f"(SELECT json_agg({_PAGE_COLUMNS}) FROM p JOIN articles a ON a.seq = p.seq), "
            f"{facet_sql}")


def _matches(found: str, filters: str) -> str:
    return (f"(SELECT seq, published, story, multi, day, source FROM articles "
            f"WHERE {found} OFFSET 0) x WHERE {filters}")


def _key(rank: str | None) -> str:
    return "score DESC, seq" if rank is not None else "o, seq"


def _ordered(tr: Translation, matches: str, newest: str, order: str, group: bool,
             need: int, articles: int) -> list[str]:
    """Sorted by date or in index order: a top-N sort of the matches; grouped, the
    stories of the first DATE_PREFIX matches when they are enough for the page, else
    of all of them."""
    rank = "row_number() OVER (ORDER BY " + order + ")"
    if not group:
        return [f"g AS (SELECT seq, {rank} AS o, 0::real AS score FROM "
                f"(SELECT seq, published FROM {newest} ORDER BY {order} "
                f"LIMIT {tr.param(need)}) t)"]
    prefix = wanted(None, True, need)
    ctes = [
        f"o AS MATERIALIZED (SELECT seq, grp, {rank} AS o FROM "
        f"(SELECT seq, published, {_GRP} AS grp FROM {newest} ORDER BY {order} "
        f"LIMIT {tr.param(prefix)}) t)",
        "og AS MATERIALIZED (SELECT DISTINCT ON (grp) seq, o FROM o ORDER BY grp, o)"]
    if articles <= prefix:  # the prefix holds every match
        return [*ctes, "g AS (SELECT seq, o, 0::real AS score FROM og)"]
    return [
        *ctes,
        f"oa AS MATERIALIZED (SELECT DISTINCT ON (grp) seq, o FROM "
        f"(SELECT seq, {_GRP} AS grp, {rank} AS o FROM {matches}) t "
        f"WHERE (SELECT count(*) FROM og) < {tr.param(need)} ORDER BY grp, o)",
        "g AS (SELECT seq, o, 0::real AS score FROM og WHERE NOT EXISTS (SELECT FROM oa) "
        "UNION ALL SELECT seq, o, 0::real FROM oa)"]


def _ranked(tr: Translation, found: str, filters: str, newest: str, rank: str, group: bool,
            need: int, facets: bool) -> list[str]:
    """Relevance: the newest `bound` matches ranked (all of them when there are no
    more), and the matches among the newest `bound` articles with a query word in the
    title: ts_rank_cd reads each one's tsvector, so only these few are read.  The
    titles are read from their index's bitmap (OFFSET 0), never walked in date order:
    a title word is rare, and walking took 80,000 rows to find 400 (0.43 s)."""
    bound = tr.param(wanted(rank, group, need))
    picks = [f"(SELECT seq FROM {newest} ORDER BY {NEWEST} LIMIT {bound})"]
    titles = tr.title_query()
    if titles:
        picks.append(f"(SELECT seq FROM (SELECT seq, published, story, day, source "
                     f"FROM articles WHERE seq = ANY(ARRAY(SELECT seq FROM (SELECT seq, "
                     f"published FROM articles WHERE title_doc @@ {tr.param(titles)}::tsquery "
                     f"OFFSET 0) t ORDER BY {NEWEST} LIMIT {bound})) AND {found} OFFSET 0) x "
                     f"WHERE {filters})")
    extra = ", day, source" if facets else ""
    return [
        f"c AS MATERIALIZED ({' UNION '.join(picks)})",
        f"r AS MATERIALIZED (SELECT seq, {_GRP} AS grp{extra}, "
        f"ts_rank_cd(doc, {tr.param(rank)}::tsquery) AS score FROM articles "
        f"WHERE seq = ANY(ARRAY(SELECT seq FROM c)))",
        ("g AS (SELECT DISTINCT ON (grp) seq, score FROM r ORDER BY grp, score DESC, seq)"
         if group else "g AS (SELECT seq, score FROM r)")]


def _facet_rows(matches: str, group: bool, ranked_all: bool) -> str:
    """The rows facets count: every match, or one per story (its best ranked article
    when all were ranked, else its newest)."""
    if not group:
        return f"f AS (SELECT day, source FROM {matches})"
    if ranked_all:
        return "f AS (SELECT DISTINCT ON (grp) day, source FROM r ORDER BY grp, score DESC, seq)"
    return (f"f AS (SELECT DISTINCT ON (grp) day, source FROM (SELECT {_GRP} AS grp, "
            f"published, seq, day, source FROM {matches}) y ORDER BY grp, {NEWEST})")
