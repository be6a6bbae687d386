"""Watch lists: saved queries matched against each run's new articles, and the digest.

Matching happens right after a crawl, against only that run's new articles, so
a digest lists each article once, under every watch it matched, on the day it
arrived — not everything old that happens to match.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from indexer.store import DataDir
from search import output
from search.engine import Searcher
from search.query import QueryError, build


def add(data_dir: DataDir, name: str, query: str, source: str | None) -> None:
    build(query, data_dir.index.query_schema())  # a malformed query is refused now, not at 3 a.m.
    with data_dir.open_archive(create=True) as archive, archive.db:
        archive.db.execute("INSERT OR REPLACE INTO watches (name, query, source, created) "
                           "VALUES (?, ?, ?, ?)", (name, query, source, _now()))


def remove(data_dir: DataDir, name: str) -> bool:
    with data_dir.open_archive() as archive, archive.db:
        gone = archive.db.execute("DELETE FROM watches WHERE name = ?", (name,)).rowcount
        archive.db.execute("DELETE FROM watch_hits WHERE watch = ?", (name,))
    return bool(gone)


def watches(data_dir: DataDir) -> list[dict[str, Any]]:
    if not data_dir.archive_path.exists():
        return []
    with data_dir.open_archive() as archive:
        rows = archive.db.execute(
            "SELECT w.name, w.query, w.source, w.created, COUNT(h.article_id) FROM watches w "
            "LEFT JOIN watch_hits h ON h.watch = w.name GROUP BY w.name ORDER BY w.name")
        return [{"name": n, "query": q, "source": s, "created": c, "hits": k}
                for n, q, s, c, k in rows]


def record_hits(data_dir: DataDir, run_id: str, new_ids: list[str]) -> int:
    """Match every watch against this run's new articles; returns how many hits were added."""
    listed = watches(data_dir)
    if not listed or not new_ids:
        return 0
    searcher = Searcher(data_dir)
    found = []
    db = searcher.archive.db

    def seen(story: str | None) -> set[tuple[str, str | None]]:
        """(watch, story) pairs already hit: a reprint of a story a digest showed is not
        news again."""
        return set(db.execute(
            "SELECT h.watch, m.story FROM watch_hits h JOIN story_members m "
            "ON m.article_id = h.article_id WHERE m.story = ?", (story,))) if story else set()

    for watch in listed:
        try:
            page = searcher.search(watch["query"], sources=[watch["source"]] if watch["source"]
                                   else None, ids=new_ids, limit=len(new_ids))
        except QueryError:
            continue
        found += [(watch["name"], hit.id, run_id, _now())
                  for hit in page.hits if (watch["name"], hit.story) not in seen(hit.story)]
    with data_dir.open_archive() as archive, archive.db:
        archive.db.executemany("INSERT OR IGNORE INTO watch_hits VALUES (?, ?, ?, ?)", found)
    return len(found)


def digest(data_dir: DataDir, since: date) -> list[dict[str, Any]]:
    """Per watch, the articles it matched on or after `since`, newest first, with snippets."""
    searcher = Searcher(data_dir)
    result = []
    for watch in watches(data_dir):
        with data_dir.open_archive() as archive:
            rows = archive.db.execute(
                "SELECT article_id, matched FROM watch_hits WHERE watch = ? AND matched >= ? "
                "ORDER BY matched DESC", (watch["name"], since.isoformat())).fetchall()
        matched = dict(rows)
        page = searcher.search(watch["query"], ids=list(matched), limit=max(1, len(matched)),
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


def _now() -> str:
    return datetime.now(UTC).replace(microsecond=0).isoformat()


