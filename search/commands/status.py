"""`newsmon status`: what the last runs did, per source, and when the next is due."""

from __future__ import annotations

import argparse
from typing import Any

from indexer.text import terminal_safe
from search import output
from search.app import STALE_RUNS
from search.commands import common
from search.i18n import _, ngettext

HELP = "what the last runs did, per source"


def configure(p: argparse.ArgumentParser) -> None:
    p.add_argument("--format", choices=("table", "json"), default="table",
                   help=_("table (default) or json"))


def run(args: Any) -> int:
    with common.app(args, with_config=True) as app:
        rows = app.status()
        channels = app.channels()
        zone = app.zone_name
    if args.format == "json":
        print(output.dumps(rows))
        return 0
    print(_("times in {zone}").format(zone=zone))
    for row in rows:
        last = row["last_run"]
        if last:
            state = _("last run {started} {outcome}, {new} new, {errors} errors").format(
                started=last["started"][:16].replace("T", " "), outcome=_outcome(last["outcome"]),
                new=last["articles_new"], errors=last["errors"])
        else:
            state = _("never run")
        articles = ngettext("{n} article", "{n} articles", row["articles"]).format(
            n=f"{row['articles']:>6}")
        runs = ngettext("{n} run", "{n} runs", row["runs"]).format(n=f"{row['runs']:>4}")
        print(f"{row['source']:<14} {articles:<15}  {runs:<9}  {state}; "
              + _("next {when}").format(when=row["next_run"][:16].replace("T", " ")))
        if last and last["messages"]:
            print(f"{'':<14} {terminal_safe(str(last['messages'][0]))}")
        if row["partial"] or row["rejected"]:
            print(f"{'':<14} " + _("{partial} partial (text not found, kept from the feed), "
                                   "{rejected} pages rejected (`newsmon rejected {source}`)"
                                   ).format(partial=row["partial"], rejected=row["rejected"],
                                            source=row["source"]))
        if row["stale"]:
            print(f"{'':<14} " + ngettext(
                "warning: no new articles in the last {n} run — check the site's layout, "
                "feeds and whether it blocks the crawler",
                "warning: no new articles in the last {n} runs — check the site's layout, "
                "feeds and whether it blocks the crawler", STALE_RUNS).format(n=STALE_RUNS))
    for channel in channels:
        last = channel["last_attempt"]
        if not last:
            print(f"notify {channel['channel']:<8} " + _("never attempted"))
            continue
        when = str(last["attempted"])[:16].replace("T", " ")
        if last["ok"]:
            state = ngettext("ok at {when}, {n} story sent", "ok at {when}, {n} stories sent",
                             last["sent"]).format(when=when, n=last["sent"])
        else:
            since = str(last["last_ok"] or _("never"))[:16].replace("T", " ")
            state = ngettext("FAILED at {when} ({error}); {n} story pending; last success "
                             "{since}", "FAILED at {when} ({error}); {n} stories pending; last "
                             "success {since}", last["pending"]).format(
                                 when=when, error=last["error"], n=last["pending"], since=since)
        print(f"notify {channel['channel']:<8} {terminal_safe(state)}")
    return 0


def _outcome(word: str) -> str:
    """A run's outcome as the archive records it (crawler/run.py, crawler/scheduler.py)."""
    words = {"ok": _("ok"), "errors": _("errors"), "running": _("running"),
             "crashed": _("crashed"), "timeout": _("timeout"), "stopped": _("stopped")}
    return words.get(word, word)
