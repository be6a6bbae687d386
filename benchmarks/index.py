"""Index throughput of `newsmon import` against SQLite FTS5 on the same articles, same run.

    .venv/bin/python benchmarks/index.py [N]      (default N = 2000)

FTS5 here tokenizes without any morphology, so it is a floor for the cost of
storing and indexing the text, not a like-for-like search engine.
"""

from __future__ import annotations

import json
import sqlite3
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # before this folder's search.py
from corpus import articles

from indexer.store import DataDir
from search.importer import import_jsonl


def size_mb(path: Path) -> float:
    return sum(f.stat().st_size for f in path.rglob("*") if f.is_file()) / 2**20


def main(n: int) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        source = root / "articles.jsonl"
        with source.open("w", encoding="utf-8") as handle:
            for record in articles(n):
                handle.write(json.dumps(record, ensure_ascii=False) + "\n")
        text_mb = source.stat().st_size / 2**20

        data_dir = DataDir(root / "newsmon")
        started = time.perf_counter()
        states = import_jsonl(source, data_dir)
        newsmon_s = time.perf_counter() - started
        assert states["new"] == n, states

        db = sqlite3.connect(root / "fts.sqlite")
        db.execute("CREATE VIRTUAL TABLE a USING fts5(title, body, tokenize='unicode61')")
        started = time.perf_counter()
        with source.open(encoding="utf-8") as handle, db:
            db.executemany("INSERT INTO a (title, body) VALUES (?, ?)",
                           ((r["title"], r["body"]) for r in map(json.loads, handle)))
        fts_s = time.perf_counter() - started
        db.close()

        print(f"{n} articles, {text_mb:.1f} MB of JSON")
        print(f"{'engine':<34} {'articles/s':>10} {'seconds':>8} {'MB on disk':>10}")
        print(f"{'newsmon import (archive+Whoosh)':<34} {n / newsmon_s:>10.0f} {newsmon_s:>8.2f} "
              f"{size_mb(root / 'newsmon'):>10.1f}")
        print(f"{'SQLite FTS5 (no morphology)':<34} {n / fts_s:>10.0f} {fts_s:>8.2f} "
              f"{(root / 'fts.sqlite').stat().st_size / 2**20:>10.1f}")
        print(f"ratio newsmon/FTS5 throughput: {fts_s / newsmon_s:.3f}")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 2000)
