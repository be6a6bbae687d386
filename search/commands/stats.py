"""`newsmon stats`: articles and stories by source and month."""

from __future__ import annotations

import argparse
from typing import Any

from indexer.text import squash
from search import output
from search.commands import common

HELP = "article counts by source and month"


def configure(p: argparse.ArgumentParser) -> None:
    p.add_argument("--format", choices=("table", "json"), default="table")


def run(args: Any) -> int:
    with common.app(args) as app:
        stats = app.stats()
    if args.format == "json":
        print(output.dumps(stats))
        return 0
    print(f"{stats['articles']} articles in {stats['stories']} stories")
    print("\nby source:")
    print(output.bars(stats["by_source"]))
    print("\nfirst publications and reprints, by source:")
    for source, row in sorted(stats["by_source_stories"].items(),
                              key=lambda item: -item[1]["first"]):
        print(f"  {squash(source) or '—':<14}  {row['first']:>6} first  "
              f"{row['reprints']:>6} reprints")
    print("\nby month:")
    print(output.bars(stats["by_month"]))
    return 0
