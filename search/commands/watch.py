"""`newsmon watch add|list|rm`: saved queries matched against each run's new articles."""

from __future__ import annotations

import argparse
from typing import Any

from indexer.text import terminal_safe
from search.commands import common

HELP = "saved queries matched against each run's new articles"


def configure(p: argparse.ArgumentParser) -> None:
    sub = p.add_subparsers(dest="watch_command", required=True, metavar="ACTION",
                           parser_class=type(p))
    w = sub.add_parser("add", help="add or replace a watch")
    w.add_argument("name")
    w.add_argument("query")
    w.add_argument("--source", help="only articles from this source")
    sub.add_parser("list", help="the watches and their hit counts")
    w = sub.add_parser("rm", help="remove a watch")
    w.add_argument("name")


def run(args: Any) -> int:
    if args.watch_command == "add":
        with common.app(args, with_config=args.source is not None) as app:
            app.add_watch(args.name, args.query, args.source)
        print(f"watch {args.name!r} saved: {args.query}")
    elif args.watch_command == "rm":
        with common.app(args) as app:
            app.remove_watch(args.name)
        print(f"watch {args.name!r} removed")
    else:
        with common.app(args) as app:
            rows = app.watches()
        for row in rows:
            where = f" (source {row['source']})" if row["source"] else ""
            print(f"{terminal_safe(row['name']):<20} {row['hits']:>5} hits  "
                  f"{terminal_safe(row['query'])}{where}")
    return 0
