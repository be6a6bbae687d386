"""Real third-party pages: newsmon's cleaner against trafilatura, same pages, same run.

    python benchmarks/realpages/lay_out.py          # first: write the pages out of the mirrors
    .venv/bin/python benchmarks/realpages.py [--split dev|holdout|all] [--lang ru|all]
                                             [--show-misses] [--json]

Scores every manifest page present in benchmarks/realpages/pages/ (see
benchmarks/realpages/README.md).  Fields: title (exact after normalising whitespace, quotes,
case and a trailing site name), date (same calendar day; newsmon's published in its own
zone, trafilatura's metadata date), author (case-folded; truth contained in the extracted
string or the reverse), body ("with" snippets present, "without" snippets absent, and token
F1 >= 0.8 against a full truth body, or the true start and end both present), rejected
(true articles newsmon refused with NotArticle or trafilatura returned nothing for) and
non-articles recognised.  Truth that is null is not scored.  newsmon's body is its lead
followed by its body.  trafilatura is optional: without it only the newsmon column shows.
"""

from __future__ import annotations

import argparse
import json
import re
import statistics
import sys
import time
import unicodedata
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
HERE = ROOT / "benchmarks" / "realpages"
PAGES = HERE / "pages"
F1_PASS = 0.8

from crawler.clean import NotArticle, clean  # noqa: E402

sys.path.insert(0, str(ROOT / "benchmarks" / "realpages"))
from lay_out import load_manifest  # noqa: E402  (the manifest with the corpora's own truth)

try:
    import trafilatura
except ImportError:  # the benchmark still runs, newsmon column only
    trafilatura = None

MISS_KEYS = ("extractor", "id", "field", "got", "url")
FIELDS = ("title", "date", "author", "body", "rejected", "declined (unjudged)",
          "non-articles recognised", "errors")
QUOTES = str.maketrans({c: '"' for c in "«»„“”‟″"} | {c: "'" for c in "‘’‚‛′`"})
DASHES = str.maketrans({c: "-" for c in "‐‑‒–—―−"})


def norm(text) -> str:
    if isinstance(text, (list, tuple)):  # e.g. several authors
        text = ", ".join(map(str, text))
    text = unicodedata.normalize("NFKC", str(text or "")).translate(QUOTES).translate(DASHES)
    return " ".join(text.replace("\u00ad", "").split()).casefold()


def norm_title(text: str | None) -> str:
    """Normalised, without a trailing « - Site name» / « | Site» part."""
    text = norm(text)
    parts = re.split(r"\s+[|—:/-]\s+", text)
    return parts[0] if len(parts) > 1 and len(parts[0]) >= 15 else text


def tokens(text: str) -> list[str]:
    return re.findall(r"\w+", norm(text))


def token_f1(got: str, want: str) -> float:
    got_t, want_t = Counter(tokens(got)), Counter(tokens(want))
    common = sum((got_t & want_t).values())
    if not common:
        return 0.0
    precision, recall = common / sum(got_t.values()), common / sum(want_t.values())
    return 2 * precision * recall / (precision + recall)


def run_newsmon(html: bytes, url: str) -> dict:
    try:
        article = clean(html, url, None)
    except NotArticle as reason:
        return {"rejected": str(reason)}
    day = article.published.date().isoformat() if article.published else None
    body = "\n\n".join(part for part in (article.lead, article.body) if part)
    return {"title": article.title, "date": day, "author": article.author, "body": body}


def run_trafilatura(html: bytes, url: str) -> dict:
    found = trafilatura.extract(html, url=url, output_format="json", with_metadata=True)
    if not found:
        return {"rejected": "trafilatura returned nothing"}
    data = json.loads(found)
    return {"title": data.get("title"), "date": (data.get("date") or "")[:10] or None,
            "author": data.get("author"), "body": data.get("text") or ""}


def body_ok(got: str, truth: dict, full: str | None) -> tuple[bool, float | None]:
    text = norm(got)
    ok = all(norm(s) in text for s in truth.get("with") or [])
    ok = ok and not any(norm(s) in text for s in truth.get("without") or [])
    f1 = None
    if full:
        f1 = token_f1(got, full)
        ok = ok and f1 >= F1_PASS
    elif truth.get("body_start") or truth.get("body_end"):
        ok = ok and all(norm(s) in text for s in (truth.get("body_start"),
                                                     truth.get("body_end")) if s)
    return ok, f1


def score(page: dict, out: dict, full: str | None) -> dict:
    """Field -> True/False for what this page's truth lets us score (absent = not scored)."""
    truth, res = page["truth"], {}
    if "error" in out:
        res["errors"] = False
        return res
    rejected = "rejected" in out
    if truth.get("article") is False:
        res["non-articles recognised"] = rejected
        return res
    if truth.get("article") is True:
        res["rejected"] = rejected  # counted: True is a refused true article
    elif rejected:  # article truth null: a refusal is neither right nor wrong, only counted
        res["declined (unjudged)"] = True
    if rejected:
        return res
    if truth.get("title"):
        res["title"] = norm_title(out["title"]) == norm_title(truth["title"])
    if truth.get("published"):
        res["date"] = out["date"] == truth["published"]
    if truth.get("author"):
        want, got = norm(truth["author"]), norm(out["author"])
        res["author"] = bool(got) and (want in got or got in want)
    if full or truth.get("with") or truth.get("without") or truth.get("body_start"):
        res["body"], res["f1"] = body_ok(out["body"], truth, full)
    return res


def timed(func, html: bytes, url: str) -> tuple[dict, float]:
    start = time.perf_counter()
    try:
        out = func(html, url)
    except Exception as exc:  # a crash of either extractor is a scored error, not a stop
        out = {"error": f"{type(exc).__name__}: {exc}"}
    return out, (time.perf_counter() - start) * 1000




def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--split", choices=("dev", "holdout", "all"), default="all")
    parser.add_argument("--lang", choices=("ru", "all"), default="all")
    parser.add_argument("--show-misses", action="store_true")
    parser.add_argument("--json", action="store_true", help="print the results as JSON")
    parser.add_argument("--every", type=int, default=1, metavar="K",
                        help="score every K-th page only (a quick, fixed sample)")
    args = parser.parse_args()

    manifest = load_manifest()
    pages = [p for p in manifest["pages"]
             if (args.split == "all" or p["split"] == args.split)
             and (args.lang == "all" or p["lang"] == args.lang)][::max(args.every, 1)]
    extractors = {"newsmon": run_newsmon}
    if trafilatura is not None:
        extractors["trafilatura"] = run_trafilatura
    absent, rows, misses, timings = [], [], [], {name: [] for name in extractors}
    for page in pages:
        path = PAGES / f"{page['id']}.html"
        if not path.exists():
            absent.append(page["id"])
            continue
        html = path.read_bytes()
        truth_path = PAGES / f"{page['id']}.truth.json"
        full = None
        if truth_path.exists():
            full = json.loads(truth_path.read_text(encoding="utf-8")).get("articleBody")
        for name, func in extractors.items():
            out, ms = timed(func, html, page["url"])
            timings[name].append(ms)
            try:
                result = score(page, out, full)
            except Exception as exc:  # an unexpected field type: an error, not a stop
                out = {"error": f"scoring: {type(exc).__name__}: {exc}"}
                result = {"errors": False}
            rows.append({"id": page["id"], "split": page["split"], "extractor": name,
                         **result})
            for field, value in result.items():
                if field not in ("f1", "declined (unjudged)") and value == (field == "rejected"):
                    got = out.get({"rejected": "rejected", "errors": "error"}.get(field, field))
                    misses.append((name, page["id"], field, got, page["url"]))

    report = summarise(rows, list(extractors), timings)
    if args.json:
        print(json.dumps({"report": report, "absent": absent,
                          "misses": [dict(zip(MISS_KEYS, m, strict=True)) for m in misses]},
                         ensure_ascii=False, indent=1))
        return 0
    print_report(report, list(extractors), len(pages) - len(absent))
    if trafilatura is None:
        print("\ntrafilatura is not installed: newsmon column only "
              "(.venv/bin/pip install 'trafilatura>=2.0,<3')")
    if absent:
        print(f"\n{len(absent)} manifest pages absent (run benchmarks/realpages/lay_out.py): "
              + ", ".join(absent[:15]) + (" ..." if len(absent) > 15 else ""))
    rejected = [m for m in misses if m[2] in ("rejected", "errors")]
    if rejected:
        print("\nRejected true articles and errors:")
        for name, page_id, field, got, url in rejected:
            print(f"- {name} {page_id} ({field}): {str(got)[:120]}  {url}")
    if args.show_misses:
        print("\nMisses:")
        for name, page_id, field, got, url in misses:
            if field not in ("rejected", "errors"):
                print(f"- {name} {page_id} {field}: got {str(got)[:100]!r}  {url}")
    return 0


def summarise(rows: list[dict], names: list[str], timings: dict) -> dict:
    report = {}
    for split in ("all", "dev", "holdout"):
        chosen = [r for r in rows if split == "all" or r["split"] == split]
        table = {}
        for name in names:
            mine = [r for r in chosen if r["extractor"] == name]
            cells = {}
            for field in FIELDS:
                scored = [r[field] for r in mine if field in r]
                cells[field] = {"n": len(scored), "ok": sum(scored)}
            cells["errors"] = {"n": len(mine), "ok": sum(1 for r in mine if "errors" in r)}
            f1s = [r["f1"] for r in mine if r.get("f1") is not None]
            cells["mean body F1"] = {"n": len(f1s), "mean": statistics.fmean(f1s) if f1s else None}
            table[name] = cells
        report[split] = table
    report["median ms"] = {name: statistics.median(ms) if ms else None
                           for name, ms in timings.items()}
    return report


def cell(value: dict, field: str) -> str:
    if not value["n"]:
        return "0" if field == "declined (unjudged)" else "–"
    if field == "mean body F1":
        return f"{value['mean']:.3f} (n={value['n']})"
    if field == "declined (unjudged)":
        return str(value["ok"])
    if field in ("errors", "rejected"):
        return f"{value['ok']} (n={value['n']})"
    return f"{100 * value['ok'] / value['n']:.1f}% (n={value['n']})"


def print_report(report: dict, names: list[str], present: int) -> None:
    print(f"{present} pages.  Percentages are correct/scored (a refused page is not scored); "
          "rejected = true articles refused (count of n true articles); declined = refused "
          "pages whose article truth is null (count); errors = crashes (count of n pages).")
    for split in ("all", "dev", "holdout"):
        print(f"\n### split: {split}\n")
        print("| field | " + " | ".join(names) + " |")
        print("|---|" + "---|" * len(names))
        for field in (*FIELDS, "mean body F1"):
            print(f"| {field} | " + " | ".join(cell(report[split][n][field], field)
                                                for n in names) + " |")
    ms = report["median ms"]
    print("\nmedian ms per page: " + ", ".join(f"{n} {ms[n]:.1f}" for n in names if ms[n]))


if __name__ == "__main__":
    sys.exit(main())
