"""Snippets: a window of the article's text around the query's words, matches marked.

Matching compares surface word forms: the query's lemmas are expanded once into the
archived forms indexed under them (indexer/readings.py; pymorphy3's paradigm for an
index without that file), so cutting a snippet costs one regex scan instead of
lemmatizing the whole article on every search (the Whoosh highlighter's way, 107 ms
for ten hits in docs/measurements.md).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cached_property

HIT_START, HIT_END = "\x02", "\x03"  # the printers turn these into bold or <b>…</b>
SIZE = 240
_WORD = re.compile(r"\w+")


@dataclass(frozen=True)
class Matcher:
    forms: frozenset[str]          # lower-case, ё folded
    prefixes: tuple[str, ...] = ()

    def __call__(self, word: str) -> bool:
        word = word.lower().replace("ё", "е")
        return word in self.forms or (bool(self.prefixes) and word.startswith(self.prefixes))

    @cached_property
    def pattern(self) -> re.Pattern[str] | None:
        """One regex for every form and prefix: the scan runs in C, not a Python loop."""
        parts = [re.escape(f) for f in sorted(self.forms, key=len, reverse=True)]
        parts += [re.escape(p) + r"\w*" for p in self.prefixes]
        return re.compile(r"(?<!\w)(?:" + "|".join(parts) + r")(?!\w)") if parts else None

    def spans(self, text: str) -> list[tuple[int, int, str]]:
        """(start, end, word) of every matching word in `text`."""
        folded = text.lower().replace("ё", "е")
        if self.pattern is None:
            return []
        if len(folded) != len(text):  # a rare character whose lower case is longer
            return [(m.start(), m.end(), m.group().lower()) for m in _WORD.finditer(text)
                    if self(m.group())]
        return [(m.start(), m.end(), m.group()) for m in self.pattern.finditer(folded)]


def make_snippet(text: str, matches: Matcher, size: int = SIZE) -> str:
    """About `size` characters of `text` holding the most distinct matched words."""
    text = " ".join(text.split())
    spans = matches.spans(text)
    if not spans:
        return _cut(text, 0, size)
    best, best_count, right = 0, 0, 0
    for left in range(len(spans)):
        right = max(right, left)
        while right + 1 < len(spans) and spans[right + 1][1] - spans[left][0] <= size:
            right += 1
        count = len({word for _, _, word in spans[left:right + 1]})
        if count > best_count:
            best, best_count = left, count
    start = spans[best][0]
    start = max(0, start - size // 4)
    if start:
        start = text.find(" ", start) + 1 or start
    window = _cut(text, start, size)
    offset = start - (2 if window.startswith("… ") else 0)
    out, last = [], 0
    for begin, end, _ in spans:
        begin, end = begin - offset, end - offset
        if begin < last or end > len(window) - (2 if window.endswith(" …") else 0):
            continue
        if begin < (2 if window.startswith("… ") else 0):
            continue
        out.append(window[last:begin])
        out.append(f"{HIT_START}{window[begin:end]}{HIT_END}")
        last = end
    out.append(window[last:])
    return "".join(out)


def _cut(text: str, start: int, size: int) -> str:
    end = start + size
    if end < len(text):
        space = text.rfind(" ", start, end)
        end = space if space > start else end
    piece = text[start:end]
    return ("… " if start else "") + piece + (" …" if end < len(text) else "")
