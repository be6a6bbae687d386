"""Query words the archive lacks, repaired: transliteration, keyboard layout, spelling.

Pure functions over strings; the caller (search/engine.py) says which words the archive
knows and hands in its vocabulary.  Analysts type «kolledzh» on a Latin keyboard,
«ijkf» with the layout left on English (it is «школа» on the same keys), «колеж» for
«колледж».  The spelling fix chooses among the archive's own word forms, so the
user's inflection survives where the archive has it: «химеи» becomes «химии», not
the dictionary form «химия».
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable

_QWERTY = "qwertyuiop[]asdfghjkl;'zxcvbnm,.`"
_JCUKEN = "йцукенгшщзхъфывапролджэячсмитьбюё"
LAYOUT = {**{ord(q.upper()): c.upper() for q, c in zip(_QWERTY, _JCUKEN, strict=True)
              if q.isalpha()}, **str.maketrans(_QWERTY, _JCUKEN)}

# Latin spellings of Russian letters (GOST, BGN, passports, how people type), longest first
_TRANSLIT: list[tuple[str, tuple[str, ...]]] = sorted([
    ("shch", ("щ",)), ("sch", ("щ", "сх")), ("zh", ("ж",)), ("kh", ("х",)), ("ts", ("ц", "тс")),
    ("tz", ("ц",)), ("ch", ("ч",)), ("sh", ("ш",)), ("yu", ("ю",)), ("ju", ("ю",)),
    ("iu", ("ю",)), ("ya", ("я",)), ("ja", ("я",)), ("ia", ("я",)), ("yo", ("ё", "йо")),
    ("jo", ("ё",)), ("ye", ("е", "ье")), ("je", ("е",)), ("yi", ("ый", "ий")),
    ("iy", ("ий",)), ("ij", ("ий",)), ("ei", ("ей",)), ("ey", ("ей",)), ("ai", ("ай",)),
    ("ay", ("ай",)), ("oi", ("ой",)), ("oy", ("ой",)), ("ck", ("к",)), ("ph", ("ф",)),
    ("a", ("а",)), ("b", ("б",)), ("v", ("в",)), ("w", ("в",)), ("g", ("г",)), ("d", ("д",)),
    ("e", ("е", "э")), ("z", ("з",)), ("i", ("и", "й")), ("j", ("й", "ж")), ("k", ("к",)),
    ("l", ("л",)), ("m", ("м",)), ("n", ("н",)), ("o", ("о",)), ("p", ("п",)), ("r", ("р",)),
    ("s", ("с",)), ("t", ("т",)), ("u", ("у",)), ("f", ("ф",)), ("h", ("х",)),
    ("c", ("ц", "к")), ("y", ("ы", "й", "и")), ("x", ("кс",)), ("q", ("к",)),
    ("'", ("ь",)), ("`", ("ь",)),
], key=lambda rule: -len(rule[0]))
MAX_SPELLINGS = 400
_LATIN = re.compile(r"^[a-z'`]+$")


def is_latin(word: str) -> bool:
    return bool(_LATIN.match(word.lower()))


def layout(word: str) -> str:
    """The word as the same keys give it on the Russian layout: «ijkf» → «школа»."""
    return word.translate(LAYOUT)


def transliterations(word: str, limit: int = MAX_SPELLINGS) -> list[str]:
    """Cyrillic spellings a Latin word may stand for, the likeliest (fewest letters)
    first: «kolledzh» → [«колледж», …], «ege» → [«еге», «егэ», «эге», «эгэ»]."""
    word = word.lower()
    if not is_latin(word):
        return []
    found: list[str] = []

    def walk(at: int, built: str) -> None:
        if len(found) >= limit:
            return
        if at == len(word):
            found.append(built)
            return
        for latin, options in _TRANSLIT:
            if word.startswith(latin, at):
                for option in options:
                    walk(at + len(latin), built + option)

    walk(0, "")
    return sorted(dict.fromkeys(found), key=len)


def distance(a: str, b: str, limit: int = 3) -> int:
    """Edit distance with transpositions (Damerau), ё = е; `limit + 1` once past limit."""
    a, b = a.replace("ё", "е"), b.replace("ё", "е")
    if abs(len(a) - len(b)) > limit:
        return limit + 1
    previous2: list[int] = []
    previous = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        current = [i] + [0] * len(b)
        for j, cb in enumerate(b, 1):
            current[j] = min(previous[j] + 1, current[j - 1] + 1,
                             previous[j - 1] + (ca != cb))
            if i > 1 and j > 1 and ca == b[j - 2] and a[i - 2] == cb:
                current[j] = min(current[j], previous2[j - 2] + 1)
        if min(current) > limit:
            return limit + 1
        previous2, previous = previous, current
    return previous[-1]


def max_edits(word: str) -> int:
    return 0 if len(word) < 4 else 1 if len(word) < 5 else 2


def closest(word: str, vocabulary: Iterable[str],
            frequency: Callable[[str], int] = lambda _: 0) -> str | None:
    """The archived word form nearest `word` in spelling (ties: the more frequent)."""
    word = word.lower()
    limit = max_edits(word)
    best: tuple[int, int, str] | None = None
    letters = set(word.replace("ё", "е"))
    for candidate in vocabulary:
        if candidate == word or not candidate.isalpha():
            continue
        if len(letters.symmetric_difference(candidate.replace("ё", "е"))) > 2 * limit:
            continue  # an edit changes at most two letters of the set: too far, cheaply
        edits = distance(word, candidate, limit)
        if edits > limit:
            continue
        key = (edits, -frequency(candidate), candidate)
        if best is None or key < best:
            best = key
    return best[2] if best else None


def same_case(original: str, repaired: str) -> str:
    """«EGE» → «ЕГЭ», «Shkola» → «Школа», «kolledzh» → «колледж»."""
    if len(original) > 1 and original.isupper():
        return repaired.upper()
    if original[:1].isupper():
        return repaired[:1].upper() + repaired[1:]
    return repaired


def repair_word(word: str, known: Callable[[list[str]], dict[str, int]],
                vocabulary: Callable[[str], Iterable[str]]) -> str | None:
    """A spelling of one word the archive lacks that it holds, or None.

    `known(words)`: those of the lower-case words the archive holds, with how many
    articles hold them; `vocabulary(word)`: archived word forms that may be near it.
    """
    lower = word.lower()
    if is_latin(lower):
        options = [layout(lower), *transliterations(lower)]
        counts = known(options)
        if counts.get(options[0]):  # the same keys on the Russian layout: exact
            return same_case(word, options[0])
        ranked = [o for o in options[1:] if counts.get(o)]
        if ranked:  # the shortest spelling the archive holds, the most frequent of those
            return same_case(word, min(ranked, key=lambda o: (len(o), -counts[o])))
        # «ijkf» is «шола» on the Russian keys, «yunost» «юност»: then spelled right
        for spelt in (options[0], *options[1:2]):
            fixed = _spelled(spelt, known, vocabulary)
            if fixed:
                return same_case(word, fixed)
        return None
    fixed = _spelled(lower, known, vocabulary)
    return same_case(word, fixed) if fixed else None


def _spelled(lower: str, known: Callable[[list[str]], dict[str, int]],
             vocabulary: Callable[[str], Iterable[str]]) -> str | None:
    if len(lower) < 4:
        return None
    candidates = list(vocabulary(lower))
    counts = known(candidates) if candidates else {}
    return closest(lower, candidates, lambda c: counts.get(c, 0))
