"""`newsmon stories`: reprint counts, or `--rebuild` to re-cluster.

Re-clustering renames stories after their first publishers, so it is a command of its
own, never a side effect; the index gets the changed articles again."""

from __future__ import annotations

import argparse
from typing import Any

from search.commands import common

HELP = "reprints grouped into stories: counts, or re-cluster"


def configure(p: argparse.ArgumentParser) -> None:
    p.add_argument("--rebuild", action="store_true",
                   help="re-cluster the whole archive in publication order (deterministic; "
                        "stories are then named after their first publisher)")


def run(args: Any) -> int:
    with common.app(args) as app:
        result = app.stories(rebuild=args.rebuild)
    if "changed" in result:
        print(f"re-clustered {result['articles']} articles: {result['changed']} changed story")
    print(f"{result['articles']} articles in {result['stories']} stories")
    if result["unassigned"]:
        print(f"{result['unassigned']} articles have no story yet: run `newsmon reindex`")
    return 0
