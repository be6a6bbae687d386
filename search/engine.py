"""One search: the user's query text and filters in, a page of hits with snippets out.

Whoosh finds and ranks; the snippets are cut from the archive's text (the index does
not store article bodies), marking the archive's words indexed under the query's lemmas.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from datetime import date

from indexer.analysis import lemma, spelling_candidates, word_forms
from indexer.backend import Hit
from indexer.store import DataDir
from indexer.stories import Stories
from indexer.words import WordCache, query_words
from search.query import build, highlight_terms
from search.snippets import Matcher, make_snippet


@dataclass(frozen=True)
class Results:
    total: int  # stories when grouped, else articles
    hits: list[Hit] = field(default_factory=list)
    suggestion: str | None = None  # «Did you mean …?» when nothing matched
    articles: int = 0  # matching articles, grouped or not
    days: dict[int, int] = field(default_factory=dict)  # with facets: matches per YYYYMMDD
    sources: dict[str, int] = field(default_factory=dict)  # with facets: matches per source


class Searcher:
    def __init__(self, data_dir: DataDir) -> None:
        self.archive = data_dir.open_archive(readonly=True)  # none at all: say so, not "no index"
        self.index = data_dir.index
        self.schema = self.index.query_schema()
        self.words = WordCache(data_dir.root / "words.sqlite")

    def close(self) -> None:
        self.archive.close()
        self.index.close()
        self.words.close()

    def search(self, text: str, *, day_from: date | None = None, day_to: date | None = None,
               sources: list[str] | None = None, sort: str = "relevance", limit: int = 10,
               offset: int = 0, ids: list[str] | None = None, group: bool = True,
               facets: bool = False) -> Results:
        """`group`: one hit per story (reprints folded into their best-ranked article)."""
        archived = self.index.readings()
        try:
            self.words.prime(text, archived.lemmas(query_words(text)))
            query = build(text, self.schema)
            page = self.index.search(query, day_from=day_from, day_to=day_to, sources=sources,
                                     sort=sort, limit=limit, offset=offset, ids=ids,
                                     group=group, facets=facets)
            if not page.total:
                return Results(total=0, suggestion=self._suggest(text, query))
            lemmas, prefixes = highlight_terms(query)
            forms = archived.forms(lemmas)
        finally:
            archived.close()
        if forms is None:  # an index begun by an older newsmon: pymorphy3's paradigms
            forms = frozenset().union(*(word_forms(w) for w in lemmas))
        matcher = Matcher(forms, tuple(sorted(prefixes)))
        self.words.keep(text, lemmas)
        texts = self.archive.texts([h.id for h in page.hits])
        members = Stories(self.archive.db).members(h.story for h in page.hits if h.story)
        hits = [replace(h, snippet=make_snippet(texts.get(h.id, ""), matcher),
                        story_size=max(1, len(members.get(h.story or "", []))),
                        reprints=tuple(str(m["source"] or "—")
                                       for m in members.get(h.story or "", [])
                                       if m["id"] != h.id))
                for h in page.hits]
        return Results(total=page.total, hits=hits, articles=page.articles, days=page.days,
                       sources=page.sources)

    def _suggest(self, text: str, query) -> str | None:
        """A spelling of the query whose every word the archive knows, when one is near."""
        lemmas, _ = highlight_terms(query)
        known = self.index.frequencies(lemmas)
        fixes: dict[str, str] = {}
        for word in {w.lower() for w in re.findall(r"[а-яё]{3,}(?!\*)", text, re.I)}:
            if lemma(word) not in lemmas or known.get(lemma(word)):
                continue  # excluded with NOT, part of a prefix, or known to the archive
            options = self.index.frequencies(spelling_candidates(word))
            best = max(options, key=options.__getitem__, default=None)
            if best and options[best] and best not in text.lower():  # not a word it has
                fixes[word] = best
        if not fixes:
            return None
        suggestion = re.sub(r"\w+", lambda m: fixes.get(m.group().lower(), m.group()), text)
        return suggestion if suggestion.lower() != text.lower() else None
