"""`newsmon import`: articles from a JSON lines file, all or nothing."""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
from pathlib import Path
from typing import Any

from search.app import Invalid
from search.commands import common
from search.i18n import _, ngettext

HELP = "archive and index articles from a JSON lines file (`-`: standard input)"


def configure(p: argparse.ArgumentParser) -> None:
    p.add_argument("file", type=Path, metavar="FILE.jsonl",
                   help=_("JSON lines, as `newsmon export` writes them: all of it is checked "
                          "before anything is archived"))


def run(args: Any) -> int:
    if str(args.file) == "-":
        return _from_stdin(args)
    with common.app(args) as app:
        states = app.import_file(args.file)
    total = sum(states.values())
    print(ngettext("imported {n} article: {new} new, {updated} updated, {unchanged} unchanged",
                   "imported {n} articles: {new} new, {updated} updated, {unchanged} unchanged",
                   total).format(n=total, new=states.get("new", 0),
                                 updated=states.get("updated", 0),
                                 unchanged=states.get("unchanged", 0)))
    return 0


def _from_stdin(args: Any) -> int:
    """`newsmon export | newsmon --database URL import -`: the import reads its file twice
    (checked whole, then archived), so standard input is spooled to a temporary file
    first, never held in memory."""
    with tempfile.NamedTemporaryFile(prefix="newsmon-import-", suffix=".jsonl") as spool:
        shutil.copyfileobj(sys.stdin.buffer, spool, 1 << 20)
        spool.flush()
        args.file = Path(spool.name)
        try:
            return run(args)
        except Invalid as exc:  # a bad line is told by its number in the input
            raise Invalid(str(exc).replace(spool.name, "<stdin>")) from None
