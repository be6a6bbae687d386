"""`newsmon status`: what the last runs did, per source, and when the next is due."""

from __future__ import annotations

import argparse
from typing import Any

from indexer.text import terminal_safe
from search import output
from search.app import STALE_RUNS
from search.commands import common
from search.i18n import _

HELP = "what the last runs did, per source"


def configure(p: argparse.ArgumentParser) -> None:
    p.add_argument("--format", choices=("table", "json"), default="table")


def run(args: Any) -> int:
    with common.app(args, with_config=True) as app:
        rows = app.status()
        channels = app.channels()
        zone = app.zone_name
    if args.format == "json":
        print(output.dumps(rows))
        return 0
    print(f"times in {zone}")
    for row in rows:
        last = row["last_run"]
        if last:
            state = _("last run {started} {outcome}, {new} new, {errors} errors").format(
                started=last["started"][:16].replace("T", " "), outcome=last["outcome"],
                new=last["articles_new"], errors=last["errors"])
        else:
            state = _("never run")
        print(f"{row['source']:<14} {row['articles']:>6} {_('articles')}  {row['runs']:>4} "
              f"{_('runs')}  {state}; "
              + _("next {when}").format(when=row["next_run"][:16].replace("T", " ")))
        if last and last["messages"]:
            print(f"{'':<14} {terminal_safe(str(last['messages'][0]))}")
        if row["partial"] or row["rejected"]:
            print(f"{'':<14} {row['partial']} partial (text not found, kept from the feed), "
                  f"{row['rejected']} pages rejected (`newsmon rejected {row['source']}`)")
        if row["stale"]:
            print(f"{'':<14} warning: no new articles in the last {STALE_RUNS} runs — "
                  "check the site's layout, feeds and whether it blocks the crawler")
    for channel in channels:
        last = channel["last_attempt"]
        if not last:
            print(f"notify {channel['channel']:<8} never attempted")
            continue
        when = str(last["attempted"])[:16].replace("T", " ")
        if last["ok"]:
            state = f"ok at {when}, {last['sent']} stories sent"
        else:
            since = str(last["last_ok"] or "never")[:16].replace("T", " ")
            state = (f"FAILED at {when} ({last['error']}); {last['pending']} stories pending; "
                     f"last success {since}")
        print(f"notify {channel['channel']:<8} {terminal_safe(state)}")
    return 0
