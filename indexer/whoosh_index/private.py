"""Every private (underscore) name of Whoosh that newsmon relies on, in one module.

Checked against whoosh3 3.54.0 (pyproject.toml pins `whoosh3~=3.54.0`, a minor
version, because of this list).  An upgrade starts here: `missing()` names what a
release no longer has (tests/test_index.py asserts it is empty), and the comparison
tests of tests/test_index.py (our evaluator, codec, writers and merge against Whoosh's
own searcher and postings) catch a name that is still there but means something else.

Two kinds of use:

* Names read from objects Whoosh hands us (an index, a reader, a writer, a column):
  each is one small function below, named after what it gives, so the other modules
  of this package hold no underscore access to Whoosh's objects at all.
* Names that newsmon's subclasses (codec.py's postings writer and block matcher,
  bulk.py's segment writer, index.py's mmap storage) override or read on `self`: a
  subclass works with its base class's state, so those stay in the subclasses, and
  are listed in SUBCLASS_METHODS and SUBCLASS_STATE with why each is needed.
"""

from __future__ import annotations

from typing import Any

from whoosh import index as _whoosh_index
from whoosh.codec.whoosh3 import W3LeafMatcher, W3PostingsWriter
from whoosh.filedb.filestore import FileStorage
from whoosh.index import FileIndex
from whoosh.writing import NO_MERGE, SegmentWriter

WHOOSH_VERSION = "3.54.0"  # what the names below were checked against

# the index's name inside its folder: its lock file is named after it (index.rebuild
# takes that lock directly, so a damaged index, which cannot be opened, can be rebuilt)
DEFAULT_INDEX_NAME: str = _whoosh_index._DEF_INDEX_NAME

# SegmentWriter's keyword for "do not take the index lock": a bulk worker writes its own
# segment while the parent holds the lock (bulk.py)
WITHOUT_LOCK: dict[str, Any] = {"_lk": False}

# Private names newsmon's subclasses use on `self`, per base class: the methods they
# override or call (missing() checks these exist), and the base class's state they read
# or set (made in __init__, so covered by the comparison tests rather than by missing()).
SUBCLASS_METHODS: dict[type, dict[str, str]] = {
    W3PostingsWriter: {  # codec.py ArrayPostingsWriter: blocks as flat arrays
        "_new_block": "overridden: a new block forgets the packed arrays of the last one",
        "_mini_ids": "overridden: a block's ids as packed deltas",
        "_mini_weights": "overridden: a block's weights packed (or one float for all)",
        "_mini_values": "overridden: a block's positions as counts and one flat array",
        "_write_block": "called by add_many/add_arrays to write a whole block at once",
    },
    W3LeafMatcher: {  # codec.py ArrayLeafMatcher: reads those blocks, whole or per posting
        "_read_data": "reads one block's packed arrays",
        "_next_block": "moves to the next block (arrays() reads a whole posting list)",
        "_read_ids": "overridden: ids from packed deltas",
        "_read_weights": "overridden: weights from the packed form",
        "_read_values": "overridden: positions from counts and the flat array",
    },
    SegmentWriter: {  # bulk.py ArrayWriter: a field's words into the pool at once
        "_check_fields": "add_document's check of the field names",
        "_check_state": "add_document's check that the writer is open",
        "_doc_boost": "a document's boost, as add_document computes it",
        "_field_boost": "a field's boost, as add_document computes it",
        "_flush_segment": "overridden: the pool's terms handed over whole",
        # called through the helpers below, on ArrayWriter and on the parent's writer
        "_merge_segments": "kept_segments()",
        "_finalize_segment": "finalize_segment()",
        "_close_segment": "close_segment()",
        "_commit_toc": "commit_toc()",
        "_finish": "commit_toc()",
    },
    FileStorage: {  # index.py MappedStorage: segment files read through mmap
        "_fpath": "the path of a file in the storage",
    },
    FileIndex: {
        "_segments": "segments()",
    },
}
SUBCLASS_STATE: dict[type, dict[str, str]] = {
    W3PostingsWriter: {
        "_byteids": "term vectors keep Whoosh's encoding of ids",
        "_ids": "the block's ids, set whole by add_many/add_arrays",
        "_weights": "the block's weights, set whole",
        "_values": "the block's values, set whole",
        "_maxweight": "block header: set for a whole block",
        "_minlength": "block header: set for a whole block",
        "_maxlength": "block header: set for a whole block",
        "_format": "the field's format (positions or fixed-size values)",
        "_blocklimit": "postings per block",
        "_inlinelimit": "finish_postings inlines a one-document word (Whoosh's own check "
                        "calls a misspelled method and never inlines)",
        "_terminfo": "finish_postings hands back the term entry with inlined postings",
    },
    W3LeafMatcher: {
        "_data": "the block's packed (ids, weights, values)",
        "_atend": "whether the posting list is read to its end",
        "_blocklength": "postings in the current block",
        "_byteids": "term vectors keep Whoosh's encoding of ids",
        "_ids": "decoded ids of the block, for Whoosh's per-posting matching",
        "_weights": "decoded weights of the block",
        "_values": "decoded values of the block",
    },
    SegmentWriter: {
        "_added": "whether the writer holds documents (holds_documents())",
    },
}


def missing() -> list[str]:
    """The private methods and module names listed here that this Whoosh lacks."""
    gone = [f"{base.__name__}.{name}" for base, names in SUBCLASS_METHODS.items()
            for name in names if not hasattr(base, name)]
    if not hasattr(_whoosh_index, "_DEF_INDEX_NAME"):
        gone.append("whoosh.index._DEF_INDEX_NAME")
    return gone


def length_column(fieldname: str) -> str:
    """The per-document column of a field's (byte-coded) lengths, which BM25F reads."""
    return f"_{fieldname}_len"


# add_document's keyword prefix for a stored value other than the indexed one
STORED_PREFIX = "_stored_"


# --- an index ---------------------------------------------------------------------------------

def segments(ix: Any) -> list[Any]:
    """The segments of an open index (its table of contents): index.py checks that each
    one's files are there, since Whoosh reads a missing column file as no values."""
    return ix._segments()


# --- a writer (bulk.py: committing workers' segments, and the merge) -------------------------

def holds_documents(writer: Any) -> bool:
    """Whether documents were added to this writer since it was made."""
    return writer._added


def kept_segments(writer: Any) -> list[Any]:
    """The index's segments as they are, none merged: a bulk commit adds the workers'
    segments beside them."""
    return writer._merge_segments(NO_MERGE, None, None)


def finalize_segment(writer: Any) -> Any:
    """Write the writer's own segment out and return it, for a table of contents."""
    return writer._finalize_segment()


def close_segment(writer: Any) -> None:
    """Close the writer's (empty) segment without adding it."""
    writer._close_segment()


def commit_toc(writer: Any, segments: list[Any]) -> None:
    """Commit exactly these segments as the index's new table of contents, then release
    the writer (and its lock)."""
    writer._commit_toc(segments)
    writer._finish()


def postings_writer(fieldwriter: Any) -> Any:
    """The field writer's postings writer (codec.py's ArrayPostingsWriter), which takes a
    term's postings as whole arrays."""
    return fieldwriter._postwriter


# --- a segment reader (bulk.py's merge, evaluate.py's columns) --------------------------------

def term_entries(reader: Any) -> Any:
    """A segment's term table: ((field, word), term info) in order, without opening a
    matcher per word."""
    return reader._terms.items()


def term_postings(reader: Any, info: Any, fmt: Any) -> Any:
    """The block matcher of one term entry of a segment (codec.py's ArrayLeafMatcher)."""
    terms = reader._terms
    return terms._codec.postings_reader(terms._postfile, info, fmt)


def column_file(reader: Any, name: str) -> tuple[Any, int, int] | None:
    """(file, start, length) of a segment's column, read whole by evaluate.py; None when
    the segment has none.  The per-document reader is the codec's: the length columns
    (`_body_len`) are not schema fields, so the public column API cannot reach them."""
    perdoc = reader._perdoc
    if not perdoc.has_column(name):
        return None
    return perdoc._get_column_file(name)


# --- a column type and the scoring -------------------------------------------------------------

def column_typecode(column_type: Any) -> str:
    """The array type code of a numeric column's values."""
    return column_type._typecode


def column_default(column_type: Any) -> Any:
    """The value a numeric column holds for a document without one (for `published`, the
    largest value: undated articles sort last)."""
    return column_type._default


def field_b(bm25: Any, fieldname: str) -> float:
    """BM25F's length normalization B for a field (its per-field setting, else the
    default): evaluate.py scores as Whoosh's BM25F does."""
    return bm25._field_B.get(fieldname, bm25.B)
