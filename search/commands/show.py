"""`newsmon show`: one archived article in full, with the story it belongs to."""

from __future__ import annotations

import argparse
from typing import Any

from indexer.article import Article
from indexer.text import squash, terminal_safe
from search import output
from search.commands import common
from search.i18n import _, ngettext

HELP = "one archived article in full"


def configure(p: argparse.ArgumentParser) -> None:
    p.add_argument("key", metavar="ID|URL",
                   help=_("the article's id, or any URL that led to it"))
    p.add_argument("--format", choices=("text", "json"), default="text",
                   help=_("text (default), or json: the article's record with its story"))


def run(args: Any) -> int:
    with common.app(args) as app:
        view = app.article(args.key)
    if args.format == "json":
        print(output.dumps(view.to_json()))
        return 0
    print(terminal_safe(article_text(view.article)))
    if len(view.members) > 1:
        print(terminal_safe(story_text(view.article.id, view.story, view.members)))
    return 0


def story_text(article_id: str, story: str | None, members: list[dict[str, Any]]) -> str:
    """The story's first publisher and its other articles."""
    first = members[0]
    who = (_("this article") if first["id"] == article_id
           else f"{first['source'] or '—'}, {first['published'] or _('undated')}")
    lines = ["", f"Сюжет {story}: " + ngettext(
        "{n} article; first published by {who}", "{n} articles; first published by {who}",
        len(members)).format(n=len(members), who=who)]
    for m in members:
        if m["id"] != article_id:
            lines.append(f"  {(m['published'] or '—')[:16]:<16}  {squash(m['source'] or '—'):<14}"
                         f"  {m['url']}  [{m['id']}]")
    return "\n".join(lines)


def article_text(article: Article) -> str:
    meta = [("Дата", article.published.isoformat() if article.published else "—"),
            ("Источник", article.source or "—"), ("Автор", article.author or "—"),
            ("Рубрика", article.section or "—"), ("Теги", ", ".join(article.tags) or "—"),
            ("URL", article.url), ("ID", article.id)]
    if article.matched:
        meta.append(("Тема: образование", ", ".join(article.matched)))
    lines = [squash(article.title), ""]
    lines += [f"{name}: {squash(value)}" for name, value in meta]
    lines.append("")
    if article.lead:
        lines += [squash(article.lead), ""]
    lines.append(article.body)
    return "\n".join(lines)
