"""`newsmon backup DIR`: a consistent copy of the archive while crawls and searches go on."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from search.commands import common
from search.i18n import _, ngettext

HELP = "a consistent copy of the archive (and the sources file) into DIR, while crawls and " \
       "searches go on"


def configure(p: argparse.ArgumentParser) -> None:
    p.add_argument("dir", type=Path, metavar="DIR", help=_("where the backup is written"))
    p.add_argument("--keep", type=int, metavar="N",
                   help=_("then keep only the newest N backups"))


def run(args: Any) -> int:
    from indexer.backup import BackupError, backup
    from indexer.sql import location

    common.positive(args.keep, "--keep", 100_000)
    data_dir = common.data_dir(args)
    if data_dir.database:
        raise common.UsageError(_(
            "the archive is in PostgreSQL ({database}): back it up with PostgreSQL's own "
            "tools, e.g. `pg_dump --format custom --file newsmon.dump DBNAME`, or copy it "
            "out with `newsmon export --format jsonl`").format(
                database=location(data_dir.database)))
    try:
        path, count = backup(data_dir, _sources(args), args.dir,
                             keep=args.keep)
    except BackupError as exc:
        raise common.UsageError(str(exc)) from None
    print(ngettext("backed up {n} article to {path}", "backed up {n} articles to {path}",
                   count).format(n=count, path=path))
    return 0


def _sources(args: Any) -> Any:
    path = common.sources_path(args)
    common.keep_to_sources(args, path)
    return path
