"""Precision and recall of the education filter on the labelled fixture sets.

    .venv/bin/python benchmarks/topic.py

`labelled.json` is the set the lexicon was tuned on; `heldout.json` was written after
tuning and never used for it, so its figures are the honest ones.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from crawler.topic import classify  # noqa: E402
from indexer.article import Article, article_id  # noqa: E402


def evaluate(path: Path) -> tuple[float, float, list[str]]:
    tp = fp = fn = 0
    wrong = []
    for item in json.loads(path.read_text(encoding="utf-8")):
        article = Article(id=article_id(item["url"]), url=item["url"], title=item["title"],
                          body=item["body"], section=item.get("section"))
        keep = classify(article).keep
        tp += keep and item["education"]
        fp += keep and not item["education"]
        fn += not keep and item["education"]
        if keep != item["education"]:
            wrong.append(f"{'FP' if keep else 'FN'} {item['title']}")
    return tp / max(1, tp + fp), tp / max(1, tp + fn), wrong


def main() -> None:
    for name in ("labelled", "heldout"):
        path = ROOT / "tests" / "fixtures" / "topic" / f"{name}.json"
        count = len(json.loads(path.read_text(encoding="utf-8")))
        precision, recall, wrong = evaluate(path)
        print(f"{name:<9} {count:>3} articles  precision {precision:.3f}  recall {recall:.3f}")
        for line in wrong:
            print(f"  {line}")


if __name__ == "__main__":
    main()
