"""`newsmon restore FILE`: a backup into an empty data dir, the index rebuilt."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from search.commands import common
from search.i18n import _, ngettext

HELP = "bring a backup into an empty data dir and rebuild the index"


def configure(p: argparse.ArgumentParser) -> None:
    p.add_argument("file", type=Path, metavar="FILE",
                   help=_("a backup that `newsmon backup` wrote"))


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
    print(ngettext("restored {n} article into {root}; the index was rebuilt",
                   "restored {n} articles into {root}; the index was rebuilt", total).format(
                       n=total, root=data_dir.root))
    sources = args.file.with_suffix(".sources.toml")
    if sources.is_file():
        print(_("the sources file it was made with: {path} (pass it with --sources)").format(
            path=sources))
    return 0
