"""Search hits as spreadsheets: CSV for Russian Excel and XLSX with real dates and links.

One module for every front end (the web page's /export.csv and /export.xlsx; the CLI can
reuse it).  Both take an iterable of hits — `indexer.backend.Hit`s or the dicts
`output.hit_json` makes — and the outlet names of the sources file (slug -> name).

CSV: UTF-8 with a byte-order mark, so Excel opens Cyrillic as Cyrillic, and `;` between
cells, the list separator of a Russian Windows locale (a comma there is the decimal
separator, and Excel given a `,` file puts each row into one cell).

Article text is untrusted: a cell starting with = + - @ (or a tab/CR) would run as a
formula, so it gets a leading apostrophe (`output.csv_safe`), in both formats.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator
from copy import copy
from datetime import datetime
from typing import Any

from indexer.backend import Hit
from indexer.text import squash
from search import output

DELIMITER = ";"
HEADERS = ["Дата", "Издание", "Заголовок", "URL", "Фрагмент", "Перепечатки", "ID"]
WIDTHS = [18, 24, 60, 50, 80, 12, 14]  # XLSX column widths, in characters
# columns a report may ask for beyond those (`newsmon search --columns author,section,text`)
EXTRA = {"author": ("Автор", 24), "section": ("Рубрика", 20), "text": ("Текст", 100)}


def rows(hits: Iterable[Hit | dict[str, Any]], names: dict[str, str] | None = None
         ) -> Iterator[dict[str, Any]]:
    """Each hit as plain values: published (datetime or None), outlet, title, url, snippet
    (unmarked), reprints (the story's other articles), id."""
    names = names or {}
    for hit in hits:
        if isinstance(hit, Hit):
            record = {"id": hit.id, "url": hit.url, "title": hit.title, "source": hit.source,
                      "published": hit.published,
                      "snippet": output.snippet(hit.snippet, "plain"),
                      "story_size": hit.story_size}
        else:
            record = {**hit, "snippet": _unmark(str(hit.get("snippet") or ""))}
        source = record.get("source") or ""
        yield {"published": _datetime(record.get("published")),
               "outlet": names.get(source, source),
               "title": squash(record.get("title") or ""),
               "url": record.get("url") or "",
               "snippet": squash(record["snippet"]),
               "reprints": max(0, int(record.get("story_size") or 1) - 1),
               "id": record.get("id") or ""}


def write_csv(hits: Iterable[Hit | dict[str, Any]], out: io.TextIOBase | Any,
              names: dict[str, str] | None = None, columns: tuple[str, ...] = (),
              details: Any = None) -> int:
    """Write the BOM, a header and one row per hit to a text stream; returns the rows.
    `columns`: EXTRA columns, their values from `details(id) -> dict`."""
    count = 0
    for chunk in csv_chunks(hits, names, columns, details):
        out.write(chunk)
        count += chunk.count("\r\n")
    return count - 1  # the header


def csv_chunks(hits: Iterable[Hit | dict[str, Any]], names: dict[str, str] | None = None,
               columns: tuple[str, ...] = (), details: Any = None, rows_per_chunk: int = 200
               ) -> Iterator[str]:
    """The CSV as text chunks of `rows_per_chunk` rows (the first with BOM and header), so a
    server can send an export of any size without holding it."""
    buffer = io.StringIO()
    buffer.write("\ufeff")
    writer = csv.writer(buffer, delimiter=DELIMITER, lineterminator="\r\n")
    writer.writerow([*HEADERS, *(EXTRA[c][0] for c in columns)])
    for count, row in enumerate(rows(hits, names), 1):
        day = row["published"]
        more = details(row["id"]) if columns else {}
        writer.writerow([day.strftime("%d.%m.%Y %H:%M") if day else "",
                         *(output.csv_safe(row[k]) for k in ("outlet", "title", "url",
                                                              "snippet")),
                         row["reprints"], output.csv_safe(row["id"]),
                         *(output.csv_safe(more.get(c) or "") for c in columns)])
        if count % rows_per_chunk == 0:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    if buffer.tell():
        yield buffer.getvalue()


def csv_bytes(hits: Iterable[Hit | dict[str, Any]], names: dict[str, str] | None = None
              ) -> bytes:
    return "".join(csv_chunks(hits, names)).encode("utf-8")


def write_xlsx(hits: Iterable[Hit | dict[str, Any]], out: Any,
               names: dict[str, str] | None = None, title: str = "Результаты",
               columns: tuple[str, ...] = (), details: Any = None) -> int:
    """A workbook of one sheet into `out` (a path or a binary file): real date cells (the
    article's own local time), the URL a clickable link, the header frozen and filterable.
    openpyxl's write-only mode streams the rows to disk as they come, so memory stays
    flat however many matches are exported; returns the rows."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    book = Workbook(write_only=True)
    sheet = book.create_sheet(_sheet_title(title))
    headers = [*HEADERS, *(EXTRA[c][0] for c in columns)]
    for number, size in enumerate([*WIDTHS, *(EXTRA[c][1] for c in columns)], 1):
        sheet.column_dimensions[get_column_letter(number)].width = size
    sheet.freeze_panes = "A2"
    bold, link, when = (WriteOnlyCell(sheet) for _ in range(3))
    bold.font = Font(bold=True)
    link.font = Font(color="0563C1", underline="single")
    when.number_format = "DD.MM.YYYY HH:MM"

    def cell(value: Any, like: WriteOnlyCell) -> WriteOnlyCell:
        """A cell styled as `like`: the style is shared, not looked up again per cell
        (openpyxl's way of copying a style; a third of the export's time otherwise)."""
        made = WriteOnlyCell(sheet, value=value)
        made._style = copy(like._style)
        return made

    sheet.append([cell(h, bold) for h in headers])
    line = 1
    for row in rows(hits, names):
        line += 1
        more = details(row["id"]) if columns else {}
        day = cell(row["published"], when) if row["published"] else None
        url = output.csv_safe(_cell(row["url"]))
        if row["url"].startswith(("http://", "https://")):
            url = cell(url, link)
            url.hyperlink = row["url"]
        sheet.append([day, *(output.csv_safe(_cell(row[k])) for k in ("outlet", "title")),
                      url, output.csv_safe(_cell(row["snippet"])),
                      row["reprints"], output.csv_safe(row["id"]),
                      *(output.csv_safe(_cell(more.get(c) or "")) for c in columns)])
    sheet.auto_filter.ref = f"A1:{get_column_letter(len(headers))}{line}"
    book.save(out)
    return line - 1


def xlsx_bytes(hits: Iterable[Hit | dict[str, Any]], names: dict[str, str] | None = None,
               title: str = "Результаты", columns: tuple[str, ...] = (),
               details: Any = None) -> bytes:
    buffer = io.BytesIO()
    write_xlsx(hits, buffer, names, title, columns, details)
    return buffer.getvalue()


def _datetime(value: object) -> datetime | None:
    """The article's own wall-clock time: Excel cells carry no zone."""
    if not value:
        return None
    try:
        parsed = datetime.fromisoformat(str(value))
    except ValueError:
        return None
    return parsed.replace(tzinfo=None, microsecond=0)


def _unmark(text: str) -> str:
    import html

    return html.unescape(text.replace("<b>", "").replace("</b>", ""))


def _cell(text: str) -> str:
    """Characters XLSX (XML 1.0) cannot hold are dropped; a cell holds 32,767 at most."""
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

    return ILLEGAL_CHARACTERS_RE.sub("", text)[:32_767]


def _sheet_title(text: str) -> str:
    clean = "".join(c for c in text if c not in "[]:*?/\\").strip()
    return (clean or "Результаты")[:31]
