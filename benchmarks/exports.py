"""Exports of many matches: memory and time of newsmon's streamed CSV and XLSX against
the whole-file-in-memory way (csv into one string; openpyxl's ordinary workbook), same
rows, same run.

    .venv/bin/python benchmarks/exports.py [ROWS]        (default 20000)

The web page sends /export.csv in chunks as the matches are read and writes /export.xlsx
row by row to a temporary file (search/exports.py); what a server holds for one export
then no longer grows with the rows.  Memory is tracemalloc's peak of Python allocations
(a separate pass, since tracing slows the code); time is the best of three untraced.
"""

from __future__ import annotations

import io
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from search import exports
from search.output import csv_safe

NAMES = {"s": "Вести Приволжья"}


def hits(n: int):
    for i in range(n):
        yield {"id": f"v{i}", "url": f"https://example.ru/news/{i}",
               "title": f"Новость номер {i}: колледж открыл мастерскую", "source": "s",
               "published": "2025-08-28T12:15:00+03:00", "story_size": 1 + i % 3,
               "snippet": "… <b>колледж</b> открыл новую мастерскую для студентов первого "
                          "курса в Волжском, сообщили в пресс-службе комитета …"}


def xlsx_in_memory(n: int) -> int:
    """The ordinary openpyxl workbook, every cell an object until save; the same cells,
    cleaned the same way."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    book = Workbook()
    sheet = book.active
    sheet.append(exports.HEADERS)
    link = Font(color="0563C1", underline="single")
    for line, row in enumerate(exports.rows(hits(n), NAMES), 2):
        sheet.append([row["published"], *(csv_safe(exports._cell(row[k])) for k in
                                          ("outlet", "title", "url", "snippet")),
                      row["reprints"], csv_safe(row["id"])])
        sheet.cell(line, 1).number_format = "DD.MM.YYYY HH:MM"
        sheet.cell(line, 4).hyperlink = row["url"]
        sheet.cell(line, 4).font = link
    buffer = io.BytesIO()
    book.save(buffer)
    return len(buffer.getvalue())


def write_xlsx(n: int) -> int:
    with tempfile.TemporaryFile() as spool:
        return exports.write_xlsx(hits(n), spool, NAMES)


def measure(fn) -> tuple[float, float]:
    """Best of three untraced runs (the machine may be shared), then one traced."""
    seconds = float("inf")
    for _ in range(3):
        started = time.perf_counter()
        fn()
        seconds = min(seconds, time.perf_counter() - started)
    tracemalloc.start()
    fn()
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return seconds, peak / 1e6


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 20_000
    cases = [
        ("CSV", "newsmon: chunks of 200 rows",
         lambda: sum(len(c) for c in exports.csv_chunks(hits(n), NAMES)),
         "whole file in one string",
         lambda: len(next(exports.csv_chunks(hits(n), NAMES, rows_per_chunk=n + 1)))),
        ("XLSX", "newsmon: write-only, temp file",
         lambda: write_xlsx(n),
         "openpyxl workbook in memory", lambda: xlsx_in_memory(n)),
    ]
    print(f"{n} rows{'':<34}{'s':>8}{'peak MB':>10}")
    for kind, ours_label, ours, peer_label, peer in cases:
        (t1, m1), (t2, m2) = measure(ours), measure(peer)
        print(f"{kind} {ours_label:<36}{t1:>8.2f}{m1:>10.1f}")
        print(f"{kind} {peer_label:<36}{t2:>8.2f}{m2:>10.1f}")
        print(f"{kind} ratio newsmon/peer{'':<21}{t1 / t2:>8.2f}{m1 / m2:>10.2f}")


if __name__ == "__main__":
    main()
