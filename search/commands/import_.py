"""`newsmon import`: articles from a JSON lines file, all or nothing."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from search.commands import common

HELP = "archive and index articles from a JSON lines file"


def configure(p: argparse.ArgumentParser) -> None:
    p.add_argument("file", type=Path, metavar="FILE.jsonl")


def run(args: Any) -> int:
    with common.app(args) as app:
        states = app.import_file(args.file)
    print(f"imported {sum(states.values())} articles: {states.get('new', 0)} new, "
          f"{states.get('updated', 0)} updated, {states.get('unchanged', 0)} unchanged")
    return 0
