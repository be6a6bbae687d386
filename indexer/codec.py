"""Whoosh's segment files with posting blocks stored as flat arrays instead of pickles.

whoosh3's codec pickles each block of 128 postings as a tuple of Python objects
(an int per id, a float per weight, a pickled list per posting's positions).
Reading a block back cost 160 µs: 1.7 µs per posting before any scoring,
which alone put a common word past the 20 ms query goal at 100,000 articles.
Here a block is a few flat arrays, each in the narrowest type that holds it:
id deltas, weights, and the positions of all postings with a count per
posting.  NumPy (indexer/evaluate.py) reads them without creating an object
per posting, and writing them skips a pickle per posting.  Blocks are not
zlib-compressed: decompressing took most of the reading time that was left,
and the narrow arrays keep the index smaller than whoosh3's (109 MB against
136 MB for 20,000 articles in benchmarks/search.py).

Everything else (terms, block headers, columns, stored fields) is whoosh3's
W3 codec unchanged.  The codec and the format are pickled into the index, so
they must stay importable under these names.
"""

from __future__ import annotations

from array import array
from collections import defaultdict
from collections.abc import Iterable
from typing import Any

import numpy as np
from whoosh.codec.whoosh3 import W3Codec, W3LeafMatcher, W3PostingsWriter
from whoosh.formats import Positions, tokens


class ArrayPositions(Positions):
    """Positions of a word in a document as a uint32 array (whoosh pickles a delta list)."""

    def word_values(self, value: Any, analyzer: Any, **kwargs: Any
                    ) -> Iterable[tuple[str, int, float, bytes]]:
        boost = self.field_boost
        positions: defaultdict[str, array] = defaultdict(lambda: array("I"))
        kwargs["positions"] = True
        for token in tokens(value, analyzer, kwargs):
            positions[token.text].append(token.pos)
        for word, found in positions.items():
            yield word, len(found), len(found) * boost, found.tobytes()

    def encode(self, poslist: Any) -> bytes:
        return array("I", poslist).tobytes()

    def decode_positions(self, valuestring: bytes) -> list[int]:
        return array("I", valuestring).tolist()

    def decode_frequency(self, valuestring: bytes) -> int:
        return len(valuestring) // 4

    def decode_weight(self, valuestring: bytes) -> float:
        return self.decode_frequency(valuestring) * self.field_boost


class ArrayPostingsWriter(W3PostingsWriter):
    def _mini_ids(self) -> Any:
        if self._byteids:  # term vectors keep whoosh's encoding
            return super()._mini_ids()
        return pack(np.diff(np.frombuffer(self._ids, dtype=np.uint32), prepend=np.uint32(0)))

    def _mini_weights(self) -> Any:
        weights = np.frombuffer(self._weights, dtype=np.float32)
        if (weights == weights[0]).all():
            return None if weights[0] == 1.0 else float(weights[0])
        return pack(weights)

    def _mini_values(self) -> Any:
        if not isinstance(self._format, ArrayPositions):
            return super()._mini_values()
        counts = np.fromiter(map(len, self._values), dtype=np.uint32, count=len(self._values))
        return pack(counts // 4), pack(np.frombuffer(b"".join(self._values), dtype=np.uint32))


class ArrayLeafMatcher(W3LeafMatcher):
    """Whoosh's block matcher reading ArrayPostingsWriter's blocks (for Whoosh's own query
    code paths, e.g. range queries; indexer/evaluate.py reads the arrays directly)."""

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


_SMALLEST = ((np.uint8, b"B"), (np.uint16, b"H"), (np.uint32, b"I"))
_TYPES = {b"B": np.uint8, b"H": np.uint16, b"I": np.uint32, b"f": np.float32}


def pack(values: np.ndarray) -> bytes:
    """An array in the narrowest type that holds it: ids deltas, counts and positions are
    mostly under 65,536, weights mostly small whole numbers."""
    if values.dtype.kind == "f" and not (values == np.round(values)).all():
        return b"f" + values.astype("<f4").tobytes()
    top = int(values.max()) if len(values) else 0
    for dtype, code in _SMALLEST:
        if top <= np.iinfo(dtype).max:
            return code + values.astype(np.dtype(dtype).newbyteorder("<")).tobytes()
    raise ValueError("posting value beyond uint32")


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
    """whoosh3's W3 codec with ArrayPostingsWriter blocks, not compressed: zlib took
    most of the reading time left, and the narrow arrays are about as small."""

    def __init__(self, blocklimit: int = 128, compression: int = 0, inlinelimit: int = 1
                 ) -> None:
        super().__init__(blocklimit=blocklimit, compression=compression,
                         inlinelimit=inlinelimit)

    def postings_writer(self, dbfile: Any, byteids: bool = False) -> ArrayPostingsWriter:
        return ArrayPostingsWriter(dbfile, blocklimit=self._blocklimit, byteids=byteids,
                                   compression=self._compression, inlinelimit=self._inlinelimit)

    def postings_reader(self, dbfile: Any, terminfo: Any, format_: Any, term: Any = None,
                        scorer: Any = None) -> Any:
        if terminfo.is_inlined():
            return super().postings_reader(dbfile, terminfo, format_, term=term, scorer=scorer)
        offset, length = terminfo.extent()
        return ArrayLeafMatcher(dbfile, offset, length, format_, term=term, scorer=scorer)
