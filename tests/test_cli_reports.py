"""Reports from the command line: Excel files and CSV as Russian Excel reads it."""

from __future__ import annotations

import csv
import io
import json
from datetime import datetime

import pytest


def test_xlsx_report_of_every_hit_with_real_dates_links_and_outlet_names(cli, tmp_path):
    from openpyxl import load_workbook

    code, out, _ = cli("search", "школа", "--all", "--count")
    total = int(out)
    path = tmp_path / "report.xlsx"
    code, _, err = cli("search", "школа", "--all", "--limit", "all", "-o", str(path),
                       "--columns", "author,text")
    assert code == 0, err
    sheet = load_workbook(path).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][:3] == ("Дата", "Издание", "Заголовок") and rows[0][-2:] == ("Автор", "Текст")
    assert len(rows) - 1 == total
    assert all(isinstance(r[0], datetime) for r in rows[1:])
    assert {r[1] for r in rows[1:]} == {"Вести Приволжья"}  # the outlet, not the slug
    assert sheet.cell(2, 4).hyperlink.target.startswith("http")
    assert all(r[-1] and len(r[-1]) > 100 for r in rows[1:])  # the article's text


def test_csv_file_is_written_for_excel(cli, tmp_path):
    shown = min(10, int(cli("search", "школа", "--count")[1]))
    path = tmp_path / "report.csv"
    code, _, err = cli("search", "школа", "-o", str(path))
    assert code == 0, err
    data = path.read_bytes()
    assert data.startswith("\ufeff".encode())
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig")), delimiter=";"))
    assert rows[0][0] == "Дата" and len(rows) == 1 + shown  # the page asked for
    assert all(r[0][2] == "." for r in rows[1:])  # 28.08.2025 12:15


def test_every_format_goes_to_a_file_and_mistakes_are_usage_errors(cli, tmp_path):
    shown = min(10, int(cli("search", "школа", "--count")[1]))
    path = tmp_path / "hits.json"
    code, out, _ = cli("search", "школа", "--format", "json", "-o", str(path))
    assert code == 0 and out == ""
    assert len(json.loads(path.read_text(encoding="utf-8"))) == shown
    for args in (["--format", "xlsx"], ["--excel", "--columns", "votes"],
                 ["--columns", "author"], ["-o", str(tmp_path / "none" / "x.csv")]):
        code, _, err = cli("search", "школа", *args)
        assert code == 2 and len(err.strip().splitlines()) == 1, (args, err)


@pytest.mark.parametrize("fmt", ["csv"])
def test_plain_csv_on_standard_output_stays_for_programs(cli, fmt):
    code, out, _ = cli("search", "школа", "--format", fmt)
    assert code == 0 and not out.startswith("\ufeff") and out.splitlines()[0].startswith("id,")
