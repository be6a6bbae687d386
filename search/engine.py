"""One search: the user's query text and filters in, a page of hits out."""

from __future__ import annotations

from datetime import date

from indexer.index import SearchPage, make_schema
from indexer.store import DataDir
from search.query import build


class Searcher:
    def __init__(self, data_dir: DataDir) -> None:
        data_dir.open_archive().close()  # no archive at all: say so, rather than "no index"
        self.index = data_dir.index
        self.schema = make_schema()

    def search(self, text: str, *, day_from: date | None = None, day_to: date | None = None,
               sources: list[str] | None = None, sort: str = "relevance", limit: int = 10,
               offset: int = 0, ids: list[str] | None = None) -> SearchPage:
        query = build(text, self.schema)
        return self.index.search(query, day_from=day_from, day_to=day_to, sources=sources,
                                 sort=sort, limit=limit, offset=offset, ids=ids)
