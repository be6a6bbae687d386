"""`newsmon reindex`: the search index rebuilt from the archive."""

from __future__ import annotations

import argparse
from typing import Any

from search.commands import common

HELP = "rebuild the search index from the archive"


def configure(p: argparse.ArgumentParser) -> None:
    pass


def run(args: Any) -> int:
    with common.app(args) as app:
        assigned, total = app.reindex()
    if assigned:
        print(f"grouped {assigned} articles into stories")
    print(f"reindexed {total} articles into {app.data_dir.index.location}")
    return 0
