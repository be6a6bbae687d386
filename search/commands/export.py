"""`newsmon export`: every archived article as JSON lines, the form `import` reads."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from search.commands import common
from search.i18n import _

HELP = "every archived article as JSON lines"


def configure(p: argparse.ArgumentParser) -> None:
    p.add_argument("--format", choices=("jsonl",), default="jsonl",
                   help=_("jsonl: one article a line, the form `newsmon import` reads"))
    p.add_argument("--output", "-o", type=Path, metavar="FILE",
                   help=_("write to FILE instead of standard output"))


def run(args: Any) -> int:
    with common.app(args) as app:
        records = app.export()
        if not args.output:
            for record in records:
                sys.stdout.write(json.dumps(record, ensure_ascii=False) + "\n")
            return 0
        try:
            handle = args.output.open("w", encoding="utf-8")
        except OSError as exc:
            raise common.UsageError(_("cannot write {path}: {error}").format(
                path=args.output, error=exc.strerror)) from None
        with handle:
            for record in records:
                handle.write(json.dumps(record, ensure_ascii=False) + "\n")
    return 0
