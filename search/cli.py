"""`newsmon`: the command line front for crawling, searching and keeping the archive.

Exit codes (DESIGN.md): 0 success, 1 a run that finished with errors or a thing
not found, 2 bad usage or bad input — always one clear line on stderr, never a
traceback (an unexpected failure writes its traceback to the data dir's log).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import sys
import traceback
from collections.abc import Iterator
from datetime import date, datetime
from pathlib import Path
from typing import Any, NoReturn

from crawler.config import Config, ConfigError, bundled_sources_path, load_config
from indexer.article import Article
from indexer.backend import IndexBusy, IndexMissing
from indexer.store import DataDir, DataDirError
from indexer.text import squash, terminal_safe
from search import output
from search.dates import DateError, parse_bound
from search.query import QUERY_HELP, QueryError

MAX_LIMIT = 10_000


class UsageError(Exception):
    """Bad input: exit 2."""


class NotFound(Exception):
    """The thing asked for does not exist: exit 1."""


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        raise UsageError(f"{message} (see `{self.prog} --help`)")

    def _parse_optional(self, arg_string: str) -> Any:
        """`-школа`, `-(ЕГЭ OR ОГЭ)` and `-"фраза"` are query text (README: `-word`), not
        options: every option of newsmon is spelled in ASCII letters."""
        if re.match(r"-[^-A-Za-z0-9]", arg_string):
            return None
        return super()._parse_optional(arg_string)


def default_data_dir() -> Path:
    from platformdirs import user_data_dir

    return Path(user_data_dir("newsmon", appauthor=False))


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="newsmon", description="News-monitoring crawler with a Russian "
                     "search archive.")
    parser.add_argument("--data-dir", type=Path,
                        help="where the archive, index and logs live (env NEWSMON_DATA_DIR; "
                             "default: the user data directory)")
    parser.add_argument("--sources", type=Path,
                        help="sources file (env NEWSMON_SOURCES; default: the bundled one)")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND",
                                parser_class=_Parser)

    p = sub.add_parser("crawl", help="crawl sources, archive and index new articles")
    p.add_argument("slugs", nargs="*", metavar="SLUG", help="sources to crawl (default: all)")
    p.add_argument("--since", help="skip articles published before this date")
    p.add_argument("--max-articles", type=int, help="fetch at most N articles in this run")
    p.add_argument("--backfill", type=int, metavar="PAGES",
                   help="follow listings this many pages deep, even past archived articles "
                        "(a first full back-fill)")
    p.add_argument("--run-id", help=argparse.SUPPRESS)  # set by `newsmon schedule`

    p = sub.add_parser("search", help="search the archive",
                       formatter_class=argparse.RawDescriptionHelpFormatter, epilog=QUERY_HELP)
    p.add_argument("query", nargs="?", help="the query (see below)")
    p.add_argument("--from", dest="date_from", metavar="D",
                   help="published on or after: 2025, 2025-03, 2025-03-12, 12.03.2025, 7d, 2w, "
                        "today, yesterday")
    p.add_argument("--to", dest="date_to", metavar="D", help="published on or before (same forms)")
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

    p = sub.add_parser("show", help="one archived article in full")
    p.add_argument("key", metavar="ID|URL")
    p.add_argument("--format", choices=("text", "json"), default="text")

    p = sub.add_parser("extract", help="run the cleaner on one page and print the article JSON")
    p.add_argument("page", metavar="FILE|URL")
    p.add_argument("--url", help="the page's URL, when FILE is a saved page")
    p.add_argument("--source", metavar="SLUG", help="apply this source's settings and selectors")

    p = sub.add_parser("sources", help="the configured sources")
    p.add_argument("--format", choices=("table", "json"), default="table")
    p.add_argument("--check", nargs="*", metavar="SLUG",
                   help="fetch each source's feeds, listings and an article or two, and report "
                        "whether links, title, date and body still come out")

    p = sub.add_parser("stats", help="article counts by source and month")
    p.add_argument("--format", choices=("table", "json"), default="table")

    p = sub.add_parser("export", help="every archived article as JSON lines")
    p.add_argument("--format", choices=("jsonl",), default="jsonl")
    p.add_argument("--output", "-o", type=Path, help="write to FILE instead of standard output")

    p = sub.add_parser("import", help="archive and index articles from a JSON lines file")
    p.add_argument("file", type=Path, metavar="FILE.jsonl")

    p = sub.add_parser("reclean", help="run the current cleaner again on the archived pages "
                                       "and update the articles that come out better")
    p.add_argument("slugs", nargs="*", metavar="SOURCE", help="only these sources")
    p.add_argument("--since", metavar="D", help="only articles published on or after D")
    p.add_argument("--partial", action="store_true",
                   help="only articles archived partial (the page's text was not found)")

    p = sub.add_parser("rejected", help="pages the cleaner refused, with the reason")
    p.add_argument("slugs", nargs="*", metavar="SOURCE", help="only these sources")
    p.add_argument("--limit", type=int, default=100, help="rows to show (default 100)")
    p.add_argument("--format", choices=("table", "json"), default="table")

    sub.add_parser("reindex", help="rebuild the search index from the archive")
    p = sub.add_parser("stories", help="reprints grouped into stories: counts, or re-cluster")
    p.add_argument("--rebuild", action="store_true",
                   help="re-cluster the whole archive in publication order (deterministic; "
                        "stories are then named after their first publisher)")
    sub.add_parser("compact", help="merge the index's segments into one (after a big import: "
                                   "searches about twice as fast)")
    p = sub.add_parser("check", help="compare the index with the archive and repair the index")
    p.add_argument("--force", action="store_true",
                   help="remove index entries even when the archive looks damaged or empty")

    p = sub.add_parser("backup", help="a consistent copy of the archive (and the sources file) "
                                      "into DIR, while crawls and searches go on")
    p.add_argument("dir", type=Path, metavar="DIR")
    p.add_argument("--keep", type=int, metavar="N", help="then keep only the newest N backups")
    p = sub.add_parser("restore", help="bring a backup into an empty data dir and rebuild the "
                                       "index")
    p.add_argument("file", type=Path, metavar="FILE")

    p = sub.add_parser("schedule", help="crawl each source at its interval, until stopped")
    p.add_argument("slugs", nargs="*", metavar="SLUG", help="sources to schedule (default: all)")
    p.add_argument("--once", action="store_true",
                   help="run every due source once and exit (for cron)")
    p.add_argument("--jobs", type=int, default=2, help="crawls at the same time (default 2)")
    p.add_argument("--timeout", type=float, default=3600,
                   help="kill a run after this many seconds (default 3600)")
    p.add_argument("--grace", type=float, default=30,
                   help="on SIGTERM/SIGINT, seconds running crawls get to finish (default 30)")

    p = sub.add_parser("status", help="what the last runs did, per source")
    p.add_argument("--format", choices=("table", "json"), default="table")

    p = sub.add_parser("watch", help="saved queries matched against each run's new articles")
    watch_sub = p.add_subparsers(dest="watch_command", required=True, metavar="ACTION",
                                 parser_class=_Parser)
    w = watch_sub.add_parser("add", help="add or replace a watch")
    w.add_argument("name")
    w.add_argument("query")
    w.add_argument("--source", help="only articles from this source")
    watch_sub.add_parser("list", help="the watches and their hit counts")
    w = watch_sub.add_parser("rm", help="remove a watch")
    w.add_argument("name")

    p = sub.add_parser("digest", help="new articles matching the watches, grouped by watch")
    p.add_argument("--since", default="1d",
                   help="articles that arrived on or after this day (default 1d)")
    p.add_argument("--format", choices=("text", "markdown", "json"), default="text")
    p.add_argument("--write", type=Path, metavar="DIR",
                   help="also write one Markdown file per day into DIR")

    p = sub.add_parser("demo", help="crawl the bundled offline demo site and search it")
    p.add_argument("--port", type=int, default=0, help="port for the demo site (default: any)")
    return parser


def main(argv: list[str] | None = None) -> int:
    args: Any = None
    try:
        args = build_parser().parse_args(argv)
        return COMMANDS[args.command](args)
    except UsageError as exc:
        return _fail(str(exc), 2)
    except (ConfigError, DateError, QueryError, DataDirError) as exc:
        return _fail(str(exc), 2)
    except IndexMissing as exc:
        return _fail(str(exc), 2)
    except IndexBusy as exc:
        return _fail(str(exc), 1)
    except NotFound as exc:
        return _fail(str(exc), 1)
    except KeyboardInterrupt:
        return _fail("interrupted", 130)
    except BrokenPipeError:
        sys.stderr.close()
        return 0
    except Exception as exc:
        from search.faults import describe

        known = describe(exc, _data_dir(args).root if args else None)
        if known:
            return _fail(*known)
        where = _log_crash(args)
        return _fail(f"unexpected error: {type(exc).__name__}: {exc} (details in {where})", 1)


def _fail(message: str, code: int) -> int:
    print(f"newsmon: {terminal_safe(message)}", file=sys.stderr)
    return code


def _log_crash(args: Any) -> str:
    try:
        logs = _data_dir(args).logs if args else default_data_dir() / "logs"
        logs.mkdir(parents=True, exist_ok=True)
        path = logs / "errors.log"
        with path.open("a", encoding="utf-8") as handle:
            handle.write(f"--- {datetime.now().isoformat()} {sys.argv}\n{traceback.format_exc()}")
        return str(path)
    except Exception:
        return "no log: data dir not writable"


def _data_dir(args: Any) -> DataDir:
    path = args.data_dir or os.environ.get("NEWSMON_DATA_DIR") or default_data_dir()
    return DataDir(Path(path).expanduser())


def _config(args: Any) -> Config:
    path = args.sources or os.environ.get("NEWSMON_SOURCES") or bundled_sources_path()
    return load_config(Path(path).expanduser())


def _positive(value: int | None, name: str, maximum: int = MAX_LIMIT) -> None:
    if value is not None and not 0 <= value <= maximum:
        raise UsageError(f"{name} must be between 0 and {maximum}, not {value}")


# --- commands ---------------------------------------------------------------------------------

def cmd_crawl(args: Any) -> int:
    from crawler.run import SourceBusy, crawl

    config = _config(args)
    sources = config.select(args.slugs)
    _positive(args.max_articles, "--max-articles", 10_000_000)
    since = parse_bound(args.since, date.today(), end=False) if args.since else None
    data_dir = _data_dir(args)
    data_dir.ensure_writable()
    _positive(args.backfill, "--backfill", 100_000)
    try:
        report = crawl(config, sources, data_dir, max_articles=args.max_articles, since=since,
                       backfill=args.backfill, run_id=args.run_id)
    except SourceBusy as exc:
        raise UsageError(str(exc)) from None
    if report.new_ids:
        from search.watch import record_hits

        record_hits(data_dir, report.run_id, report.new_ids)
    return print_report(report, sources)


def print_report(report: Any, sources: list[Any]) -> int:
    for source in sources:
        counts = report.by_source.get(source.slug, {})
        print(f"{source.slug}: {counts.get('new', 0)} new, {counts.get('updated', 0)} updated, "
              f"{counts.get('unchanged', 0)} unchanged, {report.pages[source.slug]} pages, "
              f"{len(report.errors.get(source.slug, []))} errors")
    errors = report.all_errors
    print(f"crawled {sum(report.pages.values())} pages in {report.seconds:.1f} s: "
          f"{report.new} new, {report.updated} updated, {report.skipped_known} already "
          f"archived, {report.partial} partial, {report.not_articles} not articles, "
          f"{report.off_topic} off topic, {len(errors)} errors")
    if report.partial or report.not_articles:
        print("  partial: the page's text was not found, archived from its feed item; "
              "`newsmon rejected` lists the pages refused")
    for message in errors[:10]:
        print(f"  error: {terminal_safe(message)}", file=sys.stderr)
    if len(errors) > 10:
        print(f"  … {len(errors) - 10} more in {report.log}", file=sys.stderr)
    return 1 if errors else 0


def cmd_search(args: Any) -> int:
    from search.engine import Searcher

    _positive(args.limit, "--limit")
    _positive(args.offset, "--offset", 10_000_000)
    today = date.today()
    day_from = parse_bound(args.date_from, today, end=False) if args.date_from else None
    day_to = parse_bound(args.date_to, today, end=True) if args.date_to else None
    if day_from and day_to and day_from > day_to:
        raise UsageError(f"--from {args.date_from} is after --to {args.date_to}")
    searcher = Searcher(_data_dir(args))
    options = {"day_from": day_from, "day_to": day_to, "sources": args.source, "sort": args.sort,
               "limit": args.limit, "offset": args.offset, "group": not args.all}
    if args.queries:
        if args.query:
            raise UsageError("give either QUERY or --queries FILE, not both")
        for line_no, query in _query_lines(args.queries):
            try:
                page = searcher.search(query, **options)
                record: dict[str, Any] = {"query": query, "total": page.total,
                                          "articles": page.articles,
                                          "hits": [output.hit_json(h) for h in page.hits]}
                if page.suggestion:
                    record["suggestion"] = page.suggestion
            except QueryError as exc:
                record = {"query": query, "error": f"line {line_no}: {exc}"}
            print(json.dumps(record, ensure_ascii=False))
        return 0
    if not args.query:
        raise UsageError("a query is required (or --queries FILE)")
    page = searcher.search(args.query, **options)
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
        sys.stdout.write(output.to_csv(rows, ["id", "published", "source", "title", "url",
                                              "score", "snippet", "story", "story_size"]))
    else:
        print(output.table(page.hits, page.total, args.offset, sys.stdout.isatty(),
                           None if args.all else page.articles))
    return 0


def _query_lines(path: Path) -> Iterator[tuple[int, str]]:
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except OSError as exc:
        raise UsageError(f"cannot read {path}: {exc.strerror}") from None
    except UnicodeDecodeError:
        raise UsageError(f"{path} is not UTF-8 text") from None
    for number, line in enumerate(lines, 1):
        if line.strip() and not line.lstrip().startswith("#"):
            yield number, line.strip()


def cmd_show(args: Any) -> int:
    from indexer.stories import Stories

    with _data_dir(args).open_archive() as archive:
        article = archive.get(args.key.strip())
        if article is None:
            raise NotFound(f"no archived article {args.key!r}")
        stories = Stories(archive.db)
        story = stories.story_of([article.id]).get(article.id)
        members = stories.members([story])[story] if story else []
    if args.format == "json":
        print(output.dumps({**article.to_json(), "story": story}))
        return 0
    print(terminal_safe(article_text(article)))
    if len(members) > 1:
        print(terminal_safe(story_text(article.id, story, members)))
    return 0


def story_text(article_id: str, story: str | None, members: list[dict[str, Any]]) -> str:
    """The story's first publisher and its other articles, for `show`."""
    first = members[0]
    who = ("this article" if first["id"] == article_id
           else f"{first['source'] or '—'}, {first['published'] or 'undated'}")
    lines = ["", f"Сюжет {story}: {len(members)} articles; first published by {who}"]
    for m in members:
        if m["id"] != article_id:
            lines.append(f"  {(m['published'] or '—')[:16]:<16}  {squash(m['source'] or '—'):<14}"
                         f"  {m['url']}  [{m['id']}]")
    return "\n".join(lines)


def article_text(article: Article) -> str:
    meta = [("Дата", article.published.isoformat() if article.published else "—"),
            ("Источник", article.source or "—"), ("Автор", article.author or "—"),
            ("Рубрика", article.section or "—"), ("Теги", ", ".join(article.tags) or "—"),
            ("URL", article.url), ("ID", article.id)]
    if article.matched:
        meta.append(("Тема: образование", ", ".join(article.matched)))
    lines = [squash(article.title), ""]
    lines += [f"{name}: {squash(value)}" for name, value in meta]
    lines.append("")
    if article.lead:
        lines += [squash(article.lead), ""]
    lines.append(article.body)
    return "\n".join(lines)


def cmd_extract(args: Any) -> int:
    from crawler.clean import NotArticle, clean, is_binary

    source = None
    if args.source:
        source = _config(args).select([args.source])[0]
    if args.page.startswith(("http://", "https://")):
        body, content_type, url = _fetch(args.page, _config(args).contact)
        url = args.url or url
    else:
        from crawler.run import MAX_PAGE_BYTES

        path = Path(args.page)
        try:
            with path.open("rb") as handle:  # the crawler's cap: a bigger file took minutes
                body = handle.read(MAX_PAGE_BYTES + 1)
        except OSError as exc:
            raise UsageError(f"cannot read {path}: {exc.strerror}") from None
        if len(body) > MAX_PAGE_BYTES:
            raise UsageError(f"{path} is larger than {MAX_PAGE_BYTES // 2**20} MB, the largest "
                             "page the crawler fetches")
        content_type, url = None, args.url or path.resolve().as_uri()
    if is_binary(body):
        raise UsageError(f"{args.page} is not an HTML page (binary data)")
    try:
        article = clean(body, url, source, fetched=datetime.now().astimezone(),
                        content_type=content_type)
    except NotArticle as exc:
        raise NotFound(f"{args.page}: not an article page ({exc})") from None
    data = article.to_json()
    if source is None:
        data.pop("source")
    print(output.dumps(data))
    return 0


def _fetch(url: str, contact: str) -> tuple[bytes, str | None, str]:
    import urllib.error
    import urllib.request

    from crawler.run import MAX_PAGE_BYTES, user_agent

    request = urllib.request.Request(url, headers={"User-Agent": user_agent(contact)})
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            body = response.read(MAX_PAGE_BYTES + 1)
            if len(body) > MAX_PAGE_BYTES:
                raise UsageError(f"{url}: page larger than {MAX_PAGE_BYTES // 2**20} MB")
            return body, response.headers.get("Content-Type"), response.geturl()
    except urllib.error.HTTPError as exc:
        raise NotFound(f"{url}: HTTP {exc.code}") from None
    except (urllib.error.URLError, OSError) as exc:
        reason = getattr(exc, "reason", exc)
        raise NotFound(f"{url}: cannot fetch ({reason})") from None


def cmd_sources(args: Any) -> int:
    config = _config(args)
    if args.check is not None:
        return check_sources(config, config.select(args.check), args.format)
    counts: dict[str, int] = {}
    last: dict[str, str] = {}
    data_dir = _data_dir(args)
    if data_dir.archive_path.exists():
        with data_dir.open_archive() as archive:
            counts = archive.stats()["by_source"]  # type: ignore[assignment]
            last = archive.last_fetched()
    rows = [{"slug": s.slug, "name": s.name, "home": s.home, "feeds": list(s.feeds),
             "sitemaps": list(s.sitemaps), "listings": list(s.listings), "topic": s.topic,
             "every": s.every, "timezone": s.timezone, "articles": counts.get(s.slug, 0),
             "last_crawl": last.get(s.slug)} for s in config.sources.values()]
    if args.format == "json":
        print(output.dumps(rows))
        return 0
    print(f"sources from {config.path}")
    for row in rows:
        print(f"{row['slug']:<14} {row['articles']:>6} articles  every {row['every']:<4} "
              f"topic {row['topic']:<9} {terminal_safe(row['name'])}  {row['home']}")
    return 0


def check_sources(config: Config, sources: list[Any], fmt: str) -> int:
    from concurrent.futures import ThreadPoolExecutor

    from crawler.check import check_source
    from crawler.run import user_agent

    with ThreadPoolExecutor(max_workers=4) as pool:
        results = list(pool.map(lambda s: check_source(s, user_agent(config.contact)),
                                sources))
    if fmt == "json":
        print(output.dumps([r.to_json() for r in results]))
    else:
        for result in results:
            state = "ok" if result.healthy else ("UNREACHABLE" if not result.reachable
                                                 else "PROBLEMS")
            good = sum(a.ok for a in result.articles)
            print(f"{result.source:<14} {state:<11} {result.links} article links, "
                  f"{good}/{len(result.articles)} articles with title, date and body")
            for problem in result.problems:
                print(f"{'':<14} - {terminal_safe(problem)}")
    return 0 if all(r.healthy for r in results) else 1


def cmd_stats(args: Any) -> int:
    from indexer.stories import Stories

    data_dir = _data_dir(args)
    with data_dir.open_archive() as archive:
        stats = archive.stats()
        stats.update(Stories(archive.db).counts())
    if args.format == "json":
        print(output.dumps(stats))
        return 0
    print(f"{stats['articles']} articles in {stats['stories']} stories")
    print("\nby source:")
    print(output.bars(stats["by_source"]))  # type: ignore[arg-type]
    print("\nfirst publications and reprints, by source:")
    for source, row in sorted(stats["by_source_stories"].items(),  # type: ignore[union-attr]
                              key=lambda item: -item[1]["first"]):
        print(f"  {squash(source) or '—':<14}  {row['first']:>6} first  "
              f"{row['reprints']:>6} reprints")
    print("\nby month:")
    print(output.bars(stats["by_month"]))  # type: ignore[arg-type]
    return 0


def cmd_export(args: Any) -> int:
    data_dir = _data_dir(args)
    with data_dir.open_archive() as archive:
        story_of = _story_lookup(archive)
        handle = args.output.open("w", encoding="utf-8") if args.output else sys.stdout
        try:
            for article in archive.iter_articles():
                record = {**article.to_json(), "story": story_of(article.id)}
                handle.write(json.dumps(record, ensure_ascii=False) + "\n")
        finally:
            if args.output:
                handle.close()
    return 0


def cmd_import(args: Any) -> int:
    from search.importer import BadImportFile, import_jsonl

    data_dir = _data_dir(args)
    try:
        states = import_jsonl(args.file, data_dir)
    except BadImportFile as exc:
        raise UsageError(str(exc)) from None
    print(f"imported {sum(states.values())} articles: {states.get('new', 0)} new, "
          f"{states.get('updated', 0)} updated, {states.get('unchanged', 0)} unchanged")
    return 0


def cmd_reclean(args: Any) -> int:
    from crawler.reclean import reclean

    config = _config(args)
    for slug in args.slugs:
        config.select([slug])  # an unknown source is a usage error naming the known ones
    since = parse_bound(args.since, date.today(), end=False).isoformat() if args.since else None
    data_dir = _data_dir(args)
    data_dir.open_archive().close()  # no archive yet: one clear line
    counts = reclean(data_dir, config, args.slugs or None, since, args.partial)
    print(f"re-cleaned {sum(counts.values())} articles: {counts['updated']} updated, "
          f"{counts['unchanged']} unchanged, {counts['kept']} kept as archived (the current "
          "cleaner did no better)")
    return 0


def cmd_rejected(args: Any) -> int:
    _positive(args.limit, "--limit")
    config = _config(args)
    for slug in args.slugs:
        config.select([slug])
    data_dir = _data_dir(args)
    rows = []
    if data_dir.archive_path.exists():
        with data_dir.open_archive() as archive:
            rows = archive.rejected(args.slugs, args.limit)
    if args.format == "json":
        print(output.dumps(rows))
        return 0
    for row in rows:
        print(f"{row['seen'][:16].replace('T', ' ')}  {row['source'] or '—':<12} "
              f"{terminal_safe(row['url'])}\n{'':<30}{terminal_safe(row['reason'])}")
    if not rows:
        print("(no pages rejected)")
    return 0


def cmd_reindex(args: Any) -> int:
    from indexer.stories import Stories

    data_dir = _data_dir(args)
    with data_dir.open_archive() as archive:
        with archive.transaction():  # an archive made before stories gets them first
            assigned = Stories(archive.db).assign_missing()
        total = data_dir.index.rebuild(archive.iter_articles(), story_of=_story_lookup(archive))
        archive.mark_all_indexed()
    if assigned:
        print(f"grouped {assigned} articles into stories")
    print(f"reindexed {total} articles into {data_dir.index.location}")
    return 0


def _story_lookup(archive: Any) -> Any:
    """id -> story, one indexed lookup each: the whole map of a large archive is not held."""
    def story_of(article_id: str) -> str | None:
        row = archive.db.execute("SELECT story FROM story_members WHERE article_id = ?",
                                 (article_id,)).fetchone()
        return row[0] if row else None
    return story_of


def cmd_stories(args: Any) -> int:
    """Re-clustering renames stories after their first publishers, so it is a command of
    its own, never a side effect; the index gets the changed articles again."""
    from indexer.stories import Stories

    data_dir = _data_dir(args)
    with data_dir.open_archive() as archive:
        stories = Stories(archive.db)
        if args.rebuild:
            with archive.transaction():
                changed = stories.rebuild()
            archive.mark_indexed(changed, value=0)
            data_dir.catch_up(archive)
            print(f"re-clustered {archive.count()} articles: {len(changed)} changed story")
        counts = stories.counts()
        missing = stories.unassigned()
        articles = archive.count()
    print(f"{articles} articles in {counts['stories']} stories")
    if missing:
        print(f"{missing} articles have no story yet: run `newsmon reindex`")
    return 0


def cmd_compact(args: Any) -> int:
    """A bulk import leaves two index segments per 5,000 articles, and every query word is
    looked up in each; one segment halves the time of a typical search at 100,000."""
    merged = _data_dir(args).index.compact()
    print(f"merged {merged} index segments into one" if merged
          else "the index is a single segment already")
    return 0


def cmd_schedule(args: Any) -> int:
    from crawler.scheduler import Scheduler, SchedulerLocked, setup_logging

    config = _config(args)
    sources = config.select(args.slugs)
    if not 1 <= args.jobs <= 32:
        raise UsageError("--jobs must be between 1 and 32")
    if args.timeout <= 0 or args.grace < 0:
        raise UsageError("--timeout must be positive and --grace not negative")
    data_dir = _data_dir(args)
    data_dir.ensure_writable()
    setup_logging(data_dir)
    scheduler = Scheduler(config=config, sources_path=config.path, data_dir=data_dir,
                          sources=sources, jobs=args.jobs, timeout=args.timeout,
                          grace=args.grace)
    try:
        return scheduler.run_once() if args.once else scheduler.serve_forever()
    except SchedulerLocked as exc:
        raise UsageError(str(exc)) from None


STALE_RUNS = 3


def cmd_status(args: Any) -> int:
    from datetime import timedelta

    config = _config(args)
    data_dir = _data_dir(args)
    rows = []
    latest, counts, recent = {}, {}, {}
    if data_dir.archive_path.exists():
        with data_dir.open_archive() as archive:
            latest = archive.latest_runs()
            counts = archive.run_counts()
            totals = archive.stats()["by_source"]
            recent = {s: archive.runs(s, limit=STALE_RUNS) for s in config.sources}
            problems = archive.problem_counts()
    else:
        totals, problems = {}, {}
    for source in config.sources.values():
        run = latest.get(source.slug)
        last_run = None
        next_run = datetime.now().astimezone().replace(microsecond=0).isoformat()
        if run:
            last_run = {"started": run["started"], "finished": run["finished"],
                        "articles_new": run["articles_new"], "pages": run["pages"],
                        "errors": run["errors"], "messages": run["messages"],
                        "outcome": run["outcome"], "ok": run["outcome"] == "ok"}
            next_run = (datetime.fromisoformat(str(run["started"]))
                        + timedelta(seconds=source.every_seconds)).isoformat()
        history = recent.get(source.slug, [])
        stale = len(history) >= STALE_RUNS and all(
            r["articles_new"] == 0 and r["outcome"] != "running" for r in history)
        found = problems.get(source.slug, {})
        rows.append({"source": source.slug, "runs": counts.get(source.slug, 0),
                     "articles": totals.get(source.slug, 0), "every": source.every,
                     "partial": found.get("partial", 0), "rejected": found.get("rejected", 0),
                     "last_run": last_run, "next_run": next_run, "stale": stale})
    if args.format == "json":
        print(output.dumps(rows))
        return 0
    for row in rows:
        last = row["last_run"]
        if last:
            state = (f"last run {last['started'][:16].replace('T', ' ')} {last['outcome']}, "
                     f"{last['articles_new']} new, {last['errors']} errors")
        else:
            state = "never run"
        print(f"{row['source']:<14} {row['articles']:>6} articles  {row['runs']:>4} runs  "
              f"{state}; next {row['next_run'][:16].replace('T', ' ')}")
        if last and last["messages"]:
            print(f"{'':<14} {terminal_safe(str(last['messages'][0]))}")
        if row["partial"] or row["rejected"]:
            print(f"{'':<14} {row['partial']} partial (text not found, kept from the feed), "
                  f"{row['rejected']} pages rejected (`newsmon rejected {row['source']}`)")
        if row["stale"]:
            print(f"{'':<14} warning: no new articles in the last {STALE_RUNS} runs — "
                  "check the site's layout, feeds and whether it blocks the crawler")
    return 0


def cmd_watch(args: Any) -> int:
    from search import watch

    data_dir = _data_dir(args)
    if args.watch_command == "add":
        if args.source:
            _config(args).select([args.source])
        watch.add(data_dir, args.name, args.query, args.source)
        print(f"watch {args.name!r} saved: {args.query}")
    elif args.watch_command == "rm":
        if not data_dir.archive_path.exists() or not watch.remove(data_dir, args.name):
            raise NotFound(f"no watch named {args.name!r}")
        print(f"watch {args.name!r} removed")
    else:
        for row in watch.watches(data_dir):
            where = f" (source {row['source']})" if row["source"] else ""
            print(f"{terminal_safe(row['name']):<20} {row['hits']:>5} hits  "
                  f"{terminal_safe(row['query'])}{where}")
    return 0


def cmd_digest(args: Any) -> int:
    from search import watch

    since = parse_bound(args.since, date.today(), end=False)
    data_dir = _data_dir(args)
    groups = watch.digest(data_dir, since)
    text = watch.render(groups, args.format, since)
    print(text if args.format == "json" else terminal_safe(text))
    if args.write:
        for path in watch.write_days(groups, args.write):
            print(f"wrote {path}", file=sys.stderr)
    return 0


def cmd_check(args: Any) -> int:
    """The archive is the truth: the index gets what it lacks and loses what it should not."""
    data_dir = _data_dir(args)
    index = data_dir.index
    with data_dir.open_archive() as archive:
        try:
            indexed = index.ids()
        except IndexMissing as exc:
            print(f"{exc}; rebuilding", file=sys.stderr)
            total = index.rebuild(archive.iter_articles(), story_of=_story_lookup(archive))
            archive.mark_all_indexed()
            print(f"index rebuilt: {total} articles")
            return 0
        archived = {row[0] for row in archive.db.execute("SELECT id FROM articles")}
        missing, extra = archived - indexed, indexed - archived
        if extra and not args.force:
            refuse_to_drop(archive, len(archived), len(extra))
        if missing:
            archive.mark_indexed(missing, value=0)
        repaired = data_dir.catch_up(archive)
        index.delete(extra)
    print(f"{len(archived)} archived, {len(indexed)} were indexed: {len(missing)} missing "
          f"added, {len(extra)} stray removed, {repaired} (re)indexed in all")
    return 0


def refuse_to_drop(archive: Any, archived: int, extra: int) -> None:
    """The index is the last copy of articles an archive lost: dropping them must be asked."""
    from indexer.health import ArchiveDamaged, advice, quick_check

    problem = quick_check(archive.db)
    if problem:
        raise ArchiveDamaged(f"archive {archive.path} is damaged ({problem}); the index's "
                             f"{extra} articles it lacks were kept; {advice(archive.path)}")
    if not archived:
        raise ArchiveDamaged(f"archive {archive.path} holds no articles but the index holds "
                             f"{extra}: not removing them (restore a backup with `newsmon "
                             "restore FILE`, or run `newsmon check --force` if the archive "
                             "was emptied on purpose)")


def cmd_demo(args: Any) -> int:
    from search.demo import run_demo

    return run_demo(_data_dir(args), args.port)


COMMANDS = {
    "crawl": cmd_crawl, "search": cmd_search, "show": cmd_show, "extract": cmd_extract,
    "sources": cmd_sources, "stats": cmd_stats, "export": cmd_export, "import": cmd_import,
    "reindex": cmd_reindex, "compact": cmd_compact, "demo": cmd_demo,
    "schedule": cmd_schedule, "status": cmd_status, "watch": cmd_watch, "digest": cmd_digest,
    "check": cmd_check, "reclean": cmd_reclean, "rejected": cmd_rejected,
    "stories": cmd_stories,
}

def cmd_backup(args: Any) -> int:
    from search.backup import BackupError, backup

    _positive(args.keep, "--keep", 100_000)
    sources = args.sources or os.environ.get("NEWSMON_SOURCES") or bundled_sources_path()
    try:
        path, count = backup(_data_dir(args), Path(sources), args.dir, keep=args.keep)
    except BackupError as exc:
        raise UsageError(str(exc)) from None
    print(f"backed up {count} articles to {path}")
    return 0


def cmd_restore(args: Any) -> int:
    from search.backup import BackupError, restore

    data_dir = _data_dir(args)
    try:
        total = restore(args.file, data_dir)
    except BackupError as exc:
        raise UsageError(str(exc)) from None
    print(f"restored {total} articles into {data_dir.root}; the index was rebuilt")
    sources = args.file.with_suffix(".sources.toml")
    if sources.is_file():
        print(f"the sources file it was made with: {sources} (pass it with --sources)")
    return 0


COMMANDS.update(backup=cmd_backup, restore=cmd_restore)

if __name__ == "__main__":
    sys.exit(main())
