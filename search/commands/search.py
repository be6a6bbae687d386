"""`newsmon search`: one query, or a file of them, over the archive."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from indexer.text import terminal_safe
from search import output
from search.dates import FORMS
from search.commands import common
from search.query import QUERY_HELP, QueryError

HELP = "search the archive"
PARSER = {"formatter_class": argparse.RawDescriptionHelpFormatter, "epilog": QUERY_HELP}
CSV_FIELDS = ["id", "published", "source", "title", "url", "score", "snippet", "story",
              "story_size"]


def configure(p: argparse.ArgumentParser) -> None:
    p.add_argument("query", nargs="?", help="the query (see below)")
    p.add_argument("--from", dest="date_from", metavar="D",
                   help=f"published on or after: {FORMS}")
    p.add_argument("--to", dest="date_to", metavar="D",
                   help="published on or before (same forms; a month or year given here "
                        "reaches its last day)")
    p.add_argument("--source", action="append", metavar="S", help="only this source (repeatable)")
    p.add_argument("--sort", choices=("relevance", "date"), default="relevance")
    p.add_argument("--limit", type=int, default=10, help="hits to show (default 10)")
    p.add_argument("--offset", type=int, default=0, help="skip this many hits first")
    p.add_argument("--format", choices=("table", "json", "jsonl", "csv"), default="table")
    p.add_argument("--count", action="store_true",
                   help="print only the number of hits (stories; articles with --all)")
    p.add_argument("--all", action="store_true",
                   help="every matching article, not one per story (reprints folded)")
    p.add_argument("--queries", type=Path, metavar="FILE",
                   help="run one query per line of FILE, printing JSON lines")


def run(args: Any) -> int:
    common.positive(args.limit, "--limit")
    common.positive(args.offset, "--offset", 10_000_000)
    day_from, day_to = common.day(args.date_from), common.day(args.date_to, end=True)
    if day_from and day_to and day_from > day_to:
        raise common.UsageError(f"--from {args.date_from} is after --to {args.date_to}")
    options = {"day_from": day_from, "day_to": day_to, "sources": args.source, "sort": args.sort,
               "limit": args.limit, "offset": args.offset, "group": not args.all}
    if args.queries and args.query:
        raise common.UsageError("give either QUERY or --queries FILE, not both")
    if not args.queries and not args.query:
        raise common.UsageError("a query is required (or --queries FILE)")
    with common.app(args) as app:
        if args.queries:
            for line_no, query in _query_lines(args.queries):
                try:
                    page = app.search(query, **options)
                    record: dict[str, Any] = {"query": query, "total": page.total,
                                              "articles": page.articles,
                                              "hits": [output.hit_json(h) for h in page.hits]}
                    if page.suggestion:
                        record["suggestion"] = page.suggestion
                except QueryError as exc:
                    record = {"query": query, "error": f"line {line_no}: {exc}"}
                print(json.dumps(record, ensure_ascii=False))
            return 0
        page = app.search(args.query, **options)
    if page.suggestion:
        print(f"newsmon: no articles match; did you mean: {terminal_safe(page.suggestion)}",
              file=sys.stderr)
    if args.count:
        print(page.total)
    elif args.format == "json":
        print(output.dumps([output.hit_json(h) for h in page.hits]))
    elif args.format == "jsonl":
        for hit in page.hits:
            print(json.dumps(output.hit_json(hit), ensure_ascii=False))
    elif args.format == "csv":
        rows = [{**output.hit_json(h), "snippet": output.snippet(h.snippet, "plain")}
                for h in page.hits]
        sys.stdout.write(output.to_csv(rows, CSV_FIELDS))
    else:
        print(output.table(page.hits, page.total, args.offset, sys.stdout.isatty(),
                           None if args.all else page.articles))
    return 0


def _query_lines(path: Path) -> Iterator[tuple[int, str]]:
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except OSError as exc:
        raise common.UsageError(f"cannot read {path}: {exc.strerror}") from None
    except UnicodeDecodeError:
        raise common.UsageError(f"{path} is not UTF-8 text") from None
    for number, line in enumerate(lines, 1):
        if line.strip() and not line.lstrip().startswith("#"):
            yield number, line.strip()
