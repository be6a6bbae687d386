"""The web page at archive scale: search page latency and exports, with `newsmon search`
(the CLI, over the same App) as the peer, same archive, same run.

    .venv/bin/python benchmarks/web.py [N] [--queries Q] [--keep DIR]   (default 20000, 60)

Builds N synthetic Russian articles (benchmarks/corpus.py) and imports them with the real
`newsmon import` (a child process), unless --keep DIR already holds that import.  Then:
- the search page `/?q=…` (one page of 20 hits with snippets, the chart and the counts
  by source, rendered) through Starlette's in-process client, Q queries of five kinds;
- the same queries through App.search (what `newsmon search` runs, top 10) in-process,
  and a cold `newsmon search` process for a subset;
- /export.csv and /export.xlsx of a word with about 1,000 matches (every match), against
  `newsmon search WORD --format csv --limit 1000` as a process.
Goals (issue 16): search page p95 <= 150 ms, export of 1,000 matches <= 2 s.
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(ROOT))

from corpus import articles, vocabulary  # noqa: E402

from indexer.analysis import STOP_WORDS  # noqa: E402
from indexer.store import DataDir  # noqa: E402
from search.app import App  # noqa: E402

NEWSMON = str(ROOT / ".venv/bin/newsmon")


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def build(n: int, root: Path) -> Path:
    data = root / "newsmon"
    if (data / "archive.sqlite").exists():
        return data
    source = root / f"articles-{n}.jsonl"
    if not source.exists():
        with source.open("w", encoding="utf-8") as handle:
            for record in articles(n):
                handle.write(json.dumps(record, ensure_ascii=False) + "\n")
    subprocess.run([NEWSMON, "--data-dir", str(data), "import", str(source)], check=True,
                   stdout=subprocess.DEVNULL)
    return data


def queries(count: int) -> list[dict]:
    rng = random.Random(5)
    vocab = [w.lower() for w in vocabulary() if w.lower() not in STOP_WORDS and len(w) > 2]
    vocab = vocab[20:5000]
    out = []
    for i in range(count):
        a, b = rng.choice(vocab), rng.choice(vocab)
        year = rng.randint(2015, 2025)
        out.append([{"q": a}, {"q": f"{a} {b}"}, {"q": f"{a} OR {b}"},
                    {"q": a, "from": f"{year}-01-01", "to": f"{year}-12-31"},
                    {"q": a, "sort": "date"}][i % 5])
    return out


def options(params: dict) -> dict:
    out: dict = {"sort": params.get("sort", "relevance")}
    if "from" in params:
        out["day_from"] = date.fromisoformat(params["from"])
        out["day_to"] = date.fromisoformat(params["to"])
    return out


def cli_args(params: dict) -> list[str]:
    args = [params["q"]]
    if "from" in params:
        args += ["--from", params["from"], "--to", params["to"]]
    if "sort" in params:
        args += ["--sort", params["sort"]]
    return args


def timed(fn) -> float:
    started = time.perf_counter()
    fn()
    return (time.perf_counter() - started) * 1000


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("n", nargs="?", type=int, default=20_000)
    parser.add_argument("--queries", type=int, default=60)
    parser.add_argument("--cold", type=int, default=10, help="cold CLI processes to time")
    parser.add_argument("--keep", type=Path, help="build in this directory and keep it")
    args = parser.parse_args()
    from starlette.testclient import TestClient

    from search.web.app import close_app, create_app

    with tempfile.TemporaryDirectory() as tmp:
        root = args.keep or Path(tmp)
        root.mkdir(parents=True, exist_ok=True)
        data = build(args.n, root)
        articles_n = App(DataDir(data)).stats()["articles"]
        web = create_app(App(DataDir(data)))
        client = TestClient(web)
        client.get("/", params={"q": "школа"})  # warm: dictionaries, templates
        asked = queries(args.queries)
        passes = []
        for _ in range(2):  # first searches of these words, then the same again
            page_ms = []
            for params in asked:
                response = None

                def get(params=params) -> None:
                    nonlocal response
                    response = client.get("/", params=params)

                page_ms.append(timed(get))
                assert response is not None and response.status_code == 200, params
            passes.append(page_ms)
        first_ms, page_ms = passes
        core = App(DataDir(data))
        core.search("школа")  # the words are known now, as for the page's second pass
        app_ms = [timed(lambda p=p: core.search(p["q"], limit=10, **options(p))) for p in asked]
        cold_ms = [timed(lambda p=p: subprocess.run(
            [NEWSMON, "--data-dir", str(data), "search", *cli_args(p)], check=True,
            stdout=subprocess.DEVNULL)) for p in asked[:args.cold]]

        # a word with about 1,000 matches (stories), for the exports
        word, total = "", 0
        for candidate in [w.lower() for w in vocabulary()[20:3000]]:
            if candidate in STOP_WORDS or len(candidate) < 3:
                continue
            found = core.search(candidate, limit=0).total
            if (found > total and total < 1000) or 1000 <= found < total:
                word, total = candidate, found  # the least above 1,000, or the most
            if 1000 <= total <= 1400:
                break
        export_ms = {}
        for kind in ("csv", "xlsx"):
            runs = []
            for _ in range(3):
                runs.append(timed(lambda kind=kind: client.get(f"/export.{kind}",
                                                               params={"q": word})))
            export_ms[kind] = statistics.median(runs)
        rows = client.get("/export.csv", params={"q": word}).text.count("\r\n") - 1
        cli_csv = statistics.median(timed(lambda: subprocess.run(
            [NEWSMON, "--data-dir", str(data), "search", word, "--format", "csv", "--limit",
             "1000"], check=True, stdout=subprocess.DEVNULL)) for _ in range(3))
        core.close()
        close_app(web)

    print(f"{articles_n} articles; {len(asked)} queries (one word, two words, OR, a year, "
          "sorted by date)\n")
    print(f"{'ms':<46}{'median':>9}{'p95':>9}{'max':>9}")
    for label, values in (("web search page, first search of each word", first_ms),
                          ("web search page (20 hits, chart, sources)", page_ms),
                          ("App.search top 10 in-process (the CLI's call)", app_ms),
                          (f"cold `newsmon search` process ({len(cold_ms)})", cold_ms)):
        print(f"{label:<46}{statistics.median(values):>9.1f}{pct(values, 0.95):>9.1f}"
              f"{max(values):>9.1f}")
    print(f"\nexport of every match of {word!r}: {total} stories, {rows} rows")
    print(f"  /export.csv   {export_ms['csv'] / 1000:6.2f} s")
    print(f"  /export.xlsx  {export_ms['xlsx'] / 1000:6.2f} s")
    print(f"  `newsmon search --format csv --limit 1000` process  {cli_csv / 1000:6.2f} s")
    ok = pct(page_ms, 0.95) <= 150 and max(export_ms.values()) <= 2000
    print(f"\ngoals (page p95 <= 150 ms, export <= 2 s): {'met' if ok else 'NOT met'}")


if __name__ == "__main__":
    main()
