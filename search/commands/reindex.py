"""`newsmon reindex`: the search index rebuilt from the archive."""

from __future__ import annotations

import argparse
from typing import Any

from search.commands import common
from search.i18n import ngettext

HELP = "rebuild the search index from the archive"


def configure(p: argparse.ArgumentParser) -> None:
    pass


def run(args: Any) -> int:
    with common.app(args) as app:
        assigned, total = app.reindex()
    if assigned:
        print(ngettext("grouped {n} article into stories", "grouped {n} articles into stories",
                       assigned).format(n=assigned))
    print(ngettext("reindexed {n} article into {index}", "reindexed {n} articles into {index}",
                   total).format(n=total, index=app.data_dir.index.location))
    return 0
