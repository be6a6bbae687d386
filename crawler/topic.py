"""Is this article education news?  A lemmatized lexicon scored over title, lead and body.

General news sites (`topic = "education"`) publish sport, politics and crime beside
school news; this keeps the school news and records why (the matched terms), so an
analyst can see the reason in `newsmon show` and tune the lexicon when it errs.
Pure functions: the lexicon is data (crawler/education.toml, plus a user file).
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from pathlib import Path

from indexer.article import Article

FIELD_WEIGHT = {"title": 3.0, "lead": 2.0, "body": 1.0}
MAX_COUNT = 3
_WORD = re.compile(r"\w+")


@dataclass(frozen=True)
class Lexicon:
    threshold: float
    terms: dict[tuple[str, ...], tuple[str, float]]  # lemma sequence -> (as written, weight)
    url_patterns: tuple[str, ...]
    url_weight: float
    sections: frozenset[str]
    section_weight: float


@dataclass(frozen=True)
class Verdict:
    keep: bool
    score: float
    matched: tuple[str, ...]  # the terms (as written in the lexicon) and hints that counted


def _lemma_keys(phrase: str) -> tuple[str, ...]:
    from indexer.analysis import lemma

    return tuple(lemma(w.lower()) for w in _WORD.findall(phrase))


def load_lexicon(extra: Path | None = None) -> Lexicon:
    """The bundled lexicon, with a user's file merged over it."""
    data = tomllib.loads(resources.files("crawler").joinpath("education.toml").read_text(
        encoding="utf-8"))
    if extra is not None:
        user = tomllib.loads(extra.read_text(encoding="utf-8"))
        for table in ("terms", "negative"):
            data.setdefault(table, {}).update(user.get(table, {}))
        for table in ("url_hints", "section_hints"):
            data.setdefault(table, {}).update(user.get(table, {}))
        data["threshold"] = user.get("threshold", data["threshold"])
    return _compile(data)


@lru_cache(maxsize=1)
def bundled_lexicon() -> Lexicon:
    return load_lexicon()


def _compile(data: dict) -> Lexicon:
    terms = {}
    for table in ("terms", "negative"):
        for phrase, weight in data.get(table, {}).items():
            key = _lemma_keys(phrase)
            if key:
                terms[key] = (phrase, float(weight))
    return Lexicon(
        threshold=float(data["threshold"]), terms=terms,
        url_patterns=tuple(data.get("url_hints", {}).get("patterns", [])),
        url_weight=float(data.get("url_hints", {}).get("weight", 0)),
        sections=frozenset(s.lower() for s in data.get("section_hints", {}).get("sections", [])),
        section_weight=float(data.get("section_hints", {}).get("weight", 0)),
    )


def classify(article: Article, lexicon: Lexicon | None = None) -> Verdict:
    lexicon = lexicon or bundled_lexicon()
    score = 0.0
    matched: dict[str, float] = {}
    for field, multiplier in FIELD_WEIGHT.items():
        text = getattr(article, field) or ""
        for (phrase, weight), count in _count_terms(text, lexicon).items():
            gained = weight * multiplier * min(count, MAX_COUNT)
            score += gained
            matched[phrase] = matched.get(phrase, 0.0) + gained
    url = article.url.lower()
    if any(pattern in url for pattern in lexicon.url_patterns):
        score += lexicon.url_weight
        matched["url"] = lexicon.url_weight
    if article.section and article.section.lower() in lexicon.sections:
        score += lexicon.section_weight
        matched[f"section:{article.section}"] = lexicon.section_weight
    shown = tuple(name for name, gained in sorted(matched.items(), key=lambda i: -i[1])
                  if gained > 0)
    return Verdict(keep=score >= lexicon.threshold, score=round(score, 2), matched=shown)


def _count_terms(text: str, lexicon: Lexicon) -> dict[tuple[str, float], int]:
    from indexer.analysis import lemmas

    positions = [lemmas(w.lower()) for w in _WORD.findall(text)]
    longest = max((len(k) for k in lexicon.terms), default=1)
    counts: dict[tuple[str, float], int] = {}
    i = 0
    while i < len(positions):
        step = 1
        for size in range(min(longest, len(positions) - i), 0, -1):
            found = _lookup(positions[i:i + size], lexicon)
            if found:
                counts[found] = counts.get(found, 0) + 1
                step = size  # a phrase consumes its words: «спортивная школа» is not «школа»
                break
        i += step
    return counts


def _lookup(window: list[tuple[str, ...]], lexicon: Lexicon) -> tuple[str, float] | None:
    if len(window) == 1:
        for form in window[0]:
            if (form,) in lexicon.terms:
                return lexicon.terms[(form,)]
        return None
    keys = [()]
    for forms in window:
        keys = [(*k, f) for k in keys for f in forms][:8]
    for key in keys:
        if key in lexicon.terms:
            return lexicon.terms[key]
    return None
