"""`newsmon rejected`: the pages the cleaner refused, with the reason."""

from __future__ import annotations

import argparse
from typing import Any

from indexer.text import terminal_safe
from search import output
from search.commands import common
from search.i18n import _

HELP = "pages the cleaner refused, with the reason"


def configure(p: argparse.ArgumentParser) -> None:
    p.add_argument("slugs", nargs="*", metavar="SOURCE", help=_("only these sources"))
    p.add_argument("--limit", type=int, default=100, metavar="N",
                   help=_("rows to show (default 100)"))
    p.add_argument("--format", choices=("table", "json"), default="table",
                   help=_("table (default) or json"))


def run(args: Any) -> int:
    from crawler.clean import rejection

    common.positive(args.limit, "--limit")
    config = common.config(args)
    for slug in args.slugs:
        config.select([slug])
    with common.App(common.data_dir(args), config) as app:
        rows = app.rejected(args.slugs, args.limit)
    if args.format == "json":  # the reasons as the archive keeps them, in English
        print(output.dumps(rows))
        return 0
    for row in rows:
        print(f"{row['seen'][:16].replace('T', ' ')}  {row['source'] or '—':<12} "
              f"{terminal_safe(row['url'])}\n{'':<30}{terminal_safe(rejection(row['reason']))}")
    if not rows:
        print(_("(no pages rejected)"))
    return 0
