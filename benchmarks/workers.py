"""Crawl throughput with 1, 2 and 4 workers on one Redis frontier (NEWSMON_QUEUE).

A local site of N articles (one feed lists them all) answers each article after a delay
(200 ms: a real site's latency), with politeness delay 0 for it and a host concurrency
that allows every worker its share; each worker may have `--per-worker` requests in flight
(the queue URL's `requests=`), so one worker is bound by the site's latency and more
workers should scale the crawl nearly linearly.  All workers share one data dir.

    .venv/bin/python benchmarks/workers.py [--articles 200] [--latency 0.2] [--per-worker 2]

Needs Redis on 127.0.0.1:6379 (database 15, a prefix of its own, dropped after).
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
import uuid
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from crawler.queue import Frontier  # noqa: E402
from crawler.serve import SiteServer  # noqa: E402

PAGE = """<!doctype html><html lang="ru"><head><meta charset="utf-8">
<title>Новость {i}</title><meta property="og:title" content="Школа номер {i} открылась">
<meta property="article:published_time" content="2025-09-01T10:00:00+03:00"></head>
<body><article><h1>Школа номер {i} открылась после ремонта</h1>
<time datetime="2025-09-01T10:00:00+03:00">1 сентября 2025</time>
{body}</article></body></html>"""


def make_site(root: Path, n: int) -> None:
    news = root / "news" / "2025"
    news.mkdir(parents=True)
    items = []
    for i in range(n):
        body = "".join(
            f"<p>В школе номер {i} после ремонта начались занятия: {k}-й абзац о том, как "
            f"учителя и родители готовили классы, спортзал и столовую к учебному году.</p>"
            for k in range(8))
        (news / f"shkola-{i}.html").write_text(PAGE.format(i=i, body=body), encoding="utf-8")
        items.append(f"<item><title>Школа {i}</title>"
                     f"<link>__BASE__/news/2025/shkola-{i}.html</link>"
                     "<pubDate>Mon, 01 Sep 2025 10:00:00 +0300</pubDate></item>")
    (root / "rss.xml").write_text('<?xml version="1.0" encoding="utf-8"?><rss version="2.0">'
                                  "<channel><title>b</title>" + "".join(items)
                                  + "</channel></rss>", encoding="utf-8")
    (root / "robots.txt").write_text("User-agent: *\nAllow: /\n")
    (root / "index.html").write_text("<html><body>bench</body></html>")


def run(workers: int, site: SiteServer, tmp: Path, per_worker: int, concurrency: int) -> dict:
    sources = tmp / f"sources-{workers}.toml"
    sources.write_text(f"""[sources.bench]
name = "bench"
home = "{site.base}/"
feeds = ["{site.base}/rss.xml"]
article_url = '/news/'
topic = "all"
delay = 0
concurrency = {concurrency}
""", encoding="utf-8")
    data = tmp / f"data-{workers}"
    prefix = f"bench-{uuid.uuid4().hex[:8]}"
    url = f"redis://127.0.0.1:6379/15?prefix={prefix}&requests={per_worker}"
    site.requests.clear()
    site.log.clear()
    env = {**os.environ, "NEWSMON_QUEUE": url}
    command = [sys.executable, "-m", "search.cli", "--data-dir", str(data), "--sources",
               str(sources), "crawl"]
    started = time.monotonic()
    procs = [subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, text=True) for _ in range(workers)]
    outs = [p.communicate() for p in procs]
    seconds = time.monotonic() - started
    Frontier.connect(url).drop()
    for p, (out, err) in zip(procs, outs, strict=True):
        if p.returncode != 0:
            raise SystemExit(f"worker failed ({p.returncode}): {out}\n{err}")
    articles = [r for r in site.requests if r.startswith("/news/")]
    first = min(t for t, _ in site.log) if site.log else started
    last = max(t for t, _ in site.log) if site.log else started
    shares = [int(o.split("bench: ")[1].split()[0]) for o, _ in outs]
    return {"shares": shares, "workers": workers, "seconds": seconds, "fetch_seconds": last - first,
            "articles": len(set(articles)),
            "twice": sum(1 for n in Counter(articles).values() if n > 1)}


class TimedSite(SiteServer):
    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.log: list[tuple[float, str]] = []

    def _record(self, path: str, headers: dict[str, str]) -> None:
        super()._record(path, headers)
        with self._lock:
            self.log.append((time.monotonic(), path))


def measure(articles: int, latency: float, per_worker: int, counts: list[int]) -> list[dict]:
    """Each worker count crawls the same site afresh; printed as each ends, since the
    whole takes a minute or more."""
    with tempfile.TemporaryDirectory(prefix="newsmon-workers-") as name:
        tmp = Path(name)
        make_site(tmp / "site", articles)
        results = []
        # the site's delay applies to pages three levels deep: /news/2025/shkola-N.html
        with TimedSite(tmp / "site", delay=latency) as site:
            for workers in counts:
                result = run(workers, site, tmp, per_worker,
                             concurrency=per_worker * max(counts))
                results.append(result)
                print(f"{workers} worker(s): {result['articles']} articles in "
                      f"{result['seconds']:.1f} s wall ({result['fetch_seconds']:.1f} s from "
                      f"first to last request), {result['twice']} fetched twice; new per worker "
                      f"{result['shares']}", flush=True)
    return results


def report(results: list[dict], articles: int, latency: float, per_worker: int) -> None:
    base = results[0]
    print(f"\n{articles} articles, {latency * 1000:.0f} ms per page, "
          f"{per_worker} requests in flight per worker, host delay 0")
    print("workers  wall s  fetch s  articles/s (fetch)  speed-up (fetch)  ideal")
    for r in results:
        rate = r["articles"] / r["fetch_seconds"]
        print(f"{r['workers']:>7}  {r['seconds']:6.1f}  {r['fetch_seconds']:7.1f}  "
              f"{rate:18.1f}  {base['fetch_seconds'] / r['fetch_seconds']:16.2f}  "
              f"{r['workers'] / base['workers']:5.0f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=200)
    parser.add_argument("--latency", type=float, default=0.2)
    parser.add_argument("--per-worker", type=int, default=2)
    parser.add_argument("--workers", default="1,2,4")
    args = parser.parse_args()
    counts = [int(w) for w in args.workers.split(",")]
    results = measure(args.articles, args.latency, args.per_worker, counts)
    report(results, args.articles, args.latency, args.per_worker)


if __name__ == "__main__":
    main()
