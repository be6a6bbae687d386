"""Printing results for people (a table) and for programs (JSON, JSON lines, CSV).

Everything here treats article text as untrusted: control characters are
stripped before anything reaches a terminal, and CSV cells that a spreadsheet
would run as a formula are neutralized.
"""

from __future__ import annotations

import csv
import html
import io
import json
import re
import shutil
import unicodedata
from collections.abc import Iterable
from typing import Any

from indexer.backend import Hit
from indexer.text import squash, terminal_safe
from search.i18n import _, language, ngettext
from search.snippets import HIT_END, HIT_START

BOLD, RESET = "\x1b[1m", "\x1b[0m"
_MARKED = re.compile(f"({HIT_START}[^{HIT_END}]*{HIT_END})")


def color(stream: Any) -> bool:
    """Bold and bars drawn only on a terminal, and never when NO_COLOR is set."""
    import os

    return not os.environ.get("NO_COLOR") and hasattr(stream, "isatty") and stream.isatty()


def snippet(text: str, style: str) -> str:
    """Matched words as <b>…</b> ("html"), terminal bold ("ansi") or unmarked ("plain")."""
    start, end = {"html": ("<b>", "</b>"), "ansi": (BOLD, RESET), "plain": ("", "")}[style]
    out = []
    for part in _MARKED.split(" ".join(text.split())):
        marked = part.startswith(HIT_START)
        clean = terminal_safe(part.strip(HIT_START + HIT_END))
        if style == "html":
            clean = html.escape(clean, quote=False)
        out.append(f"{start}{clean}{end}" if marked and clean else clean)
    return "".join(out).strip()


def hit_json(hit: Hit) -> dict[str, Any]:
    return {"id": hit.id, "url": hit.url, "title": hit.title, "source": hit.source,
            "published": hit.published, "score": hit.score, "snippet": snippet(hit.snippet, "html"),
            "story": hit.story, "story_size": hit.story_size}


def reprints_line(hit: Hit, shown: int = 5) -> str:
    """«+4 перепечатки: v1, v102, …»: the story's other articles, by source, first
    publisher first."""
    if not hit.reprints:
        return ""
    n = len(hit.reprints)
    noun = ("перепечатка" if n % 10 == 1 and n % 100 != 11 else
            "перепечатки" if n % 10 in (2, 3, 4) and n % 100 not in (12, 13, 14) else
            "перепечаток")
    names = ", ".join(terminal_safe(squash(s)) for s in hit.reprints[:shown])
    return f"+{n} {noun}: {names}{', …' if n > shown else ''}"


def width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def fit(text: str, size: int) -> str:
    text = squash(text)
    if width(text) <= size:
        return text + " " * (size - width(text))
    return text[: max(0, size - 1)] + "…"


def table(hits: list[Hit], total: int, offset: int, color: bool,
          articles: int | None = None) -> str:
    """`articles`: the total is of stories, of which these articles match."""
    columns = shutil.get_terminal_size((120, 20)).columns
    lines = []
    days = [when(hit.published) for hit in hits]
    day_width = max((width(d) for d in days), default=10)
    title_width = max(30, columns - day_width - 2 - 14 - 2)
    for hit, day in zip(hits, days, strict=True):
        head = f"{fit(day, day_width)}  {fit(hit.source, 14)}  {fit(hit.title, title_width)}"
        head = head.rstrip()
        lines.append(f"{BOLD}{head}{RESET}" if color else head)
        lines.append("    " + snippet(hit.snippet, "ansi" if color else "plain"))
        lines.append(f"    {terminal_safe(hit.url)}  [{hit.id}]")
        if reprints_line(hit):
            lines.append(f"    {reprints_line(hit)}")
        lines.append("")
    shown = (_("{first}–{last} of {total}").format(first=offset + 1, last=offset + len(hits),
                                                   total=total)
             if hits else _("none of {total}").format(total=total))
    if articles is None:
        lines.append(ngettext("{shown} article", "{shown} articles", total).format(shown=shown))
    else:
        lines.append(ngettext("{shown} story", "{shown} stories", total).format(shown=shown)
                     + " (" + ngettext("{n} article", "{n} articles", articles).format(
                         n=articles) + ")")
    return "\n".join(lines)


MONTHS_RU = ("янв", "фев", "мар", "апр", "мая", "июн", "июл", "авг", "сен", "окт", "ноя", "дек")


def when(published: str | None) -> str:
    """An article's date for a table: «2025-08-28» in English, «28 авг 2025, 12:15» in
    Russian (the article's own local time)."""
    if not published:
        return "—"
    if language() != "ru":
        return published[:10]
    try:
        from datetime import datetime

        moment = datetime.fromisoformat(published)
    except ValueError:
        return published[:10]
    day = f"{moment.day} {MONTHS_RU[moment.month - 1]} {moment.year}"
    return f"{day}, {moment:%H:%M}" if len(published) > 10 else day


def csv_safe(value: object) -> str:
    """A cell starting with = + - @ (or a tab/CR) would run as a spreadsheet formula."""
    text = "" if value is None else str(value)
    if text[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + text
    return text


def to_csv(rows: Iterable[dict[str, Any]], fields: list[str]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(fields)
    for row in rows:
        writer.writerow([csv_safe(squash(str(row[f])) if row[f] is not None else "")
                         for f in fields])
    return buffer.getvalue()


def dumps(data: object) -> str:
    return json.dumps(data, ensure_ascii=False, indent=2)


def bars(counts: dict[str, int], size: int = 40, draw: bool = True) -> str:
    """A terminal bar chart: one row a key, the longest bar `size` wide; `draw` false
    (a pipe, NO_COLOR): the counts alone."""
    if not counts:
        return "  (none)"
    top = max(counts.values()) or 1
    label = max(width(squash(k) or "—") for k in counts)
    rows = []
    for key, value in counts.items():
        name = squash(key) or "—"
        bar = "█" * max(1, round(size * value / top)) if value and draw else ""
        rows.append(f"  {name}{' ' * (label - width(name))}  {value:>6}  {bar}".rstrip())
    return "\n".join(rows)
