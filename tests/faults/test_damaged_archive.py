"""A zero-byte, truncated, foreign or damaged archive is refused with one line saying what
to do, and `check` never empties the index because the archive lost its articles."""

from __future__ import annotations

import shutil
import sqlite3
from pathlib import Path

import pytest
from conftest import newsmon_here
from synthetic import imported_archive

from indexer.whoosh_index import WhooshIndex as Index

COUNT = 300


@pytest.fixture(scope="module")
def original(tmp_path_factory) -> Path:
    return imported_archive(tmp_path_factory.mktemp("damaged"), COUNT, words=300, seed=5)


@pytest.fixture
def data_dir(original, tmp_path) -> Path:
    copy = tmp_path / "data"
    shutil.copytree(original, copy)
    return copy


class Result:
    def __init__(self, returncode: int, stdout: str, stderr: str) -> None:
        self.returncode, self.stdout, self.stderr = returncode, stdout, stderr


def newsmon(capsys, data_dir: Path, *args: str) -> Result:
    """In this process: these commands stop before they write anything."""
    from search.cli import main

    code = main(["--data-dir", str(data_dir), *args])
    out, err = capsys.readouterr()
    return Result(code, out, err)


def refused(result, *words: str) -> None:
    assert result.returncode == 1, result.stderr
    assert len(result.stderr.strip().splitlines()) == 1, result.stderr
    assert "Traceback" not in result.stderr + result.stdout
    for word in words:
        assert word in result.stderr


def zero_bytes(path: Path) -> None:
    path.write_bytes(b"")


def truncated(path: Path) -> None:
    data = path.read_bytes()
    path.write_bytes(data[:len(data) // 2])


def foreign(path: Path) -> None:
    path.unlink()
    db = sqlite3.connect(path)
    db.execute("CREATE TABLE photos (name TEXT)")
    db.commit()
    db.close()


def not_sqlite(path: Path) -> None:
    path.write_text("id,title\n1,Школа\n", encoding="utf-8")


@pytest.mark.parametrize(("damage", "words"), [
    (zero_bytes, "is empty (0 bytes)"), (truncated, "is truncated"),
    (foreign, "is not a newsmon archive"), (not_sqlite, "is not an SQLite database")],
    ids=["zero-bytes", "truncated", "foreign", "not-sqlite"])
def test_a_broken_archive_file_is_refused_and_the_index_kept(data_dir, damage, words, capsys):
    archive = data_dir / "archive.sqlite"
    damage(archive)
    before = archive.read_bytes()
    refused(newsmon_here("check", data_dir=data_dir), words, "newsmon restore", ".recover")
    for command in (["search", "школа"], ["stats"], ["import", "/dev/null"], ["check"]):
        refused(newsmon(capsys, data_dir, *command), words, "newsmon restore", ".recover")
    assert archive.read_bytes() == before  # not even newsmon's tables were added
    assert len(Index(data_dir / "index").ids()) == COUNT


def test_check_keeps_the_index_of_an_emptied_archive_unless_forced(data_dir):
    db = sqlite3.connect(data_dir / "archive.sqlite")
    db.execute("DELETE FROM articles")
    db.commit()
    db.close()
    result = newsmon_here("check", data_dir=data_dir)
    refused(result, f"holds no articles but the index holds {COUNT}", "--force")
    assert len(Index(data_dir / "index").ids()) == COUNT
    forced = newsmon_here("check", "--force", data_dir=data_dir)
    assert forced.returncode == 0 and f"{COUNT} stray removed" in forced.stdout
    assert Index(data_dir / "index").ids() == set()


def test_pages_damaged_inside_say_restore_or_recover(data_dir, capsys):
    archive = data_dir / "archive.sqlite"
    data = bytearray(archive.read_bytes())
    page = int.from_bytes(data[16:18], "big")
    for start in range(2 * page, len(data) - page, 3 * page):  # every third page from 3rd
        data[start:start + page] = b"\xa5" * page
    archive.write_bytes(bytes(data))
    refused(newsmon_here("check", data_dir=data_dir), "is damaged", "newsmon restore")
    for command in (["search", "новость", "--limit", "50"], ["export"], ["check"]):
        result = newsmon(capsys, data_dir, *command)
        refused(result, "is damaged", "newsmon restore", ".recover")
    assert len(Index(data_dir / "index").ids()) == COUNT
