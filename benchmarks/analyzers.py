"""Which normalization for Russian search: Snowball stemming or pymorphy3 lemmas? Measured.

    .venv/bin/pip install pystemmer        # a benchmark-only dependency
    .venv/bin/python benchmarks/analyzers.py

A case suite of word pairs that must match (inflection, ё, suppletion, fleeting vowels,
surnames, Latin and digits) and pairs that must not (words that share a stem but not a
meaning), then analysis speed over synthetic news text, both in the same run.
"""

from __future__ import annotations

import re
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "benchmarks"))
sys.path.insert(0, str(ROOT))

from corpus import articles  # noqa: E402

from indexer.analysis import STOP_WORDS, russian_analyzer  # noqa: E402

MATCH = [
    ("колледжи", "колледжах"), ("учитель", "учителей"), ("волгарем", "Волгарём"),
    ("рынок", "рынка"), ("отец", "отца"), ("день", "дня"), ("друг", "друзья"),
    ("человек", "люди"), ("ребенок", "дети"), ("школа", "школ"), ("шел", "идти"),
    ("Королёв", "Королёва"), ("елка", "Ёлки"), ("стипендия", "стипендиями"),
    ("вуз", "вузах"), ("ЕГЭ", "ЕГЭ"), ("covid", "COVID"), ("2025", "2025"),
    ("лучший", "лучшего"), ("выпускник", "выпускников"),
]
DISTINCT = [("страна", "странный"), ("ученые", "учения"), ("рост", "Ростов"),
            ("право", "правый")]


class Snowball:
    """PyStemmer's Russian Snowball with the same tokenizing, ё folding and stop words."""

    name = "Snowball (PyStemmer) + ё + stop words"

    def __init__(self) -> None:
        import Stemmer

        self.stemmer = Stemmer.Stemmer("russian")

    def __call__(self, text: str) -> list[str]:
        words = [w.lower().replace("ё", "е") for w in re.findall(r"\w+", text)]
        return self.stemmer.stemWords([w for w in words if w not in STOP_WORDS])


class Lemmas:
    name = "pymorphy3 lemmas + ё + stop words (newsmon)"

    def __init__(self) -> None:
        self.analyzer = russian_analyzer()

    def __call__(self, text: str, mode: str = "index") -> list[str]:
        return [t.text for t in self.analyzer(text, mode=mode)]


def matches(analyzer, query: str, word: str) -> bool:
    indexed = set(analyzer(word))
    wanted = analyzer(query, mode="query") if isinstance(analyzer, Lemmas) else analyzer(query)
    return bool(wanted) and all(w in indexed for w in wanted)


def main() -> None:
    texts = [a["title"] + " " + a["body"] for a in articles(1500, seed=9)]
    tokens = sum(len(re.findall(r"\w+", t)) for t in texts)
    print(f"{len(MATCH)} pairs that must match, {len(DISTINCT)} that must not; "
          f"speed over {tokens:,} tokens of synthetic news text\n")
    print(f"{'analyzer':<46}{'right':>7}{'tokens/s':>12}")
    for analyzer in (Snowball(), Lemmas()):
        right = sum(matches(analyzer, a, b) for a, b in MATCH) + \
            sum(not matches(analyzer, a, b) for a, b in DISTINCT)
        started = time.perf_counter()
        for text in texts:
            analyzer(text)
        rate = tokens / (time.perf_counter() - started)
        print(f"{analyzer.name:<46}{right:>4}/{len(MATCH) + len(DISTINCT):<2}{rate:>12,.0f}")
        misses = [f"{a}~{b}" for a, b in MATCH if not matches(analyzer, a, b)] + \
            [f"{a}!~{b}" for a, b in DISTINCT if matches(analyzer, a, b)]
        print(f"{'':<4}wrong: {', '.join(misses) or 'none'}")


if __name__ == "__main__":
    main()
