"""Extraction accuracy and speed: newsmon's cleaner against trafilatura, same pages, same run.

    .venv/bin/pip install trafilatura      # a benchmark-only dependency
    .venv/bin/python benchmarks/extraction.py [--show-misses]

The golden set (tests/measures.py, shared with tests/test_extraction_accuracy.py) is
every page the tests keep with a known truth: the fixture and demo
sites' articles (truth: the article data they are rendered from, tests/fixtures/
articles.py), one page per bundled source (truth: the text and dates they are written
with, tests/fixtures/sources/make_pages.py), and the saved pages of tests/fixtures/pages
(truth: their reviewed JSON).  Fields: title (exact), date (the day; newsmon also to the
minute with its offset), author, body start and end (first and last 40 characters of the
true text), boilerplate leaks (navigation, share bars, «Читайте также», comments, ads,
captions in the body), and non-articles recognized.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

from measures import FIELDS, Truth, golden_set, page_html, run_newsmon, score  # noqa: E402

from crawler.config import bundled_sources_path, load_config  # noqa: E402


def run_trafilatura(truth: Truth) -> dict | None:
    import trafilatura

    doc = trafilatura.bare_extraction(page_html(truth), url=truth.url, with_metadata=True,
                                      include_comments=False,
                                      date_extraction_params={"extensive_search": True})
    if doc is None:
        return None
    data = doc if isinstance(doc, dict) else doc.as_dict()
    if not (data.get("text") or "").strip():
        return None
    return {"title": data.get("title"), "date": data.get("date"),
            "author": data.get("author"), "text": data.get("text") or ""}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--show-misses", action="store_true")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    config = load_config(bundled_sources_path())
    truths = golden_set()
    engines = {"newsmon": lambda t: run_newsmon(t, config), "trafilatura": run_trafilatura}
    results: dict[str, dict[str, list[bool]]] = {}
    speed: dict[str, float] = {}
    minute_hits = []
    for name, engine in engines.items():
        engine(truths[0])  # warm up: imports, dictionaries
        fields: dict[str, list[bool]] = {f: [] for f in FIELDS}
        started = time.perf_counter()
        for _ in range(args.repeat):
            outputs = [engine(t) for t in truths]
        speed[name] = (time.perf_counter() - started) / (args.repeat * len(truths)) * 1000
        for truth, out in zip(truths, outputs, strict=True):
            for field, ok in score(truth, out).items():
                fields[field].append(ok)
                if not ok and args.show_misses:
                    got = None if out is None else {k: (v or "")[:70] for k, v in out.items()}
                    print(f"  {name} missed {field}: {truth.page.relative_to(ROOT)} -> {got}")
            if name == "newsmon" and truth.article and out and truth.published and \
                    len(truth.published) > 10:
                minute_hits.append(out["date"] == truth.published)
        results[name] = fields
    articles = sum(t.article for t in truths)
    print(f"{len(truths)} distinct pages ({articles} articles, "
          f"{len(truths) - articles} non-articles)\n")
    print(f"{'field':<16}{'newsmon':>10}{'trafilatura':>13}{'ratio':>8}")
    for field in FIELDS:
        ours = statistics.mean(results["newsmon"][field]) * 100
        theirs = statistics.mean(results["trafilatura"][field]) * 100
        print(f"{field:<16}{ours:>9.1f}%{theirs:>12.1f}%{ours / max(theirs, 0.1):>8.2f}")
    print(f"{'date+time+zone':<16}{statistics.mean(minute_hits) * 100:>9.1f}%{'—':>13}")
    print(f"{'ms per page':<16}{speed['newsmon']:>10.1f}{speed['trafilatura']:>13.1f}"
          f"{speed['newsmon'] / speed['trafilatura']:>8.2f}")


if __name__ == "__main__":
    main()
