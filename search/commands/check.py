"""`newsmon check`: the index compared with the archive, and repaired."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from search.commands import common
from search.i18n import _

HELP = "compare the index with the archive and repair the index"


def configure(p: argparse.ArgumentParser) -> None:
    p.add_argument("--force", action="store_true",
                   help=_("remove index entries even when the archive looks damaged or "
                          "empty"))


def run(args: Any) -> int:
    with common.app(args) as app:
        report = app.check(force=args.force)
    if report.rebuilt:
        print(_("{reason}; rebuilding").format(reason=report.rebuilt), file=sys.stderr)
        print(_("index rebuilt: {n} articles").format(n=report.archived))
        return 0
    print(_("{archived} archived, {indexed} were indexed: {missing} missing added, {stray} "
            "stray removed, {repaired} (re)indexed in all").format(
                archived=report.archived, indexed=report.indexed, missing=report.missing,
                stray=report.stray, repaired=report.repaired))
    return 0
