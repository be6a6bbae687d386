"""`newsmon digest`: new articles matching the watches, grouped by watch."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from indexer.text import terminal_safe
from search import watch
from search.commands import common

HELP = "new articles matching the watches, grouped by watch"


def configure(p: argparse.ArgumentParser) -> None:
    p.add_argument("--since", default="1d",
                   help="articles that arrived on or after this day (default 1d)")
    p.add_argument("--format", choices=("text", "markdown", "json"), default="text")
    p.add_argument("--write", type=Path, metavar="DIR",
                   help="also write one Markdown file per day into DIR")


def run(args: Any) -> int:
    since = common.day(args.since)
    if args.write:  # a place it cannot write is said before anything is printed
        try:
            args.write.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise common.UsageError(f"cannot write into {args.write}: {exc.strerror}") from None
    with common.app(args) as app:
        groups = app.digest(since)
    text = watch.render(groups, args.format, since)
    print(text if args.format == "json" else terminal_safe(text))
    if args.write:
        try:
            written = watch.write_days(groups, args.write)
        except OSError as exc:
            raise common.UsageError(f"cannot write into {args.write}: {exc.strerror}") from None
        for path in written:
            print(f"wrote {path}", file=sys.stderr)
    return 0
