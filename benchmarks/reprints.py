"""Reprint detection: pairwise precision and recall on a labelled set, and what
clustering costs an import.

    .venv/bin/python benchmarks/reprints.py                      # dev and held-out sets
    .venv/bin/python benchmarks/reprints.py --import 20000 100000   # + import with/without

The labelled sets (benchmarks/reprints_set.py) are archived in their shuffled import
order through the real archive and `indexer/stories.py`, as `newsmon import` does.
A pair of articles is a true pair when both belong to one family (an original and its
reposts); precision and recall count pairs put in one story.  The dev seed is the one
the thresholds were tuned on; the held-out seed was not looked at while tuning.

The import comparison runs the real `newsmon import` in a child process on synthetic
news (benchmarks/corpus.py) where every tenth article reposts an earlier one, once as
it is and once with story assignment switched off in that process only.
"""

from __future__ import annotations

import argparse
import json
import random
import resource
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(ROOT))

from corpus import articles  # noqa: E402
from reprints_set import Writer, labelled  # noqa: E402

from indexer.archive import Archive  # noqa: E402
from indexer.article import Article  # noqa: E402
from indexer.store import SAVE_CHUNK  # noqa: E402
from indexer.stories import Stories, in_publication_order  # noqa: E402
from search.importer import BATCH as IMPORT_BATCH  # noqa: E402

DEV_SEED, HELD_OUT_SEED = 101, 202


def pairs(counts: Counter) -> int:
    return sum(n * (n - 1) // 2 for n in counts.values())


def evaluate(seed: int, families: int) -> dict:
    data = labelled(seed, families)
    with tempfile.TemporaryDirectory() as tmp, Archive(Path(tmp) / "a.sqlite") as archive:
        stories = Stories(archive.db)
        found: dict[str, str] = {}
        started = time.perf_counter()
        every = [Article.from_json(record) for _, _, record in data]
        for start in range(0, len(every), IMPORT_BATCH):  # as `newsmon import` orders them
            batch = [a for a, _, _ in in_publication_order(
                [(a, None, []) for a in every[start:start + IMPORT_BATCH]])]
            for i in range(0, len(batch), SAVE_CHUNK):
                with archive.transaction():
                    for article in batch[i:i + SAVE_CHUNK]:
                        archive.save(article)
                    found.update(stories.assign(batch[i:i + SAVE_CHUNK]))
        seconds = time.perf_counter() - started
    ids = [Article.from_json(r).id for _, _, r in data]
    truth = Counter(f for f, _, _ in data)
    predicted = Counter(found[i] for i in ids)
    both = Counter((f, found[i]) for (f, _, _), i in zip(data, ids, strict=True))
    tp = pairs(both)
    kind_of = {i: k for (_, k, _), i in zip(data, ids, strict=True)}
    family_of = {i: f for (f, _, _), i in zip(data, ids, strict=True)}
    wrong: Counter[str] = Counter()  # articles put in a story with another family's
    by_story: dict[str, set[int]] = {}
    for i in ids:
        by_story.setdefault(found[i], set()).add(family_of[i])
    for i in ids:
        if len(by_story[found[i]]) > 1:
            wrong[kind_of[i]] += 1
    return {"seed": seed, "articles": len(data), "families": len(truth),
            "stories": len(predicted), "true_pairs": pairs(truth),
            "precision": tp / max(1, pairs(predicted)), "recall": tp / max(1, pairs(truth)),
            "articles_per_s": len(data) / seconds, "in_mixed_stories": dict(wrong)}


def import_corpus(n: int, path: Path) -> None:
    """Synthetic news where every tenth article reposts an earlier one, edited."""
    rng = random.Random(3)
    writer = Writer(rng)
    kept: list[dict] = []
    with path.open("w", encoding="utf-8") as handle:
        for i, record in enumerate(articles(n, seed=2)):
            if i % 10 == 9 and kept:
                base = rng.choice(kept)
                record = {**record, "body": "\n\n".join(
                    writer.repost(base["body"].split("\n\n"), record["source"]))}
            elif len(kept) < 2000:
                kept.append(record)
            else:
                kept[rng.randrange(2000)] = record
            handle.write(json.dumps(record, ensure_ascii=False) + "\n")


# no story assignment, and no signing in worker processes for it
OFF = ("import indexer.stories as s; "
       "s.Stories.assign = lambda self, articles, signed=None: {a.id: None for a in articles}; "
       "s.Signer.__init__ = lambda self, procs=None: setattr(self, 'workers', []); "
       "s.Signer.submit = lambda self, articles: s.Signing(done=[None] * len(articles)); ")


# the child says its own peak: the largest of its process and its workers
PEAK = ("import atexit, resource; atexit.register(lambda: sys.stderr.write('peak %d\\n' % "
        "max(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss, "
        "resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss))); ")


def timed_import(corpus: Path, data_dir: Path, clustering: bool
                 ) -> tuple[float, float, float]:
    """Seconds, the import's own peak MB (its process or a worker's), and the peak MB of
    all children so far, of one `newsmon import` in a child process."""
    code = ("import sys; " + PEAK + ("" if clustering else OFF)
            + "from search.cli import main; sys.exit(main(sys.argv[1:]))")
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    started = time.perf_counter()
    done = subprocess.run([sys.executable, "-c", code, "--data-dir", str(data_dir), "import",
                           str(corpus)], check=True, cwd=ROOT, stdout=subprocess.DEVNULL,
                          stderr=subprocess.PIPE, text=True)
    seconds = time.perf_counter() - started
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    own = [int(line.split()[1]) for line in done.stderr.splitlines() if line.startswith("peak ")]
    return seconds, (own[-1] if own else 0) / 1024, max(peak, before) / 1024


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--families", type=int, default=300)
    parser.add_argument("--import", dest="sizes", type=int, nargs="*", default=[],
                        help="also time `newsmon import` of N articles with and without")
    args = parser.parse_args()
    for name, seed in (("dev", DEV_SEED), ("held-out", HELD_OUT_SEED)):
        r = evaluate(seed, args.families)
        print(f"{name:<9} seed {r['seed']}: {r['articles']} articles in {r['families']} "
              f"families, {r['true_pairs']} true pairs -> {r['stories']} stories; "
              f"precision {r['precision']:.4f}, recall {r['recall']:.4f}; "
              f"clustered {r['articles_per_s']:.0f} articles/s; "
              f"articles in mixed stories by kind: {r['in_mixed_stories'] or 'none'}")
    for n in args.sizes:
        with tempfile.TemporaryDirectory() as tmp:
            corpus = Path(tmp) / "corpus.jsonl"
            import_corpus(n, corpus)
            results = {}
            for clustering in (False, True):
                seconds, own, peak = timed_import(corpus, Path(tmp) / f"data-{clustering}",
                                                  clustering)
                results[clustering] = n / seconds
                label = "with stories   " if clustering else "without stories"
                print(f"import {n:>7} articles {label}: {seconds:6.1f} s, "
                      f"{n / seconds:5.0f} articles/s, peak {own:.0f} MB (of all children "
                      f"so far {peak:.0f} MB)", flush=True)
            print(f"import {n:>7} articles: with/without = "
                  f"{results[True] / results[False]:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
