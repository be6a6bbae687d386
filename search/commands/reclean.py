"""`newsmon reclean`: the current cleaner again on the archived pages."""

from __future__ import annotations

import argparse
from typing import Any

from search.commands import common
from search.i18n import _, ngettext

HELP = "run the current cleaner again on the archived pages and update the articles that " \
       "come out better"


def configure(p: argparse.ArgumentParser) -> None:
    p.add_argument("slugs", nargs="*", metavar="SOURCE", help=_("only these sources"))
    p.add_argument("--since", metavar="D",
                   help=_("only articles published on or after D (the forms of "
                          "`newsmon search --from`)"))
    p.add_argument("--partial", action="store_true",
                   help=_("only articles archived partial (the page's text was not found)"))


def run(args: Any) -> int:
    with common.app(args, with_config=True) as app:
        counts = app.reclean(args.slugs, common.day(args.since), args.partial)
    total = sum(counts.values())
    print(ngettext("re-cleaned {n} article: {updated} updated, {unchanged} unchanged, {kept} "
                   "kept as archived (the current cleaner did no better)",
                   "re-cleaned {n} articles: {updated} updated, {unchanged} unchanged, {kept} "
                   "kept as archived (the current cleaner did no better)", total).format(
                       n=total, updated=counts["updated"], unchanged=counts["unchanged"],
                       kept=counts["kept"]))
    return 0
