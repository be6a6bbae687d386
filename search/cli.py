# PYTHON_ARGCOMPLETE_OK  (argcomplete: this entry point completes)
"""`newsmon`: parsing the command line and dispatching to one module per command.

Each command lives in search/commands/ and calls the application layer (search/app.py).
Exit codes: 0 success, 1 a run that finished with errors or a thing not found, 2 bad
usage or bad input — always one clear line on stderr, never a traceback (an unexpected
failure writes its traceback to the data dir's log).
"""

from __future__ import annotations

import argparse
import importlib
import re
import sys
import traceback
from datetime import datetime
from pathlib import Path
from typing import Any, NoReturn

from indexer.text import terminal_safe
from search.commands import COMMANDS
from search.commands.common import UsageError, data_dir, default_data_dir
from search.i18n import _, install_argparse


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        raise UsageError(_("{message} (see `{prog} --help`)").format(
            message=_close_match(message), prog=self.prog))

    def _parse_optional(self, arg_string: str) -> Any:
        """`-школа`, `-(ЕГЭ OR ОГЭ)` and `-"фраза"` are query text (README: `-word`), not
        options: every option of newsmon is spelled in ASCII letters."""
        if re.match(r"-[^-A-Za-z0-9]", arg_string):
            return None
        return super()._parse_optional(arg_string)


def _close_match(message: str) -> str:
    """`newsmon serch`: «unknown command 'serch'; did you mean search?»; a mistyped choice
    of an option gets its close match too («invalid choice: 'dat'; did you mean date?»).
    argparse's words are matched as the catalogue gives them, so Russian works alike."""
    import difflib

    template = re.escape(_("invalid choice: %(value)r (choose from %(choices)s)"))
    pattern = template.replace(re.escape("%(value)r"), "'([^']*)'").replace(
        re.escape("%(choices)s"), "(.*)")
    found = re.search(pattern + "$", message)
    if not found:
        return message
    names = [a or b for a, b in re.findall(r"'([^']*)'|([^\s,']+)", found.group(2))]
    close = difflib.get_close_matches(found.group(1), names, n=1, cutoff=0.6)
    if not close:
        return message
    hint = _("; did you mean {name}?").format(name=close[0])
    command = _("argument %(argument_name)s: %(message)s") % {"argument_name": "COMMAND",
                                                                "message": ""}
    if message.startswith(command):
        return _("unknown command {name!r}").format(name=found.group(1)) + hint
    return message[:found.start()] + _("invalid choice: {value!r}").format(
        value=found.group(1)) + hint


def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return f"newsmon {version('newsmon')}"
    except PackageNotFoundError:
        return "newsmon " + _("(not installed)")


def _module(command: str) -> Any:
    return importlib.import_module(f"search.commands.{COMMANDS[command]}")


def build_parser() -> argparse.ArgumentParser:
    install_argparse()
    parser = _Parser(prog="newsmon", description=_("News-monitoring crawler with a Russian "
                                                     "search archive."))
    parser.add_argument("--data-dir", type=Path,
                        help=_("where the archive, index and logs live (env NEWSMON_DATA_DIR; "
                               "default: the user data directory)"))
    parser.add_argument("--database", metavar="URL",
                        help=_("keep the archive and the search index in PostgreSQL, e.g. "
                               "postgresql://host/db (env NEWSMON_DATABASE; the data dir then "
                               "keeps logs and locks)"))
    parser.add_argument("--sources", type=Path,
                        help=_("sources file (env NEWSMON_SOURCES; default: the one the data "
                               "dir recorded, else the bundled one)"))
    parser.add_argument("--switch-sources", action="store_true",
                        help=_("use --sources FILE with a data dir that recorded another one "
                               "(and record it instead)"))
    parser.add_argument("--version", action="version", version=_version(),
                        help=_("show program's version number and exit"))
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    for name in COMMANDS:
        module = _module(name)
        options = dict(getattr(module, "PARSER", {}))
        if "epilog" in options:
            options["epilog"] = _(options["epilog"])
        module.configure(sub.add_parser(name, help=_(module.HELP), description=_(module.HELP),
                                        **options))
    return parser


def main(argv: list[str] | None = None) -> int:
    from crawler.config import ConfigError
    from indexer.archive import ReadOnly
    from indexer.backend import IndexBusy, IndexMissing
    from indexer.store import DataDirError
    from search.app import Invalid, NotFound
    from search.dates import DateError
    from search.query import QueryError

    args: Any = None
    try:
        parser = build_parser()
        _complete(parser)
        args = parser.parse_args(argv)
        if args.command is None:  # bare `newsmon`: the help, on stdout, exit 0
            parser.print_help()
            return 0
        return _module(args.command).run(args)
    except (Invalid, ConfigError, DateError, QueryError, DataDirError, IndexMissing,
            ReadOnly) as exc:
        return _fail(str(exc), 2)
    except (IndexBusy, NotFound) as exc:
        return _fail(str(exc), 1)
    except KeyboardInterrupt:
        return _fail(_("interrupted"), 130)
    except BrokenPipeError:
        sys.stderr.close()
        return 0
    except Exception as exc:
        from indexer.faults import describe

        known = describe(exc, data_dir(args).root if args else None)
        if known:
            return _fail(*known)
        where = _log_crash(args)
        return _fail(_("unexpected error: {error} (details in {where})").format(
            error=f"{type(exc).__name__}: {exc}", where=where), 1)


def _complete(parser: argparse.ArgumentParser) -> None:
    """Shell completion when argcomplete is installed and the shell asks for it:
    `eval "$(register-python-argcomplete newsmon)"` in ~/.bashrc."""
    import os

    if "_ARGCOMPLETE" not in os.environ:
        return
    try:
        import argcomplete
    except ImportError:
        return
    argcomplete.autocomplete(parser)


def _fail(message: str, code: int) -> int:
    print(f"newsmon: {terminal_safe(message)}", file=sys.stderr)
    return code


def _log_crash(args: Any) -> str:
    try:
        logs = data_dir(args).logs if args else default_data_dir() / "logs"
        logs.mkdir(parents=True, exist_ok=True)
        path = logs / "errors.log"
        with path.open("a", encoding="utf-8") as handle:
            handle.write(f"--- {datetime.now().isoformat()} {sys.argv}\n{traceback.format_exc()}")
        return str(path)
    except Exception:
        return _("no log: data dir not writable")


if __name__ == "__main__":
    sys.exit(main())
