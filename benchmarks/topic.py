"""Precision and recall of the education filter on the labelled fixture sets.

    .venv/bin/python benchmarks/topic.py

`labelled.json` is the set the lexicon was tuned on; `heldout.json` was written after
tuning and never used for it, so its figures are the honest ones.  The measure itself is
tests/measures.py's, shared with tests/test_topic.py.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

from measures import evaluate_topic as evaluate  # noqa: E402


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
