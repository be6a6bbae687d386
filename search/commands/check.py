"""`newsmon check`: the index compared with the archive, and repaired."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from search.commands import common

HELP = "compare the index with the archive and repair the index"


def configure(p: argparse.ArgumentParser) -> None:
    p.add_argument("--force", action="store_true",
                   help="remove index entries even when the archive looks damaged or empty")


def run(args: Any) -> int:
    with common.app(args) as app:
        report = app.check(force=args.force)
    if report.rebuilt:
        print(f"{report.rebuilt}; rebuilding", file=sys.stderr)
        print(f"index rebuilt: {report.archived} articles")
        return 0
    print(f"{report.archived} archived, {report.indexed} were indexed: {report.missing} "
          f"missing added, {report.stray} stray removed, {report.repaired} (re)indexed in all")
    return 0
