"""`newsmon reclean`: the current cleaner again on the archived pages."""

from __future__ import annotations

import argparse
from typing import Any

from search.commands import common

HELP = "run the current cleaner again on the archived pages and update the articles that " \
       "come out better"


def configure(p: argparse.ArgumentParser) -> None:
    p.add_argument("slugs", nargs="*", metavar="SOURCE", help="only these sources")
    p.add_argument("--since", metavar="D",
                   help="only articles published on or after D (the forms of "
                        "`newsmon search --from`)")
    p.add_argument("--partial", action="store_true",
                   help="only articles archived partial (the page's text was not found)")


def run(args: Any) -> int:
    with common.app(args, with_config=True) as app:
        counts = app.reclean(args.slugs, common.day(args.since), args.partial)
    print(f"re-cleaned {sum(counts.values())} articles: {counts['updated']} updated, "
          f"{counts['unchanged']} unchanged, {counts['kept']} kept as archived (the current "
          "cleaner did no better)")
    return 0
