"""newsmon on a server: the archive and index in PostgreSQL (indexer/postgres_index.py,
indexer/archive.py over indexer/sql.py) against the embedded SQLite archive and Whoosh
index, same corpus, same queries, same run.

    .venv/bin/python benchmarks/server.py [N] [--scale K] [--queries-per-kind Q] [--admin URL]
        [--keep] [--queries-on URL] [--no-crawl]
    (default 20000 articles, 20 queries a kind, postgresql://postgres@127.0.0.1/postgres)

Builds N synthetic Russian articles (benchmarks/corpus.py), imports them into a Whoosh
data dir and into a PostgreSQL one (a fresh database, dropped afterwards) through
App.import_file, then times each query kind through App.search (a page of ten with
snippets and exact totals, grouped by story), checking both backends' totals agree.
Reports import throughput (archiving, stories and indexing: "whoosh" is the SQLite
archive with the Whoosh index) with the CPU it took, of this process, its workers and
the local PostgreSQL server, against what the cores could give; query latency (median,
p95) and bytes per article of the index and of the archive.

`--scale K` then makes the PostgreSQL archive K times as large, N*K articles (100000
--scale 10 for the million of the goals): each article is copied K-1 times in SQL
(its index row and its archive row, new id and url, its story a new one), the GIN
indexes built again over the whole, and the queries timed again on PostgreSQL alone.
The copies hold the same words, so each query matches K times as many articles.
`--keep` leaves the PostgreSQL database there (its URL printed) and `--queries-on URL`
times the queries again on such a database alone (give the same N): building a million
takes most of an hour, a second timing on a quiet machine a few minutes.

Last (not with --queries-on; `--no-crawl` skips it), the crawl half of the goals: 200
articles from a local site that answers each page in 200 ms, crawled by 1, 2 and 4
workers sharing one Redis frontier (benchmarks/workers.py, which runs it alone with
other sizes), each worker two requests in flight: time from first to last request and
the speed-up against one worker, beside the ideal.
"""

from __future__ import annotations

import argparse
import os
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


def cpu_seconds() -> tuple[float, float, float]:
    """CPU time of this process, of its children that ended (the import's signing
    workers) and of the local PostgreSQL's processes now running (Linux' /proc; a
    backend that ended in between, an autovacuum worker say, is missed): whether an
    import is bound by the cores, and whose work it is."""
    import resource

    own = resource.getrusage(resource.RUSAGE_SELF)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    server = 0
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            if Path(f"/proc/{pid}/comm").read_text().startswith("postgres"):
                fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
                server += int(fields[11]) + int(fields[12])  # utime, stime
        except OSError:
            continue
    return (own.ru_utime + own.ru_stime, children.ru_utime + children.ru_stime,
            server / os.sysconf("SC_CLK_TCK"))


def timed(apps: dict, queries: list) -> tuple[dict[tuple[str, str], list[float]], list[str]]:
    """Each query on each backend, in turn; the exact totals compared across backends
    (the queries whose totals differ are returned)."""
    times: dict[tuple[str, str], list[float]] = {}
    differing = []
    for _, app in apps.items():  # warm: the first search loads what a server keeps
        app.search("школа")
    for kind, text, options in queries:
        totals = []
        for label, app in apps.items():
            started = time.perf_counter()
            found = app.search(text, limit=10, **options)
            times.setdefault((label, kind), []).append(time.perf_counter() - started)
            totals.append((found.total, found.articles))
        if len(set(totals)) > 1:
            differing.append(f"{kind} {text} {options}: {totals}")
    print(f"queries: {len(queries)} a backend, exact totals differing: {len(differing)}")
    for line in differing:
        print("  " + line)
    return times, differing


def table(times: dict[tuple[str, str], list[float]], queries: list, labels: list[str]) -> None:
    """Median and p95 a kind and over all queries, in ms."""
    print(f"{'kind':16}" + "".join(f"{label + ' median / p95 ms':>30}" for label in labels))
    for kind in [*dict.fromkeys(k for k, _, _ in queries), "all"]:
        cells = []
        for label in labels:
            values = sorted(v for (lb, k), vs in times.items() for v in vs
                            if lb == label and kind in (k, "all"))
            cells.append(_cell(values))
        print(f"{kind:16}" + "".join(f"{c:>30}" for c in cells))


def _cell(values: list[float]) -> str:
    p95 = values[min(len(values) - 1, int(0.95 * len(values)))]
    return f"{statistics.median(values) * 1000:8.1f} / {p95 * 1000:7.1f}"


def scale(url: str, k: int) -> int:
    """The index and archive rows copied k-1 times (see the module's docstring)."""
    copies = "generate_series(1, %s) AS k" % (k - 1)
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("SET maintenance_work_mem = '1GB'")
        gins = conn.execute("SELECT indexname, indexdef FROM pg_indexes WHERE "
                            "tablename = 'articles' AND schemaname = 'public' AND "
                            "indexdef LIKE '%USING gin%'").fetchall()
        for name, _ in gins:
            conn.execute(f"DROP INDEX {name}")
        conn.execute(
            "INSERT INTO articles (id, url, source, title, published, published_at, day, "
            "story, multi, tags, doc, fields, title_doc, pairs) SELECT a.id || '-' || k, "
            "a.url || '#' || k, source, title, published, published_at, day, CASE WHEN "
            "story <> 0 THEN story + k * 281474976710656 ELSE 0 END, multi, tags, doc, "
            f"fields, title_doc, pairs FROM articles a, {copies}")
        conn.execute(
            "INSERT INTO archive.articles (id, url, source, title, lead, body, published, "
            "modified, author, section, tags, language, fetched, indexed, archived) "
            "SELECT id || '-' || k, url || '#' || k, source, title, lead, body, published, "
            "modified, author, section, tags, language, fetched, indexed, archived "
            f"FROM archive.articles, {copies}")
        for _, definition in gins:
            conn.execute(definition)
        conn.execute("VACUUM ANALYZE articles")
        conn.execute("VACUUM ANALYZE archive.articles")
        return conn.execute("SELECT count(*) FROM articles").fetchone()[0]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("n", nargs="?", type=int, default=20_000)
    parser.add_argument("--scale", type=int, default=1)
    parser.add_argument("--queries-per-kind", type=int, default=20)
    parser.add_argument("--admin", default="postgresql://postgres@127.0.0.1:5432/postgres")
    parser.add_argument("--keep", action="store_true")
    parser.add_argument("--queries-on")
    parser.add_argument("--no-crawl", action="store_true",
                        help="skip the crawl with 1, 2 and 4 workers (Redis)")
    args = parser.parse_args()
    import json

    if args.queries_on:
        bodies = [r["body"] for r, _ in zip(articles(args.n), range(2000), strict=False)]
        queries = _queries(args.queries_per_kind, bodies)
        work = Path(tempfile.mkdtemp(prefix="newsmon-server-"))
        app = App(DataDir(work / "pg", args.queries_on))
        print(f"{app.data_dir.index.count()} articles in {args.queries_on}")
        table(timed({"postgresql": app}, queries)[0], queries, ["postgresql"])
        app.close()
        shutil.rmtree(work, ignore_errors=True)
        return

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
            before = cpu_seconds()
            started = time.perf_counter()
            app.import_file(export)
            if label == "whoosh":
                app.compact()
            took = time.perf_counter() - started
            spent = [(b - a) / args.n * 1000 for a, b in zip(before, cpu_seconds(), strict=True)]
            print(f"import {label:10} {took:7.1f} s  {args.n / took:6.0f} articles/s; CPU ms an "
                  f"article: this process {spent[0]:.2f}, its workers {spent[1]:.2f}, "
                  f"PostgreSQL {spent[2]:.2f}; {sum(spent):.2f} in all, "
                  f"{os.cpu_count()} cores give {os.cpu_count() * took / args.n * 1000:.2f}")
        queries = _queries(args.queries_per_kind, bodies)
        times, _ = timed(apps, queries)
        table(times, queries, list(apps))
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
        if args.scale > 1:
            apps["whoosh"].close()
            pg = {"postgresql": apps.pop("postgresql")}
            started = time.perf_counter()
            total = scale(url, args.scale)
            print(f"scaled to {total} articles in {time.perf_counter() - started:.0f} s")
            table(timed(pg, queries)[0], queries, list(pg))
            apps = pg
        for app in apps.values():
            app.close()
    finally:
        from indexer.postgres_index import PostgresIndex

        PostgresIndex(url).close()
        if args.keep:
            print(f"kept: {url}")
        else:
            admin.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        shutil.rmtree(work, ignore_errors=True)
    if not args.no_crawl:
        import workers

        crawl = (200, 0.2, 2)  # articles, seconds a page, requests in flight a worker
        print("\ncrawl: a local site, one Redis frontier")
        workers.report(workers.measure(*crawl, [1, 2, 4]), *crawl)


if __name__ == "__main__":
    main()
