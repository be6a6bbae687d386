"""Russian analysis for the index: «колледжи» must find «колледжа», «Волгарём» «волгарем».

pymorphy3 lemmatization was chosen over Snowball stemming because it is right
far more often on Russian news words (23/24 against 14/24 on the case suite in
SEARCH-NOTES.md; `benchmarks/analyzers.py` reruns the comparison): stemming misses
рынок/рынка, отец/отца, день/дня and conflates страна/странный.  Its cost is
speed, which a per-word cache takes back: news text repeats its words.

Whoosh pickles the schema with the analyzer into the index, so these classes
must stay importable under this module path and must hold no unpicklable state
(the MorphAnalyzer lives in a module global, loaded on first use).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from functools import lru_cache

from whoosh.analysis import Filter, LowercaseFilter, RegexTokenizer, StopFilter, Token

_morph = None
_CYRILLIC = re.compile(r"[а-я]")
# Latin letters that look like Cyrillic ones, typed into Russian words by mistake or by spammers
_LOOKALIKE = str.maketrans("aeopcxyk", "аеорсхук")

STOP_WORDS = frozenset("""
а без более бы был была были было быть в вам вас весь во вот все всего всех вы где да даже
для до его ее если есть еще же за здесь и из или им их к как ко когда кто ли либо мне
может мы на над надо наш не него нее нет ни них но ну о об однако он она они оно от очень
по под при с со так также такой там те тем то того тоже той только том ты у уже хотя чего
чей чем что чтобы чье чья эта эти это я её ещё всё чьё нём
""".split())  # noqa: SIM905 - a word list reads better as text


def morph():
    """The pymorphy3 analyzer, loaded once per process and only when text is analyzed."""
    global _morph
    if _morph is None:
        import pymorphy3

        _morph = pymorphy3.MorphAnalyzer(lang="ru")
    return _morph


@lru_cache(maxsize=300_000)
def lemmas(word: str) -> tuple[str, ...]:
    """Dictionary forms of one lower-case word, likeliest first, ё folded to е.

    pymorphy3 scores each reading; readings that share a dictionary form are added
    up, so «донского» (донской 0.67 / донский 0.33) is read as донской even though
    its single likeliest reading says otherwise.  Forms within reach of the best
    (a near tie, as «донская» 0.5/0.5) are all returned: the index keeps both,
    the query uses the first, and they still meet.
    """
    if not _CYRILLIC.search(word) or not word.isalpha():
        return (word.replace("ё", "е"),)
    totals: dict[str, float] = {}
    for parse in morph().parse(word.translate(_LOOKALIKE)):
        form = parse.normal_form.replace("ё", "е")
        totals[form] = totals.get(form, 0.0) + parse.score
    ranked = sorted(totals.items(), key=lambda item: -item[1])
    best = ranked[0][1]
    return tuple(form for form, score in ranked[:3] if score >= best * 0.75)


def lemma(word: str) -> str:
    return lemmas(word)[0]


class WordTokenizer(RegexTokenizer):
    """Marks untokenized text (the stem of a `школ*` prefix query) so it is not lemmatized:
    «школ» must stay a prefix of школьник, not become «школа»."""

    def __call__(self, value: str, **kwargs: object) -> Iterator[Token]:
        verbatim = kwargs.get("tokenize", True) is False
        for token in super().__call__(value, **kwargs):
            token.verbatim = verbatim
            yield token


class LemmaFilter(Filter):
    """Index: every near-tie dictionary form at the word's position; query: the likeliest."""

    def __call__(self, tokens: Iterator[Token]) -> Iterator[Token]:
        for token in tokens:
            if getattr(token, "verbatim", False):
                token.text = token.text.replace("ё", "е")
                yield token
                continue
            forms = lemmas(token.text)
            if token.mode == "query":
                forms = forms[:1]
            for form in forms:
                token.text = form
                yield token


def russian_analyzer():
    """Words of letters and digits (a hyphen splits «Волго-Донской» in two positions).

    ё is folded after lemmatization, because pymorphy3 reads «Королёв» right only
    with its ё; the stop list is matched before folding and so lists both spellings.
    """
    return (WordTokenizer(r"\w+", gaps=False) | LowercaseFilter()
            | StopFilter(stoplist=STOP_WORDS, minsize=1) | LemmaFilter())
