"""Search at archive scale: newsmon (Whoosh, lemmatized) against SQLite FTS5, same corpus,
same queries, same run.

    .venv/bin/python benchmarks/search.py [N] [--queries-per-kind Q]   (default 20000, 100)

Builds N synthetic Russian articles (benchmarks/corpus.py), imports them with the real
`newsmon import` (a child process, as a user runs it), then times queries of each kind
in-process with top-10 snippets, and a cold `newsmon search` as a separate process; then
the same after `newsmon compact` has merged the segments the import left.
FTS5 gets the same lemmatized text (newsmon's analyzer), so both engines answer the same
questions; its snippets are cut from that lemma text.
"""

from __future__ import annotations

import argparse
import json
import random
import resource
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(ROOT))  # before this folder's search.py

from corpus import articles, vocabulary  # noqa: E402

from indexer.analysis import STOP_WORDS, lemma, russian_analyzer  # noqa: E402
from indexer.store import DataDir  # noqa: E402
from search.engine import Searcher  # noqa: E402

KINDS = ("one word", "two words", "phrase", "OR", "NOT", "date range", "sorted by date")


def make_queries(per_kind: int, bodies: list[str]) -> list[tuple[str, str, dict]]:
    rng = random.Random(5)
    # what analysts type: content words, neither the corpus's few ubiquitous words nor its
    # one-off rarities: ranks 20 to 5,000 of the Zipf-ranked vocabulary, uniformly
    vocab = [w for w in vocabulary() if w.lower() not in STOP_WORDS and len(w) > 2][20:5000]

    def word() -> str:
        return rng.choice(vocab).lower()

    queries = []
    for _ in range(per_kind):
        a, b = word(), word()
        body = rng.choice(bodies).split()
        i = rng.randrange(len(body) - 1)
        phrase = f"{body[i]} {body[i + 1]}".strip(".,").lower()
        if not set(phrase.split()) - STOP_WORDS:
            phrase = f"{a} {b}"
        year = rng.randint(2015, 2025)
        queries += [
            ("one word", a, {}),
            ("two words", f"{a} {b}", {}),
            ("phrase", f'"{phrase}"', {}),
            ("OR", f"{a} OR {b}", {}),
            ("NOT", f"{a} NOT {b}", {}),
            ("date range", a, {"day_from": date(year, 1, 1), "day_to": date(year, 12, 31)}),
            ("sorted by date", a, {"sort": "date"}),
        ]
    return queries


def fts_build(db: sqlite3.Connection, source: Path) -> float:
    analyzer = russian_analyzer()

    def lemmas(text: str) -> str:
        return " ".join(t.text for t in analyzer(text, mode="query"))

    db.execute("CREATE VIRTUAL TABLE a USING fts5(title, body, day UNINDEXED, "
               "published UNINDEXED, tokenize='unicode61')")
    started = time.perf_counter()
    with source.open(encoding="utf-8") as handle, db:
        for record in map(json.loads, handle):
            day = int(record["published"][:10].replace("-", ""))
            db.execute("INSERT INTO a VALUES (?, ?, ?, ?)", (lemmas(record["title"]),
                       lemmas(record["body"]), day, record["published"]))
    return time.perf_counter() - started


def fts_query(db: sqlite3.Connection, text: str, options: dict) -> None:
    def lem(word: str) -> str:
        return lemma(word.strip('"').lower())

    if text.startswith('"'):
        match = '"' + " ".join(lem(w) for w in text.strip('"').split()) + '"'
    elif " OR " in text:
        match = " OR ".join(lem(w) for w in text.split(" OR "))
    elif " NOT " in text:
        match = " NOT ".join(lem(w) for w in text.split(" NOT "))
    else:
        match = " ".join(lem(w) for w in text.split())
    sql = "SELECT rowid, snippet(a, 1, '<b>', '</b>', '…', 24) FROM a WHERE a MATCH ?"
    args: list = [match]
    if "day_from" in options:
        sql += " AND day BETWEEN ? AND ?"
        args += [int(options["day_from"].strftime("%Y%m%d")),
                 int(options["day_to"].strftime("%Y%m%d"))]
    sql += " ORDER BY published DESC" if options.get("sort") == "date" else " ORDER BY rank"
    db.execute(sql + " LIMIT 10", args).fetchall()
    db.execute(f"SELECT COUNT(*) FROM a WHERE a MATCH ?{' AND day BETWEEN ? AND ?' if len(args) > 1 else ''}", args).fetchone()  # noqa: E501 - total hits, as newsmon reports


def timed(fn, queries) -> dict[str, list[float]]:
    times: dict[str, list[float]] = {kind: [] for kind in KINDS}
    for kind, text, options in queries:
        started = time.perf_counter()
        fn(text, options)
        times[kind].append((time.perf_counter() - started) * 1000)
    return times


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


PROBE = ("import resource, subprocess, sys, time; t = time.perf_counter(); "
         "subprocess.run(sys.argv[1:], check=True, stdout=subprocess.DEVNULL); "
         "print(time.perf_counter() - t, "
         "resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024)")
# the reference's cold query: a new Python process, the same word (as its lemma), top 10
# with snippets and the total
FTS_COLD = ("import sqlite3, sys; db = sqlite3.connect(sys.argv[1]); "
            "db.execute(\"SELECT rowid, snippet(a, 1, '<b>', '</b>', '…', 24) FROM a "
            "WHERE a MATCH ? ORDER BY rank LIMIT 10\", (sys.argv[2],)).fetchall(); "
            "db.execute('SELECT COUNT(*) FROM a WHERE a MATCH ?', (sys.argv[2],)).fetchone()")


def cold_search(data_dir: Path, fts: Path, word: str, first: bool
                ) -> tuple[float, float, float]:
    """Wall seconds and peak MB of one `newsmon search` process, and wall seconds of the
    FTS5 query in a new process, each the median of 9 runs taken in turn (this VM's speed
    jumps by a third for seconds at a time); `first`: as the first search for that word
    (nothing kept in words.sqlite yet)."""
    def probe(*command: str) -> tuple[float, float]:
        out = subprocess.run([sys.executable, "-c", PROBE, *command], capture_output=True,
                             text=True, check=True).stdout.split()
        return float(out[0]), float(out[1])

    ours, theirs = [], []
    for _ in range(9):
        if first:
            (data_dir / "words.sqlite").unlink(missing_ok=True)
        ours.append(probe(str(ROOT / ".venv/bin/newsmon"), "--data-dir", str(data_dir),
                          "search", word, "--limit", "10"))
        theirs.append(probe(sys.executable, "-c", FTS_COLD, str(fts), lemma(word))[0])
    return (statistics.median(r[0] for r in ours), statistics.median(r[1] for r in ours),
            statistics.median(theirs))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("n", nargs="?", type=int, default=20_000)
    parser.add_argument("--queries-per-kind", type=int, default=100)
    parser.add_argument("--keep", type=Path, help="build in this directory and keep it")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        root = args.keep or Path(tmp)
        root.mkdir(parents=True, exist_ok=True)
        source = root / f"articles-{args.n}.jsonl"
        if not source.exists():  # a kept directory reuses the corpus (it is deterministic)
            with source.open("w", encoding="utf-8") as handle:
                for record in articles(args.n):
                    handle.write(json.dumps(record, ensure_ascii=False) + "\n")
        with source.open(encoding="utf-8") as handle:
            bodies = [json.loads(line)["body"]
                      for _, line in zip(range(2000), handle, strict=False)]
        data_dir = root / "newsmon"
        shutil.rmtree(data_dir, ignore_errors=True)
        (root / "fts.sqlite").unlink(missing_ok=True)
        started = time.perf_counter()
        subprocess.run([str(ROOT / ".venv/bin/newsmon"), "--data-dir", str(data_dir),
                        "import", str(source)], check=True, stdout=subprocess.DEVNULL)
        import_s = time.perf_counter() - started
        import_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
        index_mb = sum(f.stat().st_size for f in (data_dir / "index").iterdir()) / 2**20

        db = sqlite3.connect(root / "fts.sqlite")
        fts_s = fts_build(db, source)
        fts_mb = (root / "fts.sqlite").stat().st_size / 2**20

        queries = make_queries(args.queries_per_kind, bodies)
        theirs = timed(lambda text, options: fts_query(db, text, options), queries)
        word = vocabulary()[3].lower()
        as_imported = measure(data_dir, queries, word)
        started = time.perf_counter()
        subprocess.run([str(ROOT / ".venv/bin/newsmon"), "--data-dir", str(data_dir),
                        "compact"], check=True, stdout=subprocess.DEVNULL)
        compact_s = time.perf_counter() - started
        compacted = measure(data_dir, queries, word)

    print(f"{args.n} articles; {len(queries)} queries, top 10 with snippets and total count\n")
    print(f"{'':<22}{'newsmon':>12}{'FTS5':>12}{'ratio':>8}")
    print(f"{'import articles/s':<22}{args.n / import_s:>12.0f}{args.n / fts_s:>12.0f}"
          f"{fts_s / import_s:>8.2f}")
    print(f"{'index MB':<22}{index_mb:>12.0f}{fts_mb:>12.0f}{index_mb / fts_mb:>8.2f}")
    print(f"{'import peak MB':<22}{import_mb:>12.0f}")
    print(f"{'`newsmon compact` s':<22}{compact_s:>12.1f}")
    for title, (ours, cold) in (("as imported", as_imported),
                                ("after `newsmon compact`", compacted)):
        report(title, ours, theirs, cold)


def measure(data_dir: Path, queries: list, word: str) -> tuple[dict, list]:
    searcher = Searcher(DataDir(data_dir))
    searcher.search("школа")  # warm: the first query loads the dictionaries
    ours = timed(lambda text, options: searcher.search(text, limit=10, **options), queries)
    searcher.close()
    fts = data_dir.parent / "fts.sqlite"
    return ours, [cold_search(data_dir, fts, word, first) for first in (True, False)]


def report(title: str, ours: dict, theirs: dict, cold: list) -> None:
    print(f"\n{'query (ms), ' + title:<40}{'median':>9}{'p95':>9}{'FTS5 med':>10}"
          f"{'FTS5 p95':>10}{'ratio med':>10}")
    everything, reference = [], []
    for kind in KINDS:
        a, b = ours[kind], theirs[kind]
        everything += a
        reference += b
        print(f"{kind:<40}{statistics.median(a):>9.1f}{pct(a, 0.95):>9.1f}"
              f"{statistics.median(b):>10.1f}{pct(b, 0.95):>10.1f}"
              f"{statistics.median(a) / max(statistics.median(b), 1e-3):>10.1f}")
    print(f"{'all kinds':<40}{statistics.median(everything):>9.1f}{pct(everything, 0.95):>9.1f}"
          f"{statistics.median(reference):>10.1f}{pct(reference, 0.95):>10.1f}"
          f"{statistics.median(everything) / statistics.median(reference):>10.1f}")
    print(f"mean per query: newsmon {statistics.mean(everything):.1f} ms, "
          f"FTS5 {statistics.mean(reference):.1f} ms")
    for (cold_s, cold_mb, fts_s), when in zip(cold, ("first search of a word",
                                                     "repeated search"), strict=True):
        print(f"cold `newsmon search`, {when}: {cold_s:.2f} s wall, {cold_mb:.0f} MB peak; "
              f"FTS5 in a new Python process {fts_s:.2f} s")


if __name__ == "__main__":
    main()
