"""`newsmon restore FILE`: a backup into an empty data dir, the index rebuilt."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from search.commands import common
from search.i18n import _

HELP = "bring a backup into an empty data dir and rebuild the index"


def configure(p: argparse.ArgumentParser) -> None:
    p.add_argument("file", type=Path, metavar="FILE")


def run(args: Any) -> int:
    from indexer.backup import BackupError, restore
    from indexer.sql import location

    data_dir = common.data_dir(args)
    if data_dir.database:
        raise common.UsageError(_(
            "the archive is in PostgreSQL ({database}): restore a pg_dump there with "
            "`pg_restore`; a newsmon backup file is restored without --database, then moved "
            "with `newsmon export --format jsonl | newsmon --database URL import -`").format(
                database=location(data_dir.database)))
    try:
        total = restore(args.file, data_dir)
    except BackupError as exc:
        raise common.UsageError(str(exc)) from None
    print(f"restored {total} articles into {data_dir.root}; the index was rebuilt")
    sources = args.file.with_suffix(".sources.toml")
    if sources.is_file():
        print(f"the sources file it was made with: {sources} (pass it with --sources)")
    return 0
