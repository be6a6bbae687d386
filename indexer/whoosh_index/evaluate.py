"""Query evaluation on whole posting lists with NumPy, over Whoosh's own segments.

Whoosh stores and reads the index; this module replaces only its matchers, which
step through postings one Python call at a time (id(), score(), next(), and
for phrases a span object per position): at 100,000 articles that was 90 ms
for a median query and seconds for a phrase of two common words.  Here a term's
posting list is read block by block into arrays, scored with BM25F in one
vectorized expression, and AND/OR/NOT become sorted-array set operations, so
the cost per matching document is a few machine instructions.  Every match is
still scored, so totals are exact.

Scores are Whoosh's own BM25F (same idf, field lengths, boosts), which
tests/test_index.py checks against Whoosh's searcher on the same index.
Query types not handled here (ranges, fuzzy terms, a lone NOT) fall back to
Whoosh's matcher for that part of the query only.

The block reading uses attributes of whoosh3's W3LeafMatcher (through codec.py's
subclass), and the columns and BM25F settings are read through private.py, which
lists every private Whoosh name used; the package is pinned to one minor version in
pyproject.toml, and the comparison test fails if a release changes them.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import numpy as np
from whoosh.matching.wrappers import FilterMatcher
from whoosh.query import And, AndNot, Not, NullQuery, Or, Phrase, Prefix, Query, Term
from whoosh.reading import TermNotFound
from whoosh.scoring import BM25F
from whoosh.util.numeric import byte_to_length

from indexer.whoosh_index.codec import ArrayLeafMatcher
from indexer.whoosh_index.private import (
    column_default,
    column_file,
    column_typecode,
    field_b,
    length_column,
)

_LENGTH_OF_BYTE = np.array([byte_to_length(b) for b in range(256)], dtype=np.float64)
_EMPTY = np.empty(0, dtype=np.int64)


class Matches:
    """Sorted, unique global document numbers and their scores."""

    __slots__ = ("ids", "scores")

    def __init__(self, ids: np.ndarray, scores: np.ndarray) -> None:
        self.ids = ids
        self.scores = scores

    @classmethod
    def empty(cls) -> Matches:
        return cls(_EMPTY, np.empty(0))

    def __len__(self) -> int:
        return len(self.ids)


class Evaluator:
    """Evaluates queries for one open Whoosh searcher (one point-in-time view)."""

    def __init__(self, searcher: Any) -> None:
        self.searcher = searcher
        self.schema = searcher.schema
        self.leaves = [(sub.reader(), offset) for sub, offset in searcher.leaf_searchers()]
        weighting = searcher.weighting
        self.bm25 = weighting if type(weighting) is BM25F else None
        self._lengths: dict[str, np.ndarray] = {}
        self._columns: dict[tuple[int, str], np.ndarray] = {}
        deleted = [np.fromiter(r.deleted_docs_set, dtype=np.int64) + offset
                   for r, offset in self.leaves if r.has_deletions()]
        self.deleted = np.sort(np.concatenate(deleted)) if deleted else _EMPTY
        self.size = searcher.doc_count_all()

    # --- public -------------------------------------------------------------------------------

    def matches(self, query: Query) -> Matches:
        found = self._eval(query) if self.bm25 is not None else self._whoosh(query)
        if len(self.deleted) and len(found):
            keep = ~np.isin(found.ids, self.deleted, assume_unique=True)
            found = Matches(found.ids[keep], found.scores[keep])
        return found

    def docs(self, query: Query) -> np.ndarray:
        """The matching documents without scores, for filters."""
        return self.matches(query).ids

    def column(self, fieldname: str) -> np.ndarray:
        """A sortable numeric column of the whole index as one array (global doc numbers)."""
        parts = [self._segment_column(reader, fieldname) for reader, _ in self.leaves]
        return np.concatenate(parts) if parts else _EMPTY

    # --- nodes --------------------------------------------------------------------------------

    def _eval(self, q: Query) -> Matches:
        kind = type(q)
        if kind is Term:
            return self._term(q.fieldname, q.text, q.boost)
        if kind is And:
            return self._and(q.subqueries, q.boost)
        if kind is Or and not q.minmatch and not q.scale:
            return self._or([self._eval(s) for s in q.subqueries], q.boost)
        if kind is AndNot:
            return _minus(self._eval(q.a), self._eval(q.b).ids)
        if kind is Phrase and q.slop == 1:
            return self._phrase(q)
        if kind is Prefix:
            return self._prefix(q)
        if q is NullQuery or isinstance(q, type(NullQuery)):
            return Matches.empty()
        return self._whoosh(q)

    def _and(self, subqueries: Iterable[Query], boost: float) -> Matches:
        positive = [s for s in subqueries if not isinstance(s, Not)]
        negative = [s.query for s in subqueries if isinstance(s, Not)]
        if not positive:
            return self._whoosh(And(list(subqueries), boost=boost))
        parts = sorted((self._eval(s) for s in positive), key=len)
        ids, scores = parts[0].ids, parts[0].scores
        for part in parts[1:]:
            if not len(ids):
                break
            mine, theirs = _common(ids, part.ids)
            ids, scores = ids[mine], scores[mine] + part.scores[theirs]
        found = Matches(ids, scores * boost if boost != 1.0 else scores)
        for sub in negative:
            if not len(found):
                break
            found = _minus(found, self._eval(sub).ids)
        return found

    def _or(self, parts: list[Matches], boost: float) -> Matches:
        parts = [p for p in parts if len(p)]
        if not parts:
            return Matches.empty()
        if len(parts) == 1:
            ids, scores = parts[0].ids, parts[0].scores
        else:
            # summed over a slot per document: np.unique's sort of a common word's matches
            # took most of a one-word query (a word is searched in title OR body)
            total = np.zeros(self.size)
            for part in parts:
                total[part.ids] += part.scores
            ids = _union([part.ids for part in parts], self.size)
            scores = total[ids]
        return Matches(ids, scores * boost if boost != 1.0 else scores)

    def _term(self, fieldname: str, text: Any, boost: float = 1.0) -> Matches:
        if fieldname not in self.schema:
            return Matches.empty()
        ids, weights, _ = self._postings(fieldname, text)
        if not len(ids):
            return Matches.empty()
        return Matches(ids, self._score(fieldname, text, ids, weights) * boost)

    def _phrase(self, q: Phrase) -> Matches:
        if q.fieldname not in self.schema:
            return Matches.empty()
        field = self.schema[q.fieldname]
        if not field.format or not field.format.supports("positions"):
            return self._whoosh(q)
        if len(q.words) == 1:
            return self._term(q.fieldname, q.words[0], q.boost)
        postings = [self._postings(q.fieldname, w, positions=True) for w in q.words]
        if any(not len(p[0]) for p in postings):
            return Matches.empty()
        candidates = postings[0][0]
        for ids, _, _ in postings[1:]:
            candidates = candidates[_common(candidates, ids)[0]]
        if not len(candidates):
            return Matches.empty()
        # each word's positions in the candidates as doc << 32 | (position - its place in
        # the phrase): a phrase starts where the keys of all its words meet
        keys = None
        for offset, (ids, _, positions) in enumerate(postings):
            mine = positions.keys(np.searchsorted(ids, candidates), candidates, offset)
            keys = mine if keys is None else keys[_common(keys, mine)[0]]
            if not len(keys):
                return Matches.empty()
        docs = keys >> 32
        hits = docs[np.r_[True, docs[1:] != docs[:-1]]]
        scores = np.zeros(len(hits))
        for word, (ids, weights, _) in zip(q.words, postings, strict=True):
            rows = np.searchsorted(ids, hits)
            scores += self._score(q.fieldname, word, hits, weights[rows])
        return Matches(hits, scores * q.boost)

    def _prefix(self, q: Prefix) -> Matches:
        reader = self.searcher.reader()
        words = [w for w in reader.expand_prefix(q.fieldname, q.text) if w]
        if not words:
            return Matches.empty()
        if len(words) == 1:
            return self._term(q.fieldname, words[0], q.boost)
        # Whoosh scores a many-term prefix as a constant: the words are not weighed
        ids = _union([self._postings(q.fieldname, w)[0] for w in words], self.size)
        return Matches(ids, np.full(len(ids), float(q.boost)))

    def _whoosh(self, q: Query) -> Matches:
        """Whoosh's own matcher, for the query types this module does not vectorize."""
        ids: list[int] = []
        scores: list[float] = []
        for sub, offset in self.searcher.leaf_searchers():
            m = q.matcher(sub)
            while m.is_active():
                ids.append(m.id() + offset)
                scores.append(m.score())
                m.next()
        if not ids:
            return Matches.empty()
        order = np.argsort(ids, kind="stable")
        return Matches(np.asarray(ids, dtype=np.int64)[order],
                       np.asarray(scores, dtype=np.float64)[order])

    # --- postings and scores ------------------------------------------------------------------

    def _postings(self, fieldname: str, text: Any, positions: bool = False
                  ) -> tuple[np.ndarray, np.ndarray, _Positions]:
        """(global ids, weights, positions if asked) of one term across all segments."""
        all_ids: list[np.ndarray] = []
        all_weights: list[np.ndarray] = []
        all_positions = _Positions()
        for reader, offset in self.leaves:
            try:
                m = reader.postings(fieldname, text)
            except TermNotFound:
                continue
            if isinstance(m, FilterMatcher):  # deletions: removed once, in matches()
                m = m.child
            ids, weights = _read_all(m, all_positions if positions else None,
                                     self.schema[fieldname].format)
            all_ids.append(ids + offset)
            all_weights.append(weights)
        if not all_ids:
            return _EMPTY, np.empty(0), all_positions
        return np.concatenate(all_ids), np.concatenate(all_weights), all_positions

    def _score(self, fieldname: str, text: Any, ids: np.ndarray,
               weights: np.ndarray) -> np.ndarray:
        """Whoosh's BM25F: idf * tf(K1 + 1) / (tf + K1((1 - B) + B * length / average))."""
        searcher = self.searcher
        if not self.schema[fieldname].scorable:
            return np.full(len(ids), searcher.term_info(fieldname, text).max_weight())
        idf = searcher.idf(fieldname, text)
        average = searcher.avg_field_length(fieldname) or 1
        b = field_b(self.bm25, fieldname)
        k1 = self.bm25.K1
        lengths = self._field_lengths(fieldname)[ids]
        return idf * (weights * (k1 + 1)) / (weights + k1 * ((1 - b) + b * lengths / average))

    def _field_lengths(self, fieldname: str) -> np.ndarray:
        if fieldname not in self._lengths:
            parts = []
            for reader, _ in self.leaves:
                length_bytes = self._segment_column(reader, length_column(fieldname),
                                                    typecode="B")
                parts.append(_LENGTH_OF_BYTE[length_bytes])
            self._lengths[fieldname] = np.concatenate(parts) if parts else np.empty(0)
        return self._lengths[fieldname]

    def _segment_column(self, reader: Any, name: str, typecode: str | None = None
                        ) -> np.ndarray:
        """One segment's fixed-width numeric column, read whole (Whoosh reads it per doc)."""
        key = (id(reader), name)
        if key in self._columns:
            return self._columns[key]
        count = reader.doc_count_all()
        if typecode is None:
            column = self.schema[name].column_type
            typecode, default = column_typecode(column), column_default(column)
        else:
            default = 0
        dtype = np.dtype(typecode).newbyteorder(">")
        values = np.full(count, default, dtype=dtype.newbyteorder("="))
        found = column_file(reader, name)
        if found is not None:
            colfile, start, length = found
            stored = np.frombuffer(colfile.get(start, length), dtype=dtype)[:count]
            values[:len(stored)] = stored
            colfile.close()
        self._columns[key] = values
        return values


def _common(a: np.ndarray, b: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Where two sorted arrays of unique values hold the same value: (indices in a, in b).
    A binary search of the shorter in the longer; np.intersect1d sorts both again."""
    if len(a) > len(b):
        theirs, mine = _common(b, a)
        return mine, theirs
    if not len(a):
        return _EMPTY, _EMPTY
    at = np.minimum(np.searchsorted(b, a), len(b) - 1)
    same = b[at] == a
    return np.flatnonzero(same), at[same]


def _union(id_arrays: list[np.ndarray], size: int) -> np.ndarray:
    """The sorted union of document ids below `size`, marked in a flag per document."""
    seen = np.zeros(size, dtype=bool)
    for ids in id_arrays:
        seen[ids] = True
    return np.flatnonzero(seen)


def _minus(found: Matches, doomed: np.ndarray) -> Matches:
    if not len(doomed) or not len(found):
        return found
    keep = ~np.isin(found.ids, doomed, assume_unique=True)
    return Matches(found.ids[keep], found.scores[keep])


def _read_all(m: Any, positions: _Positions | None, fmt: Any) -> tuple[np.ndarray, np.ndarray]:
    """A term's whole posting list in one segment, its positions added to `positions`."""
    if type(m) is not ArrayLeafMatcher:  # a word of one document, inlined in its term info
        ids, weights = [], []
        while m.is_active():
            ids.append(m.id())
            weights.append(m.weight())
            if positions is not None:
                found = fmt.decode_positions(m.value())
                positions.counts.append(np.asarray([len(found)], dtype=np.int64))
                positions.flat.append(np.asarray(found, dtype=np.int64))
            m.next()
        return np.asarray(ids, dtype=np.int64), np.asarray(weights, dtype=np.float64)
    ids, weights, counts, flat, _ = m.arrays(positions is not None)
    if positions is not None:
        positions.counts.append(counts)
        positions.flat.append(flat)
    return ids, weights


class _Positions:
    """Every posting's positions of one term, flat, with a count per posting."""

    def __init__(self) -> None:
        self.counts: list[np.ndarray] = []
        self.flat: list[np.ndarray] = []

    def keys(self, rows: np.ndarray, docs: np.ndarray, offset: int) -> np.ndarray:
        """doc << 32 | (position - offset) for every position in the postings at `rows`."""
        counts = np.concatenate(self.counts)
        flat = np.concatenate(self.flat)
        ends = np.cumsum(counts)
        mine = counts[rows]
        starts = np.repeat(ends[rows] - mine, mine)
        within = np.arange(mine.sum()) - np.repeat(np.cumsum(mine) - mine, mine)
        # sorted and unique already: documents ascend, and positions within each
        return (np.repeat(docs, mine) << 32) + flat[starts + within] - offset
