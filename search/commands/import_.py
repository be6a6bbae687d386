"""`newsmon import`: articles from a JSON lines file, all or nothing."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from search.commands import common
from search.i18n import _, ngettext

HELP = "archive and index articles from a JSON lines file"


def configure(p: argparse.ArgumentParser) -> None:
    p.add_argument("file", type=Path, metavar="FILE.jsonl",
                   help=_("JSON lines, as `newsmon export` writes them: all of it is checked "
                          "before anything is archived"))


def run(args: Any) -> int:
    with common.app(args) as app:
        states = app.import_file(args.file)
    total = sum(states.values())
    print(ngettext("imported {n} article: {new} new, {updated} updated, {unchanged} unchanged",
                   "imported {n} articles: {new} new, {updated} updated, {unchanged} unchanged",
                   total).format(n=total, new=states.get("new", 0),
                                 updated=states.get("updated", 0),
                                 unchanged=states.get("unchanged", 0)))
    return 0
