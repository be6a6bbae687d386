"""Russian analysis for the index: «колледжи» must find «колледжа», «Волгарём» «волгарем».

pymorphy3 lemmatization was chosen over Snowball stemming because it is right
far more often on Russian news words (23/24 against 14/24 on the case suite in
docs/measurements.md; `benchmarks/analyzers.py` reruns the comparison): stemming misses
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

from whoosh.analysis import Token, Tokenizer

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


_LETTERS = "абвгдежзийклмнопрстуфхцчшщъыьэюя"


def spelling_candidates(word: str) -> set[str]:
    """Dictionary forms of the real Russian words one edit (deletion, transposition,
    replacement, insertion) away from `word`: the candidates for «Did you mean»."""
    splits = [(word[:i], word[i:]) for i in range(len(word) + 1)]
    edits = {a + b[1:] for a, b in splits if b}
    edits |= {a + b[1] + b[0] + b[2:] for a, b in splits if len(b) > 1}
    edits |= {a + c + b[1:] for a, b in splits if b for c in _LETTERS}
    edits |= {a + c + b for a, b in splits for c in _LETTERS}
    known = morph().dictionary.word_is_known
    return {lemma(e) for e in edits - {word} if known(e)}


def word_forms(lemma_: str) -> frozenset[str]:
    """Every inflected form (lower-case, ё folded) of the words whose dictionary form is
    `lemma_`, for highlighting without lemmatizing the text."""
    found = _FORMS.get(lemma_)
    if found is None:
        if len(_FORMS) > 20_000:
            _FORMS.clear()
        found = _FORMS[lemma_] = _word_forms(lemma_)
    return found


def _word_forms(lemma_: str) -> frozenset[str]:
    if not _CYRILLIC.search(lemma_) or not lemma_.isalpha():
        return frozenset({lemma_})
    forms = {lemma_}
    for parse in morph().parse(lemma_):
        if parse.normal_form.replace("ё", "е") == lemma_:
            forms.update(f.word.replace("ё", "е") for f in parse.lexeme)
    return frozenset(forms)


def remembered(words: list[str], lemmas_: list[str]) -> tuple[dict[str, tuple[str, ...]],
                                                               dict[str, frozenset[str]]]:
    """What this process has worked out for these words and lemmas, to keep (indexer/words.py)."""
    return ({w: _CACHE[w] for w in words if w in _CACHE},
            {lem: _FORMS[lem] for lem in lemmas_ if lem in _FORMS})


def recall(lemmas_of: dict[str, tuple[str, ...]], forms_of: dict[str, frozenset[str]]) -> None:
    """Results kept from an earlier run: no dictionary is loaded for them."""
    _CACHE.update(lemmas_of)
    _UNSAVED.update(lemmas_of)
    _FORMS.update(forms_of)


def unsaved(target: object) -> dict[str, tuple[str, ...]]:
    """The readings a writer must save to `target` (indexer/readings.py) before it commits:
    those made since the last save there, or every one this process knows when that last
    save went elsewhere.  Whatever this process indexes was read through _CACHE."""
    return dict(_UNSAVED) if target == _saved[0] else {**_CACHE, **_UNSAVED}


def mark_saved(target: object) -> None:
    _UNSAVED.clear()
    _saved[0] = target


def learn(readings: dict[str, tuple[str, ...]], target: object) -> None:
    """Readings a bulk worker made and saved to `target`: the next workers, forked from
    this process, start with them instead of reading the same words in the dictionary."""
    _CACHE.update(readings)
    if target != _saved[0]:
        _UNSAVED.update(readings)


class RussianTokenizer(Tokenizer):
    """Tokenize, lower-case, drop stop words and lemmatize in one pass.

    One generator instead of Whoosh's chain of four (tokenizer and three filters) is
    most of the analysis cost saved at indexing time.  Untokenized text (the stem of a
    `школ*` prefix query) is only lower-cased and folded, so «школ» stays a prefix of
    школьник instead of becoming «школа».  Positions count stop words, so phrases keep
    their gaps.
    """

    def __eq__(self, other: object) -> bool:
        return type(other) is type(self)

    def __hash__(self) -> int:
        return hash(type(self))

    def __call__(self, value: str, positions: bool = False, chars: bool = False,
                 keeporiginal: bool = False, removestops: bool = True, start_pos: int = 0,
                 start_char: int = 0, tokenize: bool = True, mode: str = "",
                 **kwargs: object) -> Iterator[Token]:
        token = Token(positions, chars, removestops=removestops, mode=mode, **kwargs)
        if not tokenize:
            token.text = value.lower().replace("ё", "е")
            token.original = value
            token.boost = 1.0
            token.stopped = False
            if positions:
                token.pos = start_pos
            if chars:
                token.startchar, token.endchar = start_char, start_char + len(value)
            yield token
            return
        query = mode == "query"
        pos = start_pos
        for match in _WORD.finditer(value):
            word = match.group().lower()
            if word in STOP_WORDS:
                pos += 1
                continue
            forms = _CACHE.get(word) or _remember(word)
            token.boost = 1.0
            token.stopped = False
            if positions:
                token.pos = pos
            if chars:
                token.startchar = start_char + match.start()
                token.endchar = start_char + match.end()
            if keeporiginal:
                token.original = match.group()
            for form in forms[:1] if query else forms:
                token.text = form
                yield token
            pos += 1


    def positions(self, value: str) -> dict[str, list[int]]:
        """Every index form's positions in `value`: the words and positions __call__ yields
        in index mode, without a Token per word (ArrayWriter's indexing path, indexer/bulk.py)."""
        table: dict[str, list[int]] = {}
        get = _CACHE.get
        for pos, raw in enumerate(_WORD.findall(value)):
            word = raw.lower()
            if word not in STOP_WORDS:
                for form in get(word) or _remember(word):
                    found = table.get(form)
                    if found is None:
                        table[form] = [pos]
                    else:
                        found.append(pos)
        return table


_WORD = re.compile(r"\w+")
_CACHE: dict[str, tuple[str, ...]] = {}  # word -> its index forms
_FORMS: dict[str, frozenset[str]] = {}  # lemma -> every form of it
_UNSAVED: dict[str, tuple[str, ...]] = {}  # _CACHE entries not yet in readings.sqlite
_saved = [None]  # where this process saved its readings last (indexer/readings.py)


def _remember(word: str) -> tuple[str, ...]:
    if len(_CACHE) > 500_000:
        _CACHE.clear()
    forms = _CACHE[word] = _UNSAVED[word] = lemmas(word)
    return forms


def russian_analyzer() -> RussianTokenizer:
    """Words of letters and digits (a hyphen splits «Волго-Донской» in two positions).

    ё is folded after lemmatization, because pymorphy3 reads «Королёв» right only
    with its ё; the stop list is matched before folding and so lists both spellings.
    """
    return RussianTokenizer()
