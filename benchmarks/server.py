"""newsmon on a server: the archive and index in PostgreSQL (indexer/postgres_index.py,
indexer/archive.py over indexer/sql.py) against the embedded SQLite archive and Whoosh
index, same corpus, same queries, same run.

    .venv/bin/python benchmarks/server.py [N] [--queries-per-kind Q] [--admin URL]
    (default 20000 articles, 20 queries a kind, postgresql://postgres@127.0.0.1/postgres)

Builds N synthetic Russian articles (benchmarks/corpus.py), imports them into a Whoosh
data dir and into a PostgreSQL one (a fresh database, dropped afterwards) through
App.import_file, then times each query kind through App.search (a page of ten with
snippets and exact totals, grouped by story), checking both backends' totals agree.
Reports import throughput (archiving, stories and indexing: "whoosh" is the SQLite
archive with the Whoosh index), query latency (median, p95) and bytes per article of the
index and of the archive.
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(ROOT))  # before this folder's search.py

import psycopg  # noqa: E402
from corpus import articles  # noqa: E402

from indexer.store import DataDir  # noqa: E402
from search.app import App  # noqa: E402


def _queries(per_kind: int, bodies: list[str]) -> list:
    """benchmarks/search.py's queries (its name is the package's, so loaded by path)."""
    import importlib.util

    spec = importlib.util.spec_from_file_location("bench_search",
                                                  Path(__file__).with_name("search.py"))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.make_queries(per_kind, bodies)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("n", nargs="?", type=int, default=20_000)
    parser.add_argument("--queries-per-kind", type=int, default=20)
    parser.add_argument("--admin", default="postgresql://postgres@127.0.0.1:5432/postgres")
    args = parser.parse_args()
    import json

    work = Path(tempfile.mkdtemp(prefix="newsmon-server-"))
    name = f"newsmon_bench_{uuid.uuid4().hex[:8]}"
    admin = psycopg.connect(args.admin, autocommit=True)
    admin.execute(f"CREATE DATABASE {name}")
    url = args.admin.rsplit("/", 1)[0] + f"/{name}"
    try:
        export = work / "corpus.jsonl"
        bodies = []
        with export.open("w", encoding="utf-8") as out:
            for record in articles(args.n):
                out.write(json.dumps(record, ensure_ascii=False) + "\n")
                if len(bodies) < 2000:
                    bodies.append(record["body"])
        print(f"{args.n} articles, {export.stat().st_size / args.n:.0f} bytes of JSON each")
        apps = {"whoosh": App(DataDir(work / "whoosh", None)),
                "postgresql": App(DataDir(work / "pg", url))}
        for label, app in apps.items():
            started = time.perf_counter()
            app.import_file(export)
            if label == "whoosh":
                app.compact()
            took = time.perf_counter() - started
            print(f"import {label:10} {took:7.1f} s  {args.n / took:6.0f} articles/s")
        queries = _queries(args.queries_per_kind, bodies)
        times: dict[tuple[str, str], list[float]] = {}
        mismatched = 0
        for _, app in apps.items():  # warm: the first search loads what a server keeps
            app.search("школа")
        for kind, text, options in queries:
            totals = []
            for label, app in apps.items():
                started = time.perf_counter()
                found = app.search(text, limit=10, **options)
                times.setdefault((label, kind), []).append(time.perf_counter() - started)
                totals.append((found.total, found.articles))
            mismatched += totals[0] != totals[1]
        print(f"queries: {len(queries)} a backend, exact totals differing: {mismatched}")
        print(f"{'kind':16} {'whoosh median/p95 ms':>22} {'postgresql median/p95 ms':>26}")
        for kind in dict.fromkeys(k for k, _, _ in queries):
            cells = []
            for label in apps:
                values = sorted(times[(label, kind)])
                p95 = values[min(len(values) - 1, int(0.95 * len(values)))]
                cells.append(f"{statistics.median(values) * 1000:8.1f} / {p95 * 1000:7.1f}")
            print(f"{kind:16} {cells[0]:>22} {cells[1]:>26}")
        whoosh_bytes = sum(f.stat().st_size for f in (work / "whoosh" / "index").rglob("*")
                           if f.is_file())
        with psycopg.connect(url) as conn:
            pg_bytes = conn.execute("SELECT pg_total_relation_size('articles') "
                                    "+ pg_total_relation_size('readings')").fetchone()[0]
            gin = conn.execute("SELECT pg_relation_size('articles_doc')").fetchone()[0]
            archive_bytes = conn.execute(
                "SELECT sum(pg_total_relation_size(c.oid)) FROM pg_class c JOIN pg_namespace n "
                "ON n.oid = c.relnamespace WHERE n.nspname = 'archive' AND c.relkind = 'r'"
            ).fetchone()[0]
        print(f"index size: whoosh {whoosh_bytes / args.n:.0f} bytes/article, postgresql "
              f"{pg_bytes / args.n:.0f} bytes/article (GIN {gin / args.n:.0f})")
        sqlite_bytes = (work / "whoosh" / "archive.sqlite").stat().st_size
        print(f"archive size: sqlite {sqlite_bytes / args.n:.0f} bytes/article, postgresql "
              f"{archive_bytes / args.n:.0f} bytes/article")
        for app in apps.values():
            app.close()
    finally:
        from indexer.postgres_index import PostgresIndex

        PostgresIndex(url).close()
        admin.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
