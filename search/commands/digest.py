"""`newsmon digest`: new articles matching the watches, grouped by watch."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from indexer.text import terminal_safe
from search import output, watch
from search.commands import common
from search.i18n import _

HELP = "articles matching the watches, grouped by watch; --send delivers them"


def configure(p: argparse.ArgumentParser) -> None:
    p.add_argument("--since", default=None, metavar="D",
                   help=_("articles archived on or after this day, in the configured zone "
                          "(default 1d; with --send: the last 30 days)"))
    p.add_argument("--send", action="store_true",
                   help=_("deliver the matches not yet delivered on each configured channel "
                          "([notify.email], [notify.telegram]); exit 1 if a channel failed"))
    p.add_argument("--format", choices=("text", "markdown", "json"), default="text",
                   help=_("text (default), markdown or json"))
    p.add_argument("--write", type=Path, metavar="DIR",
                   help=_("also write one Markdown file per day into DIR"))


def run(args: Any) -> int:
    with common.app(args, with_config=True) as app:
        today = common.zone_today(app)
        if args.send:
            if args.write:
                raise common.UsageError(_("--send and --write do not go together"))
            if not app.config.notify.channels:
                raise common.UsageError(_("no channels configured: add [notify.email] or "
                                          "[notify.telegram] to {path}").format(
                                              path=app.config.path))
            for warning in app.config.notify.warnings:
                print("newsmon: " + _("warning: {message}").format(message=warning),
                      file=sys.stderr)
            reports = app.deliver(common.day(args.since, today=today))
            if args.format == "json":
                print(output.dumps([r.to_json() for r in reports]))
            else:
                for report in reports:
                    print(terminal_safe(report.line()))
            return 1 if any(not r.ok for r in reports) else 0
        since = common.day(args.since or "1d", today=today)
        if args.write:  # a place it cannot write is said before anything is printed
            try:
                args.write.mkdir(parents=True, exist_ok=True)
            except OSError as exc:
                raise common.UsageError(_("cannot write into {path}: {error}").format(
                    path=args.write, error=exc.strerror)) from None
        groups = app.digest(since)
        zone = app.zone_name
    text = watch.render(groups, args.format, since, zone)
    print(text if args.format == "json" else terminal_safe(text))
    if args.write:
        try:
            written = watch.write_days(groups, args.write, zone)
        except OSError as exc:
            raise common.UsageError(_("cannot write into {path}: {error}").format(
                path=args.write, error=exc.strerror)) from None
        for path in written:
            print(_("wrote {path}").format(path=path), file=sys.stderr)
    return 0
