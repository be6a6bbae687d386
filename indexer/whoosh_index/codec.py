"""Whoosh's segment files with posting blocks stored as flat arrays instead of pickles.

whoosh3's codec pickles each block of 128 postings as a tuple of Python objects
(an int per id, a float per weight, a pickled list per posting's positions).
Reading a block back cost 160 µs: 1.7 µs per posting before any scoring,
which alone put a common word past the 20 ms query goal at 100,000 articles.
Here a block is a few flat arrays, each in the narrowest type that holds it:
id deltas, weights, and the positions of all postings with a count per
posting.  NumPy (evaluate.py) reads them without creating an object
per posting, and writing them skips a pickle per posting.  Blocks hold 512
postings, not 128 (a quarter of the per-block reads, and NumPy reads whole
lists, so finer skipping buys nothing), and are not zlib-compressed:
decompressing took most of the reading time that was left, and the narrow
arrays keep the index smaller than whoosh3's (93 MB against 136 MB for 20,000
articles in benchmarks/search.py).  A word of a single document is kept in its
term entry rather than in a block of its own.

Everything else (terms, block headers, columns, stored fields) is whoosh3's
W3 codec unchanged.  The classes here subclass whoosh3's and work with their
private state; private.py lists those names and why each is needed.  The codec and
the format are pickled into the index, so they must stay importable under these
names (indexer.whoosh_index.codec; an index pickled under the old indexer.codec path
is reported as built by an older newsmon, and `newsmon reindex` rebuilds it).
"""

from __future__ import annotations

import sys
from array import array
from collections import defaultdict
from collections.abc import Iterable
from itertools import groupby, pairwise
from typing import Any

import numpy as np
from whoosh.codec.whoosh3 import W3Codec, W3FieldWriter, W3LeafMatcher, W3PostingsWriter
from whoosh.formats import Positions, tokens


class ArrayPositions(Positions):
    """Positions of a word in a document as a uint32 array (whoosh pickles a delta list)."""

    def word_values(self, value: Any, analyzer: Any, **kwargs: Any
                    ) -> Iterable[tuple[str, int, float, bytes]]:
        """Whoosh's path; newsmon's writer (bulk.py) reads its text fields itself."""
        boost = self.field_boost
        positions: defaultdict[str, list[int]] = defaultdict(list)
        kwargs["positions"] = True
        for token in tokens(value, analyzer, kwargs):
            positions[token.text].append(token.pos)
        for word, found in positions.items():
            yield word, len(found), len(found) * boost, array("I", found).tobytes()

    def encode(self, poslist: Any) -> bytes:
        return array("I", poslist).tobytes()

    def decode_positions(self, valuestring: bytes) -> list[int]:
        return array("I", valuestring).tolist()

    def decode_frequency(self, valuestring: bytes) -> int:
        return len(valuestring) // 4

    def decode_weight(self, valuestring: bytes) -> float:
        return self.decode_frequency(valuestring) * self.field_boost


class ArrayPostingsWriter(W3PostingsWriter):
    # Most blocks are a rare word's few postings, so they are packed with the array module:
    # NumPy's call overhead cost more than the packing on such blocks.  A merge hands over
    # blocks already packed (add_arrays), which skips the per-posting work altogether.
    _packed: tuple[bytes, Any, Any] | None = None

    def _new_block(self) -> None:
        super()._new_block()
        self._packed = None

    def _mini_ids(self) -> Any:
        if self._packed is not None:
            return self._packed[0]
        if self._byteids:  # term vectors keep whoosh's encoding
            return super()._mini_ids()
        ids = self._ids
        return pack([ids[0], *(b - a for a, b in pairwise(ids))])

    def _mini_weights(self) -> Any:
        if self._packed is not None:
            return self._packed[1]
        weights = self._weights
        first = weights[0]
        if all(w == first for w in weights):
            return None if first == 1.0 else float(first)
        return pack_weights(weights)

    def _mini_values(self) -> Any:
        if self._packed is not None:
            return self._packed[2]
        if not isinstance(self._format, ArrayPositions):
            return super()._mini_values()
        flat = array("I")
        flat.frombytes(b"".join(self._values))
        return pack([len(v) >> 2 for v in self._values]), pack(flat)

    def finish_postings(self) -> Any:
        """A word in one document only (half the words of a segment) is kept in its term
        entry instead of a block of its own: whoosh3 3.54 means to (inlinelimit) but calls
        a misspelled set_inline, so its codec sets the limit where it never happens."""
        if not self.written() and len(self) < self._inlinelimit:
            terminfo = self._terminfo
            terminfo.add_block(self)
            terminfo.set_inlined(self._ids, self._weights, self._values)
            self._terminfo = None
            return terminfo
        return super().finish_postings()

    def add_many(self, ids: list[int], weights: list[float], values: list[bytes],
                 lengths: list[int] | None) -> None:
        """A term's postings (a pool's columns) in whole blocks: whoosh calls add_posting,
        with its checks and running minimums, once per posting."""
        limit = self._blocklimit
        for start in range(0, len(ids), limit):
            if self._ids:
                self._write_block()
            stop = start + limit
            self._ids = array("I", ids[start:stop])
            self._weights = array("f", weights[start:stop])
            self._values = [v for v in values[start:stop] if v]
            self._maxweight = max(self._weights)
            known = [n for n in map(lengths.__getitem__, self._ids) if n] if lengths else []
            self._minlength = min(known) if known else None
            self._maxlength = max(known) if known else 0

    def add_arrays(self, ids: np.ndarray, weights: np.ndarray, counts: np.ndarray | None,
                   flat: np.ndarray | None, fixed: bytes | None, lengths: np.ndarray) -> None:
        """A term's postings from whole arrays (a merge): positions as a count per posting
        and one flat array, as ArrayPositions blocks hold them; or for a format of fixed-size
        values, those values end to end."""
        size = self._format.fixed_value_size() or 0
        limit = self._blocklimit
        ends = np.cumsum(counts) if counts is not None else None
        for start in range(0, len(ids), limit):
            if self._ids:
                self._write_block()
            stop = min(start + limit, len(ids))
            block_ids_ = ids[start:stop]
            block_weights_ = weights[start:stop].astype(np.float32)
            self._ids = array("I", block_ids_.astype(np.uint32).tobytes())
            self._weights = array("f", block_weights_.tobytes())
            self._maxweight = float(block_weights_.max())
            known = lengths[block_ids_]
            known = known[known > 0]
            self._minlength = int(known.min()) if len(known) else None
            self._maxlength = int(known.max()) if len(known) else 0
            values: Any = None
            if ends is not None and flat is not None and counts is not None:
                first = int(ends[start - 1]) if start else 0
                positions = flat[first:int(ends[stop - 1])]
                values = (pack_numpy(counts[start:stop]), pack_numpy(positions))
                if stop - start == 1:  # may be inlined in the term entry: whoosh's form
                    self._values = [positions.astype("<u4").tobytes()]
            elif fixed is not None and size > 0:
                values = fixed[start * size:stop * size]
                self._values = [values[i:i + size] for i in range(0, len(values), size)]
            first_weight = block_weights_[0]
            if (block_weights_ == first_weight).all():
                weights_packed = None if first_weight == 1.0 else float(first_weight)
            else:
                weights_packed = pack_weights(self._weights)
            self._packed = (pack_numpy(np.diff(block_ids_, prepend=0)), weights_packed, values)


class ArrayFieldWriter(W3FieldWriter):
    def add_terms(self, schema: Any, lengths: Any,
                  terms: Iterable[tuple[tuple[str, bytes], tuple[list, list, list]]]) -> None:
        """A pool's terms in order, each with its postings' ids, weights and values
        (whoosh's add_postings takes one posting at a time)."""
        count = lengths.doc_count_all() if lengths else 0
        for fieldname, in_field in groupby(terms, key=lambda term: term[0][0]):
            field_lengths = None
            if lengths:
                length_of = lengths.doc_field_length_reader(fieldname)
                field_lengths = [length_of(d) for d in range(count)]
            self.start_field(fieldname, schema[fieldname])
            for (_, btext), (ids, weights, values) in in_field:
                if ids[0] == -1:  # whoosh's marker for spelling words: none here
                    continue
                self.start_term(btext)
                self._postwriter.add_many(ids, weights, values, field_lengths)
                self.finish_term()
            self.finish_field()


class ArrayLeafMatcher(W3LeafMatcher):
    """Whoosh's block matcher reading ArrayPostingsWriter's blocks: a posting at a time for
    Whoosh's own query code (e.g. range queries), or whole lists with arrays()."""

    def arrays(self, positions: bool, fixed_size: int = 0
               ) -> tuple[np.ndarray, np.ndarray, Any, Any, bytes | None]:
        """The whole posting list, a block at a time: (ids, weights, position counts and
        flat positions if asked, fixed-size values end to end if `fixed_size`)."""
        ids, weights, counts, flat, fixed = [], [], [], [], []
        while not self._atend:
            self._read_data()
            deltas, block_weights_, values = self._data
            ids.append(block_ids(deltas))
            weights.append(block_weights(block_weights_, self._blocklength))
            if positions:
                counts.append(unpack(values[0]).astype(np.int64))
                flat.append(unpack(values[1]).astype(np.int64))
            elif fixed_size:
                fixed.append(values)
            self._next_block()
        if not ids:  # every posting was a deleted document's: Whoosh's filter read past them
            empty = np.empty(0, dtype=np.int64)
            return (empty, np.empty(0), empty if positions else None,
                    empty if positions else None, b"" if fixed_size else None)
        return (np.concatenate(ids), np.concatenate(weights),
                np.concatenate(counts) if positions else None,
                np.concatenate(flat) if positions else None,
                b"".join(fixed) if fixed_size else None)

    def _read_ids(self) -> None:
        if self._byteids:
            super()._read_ids()
            return
        if self._data is None:
            self._read_data()
        self._ids = block_ids(self._data[0]).tolist()

    def _read_weights(self) -> None:
        if self._data is None:
            self._read_data()
        self._weights = block_weights(self._data[1], self._blocklength).tolist()

    def _read_values(self) -> None:
        if not isinstance(self.format, ArrayPositions):
            super()._read_values()
            return
        if self._data is None:
            self._read_data()
        counts, flat = (unpack(part) for part in self._data[2])
        flat = flat.astype(np.uint32)
        ends = np.cumsum(counts).tolist()
        self._values = tuple(flat[end - count:end].tobytes()
                             for end, count in zip(ends, counts.tolist(), strict=True))


_TYPES = {b"B": np.uint8, b"H": np.uint16, b"I": np.uint32, b"f": np.float32}
_WIDTHS = ((255, "B"), (65_535, "H"), (4_294_967_295, "I"))


def pack(values: Any) -> bytes:
    """Whole numbers in the narrowest array type that holds them, little-endian, behind a
    type code: id deltas, counts and positions are mostly under 65,536."""
    top = max(values, default=0)
    code = next(code for limit, code in _WIDTHS if top <= limit)
    packed = values if isinstance(values, array) and values.typecode == code else \
        array(code, values)
    if sys.byteorder == "big":
        packed.byteswap()
    return packed.typecode.encode() + packed.tobytes()


def pack_numpy(values: np.ndarray) -> bytes:
    """pack() for an array already in NumPy: the same bytes."""
    top = int(values.max()) if len(values) else 0
    code = next(code for limit, code in _WIDTHS if top <= limit)
    return code.encode() + values.astype(np.dtype(code).newbyteorder("<")).tobytes()


def pack_weights(weights: array) -> bytes:
    """Weights are term counts times the field's boost: mostly small whole numbers."""
    if all(w.is_integer() for w in weights):
        return pack([int(w) for w in weights])
    packed = array("f", weights)
    if sys.byteorder == "big":
        packed.byteswap()
    return b"f" + packed.tobytes()


def unpack(packed: bytes) -> np.ndarray:
    dtype = np.dtype(_TYPES[packed[:1]]).newbyteorder("<")
    return np.frombuffer(packed, dtype=dtype, offset=1)


def block_ids(deltas: bytes) -> np.ndarray:
    return np.cumsum(unpack(deltas), dtype=np.int64)


def block_weights(weights: Any, count: int) -> np.ndarray:
    if weights is None:
        return np.ones(count)
    if isinstance(weights, float):
        return np.full(count, weights)
    return unpack(weights).astype(np.float64)


class ArrayCodec(W3Codec):
    """whoosh3's W3 codec with ArrayPostingsWriter blocks, not compressed (zlib took
    most of the reading time left, and the narrow arrays are about as small), and words
    with a single posting inlined in the term index."""

    def __init__(self, blocklimit: int = 512, compression: int = 0, inlinelimit: int = 2
                 ) -> None:
        super().__init__(blocklimit=blocklimit, compression=compression,
                         inlinelimit=inlinelimit)

    def field_writer(self, storage: Any, segment: Any) -> ArrayFieldWriter:
        return ArrayFieldWriter(self, storage, segment)

    def postings_writer(self, dbfile: Any, byteids: bool = False) -> ArrayPostingsWriter:
        return ArrayPostingsWriter(dbfile, blocklimit=self._blocklimit, byteids=byteids,
                                   compression=self._compression, inlinelimit=self._inlinelimit)

    def postings_reader(self, dbfile: Any, terminfo: Any, format_: Any, term: Any = None,
                        scorer: Any = None) -> Any:
        if terminfo.is_inlined():
            return super().postings_reader(dbfile, terminfo, format_, term=term, scorer=scorer)
        offset, length = terminfo.extent()
        return ArrayLeafMatcher(dbfile, offset, length, format_, term=term, scorer=scorer)
