"""`newsmon stats`: articles and stories by source and month; with a QUERY, its matches
over time (per day, week or month) and by source."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from indexer.text import squash, terminal_safe
from search import output
from search.commands import common
from search.dates import FORMS
from search.i18n import _, ngettext

HELP = "article counts by source and month, or a query's matches over time"


def configure(p: argparse.ArgumentParser) -> None:
    p.add_argument("query", nargs="?",
                   help=_("count this query's matches (see `newsmon search --help`) instead of "
                          "the whole archive"))
    p.add_argument("--by", choices=("day", "week", "month"),
                   help=_("period of the counts (default: by the range; day up to two months, "
                          "week up to a year, month beyond)"))
    p.add_argument("--source", action="append", metavar="S",
                   help=_("only this source (repeatable)"))
    p.add_argument("--from", dest="date_from", metavar="D",
                   help=_("published on or after: {forms}").format(forms=FORMS))
    p.add_argument("--to", dest="date_to", metavar="D",
                   help=_("published on or before (same forms; a month or year given here "
                          "reaches its last day)"))
    p.add_argument("--all", action="store_true",
                   help=_("count every matching article, not one per story"))
    p.add_argument("--format", choices=("table", "json", "csv"), default="table",
                   help=_("table: bar charts; json; csv rows of kind,key,count"))


def run(args: Any) -> int:
    if args.query is None:
        if args.by or args.source or args.date_from or args.date_to or args.all:
            raise common.UsageError(_("--by, --source, --from, --to and --all count a QUERY's "
                                      "matches: give one (`newsmon stats 'школа' --by month`)"))
        return _archive(args)
    day_from, day_to = common.day(args.date_from), common.day(args.date_to, end=True)
    if day_from and day_to and day_from > day_to:
        raise common.UsageError(_("--from {start} is after --to {end}").format(
            start=args.date_from, end=args.date_to))
    with common.app(args) as app:
        line = app.timeline(args.query, by=args.by, day_from=day_from, day_to=day_to,
                            sources=args.source, group=not args.all)
    common.say_suggestion(args.query, line)
    if args.format == "json":
        print(output.dumps(line.to_json()))
        return 0
    periods = {_label(day, line.by): n for day, n in line.counts}
    if args.format == "csv":
        rows = [{"kind": line.by, "key": k, "count": n} for k, n in periods.items()]
        rows += [{"kind": "source", "key": s, "count": n} for s, n in line.sources]
        if line.undated:
            rows.append({"kind": "undated", "key": "", "count": line.undated})
        sys.stdout.write(output.to_csv(rows, ["kind", "key", "count"]))
        return 0
    if args.all:
        noun = ngettext("{n} article", "{n} articles", line.total).format(n=line.total)
    else:
        noun = ngettext("{n} story", "{n} stories", line.total).format(n=line.total) + " (" + \
            ngettext("{n} article", "{n} articles", line.articles).format(n=line.articles) + ")"
    print(f"«{terminal_safe(args.query)}»: {noun}")
    print("\n" + {"day": _("by day:"), "week": _("by week:"), "month": _("by month:")}[line.by])
    print(output.bars(periods, draw=output.color(sys.stdout)))
    print("\n" + _("by source:"))
    print(output.bars(dict(line.sources), draw=output.color(sys.stdout)))
    if line.undated:
        print("\n" + _("{n} without a date").format(n=line.undated))
    return 0


def _label(day: Any, by: str) -> str:
    return f"{day:%Y-%m}" if by == "month" else day.isoformat()


def _archive(args: Any) -> int:
    with common.app(args) as app:
        stats = app.stats()
    if args.format == "json":
        print(output.dumps(stats))
        return 0
    if args.format == "csv":
        rows = [{"kind": "total", "key": k, "count": stats[k]} for k in ("articles", "stories")]
        rows += [{"kind": "source", "key": k, "count": n} for k, n in stats["by_source"].items()]
        rows += [{"kind": "month", "key": k, "count": n} for k, n in stats["by_month"].items()]
        sys.stdout.write(output.to_csv(rows, ["kind", "key", "count"]))
        return 0
    draw = output.color(sys.stdout)
    print(_("{articles} articles in {stories} stories").format(
        articles=stats["articles"], stories=stats["stories"]))
    print("\n" + _("by source:"))
    print(output.bars(stats["by_source"], draw=draw))
    print("\n" + _("first publications and reprints, by source:"))
    for source, row in sorted(stats["by_source_stories"].items(),
                              key=lambda item: -item[1]["first"]):
        print(f"  {squash(source) or '—':<14}  {row['first']:>6} {_('first')}  "
              f"{row['reprints']:>6} {_('reprints')}")
    print("\n" + _("by month:"))
    print(output.bars(stats["by_month"], draw=draw))
    return 0
