"""`newsmon sources`: the configured sources, or `--check` whether each still yields articles."""

from __future__ import annotations

import argparse
from typing import Any

from indexer.text import terminal_safe
from search import output
from search.commands import common
from search.i18n import _, ngettext

HELP = "the configured sources"


def configure(p: argparse.ArgumentParser) -> None:
    p.add_argument("--format", choices=("table", "json"), default="table",
                   help=_("table (default) or json"))
    p.add_argument("--check", nargs="*", metavar="SLUG",
                   help=_("fetch each source's feeds, listings and an article or two, and "
                          "report whether links, title, date and body still come out"))


def run(args: Any) -> int:
    config = common.config(args)
    if args.check is not None:
        return check(config, config.select(args.check), args.format)
    with common.App(common.data_dir(args), config) as app:
        rows = app.sources()
    if args.format == "json":
        print(output.dumps(rows))
        return 0
    print(_("sources from {path}").format(path=config.path))
    for row in rows:
        articles = ngettext("{n} article", "{n} articles", row["articles"]).format(
            n=f"{row['articles']:>6}")
        print(f"{row['slug']:<14} {articles:<15}  {_('every')} "
              f"{row['every']:<4} {_('topic')} {row['topic']:<9} {terminal_safe(row['name'])}  "
              f"{row['home']}")
    return 0


def check(config: Any, sources: list[Any], fmt: str) -> int:
    from crawler.check import check_sources

    results = check_sources(config, sources)
    if fmt == "json":
        print(output.dumps([r.to_json() for r in results]))
    else:
        for result in results:
            state = _("ok") if result.healthy else (_("UNREACHABLE") if not result.reachable
                                                    else _("PROBLEMS"))
            good = sum(a.ok for a in result.articles)
            print(f"{result.source:<14} {state:<11} " + _(
                "{links} article links, {good}/{tried} articles with title, date and "
                "body").format(links=result.links, good=good, tried=len(result.articles)))
            for problem in result.problems:
                print(f"{'':<14} - {terminal_safe(problem)}")
    return 0 if all(r.healthy for r in results) else 1
