"""Real Russian news in both backends: what the PostgreSQL index's pair words (migration
005) and day lexemes (006) come to on real text, and whether its answers stay Whoosh's.

    .venv/bin/python benchmarks/realnews.py --lay-out     # first: texts out of the mirror
    .venv/bin/python benchmarks/realnews.py [N] [--queries Q] [--admin URL]

The texts are 9,136 articles of RT (russian.rt.com) and Nezavisimaya Gazeta (ng.ru) from
the keyword-extraction datasets of mannefedov/ru_kw_eval_datasets, read at the commit
pinned below from a mirror (the search tool's `fetch`) into benchmarks/realnews/ (git-
ignored: third-party texts are never committed).  They carry no dates, so article i is
given day i of a run of days from 2024-01-01 (one article a day), which makes the date
ranges' sizes those of a steady source.

The first N (default all) are imported into a Whoosh data dir and into a fresh PostgreSQL
database (dropped afterwards) through App.import_file; then Q queries a kind drawn from
the texts themselves (words, phrases as they occur, date ranges, prefixes, OR, NOT, a
field, sorted by date) run on both: exact totals compared, and sorted by date the pages
and their counts a day too; median and p95 timed.  Reports the
pair words chosen, pairs per article, the bytes they take, and the same figures for the
synthetic corpus (benchmarks/corpus.py) of the same size in the same run, which the
server benchmark's million is made of.
"""

from __future__ import annotations

import argparse
import io
import json
import random
import re
import shutil
import statistics
import sys
import tempfile
import time
import uuid
import zipfile
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "benchmarks"))
sys.path.insert(0, str(ROOT / "benchmarks" / "realpages"))
sys.path.insert(0, str(ROOT))

HERE = ROOT / "benchmarks" / "realnews"
TEXTS = HERE / "articles.jsonl"
REPO = "mannefedov/ru_kw_eval_datasets"
COMMIT = "f0492949945f669d8fc064d703eb6f02c2e9f553"
FILES = [f"data/russia_today_{i}.jsonlines.zip" for i in range(8)] + [
    "data/ng_0.jsonlines.zip", "data/ng_1.jsonlines.zip"]
FIRST_DAY = date(2024, 1, 1)


def lay_out(mirror_root: Path) -> int:
    """The mirror's articles as newsmon export records, each URL once, none under 20
    words.  The zips hold JSON lines whose texts contain U+2028, so lines are split on
    '\\n' only."""
    from lay_out import find_git_dir, git_show

    git_dir = find_git_dir(mirror_root, REPO)
    if git_dir is None:
        sys.exit(f"no mirror of {REPO} under {mirror_root}: fetch it first")
    seen: set[str] = set()
    HERE.mkdir(exist_ok=True)
    with TEXTS.open("w", encoding="utf-8") as out:
        for path in FILES:
            data = git_show(git_dir, COMMIT, path)
            if data is None:
                sys.exit(f"{path} is not at {COMMIT} in {git_dir}")
            archive = zipfile.ZipFile(io.BytesIO(data))
            for name in archive.namelist():
                if not name.endswith(".jsonlines") or "MACOSX" in name:
                    continue
                for line in archive.read(name).decode("utf-8").split("\n"):
                    if not line.strip():
                        continue
                    item = json.loads(line)
                    body = (item.get("content") or "").strip()
                    if len(body.split()) < 20 or item["url"] in seen:
                        continue
                    seen.add(item["url"])
                    day = FIRST_DAY + timedelta(days=len(seen) - 1)
                    out.write(json.dumps({
                        "url": item["url"], "source": item["url"].split("/")[2],
                        "title": (item.get("title") or "").strip() or body[:80],
                        "body": body, "published": f"{day.isoformat()}T12:00:00+03:00",
                    }, ensure_ascii=False) + "\n")
    return len(seen)


def queries(bodies: list[str], per_kind: int) -> list[tuple[str, str, dict]]:
    """Words as they stand side by side in the texts, in every kind the query language and
    the search options have: what an analyst asks of such an archive."""
    from indexer.analysis import STOP_WORDS

    rng = random.Random(11)
    found: list[tuple[str, str, dict]] = []
    n = 0  # rounds drawn, one query of each kind a round
    while n < per_kind:
        words = re.findall(r"\w+", rng.choice(bodies).lower())
        i = rng.randrange(max(1, len(words) - 3))
        two, three = words[i:i + 2], words[i:i + 3]
        if len(three) < 3 or not set(two) - STOP_WORDS or any(w.isdigit() for w in three):
            continue
        content = [w for w in three if w not in STOP_WORDS and len(w) > 2]
        if len(content) < 2:
            continue
        a, b = content[:2]
        year = FIRST_DAY.year + n % 2
        month = 1 + n % 11
        found += [("one word", a, {}),
                  ("phrase of two", '"' + " ".join(two) + '"', {}),
                  ("phrase of three", '"' + " ".join(three) + '"', {}),
                  ("word in a month", b, {"day_from": date(year, month, 1),
                                          "day_to": date(year, month, 28)}),
                  ("across months", a, {"day_from": date(year, month, 20),
                                        "day_to": date(year, month + 1, 10)}),
                  ("from a day on", a, {"day_from": date(year, month, 1 + n % 28)}),
                  ("prefix", a[:max(4, len(a) - 2)] + "*", {}),
                  ("OR", f"{a} OR {b}", {}),
                  ("NOT", f"{a} NOT {b}", {}),
                  ("in the title", f"title:{a}", {}),
                  ("sorted by date", a, {"sort": "date"})]
        n += 1
    return found


def same_pages(apps: dict, queries: list) -> tuple[list[str], int]:
    """Sorted by date, both backends must give the same page, article for article (one
    article a day, so no two share a date), and the same counts a day when asked; with
    how many of the pages compared held hits."""
    differing, filled = [], 0
    for kind, text, options in queries:
        if options.get("sort") != "date":
            continue
        pages = [app.search(text, limit=10, facets=True, **options) for app in apps.values()]
        ids = [[h.id for h in page.hits] for page in pages]
        days = [page.days for page in pages]
        filled += bool(ids[0])
        if ids[0] != ids[1] or days[0] != days[1]:
            differing.append(f"{kind} {text}: pages or days differ")
    return differing, filled


def pair_figures(url: str) -> dict:
    import psycopg

    with psycopg.connect(url) as conn:
        words, lowest = conn.execute("SELECT count(*), min(n) FROM (SELECT p.word, (SELECT "
                                     "ndoc FROM ts_stat('SELECT doc FROM articles') s WHERE "
                                     "s.word = p.word) n FROM pair_words p) t").fetchone()
        rows = conn.execute("SELECT count(*) FROM articles").fetchone()[0]
        counts = sorted(c for c, in conn.execute(
            "SELECT cardinality(pairs) FROM articles"))
        sizes = conn.execute(
            "SELECT avg(pg_column_size(pairs)), avg(pg_column_size(doc)), "
            "pg_relation_size('articles_pairs'), pg_relation_size('articles_doc') "
            "FROM articles").fetchone()
    return {"rows": rows, "pair words": words, "lowest share": (lowest or 0) / rows,
            "pairs a row (mean)": statistics.mean(counts),
            "pairs a row (median)": statistics.median(counts),
            "pairs a row (p95)": counts[int(0.95 * (len(counts) - 1))],
            "pairs bytes a row": float(sizes[0]), "doc bytes a row": float(sizes[1]),
            "pairs GIN bytes a row": sizes[2] / rows, "doc GIN bytes a row": sizes[3] / rows}


def run(export: Path, admin: str, per_kind: int, compare: bool) -> dict:
    import psycopg

    from indexer.store import DataDir
    from search.app import App

    work = Path(tempfile.mkdtemp(prefix="newsmon-realnews-"))
    name = f"newsmon_realnews_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f"CREATE DATABASE {name}")
    url = admin.rsplit("/", 1)[0] + f"/{name}"
    figures: dict = {}
    try:
        apps = {"postgresql": App(DataDir(work / "pg", url))}
        if compare:
            apps["whoosh"] = App(DataDir(work / "whoosh", None))
        n = sum(1 for _ in export.open(encoding="utf-8"))
        for label, app in apps.items():
            started = time.perf_counter()
            app.import_file(export)
            figures[f"import {label} /s"] = n / (time.perf_counter() - started)
        figures.update(pair_figures(url))
        if compare:
            from server import timed

            figures["queries"] = queries(
                [json.loads(line)["body"] for line in export.open(encoding="utf-8")], per_kind)
            figures["times"], figures["differing"] = timed(apps, figures["queries"])
            pages, figures["pages"] = same_pages(apps, figures["queries"])
            figures["differing"] += pages
        for app in apps.values():
            app.close()
    finally:
        from indexer.postgres_index import PostgresIndex

        PostgresIndex(url).close()
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        shutil.rmtree(work, ignore_errors=True)
    return figures


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("n", nargs="?", type=int)
    parser.add_argument("--queries", type=int, default=25, help="a kind")
    parser.add_argument("--admin", default="postgresql://postgres@127.0.0.1:5432/postgres")
    parser.add_argument("--lay-out", action="store_true")
    parser.add_argument("--mirror-root", type=Path, default=Path("/work/.mirror"))
    args = parser.parse_args()
    if args.lay_out:
        print(f"{lay_out(args.mirror_root)} articles in {TEXTS}")
        return
    if not TEXTS.exists():
        sys.exit(f"{TEXTS} is missing: run with --lay-out first")
    from corpus import articles

    work = Path(tempfile.mkdtemp(prefix="newsmon-realnews-"))
    try:
        real = work / "real.jsonl"
        with TEXTS.open(encoding="utf-8") as src, real.open("w", encoding="utf-8") as out:
            for i, line in enumerate(src):
                if args.n is not None and i >= args.n:
                    break
                out.write(line)
        n = sum(1 for _ in real.open(encoding="utf-8"))
        synthetic = work / "synthetic.jsonl"
        with synthetic.open("w", encoding="utf-8") as out:
            for record in articles(n):
                out.write(json.dumps(record, ensure_ascii=False) + "\n")
        print(f"{n} real articles, {real.stat().st_size / n:.0f} bytes of JSON each "
              f"(synthetic: {synthetic.stat().st_size / n:.0f})")
        results = {"real": run(real, args.admin, args.queries, compare=True),
                   "synthetic": run(synthetic, args.admin, args.queries, compare=False)}
    finally:
        shutil.rmtree(work, ignore_errors=True)
    print(f"{'':28}{'real':>14}{'synthetic':>14}")
    for key, value in results["real"].items():
        if key in ("queries", "times", "differing", "pages"):
            continue
        other = results["synthetic"].get(key, float("nan"))
        print(f"{key:28}{value:14.3f}{other:14.3f}" if isinstance(value, float)
              else f"{key:28}{value:14}{other:14}")
    from server import table

    print("\nreal-text queries")
    table(results["real"]["times"], results["real"]["queries"], ["whoosh", "postgresql"])
    print(f"differing between the backends: {len(results['real']['differing'])} "
          f"(exact totals of {len(results['real']['queries'])} queries; the pages sorted by "
          f"date, {results['real']['pages']} of them with hits, and their counts a day)")
    for line in results["real"]["differing"]:
        print("  " + line)


if __name__ == "__main__":
    main()
