"""What people read: the e-mail (HTML with a plain-text alternative) and the Telegram
messages (HTML parse mode, split under the 4,096-character limit), in Russian, grouped by
watch, each story once with its outlets, dates and links.

Every piece of article text is untrusted: it is escaped for HTML in both, control
characters are stripped, and the snippet's own <b> marks are the only markup kept.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass, field
from typing import Any

from indexer.text import squash, terminal_safe

TELEGRAM_LIMIT = 4096
TITLE_MAX = 300  # a hostile or broken headline cannot make one story outgrow a message
SNIPPET_MAX = 600
OUTLETS_MAX = 12


def _text(value: Any, limit: int = 2000) -> str:
    """Untrusted text on one line, controls gone, cut to `limit` characters."""
    text = squash(terminal_safe(str(value or "")))
    return text if len(text) <= limit else text[:limit - 1] + "…"


def _e(value: Any, limit: int = 2000) -> str:
    return html.escape(_text(value, limit), quote=True)


def _snippet_html(snippet: str) -> str:
    """The hit's snippet is HTML already escaped, with <b> marks: re-built from its text so
    nothing but <b> survives."""
    parts = re.split(r"(</?b>)", snippet or "")
    out, bold, length = [], False, 0
    for part in parts:
        if part in ("<b>", "</b>"):
            bold = part == "<b>"
            continue
        text = html.unescape(part)
        room = SNIPPET_MAX - length
        if room <= 0:
            break
        text = text[:room]
        length += len(text)
        out.append(f"<b>{_e(text)}</b>" if bold and text.strip() else _e(text))
    return "".join(out)


def _plain_snippet(snippet: str) -> str:
    return _text(html.unescape(re.sub(r"</?b>", "", snippet or "")), SNIPPET_MAX)


def _day(published: Any) -> str:
    text = str(published or "")
    if not re.match(r"\d{4}-\d\d-\d\d", text):
        return "без даты"
    year, month, day = text[:10].split("-")
    return f"{day}.{month}.{year}"


def _safe_url(url: Any) -> str | None:
    text = str(url or "")
    return text if re.match(r"https?://[^\s\"'<>]+$", text) else None


def archive_link(web: str | None, article_id: str) -> str | None:
    return f"{web}/article/{article_id}" if web else None


def _stories(n: int) -> str:
    if n % 10 == 1 and n % 100 != 11:
        return f"{n} публикация"
    if n % 10 in (2, 3, 4) and n % 100 not in (12, 13, 14):
        return f"{n} публикации"
    return f"{n} публикаций"


def count(groups: list[dict[str, Any]]) -> int:
    return sum(len(g["hits"]) for g in groups)


# --- e-mail ---------------------------------------------------------------------------------

def email(groups: list[dict[str, Any]], web: str | None, zone: str) -> tuple[str, str, str]:
    """(subject, plain text, HTML) of one e-mail holding every group's stories."""
    groups = [g for g in groups if g["hits"]]
    names = ", ".join(_text(g["watch"], 60) for g in groups)
    subject = _text(f"newsmon: {_stories(count(groups))} — {names}", 200)
    text = [f"Новые публикации по наблюдениям newsmon (время: {zone}).", ""]
    body = ['<!DOCTYPE html><html lang="ru"><head><meta charset="utf-8">'
            f"<title>{_e(subject)}</title></head><body>",
            f"<p>Новые публикации по наблюдениям newsmon (время: {_e(zone)}).</p>"]
    for group in groups:
        title = f"{_text(group['watch'], 100)} — {_text(group['query'], 300)}"
        text += [title, "=" * min(len(title), 70)]
        body.append(f"<h2>{_e(group['watch'], 100)} <small>({_e(group['query'], 300)}, "
                    f"{_stories(len(group['hits']))})</small></h2><ul>")
        for hit in group["hits"]:
            link = archive_link(web, hit["id"])
            url = _safe_url(hit["url"])
            text.append(f"* {_text(hit['title'], TITLE_MAX)}")
            text.append(f"  {_day(hit['published'])}, {_text(hit['source'], 60)}: {hit['url']}")
            snippet = _plain_snippet(hit["snippet"])
            if snippet:
                text.append(f"  {snippet}")
            head = _e(hit["title"], TITLE_MAX)
            item = [f'<li><p><a href="{_e(url)}">{head}</a>' if url else f"<li><p>{head}",
                    f"<br><small>{_day(hit['published'])}, {_e(hit['source'], 60)}</small>"]
            if hit["snippet"]:
                item.append(f"<br>{_snippet_html(hit['snippet'])}")
            if link:
                item.append(f'<br><a href="{_e(link)}">в архиве newsmon</a>')
                text.append(f"  в архиве: {link}")
            others = [o for o in hit.get("outlets", []) if o["id"] != hit["id"]]
            if others:
                text.append("  также:")
                item.append("</p><p>Также:</p><ul>")
                for outlet in others[:OUTLETS_MAX]:
                    text.append(f"    {_day(outlet['published'])}, "
                                f"{_text(outlet['source'], 60)}: {outlet['url']}")
                    ourl = _safe_url(outlet["url"])
                    label = f"{_day(outlet['published'])}, {_e(outlet['source'], 60)}"
                    item.append(f'<li><a href="{_e(ourl)}">{label}</a></li>' if ourl
                                else f"<li>{label}</li>")
                if len(others) > OUTLETS_MAX:
                    text.append(f"    … и ещё {len(others) - OUTLETS_MAX}")
                    item.append(f"<li>… и ещё {len(others) - OUTLETS_MAX}</li>")
                item.append("</ul>")
            else:
                item.append("</p>")
            item.append("</li>")
            body.append("".join(item))
            text.append("")
        body.append("</ul>")
    body.append("</body></html>")
    return subject, "\n".join(text).rstrip() + "\n", "\n".join(body) + "\n"


# --- Telegram -------------------------------------------------------------------------------

@dataclass
class Chunk:
    """One Telegram message and the (watch, story, article id) it delivers."""

    text: str = ""
    items: list[tuple[str, str, str]] = field(default_factory=list)


def _units(text: str) -> int:
    """Telegram counts UTF-16 code units."""
    return len(text.encode("utf-16-le")) // 2


def _story_block(hit: dict[str, Any], web: str | None) -> str:
    url = _safe_url(hit["url"])
    head = _e(hit["title"], TITLE_MAX)
    lines = [f'• <a href="{_e(url)}">{head}</a>' if url else f"• {head}",
             f"{_day(hit['published'])}, {_e(hit['source'], 60)}"]
    if hit["snippet"]:
        lines.append(_snippet_html(hit["snippet"]))
    others = [o for o in hit.get("outlets", []) if o["id"] != hit["id"]]
    if others:
        shown = []
        for outlet in others[:OUTLETS_MAX]:
            ourl = _safe_url(outlet["url"])
            label = f"{_e(outlet['source'], 60)} ({_day(outlet['published'])})"
            shown.append(f'<a href="{_e(ourl)}">{label}</a>' if ourl else label)
        more = f" и ещё {len(others) - OUTLETS_MAX}" if len(others) > OUTLETS_MAX else ""
        lines.append("также: " + ", ".join(shown) + more)
    link = archive_link(web, hit["id"])
    if link:
        lines.append(f'<a href="{_e(link)}">в архиве</a>')
    return "\n".join(lines)


def telegram(groups: list[dict[str, Any]], web: str | None,
             limit: int = TELEGRAM_LIMIT) -> list[Chunk]:
    """Messages under `limit`, split between stories (a story is never cut in two); a
    message that starts within a watch repeats its heading."""
    chunks: list[Chunk] = []
    current = Chunk()
    for group in groups:
        if not group["hits"]:
            continue
        heading = f"<b>{_e(group['watch'], 100)}</b> — {_e(group['query'], 300)}"
        started = False
        for hit in group["hits"]:
            block = _story_block(hit, web)
            head = heading if not started else heading + " (продолжение)"
            addition = (("\n\n" if current.text else "") + (head + "\n\n" if not started
                        or not current.text else "") + block)
            if current.text and _units(current.text + addition) > limit:
                chunks.append(current)
                current = Chunk()
                addition = head + "\n\n" + block
            if _units(addition) > limit:  # cannot happen with the caps above; kept safe
                addition = addition[:limit // 2]
            current.text += addition
            current.items.append((group["watch"], hit["story"], hit["id"]))
            started = True
    if current.text:
        chunks.append(current)
    return chunks
