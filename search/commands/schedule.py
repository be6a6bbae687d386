"""`newsmon schedule`: each source crawled at its interval, until stopped."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from search.commands import common
from search.i18n import _

HELP = "crawl each source at its interval, until stopped"


def configure(p: argparse.ArgumentParser) -> None:
    p.add_argument("slugs", nargs="*", metavar="SLUG",
                   help=_("sources to schedule (default: all)"))
    p.add_argument("--once", action="store_true",
                   help=_("run every due source once and exit (for cron)"))
    p.add_argument("--jobs", type=int, default=2, metavar="N",
                   help=_("crawls at the same time (default 2)"))
    p.add_argument("--timeout", type=float, default=3600, metavar="SECONDS",
                   help=_("kill a run after this many seconds (default 3600)"))
    p.add_argument("--grace", type=float, default=30, metavar="SECONDS",
                   help=_("on SIGTERM/SIGINT, seconds running crawls get to finish "
                          "(default 30)"))
    p.add_argument("--queue", metavar="URL",
                   help=_("share one frontier with other workers: redis://HOST:PORT/DB "
                          "(default: $NEWSMON_QUEUE)"))


def run(args: Any) -> int:
    from crawler.scheduler import Scheduler, SchedulerLocked, setup_logging

    config = common.config(args)
    sources = config.select(args.slugs)
    if not 1 <= args.jobs <= 32:
        raise common.UsageError(_("--jobs must be between 1 and 32"))
    if args.timeout <= 0 or args.grace < 0:
        raise common.UsageError(_("--timeout must be positive and --grace not negative"))
    queue = common.queue(args)
    if queue:
        import os

        from crawler.queue import Frontier, QueueError, QueueUnreachable

        try:
            Frontier.connect(queue)
        except QueueError as exc:
            raise common.UsageError(str(exc)) from None
        except QueueUnreachable as exc:
            print(f"newsmon: {exc}", file=sys.stderr)
            return 1
        os.environ["NEWSMON_QUEUE"] = queue  # every run it starts is a worker of the queue
    data_dir = common.data_dir(args)
    data_dir.ensure_writable()
    common.remember_sources(data_dir.root, config)
    setup_logging(data_dir)
    scheduler = Scheduler(config=config, sources_path=config.path, data_dir=data_dir,
                          sources=sources, jobs=args.jobs, timeout=args.timeout,
                          grace=args.grace, queue_url=queue)
    try:
        return scheduler.run_once() if args.once else scheduler.serve_forever()
    except SchedulerLocked as exc:
        raise common.UsageError(str(exc)) from None
