"""Watch lists: saved queries matched against each run's new articles, and the digest.

Matching happens right after a crawl, against only that run's new articles, so
a digest lists each article once, under every watch it matched, on the day it
arrived — not everything old that happens to match.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

from indexer.store import DataDir
from search import output
from search.query import QueryError, build

if TYPE_CHECKING:
    from search.app import App


def check_query(query: str) -> None:
    from indexer.index import make_schema

    build(query, make_schema())


def record_hits(data_dir: DataDir, app: App, run_id: str, new_ids: list[str]) -> int:
    """Match every watch against this run's new articles; returns how many hits were added."""
    listed = app.watches()
    if not listed or not new_ids:
        return 0
    found: list[tuple[str, str, str | None]] = []
    with data_dir.open_archive() as archive:
        for watch in listed:
            try:
                page = app.search(watch["query"], sources=[watch["source"]] if watch["source"]
                                  else None, ids=new_ids, limit=len(new_ids))
            except QueryError:
                continue
            for hit in page.hits:
                if not hit.story or (watch["name"], hit.story) not in \
                        archive.watch_stories(hit.story):
                    found.append((watch["name"], hit.id, run_id))
        archive.add_watch_hits(found)
    return len(found)


def digest(data_dir: DataDir, app: App, since: date) -> list[dict[str, Any]]:
    """Per watch, the articles it matched on or after `since`, newest first, with snippets."""
    result = []
    with data_dir.open_archive(readonly=True) as archive:
        matches = {w["name"]: archive.watch_hits(w["name"], since.isoformat())
                   for w in archive.watches()}
        listed = archive.watches()
    for watch in listed:
        matched = matches[watch["name"]]
        page = app.search(watch["query"], ids=list(matched), limit=max(1, len(matched)),
                          sort="date")
        # one entry per story (the search groups them), with the sources that carried it
        hits = [{**output.hit_json(hit), "matched": matched[hit.id],
                 "reprinted_by": list(hit.reprints)} for hit in page.hits]
        result.append({"watch": watch["name"], "query": watch["query"], "hits": hits})
    return result


def render(groups: list[dict[str, Any]], fmt: str, since: date) -> str:
    if fmt == "json":
        return output.dumps(groups)
    lines = []
    if fmt == "markdown":
        lines.append(f"# newsmon digest since {since.isoformat()}\n")
    for group in groups:
        title = f"{group['watch']} — {group['query']} ({len(group['hits'])})"
        lines.append(f"## {title}\n" if fmt == "markdown" else f"{title}\n{'=' * len(title)}")
        for hit in group["hits"]:
            day = (hit["published"] or "")[:10] or "—"
            snippet = hit["snippet"]
            if fmt == "markdown":
                snippet = snippet.replace("<b>", "**").replace("</b>", "**")
                lines.append(f"- **[{_md(hit['title'])}]({hit['url']})** — {day}, "
                             f"{hit['source']}{_also(hit)}  \n  {snippet}")
            else:
                plain = snippet.replace("<b>", "").replace("</b>", "")
                lines.append(f"{day}  {hit['source']}{_also(hit)}  {hit['title']}\n"
                             f"    {plain}\n    {hit['url']}")
        if not group["hits"]:
            lines.append("(nothing new)")
        lines.append("")
    return "\n".join(lines)


def write_days(groups: list[dict[str, Any]], directory: Path) -> list[Path]:
    """One Markdown file per day the articles arrived, for staff who read digests as files."""
    days: dict[str, list[dict[str, Any]]] = {}
    for group in groups:
        for hit in group["hits"]:
            day = hit["matched"][:10]
            bucket = days.setdefault(day, [])
            existing = next((g for g in bucket if g["watch"] == group["watch"]), None)
            if existing is None:
                existing = {**group, "hits": []}
                bucket.append(existing)
            existing["hits"].append(hit)
    directory.mkdir(parents=True, exist_ok=True)
    written = []
    for day, day_groups in sorted(days.items()):
        path = directory / f"digest-{day}.md"
        path.write_text(render(day_groups, "markdown", date.fromisoformat(day)), encoding="utf-8")
        written.append(path)
    return written


def _also(hit: dict[str, Any]) -> str:
    """The story's other sources, after the hit's own: «(also v1, v102)»."""
    others = [s for s in dict.fromkeys(hit.get("reprinted_by") or []) if s != hit["source"]]
    return f" (also {', '.join(others)})" if others else ""


def _md(text: str) -> str:
    return text.replace("[", "\\[").replace("]", "\\]")


