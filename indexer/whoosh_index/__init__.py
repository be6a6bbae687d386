"""The embedded Whoosh backend of the search index (IndexBackend, indexer/backend.py).

    index.py     the backend: writing, rebuilding, searching, the schema
    evaluate.py  queries evaluated on whole posting lists with NumPy, scored as BM25F
    codec.py     segment files with posting blocks as flat arrays
    bulk.py      writers: the codec's pool, bulk loads in worker processes, the merge
    private.py   every private Whoosh name the others use, and why

The schema pickled into an index names the codec's classes by this package's path.
"""

from indexer.whoosh_index.index import WhooshIndex, make_schema

__all__ = ["WhooshIndex", "make_schema"]
