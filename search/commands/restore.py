"""`newsmon restore FILE`: a backup into an empty data dir, the index rebuilt."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from search.commands import common

HELP = "bring a backup into an empty data dir and rebuild the index"


def configure(p: argparse.ArgumentParser) -> None:
    p.add_argument("file", type=Path, metavar="FILE")


def run(args: Any) -> int:
    from indexer.backup import BackupError, restore

    data_dir = common.data_dir(args)
    try:
        total = restore(args.file, data_dir)
    except BackupError as exc:
        raise common.UsageError(str(exc)) from None
    print(f"restored {total} articles into {data_dir.root}; the index was rebuilt")
    sources = args.file.with_suffix(".sources.toml")
    if sources.is_file():
        print(f"the sources file it was made with: {sources} (pass it with --sources)")
    return 0
