"""One search: the user's query text and filters in, a page of hits with snippets out.

Whoosh finds and ranks; the snippets are cut from the archive's text (the index does
not store article bodies), marking the archive's words indexed under the query's lemmas.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from datetime import date

from indexer.analysis import lemma, word_forms
from indexer.backend import Hit, WordReadings
from indexer.store import DataDir
from indexer.stories import Stories
from indexer.words import WordCache, query_words
from search.i18n import _
from search.query import QueryError, build, highlight_terms
from search.repair import repair_word
from search.snippets import Matcher, make_snippet


@dataclass(frozen=True)
class Results:
    total: int  # stories when grouped, else articles
    hits: list[Hit] = field(default_factory=list)
    suggestion: str | None = None  # «Did you mean …?» when nothing matched
    corrected: bool = False  # the hits are the suggestion's: the query itself matched nothing
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
               facets: bool = False, suggest: bool = True) -> Results:
        """`group`: one hit per story (reprints folded into their best-ranked article).
        `suggest`: when nothing matches, try one repaired query; its own search suggests no
        further, or two spellings could hand the query back and forth for ever."""
        archived = self.index.readings()
        try:
            self.words.prime(text, archived.lemmas(query_words(text)))
            query = build(text, self.schema)
            page = self.index.search(query, day_from=day_from, day_to=day_to, sources=sources,
                                     sort=sort, limit=limit, offset=offset, ids=ids,
                                     group=group, facets=facets)
            if ids is not None:  # a watch matched against a run's articles: as it stands
                if not page.total:
                    return Results(total=0)
            elif sources:  # a mistyped source is said, not an empty or a partial result
                self._sources_known(sources)
            if not page.total and suggest:
                suggestion = self._suggest(text, query, archived)
                if suggestion:
                    archived.close()
                    found = self.search(suggestion, day_from=day_from, day_to=day_to,
                                        sources=sources, sort=sort, limit=limit,
                                        offset=offset, group=group, facets=facets,
                                        suggest=False)
                    if found.total:
                        return replace(found, suggestion=suggestion, corrected=True)
                return Results(total=0, suggestion=suggestion)
            if not page.total:
                return Results(total=0)
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

    def _sources_known(self, sources: list[str]) -> None:
        """An unknown --source is a mistake to name, not an empty result."""
        known = self.archive.source_names()
        unknown = [s for s in sources if s not in known]
        if unknown:
            raise QueryError(_("unknown source {name!r} (the archive holds: {known})").format(
                name=unknown[0], known=", ".join(sorted(known)) or "—"))

    def _suggest(self, text: str, query, archived: WordReadings) -> str | None:
        """The query with each word the archive lacks repaired (search/repair.py):
        transliterated, typed on the other layout, or spelled as the archive spells it."""
        lemmas, _ = highlight_terms(query)
        counts: dict[str, int] = {}

        def known(words: list[str]) -> dict[str, int]:
            wanted = {w: lemma(w) for w in set(words) if w.isalpha()}
            fresh = set(wanted.values()) - set(counts)
            if fresh:
                counts.update(self.index.frequencies(fresh))
            return {w: counts[lem] for w, lem in wanted.items() if counts.get(lem)}

        fixes: dict[str, str] = {}
        typed = {w.lower() for w in _WORD.findall(text)}
        for word in dict.fromkeys(_words(text)):
            lower = word.lower()
            if lemma(lower) not in lemmas or known([lower]):
                continue  # excluded with NOT, part of a prefix or a field, or in the archive
            fixed = repair_word(word, known, archived.similar)
            if fixed and fixed.lower() not in typed:  # not «школа NOT школа»
                fixes[word] = fixed
        if not fixes:
            return None
        return _WORD.sub(lambda m: fixes.get(m.group(), m.group()), text)


_WORD = re.compile(r"(?<![\w:*])[^\W\d_][\w'`]*(?![\w:*])")
_OPERATORS = {"AND", "OR", "NOT", "И", "ИЛИ", "НЕ"}


def _words(text: str) -> list[str]:
    """The query's words outside quotes, operators and field names: what may be repaired."""
    outside = " ".join(text.split('"')[0::2])
    return [w for w in _WORD.findall(outside) if w not in _OPERATORS and len(w) >= 3]
