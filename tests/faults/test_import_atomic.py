"""`newsmon import` is all or nothing: a file with one bad field anywhere changes nothing,
and says which line and field."""

from __future__ import annotations

import sqlite3

import pytest
from conftest import newsmon_here, run_newsmon
from synthetic import records, write_jsonl

BAD_VALUES = [
    ("language", ["x"], "field 'language' must be a string, not a list"),
    ("title", 5, "field 'title' must be a string, not a number"),
    ("source", {"a": 1}, "field 'source' must be a string, not an object"),
    ("author", True, "field 'author' must be a string, not true/false"),
    ("tags", "школа", "field 'tags' must be a list of strings"),
    ("tags", [1, 2], "field 'tags' must be a list of strings"),
    ("published", 20250101, "field 'published' must be a string"),
    ("published", "вчера", "field 'published' is not an ISO 8601 date"),
    ("url", ["https://a.example/x/"], "field 'url' must be a string"),
    ("body", None, "field 'body' must be a string, not null"),
    ("body", "слово " * 400_000, "field 'body' is too long (2,400,000 characters"),
    ("lead", "a\x00b", "field 'lead' holds a NUL character"),
]


def contents(data_dir) -> list[tuple]:
    db = sqlite3.connect(data_dir / "archive.sqlite")
    try:
        return db.execute("SELECT * FROM articles ORDER BY id").fetchall()
    finally:
        db.close()


@pytest.fixture(scope="module")
def base(tmp_path_factory):
    root = tmp_path_factory.mktemp("atomic")
    data_dir = root / "data"
    first = write_jsonl(root / "first.jsonl", records(20, seed=2, start=50_000))
    assert newsmon_here("import", str(first), data_dir=data_dir).returncode == 0
    return root, data_dir


@pytest.mark.parametrize(("field", "value", "message"), BAD_VALUES,
                         ids=[f"{f}-{type(v).__name__}" for f, v, _ in BAD_VALUES])
def test_one_bad_field_on_line_1001_changes_nothing(base, field, value, message, capsys):
    from search.cli import main

    root, data_dir = base
    items = records(1201, words=5)
    items[1000][field] = value
    path = write_jsonl(root / f"bad-{field}.jsonl", items)
    before = contents(data_dir)
    code = main(["--data-dir", str(data_dir), "import", str(path)])
    err = capsys.readouterr().err
    assert code == 2, err
    assert f"{path}:1001: {message}" in err
    assert len(err.strip().splitlines()) == 1
    assert contents(data_dir) == before and len(before) == 20


def test_the_real_command_names_line_and_field_and_changes_nothing(base):
    root, data_dir = base
    items = records(1201, words=5)
    items[1000]["language"] = ["x"]
    path = write_jsonl(root / "bad.jsonl", items)
    before = newsmon_here("export", data_dir=data_dir).stdout
    result = run_newsmon("import", str(path), data_dir=data_dir)
    assert result.returncode == 2
    assert result.stderr == f"newsmon: {path}:1001: field 'language' must be a string, not a list\n"
    assert newsmon_here("export", data_dir=data_dir).stdout == before


def test_a_bad_file_into_a_new_data_dir_archives_nothing(tmp_path):
    items = records(1201, words=5)
    items[1000]["language"] = ["x"]
    result = newsmon_here("import", str(write_jsonl(tmp_path / "bad.jsonl", items)),
                          data_dir=tmp_path / "data")
    assert result.returncode == 2
    assert not (tmp_path / "data" / "archive.sqlite").exists()
