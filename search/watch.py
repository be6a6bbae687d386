"""Watch lists: saved queries, and the digest of what they match in the archive.

A digest since a day covers every article the archive took in since that day (its
`archived` time, in the configured zone) that matches a watch, whether the watch
existed then or not; each story once, shown by its earliest-published matching
article, with every outlet that carried it.  After each crawl the run's new matches
are also recorded (`watch list` counts them), a story once per watch.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from pathlib import Path
from typing import Any, Protocol
from zoneinfo import ZoneInfo

from indexer.store import DataDir
from search import output
from search.i18n import _
from search.query import QueryError, build


class App(Protocol):
    """What matching and digests need of the application layer (search/app.py's App, which
    calls this module: a protocol, not an import, keeps the two out of a loop)."""

    zone: ZoneInfo
    data_dir: DataDir
    config: Any

    def search(self, query: str, **options: Any) -> Any: ...

    def watches(self) -> list[dict[str, Any]]: ...


def check_query(data_dir: DataDir, query: str) -> None:
    build(query, data_dir.index.query_schema())


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


def day_start(day: date, zone: ZoneInfo) -> str:
    """The first instant of a calendar day in the zone, as the archive's UTC ISO text."""
    return datetime.combine(day, time(), zone).astimezone(UTC).replace(
        microsecond=0).isoformat()


def local(stamp: str | None, zone: ZoneInfo) -> str | None:
    """An archive timestamp (UTC ISO) in the configured zone."""
    if not stamp:
        return None
    return datetime.fromisoformat(stamp).astimezone(zone).replace(microsecond=0).isoformat()


def story_key(hit: Any) -> str:
    return hit.story or hit.id


def entries(app: App, archive: Any, watch: dict[str, Any], ids: list[str] | None,
            zone: ZoneInfo) -> list[dict[str, Any]]:
    """The stories a watch matches among `ids` (None: the whole archive), newest first:
    one entry per story, its earliest-published matching article with its snippet, the
    time the archive took it in (`matched`, in the zone) and every outlet (`outlets`,
    first publisher first, with dates and links)."""
    from indexer.stories import Stories

    if ids is not None and not ids:
        return []
    limit = len(ids) if ids is not None else max(1, archive.count())
    try:
        page = app.search(watch["query"], sources=[watch["source"]] if watch["source"] else None,
                          ids=ids, limit=limit, sort="date", group=False)
    except QueryError:
        return []
    by_story: dict[str, list[Any]] = {}
    for hit in page.hits:
        by_story.setdefault(story_key(hit), []).append(hit)
    members = Stories(archive.db).members(k for k, hits in by_story.items() if hits[0].story)
    archived = archive.archived_at(h.id for h in page.hits)
    found = []
    for key, hits in by_story.items():
        first = min(hits, key=lambda h: (h.published is None, h.published or "", h.id))
        outlets = [{"id": m["id"], "source": m["source"], "published": m["published"],
                    "url": m["url"], "title": m["title"]} for m in members.get(key, [])] or [
            {"id": first.id, "source": first.source, "published": first.published,
             "url": first.url, "title": first.title}]
        when = min(archived.get(h.id) or "" for h in hits)
        found.append({**output.hit_json(first), "story": key, "matched": local(when, zone),
                      "reprinted_by": list(first.reprints), "outlets": outlets})
    found.sort(key=lambda e: (e["published"] or e["matched"] or "", e["id"]), reverse=True)
    return found


def digest(data_dir: DataDir, app: App, since: date) -> list[dict[str, Any]]:
    """Per watch, the stories it matches among the articles archived on or after `since`
    (a day in the configured zone), newest first, with snippets."""
    zone = app.zone
    with data_dir.open_archive(readonly=True) as archive:
        ids = archive.archived_since(day_start(since, zone))
        return [{"watch": w["name"], "query": w["query"],
                 "hits": entries(app, archive, w, ids, zone)} for w in archive.watches()]


def render(groups: list[dict[str, Any]], fmt: str, since: date, zone: str = "") -> str:
    if fmt == "json":
        return output.dumps(groups)
    lines = []
    where = f" ({zone})" if zone else ""
    if fmt == "markdown":
        lines.append("# " + _("newsmon digest since {day}").format(day=since.isoformat())
                     + f"{where}\n")
    else:
        lines.append(_("articles archived since {day}").format(day=since.isoformat())
                     + f"{where}\n")
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
            lines.append(_("(nothing new)"))
        lines.append("")
    return "\n".join(lines)


def write_days(groups: list[dict[str, Any]], directory: Path, zone: str = "") -> list[Path]:
    """One Markdown file per day (in the configured zone) the articles arrived, for staff
    who read digests as files."""
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
        path.write_text(render(day_groups, "markdown", date.fromisoformat(day), zone),
                        encoding="utf-8")
        written.append(path)
    return written


def _also(hit: dict[str, Any]) -> str:
    """The story's other sources, after the hit's own: «(also v1, v102)»."""
    others = [s for s in dict.fromkeys(hit.get("reprinted_by") or []) if s != hit["source"]]
    return " " + _("(also {sources})").format(sources=", ".join(others)) if others else ""


def _md(text: str) -> str:
    return text.replace("[", "\\[").replace("]", "\\]")


