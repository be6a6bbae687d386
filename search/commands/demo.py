"""`newsmon demo`: crawl the bundled offline demo site and search it."""

from __future__ import annotations

import argparse
from typing import Any

from search.commands import common
from search.i18n import _

HELP = "crawl the bundled offline demo site and search it"


def configure(p: argparse.ArgumentParser) -> None:
    p.add_argument("--port", type=int, default=0, help=_("port for the demo site (default: any)"))


def run(args: Any) -> int:
    from search.demo import run_demo

    return run_demo(common.data_dir(args), args.port)
