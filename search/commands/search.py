"""`newsmon search`: one query, or a file of them, over the archive."""

from __future__ import annotations

import argparse
import contextlib
import json
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from indexer.text import terminal_safe
from search import output
from search.commands import common
from search.dates import FORMS
from search.i18n import _
from search.query import QUERY_HELP, QueryError

HELP = "search the archive"
PARSER = {"formatter_class": argparse.RawDescriptionHelpFormatter, "epilog": QUERY_HELP}
CSV_FIELDS = ["id", "published", "source", "title", "url", "score", "snippet", "story",
              "story_size"]


def limit(text: str) -> int | str:
    if text.strip().lower() in ("all", "все"):
        return "all"
    try:
        return int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(_("invalid int value: {value!r} (a number or all)")
                                         .format(value=text)) from None


def configure(p: argparse.ArgumentParser) -> None:
    p.add_argument("query", nargs="?", help=_("the query (see below)"))
    p.add_argument("--from", dest="date_from", metavar="D",
                   help=_("published on or after: {forms}").format(forms=FORMS))
    p.add_argument("--to", dest="date_to", metavar="D",
                   help=_("published on or before (same forms; a month or year given here "
                          "reaches its last day)"))
    p.add_argument("--source", action="append", metavar="S",
                   help=_("only this source (repeatable)"))
    p.add_argument("--sort", choices=("relevance", "date"), default="relevance",
                   help=_("relevance (default) or date, newest first"))
    p.add_argument("--limit", type=limit, default=10,
                   help=_("hits to show (default 10; `all`: every hit, at most {n})").format(
                       n=common.MAX_LIMIT))
    p.add_argument("--offset", type=int, default=0, help=_("skip this many hits first"))
    p.add_argument("--format", choices=("table", "json", "jsonl", "csv", "xlsx"),
                   help=_("default: table; JSON lines with --queries; xlsx needs -o FILE"))
    p.add_argument("--output", "-o", type=Path, metavar="FILE",
                   help=_("write to FILE instead of standard output (a .csv or .xlsx file "
                          "is written for Excel; --limit all: every hit)"))
    p.add_argument("--excel", action="store_true",
                   help=_("CSV as Russian Excel reads it: UTF-8 with a BOM, ';', outlet names, "
                          "dates as 28.08.2025 12:15 (the default for a .csv FILE)"))
    p.add_argument("--columns", metavar="LIST",
                   help=_("extra report columns, comma-separated: author, section, text"))
    p.add_argument("--count", action="store_true",
                   help=_("print only the number of hits (stories; articles with --all)"))
    p.add_argument("--all", action="store_true",
                   help=_("every matching article, not one per story (reprints folded)"))
    p.add_argument("--queries", type=Path, metavar="FILE",
                   help=_("run one query per line of FILE (JSON lines out, or --format "
                          "csv|table; --count: the totals alone)"))


def run(args: Any) -> int:
    if args.limit != "all":
        common.positive(args.limit, "--limit")
    common.positive(args.offset, "--offset", 10_000_000)
    day_from, day_to = common.day(args.date_from), common.day(args.date_to, end=True)
    if day_from and day_to and day_from > day_to:
        raise common.UsageError(_("--from {start} is after --to {end}").format(
            start=args.date_from, end=args.date_to))
    options = {"day_from": day_from, "day_to": day_to, "sources": args.source, "sort": args.sort,
               "limit": 10 if args.limit == "all" else args.limit, "offset": args.offset,
               "group": not args.all}
    if args.queries and args.query:
        raise common.UsageError(_("give either QUERY or --queries FILE, not both"))
    if not args.queries and not args.query:
        raise common.UsageError(_("a query is required (or --queries FILE)"))
    report = _report_format(args)
    if args.output and not report:  # every other format, into the file as printed
        try:
            handle = args.output.open("w", encoding="utf-8")
        except OSError as exc:
            raise common.UsageError(_("cannot write {path}: {error}").format(
                path=args.output, error=exc.strerror)) from None
        with handle, contextlib.redirect_stdout(handle):
            args.output = None
            return run(args)
    if report and (args.queries or args.count):
        raise common.UsageError(_("--queries and --count print to the terminal; "
                                  "not with xlsx, --excel or a .csv/.xlsx FILE"))
    with common.app(args, with_config=bool(report)) as app:
        if args.queries:
            return _batch(app, args, options)
        if report:
            return _write_report(app, args, options, report)
        page = _search(app, args.query, args, options)
    common.say_suggestion(args.query, page)
    fmt = args.format or "table"
    if args.count:
        print(page.total)
    elif fmt in ("json", "jsonl"):
        hits = [_hit_json(h, page) for h in page.hits]
        if fmt == "json":
            print(output.dumps(hits))
        for hit in hits if fmt == "jsonl" else ():
            print(json.dumps(hit, ensure_ascii=False))
    elif fmt == "csv":
        rows = [{**output.hit_json(h), "snippet": output.snippet(h.snippet, "plain")}
                for h in page.hits]
        sys.stdout.write(output.to_csv(rows, CSV_FIELDS))
    else:
        print(output.table(page.hits, page.total, args.offset, output.color(sys.stdout),
                           None if args.all else page.articles))
    return 0


def _report_format(args: Any) -> str | None:
    """"xlsx" or "excel" (CSV for Excel) when the output is a report file, else None."""
    suffix = args.output.suffix.lower() if args.output else ""
    if args.format == "xlsx" or (args.format is None and suffix == ".xlsx"):
        if not args.output:
            raise common.UsageError(_("--format xlsx writes a file: give -o FILE.xlsx"))
        return "xlsx"
    if args.excel or (args.format in (None, "csv") and suffix == ".csv"):
        return "excel"
    if args.columns:
        raise common.UsageError(_("--columns is for reports: --format xlsx, --excel or "
                                  "-o FILE.csv/.xlsx"))
    return None


def _write_report(app: Any, args: Any, options: dict[str, Any], kind: str) -> int:
    """Every hit (`--limit all`, no cap) or the page asked for, into an Excel report."""
    from search import exports

    columns = tuple(c.strip() for c in (args.columns or "").split(",") if c.strip())
    unknown = [c for c in columns if c not in exports.EXTRA]
    if unknown:
        raise common.UsageError(_("unknown column {name!r} (known: {known})").format(
            name=unknown[0], known=", ".join(exports.EXTRA)))
    limit = None if args.limit == "all" else args.limit
    hits = app.each_hit(args.query, day_from=options["day_from"], day_to=options["day_to"],
                        sources=options["sources"], sort=options["sort"],
                        group=options["group"], limit=limit)
    details = app.details if columns else None
    names = app.source_names()
    if kind != "xlsx" and args.output is None:
        exports.write_csv(hits, sys.stdout, names, columns, details)
        return 0
    try:  # the first page is searched already: a bad query never leaves an empty file
        if kind == "xlsx":
            exports.write_xlsx(hits, args.output, names, title=args.query, columns=columns,
                               details=details)
        else:
            with args.output.open("w", encoding="utf-8", newline="") as out:
                exports.write_csv(hits, out, names, columns, details)
    except OSError as exc:
        raise common.UsageError(_("cannot write {path}: {error}").format(
            path=args.output, error=exc.strerror)) from None
    return 0


def _search(app: Any, query: str, args: Any, options: dict[str, Any]) -> Any:
    if args.limit == "all" and not args.count:  # the total first, then that many hits
        total = app.search(query, **{**options, "limit": 0}).total
        options = {**options, "limit": min(common.MAX_LIMIT, max(0, total - args.offset))}
    return app.search(query, **options)


def _hit_json(hit: Any, page: Any) -> dict[str, Any]:
    """A hit of a corrected query says which query it matched."""
    record = output.hit_json(hit)
    if page.corrected:
        record["corrected_query"] = page.suggestion
    return record


def _batch(app: Any, args: Any, options: dict[str, Any]) -> int:
    """`--queries FILE`: JSON lines (`{"query", "total", "articles", "hits"}`; with a
    corrected query also `suggestion` and `corrected`), CSV rows or tables."""
    fmt = "jsonl" if args.format in (None, "json") else args.format
    records = []
    for line_no, query in _query_lines(args.queries):
        try:
            page = _search(app, query, args, options)
            record: dict[str, Any] = {"query": query, "total": page.total,
                                      "articles": page.articles}
            if not args.count:
                record["hits"] = [_hit_json(h, page) for h in page.hits]
            if page.suggestion:
                record["suggestion"] = page.suggestion
                record["corrected"] = page.corrected
            record["_page"] = page
        except QueryError as exc:
            record = {"query": query, "error": _("line {n}: {error}").format(n=line_no,
                                                                             error=exc)}
        if fmt == "jsonl":  # streamed: a long file shows its first answers at once
            record.pop("_page", None)
            print(json.dumps(record, ensure_ascii=False), flush=True)
        else:
            records.append(record)
    if fmt == "csv":
        if args.count:
            sys.stdout.write(output.to_csv(
                ({"query": r["query"], "total": r.get("total"), "articles": r.get("articles"),
                  "error": r.get("error")} for r in records),
                ["query", "total", "articles", "error"]))
        else:
            rows = [{"query": r["query"], "error": r.get("error"),
                     **({f: None for f in CSV_FIELDS} if "error" in r else {}),
                     **({**output.hit_json(h), "snippet": output.snippet(h.snippet, "plain")}
                        if h else {})}
                    for r in records for h in (r["_page"].hits or [None] if "_page" in r
                                               else [None])]
            sys.stdout.write(output.to_csv(
                [{f: row.get(f) for f in ["query", *CSV_FIELDS, "error"]} for row in rows],
                ["query", *CSV_FIELDS, "error"]))
    elif fmt == "table":
        color = output.color(sys.stdout)
        for record in records:
            if "error" in record:
                print(f"{terminal_safe(record['query'])}: {record['error']}\n")
            elif args.count:
                print(f"{record['total']:>8}  {terminal_safe(record['query'])}")
            else:
                page = record["_page"]
                print(f"== {terminal_safe(record['query'])}")
                if page.suggestion:
                    print(_("did you mean: {suggestion}").format(
                        suggestion=terminal_safe(page.suggestion))
                          + (_(" — showing its hits") if page.corrected else ""))
                print(output.table(page.hits, page.total, args.offset, color,
                                   None if args.all else page.articles) + "\n")
    return 0


def _query_lines(path: Path) -> Iterator[tuple[int, str]]:
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except OSError as exc:
        raise common.UsageError(_("cannot read {path}: {error}").format(
            path=path, error=exc.strerror)) from None
    except UnicodeDecodeError:
        raise common.UsageError(_("{path} is not UTF-8 text").format(path=path)) from None
    for number, line in enumerate(lines, 1):
        if line.strip() and not line.lstrip().startswith("#"):
            yield number, line.strip()
