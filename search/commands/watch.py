"""`newsmon watch add|list|rm`: saved queries matched against each run's new articles."""

from __future__ import annotations

import argparse
from typing import Any

from indexer.text import terminal_safe
from search.commands import common
from search.i18n import _, ngettext

HELP = "saved queries matched against each run's new articles"


def configure(p: argparse.ArgumentParser) -> None:
    sub = p.add_subparsers(dest="watch_command", required=True, metavar="ACTION",
                           parser_class=type(p))
    w = sub.add_parser("add", help=_("add or replace a watch"),
                       description=_("add or replace a watch"))
    w.add_argument("name", help=_("the watch's name (digests and messages group by it)"))
    w.add_argument("query", help=_("the query (see `newsmon search --help`)"))
    w.add_argument("--source", help=_("only articles from this source"))
    w.add_argument("--backfill", default="none", metavar="none|all|DATE",
                   help=_("what of the archive's older matches the channels get: none "
                          "(default: only articles archived from now on are delivered), a "
                          "date (those archived since then), or all"))
    sub.add_parser("list", help=_("the watches and their hit counts"),
                   description=_("the watches and their hit counts"))
    w = sub.add_parser("rm", help=_("remove a watch"), description=_("remove a watch"))
    w.add_argument("name", help=_("the watch's name"))


def run(args: Any) -> int:
    if args.watch_command == "add":
        with common.app(args, with_config=True) as app:
            backfill = args.backfill if args.backfill in ("none", "all") else common.day(
                args.backfill, today=common.zone_today(app))
            app.add_watch(args.name, args.query, args.source, backfill)
        print(_("watch {name!r} saved: {query}").format(name=args.name, query=args.query))
    elif args.watch_command == "rm":
        with common.app(args) as app:
            app.remove_watch(args.name)
        print(_("watch {name!r} removed").format(name=args.name))
    else:
        with common.app(args) as app:
            rows = app.watches()
        for row in rows:
            where = " " + _("(source {source})").format(source=row["source"]) \
                if row["source"] else ""
            hits = ngettext("{n} hit", "{n} hits", row["hits"]).format(n=f"{row['hits']:>5}")
            print(f"{terminal_safe(row['name']):<20} {hits:<10}  "
                  f"{terminal_safe(row['query'])}{where}")
    return 0
