"""Russian analysis for the index: «колледжи» must find «колледжа», «Волгарём» «волгарем».

pymorphy3 lemmatization was chosen over Snowball stemming because it is right
far more often on Russian news words (23/24 against 14/24 on the case suite in
docs/measurements.md; `benchmarks/analyzers.py` reruns the comparison): stemming misses
рынок/рынка, отец/отца, день/дня and conflates страна/странный.  Its cost is
speed, which a per-word cache takes back: news text repeats its words.

Whoosh pickles the schema with the analyzer into the index, so these classes
must stay importable under this module path and must hold no unpicklable state
(the MorphAnalyzer lives in a module global, loaded on first use, and the words
read so far in READINGS, a ReadingsCache).
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
    return READINGS.forms_of(lemma_)


def _word_forms(lemma_: str) -> frozenset[str]:
    if not _CYRILLIC.search(lemma_) or not lemma_.isalpha():
        return frozenset({lemma_})
    forms = {lemma_}
    for parse in morph().parse(lemma_):
        if parse.normal_form.replace("ё", "е") == lemma_:
            forms.update(f.word.replace("ё", "е") for f in parse.lexeme)
    return frozenset(forms)


class ReadingsCache:
    """What this process has worked out about words: each word's index forms (its
    readings, `lemmas()`) and each lemma's inflected forms (`word_forms()`).

    News text repeats its words, so the analyzer reads a word in the dictionary once per
    process.  The readings also travel:

    * a writer saves those made since its last save to the index's readings.sqlite
      before each commit (indexer/readings.py: unsaved(), then mark_saved()), so the
      file covers every word the index holds;
    * a bulk worker's readings come back to its parent (learn()), so the next workers,
      forked from it, start with them;
    * a search hands over what the readings file or indexer/words.py's file knows of the
      query's words (recall()), and keeps what it worked out itself (remembered()).

    `target` is where readings were saved (the readings file's device and inode): after
    a save elsewhere, everything known is unsaved for the next target.

    The analyzer finds the cache through the module's READINGS, the one default
    instance: Whoosh pickles the analyzer into the index's schema and unpickles it in
    every process that opens the index (searches, writers, forked bulk workers), so it
    cannot be handed an object and must hold no state of its own.  Tests swap READINGS
    for a fresh cache.
    """

    def __init__(self, limit: int = 500_000, forms_limit: int = 20_000) -> None:
        self.limit = limit
        self.forms_limit = forms_limit
        self.lemmas: dict[str, tuple[str, ...]] = {}  # word -> its index forms
        self.forms: dict[str, frozenset[str]] = {}  # lemma -> every form of it
        self._unsaved: dict[str, tuple[str, ...]] = {}  # not yet in a readings file
        # a backend's own rendering of a word's forms (PostgreSQL's quoted lexemes), made
        # from `lemmas` and so kept and dropped with them
        self.rendered: dict[str, tuple[str, ...]] = {}
        self._saved_to: object = None  # where readings were saved last

    def read(self, word: str) -> tuple[str, ...]:
        """A lower-case word's index forms (lemmas()), from the cache when known."""
        found = self.lemmas.get(word)
        return found if found is not None else self.remember(word)

    def remember(self, word: str) -> tuple[str, ...]:
        """Read a word in the dictionary and keep its forms, unsaved."""
        if len(self.lemmas) > self.limit:
            self.lemmas.clear()
            self.rendered.clear()
        forms = self.lemmas[word] = self._unsaved[word] = lemmas(word)
        return forms

    def forms_of(self, lemma_: str) -> frozenset[str]:
        found = self.forms.get(lemma_)
        if found is None:
            if len(self.forms) > self.forms_limit:
                self.forms.clear()
            found = self.forms[lemma_] = _word_forms(lemma_)
        return found

    def remembered(self, words: list[str], lemmas_: list[str]
                   ) -> tuple[dict[str, tuple[str, ...]], dict[str, frozenset[str]]]:
        """What is known of these words and lemmas, to keep (indexer/words.py)."""
        return ({w: self.lemmas[w] for w in words if w in self.lemmas},
                {lem: self.forms[lem] for lem in lemmas_ if lem in self.forms})

    def recall(self, lemmas_of: dict[str, tuple[str, ...]],
               forms_of: dict[str, frozenset[str]]) -> None:
        """Results kept from an earlier run: no dictionary is loaded for them."""
        self.lemmas.update(lemmas_of)
        self.rendered.clear()
        self._unsaved.update(lemmas_of)
        self.forms.update(forms_of)

    def unsaved(self, target: object) -> dict[str, tuple[str, ...]]:
        """The readings a writer must save to `target` before it commits: those made since
        the last save there, or every one known when that last save went elsewhere.
        Whatever this process indexes was read through this cache."""
        if target == self._saved_to:
            return dict(self._unsaved)
        return {**self.lemmas, **self._unsaved}

    def mark_saved(self, target: object) -> None:
        """The readings unsaved(target) gave are in `target` now."""
        self._unsaved.clear()
        self._saved_to = target

    def learn(self, readings: dict[str, tuple[str, ...]], target: object) -> None:
        """Readings a bulk worker made and saved to `target`: the next workers, forked
        from this process, start with them instead of reading the same words again."""
        self.lemmas.update(readings)
        self.rendered.clear()
        if target != self._saved_to:
            self._unsaved.update(readings)


READINGS = ReadingsCache()  # the process's cache; see ReadingsCache for why a default


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
        read = READINGS.read
        pos = start_pos
        for match in _WORD.finditer(value):
            word = match.group().lower()
            if word in STOP_WORDS:
                pos += 1
                continue
            forms = read(word)
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
        in index mode, without a Token per word (ArrayWriter's indexing path,
        indexer/whoosh_index/bulk.py)."""
        table: dict[str, list[int]] = {}
        cache = READINGS
        get, remember = cache.lemmas.get, cache.remember
        for pos, raw in enumerate(_WORD.findall(value)):
            word = raw.lower()
            if word not in STOP_WORDS:
                for form in get(word) or remember(word):
                    found = table.get(form)
                    if found is None:
                        table[form] = [pos]
                    else:
                        found.append(pos)
        return table


_WORD = re.compile(r"\w+")


def russian_analyzer() -> RussianTokenizer:
    """Words of letters and digits (a hyphen splits «Волго-Донской» in two positions).

    ё is folded after lemmatization, because pymorphy3 reads «Королёв» right only
    with its ё; the stop list is matched before folding and so lists both spellings.
    """
    return RussianTokenizer()
