"""`newsmon reclean`: the current cleaner run again over the archived raw HTML.

The archive keeps every page as fetched so that a better cleaner improves what is
already archived without a new crawl.  An article keeps its id and URL (ids are
shown to users and held by watches); a page the new cleaner would refuse, or would
only manage partially where the archived version was whole, keeps its archived
version: re-cleaning never loses an article.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from dataclasses import replace
from typing import Any

from crawler.clean import Hints, NotArticle, clean
from crawler.config import Config
from crawler.topic import classify, load_lexicon
from indexer.article import Article
from indexer.store import DataDir


def reclean(data_dir: DataDir, config: Config, sources: list[str] | None = None,
            since: str | None = None, partial: bool = False) -> Counter[str]:
    """Counts of "updated", "unchanged" and "kept" (the new cleaner did no better)."""
    counts: Counter[str] = Counter()
    lexicon: Any = None
    if any(s.topic == "education" for s in config.sources.values()):
        lexicon = load_lexicon(config.lexicon)
    with data_dir.open_archive(create=True) as archive:
        data_dir.catch_up(archive)
        # a batch at a time: the candidates are read in batches between store's chunked
        # writes, so memory stays flat on a large archive
        candidates = _recleaned(archive.reclean_candidates(sources, since, partial), config,
                                lexicon, counts)
        for state in data_dir.store(archive, ((a, None, []) for a in candidates)):
            counts[state] += 1
    return counts


def _recleaned(rows: Iterator[tuple[Article, bytes, dict]], config: Config, lexicon: Any,
               counts: Counter[str]) -> Iterator[Article]:
    for old, html, stored in rows:
        source = config.sources.get(old.source or "")
        hints = replace(Hints.from_json(stored), listed=True)  # archived: an article
        try:
            new = clean(html, old.url, source, fetched=old.fetched, hints=hints)
        except NotArticle:
            counts["kept"] += 1
            continue
        if new.partial and not old.partial:
            counts["kept"] += 1
            continue
        matched = old.matched
        if source is not None and source.topic == "education" and lexicon is not None:
            verdict = classify(new, lexicon)
            matched = verdict.matched if verdict.keep else old.matched
        yield replace(new, id=old.id, url=old.url, source=old.source, fetched=old.fetched,
                      matched=matched)
