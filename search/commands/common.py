"""What every command needs: the data dir and sources file the user chose, limits on numbers."""

from __future__ import annotations

import os
from datetime import date
from pathlib import Path
from typing import Any

from search.app import App, Invalid
from search.i18n import _

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


SOURCES_RECORD = "sources-file"  # in the data dir: the sources file it was first used with


def recorded_sources(root: Path) -> Path | None:
    try:
        text = (root / SOURCES_RECORD).read_text(encoding="utf-8").strip()
    except OSError:
        return None
    return Path(text) if text else None


def record_sources(root: Path, path: Path) -> None:
    """Remember the sources file of a data dir (a read-only one is left as it is)."""
    try:
        (root / SOURCES_RECORD).write_text(f"{path}\n", encoding="utf-8")
    except OSError:
        pass


def sources_path(args: Any) -> Path:
    """The sources file: --sources (or NEWSMON_SOURCES), else the one the data dir
    recorded when first used, else the bundled one."""
    from crawler.config import bundled_sources_path

    given = args.sources or os.environ.get("NEWSMON_SOURCES")
    if given:
        return Path(given).expanduser().resolve()
    root = data_dir(args).root
    recorded = recorded_sources(root)
    if recorded is None:
        return Path(bundled_sources_path()).resolve()
    if not recorded.exists():
        raise UsageError(_("the sources file {root} was used with, {recorded}, is gone: "
                           "give --sources FILE --switch-sources").format(
                               root=root, recorded=recorded))
    return recorded


def keep_to_sources(args: Any, path: Path) -> None:
    """A data dir keeps to its sources (`data/demo` to the demo site): another file for
    it needs --switch-sources.  The first file that loads for an existing data dir is
    recorded."""
    root = data_dir(args).root
    recorded = recorded_sources(root)
    if recorded not in (None, path) and not getattr(args, "switch_sources", False):
        raise UsageError(_("data dir {root} uses sources file {recorded}, not {path}; add "
                           "--switch-sources to switch it to that file").format(
                               root=root, recorded=recorded, path=path))
    if root.is_dir() and recorded != path:
        record_sources(root, path)


def remember_sources(root: Path, config: Any) -> None:
    """After a data dir is made (the first crawl): record the sources it is made with."""
    if recorded_sources(root) is None:
        record_sources(root, Path(config.path).resolve())


def queue(args: Any) -> str | None:
    """The shared frontier's URL (`--queue` or NEWSMON_QUEUE), or None: crawl alone."""
    return getattr(args, "queue", None) or os.environ.get("NEWSMON_QUEUE") or None


def config(args: Any) -> Any:
    from crawler.config import load_config

    path = sources_path(args)
    loaded = load_config(path)  # a broken file is said first, and never recorded
    keep_to_sources(args, path)
    return loaded


def app(args: Any, with_config: bool = False) -> App:
    return App(data_dir(args), config(args) if with_config else None)


def positive(value: int | None, name: str, maximum: int = MAX_LIMIT) -> None:
    if value is not None and not 0 <= value <= maximum:
        raise UsageError(_("{name} must be between 0 and {maximum}, not {value}").format(
            name=name, maximum=maximum, value=value))


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


def say_suggestion(query: str, found: Any) -> None:
    """On stderr: the hits shown are a repaired query's, or a repair worth trying."""
    import sys

    from indexer.text import terminal_safe
    from search.i18n import _

    if found.corrected:
        print("newsmon: " + _("no articles match «{query}»; did you mean: {suggestion} — "
                              "showing its hits").format(
                                  query=terminal_safe(query),
                                  suggestion=terminal_safe(found.suggestion or "")),
              file=sys.stderr)
    elif found.suggestion:
        print("newsmon: " + _("no articles match; did you mean: {suggestion}").format(
            suggestion=terminal_safe(found.suggestion)), file=sys.stderr)
