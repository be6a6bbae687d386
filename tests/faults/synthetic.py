"""Synthetic articles in `newsmon import` form, for tests that need more than the fixture
site's thirteen: words drawn from the fixture articles, so the analyzer sees real Russian."""

from __future__ import annotations

import json
import random
import re
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "fixtures"))
from articles import FIXTURE

_WORDS = sorted(set(re.findall(r"[А-Яа-яЁё]{3,}", " ".join(
    " ".join([a["title"], a.get("lead") or "", *a["body"]]) for a in FIXTURE))))


def records(n: int, seed: int = 1, words: int = 60, start: int = 0) -> list[dict]:
    rng = random.Random(seed)
    out = []
    for i in range(start, start + n):
        text = " ".join(rng.choices(_WORDS, k=words))
        out.append({"url": f"https://synthetic.example/news/{i:07d}/",
                    "source": "synthetic", "title": f"Новость номер {i} {rng.choice(_WORDS)}",
                    "body": text, "published": f"2025-{1 + i % 12:02d}-{1 + i % 28:02d}"
                                               "T10:00:00+03:00", "tags": ["тест"]})
    return out


def write_jsonl(path: Path, items: list[dict]) -> Path:
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in items),
                    encoding="utf-8")
    return path


def imported_archive(root: Path, count: int, words: int, seed: int) -> Path:
    """A data dir holding `count` synthetic articles, imported the way a user imports."""
    from conftest import newsmon_here

    export = write_jsonl(root / "all.jsonl", records(count, words=words, seed=seed))
    assert newsmon_here("import", str(export), data_dir=root / "data").returncode == 0
    return root / "data"
