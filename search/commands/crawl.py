"""`newsmon crawl`: fetch new articles of the sources, archive and index them, match watches."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from indexer.text import terminal_safe
from search.commands import common
from search.i18n import _

HELP = "crawl sources, archive and index new articles"


def configure(p: argparse.ArgumentParser) -> None:
    p.add_argument("slugs", nargs="*", metavar="SLUG", help=_("sources to crawl (default: all)"))
    p.add_argument("--since", metavar="D",
                   help=_("skip articles published before this date (the forms of "
                          "`newsmon search --from`)"))
    p.add_argument("--max-articles", type=int, metavar="N",
                   help=_("fetch at most N articles in this run"))
    p.add_argument("--backfill", type=int, metavar="PAGES",
                   help=_("follow listings this many pages deep, even past archived articles "
                          "(a first full back-fill)"))
    p.add_argument("--queue", metavar="URL",
                   help=_("share one frontier with other workers: redis://HOST:PORT/DB "
                          "(default: $NEWSMON_QUEUE; none: this process crawls alone)"))
    p.add_argument("--run-id", help=argparse.SUPPRESS)  # set by `newsmon schedule`


def run(args: Any) -> int:
    from crawler.queue import QueueError, QueueUnreachable
    from crawler.run import SourceBusy, crawl

    config = common.config(args)
    sources = config.select(args.slugs)
    common.positive(args.max_articles, "--max-articles", 10_000_000)
    common.positive(args.backfill, "--backfill", 100_000)
    since = common.day(args.since)
    data_dir = common.data_dir(args)
    data_dir.ensure_writable()
    common.remember_sources(data_dir.root, config)
    try:
        # on a terminal the archive pipeline counts the articles fetched (crawler/pipeline.py)
        report = crawl(config, sources, data_dir, max_articles=args.max_articles, since=since,
                       backfill=args.backfill, run_id=args.run_id, queue=common.queue(args))
    except (SourceBusy, QueueError) as exc:
        raise common.UsageError(str(exc)) from None
    except QueueUnreachable as exc:
        print(f"newsmon: {exc}", file=sys.stderr)
        return 1
    if report.new_ids:
        with common.App(data_dir, config) as app:
            app.record_hits(report.run_id, report.new_ids)
    code = print_report(report, sources)
    if config.notify.channels and report.new_ids:
        deliver_after(data_dir, config)
    return code


def deliver_after(data_dir: Any, config: Any) -> None:
    """New matches go out after the run; a channel that fails says so in one line and keeps
    them pending (`newsmon status`), and never changes the crawl's outcome."""
    try:
        with common.App(data_dir, config) as app:
            common.print_deliveries(app.deliver())
    except Exception as exc:  # delivery never fails a crawl; the next run tries again
        print("notify: " + _("delivery failed: {error}").format(error=terminal_safe(str(exc))),
              file=sys.stderr)


def print_report(report: Any, sources: list[Any]) -> int:
    for source in sources:
        counts = report.by_source.get(source.slug, {})
        print(_("{source}: {new} new, {updated} updated, {unchanged} unchanged, {pages} pages, "
                "{errors} errors").format(
                    source=source.slug, new=counts.get("new", 0),
                    updated=counts.get("updated", 0), unchanged=counts.get("unchanged", 0),
                    pages=report.pages[source.slug],
                    errors=len(report.errors.get(source.slug, []))))
    errors = report.all_errors
    print(_("crawled {pages} pages in {seconds} s: {new} new, {updated} updated, {known} "
            "already archived, {partial} partial, {not_articles} not articles, {off_topic} "
            "off topic, {errors} errors").format(
                pages=sum(report.pages.values()), seconds=f"{report.seconds:.1f}",
                new=report.new, updated=report.updated, known=report.skipped_known,
                partial=report.partial, not_articles=report.not_articles,
                off_topic=report.off_topic, errors=len(errors)))
    if report.partial or report.not_articles:
        print("  " + _("partial: the page's text was not found, archived from its feed item; "
                       "`newsmon rejected` lists the pages refused"))
    for message in errors[:10]:  # as the run history keeps them: in English
        print("  " + _("error: {message}").format(message=terminal_safe(message)),
              file=sys.stderr)
    if len(errors) > 10:
        print("  " + _("… {n} more in {log}").format(n=len(errors) - 10, log=report.log),
              file=sys.stderr)
    return 1 if errors else 0
