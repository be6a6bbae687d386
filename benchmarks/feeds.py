"""Feed parsing: newsmon's feedparser-based feed_items against the parsel XPath code it replaced.

    python benchmarks/feeds/lay_out.py          # first: write the feeds out of the mirrors
    .venv/bin/python benchmarks/feeds.py [--runs 20] [--corpus fixtures|feedparser|real-ru]

Scores every manifest feed present in benchmarks/feeds/pages/ (see benchmarks/feeds/README.md)
with both parsers, same process, same run.  Links are exact string equality with the truth;
titles are compared after squashing white space; a feed's truth is either every item in order
(fixtures, real feeds) or the entries its feedparser test's Expect line names.  Checks on
entries without any link are set aside (neither parser returns a linkless item), and feeds that
need the document's URI or HTTP headers are scored in a separate block.  A missing file or a
parser exception counts as a failure, never a crash.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path

from parsel import Selector

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
HERE = ROOT / "benchmarks" / "feeds"
PAGES = HERE / "pages"

from crawler.discover import feed_items  # noqa: E402

OLD = "parsel XPath (newsmon before feedparser)"
NEW = "feedparser (newsmon's feed_items)"


def parsel_feed_items(body: bytes) -> list[tuple[str, str | None]]:
    """newsmon's feed_items as of f5adc10, verbatim but for the return type: (url, full text).

    It read neither titles nor dates."""
    try:
        selector = Selector(body=body, type="xml")
    except Exception:
        return []
    selector.remove_namespaces()
    items = []
    for node in selector.xpath("//item | //entry"):
        link = (node.xpath("normalize-space(link/text())").get()
                or node.xpath("link[@rel='alternate']/@href").get()
                or node.xpath("link/@href").get()
                or node.xpath("normalize-space(guid[not(@isPermaLink='false')]/text())").get())
        if not link:
            continue
        full = node.xpath("full-text/text()").get() or node.xpath("content/text()").get()
        items.append((link.strip(), full.strip() if full else None))
    return items


def run_old(body: bytes) -> list[dict]:
    return [{"url": url, "title": None, "date": None} for url, _ in parsel_feed_items(body)]


def run_new(body: bytes) -> list[dict]:
    return [{"url": item.url, "title": item.hints.title, "date": item.hints.published}
            for item in feed_items(body)]


PARSERS = {"old": run_old, "new": run_new}


def squash(text: str | None) -> str:
    return " ".join((text or "").split())


def expected(feed: dict) -> tuple[list[tuple[int, str, str]], int]:
    """([(index, field, value)] to score, checks set aside) from a feed's truth."""
    truth = feed["truth"]
    if "items" in truth:
        wanted = []
        for i, item in enumerate(truth["items"]):
            wanted += [(i, f, item[f]) for f in ("link", "title") if item.get(f) is not None]
        return wanted, 0
    wanted = [(c["index"], c["field"], c["expected"])
              for c in truth["checks"] if "unscorable" not in c]
    return wanted, len(truth["checks"]) - len(wanted)


def timed(parse, body: bytes, runs: int) -> float:
    laps = []
    for _ in range(runs):
        start = time.perf_counter()
        try:
            parse(body)
        except Exception:
            pass
        laps.append(time.perf_counter() - start)
    return statistics.median(laps)


def score(feeds: list[dict], runs: int) -> tuple[dict, dict, list]:
    blank = {"feeds": 0, "with_items": 0, "links": 0, "links_n": 0, "titles": 0, "titles_n": 0,
             "dated": 0, "items": 0, "errors": 0, "times": [], "set_aside": 0}
    totals = {key: {**blank, "times": []} for key in PARSERS}
    results = {}
    for feed in feeds:
        path = PAGES / feed["file"]
        body = path.read_bytes() if path.is_file() else None
        wanted, aside = expected(feed)
        has_items = any(field == "link" for _, field, _ in wanted)
        results[feed["id"]] = {}
        for key, parse in PARSERS.items():
            t = totals[key]
            t["feeds"] += 1
            t["set_aside"] += aside
            got: list[dict] = []
            if body is None:
                t["errors"] += 1
            else:
                try:
                    got = parse(body)
                except Exception:
                    t["errors"] += 1
                t["times"].append(timed(parse, body, runs))
            results[feed["id"]][key] = got
            t["with_items"] += bool(got) and has_items
            t["items"] += len(got)
            t["dated"] += sum(1 for g in got if g["date"] is not None)
            for index, field, value in wanted:
                hit = index < len(got)
                if field == "link":
                    t["links_n"] += 1
                    t["links"] += hit and got[index]["url"] == value
                else:
                    t["titles_n"] += 1
                    t["titles"] += hit and squash(got[index]["title"]) == squash(value)
    has = sum(1 for f in feeds if any(field == "link" for _, field, _ in expected(f)[0]))
    return totals, {"has_items": has}, [results]


def pct(hit: int, n: int) -> str:
    return f"{hit}/{n} ({100 * hit / n:.0f}%)" if n else "—"


def table(totals: dict, meta: dict, runs: int, title: str) -> list[str]:
    old, new = totals["old"], totals["new"]
    rows = [
        ("feeds scored (n)", str(old["feeds"]), str(new["feeds"])),
        ("feeds with ≥1 item, of feeds whose truth has linked items",
         pct(old["with_items"], meta["has_items"]), pct(new["with_items"], meta["has_items"])),
        ("links correct (exact string)", pct(old["links"], old["links_n"]),
         pct(new["links"], new["links_n"])),
        ("titles correct (white space squashed)",
         pct(old["titles"], old["titles_n"]) + " — not read", pct(new["titles"], new["titles_n"])),
        ("items returned with a date", pct(old["dated"], old["items"]) + " — not read",
         pct(new["dated"], new["items"])),
        ("missing file or parser exception", str(old["errors"]), str(new["errors"])),
        (f"time per feed, ms (median of {runs} runs, median over feeds)",
         ms(old["times"]), ms(new["times"])),
        (f"time, whole set, ms (sum of per-feed medians of {runs})",
         ms(old["times"], total=True), ms(new["times"], total=True)),
    ]
    if old["set_aside"]:
        rows.append(("checks set aside (entry has no link)", str(old["set_aside"]),
                     str(new["set_aside"])))
    out = [f"### {title}", "", f"| measure | {OLD} | {NEW} |", "|---|---|---|"]
    out += [f"| {a} | {b} | {c} |" for a, b, c in rows]
    return out


def ms(times: list[float], total: bool = False) -> str:
    if not times:
        return "—"
    value = sum(times) if total else statistics.median(times)
    return f"{value * 1000:.3f} (n={len(times)})"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--corpus", choices=("fixtures", "feedparser", "real-ru"))
    args = parser.parse_args()
    manifest = json.loads((HERE / "manifest.json").read_text(encoding="utf-8"))
    feeds = [f for f in manifest["feeds"] if args.corpus in (None, f["corpus"])]
    absent = [f["id"] for f in feeds if not (PAGES / f["file"]).is_file()]
    if absent:
        print(f"{len(absent)} feeds absent from {PAGES} (run benchmarks/feeds/lay_out.py); "
              "counted as failures\n")
    plain = [f for f in feeds if "needs" not in f]
    needy = [f for f in feeds if "needs" in f]
    lines: list[str] = []
    results: dict = {}
    groups = [("all feeds parsable from their bytes alone", plain)]
    groups += [(f"corpus {c}", [f for f in plain if f["corpus"] == c])
               for c in ("fixtures", "feedparser", "real-ru")]
    groups.append(("feeds needing the document URI / HTTP headers (neither parser gets them)",
                   needy))
    for title, group in groups:
        if not group or (title.startswith("corpus") and args.corpus):
            continue
        totals, meta, (res,) = score(group, args.runs)
        results.update(res)
        lines += [*table(totals, meta, args.runs, title), ""]
    print("\n".join(lines))
    print("Titles and dates: the parsel code kept only the link and the full text, so it scores 0"
          " there by construction, not by error.\n")
    differ = [(fid, r["old"], r["new"]) for fid, r in results.items()
              if [g["url"] for g in r["old"]] != [g["url"] for g in r["new"]]]
    print(f"### Feeds where the two disagree on links: {len(differ)} (first 15)\n")
    print("| feed | parsel: items, first link | feedparser: items, first link |")
    print("|---|---|---|")
    for fid, old, new in differ[:15]:
        first_old = old[0]["url"] if old else "—"
        first_new = new[0]["url"] if new else "—"
        print(f"| {fid} | {len(old)}, `{first_old}` | {len(new)}, `{first_new}` |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
