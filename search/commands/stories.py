"""`newsmon stories`: reprint counts, or `--rebuild` to re-cluster.

Re-clustering renames stories after their first publishers, so it is a command of its
own, never a side effect; the index gets the changed articles again."""

from __future__ import annotations

import argparse
from typing import Any

from search.commands import common
from search.i18n import _, ngettext

HELP = "reprints grouped into stories: counts, or re-cluster"


def configure(p: argparse.ArgumentParser) -> None:
    p.add_argument("--rebuild", action="store_true",
                   help=_("re-cluster the whole archive in publication order (deterministic; "
                          "stories are then named after their first publisher)"))


def run(args: Any) -> int:
    with common.app(args) as app:
        result = app.stories(rebuild=args.rebuild)
    if "changed" in result:
        print(ngettext("re-clustered {n} article: {changed} changed story",
                       "re-clustered {n} articles: {changed} changed story",
                       result["articles"]).format(n=result["articles"],
                                                  changed=result["changed"]))
    print(_("{articles} articles in {stories} stories").format(
        articles=result["articles"], stories=result["stories"]))
    if result["unassigned"]:
        print(ngettext("{n} article has no story yet: run `newsmon reindex`",
                       "{n} articles have no story yet: run `newsmon reindex`",
                       result["unassigned"]).format(n=result["unassigned"]))
    return 0
