"""`newsmon backup DIR`: a consistent copy of the archive while crawls and searches go on."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from search.commands import common

HELP = "a consistent copy of the archive (and the sources file) into DIR, while crawls and " \
       "searches go on"


def configure(p: argparse.ArgumentParser) -> None:
    p.add_argument("dir", type=Path, metavar="DIR")
    p.add_argument("--keep", type=int, metavar="N", help="then keep only the newest N backups")


def run(args: Any) -> int:
    from indexer.backup import BackupError, backup

    common.positive(args.keep, "--keep", 100_000)
    try:
        path, count = backup(common.data_dir(args), _sources(args), args.dir,
                             keep=args.keep)
    except BackupError as exc:
        raise common.UsageError(str(exc)) from None
    print(f"backed up {count} articles to {path}")
    return 0


def _sources(args: Any) -> Any:
    path = common.sources_path(args)
    common.keep_to_sources(args, path)
    return path
