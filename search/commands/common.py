"""What every command needs: the data dir and sources file the user chose, limits on numbers."""

from __future__ import annotations

import os
from datetime import date
from pathlib import Path
from typing import Any

from search.app import App, Invalid

MAX_LIMIT = 10_000


class UsageError(Invalid):
    """Bad usage of the command line: exit 2."""


def default_data_dir() -> Path:
    from platformdirs import user_data_dir

    return Path(user_data_dir("newsmon", appauthor=False))


def data_dir(args: Any) -> Any:
    from indexer.store import DataDir

    path = args.data_dir or os.environ.get("NEWSMON_DATA_DIR") or default_data_dir()
    database = getattr(args, "database", None)
    if database:  # for the processes a command starts too (a crawl's spider)
        os.environ["NEWSMON_DATABASE"] = database
    return DataDir(Path(path).expanduser(), database or os.environ.get("NEWSMON_DATABASE")
                   or None)


def sources_path(args: Any) -> Path:
    from crawler.config import bundled_sources_path

    return Path(args.sources or os.environ.get("NEWSMON_SOURCES")
                or bundled_sources_path()).expanduser()


def queue(args: Any) -> str | None:
    """The shared frontier's URL (`--queue` or NEWSMON_QUEUE), or None: crawl alone."""
    return getattr(args, "queue", None) or os.environ.get("NEWSMON_QUEUE") or None


def config(args: Any) -> Any:
    from crawler.config import load_config

    return load_config(sources_path(args))


def app(args: Any, with_config: bool = False) -> App:
    return App(data_dir(args), config(args) if with_config else None)


def positive(value: int | None, name: str, maximum: int = MAX_LIMIT) -> None:
    if value is not None and not 0 <= value <= maximum:
        raise UsageError(f"{name} must be between 0 and {maximum}, not {value}")


def day(text: str | None, end: bool = False, today: date | None = None) -> date | None:
    """A date the user typed (search/dates.py's forms), as the first or last day it means;
    `7d` and `today` count from `today` (the configured zone's, where it matters)."""
    from search.dates import parse_bound

    return parse_bound(text, today or date.today(), end=end) if text else None


def zone_today(app: App) -> date:
    from datetime import datetime

    return datetime.now(app.zone).date()


def print_deliveries(reports: list[Any]) -> int:
    """One line per channel on stderr; 1 when a channel failed."""
    import sys

    from indexer.text import terminal_safe

    for report in reports:
        print(f"notify {terminal_safe(report.line())}", file=sys.stderr)
    return 1 if any(not r.ok for r in reports) else 0
