"""Synthetic Russian news articles for benchmarks: real word forms, Zipf-like frequencies.

The vocabulary is every word form of the bundled demo and fixture articles (real
inflected Russian), ranked by a fixed shuffle and drawn with probability ∝ 1/rank,
so a few words are everywhere and most are rare, as in news text.
"""

from __future__ import annotations

import random
import re
import sys
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from functools import lru_cache
from itertools import accumulate
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests" / "fixtures"))
from articles import DEMO, FIXTURE  # noqa: E402

MSK = timezone(timedelta(hours=3))


TAIL_WORDS = 60_000


@lru_cache(maxsize=1)
def vocabulary() -> list[str]:
    """News words first (the bundled articles' own word forms, shuffled), then a long tail
    of other real inflected forms from pymorphy3's dictionary, as news text has."""
    text = " ".join(" ".join([a["title"], *a["body"]]) for a in [*FIXTURE, *DEMO])
    text += (ROOT / "tests" / "fixtures" / "pages" / "vpravda-drupal.html").read_text()
    head = sorted(set(re.findall(r"[А-Яа-яЁё]{2,}", text)))
    random.Random(7).shuffle(head)
    import pymorphy3

    rng = random.Random(11)
    known = set(head)
    tail = []
    words = pymorphy3.MorphAnalyzer().dictionary.iter_known_words()
    for word, _tag, _normal, _para, _idx in words:
        if word.isalpha() and len(word) > 3 and word not in known and rng.random() < 0.25:
            known.add(word)
            tail.append(word)
            if len(tail) >= TAIL_WORDS:
                break
    rng.shuffle(tail)
    return head + tail


def articles(n: int, seed: int = 1, words_per: tuple[int, int] = (300, 600)) -> Iterator[dict]:
    """n article records in the JSON form of `newsmon import`."""
    rng = random.Random(seed)
    vocab = vocabulary()
    # cumulative once: choices() with plain weights sums all of them on every call (8 ms
    # each, most of the time of a large corpus); the same draws either way
    cum_weights = list(accumulate(1 / (rank + 1) for rank in range(len(vocab))))
    start = datetime(2015, 1, 1, tzinfo=MSK)
    for i in range(n):
        count = rng.randint(*words_per)
        words = rng.choices(vocab, cum_weights=cum_weights, k=count)
        paragraphs = [" ".join(words[j:j + 60]).capitalize() + "." for j in range(0, count, 60)]
        published = start + timedelta(minutes=rng.randrange(0, 11 * 365 * 24 * 60))
        yield {
            "url": f"https://bench.example/news/{i}/",
            "source": rng.choice(["vpravda", "v1", "v102", "obraz"]),
            "title": " ".join(rng.choices(vocab, cum_weights=cum_weights, k=8)).capitalize(),
            "body": "\n\n".join(paragraphs),
            "published": published.isoformat(),
            "tags": [],
        }
